/**
 * Bad input with figures: a corpus generated here (nothing committed) goes through every way into Loupe —
 * `indexPaths` over a folder (what `loupe index` runs), multipart upload, JSON {base64} and JSON {url} (served from
 * loopback, with private addresses allowed for the run) — and for each input and path the outcome is recorded:
 * the error code (or the success), the time, and the process's peak RSS so far. After each upload the server must
 * still answer /healthz, and a good photo sent at the end must be stored: nothing refused may cost anything else.
 * Run: node --import tsx bench/bad-inputs.ts
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { indexPaths } from '../src/app/index-paths.js';
import { parseConfig } from '../src/config.js';
import { openLibrary } from '../src/wiring/library.js';
import { startTestServer, form, jsonBody } from '../test/support/server.js';
import { hugePngHeader, pngChunk, tempDir, testEnv } from '../test/support/fixtures.js';
import { fmt, writeSection } from './report.js';

const PHOTO = path.resolve(import.meta.dirname, '../../shared/datasets/coco-mini/images/000000000139.jpg');
const rssMiB = () => process.resourceUsage().maxRSS / 1024;

/** A real decompression bomb: a small file whose pixels are all there, > 1 gigapixel once decoded. */
async function pngBomb(width: number, height: number): Promise<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([1, 0, 0, 0, 0], 8); // 1-bit greyscale
  const row = Buffer.alloc(1 + Math.ceil(width / 8)); // filter byte + zero pixels
  const deflate = zlib.createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (b: Buffer) => parts.push(b));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  for (let y = 0; y < height; y++) deflate.write(row);
  deflate.end();
  await done;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.concat(parts)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Pages of height `side`, each different (identical frames would be merged by the encoder). */
function pages(
  side: number,
  count: number,
): { data: Buffer; raw: { width: number; height: number; channels: 3; pageHeight: number } } {
  const data = Buffer.alloc(side * side * 3 * count);
  for (let f = 0; f < count; f++) {
    const o = f * side * side * 3;
    data[o] = f & 255;
    data[o + 3] = f >> 8;
    data[o + 6 + (f % (side * side - 2)) * 3] = 255;
  }
  return { data, raw: { width: side, height: side * count, channels: 3, pageHeight: side } };
}

const photo = await readFile(PHOTO);
const corpus: { name: string; what: string; bytes: Buffer }[] = [
  { name: 'truncated.jpg', what: 'JPEG cut in half', bytes: photo.subarray(0, photo.length >> 1) },
  { name: 'zero.jpg', what: 'zero bytes', bytes: Buffer.alloc(0) },
  { name: 'notes.jpg', what: 'text named .jpg', bytes: Buffer.from('these are my notes, not a picture\n'.repeat(20)) },
  { name: 'header-50000.png', what: 'PNG header claiming 50000×50000', bytes: hugePngHeader(50000, 50000) },
  { name: 'bomb.png', what: `real PNG bomb, 40000×30000 pixels (1.2 gigapixels)`, bytes: await pngBomb(40000, 30000) },
  {
    name: 'frames.gif',
    what: 'GIF with 3000 frames',
    bytes: await sharp(pages(16, 3000).data, { raw: pages(16, 3000).raw })
      .gif({ effort: 1, dither: 0 })
      .toBuffer(),
  },
  {
    name: 'pages.tiff',
    what: 'TIFF with 2000 pages',
    bytes: await sharp(pages(8, 2000).data, { raw: pages(8, 2000).raw })
      .tiff({ compression: 'deflate' })
      .toBuffer(),
  },
  {
    name: 'script.svg',
    what: 'SVG with a script',
    bytes: Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>',
    ),
  },
  {
    name: 'script-svg.jpg',
    what: 'SVG with a script, named .jpg',
    bytes: Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
    ),
  },
  {
    name: 'fake.heic',
    what: 'HEIC brand, undecodable body',
    bytes: Buffer.concat([
      Buffer.from([0, 0, 0, 0x18]),
      Buffer.from('ftypheic\0\0\0\0mif1heic'),
      Buffer.alloc(4096, 7),
    ]),
  },
  { name: 'line\nbreak.jpg', what: 'good photo, newline in its name', bytes: photo },
  { name: 'unicodé 写真.jpg', what: 'good photo, unicode name', bytes: photo },
  { name: '../../escape.jpg', what: 'good photo, name with ../ (uploads)', bytes: photo },
];
interface Outcome {
  code: string;
  ms: number;
}
const results = new Map<string, Record<string, Outcome>>();
const record = (name: string, way: string, o: Outcome) => results.set(name, { ...(results.get(name) ?? {}), [way]: o });

