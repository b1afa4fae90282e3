/**
 * A model server on 127.0.0.1 speaking the documented wire formats Loupe's remote providers use, running real models
 * (the generated int8 CLIP towers, PP-OCR), for tests and bench/remote.ts:
 * - Immich machine learning: `GET /ping` → "pong"; `POST /predict`, multipart with `entries` (JSON naming the task,
 *   `{"clip": {"visual"|"textual": {"modelName"}}}` or `{"ocr": {"detection", "recognition"}}`) and `image` or `text`;
 *   answers `{"clip": "<vector as a JSON string>", imageHeight, imageWidth}` or `{"ocr": {text, box, boxScore, textScore}}`.
 * - OpenAI-compatible embeddings: `POST /embeddings` with Infinity's shape (`input: [data URI | text],
 *   modality`) or Jina's (`input: [{image: base64} | {text}]`); answers `{data: [{index, embedding}], model}`.
 * `faults` makes it slow or down for tests of timeouts, retries and outages.
 * Run alone (bench/remote.ts): node --import tsx test/support/model-server.ts [MODELS_DIR MODEL_ID] → prints {"url": ...}, serves until killed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { parseConfig } from '../../src/config.js';
import type { ClipEmbedder } from '../../src/ports/clip-embedder.js';
import type { TextRecognizer } from '../../src/ports/text-recognizer.js';
import { loadClip } from '../../src/wiring/library.js';
import { tempDir, testEnv } from './fixtures.js';

export interface ModelServer {
  url: string;
  /** Requests answered, by route. */
  served: Record<string, number>;
  /** down: answer 503 (or drop the connection); slowMs: wait before answering. */
  faults: { down: boolean | 'drop'; slowMs: number };
  stop(): Promise<void>;
}

/** The same generated CLIP a local test library loads, and (when asked) PP-OCR for Immich's OCR task. */
export async function startModelServer(o: { ocr?: TextRecognizer; clip?: ClipEmbedder } = {}): Promise<ModelServer> {
  const clip = o.clip ?? (await loadClip(parseConfig(await testEnv(await tempDir(), {}, { fresh: true }))));
  const served: Record<string, number> = {};
  const faults: ModelServer['faults'] = { down: false, slowMs: 0 };
  const pixelsOf = async (bytes: Buffer) => {
    const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data), width: info.width, height: info.height };
  };
  const vector = (v: Float32Array) => Array.from(v);

  async function predict(form: FormData) {
    const entries = JSON.parse(String(form.get('entries') ?? '{}'));
    const image = form.get('image');
    const text = form.get('text');
    if (entries.clip?.visual && image instanceof Blob) {
      const px = await pixelsOf(Buffer.from(await image.arrayBuffer()));
      const [v] = await clip.embedImages([px]);
      return { clip: JSON.stringify(vector(v)), imageHeight: px.height, imageWidth: px.width };
    }
    if (entries.clip?.textual && typeof text === 'string')
      return { clip: JSON.stringify(vector((await clip.embedTexts([text]))[0])) };
    if (entries.ocr && image instanceof Blob && o.ocr) {
      const bytes = Buffer.from(await image.arrayBuffer());
      const { words } = await o.ocr.recognize(bytes);
      const meta = await sharp(bytes).metadata();
      return {
        ocr: {
          text: words.map((w) => w.text),
          box: words.flatMap(({ box: [l, t, r, b] }) => [l, t, r, t, r, b, l, b]),
          boxScore: words.map(() => 0.9),
          textScore: words.map((w) => w.confidence),
        },
        imageHeight: meta.height,
        imageWidth: meta.width,
      };
    }
    return null;
  }

  async function embeddings(body: { model: string; input: unknown[]; modality?: string }) {
    const data = [];
    for (const [index, item] of body.input.entries()) {
      let v: Float32Array;
      if (typeof item === 'string' && body.modality === 'image')
        v = (await clip.embedImages([await pixelsOf(Buffer.from(item.replace(/^data:[^,]*,/, ''), 'base64'))]))[0];
      else if (typeof item === 'string') v = (await clip.embedTexts([item]))[0];
      else if (item && typeof item === 'object' && 'image' in item)
        v = (await clip.embedImages([await pixelsOf(Buffer.from(String(item.image), 'base64'))]))[0];
      else if (item && typeof item === 'object' && 'text' in item) v = (await clip.embedTexts([String(item.text)]))[0];
      else return null;
      data.push({ object: 'embedding', index, embedding: vector(v) });
    }
    return { object: 'list', data, model: body.model };
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const route = `${req.method} ${req.url}`;
    served[route] = (served[route] ?? 0) + 1;
    if (faults.slowMs) await new Promise((r) => setTimeout(r, faults.slowMs));
    if (faults.down === 'drop') return req.socket.destroy();
    if (faults.down)
      return res
        .writeHead(503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ detail: 'model server is restarting' }));
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (route === 'GET /ping') return res.writeHead(200, { 'content-type': 'application/json' }).end('"pong"');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    if (route === 'POST /predict') {
      const form = await new Request('http://x/', {
        method: 'POST',
        headers: { 'content-type': String(req.headers['content-type']) },
        body: raw,
      }).formData();
      const answer = await predict(form);
      return answer ? send(200, answer) : send(422, { detail: 'entries name no task this server runs' });
    }
    if (route === 'POST /embeddings') {
      const answer = await embeddings(JSON.parse(raw.toString('utf8')));
      return answer
        ? send(200, answer)
        : send(400, { error: { message: 'input items must be strings or {image}/{text}' } });
    }
    send(404, { detail: 'Not Found' });
  }

  const server = createServer((req, res) => void handle(req, res).catch((e) => res.writeHead(500).end(String(e))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    faults,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await clip.dispose();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // [MODELS_DIR MODEL_ID]: serve that CLIP (bench/remote.ts: the int8 ViT-B/32-shaped towers) instead of the test model.
  const [modelsDir, modelId] = process.argv.slice(2);
  const clip = modelsDir
    ? await loadClip(parseConfig({ LOUPE_MODELS_DIR: modelsDir, LOUPE_CLIP_MODEL: modelId, LOUPE_OFFLINE: '1' }))
    : undefined;
  const s = await startModelServer({ clip });
  console.log(JSON.stringify({ url: s.url }));
}
