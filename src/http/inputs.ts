/** Reading images and fields from requests: multipart files, or JSON {url} / {base64}. */
import type { Context } from 'hono';
import { z } from 'zod';
import { LoupeError } from '../core/errors.js';
import { decodeBase64Image } from '../app/search.js';
import type { Library } from '../library.js';

export interface ImageInput {
  bytes: Buffer;
  filename: string;
}

export interface ImageRequest {
  images: ImageInput[];
  fields: Record<string, string | undefined>;
  json: Record<string, unknown> | null;
}

const isMultipart = (c: Context) => (c.req.header('content-type') ?? '').toLowerCase().startsWith('multipart/form-data');

/** Validates with a zod schema; every problem in one 400 message. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new LoupeError('BAD_ARGUMENT', { message: r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
  return r.data;
}

export async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new LoupeError('BAD_ARGUMENT', { message: 'the body must be JSON (Content-Type: application/json)' });
  }
}

const ImageSource = z.object({
  url: z.string().max(8192).optional(),
  base64: z.string().optional(),
  filename: z.string().max(255).optional(),
});

/** Images from a multipart body (any file field) or a JSON body with `url` or `base64`. */
export async function readImageRequest(c: Context, lib: Library): Promise<ImageRequest> {
  if (isMultipart(c)) {
    const body = await c.req.parseBody({ all: true });
    const images: ImageInput[] = [];
    const fields: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(body))
      for (const v of Array.isArray(value) ? value : [value]) {
        if (typeof v === 'string') fields[name] = v;
        else images.push({ bytes: Buffer.from(await v.arrayBuffer()), filename: v.name || 'image' });
      }
    if (!images.length) throw new LoupeError('BAD_ARGUMENT', { message: 'no file in the multipart body (send one or more files, e.g. field "file")' });
    return { images, fields, json: null };
  }
  const json = await readJson(c);
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new LoupeError('BAD_ARGUMENT', { message: 'the JSON body must be an object with "url" or "base64"' });
  const source = parseWith(ImageSource, json);
  if ((source.url === undefined) === (source.base64 === undefined)) throw new LoupeError('BAD_ARGUMENT', { message: 'give exactly one of "url" or "base64"' });
  let bytes: Buffer;
  let filename = source.filename;
  if (source.url !== undefined) {
    bytes = await lib.fetchUrl(source.url);
    filename ??= decodeURIComponent(new URL(source.url).pathname.split('/').pop() || '') || 'image';
  } else {
    bytes = decodeBase64Image(source.base64!) ?? Buffer.from(source.base64!, 'base64');
    filename ??= 'image';
  }
  const fields = Object.fromEntries(Object.entries(json).filter(([, v]) => typeof v === 'string' || typeof v === 'number').map(([k, v]) => [k, String(v)]));
  return { images: [{ bytes, filename }], fields, json: json as Record<string, unknown> };
}

/** Tags from a JSON array, a JSON-array string or a comma-separated string. */
export function tagsFrom(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') {
    if (value.trim().startsWith('[')) {
      try {
        return tagsFrom(JSON.parse(value));
      } catch {
        throw new LoupeError('BAD_ARGUMENT', { message: 'tags: not a JSON array' });
      }
    }
    return value.split(',');
  }
  throw new LoupeError('BAD_ARGUMENT', { message: 'tags: give an array of strings or a comma-separated string' });
}

/** A whole number in [min, max] from a query or form field, with a default. */
export function intParam(name: string, value: unknown, def: number, min: number, max: number): number {
  if (value === undefined || value === null || value === '') return def;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new LoupeError('BAD_ARGUMENT', { message: `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}` });
  return n;
}
