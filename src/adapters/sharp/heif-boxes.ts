/**
 * What Loupe reads from a HEIF's boxes (ISO/IEC 23008-12) itself: its Exif item, which exifr misplaces when `iloc`
 * gives items a base offset (as libheif's writer does), and whether the file carries its own rotation or mirroring
 * (`irot`/`imir`), which libheif applies while decoding and which then overrides the EXIF orientation.
 */
interface Box {
  type: string;
  /** Where the content starts (after the header) and where the box ends. */
  start: number;
  end: number;
}

function* boxesIn(b: Buffer, from: number, to: number): Generator<Box> {
  let at = from;
  while (at + 8 <= to) {
    let size = b.readUInt32BE(at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > to) return;
      size = Number(b.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = to - at;
    if (size < header || at + size > to) return;
    yield { type: b.toString('latin1', at + 4, at + 8), start: at + header, end: at + size };
    at += size;
  }
}

const child = (b: Buffer, parent: Box, type: string, fullBox = false) => {
  for (const box of boxesIn(b, parent.start + (fullBox ? 4 : 0), parent.end)) if (box.type === type) return box;
  return undefined;
};

function metaBox(b: Buffer): Box | undefined {
  for (const box of boxesIn(b, 0, b.length)) if (box.type === 'meta') return box;
  return undefined;
}

/** Whether the HEIF rotates or mirrors its primary image itself (then its EXIF orientation does not apply). */
export function heifHasTransform(b: Buffer): boolean {
  try {
    const meta = metaBox(b);
    const iprp = meta && child(b, meta, 'iprp', true);
    const ipco = iprp && child(b, iprp, 'ipco');
    if (!ipco) return false;
    for (const box of boxesIn(b, ipco.start, ipco.end)) if (box.type === 'irot' || box.type === 'imir') return true;
    return false;
  } catch {
    return false;
  }
}

/** The TIFF block of the HEIF's Exif item, or null when it has none (or the boxes are broken). */
export function heifExifTiff(b: Buffer): Buffer | null {
  try {
    const meta = metaBox(b);
    const iinf = meta && child(b, meta, 'iinf', true);
    const iloc = meta && child(b, meta, 'iloc', true);
    if (!iinf || !iloc) return null;
    // iinf: a full box; entry count (16 bits in version 0, else 32); then infe boxes (version 2: 16-bit ids, 3: 32-bit).
    const iinfVersion = b[iinf.start];
    let exifId: number | null = null;
    for (const infe of boxesIn(b, iinf.start + 4 + (iinfVersion === 0 ? 2 : 4), iinf.end)) {
      if (infe.type !== 'infe') continue;
      const v = b[infe.start];
      if (v < 2) continue;
      const id = v === 2 ? b.readUInt16BE(infe.start + 4) : b.readUInt32BE(infe.start + 4);
      const typeAt = infe.start + 4 + (v === 2 ? 2 : 4) + 2;
      if (b.toString('latin1', typeAt, typeAt + 4) === 'Exif') exifId = id;
    }
    if (exifId === null) return null;
    const v = b[iloc.start];
    let at = iloc.start + 4;
    const [offsetSize, lengthSize] = [b[at] >> 4, b[at] & 15];
    const [baseSize, indexSize] = [b[at + 1] >> 4, v >= 1 ? b[at + 1] & 15 : 0];
    at += 2;
    const uint = (size: number) => {
      const n =
        size === 0
          ? 0
          : size === 4
            ? b.readUInt32BE(at)
            : size === 8
              ? Number(b.readBigUInt64BE(at))
              : size === 2
                ? b.readUInt16BE(at)
                : NaN;
      at += size;
      return n;
    };
    const items = uint(v < 2 ? 2 : 4);
    for (let i = 0; i < items; i++) {
      const id = uint(v < 2 ? 2 : 4);
      const method = v >= 1 ? uint(2) & 15 : 0;
      uint(2); // data reference index
      const base = uint(baseSize);
      const extents = uint(2);
      let first: [number, number] | null = null;
      for (let e = 0; e < extents; e++) {
        if (indexSize) uint(indexSize);
        const offset = uint(offsetSize);
        const length = uint(lengthSize);
        first ??= [base + offset, length];
      }
      if (id !== exifId || method !== 0 || !first) continue;
      const [start, length] = first;
      if (!(start + 4 <= b.length)) return null;
      // ExifDataBlock: a 32-bit offset to the TIFF header ("Exif\0\0" may come first), then the TIFF block.
      const tiff = start + 4 + b.readUInt32BE(start);
      return tiff < start + length && start + length <= b.length ? b.subarray(tiff, start + length) : null;
    }
    return null;
  } catch {
    return null;
  }
}
