/**
 * Word recall of recognised text against ground truth: words of 3+ characters, case- and
 * punctuation-insensitive, each ground-truth occurrence matched at most once.
 */
export function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= 3);
}

export function wordRecall(truth: string, recognised: string): { found: number; total: number } {
  const available = new Map<string, number>();
  for (const w of wordsOf(recognised)) available.set(w, (available.get(w) ?? 0) + 1);
  let found = 0;
  const words = wordsOf(truth);
  for (const w of words) {
    const n = available.get(w) ?? 0;
    if (n > 0) {
      found++;
      available.set(w, n - 1);
    }
  }
  return { found, total: words.length };
}
