/**
 * File names that are not UTF-8 (a Linux name is any bytes) as strings that survive a round trip through the
 * database: each byte that is not part of valid UTF-8 becomes one private-use character U+10FE80..U+10FEFF,
 * and is turned back into that byte before the name reaches the filesystem.
 */
const BASE = 0x10fe00;
const MARK = /[\u{10fe80}-\u{10feff}]/u;
const strict = new TextDecoder('utf-8', { fatal: true });

/** A directory entry's raw name as a string (lossless). */
export function nameFromBytes(bytes: Buffer): string {
  try {
    return strict.decode(bytes);
  } catch {
    let out = '';
    for (let i = 0; i < bytes.length;) {
      const lead = bytes[i];
      const len =
        lead < 0x80
          ? 1
          : lead >= 0xc2 && lead <= 0xdf
            ? 2
            : lead >= 0xe0 && lead <= 0xef
              ? 3
              : lead >= 0xf0 && lead <= 0xf4
                ? 4
                : 0;
      const seq = len ? bytes.subarray(i, i + len) : null;
      let ch: string | null = null;
      if (seq && seq.length === len)
        try {
          ch = strict.decode(seq);
        } catch {
          ch = null;
        }
      if (ch !== null) {
        out += ch;
        i += len;
      } else {
        out += String.fromCodePoint(BASE + bytes[i]);
        i += 1;
      }
    }
    return out;
  }
}

/** The path to give the filesystem: the string itself, or its exact bytes when it carries raw bytes. */
export function fsPath(p: string): string | Buffer {
  if (!MARK.test(p)) return p;
  const parts: Buffer[] = [];
  for (const ch of p) {
    const cp = ch.codePointAt(0)!;
    parts.push(cp >= BASE + 0x80 && cp <= BASE + 0xff ? Buffer.from([cp - BASE]) : Buffer.from(ch, 'utf8'));
  }
  return Buffer.concat(parts);
}
