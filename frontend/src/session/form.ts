// The session form's values and the request they make. Inputs stay strings while typed;
// `buildRequest` validates and converts them, naming the field at fault.

import type { SessionRequest, Voice } from '../api/types';
import { BITRATE_FORMATS } from '../api/formats';
import { DEFAULT_MAX_PENDING_SECONDS } from '../audio/jitter';

export interface FormState {
  text: string;
  provider: string;
  voiceId: string;
  /** Language filter of the voice list; '' for all. */
  language: string;
  search: string;
  format: string;
  sampleRate: string;
  speed: string;
  pitch: string;
  bitrate: string;
  /** Live buffer limit of the PCM-like players in seconds, or 'none'. */
  bufferLimit: string;
}

export const INITIAL_FORM: FormState = {
  text: 'Hello KeyReply! This is the text-to-speech gateway speaking.',
  provider: '',
  voiceId: '',
  language: '',
  search: '',
  format: 'pcm16',
  sampleRate: '',
  speed: '1',
  pitch: '1',
  bitrate: '',
  bufferLimit: String(DEFAULT_MAX_PENDING_SECONDS),
};

export const COMMON_RATES = [8000, 16000, 22050, 24000, 44100, 48000];

/** The voice's native rate first, then the common rates. */
export function sampleRateOptions(voice: Voice | undefined): number[] {
  const native = voice?.sample_rate_hz;
  const rest = COMMON_RATES.filter((r) => r !== native);
  return native ? [native, ...rest] : rest;
}

export type FieldErrors = Partial<Record<'text' | 'voice' | 'format' | 'sampleRate' | 'speed' | 'pitch' | 'bitrate', string>>;

export type Built = { ok: true; request: SessionRequest } | { ok: false; errors: FieldErrors };

function number(value: string): number | null {
  if (value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : NaN;
}

export function buildRequest(form: FormState, voice: Voice | undefined): Built {
  const errors: FieldErrors = {};
  if (form.text.trim() === '') errors.text = 'Enter some text to speak.';
  if (!voice) errors.voice = 'Choose a voice.';
  else if (!voice.supported_formats.includes(form.format)) errors.format = `${voice.name} does not offer ${form.format}.`;
  const rate = number(form.sampleRate) ?? voice?.sample_rate_hz ?? null;
  if (rate === null || !Number.isInteger(rate) || rate <= 0) errors.sampleRate = 'Sample rate must be a positive whole number of Hz.';
  const speed = number(form.speed);
  if (speed !== null && !(speed >= 0.25 && speed <= 4)) errors.speed = 'Speed must be between 0.25 and 4.';
  const pitch = number(form.pitch);
  if (pitch !== null && !(pitch >= 0.25 && pitch <= 4)) errors.pitch = 'Pitch must be between 0.25 and 4.';
  const bitrate = BITRATE_FORMATS.has(form.format) ? number(form.bitrate) : null;
  if (bitrate !== null && !(Number.isInteger(bitrate) && bitrate >= 6 && bitrate <= 512)) errors.bitrate = 'Bitrate must be a whole number of kbit/s from 6 to 512.';
  if (Object.keys(errors).length > 0 || !voice || rate === null) return { ok: false, errors };
  const request: SessionRequest = {
    provider: voice.provider,
    voice: voice.id,
    text: form.text,
    target_format: form.format,
    sample_rate_hz: rate,
    language: voice.language,
  };
  if (speed !== null && speed !== 1) request.speed = speed;
  if (pitch !== null && pitch !== 1) request.pitch = pitch;
  if (bitrate !== null) request.bitrate_kbps = bitrate;
  return { ok: true, request };
}

/** The live buffer limit in seconds (Infinity for none). */
export function bufferLimitSeconds(form: FormState): number {
  if (form.bufferLimit === 'none') return Infinity;
  const n = Number(form.bufferLimit);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_MAX_PENDING_SECONDS;
}

/** The form after choosing `voice`: keeps the format if the voice offers it, resets the rate. */
export function withVoice(form: FormState, voice: Voice | undefined): FormState {
  if (!voice) return { ...form, voiceId: '' };
  const format = voice.supported_formats.includes(form.format) ? form.format : (voice.supported_formats[0] ?? form.format);
  return { ...form, provider: voice.provider, voiceId: voice.id, format, sampleRate: '' };
}
