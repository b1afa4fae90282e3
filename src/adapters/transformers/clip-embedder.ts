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
  env,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Processor,
  type Tensor,
} from '@huggingface/transformers';
import { LoupeError, reasonOf } from '../../core/errors.js';
import { l2Normalize } from '../../core/scores.js';
import type { ClipEmbedder, RgbPixels } from '../../ports/clip-embedder.js';

export interface TransformersClipOptions {
  modelId: string;
  /** Root folder holding `<modelId>/` in Transformers.js layout. */
  modelRoot: string;
  dtype: string;
  /** Intra-op threads for onnxruntime; default: all cores. */
  threads?: number;
}

export class TransformersClip implements ClipEmbedder {
  readonly model: string;
  readonly inputSize = 224;
  private text?: Promise<{ tokenizer: PreTrainedTokenizer; model: PreTrainedModel }>;
  private vision?: Promise<{ processor: Processor; model: PreTrainedModel }>;

  constructor(private readonly o: TransformersClipOptions) {
    this.model = o.modelId;
  }

  private configureEnv() {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = this.o.modelRoot.endsWith('/') ? this.o.modelRoot : this.o.modelRoot + '/';
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
      this.configureEnv();
      try {
        const [tokenizer, model] = await Promise.all([
          AutoTokenizer.from_pretrained(this.o.modelId),
          CLIPTextModelWithProjection.from_pretrained(this.o.modelId, this.sessionOptions()),
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
      this.configureEnv();
      try {
        const [processor, model] = await Promise.all([
          AutoProcessor.from_pretrained(this.o.modelId),
          CLIPVisionModelWithProjection.from_pretrained(this.o.modelId, this.sessionOptions()),
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
    const { processor, model } = await this.loadVision();
    const raw = images.map((img) => new RawImage(new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.byteLength), img.width, img.height, 3));
    const inputs = await processor(raw);
    const { image_embeds } = (await model(inputs)) as { image_embeds: Tensor };
    return splitRows(image_embeds);
  }

  async dispose() {
    const loaded = await Promise.allSettled([this.text, this.vision].filter(Boolean) as Promise<{ model: PreTrainedModel }>[]);
    for (const r of loaded) if (r.status === 'fulfilled') await r.value.model.dispose();
  }
}

function splitRows(t: Tensor): Float32Array[] {
  const [rows, dim] = t.dims as [number, number];
  const data = t.data as Float32Array;
  return Array.from({ length: rows }, (_, i) => l2Normalize(data.subarray(i * dim, (i + 1) * dim)));
}
