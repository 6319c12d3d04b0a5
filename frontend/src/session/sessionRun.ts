// One single-session run, from the Start click to the end of playback: creates the session
// and the player together, streams, feeds the player, counts, and keeps the bytes for the
// download and the samples for the waveform. React reads it as an external store
// (subscribe/getSnapshot); updates are batched to at most one per 50 ms.

import { withToken } from '../api/auth';
import { streamUrl } from '../api/config';
import type { Failure } from '../api/errors';
import { createSession } from '../api/http';
import { StreamClient } from '../api/stream';
import type { SessionRequest } from '../api/types';
import { audioContext, unlockAudio } from '../audio/context';
import { createPlayer } from '../audio/createPlayer';
import type { PlaybackState, StreamPlayer } from '../audio/player';
import type { BufferState } from '../audio/scheduler';
import { WaveformPeaks } from '../audio/waveform';
import { concatBytes } from '../audio/download';
import { Notifier } from '../components/notifier';

export type Phase = 'idle' | 'creating' | 'streaming' | 'completed' | 'failed' | 'stopped';

export interface SessionSnapshot {
  phase: Phase;
  request: SessionRequest | null;
  sessionId: string | null;
  bytes: number;
  chunks: number;
  /** ms from Start to the first audio chunk. */
  firstChunkMs: number | null;
  /** ms from Start to the end of the stream. */
  streamMs: number | null;
  seqGaps: number;
  parseErrors: number;
  /** Chunks (or decoded blocks) not played, whatever the cause. */
  playbackDrops: number;
  /** Those of `playbackDrops` dropped because the live buffer limit was reached. */
  overflowDrops: number;
  playback: PlaybackState | 'unsupported';
  playbackDetail: string | null;
  playbackMethod: string | null;
  /** The live buffer limit the player drops chunks over (seconds waiting to play), if any. */
  bufferLimitSeconds: number | null;
  /** Seconds heard. */
  position: number;
  /** The Web Audio jitter buffer, for the players that use one. */
  buffer: BufferState | null;
  failure: Failure | null;
  /** Bumped whenever the waveform has new samples. */
  waveformVersion: number;
}

export const IDLE: SessionSnapshot = {
  phase: 'idle',
  request: null,
  sessionId: null,
  bytes: 0,
  chunks: 0,
  firstChunkMs: null,
  streamMs: null,
  seqGaps: 0,
  parseErrors: 0,
  playbackDrops: 0,
  overflowDrops: 0,
  playback: 'idle',
  playbackDetail: null,
  playbackMethod: null,
  bufferLimitSeconds: null,
  position: 0,
  buffer: null,
  failure: null,
  waveformVersion: 0,
};

export class SessionRun {
  readonly peaks = new WaveformPeaks();
  readonly parts: Uint8Array[] = [];
  private snap: SessionSnapshot;
  private readonly notifier = new Notifier();
  private positionTimer: ReturnType<typeof setInterval> | null = null;
  private readonly abort = new AbortController();
  private client: StreamClient | null = null;
  private player: StreamPlayer | null = null;
  private t0 = 0;

  constructor(readonly request: SessionRequest, private readonly bufferLimitSeconds: number) {
    this.snap = { ...IDLE, request };
  }

  subscribe = this.notifier.subscribe;

  getSnapshot = (): SessionSnapshot => this.snap;

