// Shapes of the wire contract (shared/PROTOCOL.md).

/** One entry of `GET /v1/voices`. */
export interface Voice {
  id: string;
  name: string;
  language: string;
  provider: string;
  sample_rate_hz: number;
  supported_formats: string[];
  extra?: Record<string, string>;
}

/** Body of `POST /v1/tts/sessions`. Optional fields are sent only when set. */
export interface SessionRequest {
  provider: string;
  voice: string;
  text: string;
  target_format: string;
  sample_rate_hz: number;
  language?: string;
  bitrate_kbps?: number;
  speed?: number;
  pitch?: number;
}

/** 201 answer of `POST /v1/tts/sessions`. */
export interface CreatedSession {
  session_id: string;
  ws_url: string;
}

/** Answer of `POST /v1/tts/normalize`. */
export interface Normalized {
  /** The text as it will be spoken. */
  text: string;
  /** The parts the engine is given, in order (`type` "text" for speech). */
  pieces: { type: string; text?: string }[];
  /** How the text is cut for synthesis. */
  segments: string[];
  language: string;
}

/** A server → client WebSocket frame, after parsing. */
export type StreamFrame =
  | { type: 'audio'; seq: number; data: string }
  | { type: 'eos' }
  | { type: 'error'; code: number; message: string };
