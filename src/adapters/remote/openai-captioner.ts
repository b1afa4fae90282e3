/** Captions from OpenAI (gpt-4o-mini) or any OpenAI-compatible server (vLLM, llama.cpp, LM Studio) through chat completions. */
import type { Captioner } from '../../ports/captioner.js';
import { postJson, type JsonApiOptions } from './json-api.js';
import { cleanCaption } from './ollama-captioner.js';

export class OpenAiCaptioner implements Captioner {
  readonly model: string;

  constructor(
    private readonly o: { baseUrl: string; apiKey?: string; model: string; prompt: string; maxTokens?: number } & Omit<
      JsonApiOptions,
      'service' | 'headers'
    >,
  ) {
    this.model = `openai/${o.model}`;
  }

  async caption(image: Buffer, mime: string): Promise<string> {
    const answer = await postJson<{ choices?: { message?: { content?: string } }[] }>(
      `${this.o.baseUrl.replace(/\/+$/, '')}/chat/completions`,
      {
        model: this.o.model,
        max_tokens: this.o.maxTokens ?? 120,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: this.o.prompt },
              { type: 'image_url', image_url: { url: `data:${mime};base64,${image.toString('base64')}` } },
            ],
          },
        ],
      },
      {
        ...this.o,
        service: `OpenAI-compatible API at ${this.o.baseUrl}`,
        headers: this.o.apiKey ? { authorization: `Bearer ${this.o.apiKey}` } : {},
      },
    );
    return cleanCaption(answer.choices?.[0]?.message?.content);
  }
}
