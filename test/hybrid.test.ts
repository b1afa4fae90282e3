import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_FUSION, fuse } from '../src/core/hybrid.js';
import { parseQuery } from '../src/core/query-syntax.js';

describe('query syntax', () => {
  it('separates phrases, exclusions and filters from free text', () => {
    const q = parseQuery('"red car" city -blue -"parking lot" folder:/streets/ tag:night has:text');
    assert.equal(q.text, 'red car city');
    assert.deepEqual(q.phrases, ['red car']);
    assert.deepEqual(q.exclude, ['blue', 'parking lot']);
    assert.equal(q.folder, 'streets');
    assert.deepEqual(q.tags, ['night']);
    assert.equal(q.hasText, true);
    assert.equal(q.fullText, '"red car" city -blue -"parking lot"');
  });
  it('keeps plain text as it is, and ignores empty quotes and a lone minus', () => {
    assert.deepEqual(parseQuery('a dog on the beach'), { text: 'a dog on the beach', fullText: 'a dog on the beach', phrases: [], exclude: [], folder: null, tags: [], hasText: false });
    assert.equal(parseQuery('"" - dog').text, '- dog');
    assert.equal(parseQuery('has:colour').text, 'has:colour');
  });
});

describe('hybrid fusion', () => {
  it('returns nothing for no candidates', () => {
    assert.deepEqual(fuse([]), []);
  });
  it('gives a single candidate full credit without dividing by zero', () => {
    const [r] = fuse([{ id: 'a', vector: 0.3, text: 0.01 }]);
    assert.equal(r.vectorNorm, 1);
    assert.equal(r.textNorm, 1);
    assert.ok(Math.abs(r.fused - 1) < 1e-12);
  });
  it('weights normalised signals, with defaults 0.7 / 0.3', () => {
    const r = fuse([
      { id: 'v', vector: 0.9, text: 0.0 },
      { id: 't', vector: 0.1, text: 1.0 },
      { id: 'm', vector: 0.5, text: 0.5 },
    ]);
    assert.deepEqual(r.map((x) => x.id), ['v', 'm', 't']);
    assert.ok(Math.abs(r[0].fused - 0.7) < 1e-12);
    assert.ok(Math.abs(r[2].fused - 0.3) < 1e-12);
    assert.deepEqual(DEFAULT_FUSION.weights, { vector: 0.7, text: 0.3 });
  });
  it('a zero weight switches a signal off (it is not "unset")', () => {
    const cands = [{ id: 'v', vector: 0.9, text: 0.1 }, { id: 't', vector: 0.2, text: 0.9 }];
    assert.equal(fuse(cands, { mode: 'weighted', weights: { vector: 0, text: 1 } })[0].id, 't');
    assert.equal(fuse(cands, { mode: 'weighted', weights: { vector: 1, text: 0 } })[0].id, 'v');
    assert.throws(() => fuse(cands, { mode: 'weighted', weights: { vector: -1, text: 1 } }));
    assert.throws(() => fuse(cands, { mode: 'weighted', weights: { vector: NaN, text: 1 } }));
  });
  it('candidates found by one side only get 0 from the other; ties break by vector then id', () => {
    const r = fuse([{ id: 'b', vector: 0.5 }, { id: 'a', vector: 0.5 }, { id: 'c', text: 2 }], { mode: 'weighted', weights: { vector: 0.5, text: 0.5 } });
    assert.deepEqual(r.map((x) => x.id), ['a', 'b', 'c']);
    assert.equal(r[2].vector, null);
    assert.ok(r.every((x) => Number.isFinite(x.fused)));
  });
  it('reciprocal rank fusion uses ranks, not magnitudes', () => {
    const r = fuse(
      [{ id: 'x', vector: 0.99, text: 0.001 }, { id: 'y', vector: 0.98, text: 0.0009 }, { id: 'z', vector: 0.1, text: 50 }],
      { mode: 'rrf', weights: { vector: 1, text: 1 }, rrfK: 60 },
    );
    assert.equal(r[0].id, 'x'); // ranks 1 + 2
    assert.ok(Math.abs(r[0].fused - (1 / 61 + 1 / 62)) < 1e-12);
    assert.equal(r[0].vectorNorm, null);
  });
});
