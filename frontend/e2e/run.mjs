// End-to-end tests of the web UI in headless Debian Chromium (playwright-core), against the
// real gateway which this script starts and stops itself. Run after `npm run build`:
//
//   npm run e2e
//
// Environment: TTS_GATEWAY_BIN (default ../target/release/tts-gateway), CHROMIUM_PATH
// (default /usr/bin/chromium), E2E_SCREENSHOTS (default ../docs/screenshots), E2E_ONLY (a
// regular expression: run only the tests whose names match).
// Prints one line per test and closes with "N passed, N failed"; exits non-zero on failure.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { agentTests } from './agent.mjs';
import { gaplessTests } from './gapless.mjs';
import { panelTests } from './panels.mjs';
import { startGateway } from './gateway.mjs';

const FRONTEND = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = resolve(FRONTEND, '..');
const BIN = resolve(FRONTEND, process.env.TTS_GATEWAY_BIN ?? '../target/release/tts-gateway');
const DIST = resolve(FRONTEND, 'dist');
const SHOTS = resolve(FRONTEND, process.env.E2E_SCREENSHOTS ?? '../docs/screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TEST_TIMEOUT_MS = 120_000;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

// ---------------------------------------------------------------- tiny test runner
const tests = [];
const test = (name, fn) => tests.push({ name, fn });
class Skip extends Error {}
const skip = (why) => {
  throw new Skip(why);
};
function assert(cond, message) {
  if (!cond) throw new Error(message);
}
function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, fail) => {
      timer = setTimeout(() => fail(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------- page helpers
async function openPage(context, base, pageErrors, viewport = { width: 1280, height: 900 }) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
  await page.goto(base + '/');
  await page.waitForSelector('#voice option[value]:not([value=""])', { state: 'attached', timeout: 15_000 });
  return page;
}

async function attr(page, testId, name) {
  return page.getAttribute(`[data-testid="${testId}"]`, name);
}

async function numAttr(page, testId, name = 'data-value') {
  return Number(await attr(page, testId, name));
}

async function optionValues(page, selector) {
  return page.$$eval(`${selector} option`, (opts) => opts.map((o) => o.value));
}

/** Chooses provider, voice (by predicate over option values) and format. */
async function choose(page, { provider, voice, format, text }) {
  if (provider) await page.selectOption('#provider', provider);
  if (voice) await page.selectOption('#voice', voice);
  if (format) await page.selectOption('#format', format);
  if (text !== undefined) await page.fill('#text', text);
}

async function startAndFinish(page) {
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await page.waitForSelector('[data-testid="session-status"][data-phase="completed"], [data-testid="session-status"][data-phase="failed"]', {
    timeout: 60_000,
  });
  const phase = await attr(page, 'session-status', 'data-phase');
  const status = await page.textContent('[data-testid="session-status"]');
  assert(phase === 'completed', `session did not complete: ${status}`);
}

/** Waits until playback has really advanced (AudioContext clock or media element time). */
async function waitForPlayback(page, minSeconds = 0.2) {
  await page.waitForFunction(
    (min) => {
      const el = document.querySelector('[data-testid="playback-state"]');
      const state = el?.getAttribute('data-state');
      return (state === 'playing' || state === 'ended') && Number(el?.getAttribute('data-position')) >= min;
    },
    minSeconds,
    { timeout: 30_000 },
  );
  const state = await attr(page, 'playback-state', 'data-state');
  assert(state !== 'failed', `playback failed: ${await page.textContent('[data-testid="playback-state"]')}`);
}

/** The jitter buffer's figures (Web Audio players only), from the "Buffered ahead" tile. */
async function bufferFigures(page) {
  const el = await page.$('[data-testid="metric-buffer"]');
  if (!el) return null;
  const n = async (name) => Number(await el.getAttribute(`data-${name}`));
  return {
    lead: await n('lead'),
    pending: await n('pending'),
    scheduled: await n('scheduled'),
    peakLead: await n('peak-lead'),
    peakPending: await n('peak-pending'),
    underruns: await n('underruns'),
    gap: await n('gap'),
  };
}

/** Records (in the page) when playback starts and ends, by the page clock. */
async function watchPlaybackTimes(page) {
  await page.evaluate(() => {
    const times = { playing: null, ended: null };
    window.__playbackTimes = times;
    const el = document.querySelector('[data-testid="playback-state"]');
    new MutationObserver(() => {
      const state = el.getAttribute('data-state');
      if (state === 'playing' && times.playing === null) times.playing = performance.now();
      if (state === 'ended' && times.ended === null) times.ended = performance.now();
    }).observe(el, { attributes: true, attributeFilter: ['data-state'] });
  });
}

/**
 * Starts a pcm16 session with the form as it is and checks that all of it is heard: every
 * byte received is scheduled into Web Audio gaplessly, never more than 2 s ahead, nothing is
 * dropped, and playback lasts (by the page clock) as long as the audio.
 */
async function assertPlaysInFull(page, sampleRate, label) {
  await watchPlaybackTimes(page);
  await startAndFinish(page);
  const bytes = await numAttr(page, 'metric-bytes');
  const seconds = bytes / 2 / sampleRate;
  await page.waitForSelector('[data-testid="playback-state"][data-state="ended"]', { timeout: (seconds + 15) * 1000 });
  const drops = await numAttr(page, 'metric-playback-drops');
  assert(drops === 0, `${label}: ${drops} playback drops`);
  const b = await bufferFigures(page);
  assert(b, `${label}: no jitter buffer figures`);
  assert(Math.abs(b.scheduled - seconds) < 0.001, `${label}: ${b.scheduled} s scheduled of ${seconds} s received (${bytes} bytes at ${sampleRate} Hz)`);
  assert(b.peakLead <= 2.0005, `${label}: ${b.peakLead} s was queued in Web Audio ahead of the clock (limit 2 s)`);
  assert(b.underruns === 0, `${label}: ${b.underruns} underruns (${b.gap} s of silence)`);
  assert(b.pending === 0 && b.lead === 0, `${label}: still buffered after the end: ${JSON.stringify(b)}`);
  const heard = Number(await attr(page, 'playback-state', 'data-position'));
  assert(Math.abs(heard - seconds) < 0.01, `${label}: heard ${heard} s of ${seconds} s`);
  const times = await page.evaluate(() => window.__playbackTimes);
  const wall = (times.ended - times.playing) / 1000;
  // By the page clock, from the state changes React commits (either may be late by a frame or a timer).
  assert(wall > seconds - 0.5 && wall < seconds + 1.5, `${label}: playback took ${wall.toFixed(2)} s for ${seconds.toFixed(2)} s of audio`);
  await assertNoErrorShown(page);
  assert((await page.$('[data-testid="drops-hint"]')) === null, `${label}: a drops hint is shown`);
  return { seconds, peakPending: b.peakPending, peakLead: b.peakLead, wall };
}

async function playbackMethod(page) {
  const text = (await page.textContent('[data-testid="playback-state"]')) ?? '';
  return text.replace(/^.*Method: /s, '').replace(/\.$/, '');
}

async function assertNoErrorShown(page) {
  const alerts = await page.$$eval('[role="alert"]', (els) => els.map((e) => e.textContent?.trim()).filter(Boolean));
  assert(alerts.length === 0, `an error is shown: ${alerts.join(' | ')}`);
  const playback = await attr(page, 'playback-state', 'data-state');
  assert(playback !== 'failed', 'playback failed');
}

async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name), fullPage: true });
}

