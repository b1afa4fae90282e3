/** Pixels ready for a model: 8-bit RGB, row-major, already oriented. */
export interface RgbPixels {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Embeds images into a shared image–text space. Vectors come back L2-normalised. */
export interface ImageEmbedder {
  readonly model: string;
  embedImages(images: RgbPixels[]): Promise<Float32Array[]>;
}

/** Embeds queries into the same space as an ImageEmbedder of the same model. */
export interface ClipTextEmbedder {
  readonly model: string;
  embedTexts(texts: string[]): Promise<Float32Array[]>;
}

export interface ClipEmbedder extends ImageEmbedder, ClipTextEmbedder {
  /** The shortest edge the model's preprocessing resizes to, so decoders can shrink early. */
  readonly inputSize: number;
  dispose(): Promise<void>;
}
