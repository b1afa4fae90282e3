/** Shared benchmark helpers: percentiles, machine facts, and writing a section of bench/RESULTS.md. */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const RESULTS = path.join(import.meta.dirname, 'RESULTS.md');

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const median = (values: number[]) => percentile(values, 50);
export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** Replaces (or appends) the section `name` of RESULTS.md. */
export async function writeSection(name: string, markdown: string): Promise<void> {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  let text = await readFile(RESULTS, 'utf8').catch(
    () =>
      '# Benchmark results\n\nWritten by the scripts in `bench/` (`npm run bench`, or `node --import tsx bench/<name>.ts`). Each section records its machine and date.\n',
  );
  const block = `${start}\n${markdown.trim()}\n\n_Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}._\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  await writeFile(RESULTS, text);
  console.log(markdown);
}
