/**
 * The search box's little language: plain words and "quoted phrases" are searched; `-word` excludes;
 * `folder:x`, `tag:y` and `has:text` filter. Everything else is free text.
 */
export interface ParsedQuery {
  /** Words and phrases to look for, quotes removed: what the vector side embeds. */
  text: string;
  /** The same in web-search syntax (quotes, -exclusions kept): what full text search parses. */
  fullText: string;
  phrases: string[];
  exclude: string[];
  folder: string | null;
  tags: string[];
  hasText: boolean;
}

const TOKEN = /(-?)"([^"]*)"|(\S+)/g;

export function parseQuery(input: string): ParsedQuery {
  const q: ParsedQuery = { text: '', fullText: '', phrases: [], exclude: [], folder: null, tags: [], hasText: false };
  const words: string[] = [];
  const full: string[] = [];
  for (const m of input.matchAll(TOKEN)) {
    const [, minus, phrase, word] = m;
    if (phrase !== undefined) {
      if (!phrase.trim()) continue;
      if (minus) {
        q.exclude.push(phrase.trim());
        full.push(`-"${phrase.trim()}"`);
      } else {
        q.phrases.push(phrase.trim());
        words.push(phrase.trim());
        full.push(`"${phrase.trim()}"`);
      }
      continue;
    }
    const filter = /^(folder|tag|has):(.+)$/i.exec(word);
    if (filter) {
      const [, key, value] = filter;
      if (key.toLowerCase() === 'folder') q.folder = value.replace(/^\/+|\/+$/g, '');
      else if (key.toLowerCase() === 'tag') q.tags.push(value);
      else if (value.toLowerCase() === 'text') q.hasText = true;
      else words.push(word), full.push(word);
      continue;
    }
    if (word.startsWith('-') && word.length > 1) {
      q.exclude.push(word.slice(1));
      full.push(word);
      continue;
    }
    words.push(word);
    full.push(word);
  }
  q.text = words.join(' ');
  q.fullText = full.join(' ');
  return q;
}
