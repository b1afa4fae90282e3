/**
 * Object labels from NanoDet-m (COCO-80, 416×416), run directly in onnxruntime-node. An image is labelled
 * with each class whose best anchor scores at least the confidence floor: what is in the picture, not where,
 * so no boxes are decoded and no NMS is needed.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { COCO_CLASSES, friendlyLabel } from '../../core/coco-labels.js';
import { LoupeError, reasonOf } from '../../core/errors.js';
import type { ObjectLabeler } from '../../ports/object-labeler.js';
import type { RgbPixels } from '../../ports/clip-embedder.js';
import type { ImageLabel } from '../../ports/store.js';

export const NANODET_MODEL_ID = 'nanodet/nanodet-m';
export const NANODET_FILE = 'nanodet_m.onnx';

const SIDE = 416;
// NanoDet's training normalisation, BGR order.
const MEAN = [103.53, 116.28, 123.675];
const STD = [57.375, 57.12, 58.395];
/** Each 8-bit value's normalised input, per BGR channel: a lookup instead of arithmetic per pixel (half the time). */
const NORMALISED = MEAN.map((mean, c) => Float32Array.from({ length: 256 }, (_, v) => (v - mean) / STD[c]));
/** Class-score outputs of the three strides (8, 16, 32) in this export; already sigmoid-activated. */
const SCORE_OUTPUTS = ['792', '814', '836'];
const MAX_LABELS = 10;

export interface NanoDetOptions {
  modelFile: string;
  minConfidence: number;
}

export class NanoDetLabeler implements ObjectLabeler {
  readonly inputSide = SIDE;
  readonly model = NANODET_MODEL_ID;
  private spareInput: Float32Array | null = null;
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly minConfidence: number,
  ) {}

  static async load(o: NanoDetOptions): Promise<NanoDetLabeler> {
    try {
      const model = withoutInitializerInputs(await readFile(o.modelFile));
      // Every core: onnxruntime-node's run holds the calling thread, so two images in flight do not run two
      // networks at once (measured: 18 ms per image either way on one thread each, 11.6 ms on two threads).
      const session = await ort.InferenceSession.create(model, { intraOpNumThreads: os.availableParallelism(), interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 });
      return new NanoDetLabeler(session, o.minConfidence);
    } catch (e) {
      throw new LoupeError('MODEL_LOAD_FAILED', { model: NANODET_MODEL_ID, reason: reasonOf(e) }, { cause: e });
    }
  }

  async label(image: Buffer): Promise<ImageLabel[]> {
    const { data } = await sharp(image, { limitInputPixels: 268_402_689 }).rotate().resize(SIDE, SIDE, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return this.labelPixels({ data, width: SIDE, height: SIDE });
  }

  async labelPixels({ data, width, height }: RgbPixels): Promise<ImageLabel[]> {
    if (width !== SIDE || height !== SIDE || data.length !== SIDE * SIDE * 3) throw new RangeError(`NanoDet takes ${SIDE} × ${SIDE} RGB pixels, not ${width} × ${height}`);
    const plane = SIDE * SIDE;
    // One input buffer reused between calls (a fresh 2 MB array per image is measurable garbage); a call made while
    // another runs gets its own.
    const input = this.spareInput ?? new Float32Array(3 * plane);
    this.spareInput = null;
    const [blue, green, red] = NORMALISED;
    for (let i = 0, j = 0; i < plane; i++, j += 3) {
      input[i] = blue[data[j + 2]];
      input[plane + i] = green[data[j + 1]];
      input[2 * plane + i] = red[data[j]];
    }
    const out = await this.session.run({ [this.session.inputNames[0]]: new ort.Tensor('float32', input, [1, 3, SIDE, SIDE]) }).finally(() => (this.spareInput = input));
    const classes = COCO_CLASSES.length;
    const best = new Float32Array(classes);
    for (const name of SCORE_OUTPUTS) {
      const scores = out[name].data as Float32Array; // anchors × classes
      for (let anchor = 0; anchor < scores.length; anchor += classes)
        for (let c = 0; c < classes; c++) {
          const score = scores[anchor + c];
          if (score > best[c]) best[c] = score;
        }
    }
    return [...best]
      .map((confidence, c) => ({ raw: COCO_CLASSES[c] as string, label: friendlyLabel(COCO_CLASSES[c]), confidence: Math.round(confidence * 1000) / 1000 }))
      .filter((l) => l.confidence >= this.minConfidence)
      .sort((a, b) => b.confidence - a.confidence)
      .slice(0, MAX_LABELS);
  }

  async dispose() {
    await this.session.release();
  }
}

/**
 * This export lists its weights as graph inputs too, which stops onnxruntime from folding them as constants
 * (it warns, and runs ~40 % slower): the same model without those inputs.
 */
export function withoutInitializerInputs(bytes: Buffer): Uint8Array {
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const weights = new Set((graph.initializer ?? []).map((t) => t.name));
  graph.input = (graph.input ?? []).filter((i) => !weights.has(i.name!));
  return onnx.ModelProto.encode(model).finish();
}
