/**
 * The composition root: wires config, store, blobs and models for one data folder. Every surface
 * (CLI, HTTP, library users) opens a Library here and calls the use cases in src/app with it; only surfaces
 * import this folder.
 */
import path from 'node:path';
import type { Config } from '../config.js';
import { diskFullOr, LoupeError, reasonOf } from '../core/errors.js';
import { withPrefix, type BlobStore } from '../ports/blob-store.js';
import { DEFAULT_SPACE_ID } from '../core/spaces.js';
import { spacePrefix } from '../core/blob-keys.js';
import type { ClipEmbedder } from '../ports/clip-embedder.js';
import type { ImageSource } from '../ports/image-source.js';
import type { SqlClient } from '../adapters/sql/sql-client.js';
import type { TextRecognizer } from '../ports/text-recognizer.js';
import { DEFAULT_CAPTION_PROMPT, type Captioner } from '../ports/captioner.js';
import type { TextEmbedder } from '../ports/text-embedder.js';
import type { ObjectLabeler } from '../ports/object-labeler.js';
import { clipFiles } from '../models/manifest.js';
import type { DownloadProgress } from '../adapters/hub/model-files.js';
import type { Library } from '../app/library.js';

/** The library with its database, for administration and migration tools (surfaces only; use cases get a Library). */
export interface WiredLibrary extends Library {
  db: SqlClient;
  forSpace(spaceId: string): WiredLibrary;
}

export interface OpenLibraryOptions {
  onModelDownload?: (p: DownloadProgress) => void;
  /** Wraps the loaded CLIP model (e.g. to time inference for metrics). */
  wrapClip?: (clip: ClipEmbedder) => ClipEmbedder;
  /** Start loading these models at once, while the database opens (a CLI search needs them straight away). */
  warm?: { clip?: boolean; textEmbedders?: boolean };
}

/** The code a library needs beyond opening its database. */
const loadModules = () =>
  Promise.all([
    import('../adapters/sql/sql-store.js'),
    import('../adapters/fs/fs-blob-store.js'),
    import('../adapters/sharp/sharp-decoder.js'),
    import('../adapters/sql/sql-job-queue.js'),
    import('../adapters/sql/sql-access-store.js'),
    import('../adapters/fs/fs-image-source.js'),
  ]);

