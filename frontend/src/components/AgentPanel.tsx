// Agent mode: the page plays an LLM. It streams an answer into the realtime WebSocket token
// by token at a chosen rate and plays the audio as it comes; the karaoke follows the words
// by the audio clock; Barge in (or Space) cancels the context, and the next turn goes out on
// the same socket.

import { useEffect, useMemo, useRef, useState } from 'react';
import type { Voice } from '../api/types';
import { Agent } from '../realtime/agent';
import { CANNED_ANSWERS } from '../realtime/answers';
import { cancelLatencyMs } from '../realtime/cancels';
import { tokenize } from '../realtime/tokenizer';
import type { Turn } from '../realtime/turn';
import { AgentTimeline } from './AgentTimeline';
import { CacheMarks } from './CacheMarks';
import { Field } from './Field';
import { formatMs } from './format';
import { useStore } from './hooks';
import { Karaoke } from './Karaoke';

/** Formats the live PCM player takes. */
const LIVE_FORMATS = ['pcm16', 'wav', 'mulaw', 'alaw'];
const MAX_BUFFER_DELAY_MS = 300;
const TELEPHONY_RATE = 8000;

declare global {
  interface Window {
    __agentProbe?: () => ReturnType<Agent['probe']>;
  }
}

/** True for elements where Space types a character. */
function typesText(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  if (el instanceof HTMLTextAreaElement || el.isContentEditable) return true;
  return el instanceof HTMLInputElement && !['checkbox', 'radio', 'range', 'button', 'submit'].includes(el.type);
}

function describeTurn(t: Turn): string {
  const sent = `${t.tokens.length} of ${t.plan.tokens.length} tokens sent`;
  switch (t.phase) {
    case 'connecting':
      return `${t.contextId}: opening the realtime socket…`;
    case 'sending':
      return `${t.contextId}: streaming tokens, ${sent}${t.playingAt !== null ? ', speaking' : ''}.`;
    case 'speaking':
      return `${t.contextId}: all ${t.plan.tokens.length} tokens sent, speaking.`;
    case 'done':
      return `${t.contextId}: done, ${t.words.length} words spoken.`;
    case 'failed':
      return `${t.contextId} failed: ${t.error ?? 'unknown error'}`;
    case 'cancelled':
      return `${t.contextId}: barged in. ${describeCancel(t)}`;
  }
}

function describeCancel(t: Turn): string {
  const c = t.cancel;
  if (!c) return '';
  const latency = cancelLatencyMs(c);
  const confirm = latency === null ? 'Waiting for the gateway to confirm.' : `The gateway confirmed in ${formatMs(latency)}.`;
  const heard = c.heard.length ? `Heard ${c.heard.length} words, up to “${c.heard[c.heard.length - 1]}”.` : 'No word had been heard.';
  const late = c.lateFrames ? ` ${c.lateFrames} late audio frames refused.` : '';
  return `${confirm} ${heard}${late}`;
}

interface Props {
  voices: Voice[];
  /** The single session's voice, the default here too. */
  preferredVoice: Voice | undefined;
}

