//! [`Codecs`]: which formats and rates this process can produce, checked once at start-up.

use crate::ffmpeg::{find_ffmpeg, FfmpegAacEncoder};
use crate::flac::FlacEncoder;
use crate::g711::{G711Encoder, Law};
use crate::mp3::Mp3Encoder;
use crate::opus::OggOpusEncoder;
use crate::pcm::Pcm16Encoder;
use crate::rates::{rate_error, SampleRates, MAX_RATE, MIN_RATE};
use crate::wav::WavStreamEncoder;
use crate::{EncodeError, Encoder, EncoderOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tts_core::AudioFormat;

/// Whether an encoder serves a stream or a whole buffer (see [`Encoder::seal`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Stream,
    File,
}

/// The formats available in this process. Built once at start-up, then shared.
#[derive(Clone, Debug, Default)]
pub struct Codecs {
    /// The ffmpeg that serves `aac`, if one was found.
    ffmpeg: Option<Arc<PathBuf>>,
}

impl Codecs {
    /// Detects what is available: native encoders always; `aac` if an ffmpeg with the aac
    /// encoder is found (`FFMPEG_PATH`, else `ffmpeg` on `PATH`). Runs ffmpeg once.
    pub fn detect() -> Self {
        Self {
            ffmpeg: find_ffmpeg().map(Arc::new),
        }
    }

    /// Only the in-process encoders, whatever is installed.
    pub fn native_only() -> Self {
        Self { ffmpeg: None }
    }

    /// The ffmpeg used for `aac`, if any.
    pub fn ffmpeg(&self) -> Option<&Path> {
        self.ffmpeg.as_deref().map(PathBuf::as_path)
    }

    /// The formats that can be produced, in listing order.
    pub fn available(&self) -> Vec<AudioFormat> {
        AudioFormat::ALL
            .into_iter()
            .filter(|f| *f != AudioFormat::Aac || self.ffmpeg.is_some())
            .collect()
    }

    /// The output rates `format` supports (whether or not it is available).
    pub fn sample_rates(&self, format: AudioFormat) -> SampleRates {
        SampleRates::of(format)
    }

