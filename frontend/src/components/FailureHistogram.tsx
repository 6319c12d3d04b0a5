// Stress failures by cause, as horizontal bars.

import { causesByCount } from '../stress/stats';

export function FailureHistogram({ byCause }: { byCause: Record<string, number> }) {
  const rows = causesByCount(byCause);
  const top = rows[0]?.[1] ?? 0;
  return (
    <figure className="histogram" data-testid="failure-histogram">
      <figcaption>Failures by cause</figcaption>
      {rows.length === 0 ? (
        <p className="hint">No failures.</p>
      ) : (
        <ul>
          {rows.map(([cause, count]) => (
            <li key={cause} data-cause={cause} data-count={count}>
              <span className="cause">{cause}</span>
              <span className="bar" aria-hidden="true">
                <span style={{ width: `${(count / top) * 100}%` }} />
              </span>
              <span className="count">{count}</span>
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
