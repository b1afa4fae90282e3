/** Describes an image in words. */
export interface Captioner {
  /** Provider and model, e.g. "ollama/llava". */
  readonly model: string;
  /** @param image encoded bytes (JPEG/PNG/WebP) */
  caption(image: Buffer, mime: string): Promise<string>;
}

/** The default prompt for chat-style vision models. */
export const DEFAULT_CAPTION_PROMPT =
  'Describe this image in one or two sentences for a search index: the main objects, their colours, the scene and its context, and any visible text.';
