// The page: the single-session panel and the stress panel side by side (stacked on narrow
// screens), and agent mode across the page below them. The form's state lives here because
// the stress panel runs the same request.

import { useEffect, useMemo, useState } from 'react';
import { AgentPanel } from './AgentPanel';
import { KeyField } from './KeyField';
import { buildRequest, INITIAL_FORM, withVoice, type FormState } from '../session/form';
import { useVoices } from './hooks';
import { SessionPanel } from './SessionPanel';
import { StressPanel } from './StressPanel';
import { defaultVoice } from './voiceFilter';

function browserLanguages(): string[] {
  return typeof navigator !== 'undefined' ? [...navigator.languages] : ['en-US'];
}

export function App() {
  const [voicesState, reloadVoices] = useVoices();
  const voices = useMemo(() => (voicesState.status === 'ok' ? voicesState.voices : []), [voicesState]);
  const [form, setForm] = useState<FormState>(INITIAL_FORM);

  // First load: preselect the first provider's voice for the browser's language.
  useEffect(() => {
    if (voices.length === 0 || form.provider) return;
    const first = voices[0];
    if (first) setForm((f) => withVoice(f, defaultVoice(voices, first.provider, browserLanguages())));
  }, [voices, form.provider]);

  const voice = voices.find((v) => v.provider === form.provider && v.id === form.voiceId);
  const built = buildRequest(form, voice);

  return (
    <>
      <header className="page-header">
        <h1>TTS Gateway demo</h1>
        <p className="subtitle">Low-latency text-to-speech over HTTP and WebSocket</p>
        <KeyField onChange={reloadVoices} />
      </header>
      <main className="layout">
        <SessionPanel
          voicesState={voicesState}
          reloadVoices={reloadVoices}
          voices={voices}
          voice={voice}
          form={form}
          setForm={setForm}
          built={built}
        />
        <StressPanel request={built.ok ? built.request : null} />
        <AgentPanel voices={voices} preferredVoice={voice} />
      </main>
    </>
  );
}
