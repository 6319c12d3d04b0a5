//! Phoneme input: IPA spans of a request ([`tts_core::PhonemeSpan`], from SSML
//! `<phoneme>` and IPA lexicon entries) made ready for the engines that can say them.
//!
//! The key decision: a span is not synthesised on its own. Its written words are
//! replaced, in the text the engine splits into sentences, by one stand-in character
//! ([`Marked`]), so the sentence around it stays one utterance (one espeak clause, one
//! Piper inference) with its prosody, and the splitter can neither cut the span nor
//! mistake a phoneme symbol for punctuation. Each engine then puts the phonemes where
//! the stand-in is: Piper as phoneme ids (its voices are keyed by IPA), espeak as its
//! own phoneme mnemonics inside `[[…]]` ([`espeak`]). Word marks of a stand-in name the
//! written words it replaced, so highlighting still works.

pub mod espeak;

use std::ops::Range;
use tts_core::{PhonemeSpan, ProviderError};
use unicode_normalization::UnicodeNormalization;

/// The first stand-in character: span `k` is U+F0000 + k, in Unicode's Supplementary
/// Private Use Area-A, which no text rule (splitter, espeak) gives a meaning.
const STAND_IN_BASE: u32 = 0xF0000;
/// How many spans one request may have (the plane's private-use code points).
const MAX_SPANS: usize = 0xFFFE;

/// The stand-in character of span `k`.
fn stand_in(k: usize) -> char {
    char::from_u32(STAND_IN_BASE + k as u32).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// Which span `c` stands in for, if it is a stand-in.
pub fn span_of(c: char) -> Option<usize> {
    let k = (c as u32).checked_sub(STAND_IN_BASE)? as usize;
    (k < MAX_SPANS).then_some(k)
}

/// Returns true if and only if `c` stands in for a span.
pub fn is_stand_in(c: char) -> bool {
    span_of(c).is_some()
}

/// A request's text with each phoneme span's written words replaced by its stand-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marked {
    /// The text the engine splits and reads.
    pub text: String,
    /// Per span: where its stand-in is in `text`, and its written words in the request.
    spans: Vec<(usize, Range<usize>)>,
}

impl Marked {
    /// Marks `text`; fails (a bad request) if the spans are out of order, overlap or do
    /// not lie on character boundaries of `text`.
    pub fn new(text: &str, spans: &[PhonemeSpan]) -> Result<Self, ProviderError> {
        if spans.len() > MAX_SPANS {
            return Err(ProviderError::bad_request(format!(
                "too many phoneme spans ({}; at most {MAX_SPANS})",
                spans.len()
            )));
        }
        let mut out = String::with_capacity(text.len() + 4 * spans.len());
        let mut at = Vec::with_capacity(spans.len());
        let mut copied = 0;
        for (k, span) in spans.iter().enumerate() {
            let r = &span.text;
            if r.start < copied || r.start > r.end || text.get(r.clone()).is_none() {
                return Err(ProviderError::bad_request(format!(
                    "phoneme span {k} ({}..{}) is not in order inside the text",
                    r.start, r.end
                )));
            }
            push_text(&mut out, &text[copied..r.start]);
            at.push((out.len(), r.clone()));
            out.push(stand_in(k));
            copied = r.end;
        }
        push_text(&mut out, &text[copied..]);
        Ok(Self {
            text: out,
            spans: at,
        })
    }

    /// The request's bytes for `range` of the marked text: a stand-in inside the range
    /// becomes its span's written words.
    pub fn original(&self, range: Range<usize>) -> Range<usize> {
        self.position(range.start)..self.position(range.end)
    }

    /// The request's byte for byte `p` of the marked text (past the written words, for
    /// a position inside a stand-in).
    fn position(&self, p: usize) -> usize {
        let mut shift = 0isize;
        for (at, written) in &self.spans {
            if p >= at + STAND_IN_LEN {
                shift += written.len() as isize - STAND_IN_LEN as isize;
            } else if p > *at {
                return written.end;
            } else {
                break;
            }
        }
        p.saturating_add_signed(shift)
    }
}

/// Appends text of the request: a character of the request that looks like a stand-in
/// becomes U+10FFFD (private use too, and as long), so it cannot pass for a span.
fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        out.push(if is_stand_in(c) { '\u{10FFFD}' } else { c });
    }
}

/// UTF-8 length of every stand-in (all are in plane 15).
const STAND_IN_LEN: usize = 4;

/// Pieces of a marked clause: text to phonemize as usual, and spans by index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part<'a> {
    Text(&'a str),
    Span(usize),
}

