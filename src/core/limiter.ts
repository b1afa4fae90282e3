/** At most `slots` tasks at once; the rest wait their turn in order, tasks run `behind` after all the others. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly waitingBehind: (() => void)[] = [];
  constructor(private readonly slots: number) {}

  async run<T>(task: () => Promise<T>, behind = false): Promise<T> {
    if (this.active >= this.slots)
      await new Promise<void>((resolve) => (behind ? this.waitingBehind : this.waiting).push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      (this.waiting.shift() ?? this.waitingBehind.shift())?.();
    }
  }
}
