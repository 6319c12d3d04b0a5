// The agent demo's state: one realtime socket for every turn, one output meter, the cancel
// book, and the turns (the current one last). `speak` starts a turn (barging in on one that
// is still going); `bargeIn` cancels the current context: the player is stopped first, so
// the silence does not wait for the network, then `cancel` goes out. React reads it as an
// external store; the turn's arrays are read from `current` when `version` changes.

import { base64ToBytes } from '../api/base64';
import { audioContext, unlockAudio } from '../audio/context';
import { OutputMeter } from '../audio/meter';
import { Notifier } from '../components/notifier';
import { CancelBook, cancelLatencyMs } from './cancels';
import { RealtimeSocket } from './socket';
import { Turn, type TurnPlan } from './turn';
import type { ServerFrame } from './wire';

export interface AgentSnapshot {
  version: number;
  socketsOpened: number;
  turns: readonly Turn[];
  /** Why the socket is gone, if it is. */
  socketError: string | null;
}

/** Turns kept for the history list. */
const KEEP_TURNS = 6;

export class Agent {
  private readonly socket: RealtimeSocket;
  private readonly cancels = new CancelBook();
  private meter: OutputMeter | null = null;
  private turns: Turn[] = [];
  private count = 0;
  private snap: AgentSnapshot = { version: 0, socketsOpened: 0, turns: [], socketError: null };
  private readonly notifier = new Notifier(() => {
    this.snap = { ...this.snap, version: this.snap.version + 1, socketsOpened: this.socket.opened, turns: this.turns };
  });

  constructor() {
    this.socket = new RealtimeSocket({
      onFrame: (f) => this.onFrame(f),
      onClosed: (reason) => {
        for (const t of this.turns) if (t.active) t.onError(reason);
        this.snap = { ...this.snap, socketError: reason };
        this.changed(true);
      },
    });
  }

  subscribe = this.notifier.subscribe;

  getSnapshot = (): AgentSnapshot => this.snap;

  get current(): Turn | null {
    return this.turns[this.turns.length - 1] ?? null;
  }

  /** Starts a turn; barges in on the current one first. Call from a user gesture. */
  speak(plan: Omit<TurnPlan, 'contextId'>): Turn {
    unlockAudio();
    if (this.current?.active) this.bargeIn();
    const ctx = audioContext();
    this.meter ??= new OutputMeter(ctx);
    const turn = new Turn(
      { ...plan, contextId: `turn-${++this.count}` },
      { ctx, destination: this.meter.input, send: (m) => this.socket.send(m), changed: (now) => this.changed(now) },
    );
    this.turns = [...this.turns.slice(-(KEEP_TURNS - 1)), turn];
    this.snap = { ...this.snap, socketError: null };
    void turn.start();
    this.changed(true);
    return turn;
  }

  /** Cancels the current context: silence at once, then tell the gateway. */
  bargeIn(): void {
    const turn = this.current;
    if (!turn?.active) return;
    const positionMs = turn.silence();
    turn.cancel = this.cancels.cancel(turn.contextId, performance.now(), positionMs, turn.words);
    this.socket.sendNow({ type: 'cancel', context_id: turn.contextId });
    this.changed(true);
  }

  dispose(): void {
    for (const t of this.turns) t.dispose();
    this.socket.close();
    this.meter?.dispose();
    this.notifier.cancel();
  }

  /** Plain figures for tests and the console (`window.__agentProbe()`). */
  probe() {
    return {
      socketsOpened: this.socket.opened,
      parseErrors: this.socket.parseErrors,
      lastSoundAt: this.meter?.lastSoundAt ?? null,
      turns: this.turns.map((t) => ({
        contextId: t.contextId,
        phase: t.phase,
        error: t.error,
        tokensSent: t.tokens.length,
        tokensTotal: t.plan.tokens.length,
        startedAt: t.startedAt,
        lastTokenAt: t.lastTokenAt,
        firstAudioAt: t.firstAudioAt,
        playingAt: t.playingAt,
        endedAt: t.endedAt,
        stoppedAt: t.stoppedAt,
        words: t.words.map((w) => w.word),
        segments: t.segments.map((s) => ({ ...s })),
        wordHistory: [...t.wordHistory],
        cancel: t.cancel ? { ...t.cancel, latencyMs: cancelLatencyMs(t.cancel) } : null,
      })),
    };
  }

  private turnById(id: string | null): Turn | undefined {
    return id === null ? undefined : this.turns.find((t) => t.contextId === id);
  }

  private onFrame(f: ServerFrame): void {
    const turn = this.turnById(f.context_id);
    switch (f.type) {
      case 'audio': {
        if (!this.cancels.admitAudio(f.context_id)) {
          this.changed();
          return;
        }
        let bytes: Uint8Array;
        try {
          bytes = base64ToBytes(f.data);
        } catch {
          this.socket.parseErrors++;
          return;
        }
        turn?.onAudio(bytes);
        return;
      }
      case 'timestamps':
        turn?.onWords(f.words);
        return;
      case 'cache':
        turn?.onCache(f.hit, f.text_start, f.text_end, performance.now());
        return;
      case 'done':
        turn?.onDone();
        return;
      case 'cancelled':
        this.cancels.acknowledged(f.context_id, performance.now());
        this.changed(true);
        return;
      case 'flushed':
        return;
      case 'error':
        if (turn) turn.onError(`${f.message} (code ${f.code})`);
        else this.snap = { ...this.snap, socketError: `${f.message} (code ${f.code})` };
        this.changed(true);
        return;
    }
  }

  private changed(now = false): void {
    this.notifier.notify(now);
  }
}
