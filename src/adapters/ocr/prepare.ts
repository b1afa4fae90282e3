import sharp from 'sharp';

/** Oriented, grayscale, at most `maxResolution` on the longest edge, as PNG: what both OCR engines read best. */
export async function ocrInput(image: Buffer, maxResolution: number): Promise<{ png: Buffer; scale: number }> {
  const meta = await sharp(image).metadata();
  const longest = Math.max(meta.width ?? 0, meta.height ?? 0) || maxResolution;
  const scale = Math.min(1, maxResolution / longest);
  const png = await sharp(image, { limitInputPixels: false })
    .rotate()
    .resize({ width: maxResolution, height: maxResolution, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .greyscale()
    .png({ compressionLevel: 1 })
    .toBuffer();
  return { png, scale };
}
