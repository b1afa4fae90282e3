/**
 * The test captioner: a vision-encoder-decoder in Transformers.js layout (ViT-shaped encoder, GPT-2-shaped
 * merged decoder with a key/value cache) with the real GPT-2 tokenizer. It writes "a <colour> picture":
 * the encoder measures the dominant named colour, the decoder emits one word per step.
 */
import { access, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OnnxGraph } from './onnx-graph.js';
import { colourHistogram, TEST_COLOURS } from './test-clip-model.js';
import { TEST_CAPTION_MODEL_ID } from './test-model-ids.js';

export { TEST_CAPTION_MODEL_ID };

const VIT_MEAN = [0.5, 0.5, 0.5];
const VIT_STD = [0.5, 0.5, 0.5];
const EOS = 50256;

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

export function captionTokenizerCandidates(): string[] {
  const here = path.dirname(new URL(import.meta.url).pathname);
  const fromEnv = process.env.LOUPE_MODELS_DIR
    ? [path.join(process.env.LOUPE_MODELS_DIR, 'Xenova/vit-gpt2-image-captioning')]
    : [];
  return [
    ...fromEnv,
    path.resolve('../shared/models/vit-gpt2-image-captioning'),
    path.resolve(here, '../../../shared/models/vit-gpt2-image-captioning'),
  ];
}

export async function writeTestCaptionModel(
  dir: string,
  options: { tokenizerDir?: string; modelId?: string } = {},
): Promise<string> {
  const candidates = options.tokenizerDir ? [options.tokenizerDir] : captionTokenizerCandidates();
  let tokenizerDir: string | undefined;
  for (const c of candidates)
    if (await exists(path.join(c, 'tokenizer.json'))) {
      tokenizerDir = c;
      break;
    }
  if (!tokenizerDir)
    throw new Error(`the test captioner needs the GPT-2 tokenizer files; looked in ${candidates.join(', ')}`);
  const out = path.join(dir, options.modelId ?? TEST_CAPTION_MODEL_ID);
  await mkdir(path.join(out, 'onnx'), { recursive: true });
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.json', 'merges.txt'])
    if (await exists(path.join(tokenizerDir, f))) await copyFile(path.join(tokenizerDir, f), path.join(out, f));
  const vocab: Record<string, number> = JSON.parse(await readFile(path.join(tokenizerDir, 'tokenizer.json'), 'utf8'))
    .model.vocab;
  const V = EOS + 1;
  const id = (word: string) => {
    const t = vocab[word];
    if (t === undefined) throw new Error(`token ${word} is not in the GPT-2 vocabulary`);
    return t;
  };
  await writeFile(path.join(out, 'onnx/encoder_model_quantized.onnx'), encoder());
  await writeFile(
    path.join(out, 'onnx/decoder_model_merged_quantized.onnx'),
    decoder(
      V,
      id('a'),
      id('Ġpicture'),
      TEST_COLOURS.map((c) =>
        id(`Ġ${[c.name, ...c.words, 'cyan', 'colourful'].find((w) => vocab[`Ġ${w}`] !== undefined)}`),
      ),
    ),
  );
  await writeFile(
    path.join(out, 'config.json'),
    JSON.stringify(
      {
        model_type: 'vision-encoder-decoder',
        architectures: ['VisionEncoderDecoderModel'],
        is_encoder_decoder: true,
        decoder_start_token_id: EOS,
        eos_token_id: EOS,
        pad_token_id: EOS,
        encoder: { model_type: 'vit', hidden_size: TEST_COLOURS.length, image_size: 224, patch_size: 28 },
        decoder: {
          model_type: 'gpt2',
          n_layer: 1,
          n_head: 1,
          n_embd: 1,
          vocab_size: V,
          bos_token_id: EOS,
          eos_token_id: EOS,
          add_cross_attention: true,
        },
        loupe_test_model: true,
      },
      null,
      2,
    ),
  );
  await writeFile(
    path.join(out, 'generation_config.json'),
    JSON.stringify(
      { bos_token_id: EOS, decoder_start_token_id: EOS, eos_token_id: EOS, pad_token_id: EOS, max_length: 16 },
      null,
      2,
    ),
  );
  await writeFile(
    path.join(out, 'preprocessor_config.json'),
    JSON.stringify(
      {
        do_normalize: true,
        do_rescale: true,
        do_resize: true,
        feature_extractor_type: 'ViTFeatureExtractor',
        image_processor_type: 'ViTFeatureExtractor',
        image_mean: VIT_MEAN,
        image_std: VIT_STD,
        resample: 2,
        rescale_factor: 1 / 255,
        size: { height: 224, width: 224 },
      },
      null,
      2,
    ),
  );
  await writeFile(
    path.join(out, 'README.md'),
    `# ${options.modelId ?? TEST_CAPTION_MODEL_ID}\n\nLoupe's deterministic test captioner ("a <colour> picture"). For tests, not for real captions.\n`,
  );
  return out;
}

