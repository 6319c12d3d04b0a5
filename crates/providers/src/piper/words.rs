//! Word timings for Piper: which phoneme ids speak each word of the request, and so,
//! through the encoder's durations, when the word is spoken.
//!
//! The key decision: espeak separates the words of its IPA output with spaces, but it
//! expands some words ("3,000" → `θɹiː θaʊzənd`) and joins others ("of the" → `ʌvðə`).
//! So each text word is also phonemized alone (one more espeak call per unit, well
//! under a millisecond): when the words said alone add up to the clause's IPA words,
//! each text word takes as many IPA words as it said alone. Otherwise (a join), the
//! clause's phonemes are shared among its words in proportion to their phonemes said
//! alone. Timings stay in order and inside the clause either way.

use super::phonemize::PhonemeWord;
use std::ops::Range;
use tts_core::WordMark;

/// A word of the request's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpokenWord {
    pub word: String,
    /// Byte range in the request's text.
    pub text: Range<usize>,
    /// The canonical IPA it is said as, for the written words of a phoneme span.
    pub ipa: Option<String>,
}

/// How espeak says one word alone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Said {
    /// espeak's words (more than one for numbers, abbreviations…).
    pub words: usize,
    /// Phoneme characters, stress marks included.
    pub phonemes: usize,
}

impl Said {
    /// From espeak's output for the word alone (one string per clause it found).
    pub fn from_espeak(pieces: &[String]) -> Self {
        let words = pieces.iter().flat_map(|p| p.split_whitespace());
        let (mut n, mut chars) = (0, 0);
        for w in words {
            n += 1;
            chars += w.chars().count();
        }
        Self {
            words: n,
            phonemes: chars,
        }
    }
}

/// A word of the request and the phoneme ids (indices into the unit's ids) that say it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WordIds {
    pub word: SpokenWord,
    pub ids: Range<usize>,
}

/// Pairs each clause's words (`clauses[c]`, said alone as `said[c]`) with espeak's
/// words of that clause.
pub fn align(
    clauses: &[Vec<SpokenWord>],
    said: &[Vec<Said>],
    phonemes: &[PhonemeWord],
) -> Vec<WordIds> {
    let mut out = Vec::new();
    let mut last_end = 0;
    for (c, words) in clauses.iter().enumerate() {
        let ph: Vec<&PhonemeWord> = phonemes.iter().filter(|p| p.clause == c).collect();
        let said = said.get(c).filter(|s| s.len() == words.len());
        let (Some(first), Some(last)) = (ph.first(), ph.last()) else {
            out.extend(words.iter().map(|w| WordIds {
                word: w.clone(),
                ids: last_end..last_end,
            }));
            continue;
        };
        let pair = |w: &SpokenWord, ids| WordIds {
            word: w.clone(),
            ids,
        };
        match said {
            Some(said) if said.iter().map(|s| s.words).sum::<usize>() == ph.len() => {
                let mut k = 0;
                for (w, s) in words.iter().zip(said) {
                    let at = ph.get(k).map_or(last.ids.end, |p| p.ids.start);
                    let end = if s.words == 0 {
                        at
                    } else {
                        ph[k + s.words - 1].ids.end
                    };
                    out.push(pair(w, at..end));
                    k += s.words;
                }
            }
            _ if ph.len() == words.len() => {
                out.extend(words.iter().zip(&ph).map(|(w, p)| pair(w, p.ids.clone())));
            }
            _ => {
                let weight = |i: usize| match said {
                    Some(s) if s[i].phonemes > 0 => s[i].phonemes,
                    _ => words[i].word.chars().count().max(1),
                };
                let (from, to) = (first.ids.start, last.ids.end);
                let total: usize = (0..words.len()).map(weight).sum();
                let at = |done: usize| from + (to - from) * done / total.max(1);
                let mut done = 0;
                for (i, w) in words.iter().enumerate() {
                    let start = at(done);
                    done += weight(i);
                    out.push(pair(w, start..at(done)));
                }
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
                ipa: None,
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

    fn said(list: &[(usize, usize)]) -> Vec<Vec<Said>> {
        vec![list
            .iter()
            .map(|&(words, phonemes)| Said { words, phonemes })
            .collect()]
    }

    #[test]
    fn espeak_words_said_alone_pair_with_text_words() {
        // "cost 3,000": espeak says the number as two words.
        let got = align(
            &[words(&["cost", "3,000"])],
            &said(&[(1, 4), (2, 10)]),
            &phoneme_words("aa a aaa"),
        );
        let ids: Vec<_> = got.iter().map(|w| w.ids.clone()).collect();
        assert_eq!(ids, [2..6, 8..18]);
        assert_eq!(
            Said::from_espeak(&["θɹˈiː θˈaʊzənd".to_string()]),
            Said {
                words: 2,
                phonemes: 13
            }
        );
    }

    #[test]
    fn equal_counts_pair_one_to_one() {
        let got = align(&[words(&["one", "two"])], &[], &phoneme_words("aa a"));
        let ids: Vec<_> = got.iter().map(|w| w.ids.clone()).collect();
        assert_eq!(ids, [2..6, 8..10]);
    }

    #[test]
    fn unequal_counts_share_the_clause_in_order() {
        let got = align(
            &[words(&["of", "the", "cat"])],
            &said(&[(1, 2), (1, 2), (1, 3)]),
            &phoneme_words("aaaa aa"),
        );
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
