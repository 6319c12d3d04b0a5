//! Word timings for Piper: which phoneme ids speak each word of the request, and so,
//! through the encoder's durations, when the word is spoken.
//!
//! The key decision: espeak separates the words of its IPA output with spaces, so when a
//! clause has as many IPA words as text words they pair one to one. espeak sometimes
//! joins words ("of the" → `ʌvðə`) or expands one ("3,000" → `θɹiː θaʊzənd`); then the
//! clause's phonemes are shared among its words in proportion to their length in
//! characters. Timings stay in order and inside the clause either way.

use super::phonemize::PhonemeWord;
use std::ops::Range;
use tts_core::WordMark;

/// A word of the request's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpokenWord {
    pub word: String,
    /// Byte range in the request's text.
    pub text: Range<usize>,
}

/// A word of the request and the phoneme ids (indices into the unit's ids) that say it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WordIds {
    pub word: SpokenWord,
    pub ids: Range<usize>,
}

/// Pairs each clause's words (`clauses[c]`) with espeak's words of that clause.
pub fn align(clauses: &[Vec<SpokenWord>], phonemes: &[PhonemeWord]) -> Vec<WordIds> {
    let mut out = Vec::new();
    let mut last_end = 0;
    for (c, words) in clauses.iter().enumerate() {
        let ph: Vec<&PhonemeWord> = phonemes.iter().filter(|p| p.clause == c).collect();
        let (Some(first), Some(last)) = (ph.first(), ph.last()) else {
            out.extend(words.iter().map(|w| WordIds {
                word: w.clone(),
                ids: last_end..last_end,
            }));
            continue;
        };
        if ph.len() == words.len() {
            out.extend(words.iter().zip(&ph).map(|(w, p)| WordIds {
                word: w.clone(),
                ids: p.ids.clone(),
            }));
        } else {
            let (from, to) = (first.ids.start, last.ids.end);
            let total: usize = words.iter().map(|w| w.word.chars().count()).sum();
            let mut done = 0;
            let at = |chars: usize| from + (to - from) * chars / total.max(1);
            for w in words {
                let start = at(done);
                done += w.word.chars().count();
                out.push(WordIds {
                    word: w.clone(),
                    ids: start..at(done),
                });
            }
        }
        last_end = last.ids.end;
    }
    out
}

/// The mark of `word`, given the frame at which each id starts (`starts[i]`, with one
/// more entry for the end) and the samples per frame. Offsets are from the unit's start.
pub fn mark(word: &WordIds, starts: &[usize], hop: usize) -> WordMark {
    let at = |i: usize| (starts[i.min(starts.len() - 1)] * hop) as u64;
    WordMark {
        word: word.word.word.clone(),
        text_start: word.word.text.start,
        text_end: word.word.text.end,
        start: at(word.ids.start),
        end: at(word.ids.end),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::piper::phonemize::PhonemeIds;
    use crate::text::sentences;
    use std::collections::HashMap;

    fn words(list: &[&str]) -> Vec<SpokenWord> {
        list.iter()
            .enumerate()
            .map(|(i, w)| SpokenWord {
                word: w.to_string(),
                text: i * 10..i * 10 + w.len(),
            })
            .collect()
    }

    fn phoneme_words(espeak: &str) -> Vec<PhonemeWord> {
        let map: HashMap<String, Vec<i64>> = [("_", 0), ("^", 1), ("$", 2), (" ", 3), ("a", 4)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), vec![v]))
            .collect();
        let ids = PhonemeIds::new(&map, &HashMap::new()).unwrap();
        let unit = &sentences("x")[0];
        ids.unit(unit, &[vec![espeak.to_string()]]).words
    }

    #[test]
    fn equal_counts_pair_one_to_one() {
        let got = align(&[words(&["one", "two"])], &phoneme_words("aa a"));
        let ids: Vec<_> = got.iter().map(|w| w.ids.clone()).collect();
        assert_eq!(ids, [2..6, 8..10]);
    }

    #[test]
    fn unequal_counts_share_the_clause_in_order() {
        let got = align(&[words(&["of", "the", "cat"])], &phoneme_words("aaaa aa"));
        let ids: Vec<_> = got.iter().map(|w| w.ids.clone()).collect();
        assert_eq!(ids.first().unwrap().start, 2);
        assert_eq!(ids.last().unwrap().end, 16);
        assert!(ids.windows(2).all(|p| p[0].end == p[1].start));
    }

    #[test]
    fn a_mark_counts_samples_of_whole_frames() {
        let w = WordIds {
            word: words(&["hi"])[0].clone(),
            ids: 1..3,
        };
        let m = mark(&w, &[0, 2, 5, 9], 256);
        assert_eq!((m.start, m.end), (512, 2304));
        assert_eq!((m.text_start, m.text_end, m.word.as_str()), (0, 2, "hi"));
    }
}
