// Barge-in bookkeeping. Cancelling a context silences it at once on the page (the player is
// stopped before the `cancel` goes out); from then on every audio frame of that context is
// refused and counted, so "no audio after the cancel" is a number the page can show and a
// test can read. The record keeps what a person would ask: how long the gateway took to
// confirm, and which words had been heard.

import type { WordTiming } from './wire';
import { splitHeard } from './words';

export interface CancelRecord {
  contextId: string;
  /** Page time the cancel was sent. */
  sentAt: number;
  /** Page time `cancelled` came back; null until then. */
  ackAt: number | null;
  /** Position in the context's audio when it was cut, ms. */
  positionMs: number;
  heard: string[];
  unheard: string[];
  /** Audio frames of the context that arrived after the cancel (refused, never played). */
  lateFrames: number;
}

export function cancelLatencyMs(r: CancelRecord): number | null {
  return r.ackAt === null ? null : r.ackAt - r.sentAt;
}

export class CancelBook {
  private readonly records = new Map<string, CancelRecord>();

  /** Records the cancel of `contextId`, cut at `positionMs` of its audio. */
  cancel(contextId: string, now: number, positionMs: number, words: readonly WordTiming[]): CancelRecord {
    const { heard, unheard } = splitHeard(words, positionMs);
    const r: CancelRecord = { contextId, sentAt: now, ackAt: null, positionMs, heard: heard.map((w) => w.word), unheard: unheard.map((w) => w.word), lateFrames: 0 };
    this.records.set(contextId, r);
    return r;
  }

  /** True if audio of `contextId` may be played; false, and counted, once it was cancelled. */
  admitAudio(contextId: string): boolean {
    const r = this.records.get(contextId);
    if (!r) return true;
    r.lateFrames++;
    return false;
  }

  /** The gateway confirmed the cancel; the record, if this page cancelled that context. */
  acknowledged(contextId: string, now: number): CancelRecord | undefined {
    const r = this.records.get(contextId);
    if (r && r.ackAt === null) r.ackAt = now;
    return r;
  }

  get(contextId: string): CancelRecord | undefined {
    return this.records.get(contextId);
  }
}
