// Starts and stops a real tts-gateway for the end-to-end tests: a free loopback port, the
// built UI from dist/, the project's engine paths from scripts/env.sh when it exists, and
// whatever extra environment a test asks for (e.g. a low rate limit).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/**
 * Starts the gateway and waits until /healthz answers.
 * @returns {Promise<{ base: string, port: number, logs: () => string, stop: () => Promise<void> }>}
 */
export async function startGateway({ bin, uiDir, repo, env = {}, name = 'gateway', readyTimeoutMs = 90_000 }) {
  if (!existsSync(bin)) throw new Error(`gateway binary not found at ${bin} (build it, or set TTS_GATEWAY_BIN)`);
  const port = await freePort();
  const envScript = resolve(repo, 'scripts/env.sh');
  const script = existsSync(envScript) ? `. "${envScript}"; exec "$TTS_GATEWAY_BIN"` : 'exec "$TTS_GATEWAY_BIN"';
  const child = spawn('bash', ['-c', script], {
    cwd: repo,
    env: {
      ...process.env,
      TTS_GATEWAY_BIN: bin,
      HOST: '127.0.0.1',
      PORT: String(port),
      UI_DIR: uiDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exitPromise = new Promise((ok) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      ok();
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exitPromise;
    clearTimeout(timer);
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited) throw new Error(`${name} exited (${JSON.stringify(exited)}) before it was ready:\n${output}`);
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not answer /healthz within ${readyTimeoutMs / 1000} s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, port, logs: () => output, stop };
}
