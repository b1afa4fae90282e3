/**
 * A DNG as cameras and Adobe's converter lay one out, written byte by byte (little-endian TIFF): IFD0 is the
 * preview (NewSubfileType 1, a baseline JPEG strip, Compression 7), with the camera's Make, Model and Orientation,
 * DNGVersion 1.4, an Exif IFD with DateTimeOriginal, and a SubIFD holding 16 × 16 of 16-bit CFA sensor data.
 * Without `preview`, IFD0 is that sensor data itself: a RAW with nothing Loupe can show.
 */
type Entry = [tag: number, type: 'byte' | 'ascii' | 'short' | 'long', values: number[] | string];

const TYPE = { byte: [1, 1], ascii: [2, 1], short: [3, 2], long: [4, 4] } as const;

export interface DngOptions {
  /** The embedded preview, a JPEG file; null for none. */
  preview: Buffer | null;
  previewSize?: [number, number];
  make?: string;
  model?: string;
  orientation?: number;
  /** 'YYYY:MM:DD HH:MM:SS' */
  taken?: string;
}

export function dngFile(o: DngOptions): Buffer {
  const sensor = Buffer.alloc(16 * 16 * 2, 0x40);
  const blobs: Buffer[] = [];
  const cfa = (subfile: number): Entry[] => [
    [254, 'long', [subfile]],
    [256, 'long', [16]],
    [257, 'long', [16]],
    [258, 'short', [16]],
    [259, 'short', [1]],
    [262, 'short', [32803]],
    [273, 'long', [blob(sensor)]],
    [277, 'short', [1]],
    [279, 'long', [sensor.length]],
  ];
  function blob(b: Buffer) {
    blobs.push(b);
    return -blobs.length; // resolved to a file offset when laid out
  }
  const exif: Entry[] = o.taken ? [[36867, 'ascii', `${o.taken}\0`]] : [];
  const camera: Entry[] = [
    ...(o.make ? ([[271, 'ascii', `${o.make}\0`]] as Entry[]) : []),
    ...(o.model ? ([[272, 'ascii', `${o.model}\0`]] as Entry[]) : []),
    [274, 'short', [o.orientation ?? 1]],
  ];
  const ifds: Entry[][] = [];
  if (o.preview) {
    const [w, h] = o.previewSize ?? [0, 0];
    ifds.push(
      [
        [254, 'long', [1]],
        [256, 'long', [w]],
        [257, 'long', [h]],
        [259, 'short', [7]],
        [262, 'short', [6]],
        [273, 'long', [blob(o.preview)]],
        [277, 'short', [3]],
        [279, 'long', [o.preview.length]],
        ...camera,
        [330, 'long', [-1000 - 1]], // SubIFD: the sensor data's IFD (ifds[1])
        ...(exif.length ? ([[34665, 'long', [-1000 - 2]]] as Entry[]) : []),
        [50706, 'byte', [1, 4, 0, 0]],
      ],
      cfa(0),
    );
  } else
    ifds.push([
      ...cfa(0),
      ...camera,
      ...(exif.length ? ([[34665, 'long', [-1000 - 1]]] as Entry[]) : []),
      [50706, 'byte', [1, 4, 0, 0]],
    ]);
  if (exif.length) ifds.push(exif);
  for (const ifd of ifds) ifd.sort((a, b) => a[0] - b[0]);

  // Layout: header, then each IFD with its out-of-line values, then the blobs.
  const ifdSize = (ifd: Entry[]) =>
    2 + ifd.length * 12 + 4 + ifd.reduce((n, e) => n + (bytesOf(e) > 4 ? bytesOf(e) + (bytesOf(e) % 2) : 0), 0);
  const ifdAt: number[] = [];
  let at = 8;
  for (const ifd of ifds) {
    ifdAt.push(at);
    at += ifdSize(ifd);
  }
  const blobAt: number[] = [];
  for (const b of blobs) {
    blobAt.push(at);
    at += b.length + (b.length % 2);
  }
  const out = Buffer.alloc(at);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(8, 4);
  const resolve = (v: number) => (v <= -1000 ? ifdAt[-v - 1000] : v < 0 ? blobAt[-v - 1] : v);
  ifds.forEach((ifd, i) => {
    let p = ifdAt[i];
    let extra = p + 2 + ifd.length * 12 + 4;
    out.writeUInt16LE(ifd.length, p);
    p += 2;
    for (const e of ifd) {
      const [tag, type, values] = e;
      const [code, size] = TYPE[type];
      const count = typeof values === 'string' ? values.length : values.length;
      out.writeUInt16LE(tag, p);
      out.writeUInt16LE(code, p + 2);
      out.writeUInt32LE(count, p + 4);
      const where = bytesOf(e) > 4 ? extra : p + 8;
      if (bytesOf(e) > 4) {
        out.writeUInt32LE(extra, p + 8);
        extra += bytesOf(e) + (bytesOf(e) % 2);
      }
      if (typeof values === 'string') out.write(values, where, 'latin1');
      else
        values.forEach((v, k) => {
          const x = resolve(v);
          if (size === 1) out.writeUInt8(x, where + k);
          else if (size === 2) out.writeUInt16LE(x, where + 2 * k);
          else out.writeUInt32LE(x, where + 4 * k);
        });
      p += 12;
    }
    out.writeUInt32LE(0, p); // no next IFD
  });
  blobs.forEach((b, i) => b.copy(out, blobAt[i]));
  return out;
}

function bytesOf([, type, values]: Entry): number {
  return TYPE[type][1] * (typeof values === 'string' ? values.length : values.length);
}
