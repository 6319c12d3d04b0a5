// Provider, then voice — grouped by language, narrowed by a language filter and a search
// box, so a provider with hundreds of voices (espeak) stays usable.

import { useMemo, type Dispatch, type SetStateAction } from 'react';
import type { Voice } from '../api/types';
import { withVoice, type FormState } from '../session/form';
import { Field } from './Field';
import { defaultVoice, groupVoices, languageName, languagesOf, providersOf } from './voiceFilter';

interface Props {
  voices: Voice[];
  form: FormState;
  setForm: Dispatch<SetStateAction<FormState>>;
  error?: string | undefined;
}

export function VoicePicker({ voices, form, setForm, error }: Props) {
  const providers = useMemo(() => providersOf(voices), [voices]);
  const languages = useMemo(() => languagesOf(voices, form.provider), [voices, form.provider]);
  const groups = useMemo(
    () => groupVoices(voices, { provider: form.provider, language: form.language, search: form.search }),
    [voices, form.provider, form.language, form.search],
  );
  const shown = groups.reduce((n, [, list]) => n + list.length, 0);
  const ofProvider = providers.find((p) => p.key === form.provider)?.count ?? 0;

  /** Applies a filter change; if the chosen voice no longer matches, picks the first that does. */
  const filter = (patch: Partial<FormState>) =>
    setForm((f) => {
      const next = { ...f, ...patch };
      const g = groupVoices(voices, { provider: next.provider, language: next.language, search: next.search });
      const all = g.flatMap(([, list]) => list);
      if (all.some((v) => v.id === next.voiceId) || all.length === 0) return next;
      return withVoice(next, all[0]);
    });

  const chooseProvider = (provider: string) =>
    setForm((f) => withVoice({ ...f, provider, language: '', search: '' }, defaultVoice(voices, provider, [...navigator.languages])));

  const chooseVoice = (id: string) =>
    setForm((f) => withVoice(f, voices.find((v) => v.provider === f.provider && v.id === id)));

  return (
    <fieldset className="voice-picker">
      <legend>Voice</legend>
      <div className="row">
        <Field id="provider" label="Provider">
          <select value={form.provider} onChange={(e) => chooseProvider(e.target.value)} disabled={providers.length === 0}>
            {providers.map((p) => (
              <option key={p.key} value={p.key}>
                {p.key} ({p.count} {p.count === 1 ? 'voice' : 'voices'})
              </option>
            ))}
          </select>
        </Field>
        <Field id="language" label="Language">
          <select value={form.language} onChange={(e) => filter({ language: e.target.value })} disabled={languages.length < 2}>
            <option value="">All languages ({languages.length})</option>
            {languages.map((l) => (
              <option key={l.key} value={l.key}>
                {languageName(l.key)} — {l.key} ({l.count})
              </option>
            ))}
          </select>
        </Field>
      </div>
      <div className="row">
        <Field id="voice-search" label="Search voices" hint={`${shown} of ${ofProvider} voices shown`}>
          <input type="search" value={form.search} placeholder="name, id or language" onChange={(e) => filter({ search: e.target.value })} autoComplete="off" />
        </Field>
        <Field id="voice" label="Voice" error={error}>
          <select value={form.voiceId} onChange={(e) => chooseVoice(e.target.value)} disabled={shown === 0}>
            {shown === 0 && <option value="">No voice matches</option>}
            {groups.map(([lang, list]) => (
              <optgroup key={lang} label={`${languageName(lang)} (${lang})`}>
                {list.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.name === v.id ? v.name : `${v.name} — ${v.id}`}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </Field>
      </div>
    </fieldset>
  );
}