export async function openLibrary(config: Config, options: OpenLibraryOptions = {}): Promise<WiredLibrary> {
  let clip: Promise<ClipEmbedder> | undefined;
  let textEmbedders: ReturnType<typeof loadTextEmbedders> | undefined;
  const loadClipOnce = () =>
    (clip ??= loadClip(config, options)
      .then((c) => options.wrapClip?.(c) ?? c)
      .catch((e) => ((clip = undefined), Promise.reject(e))));
  const loadTextEmbeddersOnce = () => (textEmbedders ??= loadTextEmbedders(config, options));
  // Models asked for now load while the database opens (their failures are met where they are used). One text each
  // makes the sessions load (they load lazily); remote embedders are not called for it.
  const warm = () => {
    if (options.warm?.clip)
      loadClipOnce()
        .then((c) => c.embedTexts(['warm up']))
        .catch(() => {});
    if (options.warm?.textEmbedders)
      loadTextEmbeddersOnce()
        .then((list) =>
          Promise.all(
            list.map((e, i) =>
              config.textEmbedding.providers[i] === 'local' && 'embed' in e ? e.embed(['warm up']) : null,
            ),
          ),
        )
        .catch(() => {});
  };
  const [{ lockDataDir }, { migrate }] = await Promise.all([
    import('../adapters/fs/data-dir-lock.js'),
    import('../adapters/sql/migrations.js'),
  ]);
  // The rest of the code loads while the lock is taken (before the database thread competes for the cores).
  const modules = loadModules();
  modules.catch(() => {});
  let db;
  let release = async () => {};
  try {
    // Embedded: one process owns the data folder. Server mode: any number of processes share the database.
    if (!config.database) await assertSpaceFor(config.dataDir, MIN_FREE_BYTES);
    if (!config.database)
      release = await lockDataDir(config.dataDir).catch((e) => Promise.reject(diskFullOr(e, config.dataDir)));
    const opening = openDatabase(config).catch((e) => Promise.reject(diskFullOr(e, config.dataDir)));
    warm(); // after the database thread has started: loading models keeps this thread busy for a while
    db = await opening;
    await migrate(db);
    db.timeStatements?.();
  } catch (e) {
    await db?.close();
    await release();
    await (await clip?.catch(() => null))?.dispose();
    throw e;
  }
  const [{ SqlStore }, { FsBlobStore }, { SharpDecoder }, { SqlJobQueue }, { SqlAccessStore }, { FsImageSource }] =
    await modules;
  const store = new SqlStore(db);
  const jobs = new SqlJobQueue(db, config.jobs.retry);
  let s3: Promise<import('@aws-sdk/client-s3').S3Client> | undefined;
  const s3Client = () => (s3 ??= import('../adapters/s3/s3-client.js').then((m) => m.createS3Client(config.s3)));
  const fsBlobs = new FsBlobStore(config.dataDir);
  // What a killed process left half-written: all of it when this process owns the folder, else only old leftovers.
  await fsBlobs.cleanTemporaries(config.database ? 3_600_000 : 0).catch(() => 0);
  const blobs: BlobStore = config.blobStore === 's3' ? await openS3Blobs(config, await s3Client()) : fsBlobs;
  const fsSource = new FsImageSource(config.dataDir);
  let s3Source: Promise<ImageSource> | undefined;
  let safeFetch: Promise<(url: string) => Promise<Buffer>> | undefined;
  let ocr: ReturnType<typeof loadOcr> | undefined;
  let labeler: ReturnType<typeof loadLabeler> | undefined;
  const database = db;
  const root: WiredLibrary = {
    config,
    spaceId: DEFAULT_SPACE_ID,
    db,
    ...(db.behind ? { behind: <T>(fn: () => Promise<T>) => database.behind!(fn) } : {}),
    ping: async () => void (await database.query('select 1')),
    forSpace: (spaceId) =>
      spaceId === DEFAULT_SPACE_ID
        ? root
        : {
            ...root,
            spaceId,
            store: store.forSpace(spaceId),
            jobs: jobs.forSpace(spaceId),
            blobs: withPrefix(blobs, spacePrefix(spaceId)),
            close: async () => {},
          },
    store,
    access: new SqlAccessStore(db),
    jobs,
    blobs,
    async imageSource(inputs) {
      const s3Inputs = inputs.filter((i) => i.startsWith('s3://')).length;
      if (s3Inputs === 0) return fsSource;
      if (s3Inputs < inputs.length)
        throw new LoupeError('BAD_ARGUMENT', { message: 'index s3:// URLs and local paths in separate runs' });
      return (s3Source ??= Promise.all([import('../adapters/s3/s3-image-source.js'), s3Client()]).then(
        ([m, client]) => new m.S3ImageSource(client),
      ));
    },
    async sourceUrl(p) {
      const { parseS3Url } = await import('../adapters/s3/s3-client.js');
      const loc = parseS3Url(p);
      if (!loc) return null;
      const [{ GetObjectCommand }, { getSignedUrl }] = await Promise.all([
        import('@aws-sdk/client-s3'),
        import('@aws-sdk/s3-request-presigner'),
      ]);
      return getSignedUrl(await s3Client(), new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }), {
        expiresIn: config.s3.presignSeconds,
      });
    },
    decoder: new SharpDecoder(),
    // Loaded when first used: a search or a listing that needs neither pays nothing for them at start-up.
    places: {
      countryCode: async (name) => (await import('../adapters/geo/countries.js')).countryCode(name),
      outlines: async () => (await import('../adapters/geo/countries.js')).worldOutlines(),
    },
    fetchUrl: async (url) =>
      (safeFetch ??= import('../adapters/http/safe-fetch.js').then((m) =>
        m.createSafeFetcher({ ...config.urls, maxBytes: config.limits.maxFileBytes }),
      )).then((fetchUrl) => fetchUrl(url)),
    clip: loadClipOnce,
    ocr: () => (ocr ??= loadOcr(config)),
    labeler: () => (labeler ??= loadLabeler(config)),
    captioner: () => loadCaptioner(config),
    textEmbedders: loadTextEmbeddersOnce,
    async close() {
      if (clip) await (await clip.catch(() => null))?.dispose();
      const loadedLabeler = labeler && (await labeler);
      if (loadedLabeler && !('unavailable' in loadedLabeler)) await loadedLabeler.dispose?.();
      if (s3) (await s3).destroy();
      await store.close();
      await release();
    },
  };
  return root;
}

/** PGlite needs room to start (its WAL segments alone are 16 MB): below this, say so instead of failing obscurely. */
const MIN_FREE_BYTES = 64 * 1024 * 1024;

