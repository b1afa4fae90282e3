/**
 * Where Transformers.js reads a model: its own folder, given as an absolute path. A path is not a hub id,
 * so Transformers.js reads it as a folder and never consults the global `env.localModelPath`: models in
 * different roots can load at the same time without racing on a shared setting.
 */
import path from 'node:path';
import { env } from '@huggingface/transformers';

export function localModelFolder(modelRoot: string, modelId: string): string {
  // The same two settings for every model, so setting them again is harmless: files are resolved before
  // Transformers.js sees them, and it must never reach the network itself.
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  return path.resolve(modelRoot, modelId);
}
