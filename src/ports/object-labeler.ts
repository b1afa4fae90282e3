/** Names the objects in an image (a detector or classifier): labels for search, beside the user's own tags. */
import type { RgbPixels } from './clip-embedder.js';
import type { ImageLabel } from './store.js';

export interface ObjectLabeler {
  readonly model: string;
  /** The side of the square the labeler looks at: a copy at least this big (the stored thumbnail) serves as the original would. */
  readonly inputSide?: number;
  /** Labels from decoded pixels: RGB, exactly `inputSide` square (DecodedImage.labelPixels), so no second decode. */
  labelPixels?(pixels: RgbPixels): Promise<ImageLabel[]>;
  /** @param image encoded image bytes. Labels below the labeler's confidence floor are left out; best first. */
  label(image: Buffer): Promise<ImageLabel[]>;
  dispose?(): Promise<void>;
}
