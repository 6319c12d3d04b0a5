// Where the gateway is. The built UI is served by the gateway itself, so by default every
// URL is relative to the page (same origin). `npm run dev` goes through Vite's proxy, also
// relative. A build made with VITE_TTS_API_BASE_URL talks to that origin instead (the
// gateway must then allow the page's origin).

const configured: string = import.meta.env.DEV
  ? ''
  : ((import.meta.env.VITE_TTS_API_BASE_URL as string | undefined) ?? '');

/** The API base without a trailing slash; '' means "same origin as the page". */
export const apiBase: string = configured.replace(/\/+$/, '');

/** Absolute URL of an API path such as `/v1/voices`. */
export function apiUrl(path: string): string {
  return new URL(apiBase + path, window.location.href).toString();
}

/**
 * The WebSocket URL to stream a session from. The gateway's `ws_url` is used as given
 * (it is built from the request's Host); without one, it is derived from the API base.
 */
export function streamUrl(sessionId: string, wsUrlFromServer: string | undefined): string {
  if (wsUrlFromServer) return wsUrlFromServer;
  const url = new URL(apiUrl(`/v1/tts/stream/${encodeURIComponent(sessionId)}`));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}
