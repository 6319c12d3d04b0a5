//! Streaming audio encoding: one [`Transcoder`] per stream turns the engine's PCM chunks
//! into bytes of the client's format, resampling on the way when the rates differ.
//!
//! The key decision: an encoder lives as long as its stream, so the concatenation of every
//! byte it emits (in order) is ONE valid file of the format, and bytes leave as soon as the
//! codec emits them. [`encode_file`] produces the same format for a whole buffer at once,
//! with exact lengths in the headers, for the `/file` endpoint.
//!
//! Native encoders (pcm16, wav, mulaw, alaw, flac, mp3 via LAME, opus via libopus) run in
//! process; aac runs through one ffmpeg process per stream and exists only where ffmpeg
//! does. This crate has no `unsafe` of its own: the codec bindings wrap the C libraries.
#![forbid(unsafe_code)]

mod codecs;
mod encoder;
mod ffmpeg;
mod flac;
mod g711;
mod mp3;
mod mp3_info;
mod opus;
mod pcm;
mod rates;
mod resample;
mod transcoder;
mod wav;

#[cfg(test)]
mod test_support;

pub use codecs::Codecs;
pub use encoder::{EncodeError, Encoder, EncoderOptions, MP3_FAST_COMPLEXITY};
pub use rates::SampleRates;
pub use resample::{resample, Resampler};
pub use transcoder::{encode_file, Transcoder};
pub use wav::wav_header;

/// A fresh Ogg stream serial number. Only has to differ between streams that might be
/// chained or multiplexed, so std's randomly keyed hasher is random enough.
pub(crate) fn stream_serial() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    h.finish() as u32
}
