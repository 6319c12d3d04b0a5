// Stress over the realtime WebSocket: many contexts on one socket, at most `concurrency` at
// once, a share of them cancelled as soon as their first audio arrives (a barge-in). Each
// context sends its text as LLM tokens in one go; a context that is not cancelled is closed
// and ends with `done`. The result of a cancelled one carries the cancel latency and the
// audio frames that were in flight (sent before the gateway saw the cancel); frames that
// come after `cancelled` (the protocol promises none) are counted for the whole run. Audio
// is not played.

import { failureCause } from '../api/errors';
import { RealtimeSocket } from '../realtime/socket';
import { tokenize } from '../realtime/tokenizer';
import type { ContextSettings, ServerFrame } from '../realtime/wire';
import type { SessionResult } from './stats';

export const REALTIME_CONTEXT_TIMEOUT_MS = 60_000;

/** Base64 payload length to bytes. */
function decodedLength(b64: string): number {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - pad;
}

/** Whether context `index` is cancelled, spreading `percent` evenly over the run. */
export function isCancelled(index: number, percent: number): boolean {
  return Math.floor(((index + 1) * percent) / 100) > Math.floor((index * percent) / 100);
}

export class RealtimeStress {
  /** Audio frames of contexts after their `cancelled`. */
  audioAfterCancelled = 0;
  private readonly handlers = new Map<string, (f: ServerFrame) => void>();
  private readonly cancelled = new Set<string>();
  private readonly socket = new RealtimeSocket({
    onFrame: (f) => {
      if (f.context_id === null) return;
      if (f.type === 'audio' && this.cancelled.has(f.context_id)) this.audioAfterCancelled++;
      this.handlers.get(f.context_id)?.(f);
    },
    onClosed: (reason) => {
      for (const [id, h] of this.handlers) h({ type: 'error', context_id: id, code: 0, message: reason });
    },
  });

  constructor(
    private readonly settings: ContextSettings,
    private readonly text: string,
    private readonly cancelPercent: number,
  ) {}

  /** One context; never rejects. */
  run(index: number, signal: AbortSignal | undefined): Promise<SessionResult> {
    const id = `stress-${index}`;
    const cancel = isCancelled(index, this.cancelPercent);
    const t0 = performance.now();
    let bytes = 0;
    let chunks = 0;
    let firstChunkMs: number | null = null;
    let cancelAt: number | null = null;
    let inFlight = 0;
    return new Promise((resolve) => {
      const timer = setTimeout(() => end({ ok: false, cause: 'Timeout' }), REALTIME_CONTEXT_TIMEOUT_MS);
      const onAbort = () => {
        this.socket.sendNow({ type: 'cancel', context_id: id });
        end({ ok: false, cause: 'Stopped' });
      };
      const end = (r: Pick<SessionResult, 'ok' | 'cause' | 'cancelMs'>) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.handlers.delete(id);
        resolve({ ...r, bytes, chunks, networkDrops: 0, firstChunkMs, ...(cancelAt !== null ? { inFlightAtCancel: inFlight } : {}) });
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.handlers.set(id, (f) => {
        const now = performance.now();
        switch (f.type) {
          case 'audio':
            if (cancelAt !== null) {
              inFlight++;
              return;
            }
            bytes += decodedLength(f.data);
            chunks++;
            firstChunkMs ??= now - t0;
            if (cancel) {
              cancelAt = now;
              this.socket.sendNow({ type: 'cancel', context_id: id });
            }
            return;
          case 'done':
            end({ ok: !cancel, ...(cancel ? { cause: 'Done before its cancel' } : {}) });
            return;
          case 'cancelled':
            this.cancelled.add(id);
            end({ ok: true, ...(cancelAt !== null ? { cancelMs: now - cancelAt } : {}) });
            return;
          case 'error':
            end({ ok: false, cause: f.code ? failureCause({ kind: 'ws-error', code: f.code, message: f.message }) : 'WS transport error' });
            return;
          case 'timestamps':
          case 'flushed':
            return;
        }
      });
      const [first = '', ...rest] = tokenize(this.text);
      const send = async () => {
        await this.socket.send({ type: 'speak', context_id: id, text: first, ...this.settings });
        for (const token of rest) await this.socket.send({ type: 'speak', context_id: id, text: token });
        // A cancelled context is left open, so the cancel always finds it running.
        if (!cancel) await this.socket.send({ type: 'close', context_id: id });
      };
      send().catch((err: unknown) => end({ ok: false, cause: err instanceof Error ? 'WS transport error' : String(err) }));
    });
  }

  /** Closes the socket; the run's figures that no single context owns. */
  close(): { audioAfterCancelled: number } {
    this.socket.close();
    return { audioAfterCancelled: this.audioAfterCancelled };
  }
}
