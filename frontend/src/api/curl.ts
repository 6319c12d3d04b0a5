// A shell command that makes the same request as the page: create the session, then fetch
// the whole result from /file (curl cannot read the WebSocket stream). POSIX sh quoting.

import type { SessionRequest } from './types';
import { EXTENSION_BY_FORMAT } from './formats';

/** Quotes a string for a POSIX shell: single quotes, with embedded ones as '\''. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function buildCurl(base: string, req: SessionRequest): string {
  const ext = EXTENSION_BY_FORMAT[req.target_format] ?? 'bin';
  return [
    `BASE=${shellQuote(base.replace(/\/+$/, ''))}`,
    `SID=$(curl -sS -X POST "$BASE/v1/tts/sessions" -H 'Content-Type: application/json' \\`,
    `  -d ${shellQuote(JSON.stringify(req))} \\`,
    `  | sed -E 's/.*"session_id" *: *"([^"]+)".*/\\1/')`,
    `curl -sS -o ${shellQuote(`speech.${ext}`)} "$BASE/v1/tts/sessions/$SID/file?format=${encodeURIComponent(req.target_format)}"`,
  ].join('\n');
}
