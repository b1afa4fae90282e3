/** A run killed with SIGKILL half-way and started again ends with every image indexed exactly once. */
import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IndexSummary } from '../src/core/types.js';
import { COCO_IMAGES, requireShared, runJson, spawnCli, tempDir, testEnv } from './support/fixtures.js';

async function countFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name.endsWith('.webp')).length;
}

describe('kill and resume', () => {
  it('SIGKILL mid-run, then a second run: each image exactly once, database consistent', async () => {
    await requireShared();
    const root = await tempDir();
    const photos = path.join(root, 'photos');
    const data = path.join(root, 'data');
    await mkdir(photos);
    const files = (await readdir(COCO_IMAGES)).sort().slice(0, 80);
    for (const f of files) await copyFile(path.join(COCO_IMAGES, f), path.join(photos, f));
    const env = await testEnv(data, { LOUPE_BATCH_SIZE: '2' });

    const child = spawnCli(['index', photos, '--json'], env);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // Kill once some images are stored (thumbnails are written just before each image's transaction).
    const deadline = Date.now() + 120_000;
    while ((await countFiles(path.join(data, 'thumbnails'))) < 12) {
      assert.ok(Date.now() < deadline, 'indexing never got going');
      await sleep(50);
    }
    child.kill('SIGKILL');
    await exited;
    const storedBeforeKill = await countFiles(path.join(data, 'thumbnails'));
    assert.ok(storedBeforeKill < files.length, `killed half-way (${storedBeforeKill} of ${files.length})`);

    const resumed = await runJson<IndexSummary>(['index', photos], env);
    assert.deepEqual(resumed.failed, []);
    assert.equal(resumed.indexed + resumed.skipped, files.length);
    assert.ok(resumed.skipped >= 10, `work done before the kill is kept (skipped ${resumed.skipped})`);

    const third = await runJson<IndexSummary>(['index', photos], env);
    assert.deepEqual([third.indexed, third.skipped, third.duplicates, third.removed], [0, files.length, 0, 0]);
    const stats = await runJson<{ images: number; models: { count: number }[] }>(['stats'], env);
    assert.equal(stats.images, files.length);
    assert.equal(stats.models[0].count, files.length, 'one embedding per image');
  });
});
