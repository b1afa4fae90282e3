/**
 * Local captions through Transformers.js image-to-text (vit-gpt2, Florence-2, ...), with fallback models:
 * when one does not answer within the timeout (or fails), the next, usually smaller, one is asked.
 */
import { pipeline, RawImage, type ImageToTextPipeline } from '@huggingface/transformers';
import { localModelFolder } from './local-model.js';
import { reasonOf } from '../../core/errors.js';
import type { Captioner } from '../../ports/captioner.js';

export interface LocalCaptionModel {
  modelId: string;
  /** Root folder holding `<modelId>/` in Transformers.js layout. */
  modelRoot: string;
}

export class TransformersCaptioner implements Captioner {
  readonly model: string;
  private readonly pipelines = new Map<string, Promise<ImageToTextPipeline>>();

  constructor(
    private readonly o: { models: LocalCaptionModel[]; dtype: string; timeoutMs: number; maxNewTokens?: number },
  ) {
    if (!o.models.length) throw new Error('TransformersCaptioner needs at least one model');
    this.model = `local/${o.models[0].modelId}`;
  }

  private load(m: LocalCaptionModel) {
    let p = this.pipelines.get(m.modelId);
    if (!p) {
      p = pipeline('image-to-text', localModelFolder(m.modelRoot, m.modelId), {
        dtype: this.o.dtype as 'q8',
        device: 'cpu',
      }) as Promise<ImageToTextPipeline>;
      p.catch(() => this.pipelines.delete(m.modelId));
      this.pipelines.set(m.modelId, p);
    }
    return p;
  }

  async caption(image: Buffer, _mime?: string): Promise<string> {
    const raw = await RawImage.fromBlob(new Blob([new Uint8Array(image)]));
    const problems: string[] = [];
    for (const m of this.o.models) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const run = (async () => (await this.load(m))(raw, { max_new_tokens: this.o.maxNewTokens ?? 30 }))();
        // onnxruntime cannot be interrupted: a timed-out run finishes in the background and is ignored.
        const timeout = new Promise<never>(
          (_, reject) =>
            (timer = setTimeout(() => reject(new Error(`no caption within ${this.o.timeoutMs} ms`)), this.o.timeoutMs)),
        );
        const out = (await Promise.race([run, timeout])) as { generated_text: string }[];
        return (out[0]?.generated_text ?? '').replace(/\s+/g, ' ').trim();
      } catch (e) {
        problems.push(`${m.modelId}: ${reasonOf(e)}`);
      } finally {
        clearTimeout(timer);
      }
    }
    throw new Error(`local captioning failed: ${problems.join('; ')}`);
  }
}
