/**
 * RAW photos (DNG, CR2, CR3, NEF, ARW, RAF, ORF, RW2, PEF) are indexed by the largest JPEG preview the camera embedded,
 * as PhotoPrism and Immich do: demosaicing the sensor data is a raw converter's work, and every format above carries a
 * full- or near-full-size preview. Found by its bytes, whatever the container: each JPEG start marker whose frame
 * header is a kind libjpeg decodes (baseline, extended or progressive; not the lossless JPEG some RAWs code their
 * sensor data in), up to its end marker.
 */
const SOI = Buffer.from([0xff, 0xd8, 0xff]);
const EOI = Buffer.from([0xff, 0xd9]);
/** Start markers looked at, at most: a RAW holds a handful of JPEGs, and a hostile file must not make this slow. */
const MAX_CANDIDATES = 256;

export interface RawPreview {
  /** The preview as a JPEG file. */
  jpeg: Buffer;
  width: number;
  height: number;
}

/** The largest decodable JPEG inside `b`, or null when there is none. */
export function largestJpegPreview(b: Buffer): RawPreview | null {
  let best: RawPreview | null = null;
  let at = b.indexOf(SOI);
  for (let n = 0; at >= 0 && n < MAX_CANDIDATES; n++, at = b.indexOf(SOI, at + 2)) {
    const frame = frameOf(b, at);
    if (!frame || (best && frame.width * frame.height <= best.width * best.height)) continue;
    const end = b.indexOf(EOI, frame.scanAt);
    if (end < 0) continue;
    best = { jpeg: b.subarray(at, end + 2), width: frame.width, height: frame.height };
  }
  return best;
}

/** The frame size of the JPEG starting at `at`, and where its scan starts; null for a kind libjpeg cannot decode or broken markers. */
function frameOf(b: Buffer, at: number): { width: number; height: number; scanAt: number } | null {
  let p = at + 2;
  let size: { width: number; height: number } | null = null;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) return null;
    const marker = b[p + 1];
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    const length = b.readUInt16BE(p + 2);
    if (length < 2) return null;
    if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) {
      if (p + 9 > b.length) return null;
      size = { height: b.readUInt16BE(p + 5), width: b.readUInt16BE(p + 7) };
      if (!size.width || !size.height) return null;
    } else if (marker >= 0xc3 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return null; // lossless, hierarchical or arithmetic-coded: not what libjpeg reads
    } else if (marker === 0xda) {
      return size ? { ...size, scanAt: p + 2 + length } : null;
    }
    p += 2 + length;
  }
  return null;
}
