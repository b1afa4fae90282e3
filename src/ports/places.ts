/** Place names for filters: offline, no network. */
export interface Places {
  /** A country written as a code (FR, FRA), a name (France) or a common alias (UK): its ISO 3166-1 alpha-2 code. Throws BAD_ARGUMENT when unknown. */
  countryCode(name: string): Promise<string>;
}
