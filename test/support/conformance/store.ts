/**
 * The Store's contract, run on every database the store supports (test/store.test.ts: embedded PGlite, and
 * PostgreSQL through node-postgres over the wire protocol).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MIGRATIONS, migrate } from '../../../src/adapters/sql/migrations.js';
import { SqlStore } from '../../../src/adapters/sql/sql-store.js';
import type { SqlClient } from '../../../src/adapters/sql/sql-client.js';
import { l2Normalize } from '../../../src/core/scores.js';

const MODEL = 'test/model';
const unit = (...xs: number[]) => l2Normalize(Float32Array.from({ length: 8 }, (_, i) => xs[i] ?? 0));

export function storeConformance(name: string, open: () => Promise<SqlClient>) {
  describe(`SqlStore on ${name}`, () => {
    let db: SqlClient;
    let store: SqlStore;
    const ids: Record<string, string> = {};
    async function add(name: string, folder: string, vector: Float32Array, sha = name) {
      const id = randomUUID();
      const [r] = await store.insertImages([
        {
          image: { id, sha256: sha, phash: '0000000000000000', width: 1, height: 1, format: 'png', bytes: 1, exif: {} },
          path: {
            imageId: id,
            path: `/lib/${folder ? folder + '/' : ''}${name}.png`,
            root: '/lib',
            folder,
            size: 1,
            mtimeMs: 1,
          },
          embedding: { model: MODEL, vector },
        },
      ]);
      ids[name] = r.imageId;
      return r;
    }
    before(async () => {
      db = await open();
      assert.equal(await migrate(db), MIGRATIONS.length);
      assert.equal(await migrate(db), 0, 'migrations apply once');
      store = new SqlStore(db);
      await add('x', 'axis', unit(1));
      await add('y', 'axis', unit(0, 1));
      await add('xy', 'diag/inner', unit(1, 1));
      await add('z', '', unit(0, 0, 1));
    });
    after(() => store.close());

    it('returns nearest first with cosine distances', async () => {
      const hits = await store.searchByVector({ vector: unit(1, 0.1), model: MODEL, k: 3 });
      assert.deepEqual(
        hits.map((h) => h.path),
        ['/lib/axis/x.png', '/lib/diag/inner/xy.png', '/lib/axis/y.png'],
      );
      assert.ok(hits[0].distance < 0.01 && hits[0].distance >= 0);
      assert.ok(Math.abs(hits[2].distance - (1 - 0.1 / Math.hypot(1, 0.1))) < 0.01);
    });

    it('filters by folder prefix by path segment, and excludes an id', async () => {
      const inDiag = await store.searchByVector({ vector: unit(1), model: MODEL, k: 10, folder: 'diag' });
      assert.deepEqual(
        inDiag.map((h) => h.path),
        ['/lib/diag/inner/xy.png'],
      );
      assert.deepEqual(await store.searchByVector({ vector: unit(1), model: MODEL, k: 10, folder: 'dia' }), []);
      const excluded = await store.searchByVector({ vector: unit(1), model: MODEL, k: 1, excludeImageId: ids.x });
      assert.equal(excluded[0].path, '/lib/diag/inner/xy.png');
    });

    it('the HNSW index agrees with exact search', async () => {
      const q = { vector: unit(0.3, 0.2, 0.9), model: MODEL, k: 4 };
      const [ann, exact] = [await store.searchByVector(q), await store.searchByVector({ ...q, exact: true })];
      assert.deepEqual(
        ann.map((h) => h.imageId),
        exact.map((h) => h.imageId),
      );
      const plan = await db.query<{ 'QUERY PLAN': string }>(
        `explain select 1 from embeddings e where e.model = '${MODEL}' and e.dim = 8 order by e.embedding::vector(8) <=> '[1,0,0,0,0,0,0,0]'::vector(8) limit 3`,
      );
      assert.match(plan.map((r) => r['QUERY PLAN']).join('\n'), /embeddings_hnsw_/);
    });

    it('stores one image per content hash; a second path attaches to it', async () => {
      const again = await add('x-copy', 'copies', unit(0, 1), 'x');
      assert.equal(again.inserted, false);
      assert.equal(again.imageId, ids.x);
      assert.deepEqual(await store.pathsOfImage(ids.x), ['/lib/axis/x.png', '/lib/copies/x-copy.png']);
      assert.equal(await store.imageCount(), 4);
      const vector = await store.getEmbedding(ids.x, MODEL);
      assert.ok(vector && vector[0] > 0.99, 'the first embedding is kept');
    });

    it('removing every path of an image deletes it (and reports its hash)', async () => {
      await store.removePaths(['/lib/axis/y.png']);
      assert.deepEqual(await store.deleteOrphanImages(), ['y']);
      assert.equal(await store.imageExists(ids.y), false);
      assert.equal(
        (await store.searchByVector({ vector: unit(0, 1), model: MODEL, k: 10 })).some((h) => h.imageId === ids.y),
        false,
      );
      assert.deepEqual(await store.embeddingModels(), [{ model: MODEL, dim: 8, count: 3 }]);
    });

    it('a batch is all or nothing, and one content twice in a batch is stored once', async () => {
      const a = randomUUID();
      const b = randomUUID();
      const item = (id: string, sha: string, p: string, vector: Float32Array) => ({
        image: { id, sha256: sha, phash: '0000000000000000', width: 1, height: 1, format: 'png', bytes: 1, exif: {} },
        path: { imageId: id, path: p, root: '/lib', folder: 'batch', size: 1, mtimeMs: 1 },
        embedding: { model: MODEL, vector },
      });
      const results = await store.insertImages([
        item(a, 'same', '/lib/batch/a.png', unit(1)),
        item(b, 'same', '/lib/batch/b.png', unit(1)),
      ]);
      assert.deepEqual(results, [
        { imageId: a, inserted: true },
        { imageId: a, inserted: false },
      ]);
      const before = await store.imageCount();
      // A bad vector (NaN) fails the whole batch: the good image before it is not kept either.
      await assert.rejects(
        store.insertImages([
          item(randomUUID(), 'good', '/lib/batch/good.png', unit(1)),
          item(randomUUID(), 'bad', '/lib/batch/bad.png', Float32Array.from([NaN, 0, 0, 0, 0, 0, 0, 0])),
        ]),
      );
      assert.equal(await store.imageCount(), before);
      await store.removePaths(['/lib/batch/a.png', '/lib/batch/b.png']);
      assert.deepEqual(await store.deleteOrphanImages(), ['same']);
    });

    it('folders counts images per folder', async () => {
      assert.deepEqual(await store.folders(), { '': 1, axis: 1, copies: 1, 'diag/inner': 1 });
    });
  });
}
