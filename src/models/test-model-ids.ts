/** Ids of Loupe's generated test models (cheap to import: the CLI's help names them). */
export const TEST_CLIP_MODEL_ID = 'loupe/test-clip-colour';
export const TEST_TEXT_MODEL_ID = 'loupe/test-text-bow';
export const TEST_CAPTION_MODEL_ID = 'loupe/test-caption-colour';
