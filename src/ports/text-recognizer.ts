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
  /**
   * @param image encoded image bytes (PNG, JPEG, ...). Words below the recognizer's confidence floor are left out.
   * @param o.looked lookForText already said there is text: do not look again.
   */
  recognize(image: Buffer, o?: { looked?: boolean }): Promise<{ text: string; words: RecognizedWord[] }>;
  /** A cheap look for text in a copy at least `lookSide` on its long side: false means recognize would find none. */
  lookForText?(image: Buffer): Promise<boolean>;
  readonly lookSide?: number;
  dispose?(): Promise<void>;
}

export interface RecognizerOptions {
  /** Words with a lower confidence are dropped. */
  minConfidence: number;
  /** Images are shrunk so that their longest edge is at most this many pixels before OCR. */
  maxResolution: number;
}