// 1. A folder walk, as `loupe index` runs it: every file of the corpus, plus an unreadable file and a symlink loop.
const root = await tempDir('loupe-bad-');
const folder = path.join(root, 'photos');
await mkdir(folder, { recursive: true });
for (const c of corpus.filter((c) => !c.name.includes('/'))) await writeFile(path.join(folder, c.name), c.bytes);
await writeFile(path.join(folder, 'escape.jpg'), photo);
await symlink(path.join(folder, 'nowhere.jpg'), path.join(folder, 'unreadable.jpg')); // a dangling link: unreadable even as root
await symlink(folder, path.join(folder, 'loop')); // a loop back to the root
const env = await testEnv(path.join(root, 'data'));
const lib = await openLibrary(parseConfig(env));
let t = performance.now();
const summary = await indexPaths(lib, [folder]);
const indexMs = performance.now() - t;
const byFile = new Map(summary.failed.map((f) => [path.basename(f.path), f.code ?? 'ERROR']));
const storedNames = new Set((await lib.store.pathsUnderRoot(folder)).map((p) => path.basename(p.path)));
await lib.close();
for (const c of [...corpus, { name: 'unreadable.jpg' }]) {
  const base = path.basename(c.name);
  // A folder walk leaves files alone that are images neither by their bytes nor by their name.
  record(c.name, 'index', {
    code: byFile.get(base) ?? (storedNames.has(base) ? 'stored' : 'left alone (not an image)'),
    ms: NaN,
  });
}
const indexRss = rssMiB();
console.log(
  `index: ${summary.indexed} stored, ${summary.failed.length} refused in ${fmt(indexMs)} ms, loop walked once: ${summary.failed.every((f) => !f.path.includes('/loop/'))}`,
);

// 2–4. The server: multipart, {base64}, {url} (a loopback file server; private addresses allowed for this run).
const s = await startTestServer({ LOUPE_ALLOW_PRIVATE_URLS: '1' });
const files = new Map(corpus.map((c, i) => [`/f${i}`, c.bytes]));
const fileServer = createServer((req, res) => {
  const body = files.get(req.url ?? '');
  if (!body) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
}).listen(0, '127.0.0.1');
await new Promise((r) => fileServer.once('listening', r));
const filesUrl = `http://127.0.0.1:${(fileServer.address() as { port: number }).port}`;
let crashes = 0;
const codeOf = async (res: Response) => {
  const body = (await res.json().catch(() => ({}))) as {
    error?: string;
    images?: { id: string }[];
    errors?: { error: string }[];
  };
  if (res.status < 300 && body.images?.length) return 'stored';
  return body.error ?? body.errors?.[0]?.error ?? `HTTP ${res.status}`;
};
for (const [i, c] of corpus.entries()) {
  const ways: [string, () => Promise<Response>][] = [
    [
      'multipart',
      () =>
        fetch(`${s.url}/api/v1/images?wait=true`, { method: 'POST', body: form([{ name: c.name, bytes: c.bytes }]) }),
    ],
    [
      'base64',
      () =>
        fetch(`${s.url}/api/v1/images?wait=true`, jsonBody({ base64: c.bytes.toString('base64'), filename: c.name })),
    ],
    ['url', () => fetch(`${s.url}/api/v1/images?wait=true`, jsonBody({ url: `${filesUrl}/f${i}` }))],
  ];
  for (const [way, send] of ways) {
    t = performance.now();
    const code = await send().then(codeOf, (e: Error) => `no answer: ${e.message}`);
    record(c.name, way, { code, ms: performance.now() - t });
    if (
      (await fetch(`${s.url}/healthz`).then(
        (r) => r.status,
        () => 0,
      )) !== 200
    )
      crashes++;
  }
}
// Afterwards a good photo still goes in, and what was stored from the corpus is only the good photos.
const after = await fetch(`${s.url}/api/v1/images?wait=true`, {
  method: 'POST',
  body: form([{ name: 'after.jpg', bytes: await sharp(photo).resize(320).jpeg().toBuffer() }]),
});
const afterOk = after.status === 201;
const names = (await s.lib.store.listImages({ folder: null, limit: 100, cursor: null })).items.flatMap((i) =>
  i.paths.map((p) => p.path),
);
const escaped = names.some((p) => p.includes('..'));
await s.stop();

