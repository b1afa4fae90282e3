/**
 * Pinned model files: downloads are checked against these sizes and sha256 before use.
 * Values come from the models' published repositories at the pinned revision.
 */
export interface PinnedFile {
  path: string;
  bytes: number;
  sha256: string;
  /** Where the file is published when it is not on the hub (fetched as is, then checked like the others). */
  url?: string;
}

export interface ModelManifest {
  id: string;
  revision: string;
  files: PinnedFile[];
}

const CLIP_B32_COMMON: PinnedFile[] = [
  { path: 'config.json', bytes: 4524, sha256: '493ef57ff783e42d1530c91b53469b7fdf8db8a9c1408e86998fcb7899a4f495' },
  {
    path: 'preprocessor_config.json',
    bytes: 520,
    sha256: '6f638fb9401a6d6296feff533ee7efe657b787c49f954f82f5906b36ef2a1b1f',
  },
  {
    path: 'special_tokens_map.json',
    bytes: 472,
    sha256: 'c4864a9376a8401918425bed71fc14fc0e81f9b59ec45c1cf96cccb2df508eac',
  },
  {
    path: 'tokenizer.json',
    bytes: 2224119,
    sha256: 'f7f3b7af117d467b58374797691a6438d3e6b9e9cef800dfd5dced7f697a90cd',
  },
  {
    path: 'tokenizer_config.json',
    bytes: 775,
    sha256: '60ba2912bc6344c94bc16bbdec27fa1209409167b6f2fdf3cfe9e65462ea3967',
  },
];

