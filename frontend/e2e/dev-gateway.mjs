// A stand-in for the gateway's wire contract (shared/PROTOCOL.md), for working on the UI
// without the Rust build: `node e2e/dev-gateway.mjs [port]` (default 8080), then
// `npm run dev` or open http://127.0.0.1:<port>/ after `npm run build`.
//
// It is not a test oracle: the e2e tests always run against the real gateway. It offers
// mock_tone (the contract's tones, 100 ms chunks) in pcm16, wav, mulaw and alaw, plus mp3,
// opus, flac and aac through ffmpeg when installed (encoded whole, then chunked, so the
// concatenation is one valid file), and a `dev_many` provider with 150 voices (tones too)
// to try the voice picker at espeak's scale. Rate limit and queue figures are simulated.

import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { WebSocketServer } from 'ws';

const PORT = Number(process.argv[2] ?? process.env.PORT ?? 8080);
const UI_DIR = process.env.UI_DIR ?? resolve(fileURLToPath(import.meta.url), '../../dist');
const LIMIT = Number(process.env.RATE_LIMIT_MAX_REQUESTS_PER_WINDOW ?? 50);
const WINDOW_S = Number(process.env.RATE_LIMIT_WINDOW_SECONDS ?? 60);
const HAS_FFMPEG = spawnSync('ffmpeg', ['-version']).status === 0;

const PCM_FORMATS = ['pcm16', 'wav', 'mulaw', 'alaw'];
const FFMPEG_FORMATS = { mp3: ['-f', 'mp3'], opus: ['-c:a', 'libopus', '-f', 'ogg'], flac: ['-f', 'flac'], aac: ['-c:a', 'aac', '-f', 'adts'] };
const FORMATS = HAS_FFMPEG ? [...PCM_FORMATS, ...Object.keys(FFMPEG_FORMATS)] : PCM_FORMATS;

const names = new Intl.DisplayNames(['en'], { type: 'language' });
const TAGS = ['af', 'am', 'ar', 'az', 'bg', 'bn', 'bs', 'ca', 'cs', 'cy', 'da', 'de', 'el', 'en-GB', 'en-US', 'eo', 'es', 'es-419', 'et', 'eu', 'fa', 'fi', 'fr-FR', 'fr-BE', 'ga', 'gd', 'gu', 'hi', 'hr', 'hu', 'hy', 'id', 'is', 'it', 'ja', 'ka', 'kk', 'kn', 'ko', 'la', 'lt', 'lv', 'mk', 'ml', 'mr', 'ms', 'mt', 'my', 'nb', 'ne', 'nl', 'or', 'pa', 'pl', 'pt-BR', 'pt-PT', 'ro', 'ru', 'si', 'sk', 'sl', 'sq', 'sr', 'sv', 'sw', 'ta', 'te', 'th', 'tr', 'uk', 'ur', 'vi', 'yue', 'zh'];
const VOICES = [
  { id: 'en-US-mock-1', name: 'Mock Tone Voice', language: 'en-US', provider: 'mock_tone', sample_rate_hz: 16000, supported_formats: FORMATS },
  ...Array.from({ length: 150 }, (_, i) => {
    const tag = TAGS[i % TAGS.length];
    const variant = Math.floor(i / TAGS.length);
    return {
      id: `${tag.toLowerCase()}${variant ? `+v${variant}` : ''}`,
      name: `${names.of(tag)}${variant ? ` (variant ${variant})` : ''}`,
      language: tag,
      provider: 'dev_many',
      sample_rate_hz: 16000,
      supported_formats: FORMATS,
    };
  }),
];

const counters = { created: 0, completed: 0, failed: 0, active: 0, chunks: 0, bytes: 0, hits: 0 };
const sessions = new Map();
const buckets = new Map();

