// The phrase cache, seen: each sentence of the current turn with a mark when its audio came
// from the gateway's cache, and how long after its text was sent its audio began, beside
// the last sentence that was synthesised (the gateway's `cache` frames, asked for with
// `cache_info`).

import type { SegmentMark, Turn } from '../realtime/turn';
import { formatMs } from './format';

function lastSynthesised(turns: readonly Turn[]): SegmentMark | undefined {
  for (let i = turns.length - 1; i >= 0; i--) {
    const segments = turns[i]?.segments ?? [];
    for (let j = segments.length - 1; j >= 0; j--) {
      const s = segments[j];
      if (s && !s.hit && s.afterTextMs !== null) return s;
    }
  }
  return undefined;
}

export function CacheMarks({ turns }: { turns: readonly Turn[] }) {
  const current = turns[turns.length - 1];
  if (!current || current.segments.length === 0) return null;
  const miss = lastSynthesised(turns);
  const hits = current.segments.filter((s) => s.hit).length;
  return (
    <div className="cache-marks" data-testid="cache-marks">
      <p className="hint">
        {hits} of {current.segments.length} sentences from the phrase cache
        {miss && hits > 0 ? ` · a synthesised sentence began ${formatMs(miss.afterTextMs)} after its text` : ''}
      </p>
      <ul>
        {current.segments.map((s, i) => (
          <li key={i} className={s.hit ? 'cache-hit' : 'cache-miss'} data-hit={s.hit}>
            <span className="cache-badge">{s.hit ? '⚡ cached' : 'synthesised'}</span> <q>{s.text}</q>{' '}
            <span className="cache-ttfa">first audio {formatMs(s.afterTextMs)} after its text</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
