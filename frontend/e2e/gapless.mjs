// End-to-end check of gapless information in Chromium: what `decodeAudioData` makes of the
// gateway's mp3 and aac, against the PCM of the same request. A whole mp3 file (`/file`)
// carries LAME's tag (delay and padding: exact); a streamed mp3 (`/v1/audio/speech`) starts
// with an Info frame that carries the encoder delay, so only the last frame's padding
// remains; ADTS aac has no place for either (docs/PROTOCOL.md, "Gapless"), so its priming
// and padding remain and are only reported, bounded. The web UI's MediaSource player, which
// Chromium applies no gapless information for, trims the mp3 stream by its Info frame and
// the aac stream by its encoder's fixed priming: the length it plays is the audio's,
// within the last frame's padding.

const TEXT = 'Gapless check, one two three.';

/** Decoded duration in seconds of `url` (fetched by the page), by decodeAudioData. */
function decodedSeconds(page, url) {
  return page.evaluate(async (u) => {
    const bytes = await (await fetch(u)).arrayBuffer();
    const audio = await new OfflineAudioContext(1, 1, 48_000).decodeAudioData(bytes);
    return audio.duration;
  }, url);
}

/** The same, for a POST to the OpenAI door (a streamed response, saved whole). */
function speechSeconds(page, format) {
  return page.evaluate(
    async ([input, format]) => {
      const resp = await fetch('/v1/audio/speech', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock_tone', voice: 'en-US-mock-1', input, response_format: format }),
      });
      if (!resp.ok) throw new Error(`speech ${format}: HTTP ${resp.status}`);
      const audio = await new OfflineAudioContext(1, 1, 48_000).decodeAudioData(await resp.arrayBuffer());
      return audio.duration;
    },
    [TEXT, format],
  );
}

/** A mock_tone session of TEXT at its own 16 kHz: its id and its PCM's length in seconds. */
async function mockToneSession(base) {
  const create = await fetch(`${base}/v1/tts/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ provider: 'mock_tone', voice: 'en-US-mock-1', text: TEXT, target_format: 'pcm16', sample_rate_hz: 16_000 }),
  });
  const { session_id: id } = await create.json();
  const pcm = await (await fetch(`${base}/v1/tts/sessions/${id}/file?format=pcm16`)).arrayBuffer();
  return { id, seconds: pcm.byteLength / 2 / 16_000 };
}

export function gaplessTests(h) {
  h.test('mp3 decodes in Chromium to the PCM length (file exactly, stream within its last frame); aac is reported', async () => {
    const page = await h.openPage();
    const base = h.base();
    const formats = h.voices().find((v) => v.provider === 'mock_tone').supported_formats;
    const rows = [];
    // mock_tone speaks at 16 kHz: /file at 16 kHz is the engine's own rate; the OpenAI door
    // answers at 24 kHz (its own default), which is what its mp3 frame size follows.
    const { id, seconds } = await mockToneSession(base);
    const ms = (s) => Math.round((s - seconds) * 1000 * 10) / 10;

    const mp3File = await decodedSeconds(page, `/v1/tts/sessions/${id}/file?format=mp3`);
    rows.push(`mp3 /file ${ms(mp3File)} ms`);
    h.assert(Math.abs(mp3File - seconds) < 0.001, `mp3 /file decodes to ${mp3File} s for ${seconds} s of PCM`);

    const mp3Speech = await speechSeconds(page, 'mp3');
    rows.push(`mp3 /v1/audio/speech ${ms(mp3Speech)} ms`);
    // 24 kHz is MPEG-2: 576-sample frames; under two of padding remain, never the delay.
    h.assert(mp3Speech >= seconds && mp3Speech - seconds < (2 * 576) / 24_000, `mp3 /v1/audio/speech decodes to ${mp3Speech} s for ${seconds} s of PCM`);

    if (formats.includes('aac')) {
      const aacFile = await decodedSeconds(page, `/v1/tts/sessions/${id}/file?format=aac`);
      const aacSpeech = await speechSeconds(page, 'aac');
      rows.push(`aac /file ${ms(aacFile)} ms`, `aac /v1/audio/speech ${ms(aacSpeech)} ms`);
      // ADTS: 1024 priming samples and under one frame of padding, at 16 and 24 kHz.
      h.assert(aacFile - seconds < 2048 / 16_000, `aac /file decodes to ${aacFile} s for ${seconds} s`);
      h.assert(aacSpeech - seconds < 2048 / 24_000, `aac /v1/audio/speech decodes to ${aacSpeech} s for ${seconds} s`);
    }
    console.log(`  decoded length beyond the PCM's ${seconds} s: ${rows.join('; ')}`);
    await page.close();
  });

  // mp3: a stream's padding is unknown until its end, so under one frame (576 samples at
  // 24 kHz and below, MPEG-2) may remain; untrimmed, the delay alone was 1 105 samples.
  // aac: the priming (1 024 samples) is trimmed, the padding (under 1 024) remains.
  for (const [format, frame] of [['mp3', 576], ['aac', 1024]]) {
    h.test(`the MediaSource player plays a streamed ${format} for the audio's length: its priming is trimmed`, async () => {
      const voice = h.voices().find((v) => v.provider === 'mock_tone');
      if (!voice.supported_formats.includes(format)) h.skip(`mock_tone offers no ${format} here`);
      const page = await h.openPage();
      const { seconds } = await mockToneSession(h.base());
      await page.selectOption('#provider', 'mock_tone');
      await page.selectOption('#voice', 'en-US-mock-1');
      await page.selectOption('#format', format);
      await page.fill('#text', TEXT);
      await page.getByRole('button', { name: 'Start', exact: true }).click();
      await page.waitForFunction(() => window.__msePlayed !== undefined, null, { timeout: 60_000 });
      const played = await page.evaluate(() => window.__msePlayed);
      // An empty rate field means the voice's own rate.
      const rate = Number(await page.inputValue('#sample-rate')) || voice.sample_rate_hz;
      const ms = (s) => Math.round(s * 10_000) / 10;
      console.log(`  MediaSource ${format} at ${rate} Hz: ${played.seconds} s for ${seconds} s of PCM (${ms(played.seconds - seconds)} ms beyond; ${ms(played.trimStart)} ms trimmed at the start)`);
      h.assert(played.trimStart > 0, `${format}: the player trimmed nothing: ${JSON.stringify(played)}`);
      h.assert(played.seconds >= seconds - 0.002 && played.seconds - seconds < frame / rate, `MediaSource plays ${played.seconds} s of ${format} for ${seconds} s of PCM`);
      await page.close();
    });
  }
}
