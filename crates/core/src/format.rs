//! [`AudioFormat`]: the output formats a client may ask for, by their wire names.

use std::fmt;
use std::str::FromStr;

/// An output format, named on the wire exactly as [`AudioFormat::name`] returns.
///
/// Whether a format is *available* (compiled in, ffmpeg present) and at which rates is the
/// audio crate's business; this type only names formats and their HTTP metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AudioFormat {
    /// Raw little-endian signed 16-bit mono PCM.
    Pcm16,
    /// RIFF/WAVE holding PCM16 mono.
    Wav,
    /// MPEG-1/2 Layer III, constant bitrate.
    Mp3,
    /// Opus in an Ogg container.
    Opus,
    /// G.711 µ-law, 8-bit, headerless.
    Mulaw,
    /// G.711 A-law, 8-bit, headerless.
    Alaw,
    /// FLAC, lossless.
    Flac,
    /// AAC-LC in ADTS frames (through ffmpeg, when installed).
    Aac,
}

impl AudioFormat {
    /// Every format the gateway knows by name, in the order it lists them.
    pub const ALL: [AudioFormat; 8] = [
        AudioFormat::Pcm16,
        AudioFormat::Wav,
        AudioFormat::Mp3,
        AudioFormat::Opus,
        AudioFormat::Mulaw,
        AudioFormat::Alaw,
        AudioFormat::Flac,
        AudioFormat::Aac,
    ];

    /// The wire name, as used in `target_format`, `?format=` and metric labels.
    pub fn name(self) -> &'static str {
        match self {
            AudioFormat::Pcm16 => "pcm16",
            AudioFormat::Wav => "wav",
            AudioFormat::Mp3 => "mp3",
            AudioFormat::Opus => "opus",
            AudioFormat::Mulaw => "mulaw",
            AudioFormat::Alaw => "alaw",
            AudioFormat::Flac => "flac",
            AudioFormat::Aac => "aac",
        }
    }

    /// The `Content-Type` of a file of this format at `sample_rate` Hz.
    pub fn content_type(self, sample_rate: u32) -> String {
        match self {
            AudioFormat::Pcm16 => format!("audio/L16;rate={sample_rate};channels=1"),
            AudioFormat::Wav => "audio/wav".into(),
            AudioFormat::Mp3 => "audio/mpeg".into(),
            AudioFormat::Opus => "audio/ogg; codecs=opus".into(),
            AudioFormat::Mulaw => format!("audio/basic;rate={sample_rate}"),
            AudioFormat::Alaw => format!("audio/PCMA;rate={sample_rate}"),
            AudioFormat::Flac => "audio/flac".into(),
            AudioFormat::Aac => "audio/aac".into(),
        }
    }

    /// The file extension used in download file names.
    pub fn extension(self) -> &'static str {
        match self {
            AudioFormat::Pcm16 => "pcm",
            AudioFormat::Wav => "wav",
            AudioFormat::Mp3 => "mp3",
            AudioFormat::Opus => "opus",
            AudioFormat::Mulaw => "ulaw",
            AudioFormat::Alaw => "alaw",
            AudioFormat::Flac => "flac",
            AudioFormat::Aac => "aac",
        }
    }

    /// Returns true if and only if decoding the format gives back the exact samples encoded.
    pub fn is_lossless(self) -> bool {
        matches!(
            self,
            AudioFormat::Pcm16 | AudioFormat::Wav | AudioFormat::Flac
        )
    }
}

impl fmt::Display for AudioFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name given is not one of [`AudioFormat::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown audio format {0:?}")]
pub struct UnknownFormat(pub String);

impl FromStr for AudioFormat {
    type Err = UnknownFormat;

    /// Parses a wire name; `ulaw`/`pcmu`, `pcma` and `ogg` are accepted as aliases.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let found = match lower.as_str() {
            "ulaw" | "pcmu" | "mu-law" => Some(AudioFormat::Mulaw),
            "pcma" | "a-law" => Some(AudioFormat::Alaw),
            "ogg" | "ogg_opus" => Some(AudioFormat::Opus),
            "pcm" | "l16" => Some(AudioFormat::Pcm16),
            other => AudioFormat::ALL.into_iter().find(|f| f.name() == other),
        };
        found.ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

impl serde::Serialize for AudioFormat {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in AudioFormat::ALL {
            assert_eq!(f.name().parse::<AudioFormat>().unwrap(), f);
        }
        assert_eq!("ULAW".parse::<AudioFormat>().unwrap(), AudioFormat::Mulaw);
        assert!("vorbis".parse::<AudioFormat>().is_err());
    }
}
