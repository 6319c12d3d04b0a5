// Small hooks shared by the panels.

import { useEffect, useState, useSyncExternalStore } from 'react';
import { describeFailure } from '../api/errors';
import { listVoices } from '../api/http';
import type { Voice } from '../api/types';
import { detectCapabilities, type Capabilities } from '../audio/playbackMethod';

export type VoicesState =
  | { status: 'loading' }
  | { status: 'ok'; voices: Voice[] }
  | { status: 'error'; message: string };

/** `/v1/voices`, loaded once; `reload` tries again. */
export function useVoices(): [VoicesState, () => void] {
  const [state, setState] = useState<VoicesState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    setState({ status: 'loading' });
    void listVoices(abort.signal).then((res) => {
      if (abort.signal.aborted) return;
      setState(res.ok ? { status: 'ok', voices: res.value } : { status: 'error', message: describeFailure(res.failure) });
    });
    return () => abort.abort();
  }, [attempt]);
  return [state, () => setAttempt((n) => n + 1)];
}

export function useCapabilities(): Capabilities | null {
  const [caps, setCaps] = useState<Capabilities | null>(null);
  useEffect(() => {
    void detectCapabilities().then(setCaps);
  }, []);
  return caps;
}

interface Store<T> {
  subscribe(fn: () => void): () => void;
  getSnapshot(): T;
}

const noSubscribe = () => () => undefined;

/** The snapshot of an external store that may not exist yet. */
export function useStore<T>(store: Store<T> | null, fallback: T): T {
  return useSyncExternalStore(store ? store.subscribe : noSubscribe, store ? store.getSnapshot : () => fallback);
}
