/** Captions from an Ollama vision model (llava, llama3.2-vision, minicpm-v, ...) through POST /api/chat. */
import type { Captioner } from '../../ports/captioner.js';
import { postJson, type JsonApiOptions } from './json-api.js';

export class OllamaCaptioner implements Captioner {
  readonly model: string;

  constructor(
    private readonly o: { baseUrl: string; model: string; prompt: string } & Omit<JsonApiOptions, 'service'>,
  ) {
    this.model = `ollama/${o.model}`;
  }

  async caption(image: Buffer): Promise<string> {
    const answer = await postJson<{ message?: { content?: string } }>(
      `${this.o.baseUrl.replace(/\/+$/, '')}/api/chat`,
      {
        model: this.o.model,
        stream: false,
        messages: [{ role: 'user', content: this.o.prompt, images: [image.toString('base64')] }],
      },
      { ...this.o, service: `Ollama at ${this.o.baseUrl}` },
    );
    return cleanCaption(answer.message?.content);
  }
}

export function cleanCaption(text: string | undefined | null): string {
  return (text ?? '').replace(/\s+/g, ' ').trim().slice(0, 2000);
}
