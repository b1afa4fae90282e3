/**
 * Indexing use case: walk → (skip unchanged) → read + hash → (attach duplicates) → decode → embed → store.
 * Decoding of the next batch overlaps inference of the current one. One bad file never stops a run:
 * it is reported with its reason. Each image is stored in one transaction, so a killed run resumes cleanly.
 */
import { createHash } from 'node:crypto';
import { LoupeError, isFatal, isLoupeError, reasonOf } from '../core/errors.js';
import {
  batchesOf,
  companionsOf,
  contentPlan,
  isUnchanged,
  mustBeImage,
  passedOverKind,
  sidecarsOf,
  sweepCandidates,
  uniqueByPath,
  type KnownPath,
} from '../core/index-plan.js';
import type { ImagePath, IndexSummary } from '../core/types.js';
import type { ClipEmbedder } from '../ports/clip-embedder.js';
import type { DecodedImage } from '../ports/image-decoder.js';
import type { ImageSource, SourceFile, SourceStat } from '../ports/image-source.js';
import type { ImageRecords, Store, StoredPath } from '../ports/store.js';
import { thumbnailKey } from '../core/blob-keys.js';
import {
  decodeForIndex,
  embedBatch,
  labelBatch,
  storeBatch,
  type ReadyImage,
  type StoreOutcome,
} from './ingest-batch.js';
import type { ObjectLabeler } from '../ports/object-labeler.js';
import { assertModelMatches, type Library } from './library.js';

export interface IndexProgress {
  phase: 'scanning' | 'indexing' | 'cleaning';
  done: number;
  total: number;
  path?: string;
}

export interface IndexOptions {
  onProgress?: (p: IndexProgress) => void;
  /** Stage timings, for benchmarks. */
  timings?: StageTimings;
}

/** Per-image milliseconds of each stage (inference: the batch's time divided by its size). */
export interface StageTimings {
  read: number[];
  hash: number[];
  decode: number[];
  inference: number[];
  /** Object labels made in the CLIP pass (conversion and network; the label copy is part of decode). */
  labels: number[];
  store: number[];
}

const SNIFF_BYTES = 4100;

type Candidate = SourceFile;

interface Prepared {
  candidate: Candidate;
  sha256: string;
  bytes: number;
  stat: SourceStat;
  decoded: DecodedImage;
}

/** Read and hashed, not decoded yet. */
interface ReadFile {
  candidate: Candidate;
  stat: SourceStat;
  before?: KnownPath;
  bytes: Buffer;
  sha256: string;
  readMs: number;
  hashMs: number;
}

/** One run's state, shared by its steps: scan, prepare (read, hash, decode), store (embed, write), sweep. */
/** What indexing folders uses: the models, the files, thumbnails, and the store's paths and images. */
export type IndexDeps = Pick<Library, 'config' | 'clip' | 'labeler' | 'decoder' | 'imageSource' | 'blobs'> & {
  store: Pick<
    Store,
    | 'embeddingModels'
    | 'pathsUnderRoot'
    | 'pathsOfImage'
    | 'getPaths'
    | 'getPath'
    | 'upsertPath'
    | 'removePaths'
    | 'findImagesBySha'
    | 'getImages'
    | 'updateImage'
    | 'insertImages'
    | 'deleteOrphanImages'
  >;
};

interface IndexRun {
  lib: IndexDeps;
  clip: ClipEmbedder;
  source: ImageSource;
  summary: IndexSummary;
  /** Stored state of every root, loaded once: the skip check for unchanged files costs no query. */
  stored: Map<string, KnownPath & { imageId: string }>;
  timings?: StageTimings;
  fail(path: string, e: unknown): void;
  /** One file handled (stored, skipped or failed). */
  tick(path: string): void;
  /** Images this run stored for the first time, by the path they were read from. */
  added: { imageId: string; path: string }[];
  /** The object labeler, when labels are on and it can label decoded pixels: labels come from the same decode. */
  labeler: Required<Pick<ObjectLabeler, 'model' | 'inputSide' | 'labelPixels'>> | null;
}

const clock = () => performance.now();

