/** `loupe import faiss|chroma|pgvector ...`: move in from another stack, its vectors reused. */
import type { Command } from 'commander';
import { withCommonFlags, type CommonFlags } from '../flags.js';
import type { ImportPlan } from '../../ports/import-source.js';

interface ImportFlags extends CommonFlags {
  dryRun?: boolean;
  root?: string;
}

/** Reads the plan, imports it (or says what it would do) and prints the report. */
async function run(flags: ImportFlags, readPlan: () => Promise<ImportPlan>) {
  const [{ importVectors }, { withLibrary }, { pc, printJson, progressBar, table }] = await Promise.all([
    import('../../app/import-vectors.js'),
    import('../context.js'),
    import('../output.js'),
  ]);
  const plan = await readPlan();
  const bar = flags.json || flags.dryRun ? undefined : progressBar('rows', 'import');
  const report = await withLibrary(flags, (lib) =>
    importVectors(lib, plan, { dryRun: flags.dryRun, onProgress: (p) => bar?.update(p.done, p.total) }),
  ).finally(() => bar?.stop());
  if (flags.json) return printJson(report);
  console.log(`${report.source}${report.dryRun ? pc.dim(' — dry run: nothing was changed') : ''}`);
  const models = Object.entries(report.vectors).filter(([, v]) => v) as [string, { model: string; dim: number }][];
  for (const [kind, v] of models)
    console.log(`${kind === 'clip' ? 'image' : 'caption'} vectors: stored as ${v.model} (${v.dim} dimensions)`);
  console.log(
    table(
      [report.dryRun ? 'would import' : 'imported', 'already imported', 'completed', 'duplicates', 'skipped'],
      [[report.imported, report.already, report.completed, report.duplicates, report.skipped.length]],
    ),
  );
  for (const s of report.skipped.slice(0, 50)) console.log(`${pc.yellow('skipped')} ${s.sourceId}: ${s.reason}`);
  if (report.skipped.length > 50) console.log(pc.dim(`… and ${report.skipped.length - 50} more (--json lists all)`));
  for (const n of report.next) console.log(pc.dim(n));
}

/** What every source takes besides its own flags: --dry-run, and the shared --data, --space and --json. */
const importFlags = (sub: Command) =>
  withCommonFlags(sub.option('--dry-run', 'say what would be imported, change nothing'), {
    space: true,
    json: 'print the report as JSON',
  });

export function registerImport(program: Command) {
  const cmd = program
    .command('import')
    .description(
      "move in from another stack's store, its vectors reused when the model matches: faiss, chroma, pgvector",
    );
  importFlags(
    cmd
      .command('faiss')
      .description(
        'a FAISS index file (IndexFlatIP / IndexFlatL2, or IndexIDMap around one) and its metadata JSON (one {s3_path, folder} per vector)',
      )
      .argument('<index>', 'the FAISS index file (faiss.write_index)')
      .requiredOption('--metadata <file>', 'the metadata JSON: a list (or an object by id) of {s3_path, folder}')
      .option('--model <id>', 'the model that made the vectors', 'openai/clip-vit-base-patch32')
      .option('--root <dir>', 'read images from this local mirror of the bucket (ROOT/key) instead of S3'),
  ).action(async (index: string, flags: ImportFlags & { metadata: string; model: string }) => {
    const { faissImportPlan } = await import('../../wiring/tools.js');
    await run(flags, () => faissImportPlan(index, flags.metadata, { model: flags.model, root: flags.root }));
  });
  importFlags(
    cmd
      .command('chroma')
      .description(
        'a persistent ChromaDB folder (chroma.sqlite3): documents as captions, embeddings as their text vectors, image paths from metadata',
      )
      .argument('<folder>', 'the Chroma persist directory (or its chroma.sqlite3)')
      .requiredOption('--collection <name>', 'the collection')
      .option(
        '--model <id>',
        "the text embedder that made the vectors, as Loupe names it (LOUPE_TEXT_EMBEDDER's model)",
        'local/Xenova/all-MiniLM-L6-v2',
      )
      .option('--root <dir>', "the folder image paths in the metadata are relative to (the app's uploads folder)"),
  ).action(async (folder: string, flags: ImportFlags & { collection: string; model: string }) => {
    const { chromaImportPlan } = await import('../../wiring/tools.js');
    await run(flags, () =>
      chromaImportPlan(folder, { collection: flags.collection, model: flags.model, root: flags.root }),
    );
  });
  importFlags(
    cmd
      .command('pgvector')
      .description(
        'a pgvector table of image posts: a path or URL, a caption and its text embedding per row (LlamaIndex, SQLAlchemy apps)',
      )
      .argument('<database-url>', 'postgres://user:password@host:5432/db')
      .requiredOption('--table <name>', 'the table (schema.table allowed)')
      .option('--vector-column <name>', 'the caption embedding column', 'embedding')
      .option('--caption-column <name>', 'the caption column', 'caption')
      .option(
        '--path-column <name>',
        'the image path column (default: image_path, path, image_url, url, file_path, filename or image, whichever exists)',
      )
      .option('--id-column <name>', 'a key to report rows by (default: id when it exists)')
      .option(
        '--model <id>',
        "the text embedder that made the vectors, as Loupe names it (LOUPE_TEXT_EMBEDDER's model)",
        'openai/text-embedding-3-small',
      )
      .option('--root <dir>', 'the folder holding images the table names by URL or by a relative path'),
  ).action(
    async (
      url: string,
      flags: ImportFlags & {
        table: string;
        vectorColumn: string;
        captionColumn: string;
        pathColumn?: string;
        idColumn?: string;
        model: string;
      },
    ) => {
      const { pgvectorImportPlan } = await import('../../wiring/tools.js');
      await run(flags, () => pgvectorImportPlan(url, { ...flags, root: flags.root }));
    },
  );
}