// ---------------------------------------------------------------- the tests
let main; // the gateway with a high rate limit
let context;
const pageErrors = [];
let voices = [];

test('the page loads from the gateway and lists its voices', async () => {
  const page = await openPage(context, main.base, pageErrors);
  const providers = await optionValues(page, '#provider');
  assert(providers.includes('mock_tone'), `mock_tone missing from providers: ${providers}`);
  const title = await page.title();
  assert(title.includes('TTS'), `unexpected title ${title}`);
  await assertNoErrorShown(page);
  await page.close();
});

test('every control has a label and the status is announced', async () => {
  const page = await openPage(context, main.base, pageErrors);
  await page.click('details.advanced summary');
  await page.click('details.curl summary');
  const unlabeled = await page.$$eval('input, select, textarea, button', (els) =>
    els
      .filter((el) => {
        const labelled = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
        const text = el.tagName === 'BUTTON' && el.textContent?.trim();
        return !labelled && !text;
      })
      .map((el) => el.outerHTML.slice(0, 80)),
  );
  assert(unlabeled.length === 0, `controls without a label: ${unlabeled.join(', ')}`);
  const live = await page.$$eval('[aria-live]', (els) => els.length);
  assert(live >= 2, 'no aria-live status regions');
  await screenshot(page, 'options-and-curl.png');
  await page.close();
});

