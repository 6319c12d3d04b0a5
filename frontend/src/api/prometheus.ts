// A parser for the Prometheus text exposition format (version 0.0.4), enough for the
// gateway's /metrics: comments, labels with escapes, special values, optional timestamps.
// Lines that do not parse are skipped and counted, never fatal.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedMetrics {
  samples: Sample[];
  /** Metric families named by `# TYPE` lines (as written: OpenMetrics drops `_total` there). */
  declared: Set<string>;
  /** Number of non-comment lines that could not be parsed. */
  invalidLines: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

function parseValue(text: string): number {
  switch (text) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
    default: {
      if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value ${text}`);
      return Number(text);
    }
  }
}

/** Parses `{a="x",b="y"}` starting at `line[start] === '{'`; returns labels and the index after `}`. */
function parseLabels(line: string, start: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return [labels, i + 1];
    const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
    if (!m) throw new Error('bad label name');
    const key = m[0];
    i += key.length;
    while (line[i] === ' ') i++;
    if (line[i] !== '=') throw new Error('expected =');
    i++;
    while (line[i] === ' ') i++;
    if (line[i] !== '"') throw new Error('expected "');
    i++;
    let value = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) throw new Error('unterminated label value');
      if (c === '"') break;
      if (c === '\\') {
        const next = line[i + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    labels[key] = value;
    i++;
  }
}

export function parsePrometheus(text: string): ParsedMetrics {
  const samples: Sample[] = [];
  const declared = new Set<string>();
  let invalidLines = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) {
      const m = /^#\s+TYPE\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s/.exec(line);
      if (m?.[1]) declared.add(m[1]);
      continue;
    }
    if (line === '') continue;
    try {
      const m = NAME.exec(line);
      if (!m) throw new Error('bad name');
      const name = m[0];
      let i = name.length;
      let labels: Record<string, string> = {};
      if (line[i] === '{') [labels, i] = parseLabels(line, i);
      const rest = line.slice(i).trim().split(/\s+/);
      if (rest.length < 1 || rest.length > 2 || rest[0] === undefined || rest[0] === '') throw new Error('bad value');
      samples.push({ name, labels, value: parseValue(rest[0]) });
    } catch {
      invalidLines++;
    }
  }
  return { samples, declared, invalidLines };
}

function matches(sample: Sample, name: string, where: Record<string, string>): boolean {
  if (sample.name !== name) return false;
  return Object.entries(where).every(([k, v]) => sample.labels[k] === v);
}

/** Sum of all samples named `name` whose labels include `where`; null when there are none. */
export function sumOf(samples: Sample[], name: string, where: Record<string, string> = {}): number | null {
  let found = false;
  let sum = 0;
  for (const s of samples) {
    if (matches(s, name, where)) {
      found = true;
      sum += s.value;
    }
  }
  return found ? sum : null;
}

/** Largest of the samples named `name`; null when there are none. */
export function maxOf(samples: Sample[], name: string, where: Record<string, string> = {}): number | null {
  let best: number | null = null;
  for (const s of samples) {
    if (matches(s, name, where) && (best === null || s.value > best)) best = s.value;
  }
  return best;
}

/** True if a `# TYPE` line declared the family of `name` (with or without `_total`). */
export function isDeclared(declared: ReadonlySet<string>, name: string): boolean {
  return declared.has(name) || (name.endsWith('_total') && declared.has(name.slice(0, -'_total'.length)));
}
