/** Text embeddings from Ollama (POST /api/embed) and OpenAI or compatible servers (POST /embeddings). */
import { l2Normalize } from '../../core/scores.js';
import type { TextEmbedder } from '../../ports/text-embedder.js';
import { postJson, ServiceError, type JsonApiOptions } from './json-api.js';

type Common = { baseUrl: string; model: string } & Omit<JsonApiOptions, 'service' | 'headers'>;

function vectors(service: string, rows: unknown, expected: number): Float32Array[] {
  if (
    !Array.isArray(rows) ||
    rows.length !== expected ||
    !rows.every((r) => Array.isArray(r) && r.length > 0 && r.every(Number.isFinite))
  )
    throw new ServiceError(service, 200, `expected ${expected} embeddings in the answer`);
  return rows.map((r: number[]) => l2Normalize(Float32Array.from(r)));
}

export class OllamaEmbedder implements TextEmbedder {
  readonly model: string;
  constructor(private readonly o: Common) {
    this.model = `ollama/${o.model}`;
  }
  async embed(texts: string[]) {
    if (!texts.length) return [];
    const service = `Ollama at ${this.o.baseUrl}`;
    const answer = await postJson<{ embeddings?: number[][] }>(
      `${this.o.baseUrl.replace(/\/+$/, '')}/api/embed`,
      { model: this.o.model, input: texts },
      { ...this.o, service },
    );
    return vectors(service, answer.embeddings, texts.length);
  }
}

export class OpenAiEmbedder implements TextEmbedder {
  readonly model: string;
  constructor(private readonly o: Common & { apiKey?: string }) {
    this.model = `openai/${o.model}`;
  }
  async embed(texts: string[]) {
    if (!texts.length) return [];
    const service = `OpenAI-compatible API at ${this.o.baseUrl}`;
    const answer = await postJson<{ data?: { index: number; embedding: number[] }[] }>(
      `${this.o.baseUrl.replace(/\/+$/, '')}/embeddings`,
      { model: this.o.model, input: texts },
      { ...this.o, service, headers: this.o.apiKey ? { authorization: `Bearer ${this.o.apiKey}` } : {} },
    );
    const ordered = [...(answer.data ?? [])].sort((a, b) => a.index - b.index).map((d) => d.embedding);
    return vectors(service, ordered, texts.length);
  }
}
