/** Place names for filters: offline, no network. */
export interface Places {
  /** A country written as a code (FR, FRA), a name (France) or a common alias (UK): its ISO 3166-1 alpha-2 code. Throws BAD_ARGUMENT when unknown. */
  countryCode(name: string): Promise<string>;
  /** Every country's outline as one SVG path, equirectangular in a 360 × 180 view box (x = lon + 180, y = 90 − lat). */
  outlines(): Promise<string>;
}
