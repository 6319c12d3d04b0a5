// One realtime WebSocket (`/v1/tts/realtime`) shared by all of an agent's turns: opened on
// first use, reopened if it was lost. Frames are parsed and handed to one handler; a frame
// that is not of the contract is counted. Sending before the socket is open waits for it.

import { withToken } from '../api/auth';
import { apiUrl } from '../api/config';
import { parseServerFrame, type ClientMessage, type ServerFrame } from './wire';

export interface SocketHandlers {
  onFrame(frame: ServerFrame): void;
  /** The socket closed or failed; turns on it are over. */
  onClosed(reason: string): void;
}

/** The realtime endpoint next to the page's API base, as ws:// or wss://. */
export function realtimeUrl(): string {
  const url = new URL(apiUrl('/v1/tts/realtime'));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export class RealtimeSocket {
  /** Connections opened so far (1 while the same socket carries every turn). */
  opened = 0;
  parseErrors = 0;
  private ws: WebSocket | null = null;
  private ready: Promise<WebSocket> | null = null;

  constructor(private readonly handlers: SocketHandlers) {}

  /** Sends a message, opening the socket first if needed. */
  async send(msg: ClientMessage): Promise<void> {
    const ws = await this.connect();
    ws.send(JSON.stringify(msg));
  }

  /** Sends at once if the socket is open (a cancel must not wait); false if it is not. */
  sendNow(msg: ClientMessage): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  close(): void {
    const ws = this.ws;
    this.ws = null;
    this.ready = null;
    if (ws) {
      ws.onclose = null;
      ws.close(1000, 'page closed the agent');
    }
  }

  private connect(): Promise<WebSocket> {
    // While the socket is being opened (its token fetched) `ws` is still null: every
    // sender waits for the same opening, so all contexts share one socket.
    if (this.ready && (this.ws === null || this.ws.readyState <= WebSocket.OPEN)) return this.ready;
    const ready = this.open();
    this.ready = ready;
    ready.catch(() => {
      if (this.ready === ready) this.ready = null;
    });
    return ready;
  }

  /** Opens the socket (with a token in its URL when the gateway wants one). */
  private async open(): Promise<WebSocket> {
    const url = await withToken(realtimeUrl());
    const ws = new WebSocket(url);
    this.ws = ws;
    this.opened++;
    const opened = new Promise<WebSocket>((ok, fail) => {
      ws.onopen = () => ok(ws);
      ws.onerror = () => fail(new Error('The realtime WebSocket could not be opened.'));
    });
    ws.onmessage = (ev) => {
      const frame = typeof ev.data === 'string' ? parseServerFrame(ev.data) : null;
      if (frame) this.handlers.onFrame(frame);
      else this.parseErrors++;
    };
    ws.onclose = (ev) => {
      if (this.ws === ws) {
        this.ws = null;
        this.ready = null;
      }
      this.handlers.onClosed(`the realtime WebSocket closed (code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''})`);
    };
    return opened;
  }
}
