// One AudioContext for the page. Browsers only let audio start after a user gesture, so
// `unlockAudio()` is called from the Start button's click handler, before any await.

let ctx: AudioContext | null = null;

export function audioContext(): AudioContext {
  if (!ctx) ctx = new AudioContext({ latencyHint: 'interactive' });
  return ctx;
}

export function unlockAudio(): void {
  const c = audioContext();
  if (c.state === 'suspended') void c.resume();
}
