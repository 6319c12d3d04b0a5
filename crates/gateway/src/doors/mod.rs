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

use crate::guard::Refusal;
use crate::pipeline::Api;
use axum::response::{IntoResponse, Response};

/// A refusal of `crate::guard` in the shape of `door`'s errors (FastAPI's `{"detail"}`
/// for the native API), for the endpoints checked before their handler runs.
pub fn refused(door: Api, r: Refusal) -> Response {
    match door {
        Api::OpenAi => openai::OpenAiError::from(r).into_response(),
        Api::ElevenLabs => elevenlabs::CODES.refusal(r).into_response(),
        Api::Cartesia => cartesia::CODES.refusal(r).into_response(),
        Api::Deepgram => deepgram::CODES.refusal(r).into_response(),
        Api::Session | Api::File | Api::Realtime | Api::Wyoming => {
            crate::error::ApiError::from(r).into_response()
        }
    }
}
