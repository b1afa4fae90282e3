/**
 * Finding photos by when, where, which camera and what they are: filters and sorting in the store, the
 * CLI and the API, on pictures carrying real EXIF (written by sharp, read back by Loupe's decoder).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openPglite } from '../src/adapters/pglite/pglite-client.js';
import { migrate } from '../src/adapters/sql/migrations.js';
import { SqlStore } from '../src/adapters/sql/sql-store.js';
import type { SqlClient } from '../src/adapters/sql/sql-client.js';
import { l2Normalize } from '../src/core/scores.js';
import { seededRandom } from '../src/models/seeded-random.js';
import { migratedDatabaseCopy, photoWithExif, runCli, runJson, tempDir, testEnv } from './support/fixtures.js';
import { jsonBody, startTestServer, type TestServer } from './support/server.js';

describe('filtered vector search keeps k when the filter keeps few', () => {
  const MODEL = 'test/filters';
  let db: SqlClient;
  const rare = new Set<string>();
  const common = new Set<string>();
  before(async () => {
    db = await openPglite(await migratedDatabaseCopy());
    await migrate(db);
    const store = new SqlStore(db);
    const random = seededRandom(7);
    // 1,000 vectors in 20 clusters; 10 from a rare camera (1 %), 100 from a common one, the rest with none.
    const centres = Array.from({ length: 20 }, () => Float32Array.from({ length: 16 }, () => random.uniform() * 2 - 1));
    for (let batch = 0; batch < 10; batch++) {
      const items = Array.from({ length: 100 }, (_, j) => {
        const n = batch * 100 + j;
        const id = randomUUID();
        const camera = n % 100 === 37 ? 'Rare Cam 1' : n % 10 === 3 ? 'Common Cam' : undefined;
        if (camera === 'Rare Cam 1') rare.add(id);
        if (camera === 'Common Cam') common.add(id);
        const vector = l2Normalize(centres[n % 20].map((c) => c + (random.uniform() - 0.5) * 0.3));
        return {
          image: {
            id,
            sha256: `sha-${n}`,
            phash: '0000000000000000',
            width: 10,
            height: 10,
            format: 'jpeg',
            bytes: 1,
            exif: camera ? { camera, takenAt: new Date(2015, 0, 1 + n).toISOString() } : {},
          },
          path: { imageId: id, path: `/lib/${n}.jpg`, root: '/lib', folder: '', size: 1, mtimeMs: 1 },
          embedding: { model: MODEL, vector },
        };
      });
      await store.insertImages(items);
    }
  });
  after(() => db.close());

  // Both plans: the exact scan over the filtered images, and the HNSW walk with iterative scans (forced by a threshold of 0).
  for (const [plan, exactFilterMax] of [
    ['exact over the filter', undefined],
    ['HNSW with iterative scan', 0],
  ] as const)
    it(`returns all 10 of a 1 % filter for k = 10 (${plan})`, async () => {
      const store = new SqlStore(db, undefined, false, exactFilterMax);
      const query = l2Normalize(Float32Array.from({ length: 16 }, (_, i) => Math.cos(i)));
      const hits = await store.searchByVector({ vector: query, model: MODEL, k: 10, camera: 'rare cam' });
      assert.equal(hits.length, 10);
      assert.deepEqual(new Set(hits.map((h) => h.imageId)), rare);
      // A wider filter: the 10 nearest that pass it, in order, the same as an exact scan finds.
      const wide = await store.searchByVector({ vector: query, model: MODEL, k: 10, camera: 'common' });
      const exact = await store.searchByVector({ vector: query, model: MODEL, k: 10, camera: 'common', exact: true });
      assert.equal(wide.length, 10);
      assert.ok(wide.every((h) => common.has(h.imageId)));
      assert.deepEqual(
        wide.map((h) => h.imageId),
        exact.map((h) => h.imageId),
      );
      for (let i = 1; i < wide.length; i++) assert.ok(wide[i].distance >= wide[i - 1].distance);
    });
});

describe('filters and sorting by EXIF, place and shape, in the CLI and the API', () => {
  const EIFFEL = { lat: 48.8584, lon: 2.2945 };
  // name → colour, EXIF, format, size
  const PHOTOS = {
    'paris-2019.jpg': [
      'red',
      { taken: '2019:06:15 10:00:00', make: 'Google', model: 'Pixel 7', gps: EIFFEL },
      'jpeg',
      [320, 240],
    ],
    'tokyo-2020.jpg': [
      'red',
      { taken: '2020:03:01 09:00:00', make: 'Canon', model: 'Canon EOS R5', gps: { lat: 35.6586, lon: 139.7454 } },
      'jpeg',
      [240, 320],
    ],
    'home-2021.jpg': ['blue', { taken: '2021:07:14 18:30:00', make: 'Google', model: 'Pixel 5' }, 'jpeg', [320, 240]],
    'scan.png': ['green', {}, 'png', [400, 400]],
    // ~4 km east of the Eiffel tower.
    'louvre-2021.jpg': [
      'blue',
      { taken: '2021:12:31 23:00:00', make: 'Apple', model: 'iPhone 12', gps: { lat: 48.86, lon: 2.35 } },
      'jpeg',
      [1600, 900],
    ],
  } as const;
  type Hit = { id: string; path: string };
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let dataDir: string;
  const names = (hits: Hit[]) => hits.map((h) => path.basename(h.path));
  const search = async (args: string[]) => names(await runJson<Hit[]>(['search', ...args, '--json'], env));

  before(async () => {
    const root = await tempDir();
    dir = path.join(root, 'photos');
    dataDir = path.join(root, 'data');
    await mkdir(dir);
    for (const [name, [colour, exif, format, size]] of Object.entries(PHOTOS))
      await writeFile(path.join(dir, name), await photoWithExif(colour, exif, format, [...size]));
    env = await testEnv(dataDir);
    const summary = await runJson<{ indexed: number }>(['index', dir], env);
    assert.equal(summary.indexed, 5);
  });

  it('filters by date taken: after/before, year, a day; words and filters together', async () => {
    assert.deepEqual(await search(['red', '--after', '2019-06', '--before', '2020']), ['paris-2019.jpg']);
    assert.deepEqual(await search(['year:2021', '--sort', 'oldest']), ['home-2021.jpg', 'louvre-2021.jpg']);
    assert.deepEqual(await search(['taken:2021-07-14']), ['home-2021.jpg']);
    assert.deepEqual(await search(['--year', '2020']), ['tokyo-2020.jpg']);
  });

  it('filters by camera, place (near a point, a country) and GPS', async () => {
    assert.deepEqual(
      await search(['--camera', 'pixel']),
      ['home-2021.jpg', 'paris-2019.jpg'],
      'no words: newest first',
    );
    assert.deepEqual(await search(['camera:"eos r5"']), ['tokyo-2020.jpg']);
    assert.deepEqual(
      new Set(await search(['--near', `${EIFFEL.lat},${EIFFEL.lon},5`])),
      new Set(['paris-2019.jpg', 'louvre-2021.jpg']),
    );
    assert.deepEqual(
      await search([`near:${EIFFEL.lat},${EIFFEL.lon},3`]),
      ['paris-2019.jpg'],
      'the Louvre photo is ~4 km away',
    );
    assert.deepEqual(await search(['country:japan']), ['tokyo-2020.jpg']);
    assert.deepEqual(await search(['--country', 'FR', '--sort', 'name']), ['louvre-2021.jpg', 'paris-2019.jpg']);
    assert.deepEqual(await search(['has:gps', '--sort', 'oldest']), [
      'paris-2019.jpg',
      'tokyo-2020.jpg',
      'louvre-2021.jpg',
    ]);
  });

  it('filters by file type, size and orientation', async () => {
    assert.deepEqual(await search(['--type', 'png']), ['scan.png']);
    assert.deepEqual(await search(['is:portrait']), ['tokyo-2020.jpg']);
    assert.deepEqual(await search(['is:square']), ['scan.png']);
    assert.deepEqual(await search(['minwidth:1000']), ['louvre-2021.jpg']);
    assert.deepEqual(
      new Set(await search(['blue is:landscape'])),
      new Set(['paris-2019.jpg', 'home-2021.jpg', 'louvre-2021.jpg']),
    );
  });

  it('sorts results by date taken or name, and filters searches by image', async () => {
    assert.deepEqual(
      await search(['a picture', '--sort', 'newest']),
      ['louvre-2021.jpg', 'home-2021.jpg', 'tokyo-2020.jpg', 'paris-2019.jpg', 'scan.png'],
      'undated last',
    );
    assert.deepEqual(await search(['a picture', '--sort', 'name']), [
      'home-2021.jpg',
      'louvre-2021.jpg',
      'paris-2019.jpg',
      'scan.png',
      'tokyo-2020.jpg',
    ]);
    assert.deepEqual(
      await search(['--image', path.join(dir, 'paris-2019.jpg'), '--camera', 'canon']),
      ['tokyo-2020.jpg'],
      'the nearest image that passes, not the nearest',
    );
  });

  it('says how to write a filter it cannot read', async () => {
    const bad = await runCli(['search', 'dog', '--after', 'June'], env);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /YYYY, YYYY-MM or YYYY-MM-DD/);
    const country = await runCli(['search', 'country:atlantis'], env);
    assert.match(country.stderr, /not a country Loupe knows/);
  });

  describe('over HTTP', () => {
    let server: TestServer;
    const post = async (body: unknown) => {
      const res = await fetch(`${server.url}/api/v1/images/search`, jsonBody(body));
      return {
        status: res.status,
        body: (await res.json()) as {
          results: { id: string; filename: string; exif: { takenAt?: string; country?: string } }[];
          applied: Record<string, unknown>;
        },
      };
    };
    before(async () => {
      server = await startTestServer({}, dataDir);
    });
    after(() => server?.stop());

    it('takes structured filters and sort beside the query, and filters alone', async () => {
      const cams = await post({ query: '', filters: { camera: 'pixel' } });
      assert.equal(cams.status, 200);
      assert.deepEqual(
        cams.body.results.map((r) => r.filename),
        ['home-2021.jpg', 'paris-2019.jpg'],
      );
      assert.equal(cams.body.applied.mode, 'filter');
      const paris = await post({ query: 'blue', filters: { near: { ...EIFFEL, km: 5 }, after: '2021' } });
      assert.deepEqual(
        paris.body.results.map((r) => r.filename),
        ['louvre-2021.jpg'],
        JSON.stringify(paris.body),
      );
      assert.equal(paris.body.results[0].exif.country, 'FR', 'the country is looked up offline at indexing');
      assert.ok(paris.body.applied.filters, 'the answer says which filters applied');
      // Query syntax and structured fields both apply.
      const both = await post({ query: 'has:gps', filters: { orientation: 'landscape' }, sort: 'oldest' });
      assert.deepEqual(
        both.body.results.map((r) => r.filename),
        ['paris-2019.jpg', 'louvre-2021.jpg'],
      );
      const bad = await post({ query: 'x', filters: { after: 'June' } });
      assert.equal(bad.status, 400);
      const unknown = await post({ query: 'x', filters: { lens: '50mm' } });
      assert.equal(unknown.status, 400, 'an unknown filter field is refused, not ignored');
    });

    it('filters similar images and lists the gallery by date taken', async () => {
      const list = (await (await fetch(`${server.url}/api/v1/images?order=taken`)).json()) as {
        items: { id: string; filename: string }[];
      };
      // Undated images come last (the gallery's "No date" section), not among today's.
      assert.deepEqual(
        list.items.map((i) => i.filename),
        ['louvre-2021.jpg', 'home-2021.jpg', 'tokyo-2020.jpg', 'paris-2019.jpg', 'scan.png'],
      );
      const paris = list.items.find((i) => i.filename === 'paris-2019.jpg')!;
      const similar = (await (
        await fetch(`${server.url}/api/v1/images/${paris.id}/similar?k=5&has=gps&sort=newest`)
      ).json()) as { results: { filename: string }[] };
      assert.deepEqual(
        similar.results.map((r) => r.filename),
        ['louvre-2021.jpg', 'tokyo-2020.jpg'],
      );
      const page1 = (await (await fetch(`${server.url}/api/v1/images?order=taken&limit=2`)).json()) as {
        items: { filename: string }[];
        nextCursor: string;
      };
      const page2 = (await (
        await fetch(`${server.url}/api/v1/images?order=taken&limit=2&cursor=${page1.nextCursor}`)
      ).json()) as { items: { filename: string }[]; nextCursor: string };
      const page3 = (await (
        await fetch(`${server.url}/api/v1/images?order=taken&limit=2&cursor=${page2.nextCursor}`)
      ).json()) as { items: { filename: string }[] };
      assert.deepEqual(
        [...page1.items, ...page2.items, ...page3.items].map((i) => i.filename),
        list.items.map((i) => i.filename),
        'pages follow the same order, into the undated ones',
      );
      const before = (await (await fetch(`${server.url}/api/v1/images?order=taken&before=2021-01-01`)).json()) as {
        items: { filename: string }[];
      };
      assert.deepEqual(
        before.items.map((i) => i.filename),
        ['tokyo-2020.jpg', 'paris-2019.jpg', 'scan.png'],
        'the timeline starts the list at a date',
      );
      const timeline = (await (await fetch(`${server.url}/api/v1/images/timeline`)).json()) as {
        months: { month: string; count: number }[];
        undated: number;
      };
      assert.equal(timeline.undated, 1);
      assert.deepEqual(timeline.months, [
        { month: '2021-12', count: 1 },
        { month: '2021-07', count: 1 },
        { month: '2020-03', count: 1 },
        { month: '2019-06', count: 1 },
      ]);
    });
  });
});
