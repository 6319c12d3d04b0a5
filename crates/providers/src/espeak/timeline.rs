//! Word marks for espeak's speech, from the word and end events that come with its audio.
//!
//! The key decision: a word's end is known only when the next word (or the clause's end)
//! is reported, possibly in a later callback, and the last word of a sentence may end
//! with the synthesis itself, when there is no audio left to carry its mark. So the last
//! 10 ms of audio are always held back until the next callback or the sentence's end:
//! every mark has a chunk to ride on, at the cost of 10 ms of latency.

use super::ffi::Event;
use std::ops::Range;
use tts_core::WordMark;

/// Audio held back, in milliseconds.
pub const HOLD_MS: u32 = 10;

/// A word of one sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentenceWord {
    /// Byte range in the sentence's text (as espeak gets it).
    pub piece: Range<usize>,
    pub word: String,
    /// Byte range in the request's text.
    pub text: Range<usize>,
}

/// One job's audio and marks on the way to its reader.
pub struct Timeline {
    hold: usize,
    held: Vec<i16>,
    /// Samples handed out, and produced (handed out + held).
    sent: u64,
    produced: u64,
    /// Where the current sentence's audio starts, its text and words.
    sentence_start: u64,
    sentence: String,
    words: Vec<SentenceWord>,
    next_word: usize,
    /// The word being spoken (its end unknown), and marks complete but not sent.
    pending: Option<WordMark>,
    ready: Vec<WordMark>,
    /// Start and end of the latest mark made.
    last: (u64, u64),
}

impl Timeline {
    pub fn new(hold: usize) -> Self {
        Self {
            hold,
            held: Vec::new(),
            sent: 0,
            produced: 0,
            sentence_start: 0,
            sentence: String::new(),
            words: Vec::new(),
            next_word: 0,
            pending: None,
            ready: Vec::new(),
            last: (0, 0),
        }
    }

    pub fn start_sentence(&mut self, sentence: &str, words: Vec<SentenceWord>) {
        self.sentence_start = self.produced;
        self.sentence = sentence.to_string();
        self.words = words;
        self.next_word = 0;
    }

    /// Takes one callback's audio and events; returns the chunk to send now, if any.
    pub fn push(&mut self, samples: &[i16], events: &[Event]) -> Option<(Vec<i16>, Vec<WordMark>)> {
        for e in events {
            match *e {
                Event::Word {
                    char_position,
                    sample,
                } => self.word_starts(char_position, self.sentence_start + sample),
                Event::End { sample } => self.finish_pending(self.sentence_start + sample),
            }
        }
        self.produced += samples.len() as u64;
        self.held.extend_from_slice(samples);
        let keep = self.held.len().saturating_sub(self.hold);
        let rest = self.held.split_off(keep);
        let out = std::mem::replace(&mut self.held, rest);
        self.take(out)
    }

    /// Ends the sentence: every word not marked yet is, and what was held back is sent.
    pub fn end_sentence(&mut self) -> Option<(Vec<i16>, Vec<WordMark>)> {
        self.finish_pending(self.produced);
        // Words espeak did not report share the timing of the word before them.
        let (start, end) = self.last;
        for w in self.words.drain(self.next_word.min(self.words.len())..) {
            self.ready.push(mark(&w, start, end));
        }
        let out = std::mem::take(&mut self.held);
        self.take(out)
    }

    /// A chunk of `samples` with the ready marks that start before its end.
    fn take(&mut self, samples: Vec<i16>) -> Option<(Vec<i16>, Vec<WordMark>)> {
        if samples.is_empty() {
            return None;
        }
        self.sent += samples.len() as u64;
        let n = self
            .ready
            .iter()
            .take_while(|m| m.start < self.sent)
            .count();
        Some((samples, self.ready.drain(..n).collect()))
    }

    fn word_starts(&mut self, char_position: usize, at: u64) {
        let byte = self
            .sentence
            .char_indices()
            .nth(char_position)
            .map_or(self.sentence.len(), |(b, _)| b);
        // A report about a word already marked (or before it) is not a new word.
        if self.next_word > 0 && byte < self.words[self.next_word - 1].piece.end {
            return;
        }
        let Some(k) = self.words[self.next_word.min(self.words.len())..]
            .iter()
            .position(|w| w.piece.end > byte)
            .map(|k| k + self.next_word)
        else {
            return;
        };
        self.finish_pending(at);
        // Words espeak skipped start with this one, and last no time.
        for w in &self.words[self.next_word..k] {
            self.ready.push(mark(w, at, at));
            self.last = (at, at);
        }
        self.pending = Some(mark(&self.words[k], at, at));
        self.next_word = k + 1;
    }

    fn finish_pending(&mut self, end: u64) {
        if let Some(mut m) = self.pending.take() {
            m.end = end.max(m.start);
            self.last = (m.start, m.end);
            self.ready.push(m);
        }
    }
}

fn mark(w: &SentenceWord, start: u64, end: u64) -> WordMark {
    WordMark {
        word: w.word.clone(),
        text_start: w.text.start,
        text_end: w.text.end,
        start,
        end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(sentence: &str) -> Vec<SentenceWord> {
        let mut cursor = 0;
        crate::text::words_in(sentence, sentence, &mut cursor)
            .into_iter()
            .map(|w| SentenceWord {
                word: sentence[w.piece.clone()].to_string(),
                piece: w.piece,
                text: w.original,
            })
            .collect()
    }

    #[test]
    fn marks_end_where_the_next_word_starts_and_ride_on_held_audio() {
        let mut t = Timeline::new(2);
        t.start_sentence("Hi you all.", words("Hi you all."));
        let word = |char_position, sample| Event::Word {
            char_position,
            sample,
        };
        let (a, m) = t.push(&[1; 10], &[word(0, 0), word(3, 5)]).unwrap();
        assert_eq!((a.len(), m.len()), (8, 1));
        assert_eq!((m[0].word.as_str(), m[0].start, m[0].end), ("Hi", 0, 5));
        // "all" was never reported: it shares "you"'s timing.
        let (a, m) = t.push(&[1; 4], &[Event::End { sample: 12 }]).unwrap();
        assert_eq!((a.len(), m.len()), (4, 1));
        assert_eq!((m[0].start, m[0].end), (5, 12));
        let (a, m) = t.end_sentence().unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!((m[0].word.as_str(), m[0].start, m[0].end), ("all", 5, 12));
        // The next sentence counts from where this one ended.
        t.start_sentence("Go.", words("Go."));
        let (_, m) = t.push(&[1; 4], &[word(0, 1)]).unwrap();
        assert!(m.is_empty());
        let (_, m) = t.end_sentence().unwrap();
        assert_eq!((m[0].start, m[0].end), (15, 18));
    }
}
