import type { ExifSummary } from '../core/types.js';
import type { RgbPixels } from './clip-embedder.js';

/** Everything the index needs from one image file, from one decode. */
export interface DecodedImage {
  format: string;
  /** Dimensions after EXIF orientation. */
  width: number;
  height: number;
  frames: number;
  exif: ExifSummary;
  phash: string;
  /** Model input: shortest edge resized to the model's input size. */
  pixels: RgbPixels;
  thumbnail: { data: Buffer; format: 'webp'; width: number; height: number };
  /** `labelSide` × `labelSide` RGB, stretched to fill (a detector's input), when asked for. */
  labelPixels?: RgbPixels;
}

export interface DecodeOptions {
  /** Shortest edge of `pixels`. */
  modelInputSize: number;
  thumbnailSize: number;
  maxPixels: number;
  maxFrames: number;
  /** Also make a square copy this big for the object labeler, from the same decode. */
  labelSide?: number;
}

/** What the header says, read without decoding any pixel. */
export interface ImageHeader {
  format: string;
  width: number;
  height: number;
  frames: number;
  /** EXIF orientation, 1–8. */
  orientation: number;
  /** How a HEIF's pixels are coded ('hevc', 'av1'), where the header says. */
  compression?: string;
}

/** What a user's photo editor wrote in an XMP sidecar that Loupe keeps: keywords, a description, a star rating. */
export interface SidecarEdits {
  keywords: string[];
  description?: string;
  /** 1–5 stars (0 or -1, unrated or rejected, are left out). */
  rating?: number;
}

export interface ImageDecoder {
  /** The edits in an XMP sidecar (Lightroom, darktable, digiKam); nothing for a sidecar that is not XMP or is broken. */
  sidecarEdits(xmp: Buffer): Promise<SidecarEdits>;
  /** The supported format the first bytes show (null when none), and what they are otherwise, for messages. */
  sniff(head: Uint8Array): Promise<{ format: string | null; detected: string }>;
  /** Oriented, flattened JPEG with at most `maxSide` on the longest edge: what vision APIs take everywhere. */
  toJpeg(bytes: Buffer, maxSide: number): Promise<Buffer>;
  /**
   * Bytes every image library here reads: the input itself for JPEG, PNG, WebP and the like; an oriented JPEG of up
   * to `maxSide` for what needs Loupe's own decoding (HEVC-coded HEIC), so the OCR and label passes can read it too.
   */
  readable(bytes: Buffer, maxSide: number): Promise<Buffer>;
  /** Format by the bytes and size from the header, checked against the limits. Throws NOT_AN_IMAGE / UNDECODABLE / RAW_WITHOUT_PREVIEW / TOO_MANY_PIXELS / TOO_MANY_FRAMES. */
  inspect(bytes: Buffer, name: string, limits: { maxPixels: number; maxFrames: number }): Promise<ImageHeader>;
  /** @param name used in error messages only. Throws LoupeError NOT_AN_IMAGE / TOO_MANY_PIXELS / TOO_MANY_FRAMES / UNDECODABLE / RAW_WITHOUT_PREVIEW. */
  decode(bytes: Buffer, name: string, options: DecodeOptions): Promise<DecodedImage>;
}
