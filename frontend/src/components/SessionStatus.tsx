// What the session is doing, said in words (aria-live), and its figures. A failure is a
// fresh role=alert element (keyed), so screen readers announce it at once.

import { describeDrops, describePlayback, describeStatus } from '../session/describe';
import type { SessionSnapshot } from '../session/sessionRun';
import { formatBytes, formatMs } from './format';

export function SessionStatus({ snap }: { snap: SessionSnapshot }) {
  const failed = snap.phase === 'failed';
  const networkDrops = snap.seqGaps + snap.parseErrors;
  const buffer = snap.buffer;
  return (
    <div className="status-block">
      <p
        key={failed ? 'alert' : 'status'}
        className={`status status-${snap.phase}`}
        role={failed ? 'alert' : 'status'}
        aria-live={failed ? 'assertive' : 'polite'}
        data-testid="session-status"
        data-phase={snap.phase}
      >
        {describeStatus(snap)}
      </p>
      <p className="playback" data-testid="playback-state" data-state={snap.playback} data-position={snap.position.toFixed(2)}>
        <span className="label">Playback:</span> {describePlayback(snap)}
        {snap.playbackMethod && <span className="method"> Method: {snap.playbackMethod}.</span>}
      </p>
      {describeDrops(snap) && (
        <p className="hint drops" data-testid="drops-hint">
          {describeDrops(snap)}
        </p>
      )}
      <dl className="metrics" aria-label="Session metrics">
        <div>
          <dt>Bytes received</dt>
          <dd data-testid="metric-bytes" data-value={snap.bytes}>
            {formatBytes(snap.bytes)}
          </dd>
        </div>
        <div>
          <dt>Chunks</dt>
          <dd data-testid="metric-chunks" data-value={snap.chunks}>
            {snap.chunks}
          </dd>
        </div>
        <div>
          <dt>First audio after</dt>
          <dd data-testid="metric-first-chunk" data-value={snap.firstChunkMs ?? ''}>
            {formatMs(snap.firstChunkMs)}
          </dd>
        </div>
        <div>
          <dt>Stream done after</dt>
          <dd data-testid="metric-stream-time" data-value={snap.streamMs ?? ''}>
            {formatMs(snap.streamMs)}
          </dd>
        </div>
        <div>
          <dt title="seq gaps and unparsable frames">Dropped (network)</dt>
          <dd data-testid="metric-network-drops" data-value={networkDrops}>
            {networkDrops}
            {networkDrops > 0 && (
              <span className="sub">
                {' '}
                ({snap.seqGaps} gaps, {snap.parseErrors} bad)
              </span>
            )}
          </dd>
        </div>
        <div>
          <dt title="chunks not played: over the live buffer limit or refused by the player">Dropped (playback)</dt>
          <dd data-testid="metric-playback-drops" data-value={snap.playbackDrops} data-overflow={snap.overflowDrops}>
            {snap.playbackDrops}
          </dd>
        </div>
        {buffer && (
          <div>
            <dt title="audio queued in Web Audio ahead of the clock (at most 2 s), plus audio received and waiting in the page">Buffered ahead</dt>
            <dd
              data-testid="metric-buffer"
              data-lead={buffer.leadSeconds.toFixed(3)}
              data-pending={buffer.pendingSeconds.toFixed(3)}
              data-scheduled={buffer.scheduledSeconds.toFixed(4)}
              data-peak-lead={buffer.peakLeadSeconds.toFixed(4)}
              data-peak-pending={buffer.peakPendingSeconds.toFixed(3)}
              data-underruns={buffer.underruns}
              data-gap={buffer.gapSeconds.toFixed(3)}
            >
              {buffer.leadSeconds.toFixed(1)} s
              {(buffer.pendingSeconds > 0 || buffer.underruns > 0) && (
                <span className="sub">
                  {buffer.pendingSeconds > 0 && ` + ${buffer.pendingSeconds.toFixed(1)} s waiting`}
                  {buffer.underruns > 0 && ` (${buffer.underruns} underrun${buffer.underruns === 1 ? '' : 's'})`}
                </span>
              )}
            </dd>
          </div>
        )}
      </dl>
    </div>
  );
}
