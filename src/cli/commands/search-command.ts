import { Command, InvalidArgumentError, Option } from 'commander';
import { LoupeError } from '../../core/errors.js';
import { FUSION_MODES, MAX_K, SEARCH_MODES, type FusionMode, type SearchMode } from '../../core/hybrid.js';
import type { SearchResult } from '../../core/types.js';
import {
  HAS_VALUES,
  ORIENTATIONS,
  SORTS,
  filtersFromFields,
  restricts,
  type HasValue,
  type Orientation,
  type Sort,
} from '../../core/filters.js';
import { withCommonFlags, type CommonFlags } from '../flags.js';

interface SearchFlags extends CommonFlags {
  k: number;
  folder?: string;
  image?: string;
  similar?: string;
  vector?: string;
  mode?: SearchMode;
  weights?: { vector: number; text: number };
  fusion?: FusionMode;
  minSimilarity?: number;
  after?: string;
  before?: string;
  taken?: string;
  year?: string;
  camera?: string;
  near?: string;
  country?: string;
  type?: string;
  minWidth?: string;
  minHeight?: string;
  orientation?: Orientation;
  has?: HasValue[];
  tag?: string[];
  sort?: Sort;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function parsePercent(value: string) {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100)
    throw new InvalidArgumentError('a percentage from 0 to 100.');
  return n;
}

function parseWeights(value: string) {
  const m = /^\s*([\d.]+)\s*,\s*([\d.]+)\s*$/.exec(value);
  if (!m || !Number.isFinite(Number(m[1])) || !Number.isFinite(Number(m[2])))
    throw new InvalidArgumentError('weights are "VECTOR,TEXT", e.g. 0.7,0.3.');
  return { vector: Number(m[1]), text: Number(m[2]) };
}

export function parseK(value: string): number {
  const k = Number(value);
  if (!/^\d+$/.test(value.trim()) || k < 1 || k > MAX_K)
    throw new InvalidArgumentError(`k must be a whole number from 1 to ${MAX_K}.`);
  return k;
}

