// What the gateway will say for the text in the box: `POST /v1/tts/normalize`, asked again
// 400 ms after the last keystroke (an older answer is aborted), with the segments the text
// is cut into.

import { useEffect, useState } from 'react';
import { describeFailure } from '../api/errors';
import { normalize } from '../api/http';
import type { Normalized } from '../api/types';

const DEBOUNCE_MS = 400;

type State = { status: 'idle' } | { status: 'loading' } | { status: 'ok'; value: Normalized; text: string } | { status: 'error'; message: string };

export function NormalizeView({ text, voice }: { text: string; voice: string | undefined }) {
  const [state, setState] = useState<State>({ status: 'idle' });
  useEffect(() => {
    if (text.trim() === '') {
      setState({ status: 'idle' });
      return;
    }
    const abort = new AbortController();
    const timer = setTimeout(() => {
      setState({ status: 'loading' });
      void normalize(text, voice, abort.signal).then((res) => {
        if (abort.signal.aborted) return;
        setState(res.ok ? { status: 'ok', value: res.value, text } : { status: 'error', message: describeFailure(res.failure) });
      });
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [text, voice]);

  return (
    <details className="normalized" open>
      <summary>What the gateway will say</summary>
      <div aria-live="polite" data-testid="normalized" data-status={state.status}>
        {state.status === 'idle' && <p className="hint">{text.trim() ? 'Reading…' : 'Type some text to see how it will be read.'}</p>}
        {state.status === 'loading' && <p className="hint">Reading…</p>}
        {state.status === 'error' && <p className="field-error">Could not normalise the text. {state.message}</p>}
        {state.status === 'ok' && (
          <>
            <p className="normalized-text" data-testid="normalized-text">
              {state.value.text}
            </p>
            <p className="hint">
              {state.value.text === state.text.trim() ? 'Said as written' : 'Numbers, dates, symbols and abbreviations spelled out'} · language {state.value.language} ·{' '}
              {state.value.segments.length} segment{state.value.segments.length === 1 ? '' : 's'}
            </p>
            {state.value.segments.length > 1 && (
              <ol className="segments" aria-label="Segments, synthesised one after another">
                {state.value.segments.map((s, i) => (
                  <li key={i}>{s}</li>
                ))}
              </ol>
            )}
          </>
        )}
      </div>
    </details>
  );
}
