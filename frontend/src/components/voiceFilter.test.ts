import { describe, expect, it } from 'vitest';
import type { Voice } from '../api/types';
import { defaultVoice, groupVoices, languageName, languagesOf, providersOf } from './voiceFilter';

const v = (provider: string, id: string, language: string, name = id): Voice => ({
  id,
  name,
  language,
  provider,
  sample_rate_hz: 22050,
  supported_formats: ['pcm16', 'wav'],
});

const VOICES = [
  v('mock_tone', 'en-US-mock-1', 'en-US', 'Mock Tone Voice'),
  v('espeak', 'de', 'de', 'German'),
  v('espeak', 'en-us', 'en-US', 'English (America)'),
  v('espeak', 'en-gb', 'en-GB', 'English (Great Britain)'),
  v('espeak', 'fr-fr', 'fr-FR', 'French (France)'),
];

describe('voice filtering', () => {
  it('lists providers and languages with counts', () => {
    expect(providersOf(VOICES)).toEqual([
      { key: 'espeak', count: 4 },
      { key: 'mock_tone', count: 1 },
    ]);
    expect(languagesOf(VOICES, 'espeak').map((l) => l.key)).toEqual(['de', 'en-GB', 'en-US', 'fr-FR']);
  });

  it('groups a provider’s voices by language', () => {
    const groups = groupVoices(VOICES, { provider: 'espeak', language: '', search: '' });
    expect(groups.map(([lang]) => lang)).toEqual(['en-GB', 'en-US', 'fr-FR', 'de'].sort((a, b) => languageName(a).localeCompare(languageName(b))));
    expect(groups.flatMap(([, list]) => list).length).toBe(4);
  });

  it('searches id, name and the language’s English name, all terms required', () => {
    const ids = (search: string, language = '') =>
      groupVoices(VOICES, { provider: 'espeak', language, search }).flatMap(([, l]) => l.map((x) => x.id));
    expect(ids('german')).toEqual(['de']);
    expect(ids('english britain')).toEqual(['en-gb']);
    expect(ids('EN-')).toEqual(expect.arrayContaining(['en-us', 'en-gb']));
    expect(ids('', 'fr-FR')).toEqual(['fr-fr']);
    expect(ids('nothing matches')).toEqual([]);
  });

  it('prefers a voice for the browser’s language', () => {
    expect(defaultVoice(VOICES, 'espeak', ['en-GB', 'en'])?.id).toBe('en-gb');
    expect(defaultVoice(VOICES, 'espeak', ['fr-CA'])?.id).toBe('fr-fr');
    expect(defaultVoice(VOICES, 'espeak', ['ja'])?.id).toBe('de');
    expect(defaultVoice(VOICES, 'nobody', ['en'])).toBeUndefined();
  });
});
