/**
 * Environment parsed once with a schema: every problem reported in one error, defaults in one place.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { LoupeError } from './core/errors.js';

const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const home = os.homedir();
const xdgData = process.env.XDG_DATA_HOME || path.join(home, '.local/share');
const xdgCache = process.env.XDG_CACHE_HOME || path.join(home, '.cache');

const EnvSchema = z.object({
  /** Where the database, thumbnails and lock live. Default: $XDG_DATA_HOME/loupe (~/.local/share/loupe). */
  LOUPE_DATA_DIR: z.string().default(path.join(xdgData, 'loupe')),
  /** A folder of models in Transformers.js layout (<dir>/<model-id>/...). When set, models are read only from here. */
  LOUPE_MODELS_DIR: z.string().optional(),
  /** Where Loupe keeps originals of uploads and thumbnails: fs (the data folder) or s3. */
  LOUPE_BLOB_STORE: z.enum(['fs', 's3']).default('fs'),
  /** S3-compatible storage (blobs with LOUPE_BLOB_STORE=s3, and \`loupe index s3://bucket/prefix\`). Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or any AWS SDK source). */
  LOUPE_S3_BUCKET: z.string().optional(),
  /** Key prefix for Loupe's blobs inside the bucket, e.g. "loupe/". */
  LOUPE_S3_PREFIX: z.string().default(''),
  /** Endpoint of a non-AWS service (MinIO, R2, Ceph, ...), e.g. http://127.0.0.1:9000. */
  LOUPE_S3_ENDPOINT: z.string().url().optional(),
  LOUPE_S3_REGION: z.string().default('us-east-1'),
  /** Explicit credentials; unset: the AWS SDK's usual sources (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles, instance roles). */
  LOUPE_S3_ACCESS_KEY_ID: z.string().optional(),
  LOUPE_S3_SECRET_ACCESS_KEY: z.string().optional(),
  /** Path-style URLs (http://host/bucket/key), needed by most self-hosted services. */
  LOUPE_S3_FORCE_PATH_STYLE: flag.default(false),
  /** Lifetime of presigned URLs to originals in s3:// buckets. */
  LOUPE_S3_PRESIGN_SECONDS: z.coerce.number().int().min(1).max(604_800).default(3600),
  /** Server mode: postgres://user:pass@host/db (PostgreSQL with pgvector). Unset: embedded PGlite in the data folder. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
    .optional(),
  LOUPE_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Statements running longer are stopped, embedded or on a server (0: no limit). Schema changes are not timed in embedded mode. */
  LOUPE_DB_STATEMENT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(0)
    // Below a second, the embedded database's own housekeeping (the inline worker's polls) would time out over and over.
    .refine((ms) => ms === 0 || ms >= 1000, 'must be 0 (no limit) or at least 1000 ms')
    .default(60_000),
  /** Where downloaded models are kept. Default: $XDG_CACHE_HOME/loupe/models (~/.cache/loupe/models). */
  LOUPE_CACHE_DIR: z.string().default(path.join(xdgCache, 'loupe/models')),
  /** The model that embeds images and queries: its Hugging Face id (local), or its name on the model server (immich, openai). */
  LOUPE_CLIP_MODEL: z.string().optional(),
  /**
   * Where CLIP runs: local (ONNX in this process), immich (an Immich machine-learning server: POST /predict), or openai
   * (an OpenAI-compatible /embeddings server that embeds images, e.g. Infinity or Jina; LOUPE_CLIP_OPENAI_FORMAT).
   */
  LOUPE_CLIP_PROVIDER: z.enum(['local', 'immich', 'openai']).default('local'),
  /** Image inputs of an OpenAI-compatible server: infinity (`input: [data URI], modality: "image"`) or jina (`input: [{image}], [{text}]`). */
  LOUPE_CLIP_OPENAI_FORMAT: z.enum(['infinity', 'jina']).default('infinity'),
  /** The model server (Immich machine learning, Infinity, Jina...): set by the operator, so private addresses are allowed. */
  LOUPE_ML_URL: z.string().url().optional(),
  LOUPE_ML_API_KEY: z.string().optional(),
  /** Per request; a request that takes longer is tried again (LOUPE_ML_RETRIES), then reported. */
  LOUPE_ML_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  LOUPE_ML_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  /** Requests in flight per process (Immich takes one image per request). */
  LOUPE_ML_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Immich's OCR model (LOUPE_OCR=immich). */
  LOUPE_ML_OCR_MODEL: z.string().default('PP-OCRv5_mobile'),
  /** The image side the remote model resizes to (224 for ViT-B/32): images are sent no larger, to save the hop. */
  LOUPE_ML_IMAGE_SIZE: z.coerce.number().int().min(32).max(1024).default(224),
  /** Weight precision: q8 (the quantized files, default), fp32, fp16, ... */
  LOUPE_CLIP_DTYPE: z.string().default('q8'),
  /** Never download; fail with instructions when a model is missing. HF_HUB_OFFLINE=1 means the same. */
  LOUPE_OFFLINE: flag.default(false),
  HF_HUB_OFFLINE: flag.default(false),
  /** Hugging Face hub base URL (a mirror, or a local server in tests). */
  LOUPE_HF_ENDPOINT: z.string().url().default('https://huggingface.co'),
  LOUPE_MAX_FILE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(200 * 1024 * 1024),
  /** Decompression-bomb guard, checked from the header before any pixel is decoded. */
  LOUPE_MAX_PIXELS: z.coerce.number().int().positive().default(100_000_000),
  LOUPE_MAX_FRAMES: z.coerce.number().int().positive().default(1000),
  LOUPE_BATCH_SIZE: z.coerce.number().int().min(1).max(256).default(16),
  // 480: sharp on a HiDPI grid, big enough for NanoDet's 416 px and the OCR gate's 480 px to read it instead of the
  // original, and small enough that a 12 MP JPEG still decodes at 1/8 scale (504 px) while it is made.
  LOUPE_THUMBNAIL_SIZE: z.coerce.number().int().min(32).max(2048).default(480),
  /** Ingestion jobs: tries before a job is dead, backoff between tries (doubling from the base), and the lease a worker holds and renews. */
  LOUPE_JOB_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  LOUPE_JOB_RETRY_BASE_MS: z.coerce.number().int().min(0).default(2000),
  LOUPE_JOB_RETRY_MAX_MS: z.coerce.number().int().min(0).default(300_000),
  LOUPE_JOB_LEASE_MS: z.coerce.number().int().min(500).default(60_000),
  /** On SIGTERM a worker finishes its batch for up to this long, then gives the jobs back. */
  LOUPE_WORKER_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
  /** Run a worker inside `loupe serve`. Default: on when embedded, off with DATABASE_URL (run `loupe worker` processes). */
  LOUPE_INLINE_WORKER: flag.optional(),
  /** HTTP server. Default host is loopback only; use 0.0.0.0 to serve a network. */
  LOUPE_HOST: z.string().default('127.0.0.1'),
  LOUPE_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Largest upload request (all files together) and largest JSON body (base64 images travel in JSON). */
  LOUPE_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(512 * 1024 * 1024),
  LOUPE_MAX_JSON_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  /** API keys on every API call (Authorization: Bearer KEY), each scoped to its spaces. Off: a trusted local server. */
  LOUPE_AUTH: flag.default(false),
  /** Requests per minute per API key (or per client address without auth); 0: no limit. */
  LOUPE_RATE_LIMIT: z.coerce.number().int().min(0).default(0),
  /** Origins allowed to call the API from a browser (comma-separated, or *); empty: same origin only. */
  LOUPE_CORS_ORIGINS: z.string().default(''),
  /**
   * Host names the server answers to (comma-separated; * for any), against DNS rebinding. Default: the loopback
   * names (localhost, 127.0.0.1, [::1]) when bound to a loopback address, any when bound to another.
   */
  LOUPE_ALLOWED_HOSTS: z.string().optional(),
  /** With LOUPE_AUTH=on, /metrics needs an API key or this token (Authorization: Bearer TOKEN). */
  LOUPE_METRICS_TOKEN: z.string().optional(),
  /** Log format of the server and workers: json (one object per line) or text. */
  LOUPE_LOG_FORMAT: z.enum(['json', 'text']).default('json'),
  LOUPE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** URL ingestion: private, loopback and link-local addresses are refused unless this is on. */
  LOUPE_ALLOW_PRIVATE_URLS: flag.default(false),
  LOUPE_URL_TIMEOUT_MS: z.coerce.number().int().positive().default(20_000),
  LOUPE_URL_MAX_REDIRECTS: z.coerce.number().int().min(0).max(20).default(5),
  /** OCR engine: auto (= ppocr: PP-OCRv4, better recall), ppocr, tesseract (Debian's, ~4× faster), immich (the model server at LOUPE_ML_URL), or off. */
  LOUPE_OCR: z.enum(['auto', 'tesseract', 'ppocr', 'immich', 'off']).default('auto'),
  LOUPE_OCR_MIN_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.5),
  LOUPE_OCR_MAX_RESOLUTION: z.coerce.number().int().min(256).max(10_000).default(2000),
  LOUPE_OCR_LANG: z
    .string()
    .regex(/^[a-z_+]+$/i)
    .default('eng'),
  /** PP-OCR's text gate: detection alone on a copy this size (longest edge) decides whether an image is read at all; 0 reads every image whole. */
  /** Object labels from a small offline detector (NanoDet-m, COCO-80), written as searchable labels beside the user's tags: auto (on) or off. */
  LOUPE_LABELS: z.enum(['auto', 'off']).default('auto'),
  LOUPE_LABELS_MIN_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.4),
  LOUPE_OCR_GATE_SIZE: z.coerce
    .number()
    .int()
    .refine((n) => n === 0 || (n >= 160 && n <= 2000), '0, or 160 to 2000')
    .default(480),
  /** Hybrid ranking: adaptive (default: each signal counted by how far it stands above chance), weighted (min–max per query) or rrf. */
  LOUPE_FUSION: z.enum(['adaptive', 'weighted', 'rrf']).default('adaptive'),
  /** Weights of the two signals. Default: 1 / 1 (adaptive, rrf), 0.7 / 0.3 (weighted). */
  LOUPE_WEIGHT_VECTOR: z.coerce.number().min(0).optional(),
  LOUPE_WEIGHT_TEXT: z.coerce.number().min(0).optional(),
  /** Text queries: results below this similarity (0–100 %) are left out. Default 0: none. */
  LOUPE_MIN_SIMILARITY: z.coerce.number().min(0).max(100).default(0),
  /** Captions: off (default: no surprise downloads), local (Transformers.js), ollama, or openai (also any OpenAI-compatible server). */
  LOUPE_CAPTION_PROVIDER: z.enum(['off', 'local', 'ollama', 'openai']).default('off'),
  LOUPE_CAPTION_LOCAL_MODEL: z.string().default('Xenova/vit-gpt2-image-captioning'),
  /** A second (smaller) local model, asked when the first times out or fails. */
  LOUPE_CAPTION_LOCAL_FALLBACK: z.string().optional(),
  /** Default: llava for Ollama, gpt-4o-mini for OpenAI. */
  LOUPE_CAPTION_MODEL: z.string().optional(),
  LOUPE_CAPTION_PROMPT: z.string().optional(),
  LOUPE_CAPTION_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  LOUPE_CAPTION_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  /** Text embeddings for captions and OCR text: providers in order of preference (local, ollama, openai), or off. */
  LOUPE_TEXT_EMBEDDER: z
    .string()
    .regex(
      /^(off|((local|ollama|openai)(,(local|ollama|openai))*))$/,
      'off, or a comma-separated list of local, ollama, openai',
    )
    .default('local'),
  LOUPE_TEXT_EMBED_LOCAL_MODEL: z.string().default('Xenova/all-MiniLM-L6-v2'),
  LOUPE_TEXT_EMBED_OLLAMA_MODEL: z.string().default('nomic-embed-text'),
  LOUPE_TEXT_EMBED_OPENAI_MODEL: z.string().default('text-embedding-3-small'),
  LOUPE_OLLAMA_URL: z.string().url().default('http://127.0.0.1:11434'),
  LOUPE_OPENAI_BASE_URL: z.string().url().default('https://api.openai.com/v1'),
  /** OPENAI_API_KEY is read too. */
  LOUPE_OPENAI_API_KEY: z.string().optional(),
  OPENAI_API_KEY: z.string().optional(),
});

