// Failures of a session, each with a short cause label (the stress histogram's buckets,
// the same labels as the original client: `HTTP 429`, `WS 503`, `WS transport error`…)
// and a sentence a person understands.

export type Failure =
  | { kind: 'http'; status: number; detail: string; retryAfterSeconds: number | null }
  | { kind: 'network'; message: string }
  | { kind: 'ws-error'; code: number; message: string }
  | { kind: 'ws-transport'; closeCode: number; reason: string }
  | { kind: 'timeout'; seconds: number }
  | { kind: 'client'; message: string };

/** The histogram bucket of a failure. */
export function failureCause(f: Failure): string {
  switch (f.kind) {
    case 'http':
      return `HTTP ${f.status}`;
    case 'network':
      return 'Network error';
    case 'ws-error':
      return `WS ${f.code}`;
    case 'ws-transport':
      return 'WS transport error';
    case 'timeout':
      return 'Timeout';
    case 'client':
      return 'Client error';
  }
}

/** FastAPI's `detail`: a string, or a list of `{loc, msg}` validation errors. */
export function detailText(body: unknown): string {
  if (body && typeof body === 'object' && 'detail' in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === 'string') return detail;
    if (Array.isArray(detail)) {
      return detail
        .map((d: unknown) => {
          if (!d || typeof d !== 'object') return String(d);
          const { loc, msg } = d as { loc?: unknown; msg?: unknown };
          const where = Array.isArray(loc) ? loc.filter((p) => p !== 'body').join('.') : '';
          return where ? `${where}: ${String(msg)}` : String(msg);
        })
        .join('; ');
    }
    return JSON.stringify(detail);
  }
  return '';
}

/** `Retry-After` in seconds (delta form or HTTP date), or null. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function withDetail(sentence: string, detail: string): string {
  return detail ? `${sentence} (${detail})` : sentence;
}

/** One sentence saying what went wrong and, where possible, what to do about it. */
export function describeFailure(f: Failure): string {
  switch (f.kind) {
    case 'http': {
      const tag = `HTTP ${f.status}`;
      if (f.status === 401) {
        return withDetail(`API key refused (${tag}): paste a valid key in the API key field`, f.detail) + '.';
      }
      if (f.status === 403) return withDetail(`Not allowed (${tag})`, f.detail) + '.';
      if (f.status === 429 && f.detail.includes('limit reached')) {
        const retry = f.retryAfterSeconds != null ? `; retry in ${f.retryAfterSeconds} s` : '';
        return `Key limit reached (${tag}): ${f.detail.replace(/; retry.*$/, '')}${retry}.`;
      }
      if (f.status === 429) {
        const retry = f.retryAfterSeconds != null ? `; retry in ${f.retryAfterSeconds} s` : '; retry later';
        return `Rate limited (${tag}): too many sessions from your address${retry}.`;
      }
      if (f.status === 422) return withDetail(`Invalid request (${tag}): check the fields`, f.detail) + '.';
      if (f.status === 400) return `Request refused (${tag}): ${f.detail || 'the gateway did not accept it'}.`;
      if (f.status === 404) return `Not found (${tag}): ${f.detail || 'the gateway has no such endpoint'}.`;
      if (f.status === 503) return withDetail(`Gateway busy (${tag}): try again in a moment`, f.detail) + '.';
      if (f.status >= 500) return withDetail(`Gateway error (${tag})`, f.detail) + '.';
      return withDetail(`Request failed (${tag})`, f.detail) + '.';
    }
    case 'network':
      return `Cannot reach the gateway: ${f.message}. Is it running?`;
    case 'ws-error': {
      const tag = `WS ${f.code}`;
      if (f.code === 503) return withDetail(`Gateway busy (${tag}): the streaming queue is full; try again in a moment`, f.message) + '.';
      if (f.code === 404) return withDetail(`Session not found (${tag}): it may have expired; start again`, f.message) + '.';
      if (f.code === 400 || f.code === 422) return `Request refused (${tag}): ${f.message || 'bad request'}.`;
      if (f.code === 429) return withDetail(`Rate limited (${tag})`, f.message) + '.';
      return withDetail(`Synthesis failed (${tag})`, f.message) + '.';
    }
    case 'ws-transport': {
      if (f.closeCode === 1008) return `Refused by the gateway (WS close 1008): ${f.reason || 'policy'}.`;
      const reason = f.reason ? `, ${f.reason}` : '';
      return `Connection lost (WS transport error, close code ${f.closeCode}${reason}) before the end of the stream.`;
    }
    case 'timeout':
      return `Timed out: the stream did not finish within ${f.seconds} s.`;
    case 'client':
      return f.message;
  }
}
