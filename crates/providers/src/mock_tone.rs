//! `mock_tone`: one short sine per character, sample-identical to the original service.
//!
//! For each character `ch`: a sine of 80 ms at 220 × 2^(((ord(ch) mod 24) − 12)/12) Hz and
//! gain 0.2, then 20 ms of silence; samples are clamped to [−1, 1] and scaled with
//! Python's `round(v × 32767)` (ties to even); the result is cut into 100 ms chunks.
//! The 24 possible tones are computed once, so a session costs copies, not `sin` calls.
//! Word timings follow from the same rule: a word lasts from its first character's tone
//! to the end of its last character's tone (before that character's silence).
//!
//! Phoneme input (SSML `<phoneme>`, IPA lexicon entries) is accepted whatever the
//! symbols: a span is one tone per character of its IPA (canonical, stress marks
//! included) instead of its written words, and its word mark, named by the written
//! words, covers those tones.

use crate::ipa::{canonical, Marked};
use std::collections::VecDeque;
use std::sync::Arc;
use tts_core::{
    AudioChunk, AudioStream, Provider, ProviderError, SynthesisRequest, Voice, WordMark,
};

pub const PROVIDER_ID: &str = "mock_tone";
pub const VOICE_ID: &str = "en-US-mock-1";
pub const SAMPLE_RATE: u32 = 16_000;
/// Samples of one character: 80 ms of tone, then 20 ms of silence.
const CHAR_SAMPLES: u64 = SAMPLE_RATE as u64 / 10;
const TONE_SAMPLES: u64 = CHAR_SAMPLES * 4 / 5;
/// The rule's version, for [`Provider::fingerprint`]: change it when the tones change.
const RULE_VERSION: &str = "mock_tone/1";

/// The mock provider. Cheap to clone; tones are shared.
#[derive(Clone)]
pub struct MockTone {
    /// `tones[k]` = tone + silence for a character with `ord(ch) mod 24 == k`.
    tones: Arc<Vec<Vec<i16>>>,
}

impl Default for MockTone {
    fn default() -> Self {
        Self::new()
    }
}

impl MockTone {
    pub fn new() -> Self {
        let tones = (0..24u32).map(|k| tone(k, SAMPLE_RATE)).collect();
        Self {
            tones: Arc::new(tones),
        }
    }

    /// The whole utterance at once (what the stream yields, concatenated).
    pub fn render(&self, text: &str) -> Vec<i16> {
        text.chars()
            .flat_map(|c| self.tones[(c as u32 % 24) as usize].iter().copied())
            .collect()
    }
}

/// One character's samples: 80 ms of sine, then 20 ms of silence.
fn tone(k: u32, sr: u32) -> Vec<i16> {
    let freq = 220.0 * 2f64.powf((f64::from(k) - 12.0) / 12.0);
    let n = (0.08 * f64::from(sr)) as usize;
    let silence = (0.02 * f64::from(sr)) as usize;
    let mut out = Vec::with_capacity(n + silence);
    for i in 0..n {
        // Same operation order as the original: 2 * pi * f * i / sr.
        let v = (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(sr)).sin() * 0.2;
        out.push((v.clamp(-1.0, 1.0) * 32767.0).round_ties_even() as i16);
    }
    out.resize(n + silence, 0);
    out
}

impl Provider for MockTone {
    fn id(&self) -> &str {
        PROVIDER_ID
    }

    fn fingerprint(&self, _voice: &str) -> Option<String> {
        Some(RULE_VERSION.to_string())
    }

    /// One tone per character, whitespace included: a text is its sentences in turn.
    fn sentence_pause_ms(&self) -> Option<u32> {
        Some(0)
    }

    fn voices(&self) -> Vec<Voice> {
        vec![Voice::new(
            VOICE_ID,
            "Mock Tone Voice",
            "en-US",
            PROVIDER_ID,
            SAMPLE_RATE,
        )
        .with_extra("word_timestamps", "true")]
    }

    /// Every IPA symbol is a tone.
    fn check_phonemes(&self, _voice: &str, _ipa: &str) -> Result<(), ProviderError> {
        Ok(())
    }

    fn synthesize(&self, request: SynthesisRequest) -> AudioStream {
        if request.voice != VOICE_ID {
            let err = ProviderError::bad_request(format!(
                "voice {:?} is not offered by {PROVIDER_ID}",
                request.voice
            ));
            return Box::pin(futures::stream::once(async move { Err(err) }));
        }
        let (chars, words) = match utterance(&request) {
            Ok(u) => u,
            Err(err) => return Box::pin(futures::stream::once(async move { Err(err) })),
        };
        let chunks = Chunks {
            tones: Arc::clone(&self.tones),
            chars: chars.into_iter(),
            pending: Vec::new(),
            chunk_len: (SAMPLE_RATE / 10) as usize,
            words: words.into(),
            sent: 0,
        };
        Box::pin(futures::stream::iter(chunks.map(Ok)))
    }
}

/// Lazily cuts the concatenated tones into 100 ms chunks.
struct Chunks {
    tones: Arc<Vec<Vec<i16>>>,
    chars: std::vec::IntoIter<char>,
    pending: Vec<i16>,
    chunk_len: usize,
    /// Marks not sent yet, and samples sent so far.
    words: VecDeque<WordMark>,
    sent: u64,
}

