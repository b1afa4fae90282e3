/** Analyzers, in the order they should run: labels are cheap and make words searchable early; text embeddings read what OCR and captions wrote. */
export const ANALYZERS = ['clip', 'labels', 'ocr', 'caption', 'text-embedding'] as const;
export type RunnableAnalyzer = (typeof ANALYZERS)[number];
