/**
 * Finds a model's files on disk, or downloads them from the Hugging Face hub into the cache,
 * verifying each pinned file's size and sha256 before it is used.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LoupeError, reasonOf } from '../../core/errors.js';
import { MODEL_MANIFESTS, type PinnedFile } from '../../models/manifest.js';

export interface DownloadProgress {
  file: string;
  received: number;
  total: number | null;
}

export interface ResolveModelOptions {
  modelId: string;
  files: string[];
  /** A folder of local models (LOUPE_MODELS_DIR), looked at first. */
  modelsDir?: string;
  cacheDir: string;
  offline: boolean;
  endpoint: string;
  onProgress?: (p: DownloadProgress) => void;
  fetchImpl?: typeof fetch;
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

async function hasAll(root: string, modelId: string, files: string[]) {
  for (const f of files) if (!(await exists(path.join(root, modelId, f)))) return false;
  return true;
}

/** @returns the root folder holding `<modelId>/` with every file this model needs (the model's own folder is `<root>/<modelId>`). */
export async function resolveModelRoot(o: ResolveModelOptions): Promise<string> {
  if (o.modelsDir && (await hasAll(o.modelsDir, o.modelId, o.files))) return o.modelsDir;
  if (await hasAll(o.cacheDir, o.modelId, o.files)) return o.cacheDir;
  const looked = [o.modelsDir, o.cacheDir].filter(Boolean).map((d) => path.join(d!, o.modelId));
  if (o.offline) throw new LoupeError('MODEL_MISSING_OFFLINE', { model: o.modelId, looked });
  await downloadModel(o);
  return o.cacheDir;
}

/** Downloads every listed file that is missing from the cache (all of them with `force`). */
export async function downloadModel(o: ResolveModelOptions & { force?: boolean }): Promise<void> {
  const manifest = MODEL_MANIFESTS[o.modelId];
  const revision = manifest?.revision ?? 'main';
  const fetchImpl = o.fetchImpl ?? fetch;
  for (const file of o.files) {
    const target = path.join(o.cacheDir, o.modelId, file);
    if (!o.force && (await exists(target))) continue;
    const pinned = manifest?.files.find((f) => f.path === file);
    await downloadFile(
      pinned?.url ?? `${o.endpoint}/${o.modelId}/resolve/${revision}/${file}`,
      target,
      o.modelId,
      file,
      pinned,
      fetchImpl,
      o.onProgress,
    );
  }
  await writeFile(
    path.join(o.cacheDir, o.modelId, '.loupe-source.json'),
    JSON.stringify(
      { model: o.modelId, revision, endpoint: o.endpoint, pinned: Boolean(manifest), at: new Date().toISOString() },
      null,
      2,
    ),
  );
}

async function downloadFile(
  url: string,
  target: string,
  model: string,
  file: string,
  pinned: PinnedFile | undefined,
  fetchImpl: typeof fetch,
  onProgress?: (p: DownloadProgress) => void,
) {
  await mkdir(path.dirname(target), { recursive: true });
  const partial = `${target}.part`;
  let response: Response;
  try {
    response = await fetchImpl(url, { redirect: 'follow' });
  } catch (e) {
    throw new LoupeError(
      'MODEL_DOWNLOAD_FAILED',
      { model, file, reason: reasonOf((e as Error).cause ?? e) },
      { cause: e },
    );
  }
  if (!response.ok || !response.body)
    throw new LoupeError('MODEL_DOWNLOAD_FAILED', { model, file, reason: `HTTP ${response.status} from ${url}` });

  const total = Number(response.headers.get('content-length')) || pinned?.bytes || null;
  const hash = createHash('sha256');
  let received = 0;
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
  body.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    received += chunk.length;
    onProgress?.({ file, received, total });
  });
  try {
    await pipeline(body, createWriteStream(partial));
  } catch (e) {
    await rm(partial, { force: true });
    throw new LoupeError('MODEL_DOWNLOAD_FAILED', { model, file, reason: reasonOf(e) }, { cause: e });
  }
  const actual = hash.digest('hex');
  if (pinned && (pinned.sha256 !== actual || pinned.bytes !== received)) {
    await rm(partial, { force: true });
    throw new LoupeError('MODEL_CHECKSUM_MISMATCH', {
      model,
      file,
      expected: `${pinned.bytes} bytes, sha256 ${pinned.sha256}`,
      actual: `${received} bytes, sha256 ${actual}`,
    });
  }
  await rename(partial, target);
}

/** Re-hashes a model folder's pinned files; returns the files that do not match. */
export async function verifyModelFolder(root: string, modelId: string): Promise<{ file: string; problem: string }[]> {
  const manifest = MODEL_MANIFESTS[modelId];
  if (!manifest) return [];
  const problems: { file: string; problem: string }[] = [];
  for (const f of manifest.files) {
    const p = path.join(root, modelId, f.path);
    if (!(await exists(p))) continue;
    const data = await readFile(p);
    const sha = createHash('sha256').update(data).digest('hex');
    if (sha !== f.sha256) problems.push({ file: f.path, problem: `sha256 ${sha}, expected ${f.sha256}` });
  }
  return problems;
}
