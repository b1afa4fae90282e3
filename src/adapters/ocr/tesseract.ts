/** OCR with the tesseract command (Debian: apt-get install tesseract-ocr), reading its TSV output. */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { RecognizedWord, RecognizerOptions, TextRecognizer } from '../../ports/text-recognizer.js';
import { ocrInput } from './prepare.js';

export async function tesseractVersion(): Promise<string | null> {
  try {
    const { stdout, stderr } = await promisify(execFile)('tesseract', ['--version'], { timeout: 10_000 });
    return /tesseract\s+v?([\d.]+)/i.exec(stdout + stderr)?.[1] ?? 'unknown';
  } catch {
    return null;
  }
}

export class TesseractRecognizer implements TextRecognizer {
  readonly model: string;

  constructor(private readonly o: RecognizerOptions & { version: string; language?: string }) {
    this.model = `tesseract-${o.version}/${o.language ?? 'eng'}`;
  }

  async recognize(image: Buffer) {
    const { png, scale } = await ocrInput(image, this.o.maxResolution);
    const tsv = await run(['stdin', 'stdout', '-l', this.o.language ?? 'eng', '--psm', '3', 'tsv'], png);
    const words: RecognizedWord[] = [];
    const lines: string[][] = [];
    let lineKey = '';
    for (const row of tsv.split('\n').slice(1)) {
      const c = row.split('\t');
      if (c.length < 12 || c[0] !== '5') continue; // level 5 = word
      const text = c.slice(11).join('\t').trim();
      const confidence = Number(c[10]) / 100;
      if (!text || confidence < this.o.minConfidence) continue;
      const [left, top, width, height] = c.slice(6, 10).map(Number);
      words.push({
        text,
        confidence,
        box: [left / scale, top / scale, (left + width) / scale, (top + height) / scale].map(
          Math.round,
        ) as RecognizedWord['box'],
      });
      const key = c.slice(1, 5).join('.'); // page.block.paragraph.line
      if (key !== lineKey) {
        lines.push([]);
        lineKey = key;
      }
      lines[lines.length - 1].push(text);
    }
    return { text: lines.map((l) => l.join(' ')).join('\n'), words };
  }
}

function run(args: string[], input: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    // One thread per tesseract: the pipeline runs other work on the second core.
    const child = spawn('tesseract', args, { env: { ...process.env, OMP_THREAD_LIMIT: '1' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out).toString('utf8'))
        : reject(new Error(`tesseract exited ${code}: ${Buffer.concat(err).toString().trim()}`)),
    );
    child.stdin.end(input);
  });
}