export function registerSearch(program: Command) {
  const cmd = program
    .command('search')
    .description(
      'search by text (hybrid: meaning + words; "phrases", -exclude, folder:x, tag:y, has:text, after:2019-06, before:2020, year:2021, taken:2021-07-14, ' +
        'camera:pixel, near:LAT,LON,KM, country:france, type:png, minwidth:1920, is:portrait), by an image (--image), for images similar to one already indexed (--similar), or by filters alone',
    )
    .argument(
      '[query...]',
      'what to look for, e.g. a dog on the beach year:2012 (quotes optional; "quoted phrases" inside them still match as phrases)',
    )
    .option('--image <source>', 'query image: a file path, an http(s) URL, a data URL or base64')
    .option('--similar <image-id>', 'find images similar to this indexed image')
    .option(
      '--vector <file>',
      "the query's CLIP vector, from your own encoder: a JSON array or a 1-row .npy (float32/float64); with or without words",
    )
    .option('--k <n>', 'how many results (1–1000)', parseK, 10)
    .option('--folder <name>', "only this folder and below; '' turns automatic folder detection off")
    .addOption(
      new Option('--mode <mode>', 'text queries: hybrid (vectors + words), vector, text, caption').choices([
        ...SEARCH_MODES,
      ]),
    )
    .option(
      '--weights <vector,text>',
      'hybrid weights (default $LOUPE_WEIGHT_VECTOR,$LOUPE_WEIGHT_TEXT, else 1,1; weighted fusion 0.7,0.3)',
      parseWeights,
    )
    .addOption(
      new Option('--fusion <fusion>', 'hybrid fusion: adaptive (default), weighted or rrf').choices([...FUSION_MODES]),
    )
    .option('--min-similarity <percent>', 'leave out results below this similarity (0–100)', parsePercent)
    .option('--after <date>', 'taken on or after YYYY, YYYY-MM or YYYY-MM-DD')
    .option('--before <date>', 'taken before YYYY, YYYY-MM or YYYY-MM-DD')
    .option('--taken <date>', 'taken within this year, month or day')
    .option('--year <yyyy>', 'taken in this year')
    .option('--camera <text>', 'camera make or model contains this, e.g. pixel')
    .option('--near <lat,lon[,km]>', 'taken within km (default 10) of a point')
    .option('--country <name>', 'taken in this country (name or ISO code), from the GPS position')
    .option('--type <types>', 'file types, comma-separated: jpeg, png, webp, …')
    .option('--min-width <px>', 'at least this wide')
    .option('--min-height <px>', 'at least this tall')
    .addOption(new Option('--orientation <o>', 'portrait, landscape or square').choices([...ORIENTATIONS]))
    .addOption(new Option('--has <what...>', 'has text, caption, gps and/or labels').choices([...HAS_VALUES]))
    .option('--tag <tag>', 'carries this tag (repeat for several)', collect)
    .addOption(
      new Option(
        '--sort <order>',
        'relevance (default), newest, oldest or name; with filters and no query: newest',
      ).choices([...SORTS]),
    );
  withCommonFlags(cmd, { space: true, json: 'print the results as a JSON array' }).action(
    async (words: string[], flags: SearchFlags) => {
      // The words as users type them: `loupe search dog year:2012` is one query.
      const query = words.length ? words.join(' ') : undefined;
      const filters = filtersFromFields({
        after: flags.after,
        before: flags.before,
        taken: flags.taken,
        year: flags.year,
        camera: flags.camera,
        near: flags.near,
        country: flags.country,
        type: flags.type,
        minWidth: flags.minWidth,
        minHeight: flags.minHeight,
        orientation: flags.orientation,
        has: flags.has,
        tags: flags.tag,
      });
      // Filters alone (no query, no image) are a search too: the images that pass them, newest first.
      if (flags.vector !== undefined && (flags.image !== undefined || flags.similar !== undefined))
        throw new LoupeError('BAD_ARGUMENT', {
          message: '--vector goes with a text query or alone, not with --image or --similar',
        });
      const filtersOnly =
        query === undefined &&
        flags.image === undefined &&
        flags.similar === undefined &&
        flags.vector === undefined &&
        restricts(filters);
      const text = filtersOnly || (query === undefined && flags.vector !== undefined) ? '' : query;
      const modes = [text !== undefined, flags.image !== undefined, flags.similar !== undefined].filter(Boolean).length;
      if (modes !== 1)
        throw new LoupeError('BAD_ARGUMENT', {
          message:
            'give exactly one of: a text query, --image <source>, --similar <image-id> (or filters alone, e.g. --after 2020)',
        });
      const vector =
        flags.vector === undefined
          ? undefined
          : await (await import('../../wiring/tools.js')).readVectorFile(flags.vector);
      const options = {
        k: flags.k,
        folder: flags.folder,
        mode: flags.mode,
        fusion: { mode: flags.fusion, weights: flags.weights },
        minSimilarity: flags.minSimilarity,
        filters,
        sort: flags.sort,
        vector,
      };
      const [{ searchByImage, searchByText, searchSimilar, withSourceUrls }, { withLibrary }, { printJson }] =
        await Promise.all([import('../../app/search.js'), import('../context.js'), import('../output.js')]);
      const result = await withLibrary(
        flags,
        async (lib) => {
          const found = await (flags.image !== undefined
            ? searchByImage(lib, flags.image, options)
            : flags.similar !== undefined
              ? searchSimilar(lib, flags.similar, options)
              : searchByText(lib, text!, options));
          // No results from an empty library is not an answer about the query: say so (on stderr, so --json stays a list).
          if (found.hits.length === 0 && (await lib.store.imageCount()) === 0)
            process.stderr.write(
              `loupe: the library in ${lib.config.dataDir}${flags.space ? ` (space ${flags.space})` : ''} is empty: index photos with \`loupe index PHOTOS\`\n`,
            );
          return withSourceUrls(lib, found);
        },
        // The models this search will use load while the library opens.
        {
          existing: true,
          warm: {
            clip: flags.image !== undefined || (Boolean(text?.trim()) && vector === undefined && flags.mode !== 'text'),
            textEmbedders: Boolean(text?.trim()),
          },
        },
      );
      // A fallback (a model missing) is said on stderr even with --json, so scripts can see it.
      if (flags.json && result.applied.fallback) process.stderr.write(`loupe: ${result.applied.fallback}\n`);
      if (flags.json) return printJson(result.hits);
      await printHuman(result);
    },
  );
}

async function printHuman(result: SearchResult) {
  const { pc, table } = await import('../output.js');
  const { folder, folderDetected } = result.applied;
  if (folder)
    console.log(
      pc.dim(
        `folder filter: ${folder}${folderDetected ? " (detected from the query; --folder '' turns this off)" : ''}`,
      ),
    );
  if (result.applied.fallback) console.log(pc.yellow(result.applied.fallback));
  if (result.applied.filters) console.log(pc.dim(`filters: ${JSON.stringify(result.applied.filters)}`));
  if (result.hits.length === 0) return console.log('no results');
  const explain = result.applied.mode !== undefined && result.applied.mode !== 'vector';
  console.log(
    table(
      ['#', 'match', 'cosine', ...(explain ? ['text', 'matched'] : []), 'folder', 'path', 'id'],
      result.hits.map((h, i) => [
        i + 1,
        `${h.similarity.toFixed(1)}%`,
        h.score?.toFixed(4) ?? '—',
        ...(explain ? [h.textScore?.toFixed(3) ?? '—', h.matched?.join(', ') || '—'] : []),
        h.folder || '.',
        h.path,
        h.id,
      ]),
    ),
  );
}
