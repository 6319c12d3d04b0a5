// Credentials for a gateway with API keys on (docs/AUTH.md). The page holds no long-lived
// key of its own: it asks its own origin for a short-lived token (`POST /v1/auth/ui-token`,
// open only when the operator set UI_KEY), or a developer pastes a key, which is kept in
// this tab's sessionStorage only and traded for tokens for the WebSockets (a browser cannot
// set headers there). With keys off the gateway answers 404 and nothing is sent.

import { apiUrl } from './config';

const STORAGE = 'tts-api-key';
/** A token is renewed this long before it expires. */
const RENEW_MARGIN_SECONDS = 15;

let pastedKey: string | null = readStored();
let token: { value: string; expiresAt: number } | null = null;
let keysOff = false;

function readStored(): string | null {
  try {
    return typeof sessionStorage !== 'undefined' ? sessionStorage.getItem(STORAGE) : null;
  } catch {
    return null;
  }
}

/** The key the developer pasted, if any. */
export function apiKey(): string | null {
  return pastedKey;
}

/** Uses `key` (or, with null or '', the page's own token again) from now on. */
export function setApiKey(key: string | null): void {
  pastedKey = key && key.trim() ? key.trim() : null;
  token = null;
  keysOff = false;
  try {
    if (pastedKey) sessionStorage.setItem(STORAGE, pastedKey);
    else sessionStorage.removeItem(STORAGE);
  } catch {
    // Storage refused (private mode): the key lives in memory for this page only.
  }
}

/** A token for the UI's doors, or null (keys off, or none could be had). */
async function currentToken(): Promise<string | null> {
  if (keysOff) return null;
  const now = Date.now() / 1000;
  if (token && token.expiresAt - RENEW_MARGIN_SECONDS > now) return token.value;
  let res: Response;
  try {
    res = pastedKey
      ? await fetch(apiUrl('/v1/auth/tokens'), {
          method: 'POST',
          headers: { Authorization: `Bearer ${pastedKey}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ doors: ['session', 'file', 'realtime'] }),
        })
      : await fetch(apiUrl('/v1/auth/ui-token'), { method: 'POST' });
  } catch {
    return null;
  }
  if (res.status === 404) {
    keysOff = true;
    return null;
  }
  // Refused (a wrong key, no UI_KEY): the request itself then gets the gateway's own 401,
  // which says what is wrong.
  if (!res.ok) return null;
  try {
    const v = (await res.json()) as { token?: unknown; expires_at?: unknown };
    if (typeof v.token !== 'string' || typeof v.expires_at !== 'number') return null;
    token = { value: v.token, expiresAt: v.expires_at };
    return token.value;
  } catch {
    return null;
  }
}

/** The `Authorization` header of an HTTP request, if one is needed. */
export async function authHeaders(): Promise<Record<string, string>> {
  if (pastedKey) return { Authorization: `Bearer ${pastedKey}` };
  const t = await currentToken();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

/** `wsUrl` with a `token` query parameter, if one is needed. */
export async function withToken(wsUrl: string): Promise<string> {
  const t = await currentToken();
  if (!t) return wsUrl;
  const url = new URL(wsUrl);
  url.searchParams.set('token', t);
  return url.toString();
}
