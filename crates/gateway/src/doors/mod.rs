//! The doors: each translates one wire protocol into calls of the shared
//! [`crate::pipeline`], and the pipeline's frames back into that protocol.
//!
//! - [`session`]: the native session WebSocket (`/v1/tts/stream/{id}`);
//! - [`openai`]: OpenAI's `POST /v1/audio/speech` and `GET /v1/models`;
//! - [`realtime`]: the text-in WebSocket with contexts (`/v1/tts/realtime`);
//! - [`deepgram`]: Deepgram's `POST /v1/speak` and its `/v1/speak` WebSocket;
//! - [`elevenlabs`]: ElevenLabs' speech endpoints and sockets, under `/elevenlabs`;
//! - [`cartesia`]: Cartesia's `/tts/bytes` and `/tts/websocket`, under `/cartesia`;
//! - [`wyoming`]: the Wyoming protocol (Home Assistant), on its own TCP port.
//!
//! `/file` and the other plain HTTP endpoints of the native API are in `crate::routes`.

pub mod cartesia;
pub mod context;
pub mod deepgram;
pub mod elevenlabs;
pub mod http;
pub mod openai;
pub mod realtime;
pub mod session;
pub mod socket;
pub mod ws;
pub mod wyoming;