export type Config = ReturnType<typeof parseConfig>;
type Env = z.infer<typeof EnvSchema>;

/** The server's own name for the CLIP model: Immich's default ViT-B/32, or the Hugging Face id an OpenAI-compatible server loads. */
const remoteClipModel = (e: Env) =>
  e.LOUPE_CLIP_MODEL ?? (e.LOUPE_CLIP_PROVIDER === 'immich' ? 'ViT-B-32__openai' : 'openai/clip-vit-base-patch32');

function modelServer(e: Env) {
  const remote = e.LOUPE_CLIP_PROVIDER !== 'local' || e.LOUPE_OCR === 'immich';
  if (!remote) return null;
  const needs = e.LOUPE_CLIP_PROVIDER !== 'local' ? `LOUPE_CLIP_PROVIDER=${e.LOUPE_CLIP_PROVIDER}` : 'LOUPE_OCR=immich';
  if (!e.LOUPE_ML_URL)
    throw new LoupeError('CONFIG_INVALID', {
      problems: [
        `${needs} needs LOUPE_ML_URL, the model server's address (e.g. http://gpu-box:3003 for Immich's machine learning)`,
      ],
    });
  return {
    url: e.LOUPE_ML_URL.replace(/\/+$/, ''),
    apiKey: e.LOUPE_ML_API_KEY,
    timeoutMs: e.LOUPE_ML_TIMEOUT_MS,
    retries: e.LOUPE_ML_RETRIES,
    concurrency: e.LOUPE_ML_CONCURRENCY,
    imageSize: e.LOUPE_ML_IMAGE_SIZE,
    clip:
      e.LOUPE_CLIP_PROVIDER === 'local'
        ? null
        : { provider: e.LOUPE_CLIP_PROVIDER, model: remoteClipModel(e), format: e.LOUPE_CLIP_OPENAI_FORMAT },
    ocrModel: e.LOUPE_OCR === 'immich' ? e.LOUPE_ML_OCR_MODEL : null,
  };
}

