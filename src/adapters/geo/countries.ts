/**
 * Countries from coordinates and from names, offline: @rapideditor/country-coder's borders (the ones the
 * OpenStreetMap iD editor uses), a few hundred KB of data and no network.
 */
import * as countryCoder from '@rapideditor/country-coder';
import { LoupeError } from '../../core/errors.js';

/** The ISO 3166-1 alpha-2 code of the country at a point, or undefined at sea. */
export function countryAt(lat: number, lon: number): string | undefined {
  return countryCoder.iso1A2Code([lon, lat], { level: 'territory' }) ?? undefined;
}

let byName: Map<string, string> | null = null;

/** A country written as a code (FR, FRA), an English name (France) or a common alias (UK, USA): its alpha-2 code. */
export function countryCode(query: string): string {
  const q = query.trim();
  const direct = countryCoder.iso1A2Code(q, { level: 'territory' });
  if (direct) return direct;
  byName ??= new Map(
    countryCoder.featuresIn('001', false).flatMap((f) => {
      const p = f.properties;
      // Parts without a code of their own (Netherlands in Europe, England) count as the country they belong to.
      const code = p.iso1A2 ?? countryCoder.iso1A2Code(p.id, { level: 'country' });
      if (!code) return [];
      return [p.nameEn, ...(p.aliases ?? [])].filter(Boolean).map((n) => [normalise(n), code] as [string, string]);
    }),
  );
  for (const [alias, code] of Object.entries(COMMON_NAMES)) if (!byName.has(alias)) byName.set(alias, code);
  const name = normalise(q).replace(/^the /, '');
  // An exact name, else the one country whose name starts with what was written ("united states").
  const starts = [...new Set([...byName].filter(([n]) => n.startsWith(name + ' ')).map(([, c]) => c))];
  const code = byName.get(name) ?? (starts.length === 1 ? starts[0] : undefined);
  if (!code)
    throw new LoupeError('BAD_ARGUMENT', {
      message: `country:${query} is not a country Loupe knows: write its English name or ISO code (e.g. country:france, country:FR)`,
    });
  return code;
}

/** Names people use that the borders data spells otherwise. */
const COMMON_NAMES: Record<string, string> = {
  holland: 'NL',
  netherlands: 'NL',
  'united states': 'US',
  america: 'US',
  usa: 'US',
  'great britain': 'GB',
  britain: 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'south korea': 'KR',
  'north korea': 'KP',
  russia: 'RU',
  czechia: 'CZ',
};

function normalise(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

let outlines: string | null = null;

/**
 * Every country's outline as one SVG path in an equirectangular projection (x = longitude + 180, y = 90 − latitude,
 * so a 360 × 180 view box), to 0.1°: the map the web UI draws offline, from the same borders data.
 */
export function worldOutlines(): string {
  if (outlines !== null) return outlines;
  const parts: string[] = [];
  const ring = (points: number[][]) => {
    let d = '';
    let last = '';
    for (const [lon, lat] of points) {
      const p = `${(lon + 180).toFixed(1)} ${(90 - lat).toFixed(1)}`;
      if (p === last) continue;
      d += `${d ? 'L' : 'M'}${p}`;
      last = p;
    }
    return d ? `${d}Z` : '';
  };
  for (const f of countryCoder.borders.features) {
    const g = f.geometry as { type: string; coordinates: number[][][][] } | null;
    if (!g || !f.properties.iso1A2) continue;
    for (const polygon of g.type === 'MultiPolygon' ? g.coordinates : [g.coordinates as unknown as number[][][]])
      for (const r of polygon) parts.push(ring(r));
  }
  outlines = parts.join('');
  return outlines;
}
