// One synthetic session of a stress run: create it, read its stream to the end, count.
// Its audio is not played. Never rejects: every way it can end is a SessionResult.

import { withToken } from '../api/auth';
import { streamUrl } from '../api/config';
import { failureCause } from '../api/errors';
import { createSession } from '../api/http';
import { StreamClient, type StreamOutcome } from '../api/stream';
import type { SessionRequest } from '../api/types';
import type { SessionResult } from './stats';

export const STRESS_SESSION_TIMEOUT_SECONDS = 60;

export async function runStressSession(req: SessionRequest, signal: AbortSignal | undefined): Promise<SessionResult> {
  const t0 = performance.now();
  const created = await createSession(req, signal);
  if (!created.ok) {
    return { ok: false, cause: failureCause(created.failure), bytes: 0, chunks: 0, networkDrops: 0, firstChunkMs: null };
  }
  let firstChunkMs: number | null = null;
  let client: StreamClient | null = null;
  const url = await withToken(streamUrl(created.value.session_id, created.value.ws_url));
  const outcome = await new Promise<StreamOutcome>((resolve) => {
    const timer = setTimeout(() => {
      client?.close();
      resolve({ kind: 'failed', failure: { kind: 'timeout', seconds: STRESS_SESSION_TIMEOUT_SECONDS } });
    }, STRESS_SESSION_TIMEOUT_SECONDS * 1000);
    const onAbort = () => client?.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    client = new StreamClient(url, {
      onAudio: () => {
        firstChunkMs ??= performance.now() - t0;
      },
      onEnd: (o) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(o);
      },
    });
  });
  const c = client as StreamClient | null;
  const counts = { bytes: c?.bytes ?? 0, chunks: c?.chunks ?? 0, networkDrops: c?.tracker.dropped ?? 0, firstChunkMs };
  switch (outcome.kind) {
    case 'completed':
      return { ok: true, ...counts };
    case 'failed':
      return { ok: false, cause: failureCause(outcome.failure), ...counts };
    case 'stopped':
      return { ok: false, cause: 'Stopped', ...counts };
  }
}