export function parseConfig(env: NodeJS.ProcessEnv = process.env) {
  const result = EnvSchema.safeParse(env);
  if (!result.success)
    throw new LoupeError('CONFIG_INVALID', {
      problems: result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  const e = result.data;
  return Object.freeze({
    dataDir: path.resolve(e.LOUPE_DATA_DIR),
    s3: {
      bucket: e.LOUPE_S3_BUCKET,
      prefix: e.LOUPE_S3_PREFIX,
      endpoint: e.LOUPE_S3_ENDPOINT,
      region: e.LOUPE_S3_REGION,
      credentials:
        e.LOUPE_S3_ACCESS_KEY_ID && e.LOUPE_S3_SECRET_ACCESS_KEY
          ? { accessKeyId: e.LOUPE_S3_ACCESS_KEY_ID, secretAccessKey: e.LOUPE_S3_SECRET_ACCESS_KEY }
          : undefined,
      forcePathStyle: e.LOUPE_S3_FORCE_PATH_STYLE,
      presignSeconds: e.LOUPE_S3_PRESIGN_SECONDS,
    },
    blobStore: e.LOUPE_BLOB_STORE,
    database: e.DATABASE_URL
      ? { url: e.DATABASE_URL, poolSize: e.LOUPE_DB_POOL_SIZE, statementTimeoutMs: e.LOUPE_DB_STATEMENT_TIMEOUT_MS }
      : null,
    statementTimeoutMs: e.LOUPE_DB_STATEMENT_TIMEOUT_MS,
    modelsDir: e.LOUPE_MODELS_DIR ? path.resolve(e.LOUPE_MODELS_DIR) : undefined,
    cacheDir: path.resolve(e.LOUPE_CACHE_DIR),
    // A remote model is recorded under its provider's prefix, so its vectors never mix with a local model's.
    clipModel:
      e.LOUPE_CLIP_PROVIDER === 'local'
        ? (e.LOUPE_CLIP_MODEL ?? 'Xenova/clip-vit-base-patch32')
        : `${e.LOUPE_CLIP_PROVIDER}/${remoteClipModel(e)}`,
    clipDtype: e.LOUPE_CLIP_DTYPE,
    /** Remote inference (LOUPE_CLIP_PROVIDER, LOUPE_OCR=immich): null when everything runs here. */
    modelServer: modelServer(e),
    offline: e.LOUPE_OFFLINE || e.HF_HUB_OFFLINE,
    hfEndpoint: e.LOUPE_HF_ENDPOINT.replace(/\/+$/, ''),
    limits: { maxFileBytes: e.LOUPE_MAX_FILE_BYTES, maxPixels: e.LOUPE_MAX_PIXELS, maxFrames: e.LOUPE_MAX_FRAMES },
    batchSize: e.LOUPE_BATCH_SIZE,
    jobs: {
      retry: {
        maxAttempts: e.LOUPE_JOB_MAX_ATTEMPTS,
        baseDelayMs: e.LOUPE_JOB_RETRY_BASE_MS,
        maxDelayMs: e.LOUPE_JOB_RETRY_MAX_MS,
      },
      leaseMs: e.LOUPE_JOB_LEASE_MS,
      graceMs: e.LOUPE_WORKER_GRACE_MS,
      inlineWorker: e.LOUPE_INLINE_WORKER ?? !e.DATABASE_URL,
    },
    thumbnailSize: e.LOUPE_THUMBNAIL_SIZE,
    http: {
      host: e.LOUPE_HOST,
      port: e.LOUPE_PORT,
      maxUploadBytes: e.LOUPE_MAX_UPLOAD_BYTES,
      maxJsonBytes: e.LOUPE_MAX_JSON_BYTES,
      auth: e.LOUPE_AUTH,
      rateLimitPerMinute: e.LOUPE_RATE_LIMIT,
      corsOrigins: e.LOUPE_CORS_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter(Boolean),
      allowedHosts:
        e.LOUPE_ALLOWED_HOSTS === undefined
          ? null
          : e.LOUPE_ALLOWED_HOSTS.split(',')
              .map((h) => h.trim().toLowerCase())
              .filter(Boolean),
      metricsToken: e.LOUPE_METRICS_TOKEN,
    },
    log: { format: e.LOUPE_LOG_FORMAT, level: e.LOUPE_LOG_LEVEL },
    urls: {
      allowPrivate: e.LOUPE_ALLOW_PRIVATE_URLS,
      timeoutMs: e.LOUPE_URL_TIMEOUT_MS,
      maxRedirects: e.LOUPE_URL_MAX_REDIRECTS,
    },
    labels: { engine: e.LOUPE_LABELS, minConfidence: e.LOUPE_LABELS_MIN_CONFIDENCE },
    ocr: {
      engine: e.LOUPE_OCR,
      minConfidence: e.LOUPE_OCR_MIN_CONFIDENCE,
      maxResolution: e.LOUPE_OCR_MAX_RESOLUTION,
      language: e.LOUPE_OCR_LANG,
      gateSide: e.LOUPE_OCR_GATE_SIZE,
    },
    fusion: {
      mode: e.LOUPE_FUSION,
      weights:
        e.LOUPE_WEIGHT_VECTOR === undefined && e.LOUPE_WEIGHT_TEXT === undefined
          ? null
          : { vector: e.LOUPE_WEIGHT_VECTOR ?? 1, text: e.LOUPE_WEIGHT_TEXT ?? 1 },
      minSimilarity: e.LOUPE_MIN_SIMILARITY,
    },
    textEmbedding: {
      providers:
        e.LOUPE_TEXT_EMBEDDER === 'off' ? [] : (e.LOUPE_TEXT_EMBEDDER.split(',') as ('local' | 'ollama' | 'openai')[]),
      models: {
        local: e.LOUPE_TEXT_EMBED_LOCAL_MODEL,
        ollama: e.LOUPE_TEXT_EMBED_OLLAMA_MODEL,
        openai: e.LOUPE_TEXT_EMBED_OPENAI_MODEL,
      },
    },
    caption: {
      provider: e.LOUPE_CAPTION_PROVIDER,
      model: e.LOUPE_CAPTION_MODEL ?? (e.LOUPE_CAPTION_PROVIDER === 'openai' ? 'gpt-4o-mini' : 'llava'),
      localModels: [
        e.LOUPE_CAPTION_LOCAL_MODEL,
        ...(e.LOUPE_CAPTION_LOCAL_FALLBACK ? [e.LOUPE_CAPTION_LOCAL_FALLBACK] : []),
      ],
      prompt: e.LOUPE_CAPTION_PROMPT,
      timeoutMs: e.LOUPE_CAPTION_TIMEOUT_MS,
      retries: e.LOUPE_CAPTION_RETRIES,
      ollamaUrl: e.LOUPE_OLLAMA_URL,
      openaiBaseUrl: e.LOUPE_OPENAI_BASE_URL,
      openaiApiKey: e.LOUPE_OPENAI_API_KEY ?? e.OPENAI_API_KEY,
    },
  });
}

let cached: Config | undefined;
/** The process's configuration, parsed on first use. */
export function getConfig(): Config {
  return (cached ??= parseConfig());
}
export function resetConfig(): void {
  cached = undefined;
}
