/**
 * JSON over HTTP to model services (Ollama, OpenAI and compatible servers, Immich machine learning): per-attempt timeout,
 * retries with exponential backoff on 429 / 5xx / network errors (honouring Retry-After), and errors
 * that name the service and what to do.
 */
import pRetry, { AbortError } from 'p-retry';
import { reasonOf } from '../../core/errors.js';

export class ServiceError extends Error {
  constructor(
    readonly service: string,
    readonly status: number | null,
    message: string,
  ) {
    super(`${service}: ${message}`);
    this.name = 'ServiceError';
  }
}

export interface JsonApiOptions {
  service: string;
  timeoutMs: number;
  retries: number;
  /** Backoff start; doubles each attempt. */
  minDelayMs?: number;
  headers?: Record<string, string>;
}

export function postJson<T>(url: string, body: unknown, o: JsonApiOptions): Promise<T> {
  return requestJson<T>(
    url,
    () => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', ...o.headers },
      body: JSON.stringify(body),
    }),
    o,
  );
}

/** A multipart form (files and fields), built afresh for each try. */
export function postForm<T>(url: string, form: () => FormData, o: JsonApiOptions): Promise<T> {
  return requestJson<T>(url, () => ({ method: 'POST', headers: o.headers, body: form() }), o);
}

async function requestJson<T>(url: string, init: () => RequestInit, o: JsonApiOptions): Promise<T> {
  let retryAfterMs = 0;
  return pRetry(
    async () => {
      if (retryAfterMs) await new Promise((r) => setTimeout(r, retryAfterMs));
      retryAfterMs = 0;
      let res: Response;
      try {
        // Redirects are not followed: a configured server is called at its own address, never sent on elsewhere.
        res = await fetch(url, { ...init(), redirect: 'manual', signal: AbortSignal.timeout(o.timeoutMs) });
      } catch (e) {
        const timedOut = (e as Error).name === 'TimeoutError';
        throw new ServiceError(
          o.service,
          null,
          timedOut
            ? `no answer within ${o.timeoutMs} ms from ${url}`
            : `cannot reach ${url} (${reasonOf((e as Error).cause ?? e)})`,
        );
      }
      if (res.status >= 300 && res.status < 400)
        throw new AbortError(
          new ServiceError(
            o.service,
            res.status,
            `answered with a redirect to ${res.headers.get('location') ?? 'another address'}: configure the address it serves at instead`,
          ),
        );
      const text = await res.text();
      if (res.ok) {
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new AbortError(
            new ServiceError(o.service, res.status, `answered with something that is not JSON: ${text.slice(0, 200)}`),
          );
        }
      }
      const detail = errorDetail(text);
      const error = new ServiceError(
        o.service,
        res.status,
        `HTTP ${res.status}${detail ? `: ${detail}` : ''}${res.status === 401 ? ' (check the API key)' : ''}`,
      );
      if (res.status === 429 || res.status >= 500) {
        const after = Number(res.headers.get('retry-after'));
        if (Number.isFinite(after) && after > 0) retryAfterMs = Math.min(after * 1000, 60_000);
        throw error;
      }
      throw new AbortError(error); // 4xx other than 429: retrying will not help
    },
    { retries: o.retries, minTimeout: o.minDelayMs ?? 500, factor: 2, randomize: true },
  );
}

function errorDetail(text: string): string {
  try {
    const j = JSON.parse(text);
    return String(j?.error?.message ?? j?.error ?? j?.message ?? '').slice(0, 300);
  } catch {
    return text.slice(0, 200);
  }
}
