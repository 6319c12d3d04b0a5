//! Cartesia's text-to-speech API under the path prefix `/cartesia` (clients set
//! `http://gateway/cartesia` as their base URL), so Cartesia's SDKs and the agent
//! frameworks built on them work with only the base URL changed. What is supported and
//! what is refused: docs/CARTESIA.md.
//!
//! A thin door: [`wire`] reads Cartesia's generation requests (voice, `output_format`,
//! speed) and writes its socket messages, [`handler`] runs `POST /tts/bytes` on the shared
//! pipeline and lists voices, [`connection`] is the `/tts/websocket` contexts inside
//! `doors::socket`, and [`error`] answers in Cartesia's error shape.

mod connection;
mod error;
mod handler;
pub(crate) mod wire;

pub use connection::Cartesia;
pub use error::CODES;
pub use handler::{bytes, voices};
