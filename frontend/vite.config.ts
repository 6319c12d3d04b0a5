// Vite config. In production the gateway serves `dist/` itself, so the app uses relative
// URLs. `npm run dev` proxies the API paths (HTTP and WebSocket) to the gateway named by
// VITE_TTS_API_BASE_URL (default http://localhost:8080). The Host header is kept, so the
// `ws_url` the gateway returns points back at the dev server and goes through the proxy too.
import { loadEnv } from 'vite';
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), '');
  const target = env.VITE_TTS_API_BASE_URL || 'http://localhost:8080';
  const proxied = { target, changeOrigin: false, ws: true };
  return {
    plugins: [react()],
    base: './',
    server: {
      proxy: { '/v1': proxied, '/metrics': proxied, '/healthz': proxied },
    },
    test: {
      include: ['src/**/*.test.ts'],
      environment: 'node',
      reporters: ['default', './vitest.summary.ts'],
    },
  };
});
