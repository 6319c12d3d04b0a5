// A tiny inline SVG line chart of recent values. Nulls (metric not exported) are skipped.

interface Props {
  values: readonly (number | null)[];
  label: string;
  /** Fixed scale; by default from 0 (or the minimum, if negative) to the maximum seen. */
  min?: number;
  max?: number;
  width?: number;
  height?: number;
  testId?: string;
}

export function sparkPoints(values: readonly (number | null)[], width: number, height: number, min?: number, max?: number): string {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length === 0) return '';
  const lo = min ?? Math.min(0, ...present);
  const hi = max ?? Math.max(...present);
  const span = hi - lo || 1;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const pts: string[] = [];
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) return;
    const y = height - 1 - ((Math.min(hi, Math.max(lo, v)) - lo) / span) * (height - 2);
    pts.push(`${(i * step).toFixed(1)},${y.toFixed(1)}`);
  });
  return pts.join(' ');
}

export function Sparkline({ values, label, min, max, width = 120, height = 28, testId }: Props) {
  const points = sparkPoints(values, width, height, min, max);
  const present = values.filter((v): v is number => v !== null);
  const last = present[present.length - 1];
  const description =
    present.length === 0 ? `${label}: no data yet` : `${label}: ${present.length} samples, latest ${last}, highest ${Math.max(...present)}`;
  return (
    <svg className="sparkline" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" style={{ height }} role="img" aria-label={description} data-testid={testId} data-points={present.length}>
      <title>{description}</title>
      <line x1="0" y1={height - 0.5} x2={width} y2={height - 0.5} className="spark-base" />
      {points && <polyline points={points} className="spark-line" />}
    </svg>
  );
}
