/** `loupe migrate-to DATABASE_URL`: an embedded library moved into a server database answers the same. */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { colourImage, runCli, runJson, tempDir, testEnv } from './support/fixtures.js';
import { startPgServer, type PgServer } from './support/pg-server.js';

describe('loupe migrate-to', () => {
  let server: PgServer;
  before(async () => (server = await startPgServer()));
  after(() => server.stop());

  it('copies images, vectors, text, spaces and keys; the server database then answers the same searches', async () => {
    const root = await tempDir();
    const photos = path.join(root, 'photos');
    await mkdir(path.join(photos, 'cars'), { recursive: true });
    for (const c of ['red', 'green', 'blue'])
      await writeFile(path.join(photos, 'cars', `${c}.png`), await colourImage(c, 'png'));
    const embedded = await testEnv(path.join(root, 'data'));
    assert.equal((await runJson<{ indexed: number }>(['index', photos], embedded)).indexed, 3);
    assert.equal((await runCli(['spaces', 'create', 'team'], embedded)).code, 0);
    await runJson(['index', path.join(photos, 'cars', 'red.png'), '--space', 'team'], embedded);
    const key = (await runCli(['keys', 'create', '--space', 'team'], embedded)).stdout.trim();
    const before = await runJson<{ id: string; path: string; score: number }[]>(
      ['search', 'blue car', '--k', '3'],
      embedded,
    );

    const moved = await runJson<Record<string, number>>(['migrate-to', server.url], embedded);
    assert.deepEqual([moved.images, moved.embeddings, moved.spaces, moved.api_keys], [4, 4, 1, 1]);
    assert.equal(moved.image_paths, 4);

    const serverEnv = { ...embedded, DATABASE_URL: server.url };
    const after = await runJson<{ id: string; path: string; score: number }[]>(
      ['search', 'blue car', '--k', '3'],
      serverEnv,
    );
    assert.deepEqual(
      after.map((h) => [h.id, h.path]),
      before.map((h) => [h.id, h.path]),
      'same results, same ids',
    );
    assert.ok(Math.abs(after[0].score - before[0].score) < 1e-6);
    const team = await runJson<{ path: string }[]>(['search', 'red', '--space', 'team', '--k', '5'], serverEnv);
    assert.equal(team.length, 1, 'spaces keep their own images');
    const keys = await runJson<{ prefix: string; space: string }[]>(['keys', 'list'], serverEnv);
    assert.ok(key.startsWith(keys[0].prefix) && keys[0].space === 'team', 'keys keep working (their hashes moved)');

    const again = await runCli(['migrate-to', server.url], embedded);
    assert.equal(again.code, 2, 'exit status 2: the target is not an empty database');
    assert.match(again.stderr, /already holds 4 images/);
  });
});
