// The gateway's HTTP endpoints. Every call resolves to a value or a `Failure`; nothing
// here throws for an HTTP status, so callers can count causes without try/catch.

import { authHeaders } from './auth';
import { apiUrl } from './config';
import { detailText, parseRetryAfter, type Failure } from './errors';
import type { CreatedSession, Normalized, SessionRequest, Voice } from './types';

export type Result<T> = { ok: true; value: T } | { ok: false; failure: Failure };

async function failureFrom(res: Response): Promise<Failure> {
  let detail = '';
  try {
    const text = await res.text();
    try {
      detail = detailText(JSON.parse(text));
    } catch {
      detail = text.slice(0, 200);
    }
  } catch {
    // Body unreadable: the status says enough.
  }
  return {
    kind: 'http',
    status: res.status,
    detail,
    retryAfterSeconds: parseRetryAfter(res.headers.get('Retry-After')),
  };
}

async function request(path: string, init: RequestInit = {}): Promise<Result<Response>> {
  let res: Response;
  try {
    const headers = { ...(await authHeaders()), ...((init.headers as Record<string, string> | undefined) ?? {}) };
    res = await fetch(apiUrl(path), { ...init, headers });
  } catch (err) {
    if (init.signal?.aborted) return { ok: false, failure: { kind: 'client', message: 'Stopped.' } };
    return { ok: false, failure: { kind: 'network', message: err instanceof Error ? err.message : String(err) } };
  }
  if (!res.ok) return { ok: false, failure: await failureFrom(res) };
  return { ok: true, value: res };
}

async function json<T>(res: Result<Response>): Promise<Result<T>> {
  if (!res.ok) return res;
  try {
    return { ok: true, value: (await res.value.json()) as T };
  } catch {
    return { ok: false, failure: { kind: 'client', message: 'The gateway answered with something that is not JSON.' } };
  }
}

/** `GET /v1/voices`: every voice of every provider. */
export async function listVoices(signal?: AbortSignal): Promise<Result<Voice[]>> {
  const res = await json<{ voices?: Voice[] }>(await request('/v1/voices', { signal: signal ?? null }));
  if (!res.ok) return res;
  return { ok: true, value: Array.isArray(res.value.voices) ? res.value.voices : [] };
}

/** `POST /v1/tts/sessions`. */
export async function createSession(body: SessionRequest, signal?: AbortSignal): Promise<Result<CreatedSession>> {
  return json<CreatedSession>(
    await request('/v1/tts/sessions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: signal ?? null,
    }),
  );
}

/** `POST /v1/tts/normalize`: what the gateway will say for `text` (in the voice's language). */
export async function normalize(text: string, voice: string | undefined, signal?: AbortSignal): Promise<Result<Normalized>> {
  return json<Normalized>(
    await request('/v1/tts/normalize', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(voice ? { text, voice } : { text }),
      signal: signal ?? null,
    }),
  );
}

/** `GET /metrics` as Prometheus text. */
export async function fetchMetricsText(signal?: AbortSignal): Promise<Result<string>> {
  const res = await request('/metrics', { signal: signal ?? null, cache: 'no-store' });
  if (!res.ok) return res;
  return { ok: true, value: await res.value.text() };
}
