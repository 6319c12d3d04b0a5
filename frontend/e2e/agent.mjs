// End-to-end tests of agent mode (the realtime WebSocket) in headless Chromium: first audio
// before the last token, karaoke in order to the last word, barge-in silencing the output
// (measured on an AnalyserNode between the player and the speakers, `__agentProbe`), and the
// next turn on the same socket.

/** The page's agent figures (see src/realtime/agent.ts `probe`). */
const probe = (page) => page.evaluate(() => window.__agentProbe());

async function chooseAgent(page, { voice, format = 'pcm16', text, rate, answerAgain }) {
  await page.selectOption('#agent-voice', voice);
  await page.selectOption('#agent-format', format);
  if (text !== undefined) await page.fill('#agent-text', text);
  if (rate !== undefined) await page.fill('#agent-rate', String(rate));
  if (answerAgain !== undefined) await page.setChecked('text=After a barge-in', answerAgain);
}

async function waitTurn(page, predicate, arg, timeout = 60_000) {
  await page.waitForFunction(predicate, arg, { timeout, polling: 20 });
}

/** Speaks the form's answer to its end and checks the turn: audio before the last token, words lit in order to the last. */
async function speakToTheEnd(page, h, label) {
  await page.getByRole('button', { name: 'Speak', exact: true }).click();
  await waitTurn(page, () => {
    const t = window.__agentProbe().turns.at(-1);
    return t && (t.phase === 'done' || t.phase === 'failed');
  });
  const p = await probe(page);
  const t = p.turns.at(-1);
  h.assert(t.phase === 'done', `${label}: turn ended ${t.phase}: ${t.error}`);
  h.assert(t.tokensSent === t.tokensTotal, `${label}: ${t.tokensSent} of ${t.tokensTotal} tokens sent`);
  h.assert(t.playingAt !== null && t.playingAt < t.lastTokenAt, `${label}: audio was first heard at ${t.playingAt - t.startedAt} ms, the last token went at ${t.lastTokenAt - t.startedAt} ms`);
  h.assert(t.words.length > 3, `${label}: only ${t.words.length} word timings`);
  const hist = t.wordHistory;
  for (let i = 1; i < hist.length; i++) h.assert(hist[i] > hist[i - 1], `${label}: the highlight went back: ${hist.join(',')}`);
  h.assert(hist.at(-1) === t.words.length - 1, `${label}: the highlight ended on word ${hist.at(-1)} of ${t.words.length}`);
  const lit = hist.filter((i) => i >= 0).length;
  h.assert(lit >= Math.ceil(t.words.length * 0.9), `${label}: only ${lit} of ${t.words.length} words were lit (${hist.join(',')})`);
  const shown = Number(await page.getAttribute('[data-testid="karaoke"]', 'data-word-index'));
  h.assert(shown === t.words.length - 1, `${label}: the karaoke shows word ${shown} at the end`);
  return t;
}

const ANSWER = 'Sure, your table for two is booked. See you on Friday at seven!';

/** Starts a long mock_tone answer and waits until `playedMs` of it has been heard. */
async function speakLongAnswer(page, { answerAgain, playedMs }) {
  await chooseAgent(page, { voice: 'mock_tone/en-US-mock-1', text: `${ANSWER} `.repeat(3).trim(), rate: 20, answerAgain });
  await page.getByRole('button', { name: 'Speak', exact: true }).click();
  await waitTurn(page, (ms) => {
    const t = window.__agentProbe().turns.at(-1);
    return t?.playingAt && performance.now() - t.playingAt > ms;
  }, playedMs);
}

