// The turn on one time axis (page clock, from the first token): a tick per token sent, a
// tick per audio frame received (bursts are the segments the gateway released), the spans
// when audio was heard, and the barge-in (cancel sent, `cancelled` received).

import type { Turn } from '../realtime/turn';
import { audioBursts, heardSpans } from '../realtime/timeline';
import { formatMs } from './format';

const W = 640;
const LEFT = 96;
const ROW = 26;
const ROWS = ['Tokens sent', 'Audio received', 'Heard'];

export function AgentTimeline({ turn, now }: { turn: Turn; now: number }) {
  const t0 = turn.startedAt;
  if (t0 === null) return null;
  const end = Math.max(turn.endedAt ?? turn.cancel?.ackAt ?? now, t0 + 1000);
  const span = end - t0;
  const x = (t: number) => LEFT + ((t - t0) / span) * (W - LEFT - 4);
  const y = (row: number) => 8 + row * ROW;
  const bursts = audioBursts(turn.audio);
  const spans = heardSpans(turn.heard);
  const first = turn.firstAudioAt;
  const label =
    `Timeline over ${formatMs(span)}: ${turn.tokens.length} tokens sent, ${turn.audio.length} audio frames in ${bursts.length} bursts` +
    (first !== null ? `, first audio ${formatMs(first - t0)} after the first token` : '') +
    (turn.playingAt !== null ? `, heard from ${formatMs(turn.playingAt - t0)}` : '') +
    (turn.cancel ? `, cancelled at ${formatMs(turn.cancel.sentAt - t0)}` : '') +
    '.';
  return (
    <figure className="timeline" data-testid="agent-timeline" data-bursts={bursts.length}>
      <svg viewBox={`0 0 ${W} ${y(ROWS.length) + 14}`} role="img" aria-label={label}>
        {ROWS.map((name, i) => (
          <g key={name}>
            <text x={0} y={y(i) + 12} className="tl-label">
              {name}
            </text>
            <line x1={LEFT} x2={W - 4} y1={y(i) + 8} y2={y(i) + 8} className="tl-axis" />
          </g>
        ))}
        {turn.tokens.map((t, i) => (
          <line key={i} x1={x(t.at)} x2={x(t.at)} y1={y(0) + 2} y2={y(0) + 14} className="tl-token" />
        ))}
        {bursts.map((b, i) => (
          <rect key={`b${i}`} x={x(b.start) - 1} width={Math.max(2, x(b.end) - x(b.start) + 2)} y={y(1) + 1} height={14} className="tl-burst" />
        ))}
        {spans.map((s, i) => (
          <rect key={`h${i}`} x={x(s.start)} width={Math.max(1, x(s.end) - x(s.start))} y={y(2) + 3} height={10} className="tl-heard" />
        ))}
        {turn.cancel && <line x1={x(turn.cancel.sentAt)} x2={x(turn.cancel.sentAt)} y1={2} y2={y(3)} className="tl-cancel" />}
        <text x={LEFT} y={y(3) + 10} className="tl-label">
          0
        </text>
        <text x={W - 4} y={y(3) + 10} className="tl-label" textAnchor="end">
          {formatMs(span)}
        </text>
      </svg>
      <figcaption className="hint">
        Ticks: tokens sent. Blocks: audio frames as they arrived (one block per released segment). Bars: audio heard.
        {turn.cancel ? ' Red line: barge-in.' : ''}
      </figcaption>
    </figure>
  );
}
