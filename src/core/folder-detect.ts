/**
 * Detect a folder filter from a free-text query: "show me nature photos" → folder `nature`
 * when exactly one known folder name (its last path segment, singular or plural,
 * case-insensitive) appears as a word in the query.
 */
export function detectFolder(query: string, folders: readonly string[]): string | null {
  const words = new Set(query.toLowerCase().match(/[\p{L}\p{N}_-]+/gu) ?? []);
  const matches = new Set<string>();
  for (const folder of folders) {
    if (!folder) continue;
    const name = folder.split('/').pop()!.toLowerCase();
    if (formsOf(name).some((form) => words.has(form))) matches.add(folder);
  }
  // Ambiguous (several folders match) means no filter: better too many results than a wrong filter.
  return matches.size === 1 ? [...matches][0] : null;
}

/** Singular and plural forms of a word, enough for folder names ("cat"/"cats", "city"/"cities", "box"/"boxes"). */
export function formsOf(word: string): string[] {
  const forms = new Set([word]);
  if (word.endsWith('ies') && word.length > 4) forms.add(word.slice(0, -3) + 'y');
  else if (/(s|x|z|ch|sh)es$/.test(word)) forms.add(word.slice(0, -2));
  else if (word.endsWith('s') && !word.endsWith('ss') && word.length > 3) forms.add(word.slice(0, -1));
  if (/[^aeiou]y$/.test(word)) forms.add(word.slice(0, -1) + 'ies');
  else if (/(s|x|z|ch|sh)$/.test(word)) forms.add(word + 'es');
  else if (!word.endsWith('s')) forms.add(word + 's');
  return [...forms];
}
