//! Turns raw text into what a speech engine should read.
//!
//! Speech engines read "$1,234.56" as "dollar one comma two three four…" or skip it;
//! this crate rewrites it as "one thousand two hundred thirty-four dollars and
//! fifty-six cents" before the engine sees it. Three parts:
//!
//! - [`normalize`]: plain text to speakable text, by language. English is rule-based
//!   (numbers, money, units, dates, times, phone numbers, ranges, fractions, versions,
//!   abbreviations decided by context, web addresses, symbols, regnal numerals); Korean
//!   reads numbers with the right number system for each counter; every other
//!   language passes through unchanged. `docs/NORMALIZATION.md` lists every category
//!   with examples, the traps, and what is not covered.
//! - [`parse_ssml`]: a strict SSML subset to a list of [`Piece`]s (text, breaks,
//!   phonemes, sentence marks), with positioned errors.
//! - [`Lexicon`] / [`LexiconFile`]: pronunciations from a file (reloaded on change)
//!   and from requests, applied before normalisation.
//!
//! The key decision: normalisation keeps sentence punctuation, so the sentence and
//! clause splitter that runs after it still works, and it never adds a period: an
//! abbreviation's period is dropped where it does not end the sentence ("Dr. Smith" →
//! "Doctor Smith"), and a decimal point is never cut from its number.
//!
//! Everything is plain functions over `&str` with tables compiled in; nothing is
//! compiled or allocated per call beyond the output, so a typical sentence takes a few
//! microseconds (see `examples/normalize_bench.rs`).
#![forbid(unsafe_code)]

mod en;
mod ko;
mod lang;
mod lexicon;
mod piece;
mod ssml;
#[cfg(test)]
mod testing;

pub use lang::Language;
pub use lexicon::{Lexicon, LexiconError, LexiconFile, LineProblem, Replacement};
pub use piece::Piece;
pub use ssml::{looks_like_ssml, parse_ssml, Options, SsmlError, SsmlErrorKind};

use ssml::{DateFormat, InterpretAs};

/// Rewrites `text` for speaking in `language`, a BCP-47 tag such as "en-US" or
/// "ko-KR" (see [`Language::from_tag`]). Text in a language without a normaliser is
/// returned unchanged. Sentence punctuation is kept.
///
/// ```
/// use tts_normalize::normalize;
/// assert_eq!(
///     normalize("Dr. Smith paid $3.50 on 03/14/2026.", "en-US"),
///     "Doctor Smith paid three dollars and fifty cents on March fourteenth, twenty twenty-six."
/// );
/// assert_eq!(normalize("사과 3개", "ko-KR"), "사과 세 개");
/// assert_eq!(normalize("5 €", "de-DE"), "5 €");
/// ```
pub fn normalize(text: &str, language: &str) -> String {
    normalize_in(text, Language::from_tag(language))
}

fn normalize_in(text: &str, lang: Language) -> String {
    match lang {
        Language::English => en::normalize(text),
        Language::Korean => ko::normalize(text),
        Language::Other => text.to_string(),
    }
}

/// Plain (non-SSML) text as pieces: the lexicon in `opts` applied first, then each
/// text piece normalised (unless `opts.normalize` is false), whitespace collapsed.
/// Returns no piece for blank text.
pub fn to_pieces(text: &str, language: &str, opts: &Options<'_>) -> Vec<Piece> {
    let mut pieces = Vec::new();
    push_text_pieces(&mut pieces, text, None, Language::from_tag(language), opts);
    pieces
}

/// Appends the pieces for raw `text` spoken at `rate`: lexicon, then normalisation.
fn push_text_pieces(
    pieces: &mut Vec<Piece>,
    text: &str,
    rate: Option<f32>,
    lang: Language,
    opts: &Options<'_>,
) {
    let raw = match opts.lexicon {
        Some(lex) => lex.apply(text),
        None => vec![Piece::Text {
            text: text.to_string(),
            rate: None,
        }],
    };
    for piece in raw {
        let piece = match piece {
            Piece::Text { text, .. } => {
                let text = if opts.normalize {
                    normalize_in(&text, lang)
                } else {
                    text
                };
                Piece::Text {
                    text: text.split_whitespace().collect::<Vec<_>>().join(" "),
                    rate,
                }
            }
            Piece::Phonemes { ipa, text, .. } => Piece::Phonemes { ipa, text, rate },
            other => other,
        };
        push_piece(pieces, piece);
    }
}

/// Appends `piece`, dropping empty text and joining text to a preceding text piece
/// of the same rate with a space (none before closing punctuation).
fn push_piece(pieces: &mut Vec<Piece>, piece: Piece) {
    if let Piece::Text { text, rate } = &piece {
        if text.is_empty() {
            return;
        }
        if let Some(Piece::Text {
            text: prev,
            rate: prev_rate,
        }) = pieces.last_mut()
        {
            if prev_rate == rate {
                // Closing punctuation joins the word before it: "A B C" + "." → "A B C.".
                if !text.starts_with(['.', ',', ';', ':', '!', '?', ')']) {
                    prev.push(' ');
                }
                prev.push_str(text);
                return;
            }
        }
    }
    pieces.push(piece);
}

/// The words for the content of a `<say-as>` in `lang`.
fn say_as(text: &str, kind: InterpretAs, format: Option<DateFormat>, lang: Language) -> String {
    match lang {
        Language::English => en::say_as(text, kind, format),
        Language::Korean => ko::say_as(text, kind),
        Language::Other => text.to_string(),
    }
}
