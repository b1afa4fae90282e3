/**
 * `loupe/testing`: Loupe's small deterministic models, for tests and demos without real weights. They load
 * through the same code as real models (`loupe models make-test DIR` writes them too).
 */
export { writeTestClipModel, TEST_CLIP_MODEL_ID, TEST_COLOURS } from './models/test-clip-model.js';
export { writeTestTextModel, TEST_TEXT_MODEL_ID } from './models/test-text-model.js';
export { writeTestCaptionModel, TEST_CAPTION_MODEL_ID } from './models/test-caption-model.js';
export { placeNanoDet } from './models/local-weights.js';
