/** `loupe models check`: which provider each model uses, and whether it answers now (a small real call, timed). */
import { reasonOf } from '../core/errors.js';
import type { TextEmbedder } from '../ports/text-embedder.js';
import type { Library } from './library.js';

export interface ModelCheck {
  role: 'clip' | 'text-embedding' | 'caption' | 'ocr' | 'labels';
  /** local, immich, openai, ollama, or off (turned off in the configuration: not a failure). */
  provider: string;
  model: string | null;
  /** Answered a call: embedders embed one text, OCR reads a blank picture; captioners and labels are loaded (a caption takes seconds). */
  ok: boolean;
  ms: number;
  /** The vector size, for embedders. */
  dim?: number;
  error?: string;
}

/** A 32 × 32 white picture: OCR answers it quickly (nothing to read), locally or on a model server. */
const BLANK_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAIAAAD8GO2jAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAMUlEQVRIie3QMQ0AAAjAMPybBgm7+FoDSzb7bASKRcmiZFGyKFmULEoWJYuSRel90QGLVfSmL9cHVAAAAABJRU5ErkJggg==',
  'base64',
);

type CheckDeps = Pick<Library, 'config' | 'clip' | 'textEmbedders' | 'captioner' | 'ocr' | 'labeler'>;

async function timed(
  role: ModelCheck['role'],
  provider: string,
  run: () => Promise<{ model: string | null; dim?: number }>,
): Promise<ModelCheck> {
  if (provider === 'off') return { role, provider, model: null, ok: false, ms: 0 };
  const started = performance.now();
  try {
    const { model, dim } = await run();
    return { role, provider, model, ok: true, ms: Math.round(performance.now() - started), ...(dim ? { dim } : {}) };
  } catch (e) {
    return { role, provider, model: null, ok: false, ms: Math.round(performance.now() - started), error: reasonOf(e) };
  }
}

function usable<T extends object>(m: T | { unavailable: string }): T {
  if ('unavailable' in m) throw new Error(m.unavailable);
  return m as T;
}

export async function checkModels(lib: CheckDeps): Promise<ModelCheck[]> {
  const { config } = lib;
  const checks = [
    timed('clip', config.modelServer?.clip?.provider ?? 'local', async () => {
      const clip = await lib.clip();
      const [v] = await clip.embedTexts(['a photo']);
      return { model: clip.model, dim: v.length };
    }),
    ...config.textEmbedding.providers.map((provider, i) =>
      timed('text-embedding', provider, async () => {
        const embedder = usable<TextEmbedder>((await lib.textEmbedders())[i]);
        const [v] = await embedder.embed(['a photo']);
        return { model: embedder.model, dim: v.length };
      }),
    ),
    timed('caption', config.caption.provider, async () => ({ model: usable(await lib.captioner()).model })),
    timed(
      'ocr',
      config.ocr.engine === 'auto'
        ? 'local'
        : ['immich', 'off'].includes(config.ocr.engine)
          ? config.ocr.engine
          : `local (${config.ocr.engine})`,
      async () => {
        const ocr = usable(await lib.ocr());
        await ocr.recognize(BLANK_PNG);
        return { model: ocr.model };
      },
    ),
    timed('labels', config.labels.engine === 'off' ? 'off' : 'local', async () => ({
      model: usable(await lib.labeler()).model,
    })),
  ];
  return Promise.all(checks);
}
