// Narrowing hundreds of voices to a usable list: by provider, language and a free-text
// search over id, name and language (name in English too, "German" finds de). Pure.

import type { Voice } from '../api/types';

let names: Intl.DisplayNames | null = null;

/** "en-US" → "English (United States)"; the tag itself if the browser does not know it. */
export function languageName(tag: string): string {
  try {
    names ??= new Intl.DisplayNames(['en'], { type: 'language' });
    const name = names.of(tag);
    return name && name !== tag ? name : tag;
  } catch {
    return tag;
  }
}

export interface Count {
  key: string;
  count: number;
}

function counts(values: string[]): Count[] {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return [...m.entries()].map(([key, count]) => ({ key, count })).sort((a, b) => a.key.localeCompare(b.key));
}

export function providersOf(voices: readonly Voice[]): Count[] {
  return counts(voices.map((v) => v.provider));
}

export function languagesOf(voices: readonly Voice[], provider: string): Count[] {
  return counts(voices.filter((v) => v.provider === provider).map((v) => v.language));
}

export interface VoiceQuery {
  provider: string;
  /** '' for every language. */
  language: string;
  search: string;
}

/** Voices matching the query, grouped by language (groups and voices sorted). */
export function groupVoices(voices: readonly Voice[], q: VoiceQuery): [string, Voice[]][] {
  const terms = q.search.toLowerCase().split(/\s+/).filter(Boolean);
  const groups = new Map<string, Voice[]>();
  for (const v of voices) {
    if (v.provider !== q.provider) continue;
    if (q.language && v.language !== q.language) continue;
    const hay = `${v.id} ${v.name} ${v.language} ${languageName(v.language)}`.toLowerCase();
    if (!terms.every((t) => hay.includes(t))) continue;
    const list = groups.get(v.language) ?? [];
    list.push(v);
    groups.set(v.language, list);
  }
  return [...groups.entries()]
    .sort((a, b) => languageName(a[0]).localeCompare(languageName(b[0])))
    .map(([lang, list]) => [lang, list.sort((a, b) => a.name.localeCompare(b.name))]);
}

/** The voice to preselect for a provider: one for the browser's language if any, else the first. */
export function defaultVoice(voices: readonly Voice[], provider: string, preferred: readonly string[]): Voice | undefined {
  const mine = voices.filter((v) => v.provider === provider);
  for (const tag of preferred) {
    const exact = mine.find((v) => v.language.toLowerCase() === tag.toLowerCase());
    if (exact) return exact;
  }
  for (const tag of preferred) {
    const base = tag.split('-')[0]?.toLowerCase();
    const close = mine.find((v) => v.language.split('-')[0]?.toLowerCase() === base);
    if (close) return close;
  }
  return mine[0];
}