export async function indexPaths(lib: IndexDeps, inputs: string[], options: IndexOptions = {}): Promise<IndexSummary> {
  const summary: IndexSummary = {
    indexed: 0,
    skipped: 0,
    duplicates: 0,
    moved: 0,
    removed: 0,
    paired: 0,
    labelled: { model: null, ok: 0, empty: 0 },
    failed: [],
    passedOver: { video: 0, sidecar: 0, other: 0 },
  };
  const fail = (p: string, e: unknown) =>
    summary.failed.push({ path: p, error: reasonOf(e), ...(isLoupeError(e) ? { code: e.code } : {}) });
  const clip = await lib.clip();
  await assertModelMatches(lib.store, clip.model);

  // Scan: the files to look at, and what the store knows of their roots.
  options.onProgress?.({ phase: 'scanning', done: 0, total: 0 });
  const source = await lib.imageSource(inputs);
  const listed = await source.list(inputs, fail);
  const candidates = uniqueByPath(listed.files);
  const total = candidates.length;
  const stored = new Map<string, KnownPath & { imageId: string }>();
  for (const root of new Set(candidates.map((c) => c.root).concat(listed.walkedRoots)))
    for (const p of await lib.store.pathsUnderRoot(root)) stored.set(p.path, p);
  let done = 0;
  const run: IndexRun = {
    lib,
    clip,
    source,
    summary,
    stored,
    added: [],
    labeler: await inlineLabeler(lib),
    timings: options.timings,
    fail,
    tick: (p) => options.onProgress?.({ phase: 'indexing', done: ++done, total, path: p }),
  };

  try {
    // Photos first; then each companion (a RAW beside its JPEG) joins the photo it belongs to.
    const companions = companionsOf(candidates);
    await storeAll(
      run,
      batchesOf(
        candidates.filter((c) => !companions.has(c.path)),
        lib.config.batchSize,
      ),
    );
    await storeCompanions(
      run,
      candidates.filter((c) => companions.has(c.path)),
      companions,
    );
    await applySidecars(run, sidecarsOf(candidates));
  } catch (e) {
    if (!isFatal(e)) throw e;
    // Stopped: what is stored stays stored; no sweep (a partial run must not remove anything).
    summary.stopped = { code: e.code, error: e.message };
    return summary;
  }
  options.onProgress?.({ phase: 'cleaning', done: total, total });
  summary.removed = await sweep(lib, source, {
    walkedRoots: listed.walkedRoots,
    unreadableDirs: listed.unreadableDirs ?? [],
    seen: new Set(candidates.map((c) => c.path)),
  });
  return summary;
}

const pathRecord = (run: IndexRun, c: Candidate, imageId: string, st: SourceStat): ImagePath => ({
  imageId,
  path: c.path,
  root: c.root,
  folder: run.source.folderOf(c.root, c.path),
  size: st.size,
  mtimeMs: st.mtimeMs,
  etag: st.etag ?? null,
});

/** Prepare, first half: null when the file needs nothing (unchanged, not an image, failed). */
async function readFile(run: IndexRun, c: Candidate, elsewhere: Map<string, StoredPath>): Promise<ReadFile | null> {
  const { source, lib } = run;
  try {
    const t0 = clock();
    const st = await source.stat(c.path);
    // A path already known under another indexed root (a file named on its own, a nested folder) keeps that root and folder.
    const before = run.stored.get(c.path) ?? elsewhere.get(c.path);
    if (before && before.root !== c.root) c = { ...c, root: before.root };
    if (isUnchanged(before, st)) {
      run.summary.skipped++;
      return null;
    }
    if (st.size === 0) {
      if (mustBeImage(c)) throw new LoupeError('EMPTY_FILE', { path: c.path });
      run.summary.passedOver[passedOverKind(c.path, '')]++;
      return null;
    }
    const head = await source.readHead(c.path, SNIFF_BYTES);
    const sniffed = await lib.decoder.sniff(head);
    if (!sniffed.format) {
      // In a folder walk, files that are neither images by their bytes nor by their name are not ours.
      if (mustBeImage(c)) throw new LoupeError('NOT_AN_IMAGE', { path: c.path, detected: sniffed.detected });
      run.summary.passedOver[passedOverKind(c.path, sniffed.detected)]++;
      return null;
    }
    const limit = lib.config.limits.maxFileBytes;
    if (st.size > limit) throw new LoupeError('FILE_TOO_LARGE', { path: c.path, bytes: st.size, limit });
    const bytes = await source.read(c.path);
    const t1 = clock();
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return { candidate: c, stat: st, before, bytes, sha256, readMs: t1 - t0, hashMs: clock() - t1 };
  } catch (e) {
    run.fail(c.path, e);
    return null;
  }
}

