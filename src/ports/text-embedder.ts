/** Embeds text (captions, OCR text, queries) for text-to-text semantic search. Vectors come back L2-normalised. */
export interface TextEmbedder {
  /** Provider and model, e.g. "ollama/nomic-embed-text"; stored with each vector. */
  readonly model: string;
  embed(texts: string[]): Promise<Float32Array[]>;
  dispose?(): Promise<void>;
}