test('a provider with many voices is grouped by language and searchable', async () => {
  const counts = new Map();
  for (const v of voices) counts.set(v.provider, (counts.get(v.provider) ?? 0) + 1);
  const [provider, count] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
  if (count < 20) skip(`no provider has 20 voices or more (largest: ${provider}, ${count})`);
  const page = await openPage(context, main.base, pageErrors);
  await choose(page, { provider });
  const groups = await page.$$eval('#voice optgroup', (els) => els.length);
  assert(groups > 5, `only ${groups} language groups for ${count} voices`);
  const german = voices.find((v) => v.provider === provider && v.language.split('-')[0] === 'de');
  await page.fill('#voice-search', german ? 'german' : voices.find((v) => v.provider === provider).id);
  const shown = await page.$$eval('#voice option', (els) => els.length);
  assert(shown >= 1 && shown < count / 4, `search left ${shown} of ${count} voices`);
  if (german) assert((await page.inputValue('#voice')) !== '', 'search did not select a matching voice');
  await screenshot(page, 'voice-search.png');
  await page.close();
});

test('keyboard: Tab shows a focus ring, Ctrl+Enter in the text starts a session', async () => {
  const page = await openPage(context, main.base, pageErrors);
  await choose(page, { provider: 'mock_tone', format: 'pcm16', text: 'Keys' });
  await page.focus('#text');
  await page.keyboard.press('Tab');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert(outline !== 'none', `focused control ${await page.evaluate(() => document.activeElement?.id)} has no outline`);
  await page.focus('#text');
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('[data-testid="session-status"][data-phase="completed"]', { timeout: 30_000 });
  await page.close();
});

test('mock_tone pcm16 plays live, and the metrics move', async () => {
  const page = await openPage(context, main.base, pageErrors);
  await choose(page, { provider: 'mock_tone', voice: 'en-US-mock-1', format: 'pcm16', text: 'Hello KeyReply!' });
  await startAndFinish(page);
  await waitForPlayback(page, 0.3);
  const chunks = await numAttr(page, 'metric-chunks');
  const bytes = await numAttr(page, 'metric-bytes');
  const first = await numAttr(page, 'metric-first-chunk');
  // 15 characters × 100 ms at 16 kHz = 48 000 bytes in 100 ms chunks.
  assert(bytes === 48_000, `expected 48000 bytes, got ${bytes}`);
  assert(chunks === 15, `expected 15 chunks, got ${chunks}`);
  assert(first > 0, 'no first-chunk latency');
  assert((await numAttr(page, 'metric-network-drops')) === 0, 'network drops on a loopback stream');
  assert((await numAttr(page, 'metric-playback-drops')) === 0, 'playback drops');
  assert(Number(await attr(page, 'waveform', 'data-seconds')) >= 1.4, 'waveform is not drawn');
  await assertNoErrorShown(page);
  await page.waitForSelector('[data-testid="playback-state"][data-state="ended"]', { timeout: 15_000 });
  await screenshot(page, 'session-pcm16.png');
  // The download is the stream wrapped as WAV.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="download"] >> nth=0')]);
  const file = readFileSync(await download.path());
  assert(download.suggestedFilename().endsWith('.wav'), `download named ${download.suggestedFilename()}`);
  assert(file.subarray(0, 4).toString() === 'RIFF' && file.length === 44 + bytes, `bad WAV download (${file.length} bytes)`);
  await page.close();
});

