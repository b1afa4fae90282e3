import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_FUSION,
  fuse,
  similarityOf,
  vectorEvidence,
  vectorTrust,
  type VectorBackground,
} from '../src/core/hybrid.js';
import { parseQuery } from '../src/core/query-syntax.js';
import { seededRandom } from '../src/models/seeded-random.js';

describe('query syntax', () => {
  it('separates phrases, exclusions and filters from free text', () => {
    const q = parseQuery('"red car" city -blue -"parking lot" folder:/streets/ tag:night has:text');
    assert.equal(q.text, 'red car city');
    assert.deepEqual(q.phrases, ['red car']);
    assert.deepEqual(q.exclude, ['blue', 'parking lot']);
    assert.deepEqual(q.filters, { folder: 'streets', tags: ['night'], has: ['text'] });
  });
  it('reads date, camera, place, type, size and orientation filters, quoted values too', () => {
    const q = parseQuery(
      'beach after:2019-06 before:2020 camera:"canon eos" near:48.858,2.294,5 country:france type:JPG minwidth:1920 is:portrait has:gps',
    );
    assert.equal(q.text, 'beach');
    assert.equal(q.filters.takenAfter, new Date(2019, 5, 1).toISOString());
    assert.equal(q.filters.takenBefore, new Date(2020, 0, 1).toISOString());
    assert.equal(q.filters.camera, 'canon eos');
    assert.deepEqual(q.filters.near, { lat: 48.858, lon: 2.294, km: 5 });
    assert.equal(q.filters.country, 'france');
    assert.deepEqual(q.filters.formats, ['jpeg']);
    assert.equal(q.filters.minWidth, 1920);
    assert.equal(q.filters.orientation, 'portrait');
    assert.deepEqual(q.filters.has, ['gps']);
    const day = parseQuery('taken:2021-07-14').filters;
    assert.deepEqual(
      [day.takenAfter, day.takenBefore],
      [new Date(2021, 6, 14).toISOString(), new Date(2021, 6, 15).toISOString()],
    );
    const year = parseQuery('year:2021').filters;
    assert.deepEqual(
      [year.takenAfter, year.takenBefore],
      [new Date(2021, 0, 1).toISOString(), new Date(2022, 0, 1).toISOString()],
    );
    assert.equal(parseQuery('near:10,20').filters.near?.km, 10, 'near: without a radius means 10 km');
  });
  it('bounds what one query asks of every image: at most 20 exclusions and 10 phrases', () => {
    const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(' ');
    assert.equal(parseQuery(`red ${many(20, (i) => `-w${i}`)}`).exclude.length, 20);
    assert.throws(() => parseQuery(`red ${many(480, (i) => `-w${i}`)}`), /480 exclusions .* at most 20/);
    assert.throws(() => parseQuery(many(11, (i) => `"p ${i}"`)), /11 "quoted phrases".* at most 10/);
  });
  it('refuses a filter value it cannot read, saying how to write it', () => {
    assert.throws(() => parseQuery('after:June'), /YYYY, YYYY-MM or YYYY-MM-DD/);
    assert.throws(() => parseQuery('taken:2021-02-30'), /not a date/);
    assert.throws(() => parseQuery('year:21'), /four digits/);
    assert.throws(() => parseQuery('near:91,0'), /near:LAT,LON/);
    assert.throws(() => parseQuery('type:docx'), /not an image type/);
    assert.throws(() => parseQuery('minwidth:wide'), /whole number/);
  });
  it('keeps plain text as it is, and ignores empty quotes and a lone minus', () => {
    assert.deepEqual(parseQuery('a dog on the beach'), {
      text: 'a dog on the beach',
      phrases: [],
      exclude: [],
      filters: {},
    });
    assert.equal(parseQuery('"" - dog').text, '- dog');
    assert.equal(parseQuery('has:colour').text, 'has:colour');
    assert.equal(parseQuery('is:blue 10:30').text, 'is:blue 10:30', 'an unknown value or key is a word');
  });
});

