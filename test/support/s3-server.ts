/**
 * A local S3-compatible server for tests (s3rver) on 127.0.0.1, with the environment that points Loupe at it.
 * It runs in a child process with OpenSSL's legacy provider: s3rver makes ListObjectsV2 continuation tokens
 * with DES, which OpenSSL 3 (Node ≥ 17) refuses otherwise — and paging is what the tests need.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { tempDir } from './fixtures.js';

export interface S3Server {
  endpoint: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}

const SCRIPT = `
const S3rver = require('s3rver');
const [directory, buckets] = process.argv.slice(1);
new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: JSON.parse(buckets).map((name) => ({ name })) })
  .run().then(({ port }) => console.log('PORT ' + port));
process.on('SIGTERM', () => process.exit(0));
`;

export async function startS3Server(buckets: string[]): Promise<S3Server> {
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', SCRIPT, await tempDir('loupe-s3-'), JSON.stringify(buckets)],
    {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    // s3rver's built-in credentials.
    env: {
      LOUPE_S3_ENDPOINT: endpoint,
      LOUPE_S3_FORCE_PATH_STYLE: '1',
      LOUPE_S3_REGION: 'us-east-1',
      LOUPE_S3_ACCESS_KEY_ID: 'S3RVER',
      LOUPE_S3_SECRET_ACCESS_KEY: 'S3RVER',
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