test('the curl command shown makes the same request', async () => {
  if (!existsSync('/usr/bin/curl')) skip('curl is not installed');
  const page = await openPage(context, main.base, pageErrors);
  await choose(page, { provider: 'mock_tone', voice: 'en-US-mock-1', format: 'wav', text: "It's me" });
  await page.click('details.curl summary');
  const command = await page.textContent('[data-testid="curl-command"]');
  await page.close();
  const dir = mkdtempSync(join(tmpdir(), 'tts-curl-'));
  try {
    await promisify(execFile)('sh', ['-c', command], { cwd: dir, timeout: 30_000 });
    const wav = readFileSync(join(dir, 'speech.wav'));
    // 7 characters × 100 ms at 16 kHz, 16-bit, plus the header.
    assert(wav.subarray(0, 4).toString() === 'RIFF', 'curl did not save a WAV file');
    assert(wav.length === 44 + 7 * 3200, `curl saved ${wav.length} bytes`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a real voice plays mp3 live while it streams', async () => {
  const provider = ['piper', 'espeak'].find((p) => voices.some((v) => v.provider === p));
  if (!provider) throw new Error('the gateway lists no piper or espeak voice');
  const page = await openPage(context, main.base, pageErrors);
  await choose(page, { provider });
  const english = voices.find((v) => v.provider === provider && v.language === 'en-US') ?? voices.find((v) => v.provider === provider);
  await choose(page, { voice: english.id });
  const formats = await optionValues(page, '#format');
  const format = formats.includes('mp3') ? 'mp3' : 'wav';
  if (format !== 'mp3') console.log(`  note: ${provider} does not offer mp3 yet; testing ${format}`);
  await choose(page, { format, text: 'The quick brown fox jumps over the lazy dog.' });
  await startAndFinish(page);
  await waitForPlayback(page, 0.3);
  assert((await numAttr(page, 'metric-chunks')) > 0, 'no chunks');
  assert((await numAttr(page, 'metric-bytes')) > 1000, 'too few bytes');
  const method = await page.textContent('[data-testid="playback-state"]');
  if (format === 'mp3') assert(method.includes('MediaSource'), `mp3 not played through MediaSource: ${method}`);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="waveform"]')?.getAttribute('data-seconds')) > 0.5, null, {
    timeout: 15_000,
  });
  await assertNoErrorShown(page);
  await screenshot(page, `session-${provider}-${format}.png`);
  await page.close();
});

test('mock_tone pcm16 sent all at once plays in full: 2 s in Web Audio, the rest waiting, nothing dropped', async () => {
  const page = await openPage(context, main.base, pageErrors);
  // 60 characters = 6 s of tones, all sent at once.
  const text = 'abcdefghij'.repeat(6);
  await choose(page, { provider: 'mock_tone', voice: 'en-US-mock-1', format: 'pcm16', text });
  const r = await assertPlaysInFull(page, 16000, 'mock_tone');
  assert(Math.abs(r.seconds - 6) < 1e-9, `expected 6 s of audio, got ${r.seconds} s`);
  assert(r.peakPending > 3, `only ${r.peakPending} s ever waited: the test did not exercise the queue`);
  console.log(`  mock_tone pcm16: ${r.seconds.toFixed(2)} s played in ${r.wall.toFixed(2)} s; at most ${r.peakLead.toFixed(3)} s in Web Audio, ${r.peakPending.toFixed(2)} s waiting`);
  await page.close();
});

test('a real voice in pcm16 plays in full with the default buffer, gapless, with no drops', async () => {
  const provider = ['piper', 'espeak'].find((p) => voices.some((v) => v.provider === p));
  if (!provider) throw new Error('the gateway lists no piper or espeak voice');
  const voice = voices.find((v) => v.provider === provider && v.language === 'en-US') ?? voices.find((v) => v.provider === provider);
  const page = await openPage(context, main.base, pageErrors);
  const text = 'This sentence is long enough to last for more than two seconds when it is spoken aloud.';
  await choose(page, { provider, voice: voice.id, format: 'pcm16', text });
  const r = await assertPlaysInFull(page, voice.sample_rate_hz, provider);
  assert(r.seconds > 3, `only ${r.seconds} s of audio`);
  console.log(
    `  ${provider} pcm16: ${r.seconds.toFixed(2)} s played in ${r.wall.toFixed(2)} s, 0 drops; at most ${r.peakLead.toFixed(3)} s in Web Audio, ${r.peakPending.toFixed(2)} s waiting`,
  );
  await page.close();
});

