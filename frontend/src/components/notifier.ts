// Change notification for the runs React reads as external stores (subscribe/getSnapshot):
// listeners are told at once for changes a person should see now (a phase, a highlighted
// word), and at most once per `intervalMs` for the rest (bytes, positions).

export class Notifier {
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** `beforeEmit` runs just before the listeners are called (e.g. to publish a new snapshot). */
  constructor(
    private readonly beforeEmit: () => void = () => undefined,
    private readonly intervalMs = 50,
  ) {}

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  /** Tells the listeners now, or within `intervalMs` (several calls make one). */
  notify(now = false): void {
    if (now) {
      this.cancel();
      this.emit();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.emit();
      }, this.intervalMs);
    }
  }

  /** Drops a pending notification. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private emit(): void {
    this.beforeEmit();
    for (const fn of this.listeners) fn();
  }
}
