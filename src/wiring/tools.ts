/** Adapters that single commands use (importing another stack's store, copying into PostgreSQL, reading a vector file, downloading a model), each loaded when called. */
import type { Config } from '../config.js';
import type { ImportPlan } from '../ports/import-source.js';
import type { ChromaImportOptions } from '../adapters/import/chroma.js';
import type { FaissImportOptions } from '../adapters/import/faiss.js';
import type { PgvectorImportOptions } from '../adapters/import/pgvector.js';
import type { MigrateProgress } from '../adapters/sql/migrate-to.js';
import type { ResolveModelOptions } from '../adapters/hub/model-files.js';
import { openLibrary } from './library.js';

export const faissImportPlan = async (
  indexFile: string,
  metadataFile: string,
  o: FaissImportOptions,
): Promise<ImportPlan> => (await import('../adapters/import/faiss.js')).faissImportPlan(indexFile, metadataFile, o);
export const chromaImportPlan = async (folder: string, o: ChromaImportOptions): Promise<ImportPlan> =>
  (await import('../adapters/import/chroma.js')).chromaImportPlan(folder, o);
export const pgvectorImportPlan = async (url: string, o: PgvectorImportOptions): Promise<ImportPlan> =>
  (await import('../adapters/import/pgvector.js')).pgvectorImportPlan(url, o);
export const readVectorFile = async (file: string): Promise<number[]> =>
  (await import('../adapters/fs/vector-file.js')).readVectorFile(file);
export const downloadModel = async (o: ResolveModelOptions & { force?: boolean }): Promise<void> =>
  (await import('../adapters/hub/model-files.js')).downloadModel(o);

/** Copies the embedded database of `config`'s data folder into an empty PostgreSQL database. @returns rows copied by table. */
export async function copyIntoServer(
  config: Config,
  url: string,
  onProgress?: (p: MigrateProgress) => void,
): Promise<Record<string, number>> {
  const [{ migrateDatabase }, { openPostgres }] = await Promise.all([
    import('../adapters/sql/migrate-to.js'),
    import('../adapters/pg/pg-client.js'),
  ]);
  const target = await openPostgres(url, { poolSize: 2, statementTimeoutMs: 0 });
  try {
    const source = await openLibrary(config);
    return await migrateDatabase(source.db, target, { onProgress }).finally(() => source.close());
  } finally {
    await target.close();
  }
}