test('over the live buffer limit chunks are dropped and explained; Stop clears the buffer', async () => {
  const page = await openPage(context, main.base, pageErrors);
  // 150 characters = 15 s of tones at once, with 10 s allowed to wait: about 3 s must go.
  await choose(page, { provider: 'mock_tone', voice: 'en-US-mock-1', format: 'pcm16', text: 'Buffer limit test. '.repeat(8).slice(0, 150) });
  await page.click('details.advanced summary');
  await page.selectOption('#buffer-limit', '10');
  await startAndFinish(page);
  await waitForPlayback(page, 0.2);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="metric-buffer"]')?.getAttribute('data-pending')) > 0, null, { timeout: 5_000 });
  const drops = await numAttr(page, 'metric-playback-drops');
  const overflow = await numAttr(page, 'metric-playback-drops', 'data-overflow');
  assert(drops >= 20 && drops <= 35 && overflow === drops, `${drops} drops, ${overflow} of them overflow; expected about 30`);
  const hint = await page.textContent('[data-testid="drops-hint"]');
  assert(hint?.includes('the live buffer was full (more than 10 s of audio waiting to play)'), `drops are not explained: ${hint}`);
  const b = await bufferFigures(page);
  assert(b.peakLead <= 2.0005 && b.peakPending <= 10.0005, `buffer over its limits: ${JSON.stringify(b)}`);
  await screenshot(page, 'session-drops-hint.png');
  await page.getByRole('form', { name: 'Synthesis request' }).getByRole('button', { name: 'Stop', exact: true }).click();
  await page.waitForSelector('[data-testid="playback-state"][data-state="stopped"]', { timeout: 5_000 });
  const after = await bufferFigures(page);
  assert(after.lead === 0 && after.pending === 0, `Stop left audio buffered: ${JSON.stringify(after)}`);
  console.log(`  10 s limit, 15 s sent at once: ${drops} chunks dropped; Stop cleared ${b.pending.toFixed(1)} s waiting`);
  await page.close();
});

test('every format mock_tone offers plays in the browser', async () => {
  const mock = voices.find((v) => v.provider === 'mock_tone');
  const page = await openPage(context, main.base, pageErrors);
  const results = [];
  for (const format of mock.supported_formats) {
    await choose(page, { provider: 'mock_tone', voice: mock.id, format, text: 'Format test' });
    await startAndFinish(page);
    try {
      await waitForPlayback(page, 0.2);
      await assertNoErrorShown(page);
      // 11 characters = 1.1 s of tones; coded formats may add a few ms of padding.
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="waveform"]')?.getAttribute('data-seconds')) > 0, null, {
        timeout: 10_000,
      });
      const seconds = Number(await attr(page, 'waveform', 'data-seconds'));
      assert(seconds > 1.0 && seconds < 1.3, `decoded ${seconds} s of audio, expected about 1.1 s`);
      const drops = await numAttr(page, 'metric-playback-drops');
      assert(drops === 0, `${drops} playback drops`);
      let exact = '';
      if (await bufferFigures(page)) {
        // Web Audio players know exactly what they played: 1.1 s, no codec padding (Opus is
        // trimmed to its pre-skip and final granule position).
        await page.waitForSelector('[data-testid="playback-state"][data-state="ended"]', { timeout: 10_000 });
        const { scheduled } = await bufferFigures(page);
        assert(Math.abs(scheduled - 1.1) <= 0.001, `played ${scheduled} s, expected 1.1 s`);
        exact = ` (${scheduled.toFixed(4)} s played)`;
      }
      results.push(`${format}: ok, ${seconds.toFixed(2)} s${exact} via ${await playbackMethod(page)}`);
    } catch (err) {
      results.push(`${format}: ${err.message}`);
    }
  }
  await page.close();
  for (const r of results) console.log(`  ${r}`);
  const bad = results.filter((r) => !r.includes(': ok, '));
  assert(bad.length === 0, bad.join('; '));
});

