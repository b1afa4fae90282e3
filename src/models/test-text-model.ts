/**
 * The test sentence embedder: a BERT-shaped ONNX model (input_ids, attention_mask, token_type_ids →
 * last_hidden_state) in Transformers.js layout, with the real MiniLM tokenizer. Each word piece maps to a
 * fixed pseudo-random direction and stop words to zero, so mean pooling gives a bag-of-words embedding:
 * texts that share content words are close. It loads through the same feature-extraction code as MiniLM.
 */
import { access, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OnnxGraph } from './onnx-graph.js';
import { seededRandom } from './seeded-random.js';
import { TEST_TEXT_MODEL_ID } from './test-model-ids.js';

export { TEST_TEXT_MODEL_ID };

export const TEST_TEXT_DIM = 384;

const STOP_WORDS = new Set(
  'a an the of on in at to and or with for from by is are was were be been it its this that these those there here as into onto over under up down out off some two three very'.split(
    ' ',
  ),
);

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

export function textTokenizerCandidates(): string[] {
  const here = path.dirname(new URL(import.meta.url).pathname);
  const fromEnv = process.env.LOUPE_MODELS_DIR
    ? [path.join(process.env.LOUPE_MODELS_DIR, 'Xenova/all-MiniLM-L6-v2')]
    : [];
  return [
    ...fromEnv,
    path.resolve('../shared/models/all-MiniLM-L6-v2'),
    path.resolve(here, '../../../shared/models/all-MiniLM-L6-v2'),
  ];
}

export async function writeTestTextModel(dir: string, options: { tokenizerDir?: string } = {}): Promise<string> {
  const candidates = options.tokenizerDir ? [options.tokenizerDir] : textTokenizerCandidates();
  let tokenizerDir: string | undefined;
  for (const c of candidates)
    if (await exists(path.join(c, 'tokenizer.json'))) {
      tokenizerDir = c;
      break;
    }
  if (!tokenizerDir)
    throw new Error(`the test text model needs the MiniLM tokenizer files; looked in ${candidates.join(', ')}`);
  const out = path.join(dir, TEST_TEXT_MODEL_ID);
  await mkdir(path.join(out, 'onnx'), { recursive: true });
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt'])
    if (await exists(path.join(tokenizerDir, f))) await copyFile(path.join(tokenizerDir, f), path.join(out, f));
  const vocab: Record<string, number> = JSON.parse(await readFile(path.join(tokenizerDir, 'tokenizer.json'), 'utf8'))
    .model.vocab;
  const size = Math.max(...Object.values(vocab)) + 1;
  const { normal } = seededRandom(1234);
  const table = new Float32Array(size * TEST_TEXT_DIM);
  for (const [token, id] of Object.entries(vocab)) {
    if (/^\[.*\]$/.test(token) || STOP_WORDS.has(token) || !/[a-z0-9]/i.test(token)) continue; // specials, stop words, punctuation: no meaning
    for (let d = 0; d < TEST_TEXT_DIM; d++) table[id * TEST_TEXT_DIM + d] = normal();
  }
  const g = new OnnxGraph('loupe_test_text_bow');
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  g.input('token_type_ids', 'int64', ['batch_size', 'sequence_length']);
  g.output(
    'last_hidden_state',
    'float',
    ['batch_size', 'sequence_length', TEST_TEXT_DIM],
    g.op('Gather', [g.floats([size, TEST_TEXT_DIM], table), ids], { axis: 0 }),
  );
  await writeFile(path.join(out, 'onnx/model_quantized.onnx'), g.toBytes());
  await writeFile(
    path.join(out, 'config.json'),
    JSON.stringify(
      {
        model_type: 'bert',
        architectures: ['BertModel'],
        hidden_size: TEST_TEXT_DIM,
        vocab_size: size,
        loupe_test_model: true,
      },
      null,
      2,
    ),
  );
  await writeFile(
    path.join(out, 'README.md'),
    `# ${TEST_TEXT_MODEL_ID}\n\nLoupe's deterministic test sentence embedder: bag of words (content word pieces → fixed random directions). For tests, not for real search.\n`,
  );
  return out;
}
