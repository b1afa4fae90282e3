/** Sentence embeddings (all-MiniLM-L6-v2 and the like) through Transformers.js feature extraction: mean pooling, L2-normalised. */
import { pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import { LoupeError, reasonOf } from '../../core/errors.js';
import { l2Normalize } from '../../core/scores.js';
import { localModelFolder } from './local-model.js';
import type { TextEmbedder } from '../../ports/text-embedder.js';

export class TransformersSentenceEmbedder implements TextEmbedder {
  readonly model: string;
  private extractor?: Promise<FeatureExtractionPipeline>;

  constructor(private readonly o: { modelId: string; modelRoot: string; dtype: string }) {
    this.model = `local/${o.modelId}`;
  }

  private load() {
    return (this.extractor ??= (async () => {
      try {
        return (await pipeline('feature-extraction', localModelFolder(this.o.modelRoot, this.o.modelId), {
          dtype: this.o.dtype as 'q8',
          device: 'cpu',
        })) as FeatureExtractionPipeline;
      } catch (e) {
        this.extractor = undefined;
        throw new LoupeError('MODEL_LOAD_FAILED', { model: this.o.modelId, reason: reasonOf(e) }, { cause: e });
      }
    })());
  }

  async embed(texts: string[]) {
    if (!texts.length) return [];
    const out = await (await this.load())(texts, { pooling: 'mean', normalize: false });
    const [rows, dim] = out.dims as [number, number];
    const data = out.data as Float32Array;
    return Array.from({ length: rows }, (_, i) => l2Normalize(data.slice(i * dim, (i + 1) * dim)));
  }

  async dispose() {
    if (this.extractor) await (await this.extractor.catch(() => null))?.dispose();
  }
}
