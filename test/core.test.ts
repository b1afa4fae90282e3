import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupDuplicates } from '../src/core/duplicate-groups.js';
import { seededRandom } from '../src/models/seeded-random.js';
import { detectFolder, formsOf } from '../src/core/folder-detect.js';
import { hammingDistance, phashFromGray32 } from '../src/core/phash.js';
import { l2FromCosine, l2Normalize, scoreFromCosineDistance } from '../src/core/scores.js';
import {
  batchesOf,
  contentPlan,
  isUnchanged,
  mustBeImage,
  sweepCandidates,
  uniqueByPath,
} from '../src/core/index-plan.js';
import { checkK } from '../src/core/hybrid.js';

describe('folder detection', () => {
  const folders = ['nature', 'animals/cats', 'cities', 'food'];
  it('finds a folder named in the query, singular or plural, any case', () => {
    assert.equal(detectFolder('show me Nature photos', folders), 'nature');
    assert.equal(detectFolder('a cat sleeping', folders), 'animals/cats');
    assert.equal(detectFolder('city at night', folders), 'cities');
    assert.equal(detectFolder('FOODS on a table', folders), 'food');
  });
  it('applies no filter when nothing or several folders match', () => {
    assert.equal(detectFolder('a dog on the beach', folders), null);
    assert.equal(detectFolder('cats eating food', folders), null);
    assert.equal(detectFolder('anything', []), null);
  });
  it('needs a whole word: "naturely" is not "nature"', () => {
    assert.equal(detectFolder('naturely speaking', folders), null);
  });
  it('knows plural forms', () => {
    assert.deepEqual(formsOf('city').sort(), ['cities', 'city']);
    assert.ok(formsOf('boxes').includes('box'));
    assert.ok(formsOf('cat').includes('cats'));
  });
});

describe('scores', () => {
  it('maps cosine distance to score, similarity % and back to L2', () => {
    assert.deepEqual(scoreFromCosineDistance(0), { score: 1, distance: 0, similarity: 100 });
    assert.deepEqual(scoreFromCosineDistance(1), { score: 0, distance: 1, similarity: 50 });
    assert.equal(scoreFromCosineDistance(2).similarity, 0);
    assert.equal(l2FromCosine(1), 0);
    assert.equal(l2FromCosine(-1), 2);
    assert.ok(Math.abs(l2FromCosine(0) - Math.SQRT2) < 1e-12);
  });
  it('refuses to normalise a zero vector instead of producing NaN', () => {
    assert.throws(() => l2Normalize(new Float32Array(4)));
    const v = l2Normalize(Float32Array.from([3, 4]));
    assert.ok(Math.abs(v[0] - 0.6) < 1e-6 && Math.abs(v[1] - 0.8) < 1e-6);
  });
  it('k must be 1..1000', () => {
    assert.equal(checkK(undefined), 10);
    assert.equal(checkK(1000), 1000);
    for (const bad of [0, -1, 1001, 2.5, NaN]) assert.throws(() => checkK(bad), { code: 'BAD_ARGUMENT' });
  });
});

describe('perceptual hash', () => {
  const gradient = (shift: number) =>
    Float32Array.from({ length: 1024 }, (_, i) => ((i % 32) * 8 + Math.floor(i / 32) * 3 + shift) % 256);
  it('is stable under small brightness changes and differs for different pictures', () => {
    const a = phashFromGray32(gradient(0));
    assert.match(a, /^[0-9a-f]{16}$/);
    const brighter = phashFromGray32(gradient(0).map((v) => Math.min(255, v + 2)));
    assert.ok(hammingDistance(a, brighter) <= 4);
    const other = phashFromGray32(Float32Array.from({ length: 1024 }, (_, i) => (i * 7919) % 256));
    assert.ok(hammingDistance(a, other) > 16);
  });
  it('counts bits exactly', () => {
    assert.equal(hammingDistance('0000000000000000', 'ffffffffffffffff'), 64);
    assert.equal(hammingDistance('8000000000000001', '0000000000000000'), 2);
  });
});