describe('hybrid fusion', () => {
  it('returns nothing for no candidates', () => {
    assert.deepEqual(fuse([]), []);
  });
  const weighted = { mode: 'weighted' as const, weights: { vector: 0.7, text: 0.3 } };
  it('weighted: gives a single candidate full credit without dividing by zero', () => {
    const [r] = fuse([{ id: 'a', vector: 0.3, text: 0.01 }], weighted);
    assert.equal(r.vectorPart, 0.7);
    assert.equal(r.textPart, 0.3);
    assert.ok(Math.abs(r.fused - 1) < 1e-12);
  });
  it('weighted: weights min–max-normalised signals', () => {
    const r = fuse(
      [
        { id: 'v', vector: 0.9, text: 0.0 },
        { id: 't', vector: 0.1, text: 1.0 },
        { id: 'm', vector: 0.5, text: 0.5 },
      ],
      weighted,
    );
    assert.deepEqual(
      r.map((x) => x.id),
      ['v', 'm', 't'],
    );
    assert.ok(Math.abs(r[0].fused - 0.7) < 1e-12);
    assert.ok(Math.abs(r[2].fused - 0.3) < 1e-12);
    assert.deepEqual(DEFAULT_FUSION, { mode: 'adaptive', weights: { vector: 1, text: 1 }, rrfK: 60 });
  });
  it('a zero weight switches a signal off (it is not "unset")', () => {
    const cands = [
      { id: 'v', vector: 0.9, text: 0.1 },
      { id: 't', vector: 0.2, text: 0.9 },
    ];
    assert.equal(fuse(cands, { mode: 'weighted', weights: { vector: 0, text: 1 } })[0].id, 't');
    assert.equal(fuse(cands, { mode: 'weighted', weights: { vector: 1, text: 0 } })[0].id, 'v');
    assert.throws(() => fuse(cands, { mode: 'weighted', weights: { vector: -1, text: 1 } }));
    assert.throws(() => fuse(cands, { mode: 'weighted', weights: { vector: NaN, text: 1 } }));
  });
  it('candidates found by one side only get 0 from the other; ties break by vector then id', () => {
    const r = fuse(
      [
        { id: 'b', vector: 0.5 },
        { id: 'a', vector: 0.5 },
        { id: 'c', text: 2 },
      ],
      { mode: 'weighted', weights: { vector: 0.5, text: 0.5 } },
    );
    assert.deepEqual(
      r.map((x) => x.id),
      ['a', 'b', 'c'],
    );
    assert.equal(r[2].vector, null);
    assert.ok(r.every((x) => Number.isFinite(x.fused)));
  });
  it('reciprocal rank fusion uses ranks, not magnitudes', () => {
    const r = fuse(
      [
        { id: 'x', vector: 0.99, text: 0.001 },
        { id: 'y', vector: 0.98, text: 0.0009 },
        { id: 'z', vector: 0.1, text: 50 },
      ],
      { mode: 'rrf', weights: { vector: 1, text: 1 }, rrfK: 60 },
    );
    assert.equal(r[0].id, 'x'); // ranks 1 + 2
    assert.ok(Math.abs(r[0].fused - (1 / 61 + 1 / 62)) < 1e-12);
    assert.ok(Math.abs(r[0].vectorPart - 1 / 61) < 1e-12);
  });
});