/** A new database needs room to be created; an existing one opens with whatever is left (writes then say DISK_FULL). */
async function assertSpaceFor(dir: string, needed: number) {
  const { statfs, mkdir, access } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  if (
    await access(path.join(dir, 'db', 'PG_VERSION')).then(
      () => true,
      () => false,
    )
  )
    return;
  const st = await statfs(dir).catch(() => null);
  if (st && st.bavail * st.bsize < needed)
    throw new LoupeError('DISK_FULL', { dir, freeBytes: st.bavail * st.bsize, neededBytes: needed });
}

async function openS3Blobs(config: Config, client: import('@aws-sdk/client-s3').S3Client): Promise<BlobStore> {
  if (!config.s3.bucket)
    throw new LoupeError('CONFIG_INVALID', {
      problems: ['LOUPE_BLOB_STORE=s3 needs LOUPE_S3_BUCKET (and LOUPE_S3_ENDPOINT for services other than AWS)'],
    });
  const { S3BlobStore } = await import('../adapters/s3/s3-blob-store.js');
  return new S3BlobStore(client, config.s3.bucket, config.s3.prefix);
}

/** PostgreSQL when DATABASE_URL is set, else embedded PGlite in `<data>/db`. */
export async function openDatabase(config: Config): Promise<SqlClient> {
  if (config.database) {
    const { openPostgres } = await import('../adapters/pg/pg-client.js');
    return openPostgres(config.database.url, config.database);
  }
  const { openPglite } = await import('../adapters/pglite/pglite-client.js');
  return openPglite(path.join(config.dataDir, 'db'), { statementTimeoutMs: config.statementTimeoutMs });
}

export async function loadClip(config: Config, options: OpenLibraryOptions = {}): Promise<ClipEmbedder> {
  const server = config.modelServer;
  if (server?.clip) {
    const { ImmichClip, OpenAiClip } = await import('../adapters/remote/model-server.js');
    return server.clip.provider === 'immich'
      ? new ImmichClip(server.clip.model, server)
      : new OpenAiClip(server.clip.model, server.clip.format, server);
  }
  const [{ resolveModelRoot }, { TransformersClip }] = await Promise.all([
    import('../adapters/hub/model-files.js'),
    import('../adapters/transformers/clip-embedder.js'),
  ]);
  const modelRoot = await resolveModelRoot({
    modelId: config.clipModel,
    files: clipFiles(config.clipDtype),
    modelsDir: config.modelsDir,
    cacheDir: config.cacheDir,
    offline: config.offline,
    endpoint: config.hfEndpoint,
    onProgress: options.onModelDownload,
  });
  return new TransformersClip({ modelId: config.clipModel, modelRoot, dtype: config.clipDtype });
}

export async function loadTextEmbedders(
  config: Config,
  options: OpenLibraryOptions = {},
): Promise<(TextEmbedder | { provider: string; unavailable: string })[]> {
  const { providers, models } = config.textEmbedding;
  const common = { timeoutMs: config.caption.timeoutMs, retries: config.caption.retries };
  const out: (TextEmbedder | { provider: string; unavailable: string })[] = [];
  for (const provider of providers) {
    if (provider === 'ollama') {
      const { OllamaEmbedder } = await import('../adapters/remote/remote-embedders.js');
      out.push(new OllamaEmbedder({ ...common, baseUrl: config.caption.ollamaUrl, model: models.ollama }));
    } else if (provider === 'openai') {
      const { OpenAiEmbedder } = await import('../adapters/remote/remote-embedders.js');
      out.push(
        new OpenAiEmbedder({
          ...common,
          baseUrl: config.caption.openaiBaseUrl,
          apiKey: config.caption.openaiApiKey,
          model: models.openai,
        }),
      );
    } else {
      const [{ resolveModelRoot }, { TransformersSentenceEmbedder }, { sentenceModelFiles }] = await Promise.all([
        import('../adapters/hub/model-files.js'),
        import('../adapters/transformers/sentence-embedder.js'),
        import('../models/manifest.js'),
      ]);
      try {
        const modelRoot = await resolveModelRoot({
          modelId: models.local,
          files: sentenceModelFiles(config.clipDtype),
          modelsDir: config.modelsDir,
          cacheDir: config.cacheDir,
          offline: config.offline,
          endpoint: config.hfEndpoint,
          onProgress: options.onModelDownload,
        });
        out.push(new TransformersSentenceEmbedder({ modelId: models.local, modelRoot, dtype: config.clipDtype }));
      } catch (e) {
        out.push({ provider: 'local', unavailable: (e as Error).message });
      }
    }
  }
  if (!providers.length)
    out.push({ provider: 'none', unavailable: 'text embeddings are off (LOUPE_TEXT_EMBEDDER=off)' });
  return out;
}

