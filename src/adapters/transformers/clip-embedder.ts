/**
 * CLIP through Transformers.js on onnxruntime-node. Towers load lazily: a text search never loads
 * the vision tower. Model files are resolved locally (or downloaded and verified) before Transformers.js
 * sees them, so Transformers.js itself never touches the network.
 */
import {
  AutoProcessor,
  AutoTokenizer,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  RawImage,
  Tensor as TransformersTensor,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Processor,
  type Tensor,
} from '@huggingface/transformers';
import { LoupeError, reasonOf } from '../../core/errors.js';
import { l2Normalize } from '../../core/scores.js';
import { localModelFolder } from './local-model.js';
import type { ClipEmbedder, RgbPixels } from '../../ports/clip-embedder.js';

export interface TransformersClipOptions {
  modelId: string;
  /** Root folder holding `<modelId>/` in Transformers.js layout. */
  modelRoot: string;
  dtype: string;
  /** Intra-op threads for onnxruntime; default: all cores. */
  threads?: number;
}

/** dtypes whose exports quantise activations per run (their weights are int8/uint8 and MatMulInteger needs int8 inputs). */
const DYNAMICALLY_QUANTISED = new Set(['q8', 'int8', 'uint8']);

export class TransformersClip implements ClipEmbedder {
  readonly model: string;
  readonly inputSize = 224;
  private text?: Promise<{ tokenizer: PreTrainedTokenizer; model: PreTrainedModel }>;
  private vision?: Promise<{ processor: Processor; model: PreTrainedModel }>;

  constructor(private readonly o: TransformersClipOptions) {
    this.model = o.modelId;
  }

  private get folder() {
    return localModelFolder(this.o.modelRoot, this.o.modelId);
  }

  private sessionOptions() {
    return {
      dtype: this.o.dtype as 'q8',
      device: 'cpu' as const,
      session_options: this.o.threads ? { intraOpNumThreads: this.o.threads } : {},
    };
  }

  private loadText() {
    return (this.text ??= (async () => {
      try {
        const [tokenizer, model] = await Promise.all([
          AutoTokenizer.from_pretrained(this.folder),
          CLIPTextModelWithProjection.from_pretrained(this.folder, this.sessionOptions()),
        ]);
        return { tokenizer, model };
      } catch (e) {
        this.text = undefined;
        throw new LoupeError('MODEL_LOAD_FAILED', { model: this.o.modelId, reason: reasonOf(e) }, { cause: e });
      }
    })());
  }

  private loadVision() {
    return (this.vision ??= (async () => {
      try {
        const [processor, model] = await Promise.all([
          AutoProcessor.from_pretrained(this.folder),
          CLIPVisionModelWithProjection.from_pretrained(this.folder, this.sessionOptions()),
        ]);
        return { processor, model };
      } catch (e) {
        this.vision = undefined;
        throw new LoupeError('MODEL_LOAD_FAILED', { model: this.o.modelId, reason: reasonOf(e) }, { cause: e });
      }
    })());
  }

  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const { tokenizer, model } = await this.loadText();
    const inputs = tokenizer(texts, { padding: true, truncation: true });
    const { text_embeds } = (await model(inputs)) as { text_embeds: Tensor };
    return splitRows(text_embeds);
  }

  async embedImages(images: RgbPixels[]): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    // The q8/int8/uint8 exports quantise activations with one scale per run (DynamicQuantizeLinear), so a photo's
    // vector would shift with its batch-mates — by a cosine of 0.997 on some CPUs. One image per run keeps the
    // same photo's vector the same in every batch, on every CPU, for ~15 % of the bare session's throughput.
    if (images.length > 1 && DYNAMICALLY_QUANTISED.has(this.o.dtype)) {
      const out: Float32Array[] = [];
      for (const image of images) out.push(...(await this.embedImages([image])));
      return out;
    }
    const { processor, model } = await this.loadVision();
    const inputs =
      cropAndNormalise(images, processor) ??
      (await processor(
        images.map(
          (img) =>
            new RawImage(
              new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.byteLength),
              img.width,
              img.height,
              3,
            ),
        ),
      ));
    const { image_embeds } = (await model(inputs)) as { image_embeds: Tensor };
    return splitRows(image_embeds);
  }

  async dispose() {
    const loaded = await Promise.allSettled(
      [this.text, this.vision].filter(Boolean) as Promise<{ model: PreTrainedModel }>[],
    );
    for (const r of loaded) if (r.status === 'fulfilled') await r.value.model.dispose();
  }
}

interface ClipImageProcessor {
  do_resize?: boolean;
  size?: { shortest_edge?: number };
  do_center_crop?: boolean;
  crop_size?: { width: number; height: number };
  do_rescale?: boolean;
  rescale_factor?: number;
  do_normalize?: boolean;
  image_mean?: number[];
  image_std?: number[];
  do_pad?: boolean;
  do_thumbnail?: boolean;
  do_flip_channel_order?: boolean;
}

/**
 * The processor's own steps in one pass, when the decoder has already resized to its shortest edge (what
 * `loupe index` hands over): the resize is then a no-op, the centre crop and normalisation a single loop
 * (Transformers.js runs them as separate JavaScript passes, ~6 ms per image). Same result; any other
 * preprocessing configuration returns null and goes through the processor.
 */
export function cropAndNormalise(images: RgbPixels[], processor: Processor): { pixel_values: Tensor } | null {
  const p = (processor as unknown as { image_processor?: ClipImageProcessor }).image_processor;
  if (
    !p ||
    p.do_pad ||
    p.do_thumbnail ||
    p.do_flip_channel_order ||
    !p.do_center_crop ||
    !p.crop_size ||
    !p.image_mean ||
    !p.image_std
  )
    return null;
  const { width: cw, height: ch } = p.crop_size;
  const edge = p.size?.shortest_edge;
  if (
    !images.every(
      (img) =>
        img.data.length === img.width * img.height * 3 &&
        img.width >= cw &&
        img.height >= ch &&
        (!p.do_resize || Math.min(img.width, img.height) === edge),
    )
  )
    return null;
  const scale = p.do_rescale ? (p.rescale_factor ?? 1 / 255) : 1;
  const mean = p.do_normalize ? p.image_mean : [0, 0, 0];
  const std = p.do_normalize ? p.image_std : [1, 1, 1];
  const plane = cw * ch;
  const data = new Float32Array(images.length * 3 * plane);
  const f = Math.fround;
  images.forEach((img, n) => {
    const left = Math.floor((img.width - cw) / 2);
    const top = Math.floor((img.height - ch) / 2);
    for (let c = 0; c < 3; c++) {
      const out = n * 3 * plane + c * plane;
      const [m, sd] = [f(mean[c]), f(std[c])];
      for (let y = 0; y < ch; y++) {
        const row = ((top + y) * img.width + left) * 3 + c;
        for (let x = 0; x < cw; x++) data[out + y * cw + x] = f(f(f(img.data[row + x * 3] * scale) - m) / sd);
      }
    }
  });
  return { pixel_values: new TransformersTensor('float32', data, [images.length, 3, ch, cw]) };
}

function splitRows(t: Tensor): Float32Array[] {
  const [rows, dim] = t.dims as [number, number];
  const data = t.data as Float32Array;
  return Array.from({ length: rows }, (_, i) => l2Normalize(data.subarray(i * dim, (i + 1) * dim)));
}
