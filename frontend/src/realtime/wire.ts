// The realtime socket's messages (docs/PROTOCOL.md, "Realtime WebSocket"): what the page
// sends, and the server's frames parsed into a union. A frame that is not of the contract
// parses to null and is counted by the caller, never thrown.

export interface WordTiming {
  word: string;
  start_ms: number;
  end_ms: number;
  /** UTF-8 byte offsets into all the text the context received. */
  text_start: number;
  text_end: number;
}

/** Settings carried by a context's first `speak`. */
export interface ContextSettings {
  voice: string;
  provider?: string;
  format: string;
  sample_rate_hz: number;
  word_timestamps: boolean;
  max_buffer_delay_ms: number;
  /** Ask for a `cache` frame before each sentence's audio. */
  cache_info?: boolean;
}

export type ClientMessage =
  | ({ type: 'speak'; context_id: string; text: string } & Partial<ContextSettings>)
  | { type: 'flush' | 'close' | 'cancel'; context_id: string };

export type ServerFrame =
  | { type: 'audio'; context_id: string; seq: number; data: string }
  | { type: 'timestamps'; context_id: string; words: WordTiming[] }
  | { type: 'cache'; context_id: string; hit: boolean; text_start: number; text_end: number }
  | { type: 'flushed' | 'done' | 'cancelled'; context_id: string }
  | { type: 'error'; context_id: string | null; code: number; message: string };

function isWord(w: unknown): w is WordTiming {
  if (!w || typeof w !== 'object') return false;
  const o = w as Record<string, unknown>;
  return typeof o.word === 'string' && typeof o.start_ms === 'number' && typeof o.end_ms === 'number' && typeof o.text_start === 'number' && typeof o.text_end === 'number';
}

/** One server frame; null when it is not a frame of the contract. */
export function parseServerFrame(text: string): ServerFrame | null {
  let v: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object') return null;
    v = parsed as Record<string, unknown>;
  } catch {
    return null;
  }
  const ctx = typeof v.context_id === 'string' ? v.context_id : null;
  switch (v.type) {
    case 'audio':
      return ctx !== null && typeof v.seq === 'number' && typeof v.data === 'string' ? { type: 'audio', context_id: ctx, seq: v.seq, data: v.data } : null;
    case 'timestamps':
      return ctx !== null && Array.isArray(v.words) ? { type: 'timestamps', context_id: ctx, words: v.words.filter(isWord) } : null;
    case 'cache':
      return ctx !== null && typeof v.hit === 'boolean' && typeof v.text_start === 'number' && typeof v.text_end === 'number'
        ? { type: 'cache', context_id: ctx, hit: v.hit, text_start: v.text_start, text_end: v.text_end }
        : null;
    case 'flushed':
    case 'done':
    case 'cancelled':
      return ctx !== null ? { type: v.type, context_id: ctx } : null;
    case 'error':
      return { type: 'error', context_id: ctx, code: typeof v.code === 'number' ? v.code : 0, message: typeof v.message === 'string' ? v.message : '' };
    default:
      return null;
  }
}
