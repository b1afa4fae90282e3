/**
 * The real Chroma server (the Rust server the npm package `chromadb` ships, pinned to bindings that load on
 * Debian 12's glibc), run in a child process on a free loopback port with a persist folder: tests write a
 * collection through its HTTP API, stop it, and read the folder it left.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

// The package's own command (its "bin"), found beside this project's node_modules.
const CLI = path.join(import.meta.dirname, '..', '..', 'node_modules', 'chromadb', 'dist', 'cli.mjs');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface ChromaServer {
  /** POST to the default tenant and database's API. */
  post<T>(route: string, body: unknown): Promise<T>;
  stop(): Promise<void>;
}

export async function startChromaServer(dir: string): Promise<ChromaServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'run', '--path', dir, '--port', String(port), '--host', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}/api/v2`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the Chroma server did not start:\n${log}`);
    const up = await fetch(`${base}/heartbeat`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (i > 150) throw new Error(`the Chroma server did not answer in 15 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    async post<T>(route: string, body: unknown) {
      const r = await fetch(`${base}/tenants/default_tenant/databases/default_database${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await r.text();
      if (!r.ok) throw new Error(`Chroma ${route}: ${r.status} ${text}`);
      return (text ? JSON.parse(text) : null) as T;
    },
    async stop() {
      child.kill('SIGINT');
      await exited;
    },
  };
}