export function AgentPanel({ voices, preferredVoice }: Props) {
  const agent = useMemo(() => new Agent(), []);
  const snap = useStore(agent, agent.getSnapshot());
  const [answerId, setAnswerId] = useState(CANNED_ANSWERS[0]?.id ?? '');
  const [text, setText] = useState(CANNED_ANSWERS[0]?.text ?? '');
  const [voiceKey, setVoiceKey] = useState('');
  const [format, setFormat] = useState('pcm16');
  const [rate, setRate] = useState(12);
  const [answerAgain, setAnswerAgain] = useState(true);
  const live = useMemo(() => voices.filter((v) => v.supported_formats.some((f) => LIVE_FORMATS.includes(f))), [voices]);
  const key = (v: Voice) => `${v.provider}/${v.id}`;
  const voice = live.find((v) => key(v) === voiceKey) ?? (preferredVoice && live.includes(preferredVoice) ? preferredVoice : live[0]);
  const formats = LIVE_FORMATS.filter((f) => voice?.supported_formats.includes(f));
  const chosenFormat = formats.includes(format) ? format : (formats[0] ?? 'pcm16');
  const turn = agent.current;
  const active = turn?.active ?? false;

  useEffect(() => {
    window.__agentProbe = () => agent.probe();
    return () => {
      delete window.__agentProbe;
      agent.dispose();
    };
  }, [agent]);

  const speak = (answer: string) => {
    if (!voice || answer.trim() === '') return;
    agent.speak({
      tokens: tokenize(answer),
      tokensPerSecond: rate,
      settings: {
        voice: voice.id,
        provider: voice.provider,
        format: chosenFormat,
        sample_rate_hz: chosenFormat === 'mulaw' || chosenFormat === 'alaw' ? TELEPHONY_RATE : voice.sample_rate_hz,
        word_timestamps: true,
        max_buffer_delay_ms: MAX_BUFFER_DELAY_MS,
        cache_info: true,
      },
    });
  };

  const chooseAnswer = (id: string) => {
    setAnswerId(id);
    const a = CANNED_ANSWERS.find((x) => x.id === id);
    if (a) setText(a.text);
  };

  // Latest values for the key handler, which is installed once.
  const bargeInRef = useRef<() => void>(() => undefined);
  bargeInRef.current = () => {
    if (!agent.current?.active) return;
    agent.bargeIn();
    if (!answerAgain) return;
    const i = CANNED_ANSWERS.findIndex((a) => a.id === answerId);
    const next = CANNED_ANSWERS[(i + 1) % CANNED_ANSWERS.length];
    if (next) {
      chooseAnswer(next.id);
      speak(next.text);
    }
  };

  useEffect(() => {
    let handled = false;
    const down = (e: KeyboardEvent) => {
      if (e.code !== 'Space' || e.repeat || typesText(e.target) || !agent.current?.active) return;
      e.preventDefault();
      handled = true;
      bargeInRef.current();
    };
    // Space activates a focused button on keyup: not after it barged in.
    const up = (e: KeyboardEvent) => {
      if (e.code === 'Space' && handled) {
        e.preventDefault();
        handled = false;
      }
    };
    window.addEventListener('keydown', down, true);
    window.addEventListener('keyup', up, true);
    return () => {
      window.removeEventListener('keydown', down, true);
      window.removeEventListener('keyup', up, true);
    };
  }, [agent]);

  const c = turn?.cancel ?? null;
  return (
    <section className="card wide" aria-labelledby="agent-heading" data-testid="agent-panel">
      <h2 id="agent-heading">Agent mode</h2>
      <p className="hint">
        The page plays an LLM: it streams an answer into the realtime WebSocket token by token, and the gateway speaks it as it comes, from the first clause on.
        Barge in (or press Space) to cancel the turn; the next one goes out on the same socket.
      </p>
      <form
        className="agent-form"
        aria-label="Agent answer"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          speak(text);
        }}
      >
        <div className="row">
          <Field id="agent-answer" label="Answer">
            <select value={answerId} onChange={(e) => chooseAnswer(e.target.value)}>
              {CANNED_ANSWERS.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.label}
                </option>
              ))}
              <option value="typed">Typed text</option>
            </select>
          </Field>
          <Field id="agent-voice" label="Voice">
            <select value={voice ? key(voice) : ''} onChange={(e) => setVoiceKey(e.target.value)} disabled={live.length === 0}>
              {live.map((v) => (
                <option key={key(v)} value={key(v)}>
                  {v.provider} · {v.id}
                </option>
              ))}
            </select>
          </Field>
          <Field id="agent-format" label="Format" hint="Played live through the Web Audio jitter buffer">
            <select value={chosenFormat} onChange={(e) => setFormat(e.target.value)}>
              {formats.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </Field>
          <Field id="agent-rate" label={`Tokens per second: ${rate}`}>
            <input type="range" min={2} max={60} step={1} value={rate} onChange={(e) => setRate(Number(e.target.value))} aria-valuetext={`${rate} tokens per second`} />
          </Field>
        </div>
        <Field id="agent-text" label="Answer text" hint={`${tokenize(text).length} tokens`}>
          <textarea
            rows={3}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setAnswerId('typed');
            }}
          />
        </Field>
        <label className="check">
          <input type="checkbox" checked={answerAgain} onChange={(e) => setAnswerAgain(e.target.checked)} /> After a barge-in, answer again with the next canned answer
        </label>
        <div className="actions">
          <button type="submit" className="primary" disabled={!voice || text.trim() === ''}>
            Speak
          </button>
          <button type="button" className="danger" onClick={() => bargeInRef.current()} disabled={!active} aria-keyshortcuts="Space" data-testid="barge-in">
            Barge in (Space)
          </button>
        </div>
      </form>
      <p role="status" aria-live="polite" className="status" data-testid="agent-status" data-phase={turn?.phase ?? 'idle'} data-context={turn?.contextId ?? ''}>
        {snap.socketError && !active ? `The realtime socket: ${snap.socketError}. ` : ''}
        {turn ? describeTurn(turn) : 'No turn yet.'}
      </p>
      {turn && (
        <>
          <Karaoke text={turn.sentText} words={turn.words} index={turn.wordIndex} />
          <dl className="metrics agent-metrics">
            <div>
              <dt>First token → first audio</dt>
              <dd data-testid="agent-first-audio">{turn.firstAudioAt !== null && turn.startedAt !== null ? formatMs(turn.firstAudioAt - turn.startedAt) : '–'}</dd>
            </div>
            <div>
              <dt>First token → heard</dt>
              <dd>{turn.playingAt !== null && turn.startedAt !== null ? formatMs(turn.playingAt - turn.startedAt) : '–'}</dd>
            </div>
            <div>
              <dt>Tokens sent</dt>
              <dd>
                {turn.tokens.length} / {turn.plan.tokens.length}
              </dd>
            </div>
            <div>
              <dt>Cancel → cancelled</dt>
              <dd data-testid="agent-cancel-latency">{c ? formatMs(cancelLatencyMs(c)) : '–'}</dd>
            </div>
            <div>
              <dt>Socket connections</dt>
              <dd data-testid="agent-sockets">{snap.socketsOpened}</dd>
            </div>
          </dl>
          <CacheMarks turns={snap.turns} />
          {c && (
            <p className="barge-report" data-testid="barge-report">
              Cut at {formatMs(c.positionMs)} of audio. Heard: <q>{c.heard.join(' ') || '(nothing)'}</q>
              {c.unheard.length > 0 && (
                <>
                  {' '}
                  · timed but never heard: <q>{c.unheard.join(' ')}</q>
                </>
              )}
            </p>
          )}
          <AgentTimeline turn={turn} now={performance.now()} />
        </>
      )}
      {snap.turns.length > 1 && (
        <details className="turns">
          <summary>Earlier turns on this socket</summary>
          <ul>
            {snap.turns.slice(0, -1).map((t) => (
              <li key={t.contextId}>{describeTurn(t)}</li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
