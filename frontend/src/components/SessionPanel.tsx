// The single-session panel: the form, Start/Stop, what is happening, and the result.

import { useEffect, useState, type Dispatch, type FormEvent, type SetStateAction } from 'react';
import type { Voice } from '../api/types';
import { bufferLimitSeconds, type Built, type FormState } from '../session/form';
import { IDLE, SessionRun } from '../session/sessionRun';
import { NormalizeView } from './NormalizeView';
import type { VoicesState } from './hooks';
import { useStore } from './hooks';
import { ResultActions } from './ResultActions';
import { SessionForm } from './SessionForm';
import { SessionStatus } from './SessionStatus';
import { Waveform } from './Waveform';

interface Props {
  voicesState: VoicesState;
  reloadVoices(): void;
  voices: Voice[];
  voice: Voice | undefined;
  form: FormState;
  setForm: Dispatch<SetStateAction<FormState>>;
  built: Built;
}

export function SessionPanel({ voicesState, reloadVoices, voices, voice, form, setForm, built }: Props) {
  const [run, setRun] = useState<SessionRun | null>(null);
  const [showErrors, setShowErrors] = useState(false);
  const snap = useStore(run, IDLE);
  const busy = snap.phase === 'creating' || snap.phase === 'streaming';
  const sounding = snap.playback === 'playing' || snap.playback === 'buffering';

  useEffect(() => () => run?.stop(), [run]);

  const start = (e?: FormEvent) => {
    e?.preventDefault();
    if (busy) return;
    if (!built.ok) {
      setShowErrors(true);
      return;
    }
    setShowErrors(false);
    run?.stop();
    const next = new SessionRun(built.request, bufferLimitSeconds(form));
    setRun(next);
    void next.start();
  };

  return (
    <section className="card" aria-labelledby="session-heading">
      <h2 id="session-heading">Single session</h2>
      {voicesState.status === 'loading' && <p role="status">Loading voices…</p>}
      {voicesState.status === 'error' && (
        <div role="alert" className="error-box" data-testid="voices-error">
          <p>Could not load the voice list. {voicesState.message}</p>
          <button type="button" onClick={reloadVoices}>
            Try again
          </button>
        </div>
      )}
      <SessionForm
        voices={voices}
        voice={voice}
        form={form}
        setForm={setForm}
        errors={showErrors && !built.ok ? built.errors : {}}
        onSubmit={start}
        onStop={() => run?.stop()}
        busy={busy}
        canStop={busy || sounding}
      />
      <NormalizeView text={form.text} voice={form.voiceId || undefined} />
      <SessionStatus snap={snap} />
      {run && <Waveform peaks={run.peaks} version={snap.waveformVersion} position={snap.position} />}
      <ResultActions run={run} snap={snap} request={built.ok ? built.request : null} />
    </section>
  );
}
