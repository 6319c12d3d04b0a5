//! [`SampleRates`]: which output rates each format can carry, and how to say so in a 400.

use std::fmt;
use tts_core::AudioFormat;

/// The lowest and highest rate the resampler and the PCM-like formats accept.
pub const MIN_RATE: u32 = 8_000;
pub const MAX_RATE: u32 = 192_000;

/// MPEG-1, -2 and -2.5 Layer III rates; LAME is told to keep the rate it is given.
pub const MP3_RATES: &[u32] = &[
    8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000,
];
/// Opus's native rates. Anything else would be resampled inside libopus anyway, and the
/// Ogg header can only advertise the input rate, so other rates are refused rather than
/// silently converted.
pub const OPUS_RATES: &[u32] = &[8_000, 12_000, 16_000, 24_000, 48_000];
/// The sampling-frequency table of ADTS headers (ISO/IEC 14496-3, index 0..=12).
pub const AAC_RATES: &[u32] = &[
    7_350, 8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000, 64_000, 88_200,
    96_000,
];

/// The sample rates a format can be produced at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleRates {
    /// Every integer rate in `min..=max`.
    Range { min: u32, max: u32 },
    /// Exactly these rates, ascending.
    Only(&'static [u32]),
}

impl SampleRates {
    /// The rates `format` can be encoded at (whether the format is available is a separate
    /// question, see [`crate::Codecs::available`]).
    pub fn of(format: AudioFormat) -> Self {
        match format {
            AudioFormat::Mp3 => SampleRates::Only(MP3_RATES),
            AudioFormat::Opus => SampleRates::Only(OPUS_RATES),
            AudioFormat::Aac => SampleRates::Only(AAC_RATES),
            AudioFormat::Pcm16
            | AudioFormat::Wav
            | AudioFormat::Mulaw
            | AudioFormat::Alaw
            | AudioFormat::Flac => SampleRates::Range {
                min: MIN_RATE,
                max: MAX_RATE,
            },
        }
    }

    /// Returns true if and only if `rate` is one of these rates.
    pub fn contains(&self, rate: u32) -> bool {
        match *self {
            SampleRates::Range { min, max } => (min..=max).contains(&rate),
            SampleRates::Only(list) => list.contains(&rate),
        }
    }
}

/// Lists the rates as a client should read them: "8000, 16000" or "8000 to 192000".
impl fmt::Display for SampleRates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            SampleRates::Range { min, max } => write!(f, "{min} to {max}"),
            SampleRates::Only(list) => {
                for (i, r) in list.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{r}")?;
                }
                Ok(())
            }
        }
    }
}

/// The 400 message for a rate outside `SampleRates::of(format)`, or `None` if it is inside.
pub(crate) fn rate_error(format: AudioFormat, rate: u32) -> Option<String> {
    let rates = SampleRates::of(format);
    (!rates.contains(rate)).then(|| {
        format!(
            "sample_rate_hz {rate} is not supported for {}; supported: {rates}",
            format.name()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_what_is_supported() {
        assert_eq!(
            rate_error(AudioFormat::Opus, 12345).unwrap(),
            "sample_rate_hz 12345 is not supported for opus; supported: 8000, 12000, 16000, 24000, 48000"
        );
        assert_eq!(
            rate_error(AudioFormat::Wav, 4000).unwrap(),
            "sample_rate_hz 4000 is not supported for wav; supported: 8000 to 192000"
        );
        assert!(rate_error(AudioFormat::Mp3, 22050).is_none());
        assert!(rate_error(AudioFormat::Flac, 192_000).is_none());
    }
}
