/** heic-decode ships plain JS: libheif's WASM build behind a promise API. */
declare module 'heic-decode' {
  interface Decoded {
    width: number;
    height: number;
    /** RGBA, row by row. */
    data: Uint8ClampedArray;
  }
  interface TopLevelImage {
    width: number;
    height: number;
    decode(): Promise<Decoded>;
  }
  const decode: {
    (o: { buffer: Uint8Array | ArrayBuffer }): Promise<Decoded>;
    /** Every top-level image, undecoded until asked; `dispose` frees them. */
    all(o: { buffer: Uint8Array | ArrayBuffer }): Promise<TopLevelImage[] & { dispose(): void }>;
  };
  export default decode;
}
