// The session form: text, voice, format, sample rate, advanced options, Start and Stop.
// Ctrl+Enter (⌘+Enter) in the text box starts, as Enter would in a single-line form.

import type { Dispatch, FormEvent, KeyboardEvent, SetStateAction } from 'react';
import { BITRATE_FORMATS, FORMAT_LABELS } from '../api/formats';
import type { Voice } from '../api/types';
import { choosePlaybackMethod, MSE_TYPES, type Capabilities } from '../audio/playbackMethod';
import { sampleRateOptions, type FieldErrors, type FormState } from '../session/form';
import { Field } from './Field';
import { useCapabilities } from './hooks';
import { VoicePicker } from './VoicePicker';

interface Props {
  voices: Voice[];
  voice: Voice | undefined;
  form: FormState;
  setForm: Dispatch<SetStateAction<FormState>>;
  errors: FieldErrors;
  onSubmit(e?: FormEvent): void;
  onStop(): void;
  busy: boolean;
  canStop: boolean;
}

/** How a format will be played here, in a few words. */
export function playbackHint(format: string, caps: Capabilities | null): string {
  if (!caps) return '';
  switch (choosePlaybackMethod(format, caps)) {
    case 'pcm':
      return 'Plays live through Web Audio as chunks arrive.';
    case 'mse':
      return `Plays live through MediaSource (${MSE_TYPES[format] ?? ''}).`;
    case 'webcodecs-opus':
      return 'Plays live: Ogg pages demuxed here, Opus decoded with WebCodecs.';
    case 'progressive':
      return 'Plays while streaming by decoding what has arrived every half second.';
    case 'none':
      return 'This browser cannot play this format; the stream is still measured and can be downloaded.';
  }
}

export function SessionForm({ voices, voice, form, setForm, errors, onSubmit, onStop, busy, canStop }: Props) {
  const caps = useCapabilities();
  const set = (patch: Partial<FormState>) => setForm((f) => ({ ...f, ...patch }));
  const onTextKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      onSubmit();
    }
  };
  const formats = voice?.supported_formats ?? [];
  const rates = sampleRateOptions(voice);
  const bitrateApplies = BITRATE_FORMATS.has(form.format);

  return (
    <form onSubmit={onSubmit} noValidate aria-label="Synthesis request">
      <Field id="text" label="Text" hint={`${form.text.length} characters · Ctrl+Enter to start`} error={errors.text}>
        <textarea rows={3} value={form.text} onChange={(e) => set({ text: e.target.value })} onKeyDown={onTextKey} />
      </Field>
      <VoicePicker voices={voices} form={form} setForm={setForm} error={errors.voice} />
      <div className="row">
        <Field id="format" label="Format" hint={playbackHint(form.format, caps)} error={errors.format}>
          <select value={form.format} onChange={(e) => set({ format: e.target.value })} disabled={formats.length === 0}>
            {formats.map((f) => (
              <option key={f} value={f}>
                {FORMAT_LABELS[f] ?? f}
              </option>
            ))}
          </select>
        </Field>
        <Field id="sample-rate" label="Sample rate" error={errors.sampleRate}>
          <select value={form.sampleRate} onChange={(e) => set({ sampleRate: e.target.value })} disabled={!voice}>
            {rates.map((r, i) => (
              <option key={r} value={i === 0 && voice ? '' : String(r)}>
                {r.toLocaleString('en-US')} Hz{i === 0 && voice ? ' (native)' : ''}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <details className="advanced">
        <summary>Advanced options</summary>
        <div className="row">
          <Field id="speed" label="Speed" hint="1 = normal" error={errors.speed}>
            <input type="number" inputMode="decimal" min={0.25} max={4} step={0.05} value={form.speed} onChange={(e) => set({ speed: e.target.value })} />
          </Field>
          <Field id="pitch" label="Pitch" hint="1 = normal" error={errors.pitch}>
            <input type="number" inputMode="decimal" min={0.25} max={4} step={0.05} value={form.pitch} onChange={(e) => set({ pitch: e.target.value })} />
          </Field>
          <Field
            id="bitrate"
            label="Bitrate (kbit/s)"
            hint={bitrateApplies ? 'Empty = gateway default' : 'Only for MP3, Opus and AAC'}
            error={errors.bitrate}
          >
            <input type="number" inputMode="numeric" min={6} max={512} step={1} value={form.bitrate} disabled={!bitrateApplies} onChange={(e) => set({ bitrate: e.target.value })} />
          </Field>
          <Field
            id="buffer-limit"
            label="Live buffer limit"
            hint="PCM audio that may wait to play, beyond the 2 s queued in Web Audio; chunks over it are dropped"
          >
            <select value={form.bufferLimit} onChange={(e) => set({ bufferLimit: e.target.value })}>
              <option value="10">10 s</option>
              <option value="30">30 s</option>
              <option value="120">120 s (default)</option>
              <option value="600">600 s</option>
              <option value="none">No limit</option>
            </select>
          </Field>
        </div>
      </details>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || voices.length === 0}>
          {busy ? 'Streaming…' : 'Start'}
        </button>
        <button type="button" className="danger" onClick={onStop} disabled={!canStop}>
          Stop
        </button>
      </div>
    </form>
  );
}
