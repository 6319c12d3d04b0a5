// Backend figures from /metrics: the latest value in words and a sparkline of recent ones.

import type { BackendSnapshot } from '../api/backendMetrics';
import { formatNumber } from './format';
import { Sparkline } from './Sparkline';

interface Tile {
  id: string;
  label: string;
  value(s: BackendSnapshot): string;
  series(s: BackendSnapshot): number | null;
  min?: number;
  max?: (s: BackendSnapshot) => number | undefined;
}

const pair = (a: number | null, b: number | null) => `${formatNumber(a)} / ${formatNumber(b)}`;

const TILES: Tile[] = [
  { id: 'active-streams', label: 'Active streams', value: (s) => formatNumber(s.activeStreams), series: (s) => s.activeStreams },
  { id: 'sessions-completed', label: 'Sessions completed', value: (s) => formatNumber(s.sessionsCompleted), series: (s) => s.sessionsCompleted },
  { id: 'sessions-failed', label: 'Sessions failed', value: (s) => formatNumber(s.sessionsFailed), series: (s) => s.sessionsFailed },
  {
    id: 'rate-limit-usage',
    label: 'Rate-limit usage',
    value: (s) => (s.rateLimitUsage === null ? '–' : `${formatNumber(s.rateLimitUsage * 100)} %`),
    series: (s) => (s.rateLimitUsage === null ? null : s.rateLimitUsage * 100),
    min: 0,
    max: () => 100,
  },
  {
    id: 'rate-limit-window',
    label: 'Rate-limit window left',
    value: (s) => (s.rateLimitWindowRemaining === null ? '–' : `${formatNumber(s.rateLimitWindowRemaining)} s`),
    series: (s) => s.rateLimitWindowRemaining,
  },
  {
    id: 'queue-depth',
    label: 'Queue depth / size',
    value: (s) => pair(s.queueDepth, s.queueMaxsize),
    series: (s) => s.queueDepth,
    min: 0,
    max: (s) => s.queueMaxsize ?? undefined,
  },
  {
    id: 'workers-busy',
    label: 'Workers busy / total',
    value: (s) => pair(s.workersBusy, s.workersTotal),
    series: (s) => s.workersBusy,
    min: 0,
    max: (s) => s.workersTotal ?? undefined,
  },
  { id: 'queue-full', label: 'Queue-full events', value: (s) => formatNumber(s.queueFullEvents), series: (s) => s.queueFullEvents },
  { id: 'rate-limit-hits', label: 'Rate-limit hits', value: (s) => formatNumber(s.rateLimitHits), series: (s) => s.rateLimitHits },
];

export function BackendMetrics({ history }: { history: BackendSnapshot[] }) {
  const latest = history[history.length - 1];
  return (
    <ul className="backend-grid" aria-label="Backend metrics">
      {TILES.map((t) => (
        <li key={t.id} className="backend-tile" data-testid={`backend-${t.id}`}>
          <span className="tile-label">{t.label}</span>
          <span className="tile-value">{latest ? t.value(latest) : '–'}</span>
          <Sparkline
            values={history.map(t.series)}
            label={t.label}
            min={t.min}
            max={latest && t.max ? t.max(latest) : undefined}
            testId={`spark-${t.id}`}
          />
        </li>
      ))}
    </ul>
  );
}
