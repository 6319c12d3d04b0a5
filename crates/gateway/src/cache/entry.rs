//! [`Key`] and [`Entry`]: what a sentence's audio is found by, and what is kept.

use sha2::{Digest, Sha256};
use tts_core::{SynthesisRequest, WordMark};

/// SHA-256 of everything that decides a sentence's audio. Fixed-size, so memory and
/// Redis keys stay small whatever the sentence's length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key([u8; 32]);

impl Key {
    /// The key of `text` (one sentence, as the engine reads it) spoken by `engine` with
    /// `request`'s voice, speed and pitch; `language` is the voice's (or the request's).
    pub fn new(
        engine: &str,
        fingerprint: &str,
        language: Option<&str>,
        request: &SynthesisRequest,
        text: &str,
    ) -> Self {
        let mut h = Sha256::new();
        // Each field length-prefixed, so no two different field lists hash alike.
        let mut field = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        field(b"tts-phrase/1");
        field(engine.as_bytes());
        field(request.voice.as_bytes());
        field(fingerprint.as_bytes());
        field(language.unwrap_or("").as_bytes());
        // 1.0 and "not given" are the same audio.
        let factor = |f: Option<f32>| f.unwrap_or(1.0).to_bits().to_le_bytes();
        field(&factor(request.speed));
        field(&factor(request.pitch));
        field(text.as_bytes());
        Self(h.finalize().into())
    }

    /// Lower-case hex, for Redis keys.
    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A sentence's audio: PCM16 mono at the engine's own rate, and its word marks (samples
/// from the sentence's start; text offsets in the sentence).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub rate: u32,
    pub samples: Vec<i16>,
    pub words: Vec<WordMark>,
}

const MAGIC: &[u8; 4] = b"TPC1";

impl Entry {
    /// What the entry costs in memory, roughly: its samples, marks and bookkeeping.
    pub fn bytes(&self) -> usize {
        let words: usize = self.words.iter().map(|w| w.word.len() + 48).sum();
        self.samples.len() * 2 + words + 96
    }

    /// The entry as stored in Redis: `TPC1`, rate, sample count, samples (LE), mark
    /// count, then each mark (start, end, text range, word).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.bytes() + 16);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.rate.to_le_bytes());
        out.extend_from_slice(&(self.samples.len() as u32).to_le_bytes());
        for s in &self.samples {
            out.extend_from_slice(&s.to_le_bytes());
        }
        out.extend_from_slice(&(self.words.len() as u32).to_le_bytes());
        for w in &self.words {
            out.extend_from_slice(&w.start.to_le_bytes());
            out.extend_from_slice(&w.end.to_le_bytes());
            out.extend_from_slice(&(w.text_start as u32).to_le_bytes());
            out.extend_from_slice(&(w.text_end as u32).to_le_bytes());
            out.extend_from_slice(&(w.word.len() as u32).to_le_bytes());
            out.extend_from_slice(w.word.as_bytes());
        }
        out
    }

    /// The entry [`Entry::encode`] wrote; `None` for anything else (another version's
    /// layout, a truncated value), which the cache then treats as a miss.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader(bytes);
        if r.take(4)? != MAGIC {
            return None;
        }
        let rate = r.u32()?;
        let n = r.u32()? as usize;
        let samples = r
            .take(n.checked_mul(2)?)?
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        let marks = r.u32()? as usize;
        let mut words = Vec::with_capacity(marks.min(4096));
        for _ in 0..marks {
            let start = r.u64()?;
            let end = r.u64()?;
            let text_start = r.u32()? as usize;
            let text_end = r.u32()? as usize;
            let len = r.u32()? as usize;
            let word = std::str::from_utf8(r.take(len)?).ok()?.to_string();
            words.push(WordMark {
                word,
                text_start,
                text_end,
                start,
                end,
            });
        }
        (r.0.is_empty() && rate > 0).then_some(Self {
            rate,
            samples,
            words,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(speed: Option<f32>) -> SynthesisRequest {
        SynthesisRequest {
            text: String::new(),
            voice: "v".into(),
            language: None,
            speed,
            pitch: None,
            phonemes: Vec::new(),
            budget: Default::default(),
        }
    }

    #[test]
    fn an_entry_survives_its_encoding_and_a_damaged_one_is_refused() {
        let entry = Entry {
            rate: 22_050,
            samples: vec![1, -2, 300, i16::MIN, i16::MAX],
            words: vec![WordMark {
                word: "héllo".into(),
                text_start: 0,
                text_end: 6,
                start: 0,
                end: 4,
            }],
        };
        let bytes = entry.encode();
        assert_eq!(Entry::decode(&bytes), Some(entry));
        assert_eq!(Entry::decode(&bytes[..bytes.len() - 1]), None);
        assert_eq!(Entry::decode(b"TPC2whatever"), None);
    }

    #[test]
    fn keys_differ_by_every_field_that_changes_the_audio() {
        let base = Key::new("piper", "fp1", Some("en-US"), &request(None), "Hello.");
        assert_eq!(
            base,
            Key::new("piper", "fp1", Some("en-US"), &request(Some(1.0)), "Hello.")
        );
        assert_ne!(
            base,
            Key::new("piper", "fp2", Some("en-US"), &request(None), "Hello.")
        );
        assert_ne!(
            base,
            Key::new("piper", "fp1", Some("en-US"), &request(Some(1.5)), "Hello.")
        );
        assert_ne!(
            base,
            Key::new("piper", "fp1", Some("en-GB"), &request(None), "Hello.")
        );
        assert_ne!(
            base,
            Key::new("piper", "fp1", Some("en-US"), &request(None), "Hello!")
        );
        assert_ne!(
            base,
            Key::new("espeak", "fp1", Some("en-US"), &request(None), "Hello.")
        );
    }
}
