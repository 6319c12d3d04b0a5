// The WebSocket half of a session: connect, decode `audio` frames in seq order, and end in
// exactly one outcome. The stream is never retried: a lost connection is reported.

import { base64ToBytes } from './base64';
import type { Failure } from './errors';
import { SeqTracker } from './seq';
import type { StreamFrame } from './types';

export type StreamOutcome =
  | { kind: 'completed' }
  | { kind: 'failed'; failure: Failure }
  | { kind: 'stopped' };

export interface StreamHandlers {
  /** An audio payload, in seq order (after any gap). */
  onAudio?(bytes: Uint8Array, seq: number): void;
  /** Called exactly once. */
  onEnd(outcome: StreamOutcome): void;
}

/** Parses one text frame; null when it is not a frame of the contract. */
export function parseFrame(text: string): StreamFrame | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  switch (v.type) {
    case 'audio':
      if (typeof v.seq !== 'number' || typeof v.data !== 'string') return null;
      return { type: 'audio', seq: v.seq, data: v.data };
    case 'eos':
      return { type: 'eos' };
    case 'error':
      return {
        type: 'error',
        code: typeof v.code === 'number' ? v.code : 0,
        message: typeof v.message === 'string' ? v.message : '',
      };
    default:
      return null;
  }
}

export class StreamClient {
  readonly tracker = new SeqTracker();
  chunks = 0;
  bytes = 0;
  private ws: WebSocket;
  private ended = false;
  private sawEos = false;
  private errorFrame: { code: number; message: string } | null = null;

  constructor(url: string, private readonly handlers: StreamHandlers) {
    this.ws = new WebSocket(url);
    this.ws.onmessage = (ev) => this.onMessage(ev);
    this.ws.onclose = (ev) => this.onClose(ev);
  }

  /** Stops the stream from the client side; the outcome is `stopped`. */
  close(): void {
    if (this.ended) return;
    this.finish({ kind: 'stopped' });
    this.ws.close(1000, 'client stopped');
  }

  private onMessage(ev: MessageEvent): void {
    if (this.ended) return;
    const frame = typeof ev.data === 'string' ? parseFrame(ev.data) : null;
    if (!frame) {
      this.tracker.parseError();
      return;
    }
    if (frame.type === 'eos') {
      this.sawEos = true;
      this.finish({ kind: 'completed' });
      return;
    }
    if (frame.type === 'error') {
      this.errorFrame = { code: frame.code, message: frame.message };
      this.finish({ kind: 'failed', failure: { kind: 'ws-error', code: frame.code, message: frame.message } });
      return;
    }
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(frame.data);
    } catch {
      this.tracker.parseError();
      return;
    }
    if (this.tracker.observe(frame.seq) === 'stale') return;
    this.chunks++;
    this.bytes += bytes.length;
    this.handlers.onAudio?.(bytes, frame.seq);
  }

  private onClose(ev: CloseEvent): void {
    if (this.ended || this.sawEos || this.errorFrame) return;
    this.finish({
      kind: 'failed',
      failure: { kind: 'ws-transport', closeCode: ev.code, reason: ev.reason },
    });
  }

  private finish(outcome: StreamOutcome): void {
    if (this.ended) return;
    this.ended = true;
    this.handlers.onEnd(outcome);
  }
}
