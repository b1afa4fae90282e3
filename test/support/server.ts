/** Starts a real Loupe server (HTTP on 127.0.0.1, in this process) on a fresh data folder with the test model. */
import path from 'node:path';
import { parseConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { openLibrary, type WiredLibrary } from '../../src/wiring/library.js';
import { tempDir, testEnv } from './fixtures.js';
import { Metrics } from '../../src/adapters/observability/metrics.js';

export interface TestServer extends RunningServer {
  lib: WiredLibrary;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}, dataDir?: string): Promise<TestServer> {
  dataDir ??= path.join(await tempDir(), 'data');
  const lib = await openLibrary(parseConfig(await testEnv(dataDir, env)));
  const server = await startServer(lib, { host: '127.0.0.1', port: 0, metrics: new Metrics(lib.jobs) });
  return {
    ...server,
    lib,
    dataDir,
    async stop() {
      await server.close();
      await lib.close();
    },
  };
}

export function form(
  files: { name: string; bytes: Buffer; type?: string }[],
  fields: Record<string, string> = {},
): FormData {
  const f = new FormData();
  for (const file of files)
    f.append(
      'file',
      new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/octet-stream' }),
      file.name,
    );
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  return f;
}

export const jsonBody = (body: unknown, method = 'POST') => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