test('a 20-session stress run completes, with counts and sparklines', async () => {
  const page = await openPage(context, main.base, pageErrors);
  await choose(page, { provider: 'mock_tone', voice: 'en-US-mock-1', format: 'pcm16', text: 'Stress test' });
  await page.fill('#stress-total', '20');
  await page.fill('#stress-concurrency', '5');
  await page.click('button:has-text("Start stress test")');
  await page.waitForSelector('[data-testid="stress-status"][data-phase="done"]', { timeout: 90_000 });
  const completed = await numAttr(page, 'stress-completed');
  const failed = await numAttr(page, 'stress-failed');
  const peak = await numAttr(page, 'stress-max-in-flight');
  assert(completed === 20 && failed === 0, `completed ${completed}, failed ${failed}`);
  assert(peak >= 1 && peak <= 5, `peak concurrency ${peak} is outside 1..5`);
  assert((await numAttr(page, 'stress-bytes')) === 20 * 11 * 3200, 'stress bytes do not add up');
  // The poller keeps sampling after the run; wait for the backend counters to catch up.
  await page.waitForFunction(
    () => {
      const spark = document.querySelector('[data-testid="spark-active-streams"]');
      const value = document.querySelector('[data-testid="backend-sessions-completed"] .tile-value')?.textContent ?? '';
      return Number(spark?.getAttribute('data-points')) >= 2 && Number(value.replace(/,/g, '')) >= 20;
    },
    null,
    { timeout: 15_000 },
  );
  const lines = await page.$$eval('svg.sparkline polyline', (els) => els.length);
  assert(lines >= 6, `only ${lines} sparklines have data`);
  await assertNoErrorShown(page);
  // mock_tone streams finish in milliseconds; a real voice keeps the gateway busy long
  // enough for the sparklines to show the load.
  const provider = ['piper', 'espeak'].find((p) => voices.some((v) => v.provider === p));
  if (provider) {
    const voice = voices.find((v) => v.provider === provider && v.language === 'en-US') ?? voices.find((v) => v.provider === provider);
    await choose(page, { provider, voice: voice.id, format: 'pcm16', text: 'A longer sentence keeps the workers of the gateway busy for a while.' });
    await page.click('button:has-text("Start stress test")');
    await page.waitForSelector('[data-testid="stress-status"][data-phase="done"]', { timeout: 90_000 });
    const done = await numAttr(page, 'stress-completed');
    assert(done === 20, `${provider}: ${done} of 20 completed, ${await numAttr(page, 'stress-failed')} failed`);
    console.log(`  ${provider} stress run: ${await page.textContent('[data-testid="stress-status"]')}`);
  }
  await screenshot(page, 'stress.png');
  await page.close();
});

test('a low rate limit shows up as HTTP 429 in the failure histogram and in words', async () => {
  const limited = await startGateway({
    bin: BIN,
    uiDir: DIST,
    repo: REPO,
    name: 'rate-limited gateway',
    env: { RATE_LIMIT_MAX_REQUESTS_PER_WINDOW: '3', RATE_LIMIT_WINDOW_SECONDS: '3600' },
  });
  try {
    const page = await openPage(context, limited.base, pageErrors);
    await choose(page, { provider: 'mock_tone', voice: 'en-US-mock-1', format: 'pcm16', text: 'Limit' });
    await page.fill('#stress-total', '8');
    await page.fill('#stress-concurrency', '2');
    await page.click('button:has-text("Start stress test")');
    await page.waitForSelector('[data-testid="stress-status"][data-phase="done"]', { timeout: 60_000 });
    const completed = await numAttr(page, 'stress-completed');
    const rejected = Number(await page.getAttribute('[data-testid="failure-histogram"] li[data-cause="HTTP 429"]', 'data-count'));
    assert(completed === 3, `expected 3 sessions inside the limit, got ${completed}`);
    assert(rejected === 5, `expected 5 HTTP 429 failures, got ${rejected}`);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.waitForSelector('[data-testid="session-status"][data-phase="failed"]', { timeout: 15_000 });
    const status = await page.textContent('[data-testid="session-status"]');
    assert(/^Rate limited \(HTTP 429\): too many sessions from your address; retry in \d+ s\.$/.test(status), `status says: ${status}`);
    await page.waitForFunction(() => document.querySelector('[data-testid="spark-rate-limit-usage"]')?.getAttribute('data-points') !== '0', null, {
      timeout: 10_000,
    });
    await screenshot(page, 'rate-limited.png');
    await page.close();
  } finally {
    await limited.stop();
  }
});

