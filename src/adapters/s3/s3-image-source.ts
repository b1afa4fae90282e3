/**
 * Images in an S3-compatible bucket, named by s3://bucket/prefix URLs. Listing pages through the bucket
 * (ListObjectsV2) and remembers each object's size, time and ETag, so an incremental run reads only new
 * or changed objects.
 */
import { GetObjectCommand, HeadObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { LoupeError, reasonOf } from '../../core/errors.js';
import type { Presence, ImageSource, SourceFile, SourceStat } from '../../ports/image-source.js';
import { isNotFound, parseS3Url } from './s3-client.js';

export class S3ImageSource implements ImageSource {
  private readonly listed = new Map<string, SourceStat>();

  /** @param pageSize objects per ListObjectsV2 page (S3's maximum is 1000). */
  constructor(
    private readonly client: S3Client,
    private readonly pageSize = 1000,
  ) {}

  private location(url: string) {
    const loc = parseS3Url(url);
    if (!loc) throw new LoupeError('BAD_ARGUMENT', { message: `"${url}" is not an s3://bucket/key URL` });
    return loc;
  }

  private fail(url: string) {
    return (e: unknown): never => {
      throw new LoupeError('UNREADABLE', { path: url, reason: isNotFound(e) ? 'no such object' : reasonOf(e) });
    };
  }

  async list(inputs: string[], fail: (path: string, e: unknown) => void) {
    const files: SourceFile[] = [];
    const walkedRoots: string[] = [];
    for (const input of inputs) {
      try {
        const { bucket, key } = this.location(input);
        // A key that is an object is a file named alone; anything else is a prefix (a folder).
        if (key && !key.endsWith('/')) {
          const head = await this.client
            .send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
            .catch((e) => (isNotFound(e) ? null : Promise.reject(e)));
          if (head) {
            const url = `s3://${bucket}/${key}`;
            this.listed.set(url, {
              size: head.ContentLength ?? 0,
              mtimeMs: head.LastModified?.getTime() ?? 0,
              etag: head.ETag,
            });
            files.push({
              path: url,
              root: `s3://${bucket}/${key.split('/').slice(0, -1).join('/')}`.replace(/\/$/, ''),
              explicit: true,
            });
            continue;
          }
        }
        const prefix = key && !key.endsWith('/') ? key + '/' : key;
        const root = `s3://${bucket}${prefix ? '/' + prefix.replace(/\/$/, '') : ''}`;
        walkedRoots.push(root);
        const found: SourceFile[] = [];
        for await (const page of paginateListObjectsV2(
          { client: this.client, pageSize: this.pageSize },
          { Bucket: bucket, Prefix: prefix },
        )) {
          for (const o of page.Contents ?? []) {
            if (!o.Key || o.Key.endsWith('/') || o.Key.split('/').some((part) => part.startsWith('.'))) continue;
            const url = `s3://${bucket}/${o.Key}`;
            this.listed.set(url, { size: o.Size ?? 0, mtimeMs: o.LastModified?.getTime() ?? 0, etag: o.ETag });
            found.push({ path: url, root, explicit: false });
          }
        }
        files.push(...found.sort((a, b) => a.path.localeCompare(b.path)));
      } catch (e) {
        fail(input, e instanceof LoupeError ? e : new LoupeError('UNREADABLE', { path: input, reason: reasonOf(e) }));
      }
    }
    return { files, walkedRoots };
  }

  async stat(url: string) {
    const known = this.listed.get(url);
    if (known) return known;
    const { bucket, key } = this.location(url);
    const head = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch(this.fail(url));
    return { size: head.ContentLength ?? 0, mtimeMs: head.LastModified?.getTime() ?? 0, etag: head.ETag };
  }

  private async get(url: string, range?: string) {
    const { bucket, key } = this.location(url);
    const res = await this.client
      .send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }))
      .catch(this.fail(url));
    return Buffer.from(await res.Body!.transformToByteArray());
  }

  readHead(url: string, bytes: number) {
    return this.get(url, `bytes=0-${bytes - 1}`);
  }

  read(url: string) {
    return this.get(url);
  }

  async exists(url: string) {
    const { bucket, key } = this.location(url);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /** Keys have no links: an object under its bucket URL is where it says. */
  readWithin(url: string) {
    return this.get(url);
  }

  async presence(url: string): Promise<Presence> {
    // 404 is a confirmed absence; any other failure (denied, unreachable) is not.
    return this.exists(url).then(
      (there) => (there ? 'present' : 'absent'),
      () => 'unknown',
    );
  }

  folderOf(root: string, url: string) {
    const rel = url.startsWith(root + '/') ? url.slice(root.length + 1) : url.slice(url.indexOf('/', 5) + 1);
    return rel.split('/').slice(0, -1).join('/');
  }
}
