/**
 * CLIP and OCR on another machine: an Immich machine-learning server (`POST /predict`, the protocol Immich's own server
 * speaks to it) or an OpenAI-compatible `/embeddings` server that embeds images (Infinity's and Jina's input shapes).
 * Every call has a timeout and retries with backoff (json-api.ts); after repeated failed calls a circuit breaker answers
 * at once for a while, so a dead server costs each image one quick error instead of a timeout, and the work waits
 * for the queue's backoff or the next index run.
 */
import { BrokenCircuitError, ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import sharp from 'sharp';
import { Limiter } from '../../core/limiter.js';
import { l2Normalize } from '../../core/scores.js';
import type { ClipEmbedder, RgbPixels } from '../../ports/clip-embedder.js';
import type { RecognizedWord, RecognizerOptions, TextRecognizer } from '../../ports/text-recognizer.js';
import { postForm, postJson, ServiceError, type JsonApiOptions } from './json-api.js';

export interface ModelServerOptions {
  url: string;
  apiKey?: string;
  timeoutMs: number;
  retries: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Images are sent with their short side at most this (the model's input size). */
  imageSize: number;
  /** The first retry's wait, doubling after (default 500 ms). */
  retryDelayMs?: number;
}

/** Calls that failed in a row (each after its retries) before the breaker opens. */
const BREAK_AFTER = 3;
const HALF_OPEN_AFTER_MS = 10_000;

/** One server's calls: a slot limit, retries, and the circuit breaker; errors name the server and what to do. */
export class ServerCalls {
  readonly service: string;
  private readonly slots: Limiter;
  private readonly breaker = circuitBreaker(handleAll, {
    halfOpenAfter: HALF_OPEN_AFTER_MS,
    breaker: new ConsecutiveBreaker(BREAK_AFTER),
  });
  constructor(
    kind: string,
    readonly o: ModelServerOptions,
  ) {
    this.service = `${kind} at ${o.url}`;
    this.slots = new Limiter(o.concurrency);
    this.http = {
      service: this.service,
      timeoutMs: o.timeoutMs,
      retries: o.retries,
      minDelayMs: o.retryDelayMs ?? 500,
      headers: o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {},
    };
  }
  private readonly http: JsonApiOptions;

  async run<T>(call: (http: JsonApiOptions) => Promise<T>): Promise<T> {
    try {
      return await this.breaker.execute(() => this.slots.run(() => call(this.http)));
    } catch (e) {
      if (e instanceof BrokenCircuitError)
        throw new ServiceError(
          this.service,
          null,
          `not answering (${BREAK_AFTER} calls failed in a row); calls resume within ${HALF_OPEN_AFTER_MS / 1000} s. Check that it runs and LOUPE_ML_URL`,
        );
      throw e;
    }
  }
}

/** Lossless, so the server sees exactly the pixels a local model would (PNG at the fastest compression). */
const encode = (p: RgbPixels) =>
  sharp(p.data, { raw: { width: p.width, height: p.height, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();

function vectorOf(service: string, value: unknown): Float32Array {
  // Immich sends the vector as a JSON string (orjson of a numpy array); OpenAI-compatible servers as an array.
  const parsed = typeof value === 'string' ? safeParse(value) : value;
  if (!Array.isArray(parsed) || !parsed.length || !parsed.every(Number.isFinite))
    throw new ServiceError(service, 200, 'the answer holds no embedding');
  return l2Normalize(Float32Array.from(parsed as number[]));
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

/** Checks every vector has the dimension the first one had (a server that changed models mid-run must not mix spaces). */
function sameDimension(service: string, model: string, vectors: Float32Array[], known: { dim: number | null }) {
  for (const v of vectors) {
    known.dim ??= v.length;
    if (v.length !== known.dim)
      throw new ServiceError(
        service,
        200,
        `${model} answered with ${v.length} dimensions after ${known.dim}: the server changed models; index into a new library or reindex`,
      );
  }
  return vectors;
}

/** CLIP from an Immich machine-learning server: one image or text per request, several in flight. */
export class ImmichClip implements ClipEmbedder {
  readonly model: string;
  readonly inputSize: number;
  private readonly calls: ServerCalls;
  private readonly known = { dim: null as number | null };
  constructor(
    private readonly serverModel: string,
    o: ModelServerOptions,
  ) {
    this.model = `immich/${serverModel}`;
    this.inputSize = o.imageSize;
    this.calls = new ServerCalls('Immich machine learning', o);
  }

  private predict(fields: (form: FormData) => void, task: 'visual' | 'textual'): Promise<Float32Array> {
    return this.calls.run(async (http) => {
      const answer = await postForm<{ clip?: unknown }>(
        `${this.calls.o.url}/predict`,
        () => {
          const form = new FormData();
          form.append('entries', JSON.stringify({ clip: { [task]: { modelName: this.serverModel } } }));
          fields(form);
          return form;
        },
        http,
      );
      return vectorOf(this.calls.service, answer.clip);
    });
  }

  async embedImages(images: RgbPixels[]): Promise<Float32Array[]> {
    const encoded = await Promise.all(images.map(encode));
    const vectors = await Promise.all(
      encoded.map((png) =>
        this.predict(
          (form) => form.append('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'image.png'),
          'visual',
        ),
      ),
    );
    return sameDimension(this.calls.service, this.model, vectors, this.known);
  }

  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    const vectors = await Promise.all(
      texts.map((text) => this.predict((form) => form.append('text', text), 'textual')),
    );
    return sameDimension(this.calls.service, this.model, vectors, this.known);
  }

  async dispose() {}
}

/** Inputs per request to an OpenAI-compatible server (one request carries a batch). */
const OPENAI_BATCH = 32;

/**
 * CLIP from an OpenAI-compatible `/embeddings` server. Two documented input shapes for images: Infinity's
 * (`input: ["data:image/png;base64,…"], modality: "image"`; texts with `modality: "text"`) and Jina's
 * (`input: [{ image: "<base64>" }]`, texts as `[{ text }]`). Answers are OpenAI's `{ data: [{ index, embedding }] }`.
 */
export class OpenAiClip implements ClipEmbedder {
  readonly model: string;
  readonly inputSize: number;
  private readonly calls: ServerCalls;
  private readonly known = { dim: null as number | null };
  constructor(
    private readonly serverModel: string,
    private readonly format: 'infinity' | 'jina',
    o: ModelServerOptions,
  ) {
    this.model = `openai/${serverModel}`;
    this.inputSize = o.imageSize;
    this.calls = new ServerCalls('OpenAI-compatible embeddings server', o);
  }

  private async embed(inputs: unknown[], modality: 'image' | 'text'): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < inputs.length; i += OPENAI_BATCH) {
      const batch = inputs.slice(i, i + OPENAI_BATCH);
      const body =
        this.format === 'infinity'
          ? { model: this.serverModel, input: batch, modality }
          : { model: this.serverModel, input: batch };
      const answer = await this.calls.run((http) =>
        postJson<{ data?: { index: number; embedding: unknown }[] }>(`${this.calls.o.url}/embeddings`, body, http),
      );
      const rows = [...(answer.data ?? [])].sort((a, b) => a.index - b.index);
      if (rows.length !== batch.length)
        throw new ServiceError(this.calls.service, 200, `expected ${batch.length} embeddings, got ${rows.length}`);
      out.push(...rows.map((r) => vectorOf(this.calls.service, r.embedding)));
    }
    return sameDimension(this.calls.service, this.model, out, this.known);
  }

  async embedImages(images: RgbPixels[]): Promise<Float32Array[]> {
    const base64 = (await Promise.all(images.map(encode))).map((png) => png.toString('base64'));
    return this.embed(
      base64.map((b) => (this.format === 'infinity' ? `data:image/png;base64,${b}` : { image: b })),
      'image',
    );
  }

  embedTexts(texts: string[]): Promise<Float32Array[]> {
    return this.embed(
      texts.map((text) => (this.format === 'infinity' ? text : { text })),
      'text',
    );
  }

  async dispose() {}
}

/** Immich's OCR answer: per text line, its words, the box's four corners (x1,y1 … x4,y4 flattened) and two scores. */
interface ImmichOcrAnswer {
  ocr?: { text: string[]; box: number[]; boxScore: number[]; textScore: number[] };
}

/** Text in images from an Immich machine-learning server (its PP-OCR pipeline: detection, then recognition). */
export class ImmichOcr implements TextRecognizer {
  readonly model: string;
  private readonly calls: ServerCalls;
  constructor(
    private readonly serverModel: string,
    private readonly options: RecognizerOptions,
    o: ModelServerOptions,
  ) {
    this.model = `immich/${serverModel}`;
    this.calls = new ServerCalls('Immich machine learning', o);
  }

  async recognize(image: Buffer): Promise<{ text: string; words: RecognizedWord[] }> {
    const entries = {
      ocr: {
        detection: {
          modelName: this.serverModel,
          options: { minScore: 0.5, maxResolution: this.options.maxResolution },
        },
        recognition: { modelName: this.serverModel, options: { minScore: this.options.minConfidence } },
      },
    };
    const answer = await this.calls.run((http) =>
      postForm<ImmichOcrAnswer>(
        `${this.calls.o.url}/predict`,
        () => {
          const form = new FormData();
          form.append('entries', JSON.stringify(entries));
          form.append('image', new Blob([new Uint8Array(image)]), 'image');
          return form;
        },
        http,
      ),
    );
    const ocr = answer.ocr;
    if (!ocr || !Array.isArray(ocr.text))
      throw new ServiceError(this.calls.service, 200, 'the answer holds no OCR result');
    const words: RecognizedWord[] = ocr.text.flatMap((text, i) => {
      const corners = ocr.box.slice(i * 8, i * 8 + 8);
      const xs = corners.filter((_, j) => j % 2 === 0);
      const ys = corners.filter((_, j) => j % 2 === 1);
      const confidence = ocr.textScore[i] ?? 0;
      if (confidence < this.options.minConfidence || !text.trim()) return [];
      return [
        {
          text: text.trim(),
          confidence,
          box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] as [number, number, number, number],
        },
      ];
    });
    return { text: words.map((w) => w.text).join('\n'), words };
  }
}
