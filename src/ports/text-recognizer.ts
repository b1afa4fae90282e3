/** Reads the text in an image (OCR). */
export interface RecognizedWord {
  text: string;
  /** 0..1 */
  confidence: number;
  /** [left, top, right, bottom] in the pixels of the image given. */
  box: [number, number, number, number];
}

export interface TextRecognizer {
  readonly model: string;
  /** @param image encoded image bytes (PNG, JPEG, ...). Words below the recognizer's confidence floor are left out. */
  recognize(image: Buffer): Promise<{ text: string; words: RecognizedWord[] }>;
  dispose?(): Promise<void>;
}

export interface RecognizerOptions {
  /** Words with a lower confidence are dropped. */
  minConfidence: number;
  /** Images are shrunk so that their longest edge is at most this many pixels before OCR. */
  maxResolution: number;
}