// Hostile requests against a server with default settings (private addresses refused): each must be answered with
// a 4xx and an error code, nothing fetched from loopback, and the library unchanged.
const h = await startTestServer();
let loopbackHits = 0;
const trap = createServer(
  (_, res) => void (loopbackHits++, res.writeHead(200, { 'content-type': 'image/jpeg' }).end(photo)),
).listen(0, '127.0.0.1');
await once(trap, 'listening');
const trapPort = (trap.address() as { port: number }).port;
await fetch(`${h.url}/api/v1/images?wait=true`, { method: 'POST', body: form([{ name: 'good.jpg', bytes: photo }]) });
const [good] = (await (await fetch(`${h.url}/api/v1/images`)).json()).items as { id: string }[];
type Hostile = [label: string, expect: 'refused' | 'answered', send: () => Promise<Response>];
const search = (body: unknown) => () => fetch(`${h.url}/api/v1/images/search`, jsonBody(body));
const rawJson = (body: string | Buffer) => () =>
  fetch(`${h.url}/api/v1/images/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
const hostile: Hostile[] = [
  ...[
    '127.1',
    '0x7f000001',
    '2130706433',
    '[::1]',
    '[::ffff:127.0.0.1]',
    '0.0.0.0',
    '169.254.169.254',
    'localhost',
  ].map((host): Hostile => [
    `url http://${host}:${trapPort}/x.jpg`,
    'refused',
    () => fetch(`${h.url}/api/v1/images`, jsonBody({ url: `http://${host}:${trapPort}/x.jpg` })),
  ]),
  ...[
    'file:///etc/passwd',
    'ftp://example.com/x.jpg',
    'data:image/png;base64,iVBORw0KGgo=',
    'gopher://127.0.0.1:70/',
  ].map((url): Hostile => [`url ${url}`, 'refused', () => fetch(`${h.url}/api/v1/images`, jsonBody({ url }))]),
  ...['..%2f..%2fetc%2fpasswd', '..%252f..%252fetc', '%00', encodeURIComponent(`${good.id}/../../etc/passwd`)].flatMap(
    (id) =>
      ['', '/file', '/thumbnail'].map((route): Hostile => [
        `GET /api/v1/images/${id}${route}`,
        'refused',
        () => fetch(`${h.url}/api/v1/images/${id}${route}`),
      ]),
  ),
  ['search: a SQL fragment as the query', 'answered', search({ query: "x'); drop table images; --" })],
  ['search: quotes and backslashes', 'answered', search({ query: String.raw`"\" \' "a\"b" -"" folder:"\..` })],
  ['search: k = "NaN"', 'refused', search({ query: 'red', k: 'NaN' })],
  ['search: k = 1e9', 'refused', search({ query: 'red', k: 1e9 })],
  ['search: k = -1', 'refused', search({ query: 'red', k: -1 })],
  ['search: 100 KB query', 'refused', search({ query: 'a '.repeat(50_000) })],
  ['list: limit = 1e12', 'refused', () => fetch(`${h.url}/api/v1/images?limit=1000000000000`)],
  ['JSON nested 10,000 deep', 'refused', rawJson('['.repeat(10_000) + ']'.repeat(10_000))],
  ['JSON with a 5 MB string', 'refused', search({ query: 'x'.repeat(5 << 20) })],
  [
    'JSON with invalid UTF-8',
    'refused',
    rawJson(Buffer.concat([Buffer.from('{"query":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])),
  ],
  [
    'PATCH an id that is not a uuid',
    'refused',
    () => fetch(`${h.url}/api/v1/images/not-a-uuid`, jsonBody({ caption: 'x' }, 'PATCH')),
  ],
  [
    'search: 480 exclusions (`red -ab -cd …`, 1.9 KB)',
    'refused',
    search({ query: `red ${Array.from({ length: 480 }, (_, i) => `-x${i.toString(36)}`).join(' ')}` }),
  ],
  [
    'search: 21 exclusions',
    'refused',
    search({ query: `red ${Array.from({ length: 21 }, (_, i) => `-x${i}`).join(' ')}` }),
  ],
  [
    'search: 20 exclusions',
    'answered',
    search({ query: `red ${Array.from({ length: 20 }, (_, i) => `-x${i}`).join(' ')}` }),
  ],
  ['search: year:9999', 'refused', search({ query: 'red year:9999' })],
  [
    'search: a hand-made cursor',
    'refused',
    () =>
      fetch(
        `${h.url}/api/v1/images?cursor=${encodeURIComponent(btoa('["2020-02-30","00000000-0000-0000-0000-000000000000"]'))}`,
      ),
  ],
  ['duplicates: maxBits = 32', 'refused', () => fetch(`${h.url}/api/v1/duplicates?maxBits=32`)],
  ['duplicates: the default scan', 'answered', () => fetch(`${h.url}/api/v1/duplicates`)],
];
const hostileRows: string[] = [];
let hostileWrong = 0;
for (const [label, expect, send] of hostile) {
  t = performance.now();
  const res = await send().catch(() => null);
  const body = res ? ((await res.json().catch(() => ({}))) as { error?: string }) : {};
  const ok =
    res !== null &&
    (expect === 'refused' ? res.status >= 400 && res.status < 500 && Boolean(body.error) : res.status === 200);
  if (!ok) hostileWrong++;
  hostileRows.push(
    `| ${label.replace(/\|/g, '\\|')} | ${expect} | ${res?.status ?? 'no answer'} | ${body.error ?? '—'} | ${fmt(performance.now() - t, 0)} | ${ok ? 'ok' : '**unexpected**'} |`,
  );
}
const intact =
  ((await (await fetch(`${h.url}/api/v1/stats`)).json()) as { images: number }).images === 1 &&
  (await fetch(`${h.url}/api/v1/images/${good.id}/file`)).status === 200;
await h.stop();

// A planted session cookie (another localhost page set loupe_key=<another space's key>; path=/api/v1): two
// loupe_key cookies are refused, whichever comes first, and signing in clears the planted one's paths.
const a = await startTestServer({ LOUPE_AUTH: 'on' });
const { createKey } = await import('../src/app/access.js');
await a.lib.access.createSpace('home', 'ann');
await a.lib.access.createSpace('other', 'bob');
const [ann, bob] = [
  (await createKey(a.lib.access, { space: 'home' })).key,
  (await createKey(a.lib.access, { space: 'other' })).key,
];
const cookieRows: string[] = [];
for (const [label, cookie] of [
  ['planted first', `loupe_key=${bob}; loupe_key=${ann}`],
  ['planted second', `loupe_key=${ann}; loupe_key=${bob}`],
]) {
  const r = await fetch(`${a.url}/api/v1/session`, { headers: { cookie } });
  const ok = r.status === 401;
  if (!ok) hostileWrong++;
  cookieRows.push(
    `| two loupe_key cookies, ${label} | refused | ${r.status} | ${((await r.json()) as { error?: string }).error ?? '—'} | — | ${ok ? 'ok' : '**unexpected**'} |`,
  );
}
const signIn = await fetch(`${a.url}/api/v1/session`, jsonBody({ key: ann }));
const clearedPaths = signIn.headers.getSetCookie().filter((c) => /^loupe_key=;/.test(c)).length;
cookieRows.push(
  `| sign-in expires planted cookies | cleared | ${signIn.status} | — | — | ${clearedPaths >= 3 ? `ok (${clearedPaths} paths)` : '**unexpected**'} |`,
);
await a.stop();

// Hostile import files (\`loupe import … --dry-run\` in a child process; peak RSS by /usr/bin/time): each refused with
// exit 2 and the reason, at once, in little memory; rows pointing outside --root are skipped and named.
const imp = path.join(root, 'imports');
await mkdir(path.join(imp, 'pics'), { recursive: true });
await writeFile(path.join(imp, 'pics', 'a.jpg'), await sharp(photo).resize(64).jpeg().toBuffer());
await writeFile(path.join(root, 'secret.jpg'), await sharp(photo).resize(64).jpeg().toBuffer());
const { faissFile } = await import('../test/support/faiss-file.js');
const { TEST_CLIP_MODEL_ID } = await import('../src/models/test-clip-model.js');
const { CLI } = await import('../test/support/fixtures.js');
const good512 = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i));
const idMap = Buffer.concat([
  Buffer.from('IxMp', 'latin1'),
  Buffer.from(new Int32Array([512]).buffer),
  Buffer.alloc(25),
  Buffer.from(new Int32Array([0]).buffer),
]);
const importCases: [string, string, Buffer, unknown][] = [
  [
    'FAISS: 10 M one-number "vectors" (40 MB)',
    'refused',
    faissFile(
      Array.from({ length: 10_000_000 }, () => Float32Array.of(1)),
      { metric: 'IP' },
    ),
    [{ path: 'pics/a.jpg' }],
  ],
  [
    'FAISS: 200,000 nested IndexIDMap headers',
    'refused',
    Buffer.concat(Array(200_000).fill(idMap)),
    [{ path: 'pics/a.jpg' }],
  ],
  [
    'FAISS: metadata `s3://bucket/../../secret.jpg`',
    'row skipped',
    faissFile([good512, good512], { metric: 'IP' }),
    [{ path: 'pics/a.jpg' }, { path: 's3://bucket/../../secret.jpg' }],
  ],
  [
    'FAISS: metadata `../secret.jpg`',
    'row skipped',
    faissFile([good512, good512], { metric: 'IP' }),
    [{ path: 'pics/a.jpg' }, { path: '../secret.jpg' }],
  ],
  [
    'FAISS: metadata an absolute path out of --root (taken as inside the mirror, as an s3:// key is)',
    'row skipped',
    faissFile([good512, good512], { metric: 'IP' }),
    [{ path: 'pics/a.jpg' }, { path: path.join(root, 'secret.jpg') }],
  ],
];
const importRows: string[] = [];
const importEnv = { ...process.env, ...(await testEnv(path.join(imp, 'data'))) };
for (const [i, [label, expect, bytes, metadata]] of importCases.entries()) {
  await writeFile(path.join(imp, `${i}.faiss`), bytes);
  await writeFile(path.join(imp, `${i}.json`), JSON.stringify(metadata));
  t = performance.now();
  const args = [
    CLI,
    'import',
    'faiss',
    path.join(imp, `${i}.faiss`),
    '--metadata',
    path.join(imp, `${i}.json`),
    '--model',
    TEST_CLIP_MODEL_ID,
    '--root',
    imp,
    '--dry-run',
    '--json',
  ];
  const r = await new Promise<{ code: number; out: string; err: string }>((resolve) => {
    const child = spawn('/usr/bin/time', ['-f', 'maxrss=%M', process.execPath, ...args], { env: importEnv });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code: code ?? 1, out, err }));
  });
  const ms = performance.now() - t;
  const rss = Number(/maxrss=(\d+)/.exec(r.err)?.[1] ?? NaN) / 1024;
  const skipped =
    r.code === 0 ? ((JSON.parse(r.out) as { skipped: { reason: string }[] }).skipped[0]?.reason ?? '') : '';
  const said = r.code === 0 ? skipped : (r.err.split('\n').find((l) => l.trim() && !l.startsWith('maxrss')) ?? '');
  const ok = expect === 'refused' ? r.code === 2 : r.code === 0 && (/outside/.test(skipped) || skipped.startsWith(imp));
  if (!ok) hostileWrong++;
  importRows.push(
    `| ${label} | ${expect} | exit ${r.code} | ${said.replace(/\|/g, '\\|').slice(0, 140)} | ${fmt(ms, 0)} | ${fmt(rss, 0)} | ${ok ? 'ok' : '**unexpected**'} |`,
  );
}
// Chroma HNSW segments, read in this process (what \`loupe import chroma\` does once it has the collection).
const { hnswVectors } = await import('../src/adapters/import/chroma.js');
const { hnswHeader, EMPTY_LABEL_MAP: emptyMap, long4Pickle } = await import('../test/support/hnsw-files.js');
const long4 = long4Pickle(1024 * 1024);
for (const [label, header, data, pickle] of [
  [
    'Chroma: a header claiming 65,536 × 131k floats (2 MB data)',
    hnswHeader(65_536, 524_296, 524_288, 0),
    Buffer.alloc(2 << 20),
    emptyMap,
  ],
  ['Chroma: 1 MB all-zero data_level0.bin', hnswHeader(2 ** 40, 0, 0, 0), Buffer.alloc(1 << 20), emptyMap],
  [
    'Chroma: a 1 MB LONG4 in the label map (8,192 elements)',
    hnswHeader(8192, 16, 8, 4),
    Buffer.alloc(8192 * 16),
    long4,
  ],
] as const) {
  const seg = path.join(imp, label.replace(/\W+/g, '-'));
  await mkdir(seg);
  await writeFile(path.join(seg, 'header.bin'), header);
  await writeFile(path.join(seg, 'data_level0.bin'), data);
  await writeFile(path.join(seg, 'index_metadata.pickle'), pickle);
  const rssBefore = process.memoryUsage().rss;
  t = performance.now();
  const e = await hnswVectors(seg).then(
    () => null,
    (err: Error) => err,
  );
  const ms = performance.now() - t;
  const ok = e !== null && (e as { code?: string }).code === 'BAD_ARGUMENT';
  if (!ok) hostileWrong++;
  importRows.push(
    `| ${label} | refused | ${e ? (e as { code?: string }).code : 'read'} | ${(e?.message ?? '').replace(/\|/g, '\\|').slice(0, 140)} | ${fmt(ms, 0)} | +${fmt((process.memoryUsage().rss - rssBefore) / 2 ** 20, 0)} | ${ok ? 'ok' : '**unexpected**'} |`,
  );
}
trap.close();
fileServer.close();
await rm(root, { recursive: true, force: true });
const peakRss = rssMiB();

