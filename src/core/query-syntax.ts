/**
 * The search box's little language: plain words and "quoted phrases" are searched; `-word` excludes;
 * `key:value` filters (values may be quoted: `camera:"canon eos"`). Everything else is free text.
 *
 *   folder:x  tag:y  has:text|caption|gps|labels  is:portrait|landscape|square
 *   after:2019-06  before:2020  year:2021  taken:2021-07-14
 *   camera:pixel  near:LAT,LON[,KM]  country:france  type:png  minwidth:1920  minheight:1080
 */
import { LoupeError } from './errors.js';
import {
  HAS_VALUES,
  ORIENTATIONS,
  normaliseFormat,
  parseMinSize,
  parseNear,
  periodOf,
  type HasValue,
  type ImageFilters,
  type Orientation,
} from './filters.js';

export interface ParsedQuery {
  /** Words and phrases to look for, quotes removed: what the vector side embeds. */
  text: string;
  phrases: string[];
  exclude: string[];
  filters: ImageFilters;
}

const TOKEN = /(-?)(?:([a-z]+):)?"([^"]*)"|(\S+)/gi;
const KEY_VALUE = /^([a-z]+):(.+)$/i;

export function parseQuery(input: string): ParsedQuery {
  const q: ParsedQuery = { text: '', phrases: [], exclude: [], filters: {} };
  const words: string[] = [];
  for (const m of input.matchAll(TOKEN)) {
    const [, minus, quotedKey, phrase, word] = m;
    if (phrase !== undefined) {
      const value = phrase.trim();
      if (quotedKey !== undefined) {
        if (!applyFilter(q.filters, quotedKey, value)) words.push(`${quotedKey}:${value}`);
      } else if (!value) continue;
      else if (minus) q.exclude.push(value);
      else {
        q.phrases.push(value);
        words.push(value);
      }
      continue;
    }
    const filter = KEY_VALUE.exec(word);
    if (filter && applyFilter(q.filters, filter[1], filter[2])) continue;
    if (word.startsWith('-') && word.length > 1) {
      q.exclude.push(word.slice(1));
      continue;
    }
    words.push(word);
  }
  q.text = words.join(' ');
  // Each exclusion and phrase is a condition on every candidate image: a query may not ask for more than people type.
  for (const [list, what, most] of [
    [q.exclude, 'exclusions (-word)', MAX_EXCLUSIONS],
    [q.phrases, '"quoted phrases"', MAX_PHRASES],
  ] as const)
    if (list.length > most)
      throw new LoupeError('BAD_ARGUMENT', {
        message: `the query has ${list.length} ${what}; at most ${most} are searched: keep the ones that matter`,
      });
  return q;
}

/** Most exclusions and phrases one query may hold. */
export const MAX_EXCLUSIONS = 20;
export const MAX_PHRASES = 10;

/**
 * Adds one `key:value` to the filters. @returns false when the key is not a filter (the token is then a word).
 * A filter key with a value it cannot read is an error that says how to write it.
 */
function applyFilter(f: ImageFilters, rawKey: string, value: string): boolean {
  const key = rawKey.toLowerCase();
  switch (key) {
    case 'folder':
      f.folder = value.replace(/^\/+|\/+$/g, '');
      return true;
    case 'tag':
      (f.tags ??= []).push(value);
      return true;
    case 'has':
      if (!HAS_VALUES.includes(value.toLowerCase() as HasValue)) return false;
      f.has = [...new Set([...(f.has ?? []), value.toLowerCase() as HasValue])];
      return true;
    case 'is':
      if (!ORIENTATIONS.includes(value.toLowerCase() as Orientation)) return false;
      f.orientation = value.toLowerCase() as Orientation;
      return true;
    case 'after':
      f.takenAfter = periodOf(value, 'after:').start.toISOString();
      return true;
    case 'before':
      f.takenBefore = periodOf(value, 'before:').start.toISOString();
      return true;
    case 'year':
    case 'taken': {
      if (key === 'year' && !/^\d{4}$/.test(value))
        throw new LoupeError('BAD_ARGUMENT', {
          message: `year:${value} is not a year: write four digits (e.g. year:2021)`,
        });
      const { start, end } = periodOf(value, `${key}:`);
      f.takenAfter = start.toISOString();
      f.takenBefore = end.toISOString();
      return true;
    }
    case 'camera':
      f.camera = value;
      return true;
    case 'near':
      f.near = parseNear(value);
      return true;
    case 'country':
    case 'place':
      f.country = value;
      return true;
    case 'type':
      f.formats = [...new Set([...(f.formats ?? []), normaliseFormat(value)])];
      return true;
    case 'minwidth':
      f.minWidth = parseMinSize(value, key);
      return true;
    case 'minheight':
      f.minHeight = parseMinSize(value, key);
      return true;
    default:
      return false;
  }
}
