// Polls /metrics and keeps a bounded history of backend snapshots for the sparklines.
// One request at a time: a slow scrape delays the next tick instead of piling up.

import { summarize, type BackendSnapshot } from './backendMetrics';
import { describeFailure } from './errors';
import { fetchMetricsText } from './http';
import { parsePrometheus } from './prometheus';

export const HISTORY_LENGTH = 120;

export interface PollerState {
  history: BackendSnapshot[];
  error: string | null;
  polling: boolean;
}

export class MetricsPoller {
  private state: PollerState = { history: [], error: null, polling: false };
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopAt = 0;
  private inFlight = false;
  private listeners = new Set<() => void>();

  constructor(private readonly intervalMs = 1000) {}

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): PollerState => this.state;

  /** Polls now and then every interval for `seconds` (extends a running poll). */
  pollFor(seconds: number): void {
    this.stopAt = Math.max(this.stopAt, Date.now() + seconds * 1000);
    if (!this.state.polling) this.set({ polling: true });
    if (!this.timer && !this.inFlight) void this.tick();
  }

  /** One scrape now, without starting a poll. */
  async once(): Promise<void> {
    if (!this.inFlight) await this.scrape();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.stopAt = 0;
  }

  private async tick(): Promise<void> {
    this.timer = null;
    await this.scrape();
    if (Date.now() < this.stopAt) this.timer = setTimeout(() => void this.tick(), this.intervalMs);
    else this.set({ polling: false });
  }

  private async scrape(): Promise<void> {
    this.inFlight = true;
    const res = await fetchMetricsText();
    this.inFlight = false;
    if (!res.ok) {
      this.set({ error: `Backend metrics unavailable: ${describeFailure(res.failure)}` });
      return;
    }
    const snap = summarize(parsePrometheus(res.value), Date.now());
    this.set({ history: [...this.state.history, snap].slice(-HISTORY_LENGTH), error: null });
  }

  private set(patch: Partial<PollerState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }
}
