/** Blobs (upload originals, thumbnails) as objects in an S3-compatible bucket, under a key prefix. */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BlobStore } from '../../ports/blob-store.js';
import { isNotFound } from './s3-client.js';

export class S3BlobStore implements BlobStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix = '',
  ) {}

  private key(key: string) {
    if (key.split('/').some((part) => part === '..' || part === '.'))
      throw new Error(`blob key escapes the store: ${key}`);
    return this.prefix + key;
  }

  async put(key: string, data: Buffer, contentType: string) {
    // A PUT replaces an object atomically: readers see the old bytes or the new, never half.
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: data, ContentType: contentType }),
    );
  }

  async get(key: string) {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return Buffer.from(await res.Body!.transformToByteArray());
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async delete(key: string) {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
  }
}
