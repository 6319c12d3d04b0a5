// End-to-end tests of the normalisation view and the "use it from your code" snippets: the
// view shows the gateway's reading as the text is typed; the realtime snippet runs in the
// page and the OpenAI SDK snippet runs in Python (when an SDK venv is at hand) against the
// real gateway.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export function panelTests(h) {
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
    await page.selectOption('#provider', 'mock_tone');
    await page.selectOption('#voice', 'en-US-mock-1');
    await page.selectOption('#format', 'pcm16');
    await page.fill('#text', 'Hi, there.');
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
