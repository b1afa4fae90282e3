import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupDuplicates } from '../src/core/duplicate-groups.js';
import { detectFolder, formsOf } from '../src/core/folder-detect.js';
import { hammingDistance, phashFromGray32 } from '../src/core/phash.js';
import { l2FromCosine, l2Normalize, scoreFromCosineDistance } from '../src/core/scores.js';
import { checkK } from '../src/app/search.js';

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
  const gradient = (shift: number) => Float32Array.from({ length: 1024 }, (_, i) => ((i % 32) * 8 + Math.floor(i / 32) * 3 + shift) % 256);
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
  it('handles empty input and single images', () => {
    assert.deepEqual(groupDuplicates([]), []);
    assert.deepEqual(groupDuplicates([{ id: 'a', phash: '0000000000000000', paths: ['/a'] }]), []);
  });
  it('reports exact groups (several paths) and transitive near groups, not far pairs', () => {
    const groups = groupDuplicates(
      [
        { id: 'a', phash: '0000000000000000', paths: ['/a', '/copy-of-a'] },
        { id: 'b', phash: '000000000000000f', paths: ['/b'] }, // 4 bits from a
        { id: 'c', phash: '00000000000000ff', paths: ['/c'] }, // 4 bits from b, 8 from a
        { id: 'd', phash: 'ffffffffffffffff', paths: ['/d'] },
      ],
      4,
    );
    assert.equal(groups.filter((g) => g.kind === 'exact').length, 1);
    const near = groups.filter((g) => g.kind === 'near');
    assert.equal(near.length, 1);
    assert.deepEqual(
      near[0].images.map((i) => i.id),
      ['a', 'b', 'c'],
    );
    assert.equal(near[0].maxDistance, 8);
  });
});
