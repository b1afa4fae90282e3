/**
 * Real weights that are already on this machine (a checkout beside `../shared/models`), placed into a models
 * folder so `make-test` settings label objects offline instead of trying a download on every run.
 */
import { access, copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { verifyModelFolder } from '../adapters/hub/model-files.js';
import { NANODET_FILE, NANODET_MODEL_ID } from '../adapters/onnx/nanodet-labeler.js';

/** Where NanoDet-m's weights are looked for when no file is given. */
export function nanodetCandidates(): string[] {
  const here = path.dirname(new URL(import.meta.url).pathname);
  return [
    path.resolve('../shared/models/nanodet-m', NANODET_FILE),
    path.resolve(here, '../../../shared/models/nanodet-m', NANODET_FILE),
  ];
}

/**
 * Copies NanoDet-m's weights into `<dir>/nanodet/nanodet-m/`, checked against their pinned size and sha256.
 * @returns the file written, or where it looked when the weights are not here.
 */
export async function placeNanoDet(dir: string, file?: string): Promise<{ written: string } | { looked: string[] }> {
  const candidates = file ? [path.resolve(file)] : nanodetCandidates();
  for (const source of candidates) {
    if (
      !(await access(source).then(
        () => true,
        () => false,
      ))
    )
      continue;
    const target = path.join(dir, NANODET_MODEL_ID, NANODET_FILE);
    // Already there (an earlier run, or a link to the source itself, which a copy would truncate).
    if ((await exists(target)) && !(await verifyModelFolder(dir, NANODET_MODEL_ID)).length) return { written: target };
    await mkdir(path.dirname(target), { recursive: true });
    await rm(target, { force: true }); // a link is replaced, never written through
    await copyFile(source, target);
    const problems = await verifyModelFolder(dir, NANODET_MODEL_ID);
    if (problems.length) {
      await rm(target, { force: true });
      throw new Error(`${source} is not the pinned NanoDet-m: ${problems.map((p) => p.problem).join('; ')}`);
    }
    return { written: target };
  }
  return { looked: candidates };
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
