//! Streaming audio encoding: one [`Transcoder`] per stream turns the engine's PCM chunks
//! into bytes of the client's format, resampling on the way when the rates differ.
//!
//! The key decision: an encoder lives as long as its stream, so the concatenation of every
//! byte it emits (in order) is ONE valid file of the format, and bytes leave as soon as the
//! codec emits them. [`encode_file`] produces the same format for a whole buffer at once,
//! with exact lengths in the headers, for the `/file` endpoint.

mod codecs;
mod encoder;
mod pcm;
mod transcoder;
mod wav;

pub use codecs::Codecs;
pub use encoder::{EncodeError, Encoder, EncoderOptions};
pub use transcoder::{encode_file, Transcoder};
pub use wav::wav_header;