function encoder(): Uint8Array {
  const g = new OnnxGraph('loupe_test_caption_encoder');
  const pixels = g.input('pixel_values', 'float', ['batch_size', 3, 224, 224]);
  const [histogram] = colourHistogram(g, pixels, VIT_MEAN, VIT_STD);
  g.output(
    'last_hidden_state',
    'float',
    ['batch_size', 1, TEST_COLOURS.length],
    g.op('Unsqueeze', [histogram, g.ints([1])]),
  );
  return g.toBytes();
}

/** Step t (= cached length) emits: 0 "a", 1 the colour word (from the encoder), 2 " picture", then end of text. */
function decoder(V: number, a: number, picture: number, colours: number[]): Uint8Array {
  const K = colours.length;
  const g = new OnnxGraph('loupe_test_caption_decoder');
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const encoded = g.input('encoder_hidden_states', 'float', ['batch_size', 'encoder_sequence_length', K]);
  const pastKey = g.input('past_key_values.0.key', 'float', ['batch_size', 1, 'past_sequence_length', 1]);
  const pastValue = g.input('past_key_values.0.value', 'float', ['batch_size', 1, 'past_sequence_length', 1]);

  // The step: how many tokens are cached, capped at 3.
  const step = g.op('Min', [g.op('Gather', [g.op('Shape', [pastKey]), g.ints([2])], { axis: 0 }), g.ints([3])]); // [1]
  const base = new Float32Array(4 * V);
  base[0 * V + a] = 10;
  base[2 * V + picture] = 10;
  base[3 * V + EOS] = 10;
  const fixed = g.op('Gather', [g.floats([4, V], base), step], { axis: 0 }); // [1,V]
  const colourToToken = new Float32Array(K * V);
  colours.forEach((t, k) => (colourToToken[k * V + t] = 20));
  const colourLogits = g.op('MatMul', [encoded, g.floats([K, V], colourToToken)]); // [N,1,V]
  const isColourStep = g.op('Cast', [g.op('Equal', [step, g.ints([1])])], { to: 1 }); // float [1]
  const logits = g.op('Add', [g.op('Mul', [colourLogits, isColourStep]), fixed]); // [N,1,V]
  g.output('logits', 'float', ['batch_size', 'sequence_length', V], logits);

  // The cache grows by one zero entry per new token.
  const zeros = g.op('Unsqueeze', [
    g.op('Gather', [g.floats([V, 1], new Float32Array(V)), ids], { axis: 0 }),
    g.ints([1]),
  ]); // [N,1,S,1]
  g.output(
    'present.0.key',
    'float',
    ['batch_size', 1, 'total_sequence_length', 1],
    g.op('Concat', [pastKey, zeros], { axis: 2 }),
  );
  g.output(
    'present.0.value',
    'float',
    ['batch_size', 1, 'total_sequence_length', 1],
    g.op('Concat', [pastValue, zeros], { axis: 2 }),
  );
  return g.toBytes();
}