  /** Must be called from a user gesture (it unlocks audio before its first await). */
  async start(): Promise<void> {
    unlockAudio();
    this.t0 = performance.now();
    this.update({ phase: 'creating' }, true);
    const req = this.request;
    const [created, player] = await Promise.all([
      createSession(req, this.abort.signal),
      createPlayer(
        { format: req.target_format, sampleRate: req.sample_rate_hz, maxPendingSeconds: this.bufferLimitSeconds },
        {
          onState: (playback, detail) => this.onPlaybackState(playback, detail),
          onDrop: (n, cause) =>
            this.update({
              playbackDrops: this.snap.playbackDrops + n,
              overflowDrops: this.snap.overflowDrops + (cause === 'overflow' ? n : 0),
            }),
          onSamples: (samples, rate) => {
            this.peaks.add(samples, rate);
            this.update({ waveformVersion: this.snap.waveformVersion + 1 });
          },
        },
      ).catch(() => null),
    ]);
    if (this.abort.signal.aborted) {
      player?.stop();
      return;
    }
    if (!created.ok) {
      player?.stop();
      this.update({ phase: 'failed', failure: created.failure, playback: 'idle' }, true);
      return;
    }
    this.player = player;
    this.update(
      player
        ? {
            sessionId: created.value.session_id,
            phase: 'streaming',
            playbackMethod: player.method,
            bufferLimitSeconds: player.bufferLimitSeconds,
          }
        : {
            sessionId: created.value.session_id,
            phase: 'streaming',
            playback: 'unsupported',
            playbackMethod: `none: this browser cannot play ${req.target_format}; the stream is still measured`,
          },
      true,
    );
    this.positionTimer = setInterval(() => this.update(this.playerFigures()), 200);
    const url = await withToken(streamUrl(created.value.session_id, created.value.ws_url));
    this.client = new StreamClient(url, {
      onAudio: (bytes) => {
        this.parts.push(bytes);
        this.player?.push(bytes);
        const c = this.client;
        this.update({
          bytes: c?.bytes ?? 0,
          chunks: c?.chunks ?? 0,
          seqGaps: c?.tracker.gaps ?? 0,
          parseErrors: c?.tracker.parseErrors ?? 0,
          firstChunkMs: this.snap.firstChunkMs ?? performance.now() - this.t0,
        });
      },
      onEnd: (outcome) => {
        const c = this.client;
        const counts = {
          bytes: c?.bytes ?? 0,
          chunks: c?.chunks ?? 0,
          seqGaps: c?.tracker.gaps ?? 0,
          parseErrors: c?.tracker.parseErrors ?? 0,
          streamMs: performance.now() - this.t0,
        };
        if (outcome.kind === 'stopped') return;
        this.peaks.flush();
        this.player?.end();
        if (outcome.kind === 'completed') {
          this.update({ ...counts, phase: 'completed' }, true);
          if (this.player?.needsWaveformDecode) void this.decodeForWaveform();
        } else {
          this.update({ ...counts, phase: 'failed', failure: outcome.failure }, true);
        }
        if (!this.player) this.stopPositionTimer();
      },
    });
  }

  /** Stops the stream and the sound. */
  stop(): void {
    this.abort.abort();
    this.client?.close();
    this.player?.stop();
    this.stopPositionTimer();
    const ended = this.snap.phase === 'completed' || this.snap.phase === 'failed';
    this.update(
      {
        ...(this.player ? { buffer: this.player.buffer() } : {}),
        phase: ended ? this.snap.phase : 'stopped',
        playback: this.snap.playback === 'idle' || this.snap.playback === 'unsupported' ? this.snap.playback : 'stopped',
      },
      true,
    );
  }

  /** Everything received, concatenated. */
  bytes(): Uint8Array {
    return concatBytes(this.parts);
  }

  private onPlaybackState(playback: PlaybackState, detail?: string): void {
    if (this.snap.playback === 'stopped') return;
    const over = playback === 'ended' || playback === 'failed';
    // The final position and buffer figures go out with the state, in one update.
    this.update({ playback, playbackDetail: detail ?? null, ...(over ? this.playerFigures() : {}) }, true);
    if (over) this.stopPositionTimer();
  }

  /** For players that do not expose samples (MediaSource): decode the whole file once. */
  private async decodeForWaveform(): Promise<void> {
    try {
      const buffer = await audioContext().decodeAudioData(this.bytes().buffer as ArrayBuffer);
      this.peaks.add(buffer.getChannelData(0), buffer.sampleRate);
      this.peaks.flush();
      this.update({ waveformVersion: this.snap.waveformVersion + 1 });
    } catch {
      // No waveform for this stream; playback is unaffected.
    }
  }

  private playerFigures(): Pick<SessionSnapshot, 'position' | 'buffer'> {
    return { position: this.player?.position() ?? this.snap.position, buffer: this.player?.buffer() ?? null };
  }

  private stopPositionTimer(): void {
    if (this.positionTimer) clearInterval(this.positionTimer);
    this.positionTimer = null;
  }

  private update(patch: Partial<SessionSnapshot>, now = false): void {
    this.snap = { ...this.snap, ...patch };
    this.notifier.notify(now);
  }
}