export const MODEL_MANIFESTS: Record<string, ModelManifest> = {
  // NanoDet-m (COCO-80 detector, Apache-2.0 upstream), the ONNX export at a pinned commit of its repository.
  'nanodet/nanodet-m': {
    id: 'nanodet/nanodet-m',
    revision: '15dd99c651d53c824f51d1eb5faddbd4f3d69bbc',
    files: [
      {
        path: 'nanodet_m.onnx',
        bytes: 3800954,
        sha256: '4b82da9944b88577175ee23a459dce2e26e6e4be573def65b1055dc2d9720186',
        url: 'https://raw.githubusercontent.com/hpc203/nanodet-opncv-dnn-cpp-python/15dd99c651d53c824f51d1eb5faddbd4f3d69bbc/nanodet_m.onnx',
      },
    ],
  },
  'Xenova/clip-vit-base-patch32': {
    id: 'Xenova/clip-vit-base-patch32',
    revision: 'd15189d7028b43f1d3e65039190477f6af591c2a',
    files: [
      ...CLIP_B32_COMMON,
      {
        path: 'onnx/vision_model_quantized.onnx',
        bytes: 89117001,
        sha256: '583fd1110a514667812fee7d684952aaf82a99b959760c8d7dca7e0ab9839299',
      },
      {
        path: 'onnx/text_model_quantized.onnx',
        bytes: 64504507,
        sha256: '73baab855d406190da9faa498cfedf65f15cf309f4cc7385b7b032e6d08e5c3a',
      },
      {
        path: 'onnx/vision_model.onnx',
        bytes: 351685709,
        sha256: 'fd6e1402a588279d1723c7534d4bcba5bc0b14b47dfab0e46f8c47b8270d7d40',
      },
    ],
  },
  'Xenova/all-MiniLM-L6-v2': {
    id: 'Xenova/all-MiniLM-L6-v2',
    revision: 'main',
    files: [
      { path: 'config.json', bytes: 650, sha256: '7135149f7cffa1a573466c6e4d8423ed73b62fd2332c575bf738a0d033f70df7' },
      {
        path: 'special_tokens_map.json',
        bytes: 125,
        sha256: 'b6d346be366a7d1d48332dbc9fdf3bf8960b5d879522b7799ddba59e76237ee3',
      },
      {
        path: 'tokenizer.json',
        bytes: 711661,
        sha256: 'da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0',
      },
      {
        path: 'tokenizer_config.json',
        bytes: 366,
        sha256: '9261e7d79b44c8195c1cada2b453e55b00aeb81e907a6664974b4d7776172ab3',
      },
      {
        path: 'onnx/model_quantized.onnx',
        bytes: 22972370,
        sha256: 'afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1',
      },
      {
        path: 'onnx/model_fp16.onnx',
        bytes: 45297825,
        sha256: '2cdb5e58291813b6d6e248ed69010100246821a367fa17b1b81ae9483744533d',
      },
      {
        path: 'onnx/model.onnx',
        bytes: 90387606,
        sha256: '759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e',
      },
    ],
  },
  'Xenova/vit-gpt2-image-captioning': {
    id: 'Xenova/vit-gpt2-image-captioning',
    revision: 'main',
    files: [
      { path: 'config.json', bytes: 4888, sha256: 'f65c81039a672962d686f71ee0242f0c89dc020a0e3f193a989a696bf3f9515e' },
      {
        path: 'generation_config.json',
        bytes: 184,
        sha256: '997e1f943576edcc46e1b93078ec0e72054a62b4c7f521da42a1eab43c4c1d0c',
      },
      {
        path: 'preprocessor_config.json',
        bytes: 378,
        sha256: '76304e9a1deb0d5f78349a57ad9d8057f36476c29bd292e907e2e8c451c93e9d',
      },
      {
        path: 'tokenizer.json',
        bytes: 2107928,
        sha256: '6e785cd4f004c9291dadeba7d8d1c2871318d368a1cfcd416c0571dcd8f11413',
      },
      {
        path: 'tokenizer_config.json',
        bytes: 456,
        sha256: '5b477c376e81670409e943fc7c8233a0356c8488e05a8aa246082a1d29e8d609',
      },
      {
        path: 'onnx/encoder_model_quantized.onnx',
        bytes: 87453213,
        sha256: '6f6e2e27c11303cf533682184543333e7ecb930a734197a0272a1e408aba2766',
      },
      {
        path: 'onnx/decoder_model_merged_quantized.onnx',
        bytes: 158599996,
        sha256: '1f3ec53b5fc3614c0b54ee786755a7ec3007841f57543f8e241499edfadfa98f',
      },
      {
        path: 'onnx/encoder_model.onnx',
        bytes: 343440631,
        sha256: '1e624fcd6a4a6a702dd1b60244adc6b6cbd169dcf3fbf9643be21a9bcf090b29',
      },
      {
        path: 'onnx/decoder_model_merged.onnx',
        bytes: 615025088,
        sha256: 'df4abab679e8fa8d5c2140dd1ce83d136e7d47bc08008c9d8b3860643c502776',
      },
    ],
  },
};

/** File-name suffix Transformers.js uses for each dtype. */
export const DTYPE_SUFFIX: Record<string, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  bnb4: '_bnb4',
  q4f16: '_q4f16',
};

/** The files a CLIP model needs for a dtype: configs, tokenizer and both towers. */
export function clipFiles(dtype: string): string[] {
  const suffix = DTYPE_SUFFIX[dtype] ?? '';
  return [
    'config.json',
    'preprocessor_config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    'special_tokens_map.json',
    `onnx/text_model${suffix}.onnx`,
    `onnx/vision_model${suffix}.onnx`,
  ];
}

/** The files a sentence embedder needs for a dtype. */
export function sentenceModelFiles(dtype: string): string[] {
  return ['config.json', 'tokenizer.json', 'tokenizer_config.json', `onnx/model${DTYPE_SUFFIX[dtype] ?? ''}.onnx`];
}

/** The files an image-to-text (vision-encoder-decoder) model needs for a dtype. */
export function captionModelFiles(dtype: string): string[] {
  const suffix = DTYPE_SUFFIX[dtype] ?? '';
  return [
    'config.json',
    'generation_config.json',
    'preprocessor_config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    `onnx/encoder_model${suffix}.onnx`,
    `onnx/decoder_model_merged${suffix}.onnx`,
  ];
}
