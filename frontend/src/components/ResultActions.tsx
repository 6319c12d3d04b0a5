// Download the received audio (as it came, plus a WAV where the format has no header) and
// the curl command that makes the same request.

import { useMemo, useState } from 'react';
import { apiBase } from '../api/config';
import { buildCurl } from '../api/curl';
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
      {request && <CurlCommand request={request} />}
    </div>
  );
}

function CurlCommand({ request }: { request: SessionRequest }) {
  const [copied, setCopied] = useState<'idle' | 'ok' | 'failed'>('idle');
  const command = buildCurl(apiBase || window.location.origin, request);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(command);
      setCopied('ok');
    } catch {
      setCopied('failed');
    }
    setTimeout(() => setCopied('idle'), 2500);
  };
  return (
    <details className="curl">
      <summary>The same request with curl</summary>
      <pre tabIndex={0} aria-label="curl command" data-testid="curl-command">
        <code>{command}</code>
      </pre>
      <button type="button" onClick={() => void copy()}>
        Copy command
      </button>
      <span role="status" className="copy-status">
        {copied === 'ok' ? 'Copied.' : copied === 'failed' ? 'Copying is not allowed here; select the text instead.' : ''}
      </span>
    </details>
  );
}
