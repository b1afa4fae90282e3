/**
 * Multipart uploads streamed to temporary files as they arrive (busboy): limits hold while the body is still
 * coming in — a file over LOUPE_MAX_FILE_BYTES is refused (413) at that byte, not after buffering the request.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { diskFullOr, LoupeError } from '../core/errors.js';

export interface SpooledFile {
  filename: string;
  size: number;
  read(): Promise<Buffer>;
}

export interface MultipartBody {
  files: SpooledFile[];
  fields: Record<string, string>;
  /** Removes the temporary files. */
  dispose(): Promise<void>;
}

export const uploadTempDir = (dataDir: string) => path.join(dataDir, 'tmp', 'uploads');

export async function readMultipart(
  request: Request,
  options: { tmpDir: string; maxFileBytes: number; maxFields?: number },
): Promise<MultipartBody> {
  if (!request.body) throw new LoupeError('BAD_ARGUMENT', { message: 'the multipart body is empty' });
  const dir = path.join(options.tmpDir, randomUUID());
  await mkdir(dir, { recursive: true });
  const files: SpooledFile[] = [];
  const fields: Record<string, string> = {};
  const dispose = () => rm(dir, { recursive: true, force: true });
  const headers = Object.fromEntries(request.headers.entries());
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers,
      limits: { fileSize: options.maxFileBytes, fields: options.maxFields ?? 100, fieldSize: 1024 * 1024, files: 100 },
    });
  } catch (e) {
    await dispose();
    throw new LoupeError('BAD_ARGUMENT', { message: `not a multipart/form-data body: ${(e as Error).message}` });
  }
  const writes: Promise<void>[] = [];
  let failure: Error | null = null;
  parser.on('field', (name, value, info) => {
    if (info.valueTruncated) failure ??= new LoupeError('BAD_ARGUMENT', { message: `field "${name}" is over 1 MiB` });
    fields[name] = value;
  });
  parser.on('file', (_name, stream, info) => {
    const file = path.join(dir, String(files.length));
    const entry = { filename: formFilename(info.filename) || 'image', size: 0, read: () => readFile(file) };
    files.push(entry);
    stream.on('data', (chunk: Buffer) => (entry.size += chunk.length));
    stream.on('limit', () => {
      failure ??= new LoupeError('FILE_TOO_LARGE', {
        path: entry.filename,
        bytes: options.maxFileBytes + 1,
        limit: options.maxFileBytes,
      });
      stream.resume();
    });
    // A write that fails (a full disk) must not stall the parser: the rest of this file is read and dropped, and
    // the request ends with the failure instead of hanging.
    const out = createWriteStream(file);
    writes.push(
      new Promise<void>((resolve) => {
        out.on('finish', resolve);
        out.on('error', (e) => {
          failure ??= diskFullOr(e, options.tmpDir) as Error;
          stream.unpipe(out);
          stream.resume();
          resolve();
        });
      }),
    );
    stream.pipe(out);
  });
  parser.on(
    'filesLimit',
    () => (failure ??= new LoupeError('BAD_ARGUMENT', { message: 'more than 100 files in one request' })),
  );
  parser.on(
    'fieldsLimit',
    () => (failure ??= new LoupeError('BAD_ARGUMENT', { message: 'too many fields in the multipart body' })),
  );
  try {
    await pipeline(Readable.fromWeb(request.body as import('node:stream/web').ReadableStream), parser);
    await Promise.all(writes);
  } catch (e) {
    await dispose();
    // The body limit (bodyLimit middleware) ends the stream with its own error: pass LoupeErrors on as they are.
    if (e instanceof LoupeError) throw e;
    if (failure) throw failure;
    const cause = (e as { cause?: unknown }).cause;
    if (cause instanceof LoupeError) throw cause;
    throw new LoupeError('BAD_ARGUMENT', { message: `the multipart body could not be read: ${(e as Error).message}` });
  }
  if (failure) {
    await dispose();
    throw failure;
  }
  return { files, fields, dispose };
}

/** Browsers (and fetch's FormData) write `"`, CR and LF in a file name as %22, %0D and %0A (WHATWG multipart/form-data): undone here. */
export function formFilename(name: string | undefined): string {
  return (name ?? '').replace(/%(22|0D|0A)/gi, (m) => decodeURIComponent(m));
}
