//! The [`Encoder`] trait every format implements, and its options and errors.

/// Per-request encoder settings. Fields a format does not use are ignored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EncoderOptions {
    /// Target bitrate for lossy codecs (mp3, opus, aac), in kbit/s; `None` = format default
    /// (mp3 64, or 32 at 8–12 kHz; opus 24 up to 16 kHz, else 32; aac 64).
    pub bitrate_kbps: Option<u32>,
    /// Effort for lossy codecs, 0 (fastest) ..= 10 (best); `None` = the default (opus 4,
    /// mp3 3 = LAME `-q 7`). Opus uses it as its complexity; mp3 maps it to LAME quality
    /// `10 - c`, and 0 or 1 (quality 9) also turns LAME's psychoacoustic model off (see
    /// [`MP3_FAST_COMPLEXITY`]).
    pub complexity: Option<u8>,
}

/// The mp3 complexity of the fast mode: LAME quality 9, which in the vendored LAME
/// (vendor/mp3lame-sys) runs no psychoacoustic model, as LAME did before 3.99. Measured
/// about 1.7x cheaper per stream than the default, at a PESQ up to 0.55 lower on speech
/// (docs/BENCHMARKS.md).
pub const MP3_FAST_COMPLEXITY: u8 = 0;

/// An encoder failed, or was asked for something it cannot do.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EncodeError {
    /// The format/rate/option combination is not supported; the message says what is.
    #[error("{0}")]
    Unsupported(String),
    /// The codec library reported an error.
    #[error("encoder failed: {0}")]
    Codec(String),
}

/// A streaming encoder for one stream, fed mono PCM16 at one fixed rate.
///
/// Contract: `encode` may be called any number of times with any number of samples
/// (including zero); bytes appended to `out` are ready to send. `finish` flushes what the
/// codec still holds and writes trailers; it is called once, after which the encoder is
/// not used again (except for `seal`). The concatenation of everything appended is one
/// valid file.
pub trait Encoder: Send {
    fn encode(&mut self, samples: &[i16], out: &mut Vec<u8>) -> Result<(), EncodeError>;
    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), EncodeError>;

    /// Whole-file use only, after `finish`: `file` is everything this encoder emitted, in
    /// order. Rewrites header fields in place with values only known at the end (a WAV's
    /// data size, FLAC's totals and MD5, MP3's Xing/LAME tag). Streams never call it; the
    /// default does nothing.
    fn seal(&mut self, _file: &mut [u8]) -> Result<(), EncodeError> {
        Ok(())
    }
}
