//! A pronunciation lexicon: words and phrases mapped to a respelling or to IPA.
//!
//! File format, one entry per line, UTF-8:
//!
//! ```text
//! # comment lines start with '#'; blank lines are skipped
//! nginx<TAB>engine x
//! SQL<TAB>sequel
//! Nguyen<TAB>/wɪn/
//! New York Times<TAB>the Times
//! ```
//!
//! The word (or phrase of words separated by single spaces) comes first, then one or
//! more tabs, then the replacement. A replacement between slashes is IPA and becomes a
//! [`Piece::Phonemes`]; any other replacement is text, which is normalised like the
//! rest of the text afterwards (so write "engine x", not "engine 10").
//!
//! Case: an entry written all in lowercase matches whatever the case of the text
//! ("nginx" matches "Nginx" and "NGINX"); an entry with any capital letter matches only
//! exactly ("US" matches "US", not "us"). Matching is on whole words: a text word is a
//! whitespace-separated run with its edge punctuation removed, the same way the
//! normaliser cuts tokens, so "nginx," matches "nginx" and the comma stays. Where
//! entries overlap, the longest phrase wins.

mod error;
mod file;

pub use error::{LexiconError, LineProblem};
pub use file::LexiconFile;

use std::collections::HashMap;

use crate::en::token::edges;
use crate::Piece;

/// What an entry says instead of its word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replacement {
    /// A respelling, normalised like the surrounding text.
    Text(String),
    /// IPA, said as written.
    Ipa(String),
}

#[derive(Debug, Clone)]
struct Entry {
    /// The phrase's words, lowercased unless `exact`.
    words: Vec<String>,
    exact: bool,
    replacement: Replacement,
}

/// A set of pronunciations. Cheap to share behind an `Arc`; [`Lexicon::merged`] builds
/// a per-request copy with extra entries.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    /// Entries by their first word, lowercased; longest phrases first.
    by_first: HashMap<String, Vec<Entry>>,
    len: usize,
}