    /// Checks that `format` can be delivered at `rate` Hz from audio produced at `native_rate`
    /// (resampling when they differ). The error message names what is supported, for a 400
    /// answer.
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
        if let Some(message) = rate_error(format, rate) {
            return Err(message);
        }
        if rate != native_rate && !(MIN_RATE..=MAX_RATE).contains(&native_rate) {
            return Err(format!(
                "sample_rate_hz {rate} is not supported for this voice (its {native_rate} Hz \
                 audio cannot be resampled); supported: {native_rate}"
            ));
        }
        Ok(())
    }

    /// Checks `options` for `format` at `rate` Hz without building an encoder (which for
    /// mp3 costs LAME's set-up), so a bad bitrate is refused when the session is created
    /// rather than when it streams. The error names the allowed values.
    pub fn check_options(
        &self,
        format: AudioFormat,
        rate: u32,
        options: EncoderOptions,
    ) -> Result<(), String> {
        let checked = match format {
            AudioFormat::Mp3 => crate::mp3::check_bitrate(rate, options).map(drop),
            AudioFormat::Opus => crate::opus::check_bitrate(rate, options).map(drop),
            AudioFormat::Aac => crate::ffmpeg::check_bitrate(options).map(drop),
            _ => Ok(()),
        };
        checked.map_err(|e| e.to_string())
    }

    /// A new streaming encoder for `format` at `rate` Hz.
    pub fn encoder(
        &self,
        format: AudioFormat,
        rate: u32,
        options: EncoderOptions,
    ) -> Result<Box<dyn Encoder>, EncodeError> {
        self.build(format, rate, options, Mode::Stream)
    }

    pub(crate) fn build(
        &self,
        format: AudioFormat,
        rate: u32,
        options: EncoderOptions,
        mode: Mode,
    ) -> Result<Box<dyn Encoder>, EncodeError> {
        if let Some(message) = rate_error(format, rate) {
            return Err(EncodeError::Unsupported(message));
        }
        let whole_file = mode == Mode::File;
        Ok(match format {
            AudioFormat::Pcm16 => Box::new(Pcm16Encoder),
            AudioFormat::Wav => Box::new(WavStreamEncoder::new(rate)),
            AudioFormat::Mulaw => Box::new(G711Encoder::new(Law::Mu)),
            AudioFormat::Alaw => Box::new(G711Encoder::new(Law::A)),
            AudioFormat::Flac => Box::new(FlacEncoder::new(rate, whole_file)?),
            AudioFormat::Mp3 => Box::new(Mp3Encoder::new(rate, options, whole_file)?),
            AudioFormat::Opus => Box::new(OggOpusEncoder::new(rate, options)?),
            AudioFormat::Aac => match self.ffmpeg() {
                Some(ffmpeg) => Box::new(FfmpegAacEncoder::new(ffmpeg, rate, options)?),
                None => {
                    return Err(EncodeError::Unsupported(
                        "format aac is not available (needs ffmpeg)".into(),
                    ))
                }
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked_without_an_encoder() {
        let c = Codecs::native_only();
        let opts = |kbps| EncoderOptions {
            bitrate_kbps: Some(kbps),
            ..Default::default()
        };
        assert!(c.check_options(AudioFormat::Mp3, 16000, opts(64)).is_ok());
        let e = c
            .check_options(AudioFormat::Mp3, 16000, opts(320))
            .unwrap_err();
        assert!(e.contains("supported: 8, 16"), "{e}");
        assert!(c
            .check_options(AudioFormat::Opus, 48000, opts(600))
            .is_err());
        assert!(c.check_options(AudioFormat::Aac, 48000, opts(4)).is_err());
        assert!(c.check_options(AudioFormat::Wav, 16000, opts(4)).is_ok());
    }

    #[test]
    fn aac_is_listed_only_with_ffmpeg() {
        let native = Codecs::native_only();
        assert!(!native.available().contains(&AudioFormat::Aac));
        assert_eq!(native.available().len(), AudioFormat::ALL.len() - 1);
        let err = native.check(AudioFormat::Aac, 16_000, 16_000).unwrap_err();
        assert!(err.contains("supported formats: pcm16, wav, mp3, opus, mulaw, alaw, flac"));
    }

    #[test]
    fn check_allows_resampling_within_each_formats_rates() {
        let c = Codecs::native_only();
        assert_eq!(c.check(AudioFormat::Opus, 22_050, 48_000), Ok(()));
        assert_eq!(c.check(AudioFormat::Mp3, 16_000, 44_100), Ok(()));
        assert_eq!(c.check(AudioFormat::Mulaw, 22_050, 8_000), Ok(()));
        assert_eq!(
            c.check(AudioFormat::Opus, 16_000, 12_345).unwrap_err(),
            "sample_rate_hz 12345 is not supported for opus; supported: 8000, 12000, 16000, 24000, 48000"
        );
        assert!(c
            .check(AudioFormat::Mp3, 16_000, 96_000)
            .unwrap_err()
            .ends_with("supported: 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000"));
        assert!(c.check(AudioFormat::Wav, 4_000, 16_000).is_err());
        assert_eq!(
            c.check(AudioFormat::Wav, 4_000, 4_000).unwrap_err(),
            "sample_rate_hz 4000 is not supported for wav; supported: 8000 to 192000"
        );
    }

    #[test]
    fn bad_bitrates_are_refused_with_the_allowed_values() {
        let c = Codecs::native_only();
        let opts = EncoderOptions {
            bitrate_kbps: Some(320),
            ..Default::default()
        };
        let err = c.encoder(AudioFormat::Mp3, 16_000, opts).err().unwrap();
        assert_eq!(
            err,
            EncodeError::Unsupported(
                "bitrate_kbps 320 is not supported for mp3 at 16000 Hz; supported: 8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160".into()
            )
        );
        let opts = EncoderOptions {
            bitrate_kbps: Some(1000),
            ..Default::default()
        };
        assert!(c.encoder(AudioFormat::Opus, 16_000, opts).is_err());
    }
}
