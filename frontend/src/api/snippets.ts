// "Use it from your code": the request the page would make, as code for the OpenAI SDK,
// the realtime WebSocket, Pipecat and LiveKit Agents, filled in with the chosen voice and
// format. Each is a short starting point, not a program that handles every error.

import { buildCurl } from './curl';
import type { SessionRequest } from './types';

export interface Snippet {
  id: string;
  label: string;
  language: string;
  code: string;
}

/** OpenAI's `response_format` for a gateway format; formats OpenAI lacks fall back to pcm. */
export function openAiFormat(format: string): string {
  if (format === 'pcm16') return 'pcm';
  return ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'].includes(format) ? format : 'pcm';
}

const py = (s: string) => JSON.stringify(s);

function openAiPython(v1: string, req: SessionRequest): string {
  const format = openAiFormat(req.target_format);
  const ext = format === 'pcm' ? 'pcm' : format;
  const unlike = format !== req.target_format && req.target_format !== 'pcm16';
  return [
    'from openai import OpenAI',
    '',
    `client = OpenAI(base_url=${py(v1)}, api_key="unused")  # the gateway asks for no key`,
    '',
    'with client.audio.speech.with_streaming_response.create(',
    '    model="tts-1",  # the engine follows the voice',
    `    voice=${py(req.voice)},`,
    `    input=${py(req.text)},`,
    `    response_format=${py(format)},${unlike ? `  # ${req.target_format} is not an OpenAI format` : ''}`,
    `    extra_body={"sample_rate": ${req.sample_rate_hz}},  # not OpenAI's; its default is 24000`,
    ') as response:',
    `    response.stream_to_file(${py(`speech.${ext}`)})`,
  ].join('\n');
}

function realtimeJs(ws: string, req: SessionRequest): string {
  const words = req.text.split(/(?<=[,.;:!?])\s+/);
  const first = words[0] ?? req.text;
  const rest = req.text.slice(first.length);
  const settings = { voice: req.voice, format: req.target_format, sample_rate_hz: req.sample_rate_hz, word_timestamps: true };
  return [
    `const ws = new WebSocket(${JSON.stringify(ws)});`,
    "const id = 'turn-1'; // one context per turn; many may share the socket",
    'const send = (m) => ws.send(JSON.stringify({ context_id: id, ...m }));',
    'ws.onopen = () => {',
    `  send({ type: 'speak', text: ${JSON.stringify(first)}, ...${JSON.stringify(settings)} });`,
    ...(rest ? [`  send({ type: 'speak', text: ${JSON.stringify(rest)} }); // text as your LLM writes it`] : []),
    "  send({ type: 'close' }); // no more text: speak the rest, then 'done'",
    '};',
    'ws.onmessage = (ev) => {',
    '  const m = JSON.parse(ev.data);',
    "  if (m.type === 'audio') play(Uint8Array.from(atob(m.data), (c) => c.charCodeAt(0)));",
    "  if (m.type === 'timestamps') console.log(m.words); // word, start_ms, end_ms",
    "  if (m.type === 'done' || m.type === 'error') ws.close();",
    '};',
    "// Barge-in: send({ type: 'cancel' }) stops it at once; no audio of the turn follows 'cancelled'.",
  ].join('\n');
}

function pipecat(v1: string, req: SessionRequest): string {
  return [
    'from pipecat.services.openai.tts import OpenAITTSService',
    '',
    '# Pipecat asks for 24 kHz pcm, the gateway\'s default on its OpenAI door.',
    'tts = OpenAITTSService(',
    '    api_key="unused",',
    `    base_url=${py(v1)},`,
    `    voice=${py(req.voice)},`,
    '    model="tts-1",',
    ')',
    '# then put `tts` in your pipeline: transport.input(), stt, llm, tts, transport.output()',
  ].join('\n');
}

function livekit(v1: string, req: SessionRequest): string {
  return [
    'from livekit.agents import AgentSession',
    'from livekit.plugins import openai',
    '',
    'session = AgentSession(',
    '    tts=openai.TTS(',
    `        base_url=${py(v1)},`,
    '        api_key="unused",',
    '        model="tts-1",',
    `        voice=${py(req.voice)},`,
    '    ),',
    '    # stt=..., llm=..., vad=...',
    ')',
  ].join('\n');
}

/** The snippets for `req` against the gateway at `base` (an origin such as http://host:8080). */
export function buildSnippets(base: string, req: SessionRequest): Snippet[] {
  const root = base.replace(/\/+$/, '');
  const v1 = `${root}/v1`;
  const ws = `${root.replace(/^http/, 'ws')}/v1/tts/realtime`;
  return [
    { id: 'curl', label: 'curl', language: 'sh', code: buildCurl(root, req) },
    { id: 'openai', label: 'OpenAI SDK (Python)', language: 'python', code: openAiPython(v1, req) },
    { id: 'realtime', label: 'Realtime WebSocket (JS)', language: 'javascript', code: realtimeJs(ws, req) },
    { id: 'pipecat', label: 'Pipecat', language: 'python', code: pipecat(v1, req) },
    { id: 'livekit', label: 'LiveKit Agents', language: 'python', code: livekit(v1, req) },
  ];
}