/// The characters to sound (a phoneme span's IPA in place of its written words) and
/// the marks of the request's words: one tone per character, spaces included.
fn utterance(request: &SynthesisRequest) -> Result<(Vec<char>, Vec<WordMark>), ProviderError> {
    let marked = Marked::new(&request.text, &request.phonemes)?;
    let ipa: Vec<Vec<char>> = request
        .phonemes
        .iter()
        .map(|p| canonical(&p.ipa).chars().collect())
        .collect();
    // The characters, and where each byte of the marked text starts among them.
    let mut chars = Vec::with_capacity(marked.text.len());
    let mut at = Vec::with_capacity(marked.text.len() + 1);
    for (i, c) in marked.text.char_indices() {
        at.resize(i + 1, chars.len() as u64);
        match crate::ipa::span_of(c) {
            Some(k) => chars.extend(ipa.get(k).into_iter().flatten()),
            None => chars.push(c),
        }
    }
    at.resize(marked.text.len() + 1, chars.len() as u64);
    let mut cursor = 0;
    let marks = crate::text::words_in(&marked.text, &marked.text, &mut cursor)
        .into_iter()
        .filter(|w| at[w.original.end] > at[w.original.start])
        .map(|w| {
            let (first, last) = (at[w.original.start], at[w.original.end]);
            let written = marked.original(w.original);
            WordMark {
                word: request.text[written.clone()].to_string(),
                text_start: written.start,
                text_end: written.end,
                start: first * CHAR_SAMPLES,
                end: (last - 1) * CHAR_SAMPLES + TONE_SAMPLES,
            }
        })
        .collect();
    Ok((chars, marks))
}

impl Iterator for Chunks {
    type Item = AudioChunk;

    fn next(&mut self) -> Option<AudioChunk> {
        while self.pending.len() < self.chunk_len {
            match self.chars.next() {
                Some(c) => self
                    .pending
                    .extend_from_slice(&self.tones[(c as u32 % 24) as usize]),
                None => break,
            }
        }
        if self.pending.is_empty() {
            return None;
        }
        let take = self.pending.len().min(self.chunk_len);
        let rest = self.pending.split_off(take);
        let samples = std::mem::replace(&mut self.pending, rest);
        self.sent += samples.len() as u64;
        let mut words = Vec::new();
        while self.words.front().is_some_and(|w| w.start < self.sent) {
            words.extend(self.words.pop_front());
        }
        Some(AudioChunk::new(samples, SAMPLE_RATE).with_words(words))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    #[test]
    fn a_tone_follows_the_formula() {
        // 'A' = 65, 65 mod 24 = 17 → 220 × 2^(5/12) Hz.
        let t = tone(17, 16_000);
        assert_eq!(t.len(), 1600);
        assert_eq!(t[0], 0);
        let f = 220.0 * 2f64.powf(5.0 / 12.0);
        let v = (2.0 * std::f64::consts::PI * f * 10.0 / 16000.0).sin() * 0.2;
        assert_eq!(t[10], (v * 32767.0).round() as i16);
        assert!(t[1280..].iter().all(|&s| s == 0));
    }

    #[tokio::test]
    async fn streams_100ms_chunks_of_the_rendered_audio() {
        let p = MockTone::new();
        let req = SynthesisRequest {
            text: "Hello".into(),
            voice: VOICE_ID.into(),
            ..Default::default()
        };
        let chunks: Vec<_> = p.synthesize(req).map(|c| c.unwrap()).collect().await;
        assert_eq!(chunks.len(), 5);
        assert!(chunks.iter().all(|c| c.samples.len() == 1600));
        let joined: Vec<i16> = chunks.into_iter().flat_map(|c| c.samples).collect();
        assert_eq!(joined, p.render("Hello"));
    }

    fn request(text: &str, phonemes: &[(std::ops::Range<usize>, &str)]) -> SynthesisRequest {
        SynthesisRequest {
            text: text.into(),
            voice: VOICE_ID.into(),
            phonemes: phonemes
                .iter()
                .map(|(r, ipa)| tts_core::PhonemeSpan {
                    text: r.clone(),
                    ipa: ipa.to_string(),
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn words_last_from_their_first_tone_to_their_last() {
        let (_, marks) = utterance(&request("Hi, you", &[])).unwrap();
        let got: Vec<_> = marks
            .iter()
            .map(|m| (m.word.as_str(), m.text_start, m.start, m.end))
            .collect();
        assert_eq!(got, [("Hi", 0, 0, 2880), ("you", 4, 6400, 10_880)]);
    }

    #[test]
    fn a_phoneme_span_sounds_its_ipa_and_keeps_its_written_word() {
        let (chars, marks) = utterance(&request("Hi Nguyen, you", &[(3..9, "wɪn")])).unwrap();
        assert_eq!(chars.iter().collect::<String>(), "Hi wɪn, you");
        let got: Vec<_> = marks
            .iter()
            .map(|m| (m.word.as_str(), m.text_start, m.text_end, m.start, m.end))
            .collect();
        assert_eq!(
            got,
            [
                ("Hi", 0, 2, 0, 2880),
                ("Nguyen", 3, 9, 4800, 9280),
                ("you", 11, 14, 12_800, 17_280)
            ]
        );
    }
}