describe('adaptive fusion', () => {
  // Cosines of a query over a library of 10,000: mostly around 0.2, spread 0.05.
  const bg: VectorBackground = { mean: 0.2, std: 0.05, count: 10_000 };
  const ceiling = 0.2 + 0.05 * Math.sqrt(2 * Math.log(10_000)); // the best that chance gives, ≈ 0.415
  const noise = (i: number) => 0.2 + 0.05 * (2.5 - i * 0.1); // near the top of the background, below the ceiling

  it('a noise vector side cannot outrank an exact text hit', () => {
    const cands = [
      ...Array.from({ length: 20 }, (_, i) => ({ id: `n${i}`, vector: noise(i) })),
      { id: 'receipt', vector: 0.21, text: 1, matched: ['ocr'] },
    ];
    const r = fuse(cands, { ...DEFAULT_FUSION, background: bg });
    assert.equal(r[0].id, 'receipt');
    assert.ok(
      r.slice(1).every((x) => similarityOf(x.fused) < 20),
      'noise shows under 20 %',
    );
    // The weighted fusion of old stretched the noise to 0..1 and let it win.
    assert.notEqual(fuse(cands, { mode: 'weighted', weights: { vector: 0.7, text: 0.3 } })[0].id, 'receipt');
  });

  it('an undescribed photo is not held back by common words it could not have, but a name one caption holds still wins', () => {
    // 30 captioned photos share the query's common words ("dog"); the photo CLIP puts 3.5 σ up has no caption.
    const common = [
      ...Array.from({ length: 30 }, (_, i) => ({
        id: `c${i}`,
        vector: 0.2 + 0.05 * (i % 10) * 0.1,
        text: 0.9,
        matched: ['caption'],
      })),
      { id: 'silent', vector: 0.2 + 0.05 * 3.5, undescribed: true },
    ];
    assert.equal(fuse(common, { ...DEFAULT_FUSION, background: bg })[0].id, 'silent');
    // One caption holds the name ("Rex"): the undescribed photos nearer by vector do not get to match it.
    const name = [
      { id: 'rex', vector: 0.2, text: 1, matched: ['caption'] },
      ...Array.from({ length: 20 }, (_, i) => ({ id: `u${i}`, vector: 0.2 + 0.05 * (3 - i * 0.1), undescribed: true })),
    ];
    assert.equal(fuse(name, { ...DEFAULT_FUSION, background: bg })[0].id, 'rex');
  });

  it('when both sides are informative, the image both agree on comes first', () => {
    const cands = [
      { id: 'both', vector: ceiling + 0.1, text: 0.6 },
      { id: 'vector-only', vector: ceiling + 0.12 },
      { id: 'text-only', vector: 0.2, text: 0.7 },
      ...Array.from({ length: 10 }, (_, i) => ({ id: `w${i}`, vector: 0.2 + i * 0.01, text: 0.1 + i * 0.03 })),
    ];
    const r = fuse(cands, { ...DEFAULT_FUSION, background: bg });
    assert.equal(r[0].id, 'both');
    assert.ok(r[0].vectorPart > 0 && r[0].textPart > 0);
  });

  it('one side empty: ranks by the other; no background: the vector side counts for nothing', () => {
    const vectorsOnly = fuse(
      [
        { id: 'a', vector: ceiling + 0.05 },
        { id: 'b', vector: ceiling + 0.2 },
        { id: 'c', vector: 0.1 },
      ],
      { ...DEFAULT_FUSION, background: bg },
    );
    assert.deepEqual(
      vectorsOnly.map((x) => x.id),
      ['b', 'a', 'c'],
    );
    const textOnly = fuse(
      [
        { id: 'a', text: 0.2 },
        { id: 'b', text: 0.9 },
      ],
      { ...DEFAULT_FUSION, background: bg },
    );
    assert.deepEqual(
      textOnly.map((x) => x.id),
      ['b', 'a'],
    );
    const noBg = fuse(
      [
        { id: 'a', vector: 0.99 },
        { id: 'b', vector: 0.1, text: 0.1 },
      ],
      DEFAULT_FUSION,
    );
    assert.deepEqual(
      noBg.map((x) => x.id),
      ['b', 'a'],
    );
    assert.equal(noBg[1].fused, 0);
  });

  it('ties break by cosine, then id; every score is finite', () => {
    const r = fuse(
      [
        { id: 'b', text: 0.5, vector: 0.3 },
        { id: 'a', text: 0.5, vector: 0.3 },
        { id: 'c', text: 0.5, vector: 0.35 },
      ],
      { ...DEFAULT_FUSION, background: bg },
    );
    assert.deepEqual(
      r.map((x) => x.id),
      ['c', 'a', 'b'],
    );
    assert.ok(r.every((x) => Number.isFinite(x.fused)));
    assert.ok(
      Number.isFinite(vectorEvidence(0.5, { mean: 0.5, std: 0, count: 1 })),
      'a zero spread does not divide by zero',
    );
  });

  it('a vector side that says nothing about the words is turned down, one that re-measures them is discounted, a CLIP-like one is trusted', () => {
    const { normal } = seededRandom(3);
    const z = (v: number) => bg.mean + bg.std * v;
    // Noise: the images with the words sit at ~0 σ like everything else.
    const noiseSide = Array.from({ length: 40 }, (_, i) => ({
      id: `n${i}`,
      text: i < 20 ? 0.2 + (i % 7) / 10 : undefined,
      vector: z(normal()),
    }));
    // CLIP-like: the worded images sit ~1 σ up, and the nearest are mostly images described in other words.
    const clipLike = [
      ...Array.from({ length: 20 }, (_, i) => ({
        id: `w${i}`,
        text: 0.2 + (i % 5) / 10,
        vector: z(1 + 0.5 * normal()),
      })),
      ...Array.from({ length: 20 }, (_, i) => ({ id: `v${i}`, vector: z(3 + 0.3 * normal()) })),
    ];
    // Bag of words: the nearest are exactly the images holding the most words.
    const wordsAgain = Array.from({ length: 40 }, (_, i) => ({
      id: `b${i}`,
      text: i / 40,
      vector: z(4 * (i / 40) + 0.1 * normal()),
    }));
    assert.equal(vectorTrust(noiseSide, bg), 0);
    assert.ok(vectorTrust(clipLike, bg) > 0.8, `CLIP-like trust ${vectorTrust(clipLike, bg)}`);
    assert.equal(vectorTrust(wordsAgain, bg), 0);
    assert.equal(vectorTrust(noiseSide.slice(0, 3), bg), 1, 'too few worded finds to judge: trusted');
    // Detector labels (or one word shared by many) cannot judge it: they come from the pixels too, and sort into few levels.
    assert.equal(
      vectorTrust(
        wordsAgain.map((c) => ({ ...c, matched: ['labels'] })),
        bg,
      ),
      1,
    );
    assert.equal(
      vectorTrust(
        noiseSide.map((c) => ({ ...c, text: c.text === undefined ? undefined : 0.5 })),
        bg,
      ),
      1,
    );
  });

  it('similarity is one scale: nothing relevant is low, strong evidence is high', () => {
    assert.equal(similarityOf(0), 0);
    assert.ok(similarityOf(vectorEvidence(noise(0), bg)) < 10);
    assert.ok(similarityOf(vectorEvidence(0.2, bg)) === 0, 'an average image shows 0 %');
    assert.ok(similarityOf(6) > 90);
    assert.ok(similarityOf(1) < similarityOf(2));
  });
});
