import { Command, InvalidArgumentError, Option } from 'commander';
import { SEARCH_MODES, searchByImage, searchByText, searchSimilar, withSourceUrls, type SearchMode } from '../../app/search.js';
import { LoupeError } from '../../core/errors.js';
import { FUSION_MODES, type FusionMode } from '../../core/hybrid.js';
import type { SearchResult } from '../../core/types.js';
import { withLibrary, type CommonFlags } from '../context.js';
import { pc, printJson, table } from '../output.js';

interface SearchFlags extends CommonFlags {
  k: number;
  folder?: string;
  image?: string;
  similar?: string;
  mode?: SearchMode;
  weights?: { vector: number; text: number };
  fusion?: FusionMode;
  minSimilarity?: number;
}

function parsePercent(value: string) {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('a percentage from 0 to 100.');
  return n;
}

function parseWeights(value: string) {
  const m = /^\s*([\d.]+)\s*,\s*([\d.]+)\s*$/.exec(value);
  if (!m || !Number.isFinite(Number(m[1])) || !Number.isFinite(Number(m[2]))) throw new InvalidArgumentError('weights are "VECTOR,TEXT", e.g. 0.7,0.3.');
  return { vector: Number(m[1]), text: Number(m[2]) };
}

export function parseK(value: string): number {
  const k = Number(value);
  if (!/^\d+$/.test(value.trim()) || k < 1 || k > 1000) throw new InvalidArgumentError('k must be a whole number from 1 to 1000.');
  return k;
}

export function registerSearch(program: Command) {
  program
    .command('search')
    .description('search by text (hybrid: meaning + words; "phrases", -exclude, folder:x, tag:y, has:text), by an image (--image) or for images similar to one already indexed (--similar)')
    .argument('[query]', 'what to look for, e.g. "a dog on the beach"')
    .option('--image <source>', 'query image: a file path, an http(s) URL, a data URL or base64')
    .option('--similar <image-id>', 'find images similar to this indexed image')
    .option('--k <n>', 'how many results (1–1000)', parseK, 10)
    .option('--folder <name>', "only this folder and below; '' turns automatic folder detection off")
    .addOption(new Option('--mode <mode>', 'text queries: hybrid (vectors + words), vector, text, caption').choices([...SEARCH_MODES]))
    .option('--weights <vector,text>', 'hybrid weights (default $LOUPE_WEIGHT_VECTOR,$LOUPE_WEIGHT_TEXT, else 1,1; weighted fusion 0.7,0.3)', parseWeights)
    .addOption(new Option('--fusion <fusion>', 'hybrid fusion: adaptive (default), weighted or rrf').choices([...FUSION_MODES]))
    .option('--min-similarity <percent>', 'leave out results below this similarity (0–100)', parsePercent)
    .option('--data <dir>', 'data folder (default: $LOUPE_DATA_DIR or ~/.local/share/loupe)')
    .option('--space <name>', 'work in this space (default: the default space; create one with `loupe spaces create NAME`)')
    .option('--json', 'print the results as a JSON array')
    .action(async (query: string | undefined, flags: SearchFlags) => {
      const modes = [query !== undefined, flags.image !== undefined, flags.similar !== undefined].filter(Boolean).length;
      if (modes !== 1) throw new LoupeError('BAD_ARGUMENT', { message: 'give exactly one of: a text query, --image <source>, --similar <image-id>' });
      const options = { k: flags.k, folder: flags.folder, mode: flags.mode, fusion: { mode: flags.fusion, weights: flags.weights }, minSimilarity: flags.minSimilarity };
      const result = await withLibrary(flags, async (lib) =>
        withSourceUrls(lib, await (flags.image !== undefined ? searchByImage(lib, flags.image, options) : flags.similar !== undefined ? searchSimilar(lib, flags.similar, options) : searchByText(lib, query!, options))),
      );
      // A fallback (a model missing) is said on stderr even with --json, so scripts can see it.
      if (flags.json && result.applied.fallback) process.stderr.write(`loupe: ${result.applied.fallback}\n`);
      if (flags.json) return printJson(result.hits);
      printHuman(result);
    });
}

function printHuman(result: SearchResult) {
  const { folder, folderDetected } = result.applied;
  if (folder) console.log(pc.dim(`folder filter: ${folder}${folderDetected ? " (detected from the query; --folder '' turns this off)" : ''}`));
  if (result.applied.fallback) console.log(pc.yellow(result.applied.fallback));
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