test('with keys on, the page works through its own token, and a wrong key is a 401 in words', async () => {
  const { createHash } = await import('node:crypto');
  const { writeFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'tts-e2e-keys-'));
  const keysFile = join(dir, 'keys');
  const demoKey = 'tgk_e2e-demo-key';
  writeFileSync(keysFile, `demo ${createHash('sha256').update(demoKey).digest('hex')} streams=4\n`);
  const keyed = await startGateway({
    bin: BIN,
    uiDir: DIST,
    repo: REPO,
    name: 'keyed gateway',
    env: {
      RATE_LIMIT_MAX_REQUESTS_PER_WINDOW: '100000',
      API_KEYS_FILE: keysFile,
      AUTH_TOKEN_SECRET: 'e2e-secret-e2e-secret-e2e-secret-e2e',
      UI_KEY: 'demo',
      PIPER_ENABLED: '0',
    },
  });
  try {
    // Nothing works without a credential, and another site's page gets no token.
    assert((await fetch(`${keyed.base}/v1/voices`)).status === 401, 'voices answer 401 without a key');
    const foreign = await fetch(`${keyed.base}/v1/auth/ui-token`, { method: 'POST', headers: { Origin: 'http://evil.example' } });
    assert(foreign.status === 403, `a foreign origin got ${foreign.status}`);
    // The page loads its voices and streams a session through its own token.
    const page = await openPage(context, keyed.base, pageErrors);
    await choose(page, { provider: 'mock_tone', voice: 'en-US-mock-1', format: 'pcm16', text: 'Keys on' });
    await startAndFinish(page);
    await assertNoErrorShown(page);
    // A wrong key pasted by a developer: the 401 is said in words.
    await page.fill('#api-key', 'tgk_wrong');
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.waitForSelector('[data-testid="voices-error"]', { timeout: 15_000 });
    const said = (await page.textContent('[data-testid="voices-error"]')) ?? '';
    assert(said.includes('API key refused (HTTP 401)') && said.includes('invalid API key'), `the page says: ${said}`);
    await screenshot(page, 'api-key-refused.png');
    await page.getByRole('button', { name: 'Forget key' }).click();
    await page.close();
  } finally {
    await keyed.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the layout fits a 380 px wide screen', async () => {
  const page = await openPage(context, main.base, pageErrors, { width: 380, height: 800 });
  await choose(page, { provider: 'mock_tone', voice: 'en-US-mock-1', format: 'pcm16', text: 'Narrow' });
  await startAndFinish(page);
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
  assert(scroll <= width, `the page scrolls sideways: ${scroll} px content in ${width} px`);
  await screenshot(page, 'narrow.png');
  await page.close();
});

// What the tests in the other files are given.
const helpers = {
  test,
  assert,
  skip,
  assertNoErrorShown,
  openPage: () => openPage(context, main.base, pageErrors),
  voices: () => voices,
  base: () => main.base,
  repo: () => REPO,
  shotPath: (name) => {
    mkdirSync(SHOTS, { recursive: true });
    return join(SHOTS, name);
  },
  screenshotAgent: async (page, name) => {
    mkdirSync(SHOTS, { recursive: true });
    await page.locator('[data-testid="agent-panel"]').screenshot({ path: join(SHOTS, name) });
  },
};
panelTests(helpers);
agentTests(helpers);
gaplessTests(helpers);

test('no uncaught errors in the page', async () => {
  assert(pageErrors.length === 0, pageErrors.join('\n'));
});

// ---------------------------------------------------------------- main
async function main_() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const profile = mkdtempSync(join(tmpdir(), 'tts-e2e-chromium-'));
  try {
    if (!existsSync(join(DIST, 'index.html'))) throw new Error(`${DIST}/index.html is missing: run npm run build first`);
    main = await startGateway({
      bin: BIN,
      uiDir: DIST,
      repo: REPO,
      name: 'gateway',
      env: { RATE_LIMIT_MAX_REQUESTS_PER_WINDOW: '100000', RATE_LIMIT_WINDOW_SECONDS: '60' },
    });
    console.log(`gateway at ${main.base} (${BIN})`);
    voices = (await (await fetch(`${main.base}/v1/voices`)).json()).voices;
    const providers = [...new Set(voices.map((v) => v.provider))];
    console.log(`voices: ${voices.length} from ${providers.join(', ')}; mock_tone formats: ${voices.find((v) => v.provider === 'mock_tone')?.supported_formats.join(', ')}`);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      acceptDownloads: true,
    });
    const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY) : null;
    for (const t of tests) {
      if (only && !only.test(t.name)) continue;
      const started = Date.now();
      try {
        await withTimeout(t.fn(), TEST_TIMEOUT_MS, t.name);
        passed++;
        console.log(`ok   ${t.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (err) {
        if (err instanceof Skip) {
          skipped++;
          console.log(`skip ${t.name}: ${err.message}`);
        } else {
          failed++;
          console.log(`FAIL ${t.name}: ${err?.stack ?? err}`);
        }
      }
    }
  } catch (err) {
    failed++;
    console.log(`FAIL setup: ${err?.stack ?? err}`);
  } finally {
    await context?.close().catch(() => undefined);
    await main?.stop();
    if (failed > 0 && main) console.log(`--- gateway log (last lines) ---\n${main.logs().split('\n').slice(-40).join('\n')}`);
    rmSync(profile, { recursive: true, force: true });
  }
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(failed > 0 ? 1 : 0);
}

await main_();