export async function loadCaptioner(config: Config): Promise<Captioner | { unavailable: string }> {
  const c = config.caption;
  const common = {
    model: c.model,
    prompt: c.prompt ?? DEFAULT_CAPTION_PROMPT,
    timeoutMs: c.timeoutMs,
    retries: c.retries,
  };
  if (c.provider === 'ollama') {
    const { OllamaCaptioner } = await import('../adapters/remote/ollama-captioner.js');
    return new OllamaCaptioner({ ...common, baseUrl: c.ollamaUrl });
  }
  if (c.provider === 'openai') {
    const { OpenAiCaptioner } = await import('../adapters/remote/openai-captioner.js');
    return new OpenAiCaptioner({ ...common, baseUrl: c.openaiBaseUrl, apiKey: c.openaiApiKey });
  }
  if (c.provider === 'local') {
    const [{ resolveModelRoot }, { TransformersCaptioner }, { captionModelFiles }] = await Promise.all([
      import('../adapters/hub/model-files.js'),
      import('../adapters/transformers/image-captioner.js'),
      import('../models/manifest.js'),
    ]);
    const models = [];
    const problems: string[] = [];
    for (const modelId of c.localModels) {
      try {
        const modelRoot = await resolveModelRoot({
          modelId,
          files: captionModelFiles(config.clipDtype),
          modelsDir: config.modelsDir,
          cacheDir: config.cacheDir,
          offline: config.offline,
          endpoint: config.hfEndpoint,
        });
        models.push({ modelId, modelRoot });
      } catch (e) {
        problems.push((e as Error).message);
      }
    }
    if (!models.length) return { unavailable: problems.join('; ') };
    return new TransformersCaptioner({ models, dtype: config.clipDtype, timeoutMs: c.timeoutMs });
  }
  return { unavailable: 'no captioner configured (set LOUPE_CAPTION_PROVIDER=local, ollama or openai)' };
}

/** NanoDet-m from the models folder or the cache (downloaded once, pinned by size and sha256), or why it cannot be used. */
export async function loadLabeler(config: Config): Promise<ObjectLabeler | { unavailable: string }> {
  if (config.labels.engine === 'off') return { unavailable: 'object labels are turned off (LOUPE_LABELS=off)' };
  const [{ resolveModelRoot }, { NanoDetLabeler, NANODET_FILE, NANODET_MODEL_ID }] = await Promise.all([
    import('../adapters/hub/model-files.js'),
    import('../adapters/onnx/nanodet-labeler.js'),
  ]);
  try {
    const root = await resolveModelRoot({
      modelId: NANODET_MODEL_ID,
      files: [NANODET_FILE],
      modelsDir: config.modelsDir,
      cacheDir: config.cacheDir,
      offline: config.offline,
      endpoint: config.hfEndpoint,
    });
    return await NanoDetLabeler.load({
      modelFile: path.join(root, NANODET_MODEL_ID, NANODET_FILE),
      minConfidence: config.labels.minConfidence,
    });
  } catch (e) {
    // Labels are an extra: a missing detector (offline, no network) leaves search as it is and says why.
    return { unavailable: reasonOf(e) };
  }
}

export async function loadOcr(config: Config): Promise<TextRecognizer | { unavailable: string }> {
  const { engine, ...options } = config.ocr;
  if (engine === 'off') return { unavailable: 'OCR is turned off (LOUPE_OCR=off)' };
  if (engine === 'immich' && config.modelServer?.ocrModel) {
    const { ImmichOcr } = await import('../adapters/remote/model-server.js');
    return new ImmichOcr(config.modelServer.ocrModel, options, config.modelServer);
  }
  if (engine === 'tesseract') {
    const { TesseractRecognizer, tesseractVersion } = await import('../adapters/ocr/tesseract.js');
    const version = await tesseractVersion();
    if (version) return new TesseractRecognizer({ ...options, version });
    return {
      unavailable:
        'LOUPE_OCR=tesseract but the tesseract command is not installed (Debian: apt-get install tesseract-ocr)',
    };
  }
  // PP-OCRv4 by default: better word recall on FUNSD (0.72 vs 0.57), installed by npm everywhere; tesseract is ~4× faster.
  const { PpOcrRecognizer } = await import('../adapters/ocr/ppocr.js');
  return new PpOcrRecognizer(options);
}