/** Prepare, second half: the model input of a file whose content is new; null when its content is already stored (then its path is attached). */
async function decodeFile(run: IndexRun, r: ReadFile, existing: string | undefined): Promise<Prepared | null> {
  const c = r.candidate;
  try {
    const plan = contentPlan(r.before, r.sha256, existing);
    if (plan === 'touched') {
      // Touched but not changed: refresh size and mtime, keep everything else.
      await run.lib.store.upsertPath(pathRecord(run, c, existing!, r.stat));
      run.summary.skipped++;
      return null;
    }
    if (plan === 'attach') {
      await attachExisting(run, c, existing!, r.stat);
      return null;
    }
    const t0 = clock();
    const decoded = await decodeForIndex(run.lib, run.clip, r.bytes, c.path, run.labeler?.inputSide);
    const t = run.timings;
    if (t) {
      t.read.push(r.readMs);
      t.hash.push(r.hashMs);
      t.decode.push(clock() - t0);
    }
    return { candidate: c, sha256: r.sha256, bytes: r.bytes.length, stat: r.stat, decoded };
  } catch (e) {
    run.fail(c.path, e);
    return null;
  }
}

/**
 * A new photo's XMP sidecar: its keywords (and its star rating, as "rating-N") become tags, its description the
 * caption. Read when the photo is first indexed, so it fills what is empty and never replaces what was set in Loupe.
 */
async function applySidecars(run: IndexRun, sidecars: Map<string, string>) {
  for (const { imageId, path } of run.added) {
    const sidecar = sidecars.get(path);
    if (!sidecar) continue;
    try {
      const edits = await run.lib.decoder.sidecarEdits(await run.source.read(sidecar));
      const [image] = await run.lib.store.getImages([imageId]);
      if (!image) continue;
      const tags = [
        ...new Set([...image.tags, ...edits.keywords, ...(edits.rating ? [`rating-${edits.rating}`] : [])]),
      ];
      await run.lib.store.updateImage(imageId, {
        ...(tags.length > image.tags.length ? { tags } : {}),
        ...(edits.description && !image.caption ? { caption: edits.description } : {}),
      });
    } catch (e) {
      run.fail(sidecar, e);
    }
  }
}

/** Each companion becomes one more path of its photo; one whose photo could not be indexed is indexed on its own. */
async function storeCompanions(run: IndexRun, files: Candidate[], companions: Map<string, string>) {
  const alone: Candidate[] = [];
  for (const c of files) {
    try {
      const st = await run.source.stat(c.path);
      const photo = await run.lib.store.getPath(companions.get(c.path)!);
      if (!photo) {
        alone.push(c);
        continue;
      }
      const before = run.stored.get(c.path);
      if (before?.imageId === photo.imageId && isUnchanged(before, st)) run.summary.skipped++;
      else {
        await run.lib.store.upsertPath(pathRecord(run, c, photo.imageId, st));
        run.summary.paired++;
      }
      run.tick(c.path);
    } catch (e) {
      run.fail(c.path, e);
      run.tick(c.path);
    }
  }
  if (alone.length) await storeAll(run, batchesOf(alone, run.lib.config.batchSize));
}

/** The labeler, when labels are on and it labels decoded pixels; else the labels pass (which says why) does the work. */
async function inlineLabeler(lib: Pick<Library, 'config' | 'labeler'>): Promise<IndexRun['labeler']> {
  if (lib.config.labels.engine === 'off') return null;
  const labeler = await lib.labeler();
  return 'unavailable' in labeler || !labeler.labelPixels || !labeler.inputSide
    ? null
    : (labeler as IndexRun['labeler']);
}

/** A path whose content is already stored: a duplicate, or the same file moved or renamed (embedding kept). */
async function attachExisting(run: IndexRun, c: Candidate, imageId: string, st: SourceStat) {
  const { store } = run.lib;
  const others = (await store.pathsOfImage(imageId)).filter((p) => p !== c.path);
  const stillThere = await Promise.all(
    others.map(async (p) => (await run.lib.imageSource([p])).exists(p).catch(() => false)),
  );
  await store.upsertPath(pathRecord(run, c, imageId, st));
  if (stillThere.some(Boolean)) run.summary.duplicates++;
  else run.summary.moved++;
}

/** The prepare step for a batch: two files at a time (libvips is single-threaded per image: a core stays free for inference); two queries per batch. */
async function prepareBatch(run: IndexRun, batch: Candidate[]): Promise<Prepared[]> {
  const { store } = run.lib;
  const elsewhere = new Map(
    (await store.getPaths(batch.filter((c) => !run.stored.has(c.path)).map((c) => c.path))).map((p) => [p.path, p]),
  );
  const files = await twoAtATime(
    batch,
    (c) => readFile(run, c, elsewhere),
    (c, r) => r || run.tick(c.path),
  );
  const readable = files.filter((f): f is ReadFile => f !== null);
  const owners = await store.findImagesBySha(readable.map((f) => f.sha256));
  const prepared = await twoAtATime(
    readable,
    (f) => decodeFile(run, f, owners.get(f.sha256)),
    (f, p) => p || run.tick(f.candidate.path),
  );
  return prepared.filter((p): p is Prepared => p !== null);
}