function tone(text, sr) {
  const out = [];
  for (const ch of text) {
    const f = 220 * 2 ** ((((ch.codePointAt(0) ?? 0) % 24) - 12) / 12);
    const n = Math.floor(0.08 * sr);
    for (let i = 0; i < n; i++) out.push(Math.round(Math.max(-1, Math.min(1, Math.sin((2 * Math.PI * f * i) / sr) * 0.2)) * 32767));
    for (let i = 0; i < Math.floor(0.02 * sr); i++) out.push(0);
  }
  const buf = Buffer.alloc(out.length * 2);
  out.forEach((s, i) => buf.writeInt16LE(s, i * 2));
  return buf;
}

function encodeG711(pcm, law) {
  const out = Buffer.alloc(pcm.length / 2);
  for (let i = 0; i < out.length; i++) {
    let s = pcm.readInt16LE(i * 2);
    if (law === 'mulaw') {
      const sign = s < 0 ? 0x80 : 0;
      s = Math.min(32635, Math.abs(s)) + 0x84;
      let exp = 7;
      for (let m = 0x4000; (s & m) === 0 && exp > 0; m >>= 1) exp--;
      out[i] = ~(sign | (exp << 4) | ((s >> (exp + 3)) & 0x0f)) & 0xff;
    } else {
      const sign = s >= 0 ? 0x80 : 0;
      s = Math.min(32767, Math.abs(s));
      let exp = 7;
      for (let m = 0x4000; (s & m) === 0 && exp > 0; m >>= 1) exp--;
      const mant = exp === 0 ? (s >> 4) & 0x0f : (s >> (exp + 3)) & 0x0f;
      out[i] = (sign | (exp << 4) | mant) ^ 0x55;
    }
  }
  return out;
}

