// End-to-end tests of the realtime stress run with barge-ins, the normalisation view and the
// "use it from your code" snippets: the view shows the gateway's reading as the text is
// typed; the realtime snippet runs in the page and the OpenAI SDK snippet runs in Python
// (when an SDK venv is at hand) against the real gateway.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/** The session form: mock_tone, pcm16, and `text`. */
async function chooseMockTone(page, text) {
  await page.selectOption('#provider', 'mock_tone');
  await page.selectOption('#voice', 'en-US-mock-1');
  await page.selectOption('#format', 'pcm16');
  await page.fill('#text', text);
}

export function panelTests(h) {
  h.test('a realtime stress run with barge-ins: every context ends, cancels are confirmed, no audio after `cancelled`', async () => {
    const page = await h.openPage();
    await chooseMockTone(page, 'Stress test, with barge-ins. Half of these contexts are cancelled.');
    await page.selectOption('#stress-kind', 'realtime');
    await page.selectOption('#stress-cancel-share', '50');
    await page.fill('#stress-total', '20');
    await page.fill('#stress-concurrency', '5');
    await page.click('button:has-text("Start stress test")');
    await page.waitForSelector('[data-testid="stress-status"][data-phase="done"]', { timeout: 90_000 });
    const n = async (id, name = 'data-value') => Number(await page.getAttribute(`[data-testid="${id}"]`, name));
    const completed = await n('stress-completed');
    const failed = await n('stress-failed');
    h.assert(completed === 20 && failed === 0, `completed ${completed}, failed ${failed}: ${await page.textContent('[data-testid="stress-status"]')}`);
    h.assert((await n('stress-cancel-latency', 'data-count')) === 10, 'not 10 confirmed cancels');
    h.assert((await n('stress-audio-after-cancelled')) === 0, 'audio came after a `cancelled`');
    console.log(
      `  cancel → cancelled p50 / p95: ${await page.textContent('[data-testid="stress-cancel-latency"]')}; ${await n('stress-in-flight-at-cancel')} frames were in flight at the cancels`,
    );
    await page.locator('section[aria-labelledby="stress-heading"]').screenshot({ path: h.shotPath('stress-realtime.png') });
    await page.close();
  });


  h.test('the normalisation view shows what the gateway will say, as the text is typed', async () => {
    const page = await h.openPage();
    await page.fill('#text', 'Dr. Smith paid $3.50 on 2024-01-02.');
    await page.waitForFunction(() => document.querySelector('[data-testid="normalized-text"]')?.textContent?.includes('three dollars and fifty cents'), null, { timeout: 10_000 });
    const said = await page.textContent('[data-testid="normalized-text"]');
    h.assert(said.startsWith('Doctor Smith'), `normalised as: ${said}`);
    await page.locator('section[aria-labelledby="session-heading"]').screenshot({ path: h.shotPath('normalisation.png') });
    await page.close();
  });

  h.test('the realtime snippet runs in the page and the OpenAI SDK snippet in Python, with the chosen voice', async () => {
    const page = await h.openPage();
    await chooseMockTone(page, 'Hi, there.');
    await page.click('details.curl summary');
    await page.getByRole('tab', { name: 'Realtime WebSocket (JS)' }).click();
    const js = await page.textContent('[data-testid="snippet-realtime"]');
    h.assert(js.includes('"voice":"en-US-mock-1"') && js.includes('"format":"pcm16"'), `realtime snippet: ${js}`);
    const bytes = await page.evaluate(
      (code) =>
        new Promise((ok, fail) => {
          let n = 0;
          const ws = new Function('play', `${code}\nreturn ws;`)((b) => (n += b.length));
          ws.addEventListener('close', () => ok(n));
          setTimeout(() => fail(new Error('the snippet did not finish')), 10_000);
        }),
      js,
    );
    // mock_tone at 16 kHz: 100 ms a character, of the two segments "Hi," and "there.".
    h.assert(bytes === 9 * 3200, `the realtime snippet received ${bytes} bytes`);
    await page.getByRole('tab', { name: 'OpenAI SDK (Python)' }).click();
    const python = await page.textContent('[data-testid="snippet-openai"]');
    h.assert(python.includes(`base_url="${h.base()}/v1"`), `OpenAI snippet: ${python}`);
    await page.locator('details.curl').screenshot({ path: h.shotPath('code-snippets.png') });
    await page.close();
    const pythonBin = resolve(h.repo(), process.env.SDK_PYTHON ?? '.local/sdk-venv/bin/python');
    if (!existsSync(pythonBin)) h.skip(`no Python with the openai package at ${pythonBin} (SDK_PYTHON)`);
    const dir = mkdtempSync(join(tmpdir(), 'tts-snippet-'));
    try {
      await promisify(execFile)(pythonBin, ['-c', python], { cwd: dir, timeout: 30_000 });
      const pcm = readFileSync(join(dir, 'speech.pcm'));
      h.assert(pcm.length === 10 * 3200, `the OpenAI SDK saved ${pcm.length} bytes`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
