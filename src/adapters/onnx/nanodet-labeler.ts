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
const PIXELS = 'rgb_pixels';
const CLASS_SCORES = 'class_scores';
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
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly minConfidence: number,
  ) {}

  static async load(o: NanoDetOptions): Promise<NanoDetLabeler> {
    try {
      const model = labelsGraph(await readFile(o.modelFile));
      // Every core: onnxruntime-node's run holds the calling thread, so two images in flight do not run two
      // networks at once (measured: 18 ms per image either way on one thread each, 11.6 ms on two threads).
      const session = await ort.InferenceSession.create(model, {
        intraOpNumThreads: os.availableParallelism(),
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      });
      return new NanoDetLabeler(session, o.minConfidence);
    } catch (e) {
      throw new LoupeError('MODEL_LOAD_FAILED', { model: NANODET_MODEL_ID, reason: reasonOf(e) }, { cause: e });
    }
  }

  async label(image: Buffer): Promise<ImageLabel[]> {
    const { data } = await sharp(image, { limitInputPixels: 268_402_689 })
      .rotate()
      .resize(SIDE, SIDE, { fit: 'fill' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return this.labelPixels({ data, width: SIDE, height: SIDE });
  }

  async labelPixels({ data, width, height }: RgbPixels): Promise<ImageLabel[]> {
    if (width !== SIDE || height !== SIDE || data.length !== SIDE * SIDE * 3)
      throw new RangeError(`NanoDet takes ${SIDE} × ${SIDE} RGB pixels, not ${width} × ${height}`);
    // The graph takes the 8-bit pixels as they are and gives each class's best score (see labelsGraph).
    const out = await this.session.run({ [PIXELS]: new ort.Tensor('uint8', data, [1, SIDE, SIDE, 3]) });
    const best = out[CLASS_SCORES].data as Float32Array;
    return [...best]
      .map((confidence, c) => ({
        raw: COCO_CLASSES[c] as string,
        label: friendlyLabel(COCO_CLASSES[c]),
        confidence: Math.round(confidence * 1000) / 1000,
      }))
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
export function withoutInitializerInputs(bytes: Buffer | Uint8Array): Uint8Array {
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const weights = new Set((graph.initializer ?? []).map((t) => t.name));
  graph.input = (graph.input ?? []).filter((i) => !weights.has(i.name!));
  return onnx.ModelProto.encode(model).finish();
}

/**
 * The graph Loupe runs: the shipped one (without its weights listed as inputs) with the pixels' preparation and the
 * scores' reduction moved into it, so onnxruntime does them on its own threads instead of JavaScript on the event loop
 * (measured in a busy index pass: 24 ms per image against 17 for the bare network, most of the gap the two loops).
 * In: `rgb_pixels`, uint8 [1, 416, 416, 3] as decoded. Out: `class_scores`, float [1, 80], each class's best score over
 * every anchor of the three strides. The box heads are no longer outputs, so onnxruntime skips computing them.
 */
export function labelsGraph(bytes: Buffer): Uint8Array {
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.decode(withoutInitializerInputs(bytes));
  const graph = model.graph!;
  const original = graph.input![0];
  const ints = (name: string, values: number[]) => ({
    name,
    type: onnx.AttributeProto.AttributeType.INTS,
    ints: values,
  });
  const int = (name: string, value: number) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });
  const floats = (name: string, values: number[]) =>
    onnx.TensorProto.create({ name, dataType: onnx.TensorProto.DataType.FLOAT, dims: [1, 3, 1, 1], floatData: values });
  graph.initializer!.push(
    onnx.TensorProto.create({
      name: 'bgr_order',
      dataType: onnx.TensorProto.DataType.INT64,
      dims: [3],
      int64Data: [2, 1, 0],
    }),
    floats('bgr_mean', MEAN),
    floats('bgr_std', STD),
  );
  const node = (opType: string, input: string[], output: string, attribute: object[] = []) =>
    onnx.NodeProto.create({ opType, input, output: [output], name: output, attribute });
  graph.node = [
    node('Cast', [PIXELS], 'rgb_float', [int('to', onnx.TensorProto.DataType.FLOAT)]),
    node('Transpose', ['rgb_float'], 'rgb_planes', [ints('perm', [0, 3, 1, 2])]),
    node('Gather', ['rgb_planes', 'bgr_order'], 'bgr_planes', [int('axis', 1)]),
    node('Sub', ['bgr_planes', 'bgr_mean'], 'bgr_centred'),
    node('Div', ['bgr_centred', 'bgr_std'], original.name!),
    ...graph.node!,
    node('Concat', SCORE_OUTPUTS, 'all_scores', [int('axis', 1)]),
    node('ReduceMax', ['all_scores'], CLASS_SCORES, [ints('axes', [1]), int('keepdims', 0)]),
  ];
  const dims = (values: number[]) => ({ dim: values.map((dimValue) => ({ dimValue })) });
  graph.input = [
    onnx.ValueInfoProto.create({
      name: PIXELS,
      type: { tensorType: { elemType: onnx.TensorProto.DataType.UINT8, shape: dims([1, SIDE, SIDE, 3]) } },
    }),
  ];
  graph.output = [
    onnx.ValueInfoProto.create({
      name: CLASS_SCORES,
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: dims([1, COCO_CLASSES.length]) } },
    }),
  ];
  return onnx.ModelProto.encode(model).finish();
}