function wavHeader(sr) {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(0xffffffff, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sr, 24);
  h.writeUInt32LE(sr * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(0xffffffff, 40);
  return h;
}

/** The stream's payloads: 100 ms of audio per chunk for PCM formats, 2 KiB for coded ones. */
function payloads(req) {
  const sr = 16000;
  const pcm = tone(req.text, sr);
  const step = sr * 2 * 0.1;
  const slices = (buf, n) => Array.from({ length: Math.ceil(buf.length / n) }, (_, i) => buf.subarray(i * n, (i + 1) * n));
  switch (req.target_format) {
    case 'pcm16':
      return slices(pcm, step);
    case 'wav': {
      const chunks = slices(pcm, step);
      chunks[0] = Buffer.concat([wavHeader(sr), chunks[0] ?? Buffer.alloc(0)]);
      return chunks;
    }
    case 'mulaw':
    case 'alaw':
      return slices(encodeG711(pcm, req.target_format), step / 2);
    default: {
      const args = ['-hide_banner', '-loglevel', 'error', '-f', 's16le', '-ar', String(sr), '-ac', '1', '-i', 'pipe:0', ...FFMPEG_FORMATS[req.target_format], 'pipe:1'];
      const r = spawnSync('ffmpeg', args, { input: pcm, maxBuffer: 64 << 20 });
      if (r.status !== 0) throw new Error(r.stderr.toString());
      return slices(r.stdout, 2048);
    }
  }
}

function json(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function rateLimit(ip) {
  const now = Date.now();
  let b = buckets.get(ip);
  if (!b || now - b.start >= WINDOW_S * 1000) buckets.set(ip, (b = { start: now, count: 0 }));
  b.count++;
  return { ok: b.count <= LIMIT, retry: Math.ceil((b.start + WINDOW_S * 1000 - now) / 1000) };
}

function metrics() {
  const b = [...buckets.values()];
  const usage = b.length ? Math.max(...b.map((x) => x.count / LIMIT)) : 0;
  const remaining = b.length ? Math.max(0, ...b.map((x) => (x.start + WINDOW_S * 1000 - Date.now()) / 1000)) : 0;
  return [
    `tts_sessions_total{provider="mock_tone",status="created"} ${counters.created}`,
    `tts_sessions_total{provider="mock_tone",status="completed"} ${counters.completed}`,
    `tts_sessions_total{provider="mock_tone",status="failed"} ${counters.failed}`,
    `tts_active_streams{provider="mock_tone"} ${counters.active}`,
    `tts_stream_chunks_total{provider="mock_tone",format="pcm16"} ${counters.chunks}`,
    `tts_stream_bytes_total{provider="mock_tone",format="pcm16"} ${counters.bytes}`,
    `tts_rate_limit_hits_total{scope="ip"} ${counters.hits}`,
    `tts_rate_limit_max_bucket_usage{scope="ip"} ${Math.min(1, usage)}`,
    `tts_rate_limit_window_remaining_seconds{scope="ip"} ${remaining.toFixed(1)}`,
    `tts_session_queue_depth 0`,
    `tts_session_queue_maxsize 100`,
    `tts_session_workers_busy ${Math.min(8, counters.active)}`,
    `tts_session_workers_total 8`,
    `tts_session_queue_full_total 0`,
    '',
  ].join('\n');
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/healthz') return json(res, 200, { status: 'ok' });
  if (url.pathname === '/metrics') {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    return res.end(metrics());
  }
  if (url.pathname === '/v1/voices') return json(res, 200, { voices: VOICES });
  if (url.pathname === '/v1/tts/sessions' && req.method === 'POST') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const limit = rateLimit(req.socket.remoteAddress);
      if (!limit.ok) {
        counters.hits++;
        return json(res, 429, { detail: 'Rate limit exceeded' }, { 'Retry-After': String(limit.retry) });
      }
      let r;
      try {
        r = JSON.parse(body);
      } catch {
        return json(res, 422, { detail: [{ loc: ['body'], msg: 'invalid JSON', type: 'json_invalid' }] });
      }
      if (!r.text?.trim()) return json(res, 422, { detail: [{ loc: ['body', 'text'], msg: 'text must not be empty', type: 'value_error' }] });
      if (!FORMATS.includes(r.target_format)) return json(res, 400, { detail: `target_format ${r.target_format} is not supported` });
      const id = randomUUID();
      sessions.set(id, r);
      counters.created++;
      return json(res, 201, { session_id: id, ws_url: `ws://${req.headers.host}/v1/tts/stream/${id}` });
    });
    return;
  }
  const file = join(UI_DIR, url.pathname === '/' ? 'index.html' : url.pathname);
  if (file.startsWith(UI_DIR) && existsSync(file) && statSync(file).isFile()) {
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    return createReadStream(file).pipe(res);
  }
  json(res, 404, { detail: 'Not Found' });
});

const wss = new WebSocketServer({ server, path: undefined });
wss.on('connection', async (ws, req) => {
  const id = req.url.split('/').pop();
  const r = sessions.get(id);
  if (!r) {
    ws.send(JSON.stringify({ type: 'error', code: 404, message: 'unknown session' }));
    return ws.close(1011);
  }
  sessions.delete(id);
  counters.active++;
  try {
    let seq = 0;
    for (const p of payloads(r)) {
      if (ws.readyState !== ws.OPEN) throw new Error('client gone');
      ws.send(JSON.stringify({ type: 'audio', seq: ++seq, data: p.toString('base64') }));
      counters.chunks++;
      counters.bytes += p.length;
      await new Promise((ok) => setImmediate(ok));
    }
    ws.send(JSON.stringify({ type: 'eos' }));
    ws.close(1000);
    counters.completed++;
  } catch (err) {
    counters.failed++;
    if (ws.readyState === ws.OPEN) {
      ws.send(JSON.stringify({ type: 'error', code: 500, message: String(err) }));
      ws.close(1011);
    }
  } finally {
    counters.active--;
  }
});

server.listen(PORT, '127.0.0.1', () => console.log(`dev gateway on http://127.0.0.1:${PORT} (formats: ${FORMATS.join(', ')})`));