/** Counts a stored batch; a model that cannot run or a full disk would fail every file after it: stop the run instead. */
function settle(run: IndexRun, items: Prepared[], outcomes: StoreOutcome[]) {
  const fatal = outcomes.find((o): o is { error: LoupeError } => 'error' in o && isFatal(o.error));
  if (fatal) throw fatal.error;
  outcomes.forEach((outcome, i) => {
    if ('error' in outcome) run.fail(items[i].candidate.path, outcome.error);
    else if (outcome.inserted) {
      run.summary.indexed++;
      run.added.push({ imageId: outcome.imageId, path: items[i].candidate.path });
    } else run.summary.duplicates++;
    run.tick(items[i].candidate.path);
  });
}

/**
 * The store step over every batch, with three stages in flight: preparing batch b+1, inference of batch b, and the
 * database writes of batch b−1 (on the database's own thread or server), so neither reading nor writing waits for
 * the model, nor the model for them. Throws what stopped the run (a fatal error), after the stages in flight settle.
 */
async function storeAll(run: IndexRun, batches: Candidate[][]) {
  const t = run.timings;
  const write = async (items: Prepared[], rows: ReadyImage[], vectors: Float32Array[]) => {
    const t0 = clock();
    const outcomes = await storeBatch(run.lib, run.clip.model, rows, vectors);
    for (const _ of items) t?.store.push((clock() - t0) / items.length);
    settle(run, items, outcomes);
  };
  let pending = batches.length ? prepareBatch(run, batches[0]) : null;
  let writing: Promise<void> = Promise.resolve();
  try {
    for (let b = 0; b < batches.length; b++) {
      const items = await pending!;
      pending = b + 1 < batches.length ? prepareBatch(run, batches[b + 1]) : null; // prepare ahead while inferring
      if (items.length === 0) continue;
      const t0 = clock();
      const rows: ReadyImage[] = items.map((item) => ({
        sha256: item.sha256,
        bytes: item.bytes,
        decoded: item.decoded,
        path: pathRecord(run, item.candidate, '', item.stat),
      }));
      const vectors = await embedBatch(run.clip, rows);
      const t1 = clock();
      for (const _ of items) t?.inference.push((t1 - t0) / items.length);
      if (run.labeler && !('error' in vectors)) {
        const { ok, empty } = await labelBatch(run.labeler, rows);
        run.summary.labelled.model = run.labeler.model;
        run.summary.labelled.ok += ok;
        run.summary.labelled.empty += empty;
        for (const _ of items) t?.labels.push((clock() - t1) / items.length);
      }
      await writing; // one batch transaction at a time, in order
      if ('error' in vectors)
        settle(
          run,
          items,
          items.map(() => ({ error: vectors.error })),
        );
      else writing = write(items, rows, vectors);
      writing.catch(() => {}); // awaited above or below; a failure must not go unhandled meanwhile
    }
    await writing;
  } catch (e) {
    await pending?.catch(() => {});
    await writing.catch(() => {});
    throw e;
  }
}

/**
 * The sweep step: files gone from walked folders lose their paths, and images no path points at go — only when
 * confirmed gone (checked at the source: a folder that could not be read, a permission error or an I/O error
 * never deletes what was indexed). @returns how many paths were removed.
 */
async function sweep(
  lib: Pick<Library, 'blobs'> & { store: Pick<ImageRecords, 'pathsUnderRoot' | 'removePaths' | 'deleteOrphanImages'> },
  source: Pick<ImageSource, 'presence'>,
  walk: { walkedRoots: string[]; unreadableDirs: string[]; seen: ReadonlySet<string> },
): Promise<number> {
  const gone: string[] = [];
  for (const root of walk.walkedRoots)
    for (const p of sweepCandidates(
      (await lib.store.pathsUnderRoot(root)).map((s) => s.path),
      walk.seen,
      walk.unreadableDirs,
    ))
      if ((await source.presence(p)) === 'absent') gone.push(p);
  await lib.store.removePaths(gone);
  for (const sha of await lib.store.deleteOrphanImages()) await lib.blobs.delete(thumbnailKey(sha));
  return gone.length;
}

/** Runs `work` over the items two at a time, in order of start; `after` sees each item with its result. */
async function twoAtATime<T, R>(
  items: T[],
  work: (item: T) => Promise<R>,
  after: (item: T, result: R) => unknown,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i]);
        after(items[i], out[i]);
      }
    }),
  );
  return out;
}