const ways = ['index', 'multipart', 'base64', 'url'];
const rows = [...results.entries()].map(([name, r]) => {
  const c = corpus.find((x) => x.name === name);
  const cells = ways.map((w) =>
    r[w] ? `${r[w].code}${Number.isFinite(r[w].ms) ? ` (${fmt(r[w].ms, 0)} ms)` : ''}` : '—',
  );
  return `| \`${JSON.stringify(name).slice(1, -1)}\` | ${c?.what ?? 'dangling symlink (unreadable)'} | ${fmt(c ? c.bytes.length / 1024 : 0, 1)} | ${cells.join(' | ')} |`;
});
const outcomes = [...results.values()].flatMap((r) => Object.values(r));
const refused = outcomes.filter((o) => /^[A-Z_]+$/.test(o.code)).length;
await writeSection(
  'bad-inputs',
  `## Bad input through every way in (\`bench/bad-inputs.ts\`)

A corpus generated by the bench goes through the folder index (\`indexPaths\`, what \`loupe index\` runs: one run over a folder of all of them, plus a dangling symlink and a symlink loop), multipart upload, JSON \`{base64}\` and JSON \`{url}\` (served from loopback; private addresses allowed for this run only), each upload with \`?wait=true\` so indexing failures count. Cells: the error code (or \`stored\`) and the time of the request.

| input | what | KiB | index | multipart | base64 | url |
|---|---|---|---|---|---|---|
${rows.join('\n')}

| outcomes | refused with an error code | crashes (server stopped answering /healthz) | a good photo stored afterwards | a stored path with \`..\` | peak RSS MiB after the index run / at the end |
|---|---|---|---|---|---|
| ${outcomes.length} | ${refused} | ${crashes} | ${afterOk ? 'yes' : '**no**'} | ${escaped ? '**yes**' : 'no'} | ${fmt(indexRss, 0)} / ${fmt(peakRss, 0)} |

### Hostile requests (default settings: private addresses refused)

| request | expected | status | error | ms | result |
|---|---|---|---|---|---|
${hostileRows.join('\n')}

${cookieRows.join('\n')}

### Hostile import files

| file | expected | outcome | what it said | ms | peak RSS MiB (CLI) / growth (in process) | result |
|---|---|---|---|---|---|---|
${importRows.join('\n')}

${hostile.length + cookieRows.length + importRows.length} hostile requests and files: ${hostile.length + cookieRows.length + importRows.length - hostileWrong} as expected (refused: a 4xx with an error code, or exit 2 with the reason; answered: a 200 that treats the text as words), ${hostileWrong} otherwise; requests that reached the loopback trap server: ${loopbackHits}; the library afterwards: ${intact ? 'intact (1 image, its original served)' : '**changed**'}.

The index run took ${fmt(indexMs / 1000, 1)} s for the whole folder and stored ${summary.indexed} images (the good photos, once each by content). Good photos are stored by every way in; the others are refused before any pixel is decoded where the header tells (pixel and frame limits), and never stop the run or the server. Machine cores: ${os.availableParallelism()}.`,
);