export function agentTests(h) {
  h.test('agent mode with mock_tone: first audio before the last token, words lit in order to the last', async () => {
    const page = await h.openPage();
    await chooseAgent(page, { voice: 'mock_tone/en-US-mock-1', text: ANSWER, rate: 4 });
    const t = await speakToTheEnd(page, h, 'mock_tone');
    console.log(`  mock_tone: first audio ${Math.round(t.firstAudioAt - t.startedAt)} ms, heard ${Math.round(t.playingAt - t.startedAt)} ms after the first token; last token at ${Math.round(t.lastTokenAt - t.startedAt)} ms; ${t.words.length} words lit in order`);
    await h.assertNoErrorShown(page);
    await page.locator('[data-testid="agent-panel"]').screenshot({ path: h.shotPath('agent-mode.png') });
    await page.close();
  });

  h.test('agent mode with Piper: first audio before the last token, words lit in order to the last', async () => {
    const piper = h.voices().find((v) => v.provider === 'piper' && v.language === 'en-US') ?? h.voices().find((v) => v.provider === 'piper');
    if (!piper) throw new Error('the gateway lists no piper voice');
    const page = await h.openPage();
    await chooseAgent(page, { voice: `piper/${piper.id}`, text: ANSWER, rate: 6 });
    const t = await speakToTheEnd(page, h, 'piper');
    console.log(`  piper: first audio ${Math.round(t.firstAudioAt - t.startedAt)} ms, heard ${Math.round(t.playingAt - t.startedAt)} ms after the first token; last token at ${Math.round(t.lastTokenAt - t.startedAt)} ms; ${t.words.length} words lit in order`);
    await h.assertNoErrorShown(page);
    await page.close();
  });

  h.test('a repeated sentence shows the cache mark, with its first audio beside a synthesised one', async () => {
    const page = await h.openPage();
    // A text no other test spoke, so its first turn misses whatever ran before.
    const text = `Reference ${Date.now() % 10000}. Goodbye for now.`;
    await chooseAgent(page, { voice: 'mock_tone/en-US-mock-1', text, rate: 30 });
    const marks = async (n) => {
      await page.getByRole('button', { name: 'Speak', exact: true }).click();
      await waitTurn(page, (count) => {
        const turns = window.__agentProbe().turns;
        const t = turns.at(-1);
        return turns.length === count && t && t.phase !== 'sending' && t.phase !== 'connecting' && t.segments.length === 2;
      }, n);
      return (await probe(page)).turns.at(-1).segments;
    };
    const first = await marks(1);
    h.assert(first.every((s) => !s.hit), `the first turn came from the cache: ${JSON.stringify(first)}`);
    await waitTurn(page, () => window.__agentProbe().turns.at(-1).phase === 'done');
    const second = await marks(2);
    h.assert(second.every((s) => s.hit), `the repeated turn was not served from the cache: ${JSON.stringify(second)}`);
    h.assert(second[0].text.startsWith('Reference '), `the first mark names ${second[0].text}`);
    // The page redraws a moment after the frames: wait for both marks, then read the summary.
    await page
      .waitForFunction(() => document.querySelectorAll('[data-testid="cache-marks"] li.cache-hit').length === 2, null, { timeout: 5000, polling: 20 })
      .catch(() => undefined);
    const shown = await page.locator('[data-testid="cache-marks"] li.cache-hit').count();
    h.assert(shown === 2, `${shown} sentences show the cache mark`);
    const hint = await page.textContent('[data-testid="cache-marks"] .hint');
    h.assert(hint.includes('2 of 2') && hint.includes('synthesised sentence began'), `the cache summary reads: ${hint}`);
    console.log(
      `  cached sentences began ${second.map((s) => Math.round(s.afterTextMs)).join(', ')} ms after their text; synthesised: ${first.map((s) => Math.round(s.afterTextMs)).join(', ')} ms`,
    );
    await page.locator('[data-testid="agent-panel"]').screenshot({ path: h.shotPath('agent-cache-marks.png') });
    await page.close();
  });

  h.test('barge-in silences the output within 100 ms of the click, and no later audio of that context plays', async () => {
    const page = await h.openPage();
    await speakLongAnswer(page, { answerAgain: false, playedMs: 1200 });
    await h.screenshotAgent(page, 'agent-barge-in-1-speaking.png');
    await page.evaluate(() => {
      document.addEventListener('click', (e) => (window.__bargeClickAt = e.timeStamp), { capture: true, once: true });
    });
    await page.click('[data-testid="barge-in"]');
    await waitTurn(page, () => window.__agentProbe().turns.at(-1)?.cancel?.ackAt != null, null, 10_000);
    await h.screenshotAgent(page, 'agent-barge-in-2-cancelled.png');
    // Whatever was still on its way has arrived by now.
    await page.waitForTimeout(1500);
    const { clickAt, p } = await page.evaluate(() => ({ clickAt: window.__bargeClickAt, p: window.__agentProbe() }));
    const t = p.turns.at(-1);
    h.assert(t.phase === 'cancelled' && t.cancel, `turn is ${t.phase}`);
    h.assert(p.lastSoundAt !== null && p.lastSoundAt > clickAt - 300, `the meter heard nothing just before the barge-in (last sound ${p.lastSoundAt - clickAt} ms from the click)`);
    const silentAfter = p.lastSoundAt - clickAt;
    h.assert(silentAfter < 100, `sound came out ${silentAfter.toFixed(1)} ms after the click`);
    h.assert(t.stoppedAt - clickAt < 100, `the player stopped ${t.stoppedAt - clickAt} ms after the click`);
    h.assert(t.cancel.heard.length > 0 && t.cancel.unheard.length > 0, `heard ${t.cancel.heard.length}, unheard ${t.cancel.unheard.length} words`);
    const report = await page.textContent('[data-testid="barge-report"]');
    h.assert(report.includes(t.cancel.heard.at(-1)), `the report does not name the last word heard: ${report}`);
    console.log(
      `  output silent ${silentAfter.toFixed(1)} ms after the click; cancel confirmed in ${t.cancel.latencyMs.toFixed(1)} ms; ${t.cancel.heard.length} words heard, ${t.cancel.unheard.length} timed words cut; ${t.cancel.lateFrames} late frames refused`,
    );
    await page.close();
  });

  h.test('Space barges in, and the next turn goes out on the same socket', async () => {
    const page = await h.openPage();
    await speakLongAnswer(page, { answerAgain: true, playedMs: 800 });
    await page.focus('[data-testid="agent-status"]').catch(() => undefined);
    await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
    await page.keyboard.press('Space');
    await waitTurn(page, () => {
      const turns = window.__agentProbe().turns;
      return turns.length === 2 && turns[0].cancel?.ackAt != null && turns[1].playingAt != null;
    }, null, 15_000);
    const p = await probe(page);
    h.assert(p.socketsOpened === 1, `${p.socketsOpened} sockets were opened`);
    h.assert(p.turns[0].phase === 'cancelled' && p.turns[1].contextId !== p.turns[0].contextId, 'the second turn did not get a new context');
    await page.waitForTimeout(800);
    await page.click('details.turns summary');
    await h.screenshotAgent(page, 'agent-barge-in-3-next-turn.png');
    await page.click('[data-testid="barge-in"]');
    await h.assertNoErrorShown(page);
    await page.close();
  });
}
