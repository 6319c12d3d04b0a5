//! ElevenLabs' text-to-speech API under the path prefix `/elevenlabs` (clients set
//! `http://gateway/elevenlabs` as their base URL), so ElevenLabs' SDKs and the agent
//! frameworks built on them work with only the base URL changed, and ElevenLabs'
//! `GET /v1/voices` does not take the place of the gateway's own. What is supported and
//! what is refused: docs/ELEVENLABS.md.
//!
//! A thin door: [`wire`] reads `output_format`, the body and the socket messages and
//! writes the audio messages (with per-character `alignment`), [`handler`] runs the REST
//! form on the shared pipeline and checks a socket's handshake, [`connection`] is the two
//! sockets (one context, or many) inside `doors::socket`, and [`error`] answers in
//! ElevenLabs' `{"detail":{…}}` shape.

mod connection;
mod error;
mod handler;
pub(crate) mod wire;

pub use error::CODES;
pub use handler::{models, speech, upgrade, voices};