describe('duplicate groups', () => {
  it('handles empty input and single images, and refuses a threshold past 12 bits', async () => {
    assert.deepEqual(await groupDuplicates([]), []);
    assert.deepEqual(await groupDuplicates([{ id: 'a', phash: '0000000000000000', paths: ['/a'] }]), []);
    await assert.rejects(groupDuplicates([], 13), /from 0 to 12/);
  });
  it('finds exactly the groups that comparing every pair finds, at every threshold, without comparing every pair', async () => {
    // Clusters of near copies (a few bits flipped from a centre) among unrelated hashes, as a photo library has.
    const { uniform: next } = seededRandom(5);
    const hex = (hi: number, lo: number) =>
      (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
    const images: { id: string; phash: string; paths: string[] }[] = [];
    for (let c = 0; c < 300; c++) {
      const [hi, lo] = [(next() * 2 ** 32) >>> 0, (next() * 2 ** 32) >>> 0];
      for (let k = 0; k < 1 + Math.floor(next() * 4); k++) {
        let [h, l] = [hi, lo];
        for (let f = 0; f < Math.floor(next() * 14); f++) {
          const bit = Math.floor(next() * 64);
          if (bit < 32) h ^= 1 << bit;
          else l ^= 1 << (bit - 32);
        }
        images.push({ id: `i${images.length}`, phash: hex(h, l), paths: [`/p/${images.length}`] });
      }
    }
    const bruteForce = (maxBits: number) => {
      const parent = images.map((_, i) => i);
      const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
      for (let i = 0; i < images.length; i++)
        for (let j = i + 1; j < images.length; j++)
          if (hammingDistance(images[i].phash, images[j].phash) <= maxBits) parent[find(j)] = find(i);
      const groups = new Map<number, string[]>();
      images.forEach((img, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), img.id]));
      return [...groups.values()]
        .filter((g) => g.length > 1)
        .map((g) => g.join(','))
        .sort();
    };
    let pauses = 0;
    for (const maxBits of [0, 3, 6, 10, 12]) {
      const found = (await groupDuplicates(images, maxBits, async () => void pauses++))
        .filter((g) => g.kind === 'near')
        .map((g) => g.images.map((i) => i.id).join(','));
      assert.deepEqual(found.sort(), bruteForce(maxBits), `maxBits ${maxBits}`);
    }
    assert.ok(pauses === 0 || images.length >= 2000, 'pauses only on long scans');
  });
  it('reports transitive near groups first, then exact groups (several paths) of images in no near group; not far pairs', async () => {
    const groups = await groupDuplicates(
      [
        { id: 'e', phash: 'f0f0f0f0f0f0f0f0', paths: ['/e', '/copy-of-e'] },
        { id: 'a', phash: '0000000000000000', paths: ['/a', '/copy-of-a'] },
        { id: 'b', phash: '000000000000000f', paths: ['/b'] }, // 4 bits from a
        { id: 'c', phash: '00000000000000ff', paths: ['/c'] }, // 4 bits from b, 8 from a
        { id: 'd', phash: 'ffffffffffffffff', paths: ['/d'] },
      ],
      4,
    );
    assert.deepEqual(
      groups.map((g) => g.kind),
      ['near', 'exact'],
      'something to delete first; a is listed once, in its near group, with both its paths',
    );
    assert.deepEqual(groups[1].images[0].id, 'e');
    assert.deepEqual(groups[0].images.find((i) => i.id === 'a')?.paths, ['/a', '/copy-of-a']);
    const near = groups.filter((g) => g.kind === 'near');
    assert.equal(near.length, 1);
    assert.deepEqual(
      near[0].images.map((i) => i.id),
      ['a', 'b', 'c'],
    );
    assert.equal(near[0].maxDistance, 8);
  });
});

describe('index plan (what a run does with each file, from facts alone)', () => {
  const known = { size: 10, mtimeMs: 1000, sha256: 'aa', root: '/lib', etag: null };
  it('a file is unchanged by its version when both have one, else by size and time', () => {
    assert.equal(isUnchanged(undefined, { size: 10, mtimeMs: 1000 }), false, 'a new path is never unchanged');
    assert.equal(isUnchanged(known, { size: 10, mtimeMs: 1000 }), true);
    assert.equal(isUnchanged(known, { size: 10, mtimeMs: 1001 }), false, 'touched');
    assert.equal(
      isUnchanged({ ...known, etag: '"e1"' }, { size: 10, mtimeMs: 5, etag: '"e1"' }),
      true,
      'same ETag: unchanged whatever the time',
    );
    assert.equal(
      isUnchanged({ ...known, etag: '"e1"' }, { size: 10, mtimeMs: 1000, etag: '"e2"' }),
      false,
      'a new ETag is new content even at the same size and time',
    );
  });
  it('same content at the same path is refreshed; stored content elsewhere is attached; anything else is decoded', () => {
    assert.equal(contentPlan(known, 'aa', 'img-1'), 'touched');
    assert.equal(contentPlan(known, 'bb', 'img-2'), 'attach', 'edited into a copy of another stored image');
    assert.equal(contentPlan(undefined, 'aa', 'img-1'), 'attach', 'a duplicate or a move');
    assert.equal(contentPlan(known, 'bb', undefined), 'new');
    assert.equal(contentPlan(undefined, 'cc', undefined), 'new');
  });
  it('only files named by the user or named like images must be images', () => {
    assert.equal(mustBeImage({ path: '/lib/notes.txt', explicit: true }), true);
    assert.equal(mustBeImage({ path: '/lib/notes.txt', explicit: false }), false);
    assert.equal(mustBeImage({ path: '/lib/IMG_1.JPG', explicit: false }), true);
    assert.equal(mustBeImage({ path: 's3://b/a/photo.heic', explicit: false }), true);
    assert.equal(mustBeImage({ path: '/lib/.jpg', explicit: false }), false, 'a dot file has no extension');
  });
  it('keeps the first of each path, batches in order, and never sweeps under a folder it could not read', () => {
    assert.deepEqual(
      uniqueByPath([
        { path: 'a', n: 1 },
        { path: 'b', n: 2 },
        { path: 'a', n: 3 },
      ]).map((f) => f.n),
      [1, 2],
    );
    assert.deepEqual(batchesOf([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(batchesOf([], 16), []);
    assert.deepEqual(
      sweepCandidates(['/l/a.jpg', '/l/b.jpg', '/l/locked/c.jpg', '/l/lockedness/d.jpg'], new Set(['/l/a.jpg']), [
        '/l/locked',
      ]),
      ['/l/b.jpg', '/l/lockedness/d.jpg'],
    );
  });
});
