//! espeak IPA → Piper phoneme ids, exactly as piper-phonemize builds them.
//!
//! Per clause: espeak's phonemes with language-switch flags like `(en)` removed, NFD
//! decomposed (the id maps list combining marks separately), then the clause's
//! punctuation (`,` `;` `:` followed by a space; `.` `?` `!`). Per unit: `^`, then each
//! phoneme's ids followed by the pad `_`, then `$`. Phonemes the voice does not know are
//! skipped, as Piper does.

use crate::text::Sentence;
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

/// A voice's `phoneme_id_map` (and optional `phoneme_map`), keyed by code point.
#[derive(Clone, Debug)]
pub struct PhonemeIds {
    ids: HashMap<char, Vec<i64>>,
    phoneme_map: HashMap<char, Vec<char>>,
    pad: Vec<i64>,
    bos: Vec<i64>,
    eos: Vec<i64>,
}

impl PhonemeIds {
    /// Builds the map; fails if the voice lacks the pad, BOS or EOS symbol.
    pub fn new(
        id_map: &HashMap<String, Vec<i64>>,
        phoneme_map: &HashMap<String, Vec<String>>,
    ) -> Result<Self, String> {
        let ids: HashMap<char, Vec<i64>> = id_map
            .iter()
            .filter_map(|(k, v)| single_char(k).map(|c| (c, v.clone())))
            .collect();
        let symbol = |c: char| {
            ids.get(&c)
                .cloned()
                .ok_or_else(|| format!("phoneme_id_map has no {c:?} symbol"))
        };
        let (pad, bos, eos) = (symbol('_')?, symbol('^')?, symbol('$')?);
        let phoneme_map = phoneme_map
            .iter()
            .filter_map(|(k, v)| {
                let to: Vec<char> = v.iter().filter_map(|s| single_char(s)).collect();
                single_char(k).map(|c| (c, to))
            })
            .collect();
        Ok(Self {
            ids,
            phoneme_map,
            pad,
            bos,
            eos,
        })
    }

    /// Returns the first symbol of `ipa` (canonical, see [`crate::ipa::canonical`]) that
    /// the voice has no id for, if any; as for espeak's output, NFD and the voice's
    /// `phoneme_map` apply first.
    pub fn unknown_symbol(&self, ipa: &str) -> Option<char> {
        ipa.nfd().find(|c| match self.phoneme_map.get(c) {
            Some(mapped) => mapped.iter().any(|m| !self.ids.contains_key(m)),
            None => !self.ids.contains_key(c),
        })
    }

    /// The ids of one unit, given espeak's output for each of its clauses. Returns an
    /// empty vector if the unit has no known phoneme (nothing to synthesise).
    pub fn unit_ids(&self, unit: &Sentence, espeak: &[Vec<String>]) -> Vec<i64> {
        self.unit(unit, espeak).ids
    }

    /// The ids of one unit and where each of espeak's words lies among them.
    pub fn unit(&self, unit: &Sentence, espeak: &[Vec<String>]) -> UnitIds {
        let mut ids = self.bos.clone();
        ids.extend(&self.pad);
        let mut words: Vec<PhonemeWord> = Vec::new();
        let mut spoken = false;
        for (p, word) in unit_phonemes(unit, espeak) {
            let mapped = self
                .phoneme_map
                .get(&p)
                .map_or_else(|| vec![p], Clone::clone);
            for m in mapped {
                if let Some(id) = self.ids.get(&m) {
                    let start = ids.len();
                    ids.extend(id);
                    ids.extend(&self.pad);
                    spoken |= !m.is_whitespace() && !".,;:!?".contains(m);
                    let Some((clause, _)) = word else { continue };
                    match words.last_mut() {
                        Some(w) if w.key == word => w.ids.end = ids.len(),
                        _ => words.push(PhonemeWord {
                            clause,
                            key: word,
                            ids: start..ids.len(),
                        }),
                    }
                }
            }
        }
        ids.extend(&self.eos);
        if !spoken {
            return UnitIds::default();
        }
        UnitIds { ids, words }
    }
}

/// A unit's phoneme ids.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnitIds {
    pub ids: Vec<i64>,
    /// espeak's words (runs of phonemes between spaces and punctuation), in order.
    pub words: Vec<PhonemeWord>,
}

