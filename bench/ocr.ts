/**
 * OCR on FUNSD: word recall (words of 3+ characters, case- and punctuation-insensitive) and ms per form,
 * for each engine, over the 50 test-split forms. Run: node --import tsx bench/ocr.ts [forms]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PpOcrRecognizer } from '../src/adapters/ocr/ppocr.js';
import { TesseractRecognizer, tesseractVersion } from '../src/adapters/ocr/tesseract.js';
import { wordRecall } from '../src/core/word-recall.js';
import type { TextRecognizer } from '../src/ports/text-recognizer.js';
import { fmt, median, writeSection } from './report.js';

const FUNSD = path.resolve(import.meta.dirname, '../../shared/datasets/funsd');
const count = Number(process.argv[2] ?? 50);
const forms = (await readFile(path.join(FUNSD, 'gt.jsonl'), 'utf8'))
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l))
  .filter((g) => g.split === 'test')
  .slice(0, count);
const options = { minConfidence: 0.5, maxResolution: 2000 };
const engines: TextRecognizer[] = [new PpOcrRecognizer(options)];
const version = await tesseractVersion();
if (version) engines.unshift(new TesseractRecognizer({ ...options, version }));

const rows: string[] = [];
for (const engine of engines) {
  await engine.recognize(await readFile(path.join(FUNSD, 'images', forms[0].image))); // load models
  let found = 0;
  let total = 0;
  const ms: number[] = [];
  for (const f of forms) {
    const bytes = await readFile(path.join(FUNSD, 'images', f.image));
    const t = performance.now();
    const { text } = await engine.recognize(bytes);
    ms.push(performance.now() - t);
    const r = wordRecall(f.text, text);
    found += r.found;
    total += r.total;
  }
  rows.push(
    `| ${engine.model} | ${fmt(found / total, 3)} | ${found} / ${total} | ${fmt(median(ms), 0)} | ${fmt(ms.reduce((a, b) => a + b, 0) / ms.length, 0)} |`,
  );
  console.log(rows.at(-1));
}

await writeSection(
  'ocr',
  `## OCR on FUNSD (${forms.length} test-split forms, ~754×1000 grayscale scans)

Word recall: ground-truth words of 3+ characters, lower-cased, punctuation removed, each occurrence matched at most once against the recognised text. Minimum word confidence ${options.minConfidence}. One engine process at a time on 2 cores (tesseract with OMP_THREAD_LIMIT=1).

| engine | word recall | words found | median ms/form | mean ms/form |
|---|---|---|---|---|
${rows.join('\n')}

\`LOUPE_OCR=auto\` uses PP-OCRv4 (better recall; installed by npm); \`LOUPE_OCR=tesseract\` trades recall for ~4× speed. Noisy 1980s scans with handwriting: both engines miss handwritten fields and small print.`,
);
