//! [`AudioChunk`]: a piece of mono PCM16 audio that knows its own sample rate.

/// A piece of mono, signed 16-bit PCM audio.
///
/// Invariant: `samples` holds whole mono frames at `sample_rate` Hz. Chunks of one stream
/// normally share one rate; consumers must not assume chunk sizes (engines emit anything
/// from a few milliseconds to a whole sentence).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AudioChunk {
    pub samples: Vec<i16>,
    pub sample_rate: u32,
    /// Words that start in this chunk (or earlier, if the engine learns of them late),
    /// for engines that know their timing; empty otherwise.
    pub words: Vec<WordMark>,
}

/// When one word of the request's text is spoken, as an engine reports it.
///
/// Invariants: `start <= end`; both count samples at the stream's `sample_rate` from the
/// first sample of the whole [`crate::AudioStream`] (not of the chunk that carries the
/// mark), after the engine applied `speed`; marks of one stream come in text order with
/// non-decreasing `start`. `text_start..text_end` is the word's byte range in
/// [`crate::SynthesisRequest::text`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WordMark {
    pub word: String,
    pub text_start: usize,
    pub text_end: usize,
    pub start: u64,
    pub end: u64,
}

impl AudioChunk {
    pub fn new(samples: Vec<i16>, sample_rate: u32) -> Self {
        Self {
            samples,
            sample_rate,
            words: Vec::new(),
        }
    }

    /// The same chunk carrying `words`.
    pub fn with_words(mut self, words: Vec<WordMark>) -> Self {
        self.words = words;
        self
    }

    /// Duration of this chunk in seconds.
    pub fn duration_secs(&self) -> f64 {
        if self.sample_rate == 0 {
            return 0.0;
        }
        self.samples.len() as f64 / f64::from(self.sample_rate)
    }

    /// The samples as little-endian bytes (the wire layout of `pcm16`).
    pub fn to_le_bytes(&self) -> Vec<u8> {
        samples_to_le_bytes(&self.samples)
    }
}

/// Serialises samples as little-endian signed 16-bit PCM.
pub fn samples_to_le_bytes(samples: &[i16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(samples.len() * 2);
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_little_endian() {
        let c = AudioChunk::new(vec![1, -2], 8000);
        assert_eq!(c.to_le_bytes(), vec![1, 0, 0xFE, 0xFF]);
        assert!((c.duration_secs() - 0.00025).abs() < 1e-12);
    }
}
