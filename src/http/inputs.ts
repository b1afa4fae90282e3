/** Reading images and fields from requests: multipart files, or JSON {url} / {base64}. */
import type { Context } from 'hono';
import { z } from 'zod';
import { LoupeError } from '../core/errors.js';
import { decodeBase64Image } from '../app/search.js';
import type { Library } from '../app/library.js';
import { readMultipart, uploadTempDir } from './multipart.js';

export interface ImageInput {
  filename: string;
  /** The bytes, read when needed (multipart files wait on disk until then). */
  bytes(): Promise<Buffer>;
}

export interface ImageRequest {
  images: ImageInput[];
  fields: Record<string, string | undefined>;
  json: Record<string, unknown> | null;
  /** Removes what the request left on disk; call when done with the images. */
  dispose(): Promise<void>;
}

const mediaType = (c: Context) => (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
export const isMultipart = (c: Context) => mediaType(c) === 'multipart/form-data';
const isJson = (c: Context) => /^application\/([\w.+-]+\+)?json$/.test(mediaType(c));

/** Validates with a zod schema; every problem in one 400 message. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new LoupeError('BAD_ARGUMENT', {
      message: r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    });
  return r.data;
}

/** The JSON body; only with a JSON content type (a cross-site form or no-cors fetch cannot send one without asking). */
export async function readJson(c: Context): Promise<unknown> {
  if (!isJson(c))
    throw new LoupeError('UNSUPPORTED_MEDIA_TYPE', { got: mediaType(c), expected: 'Content-Type: application/json' });
  let text: string;
  try {
    // Strict: bytes that are not UTF-8 are refused rather than read as U+FFFD and searched for.
    text = UTF8.decode(await c.req.arrayBuffer());
  } catch {
    throw new LoupeError('BAD_ARGUMENT', { message: 'the body is not valid UTF-8 (JSON must be UTF-8)' });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new LoupeError('BAD_ARGUMENT', { message: 'the body must be JSON (Content-Type: application/json)' });
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

const ImageSource = z.object({
  url: z.string().max(8192).optional(),
  base64: z.string().optional(),
  filename: z.string().max(255).optional(),
});

/** Images from a multipart body (any file field) or a JSON body with `url` or `base64`. */
export async function readImageRequest(c: Context, lib: Library): Promise<ImageRequest> {
  if (isMultipart(c)) {
    const body = await readMultipart(c.req.raw, {
      tmpDir: uploadTempDir(lib.config.dataDir),
      maxFileBytes: lib.config.limits.maxFileBytes,
    });
    if (!body.files.length) {
      await body.dispose();
      throw new LoupeError('BAD_ARGUMENT', {
        message: 'no file in the multipart body (send one or more files, e.g. field "file")',
      });
    }
    return {
      images: body.files.map((f) => ({ filename: f.filename, bytes: f.read })),
      fields: body.fields,
      json: null,
      dispose: body.dispose,
    };
  }
  if (!isJson(c))
    throw new LoupeError('UNSUPPORTED_MEDIA_TYPE', {
      got: mediaType(c),
      expected: 'multipart/form-data (files) or application/json ({url} or {base64})',
    });
  const json = await readJson(c);
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new LoupeError('BAD_ARGUMENT', { message: 'the JSON body must be an object with "url" or "base64"' });
  const source = parseWith(ImageSource, json);
  if ((source.url === undefined) === (source.base64 === undefined))
    throw new LoupeError('BAD_ARGUMENT', { message: 'give exactly one of "url" or "base64"' });
  let bytes: Buffer;
  let filename = source.filename;
  if (source.url !== undefined) {
    filename ??= urlFilename(source.url); // checked before fetching: a URL that cannot be named is refused without a request
    bytes = await lib.fetchUrl(source.url);
  } else {
    bytes = decodeBase64Image(source.base64!) ?? Buffer.from(source.base64!, 'base64');
    filename ??= 'image';
  }
  const fields = Object.fromEntries(
    Object.entries(json)
      .filter(([, v]) => typeof v === 'string' || typeof v === 'number')
      .map(([k, v]) => [k, String(v)]),
  );
  return {
    images: [{ filename, bytes: async () => bytes }],
    fields,
    json: json as Record<string, unknown>,
    dispose: async () => {},
  };
}

/** The file name a URL names (its last path segment, decoded); BAD_ARGUMENT for a URL that does not parse or decode. */
function urlFilename(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LoupeError('BAD_ARGUMENT', { message: `url: ${JSON.stringify(url.slice(0, 200))} is not a URL` });
  }
  try {
    return decodeURIComponent(parsed.pathname.split('/').pop() || '') || 'image';
  } catch {
    throw new LoupeError('BAD_ARGUMENT', {
      message: `url: the path of ${JSON.stringify(url.slice(0, 200))} has a malformed percent-escape (e.g. "%zz"; write a literal % as %25)`,
    });
  }
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
/** A 0–100 % cutoff from a query parameter, form field or JSON number; undefined when not given. */
export function percentParam(name: string, value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100)
    throw new LoupeError('BAD_ARGUMENT', {
      message: `${name} must be a percentage from 0 to 100, got ${JSON.stringify(value)}`,
    });
  return n;
}

export function intParam(name: string, value: unknown, def: number, min: number, max: number): number {
  if (value === undefined || value === null || value === '') return def;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new LoupeError('BAD_ARGUMENT', {
      message: `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    });
  return n;
}