/// Splits `text` at its stand-ins. Text parts that are only whitespace are left out.
pub fn parts(text: &str) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    let mut from = 0;
    for (i, c) in text.char_indices() {
        if let Some(k) = span_of(c) {
            if !text[from..i].trim().is_empty() {
                out.push(Part::Text(&text[from..i]));
            }
            out.push(Part::Span(k));
            from = i + c.len_utf8();
        }
    }
    if !text[from..].trim().is_empty() {
        out.push(Part::Text(&text[from..]));
    }
    out
}

/// IPA as espeak writes it, from the ways people write it: NFC; `g` → `ɡ`; ASCII `:`
/// → `ː` and `'` → `ˈ`; tie bars, syllable dots, `‿` and the delimiters `/ [ ]` dropped;
/// the affricate ligatures `ʧ ʤ ʦ ʣ` spelled out; `ɝ` → `ɜː` (espeak's NURSE vowel); runs
/// of whitespace → one space (a word boundary).
pub fn canonical(ipa: &str) -> String {
    let mut out = String::with_capacity(ipa.len());
    for c in ipa.nfc() {
        match c {
            'g' => out.push('ɡ'),
            ':' => out.push('ː'),
            '\'' | '’' => out.push('ˈ'),
            '\u{361}' | '\u{35c}' | '.' | '‿' | '/' | '[' | ']' => {}
            'ʧ' => out.push_str("tʃ"),
            'ʤ' => out.push_str("dʒ"),
            'ʦ' => out.push_str("ts"),
            'ʣ' => out.push_str("dz"),
            'ɝ' => out.push_str("ɜː"),
            c if c.is_whitespace() => {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

/// The message for a symbol `voice` cannot say.
pub fn unknown_symbol(symbol: char, ipa: &str, voice: &str, provider: &str) -> ProviderError {
    ProviderError::bad_request(format!(
        "IPA symbol {symbol:?} (U+{:04X}) in /{ipa}/ is not a phoneme of {provider} voice {voice:?}",
        symbol as u32
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(text: Range<usize>, ipa: &str) -> PhonemeSpan {
        PhonemeSpan {
            text,
            ipa: ipa.to_string(),
        }
    }

    #[test]
    fn spans_become_stand_ins_and_map_back_to_their_written_words() {
        let text = "My name is Nguyen, from New York.";
        let m = Marked::new(text, &[span(11..17, "wɪn"), span(24..32, "nuː jɔːk")]).unwrap();
        assert_eq!(m.text, "My name is \u{F0000}, from \u{F0001}.");
        let first = m.text.find('\u{F0000}').unwrap();
        assert_eq!(&text[m.original(first..first + 4)], "Nguyen");
        let second = m.text.find('\u{F0001}').unwrap();
        assert_eq!(&text[m.original(second..second + 4)], "New York");
        // Text after both spans keeps its place.
        let from = m.text.find("from").unwrap();
        assert_eq!(&text[m.original(from..from + 4)], "from");
        assert_eq!(&text[m.original(0..2)], "My");
    }

    #[test]
    fn spans_out_of_order_or_off_boundaries_are_refused() {
        assert!(Marked::new("ab cd", &[span(3..5, "x"), span(0..2, "y")]).is_err());
        assert!(Marked::new("ab cd", &[span(0..9, "x")]).is_err());
        assert!(Marked::new("é", &[span(0..1, "x")]).is_err());
        let empty = Marked::new("ab", &[span(1..1, "x")]).unwrap();
        assert_eq!(empty.text, "a\u{F0000}b");
        // A request's own private-use character cannot pass for a span.
        let own = Marked::new("\u{F0000} x", &[span(5..6, "y")]).unwrap();
        assert_eq!(own.text, "\u{10FFFD} \u{F0000}");
        assert_eq!(own.original(5..9), 5..6);
    }

    #[test]
    fn parts_split_at_stand_ins() {
        assert_eq!(
            parts("My name is \u{F0000}, hi \u{F0001}"),
            [
                Part::Text("My name is "),
                Part::Span(0),
                Part::Text(", hi "),
                Part::Span(1)
            ]
        );
        assert_eq!(parts(" \u{F0002} "), [Part::Span(2)]);
    }

    #[test]
    fn canonical_ipa_is_what_espeak_writes() {
        assert_eq!(canonical("ˈɡoʊ"), "ˈɡoʊ");
        assert_eq!(canonical("/'go:/"), "ˈɡoː");
        assert_eq!(canonical("t͡ʃɝ.tʃ"), "tʃɜːtʃ");
        assert_eq!(canonical("ʧʤ"), "tʃdʒ");
        assert_eq!(canonical("  nuː   jɔːk "), "nuː jɔːk");
        // Composed and decomposed input meet.
        assert_eq!(canonical("c\u{327}"), "ç");
    }
}
