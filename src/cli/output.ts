/** Terminal output helpers shared by the CLI commands: progress bars on stderr, tables, colours. */
import { stripVTControlCharacters } from 'node:util';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import pc from 'picocolors';
import type { DownloadProgress } from '../adapters/hub/model-files.js';

export { pc };

export function printJson(value: unknown) {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A table as wide as its content, or as the terminal (or COLUMNS; piped output keeps whole lines): the widest columns wrap. */
export function table(head: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const width = process.stdout.columns ?? (Number(process.env.COLUMNS) || Infinity);
  // Each column's natural width (content + 2 of padding), then the widest narrowed until the borders fit the width.
  const natural = head.map(
    (h, c) => Math.max(h.length, ...cells.map((r) => stripVTControlCharacters(r[c] ?? '').length)) + 2,
  );
  const widths = [...natural];
  const total = () => widths.reduce((a, b) => a + b, 0) + widths.length + 1;
  while (total() > width) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest] <= 8) break;
    widths[widest]--;
  }
  const narrowed = widths.some((w, i) => w < natural[i]);
  const t = new Table({
    head: head.map((h) => pc.bold(h)),
    style: { head: [], border: [] },
    ...(narrowed ? { colWidths: widths, wordWrap: true, wrapOnWordBoundary: true } : {}),
  });
  t.push(...cells);
  return t.toString();
}

/** A progress bar with rate and ETA, drawn on stderr only when it is a terminal. */
export function progressBar(unit: string, label = '') {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label ? label.padEnd(15) + ' ' : ''}{bar} {percentage}% | {value}/{total} ${unit} | {rate} | ETA {eta} | {item}`,
      hideCursor: true,
      etaBuffer: 64,
      fps: 8,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  let running = false;
  return {
    update(done: number, total: number, item = '') {
      const seconds = (performance.now() - started) / 1000;
      // A rate (and so an ETA) only once there is one to tell: the first ticks come after a few ms.
      const measured = done >= 3 && seconds >= 1;
      const rate = done / seconds;
      const payload = {
        rate: measured ? `${rate.toFixed(1)} ${unit}/s` : `… ${unit}/s`,
        eta: measured ? formatSeconds((total - done) / rate) : '…',
        item: shorten(item, 40),
      };
      if (!running) {
        bar.start(total, done, payload);
        running = true;
      } else {
        bar.setTotal(total);
        bar.update(done, payload);
      }
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

/** Model download progress: one bar per file, in megabytes. */
export function downloadProgress() {
  let current: { file: string; bar: cliProgress.SingleBar } | undefined;
  return (p: DownloadProgress) => {
    if (current?.file !== p.file) {
      current?.bar.stop();
      const bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: `downloading ${p.file} {bar} {percentage}% | {value}/{total} MB`,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.max(1, Math.round((p.total ?? 0) / 1e6)), 0);
      current = { file: p.file, bar };
    }
    current.bar.update(Math.round(p.received / 1e6));
    if (p.total && p.received >= p.total) current.bar.stop();
  };
}

function shorten(s: string, max: number) {
  return s.length <= max ? s : '…' + s.slice(s.length - max + 1);
}

/** 75 → "1m15s", 3700 → "1h01m". */
function formatSeconds(s: number): string {
  const t = Math.max(0, Math.round(s));
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
}