impl Lexicon {
    /// Parses the file format described in the module doc.
    ///
    /// # Errors
    /// [`LexiconError::Line`] naming the first bad line (1-based) and what is wrong.
    pub fn parse(src: &str) -> Result<Self, LexiconError> {
        let mut lex = Lexicon::default();
        for (n, line) in src.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            line.split_once('\t')
                .ok_or(LineProblem::NoTab)
                .and_then(|(w, r)| lex.insert(w, r))
                .map_err(|problem| LexiconError::Line {
                    line: n + 1,
                    problem,
                })?;
        }
        Ok(lex)
    }

    /// A lexicon of `(word, replacement)` pairs, as a request might send them; the
    /// replacement follows the file format's rules ("/…/" is IPA).
    ///
    /// # Errors
    /// [`LexiconError::Pair`] naming the first bad pair (1-based).
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, LexiconError> {
        Lexicon::default().merged(pairs)
    }

    /// A copy of this lexicon with `pairs` added; a pair whose word equals an existing
    /// entry's (under the same case rule) replaces it.
    ///
    /// # Errors
    /// As [`Lexicon::from_pairs`].
    pub fn merged<K: AsRef<str>, V: AsRef<str>>(
        &self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, LexiconError> {
        let mut lex = self.clone();
        for (n, (word, replacement)) in pairs.into_iter().enumerate() {
            lex.insert(word.as_ref(), replacement.as_ref())
                .map_err(|problem| LexiconError::Pair {
                    index: n + 1,
                    problem,
                })?;
        }
        Ok(lex)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if and only if there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn insert(&mut self, word: &str, replacement: &str) -> Result<(), LineProblem> {
        let word = word.trim();
        let replacement = replacement.trim();
        if word.is_empty() {
            return Err(LineProblem::EmptyWord);
        }
        let replacement = match replacement
            .strip_prefix('/')
            .and_then(|r| r.strip_suffix('/'))
        {
            Some(ipa) if !ipa.trim().is_empty() => Replacement::Ipa(ipa.trim().to_string()),
            Some(_) => return Err(LineProblem::EmptyReplacement),
            None if replacement.is_empty() => return Err(LineProblem::EmptyReplacement),
            None => Replacement::Text(replacement.to_string()),
        };
        let exact = word.chars().any(char::is_uppercase);
        let mut words = Vec::new();
        for w in word.split_whitespace() {
            let (pre, core, post) = edges(w);
            if !pre.is_empty() || !post.is_empty() || core.is_empty() {
                return Err(LineProblem::EdgePunctuation(w.to_string()));
            }
            words.push(if exact {
                core.to_string()
            } else {
                core.to_lowercase()
            });
        }
        let list = self.by_first.entry(words[0].to_lowercase()).or_default();
        match list
            .iter_mut()
            .find(|e| e.words == words && e.exact == exact)
        {
            Some(e) => e.replacement = replacement,
            None => {
                list.push(Entry {
                    words,
                    exact,
                    replacement,
                });
                list.sort_by_key(|e| std::cmp::Reverse(e.words.len()));
                self.len += 1;
            }
        }
        Ok(())
    }

    /// Applies the lexicon to `text`: returns its text with respellings substituted,
    /// split around IPA entries, as [`Piece::Text`] (not yet normalised, whitespace
    /// kept, `rate: None`) and [`Piece::Phonemes`] pieces. Text with no match comes back
    /// as one text piece; empty text as no piece.
    pub fn apply(&self, text: &str) -> Vec<Piece> {
        let mut pieces = Vec::new();
        let mut buf = String::with_capacity(text.len());
        let words = words_of(text);
        let (mut copied, mut k) = (0, 0);
        while k < words.len() {
            let Some((entry, n)) = self.match_at(&words, k) else {
                k += 1;
                continue;
            };
            let (start, end) = (words[k].0, words[k + n - 1].1);
            buf.push_str(&text[copied..start]);
            match &entry.replacement {
                Replacement::Text(t) => buf.push_str(t),
                Replacement::Ipa(ipa) => {
                    flush(&mut pieces, &mut buf);
                    pieces.push(Piece::Phonemes {
                        ipa: ipa.clone(),
                        text: text[start..end]
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" "),
                        rate: None,
                    });
                }
            }
            copied = end;
            k += n;
        }
        buf.push_str(&text[copied..]);
        flush(&mut pieces, &mut buf);
        pieces
    }

    /// The longest entry matching the words from `k`, and how many words it covers.
    fn match_at(&self, words: &[(usize, usize, &str, bool)], k: usize) -> Option<(&Entry, usize)> {
        if self.is_empty() {
            return None;
        }
        let first = words[k].2.to_lowercase();
        let candidates = self.by_first.get(&first)?;
        candidates.iter().find_map(|e| {
            let n = e.words.len();
            let span = words.get(k..k + n)?;
            // Inside a phrase, only plain spaces may separate the words.
            if span[..n - 1].iter().any(|w| !w.3) {
                return None;
            }
            let all = span.iter().zip(&e.words).all(|(w, want)| {
                if e.exact {
                    w.2 == want
                } else {
                    w.2.to_lowercase() == *want
                }
            });
            all.then_some((e, n))
        })
    }
}

fn flush(pieces: &mut Vec<Piece>, buf: &mut String) {
    if !buf.trim().is_empty() {
        pieces.push(Piece::Text {
            text: std::mem::take(buf),
            rate: None,
        });
    }
    buf.clear();
}

/// The words of `text`: (start, end) of each core, the core, and whether the word may
/// continue a phrase (no punctuation after it, none before the next).
fn words_of(text: &str) -> Vec<(usize, usize, &str, bool)> {
    let mut out: Vec<(usize, usize, &str, bool)> = Vec::new();
    let mut prev_clean_end = false;
    for chunk in text.split_whitespace() {
        let offset = chunk.as_ptr() as usize - text.as_ptr() as usize;
        let (pre, core, post) = edges(chunk);
        if let Some(last) = out.last_mut() {
            last.3 = prev_clean_end && pre.is_empty();
        }
        prev_clean_end = post.is_empty();
        if core.is_empty() {
            if let Some(last) = out.last_mut() {
                last.3 = false;
            }
            prev_clean_end = false;
            continue;
        }
        let start = offset + pre.len();
        out.push((start, start + core.len(), core, false));
    }
    out
}

#[cfg(test)]
mod tests;
