// Download the received audio (as it came, plus a WAV where the format has no header), and
// the same request as code: curl, the OpenAI SDK, the realtime socket, Pipecat, LiveKit.

import { useMemo, useState, type KeyboardEvent } from 'react';
import { apiBase } from '../api/config';
import { buildSnippets } from '../api/snippets';
import type { SessionRequest } from '../api/types';
import { downloadFiles } from '../audio/download';
import type { SessionRun, SessionSnapshot } from '../session/sessionRun';

function save(bytes: Uint8Array, mime: string, filename: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

interface Props {
  run: SessionRun | null;
  snap: SessionSnapshot;
  request: SessionRequest | null;
}

export function ResultActions({ run, snap, request }: Props) {
  const finished = snap.phase === 'completed' || snap.phase === 'failed' || snap.phase === 'stopped';
  const canDownload = run !== null && finished && snap.bytes > 0;
  const req = run?.request;
  const files = useMemo(
    () => (canDownload && req ? downloadFiles(req.target_format, req.sample_rate_hz, run.parts, `tts-${snap.sessionId ?? 'session'}`) : []),
    // run.parts only grows while bytes grows.
    [canDownload, req, run, snap.sessionId, snap.bytes],
  );
  return (
    <div className="result">
      {files.length > 0 && (
        <div className="downloads" role="group" aria-label="Download the result">
          {files.map((f) => (
            <button key={f.label} type="button" onClick={() => save(f.bytes, f.mime, f.filename)} data-testid="download" data-filename={f.filename} data-size={f.bytes.length}>
              Download {f.label}
              {snap.phase !== 'completed' ? ' (partial)' : ''}
            </button>
          ))}
        </div>
      )}
      {request && <CodeSnippets request={request} />}
    </div>
  );
}

function CodeSnippets({ request }: { request: SessionRequest }) {
  const [copied, setCopied] = useState<'idle' | 'ok' | 'failed'>('idle');
  const [chosen, setChosen] = useState('curl');
  const snippets = buildSnippets(apiBase || window.location.origin, request);
  const current = snippets.find((s) => s.id === chosen) ?? snippets[0]!;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(current.code);
      setCopied('ok');
    } catch {
      setCopied('failed');
    }
    setTimeout(() => setCopied('idle'), 2500);
  };
  // Arrow keys move between the tabs (the WAI-ARIA tabs pattern).
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const i = (snippets.indexOf(current) + step + snippets.length) % snippets.length;
    const next = snippets[i]!;
    setChosen(next.id);
    document.getElementById(`snippet-tab-${next.id}`)?.focus();
  };
  return (
    <details className="curl">
      <summary>Use it from your code</summary>
      <div role="tablist" aria-label="Code for the same request" className="tabs" onKeyDown={onKey}>
        {snippets.map((s) => (
          <button
            key={s.id}
            id={`snippet-tab-${s.id}`}
            type="button"
            role="tab"
            aria-selected={s.id === current.id}
            aria-controls="snippet-panel"
            tabIndex={s.id === current.id ? 0 : -1}
            onClick={() => setChosen(s.id)}
          >
            {s.label}
          </button>
        ))}
      </div>
      <pre id="snippet-panel" role="tabpanel" aria-labelledby={`snippet-tab-${current.id}`} tabIndex={0} data-testid={current.id === 'curl' ? 'curl-command' : `snippet-${current.id}`}>
        <code>{current.code}</code>
      </pre>
      <button type="button" onClick={() => void copy()}>
        Copy
      </button>
      <span role="status" className="copy-status">
        {copied === 'ok' ? 'Copied.' : copied === 'failed' ? 'Copying is not allowed here; select the text instead.' : ''}
      </span>
    </details>
  );
}
