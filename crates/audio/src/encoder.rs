//! The [`Encoder`] trait every format implements, and its options and errors.

/// Per-request encoder settings. Fields a format does not use are ignored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EncoderOptions {
    /// Target bitrate for lossy codecs (mp3, opus, aac), in kbit/s; `None` = format default.
    pub bitrate_kbps: Option<u32>,
}

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
/// not used again. The concatenation of everything appended is one valid file.
pub trait Encoder: Send {
    fn encode(&mut self, samples: &[i16], out: &mut Vec<u8>) -> Result<(), EncodeError>;
    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), EncodeError>;
}