/// One of espeak's words: which clause it belongs to and its ids (with their pads).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhonemeWord {
    pub clause: usize,
    key: Option<(usize, usize)>,
    pub ids: std::ops::Range<usize>,
}

fn single_char(s: &str) -> Option<char> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// The phoneme sequence of a unit: each clause's phonemes and punctuation, each phoneme
/// tagged with its (clause, word) if it belongs to one of espeak's words.
pub fn unit_phonemes(
    unit: &Sentence,
    espeak: &[Vec<String>],
) -> Vec<(char, Option<(usize, usize)>)> {
    let mut out = Vec::new();
    let n = unit.clauses.len();
    for (i, clause) in unit.clauses.iter().enumerate() {
        let pieces = espeak.get(i).map(Vec::as_slice).unwrap_or_default();
        let joined = pieces
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let mut word = 0;
        for c in without_language_flags(&joined).nfd() {
            if c == ' ' {
                word += 1;
                out.push((c, None));
            } else {
                out.push((c, Some((i, word))));
            }
        }
        let last = i + 1 == n;
        let mut push = |c: char| out.push((c, None));
        match clause.punct {
            Some(p) if p.ends_sentence() => {
                push(p.as_char());
                if !last {
                    push(' ');
                }
            }
            Some(p) => {
                push(p.as_char());
                push(' ');
            }
            None if !last => push(' '),
            None => {}
        }
    }
    out
}

/// Removes espeak's `(xx)` language-switch markers.
fn without_language_flags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_flag = false;
    for c in s.chars() {
        match c {
            '(' if !in_flag => in_flag = true,
            ')' if in_flag => in_flag = false,
            _ if in_flag => {}
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::sentences;

    fn ids() -> PhonemeIds {
        let map: HashMap<String, Vec<i64>> = [
            ("_", 0),
            ("^", 1),
            ("$", 2),
            (" ", 3),
            (",", 8),
            (".", 10),
            ("a", 14),
            ("b", 15),
            ("c", 16),
            ("\u{327}", 140),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), vec![v]))
        .collect();
        PhonemeIds::new(&map, &HashMap::new()).unwrap()
    }

    #[test]
    fn clauses_get_their_punctuation_and_flags_go() {
        let unit = &sentences("Hello, world. Again")[0];
        let espeak = vec![
            vec!["həlˈoʊ".to_string()],
            vec!["(en)wˈɜːld(fr)".to_string()],
        ];
        let s: String = unit_phonemes(unit, &espeak)
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(s, "həlˈoʊ, wˈɜːld.");
    }

    #[test]
    fn ids_are_padded_between_bos_and_eos_and_decomposed() {
        let unit = &sentences("x, y.")[0];
        let espeak = vec![vec!["ab".to_string()], vec!["ç".to_string()]];
        // "ab, ç." → ^ _ a _ b _ , _ ␠ _ c _ ̧ _ . _ $
        assert_eq!(
            ids().unit_ids(unit, &espeak),
            [1, 0, 14, 0, 15, 0, 8, 0, 3, 0, 16, 0, 140, 0, 10, 0, 2]
        );
    }

    #[test]
    fn words_cover_their_phonemes_and_pads() {
        let unit = &sentences("x y, z.")[0];
        let espeak = vec![vec!["ab c".to_string()], vec!["b".to_string()]];
        // ^ _ a _ b _ ␠ _ c _ , _ ␠ _ b _ . _ $
        let u = ids().unit(unit, &espeak);
        let spans: Vec<_> = u.words.iter().map(|w| (w.clause, w.ids.clone())).collect();
        assert_eq!(spans, [(0, 2..6), (0, 8..10), (1, 14..16)]);
    }

    #[test]
    fn ipa_symbols_without_an_id_are_found() {
        assert_eq!(ids().unknown_symbol("ab ç"), None);
        assert_eq!(ids().unknown_symbol("abʒ"), Some('ʒ'));
    }

    #[test]
    fn a_unit_without_known_phonemes_has_no_ids() {
        let unit = &sentences("x.")[0];
        assert!(ids().unit_ids(unit, &[vec!["ʒʒ".to_string()]]).is_empty());
    }
}
