//! The normalisation stage: what the engine is given for a segment of text.
//!
//! Every door's text passes here before synthesis (`tts-normalize`): plain text gets the
//! lexicon and then the language's normaliser ("$3.50" → "three dollars and fifty
//! cents"); SSML (`text_type: ssml`, or text that starts with `<speak>`) becomes text,
//! pauses and prosody. Word timings come back for the words the engine spoke; [`align`]
//! maps them onto the words the client sent, so "$3.50" is highlighted whole while
//! "three dollars and fifty cents" is heard.

use super::request::SpeechRequest;
use crate::state::AppState;
use std::ops::Range;
use std::sync::Arc;
use tts_core::PhonemeSpan;
use tts_normalize::{looks_like_ssml, parse_ssml, to_pieces, Lexicon, Options, Piece};

/// How a request's text is to be read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextType {
    /// SSML if it starts with `<speak>`, plain text otherwise.
    #[default]
    Auto,
    Plain,
    Ssml,
}

impl TextType {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "auto" => Some(TextType::Auto),
            "plain" | "text" => Some(TextType::Plain),
            "ssml" => Some(TextType::Ssml),
            _ => None,
        }
    }
}

/// The text options of a request.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TextOptions {
    /// `"normalize": false` turns the normaliser off (the lexicon still applies).
    pub normalize: bool,
    pub text_type: TextType,
    /// The request's own lexicon entries (`from` → `to`, or `/ipa/`), over the file's.
    #[serde(default)]
    pub lexicon: Vec<(String, String)>,
}

impl Default for TextOptions {
    fn default() -> Self {
        Self {
            normalize: true,
            text_type: TextType::Auto,
            lexicon: Vec::new(),
        }
    }
}

/// Text that cannot be read: malformed SSML, a bad lexicon entry, or phonemes the voice
/// cannot say. The message names the problem (and, for SSML, where; for phonemes, the
/// symbol and the voice).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unreadable(pub String);

/// What to say for `text` (one segment), in order.
pub fn prepare(state: &AppState, r: &SpeechRequest, text: &str) -> Result<Vec<Piece>, Unreadable> {
    let language = r
        .language
        .clone()
        .or_else(|| {
            state
                .catalog
                .find(&r.provider, &r.voice)
                .map(|v| v.language.clone())
        })
        .unwrap_or_default();
    let lexicon = lexicon(state, &r.reading)?;
    let opts = Options {
        normalize: r.reading.normalize,
        lexicon: lexicon.as_deref(),
    };
    let ssml = match r.reading.text_type {
        TextType::Ssml => true,
        TextType::Plain => false,
        TextType::Auto => looks_like_ssml(text),
    };
    let pieces = if ssml {
        parse_ssml(text, &language, &opts)
            .map_err(|e| Unreadable(format!("invalid SSML in the text: {e}")))?
    } else {
        to_pieces(text, &language, &opts)
    };
    // Phonemes are checked against the voice now, so an unknown symbol is a 400 before
    // any audio, naming the symbol and the voice.
    if let Some(provider) = state.provider(&r.provider) {
        for piece in &pieces {
            if let Piece::Phonemes { ipa, .. } = piece {
                provider
                    .check_phonemes(&r.voice, ipa)
                    .map_err(|e| Unreadable(format!("phonemes in the text: {}", e.message)))?;
            }
        }
    }
    Ok(pieces)
}

/// One engine call's worth of pieces: text with the phoneme spans inside it, at one rate.
#[derive(Clone, Debug, PartialEq)]
pub struct Utterance {
    pub text: String,
    pub phonemes: Vec<PhonemeSpan>,
    pub rate: Option<f32>,
}

/// What to do for a run of pieces, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Spoken {
    Say(Utterance),
    Pause { ms: u32 },
}

/// Joins neighbouring text and phoneme pieces of the same rate into one utterance (a
/// phoneme span stands in its sentence, whose prosody it shares; its written words are
/// in the text, for word timings). Pauses and SSML sentence and paragraph ends separate
/// utterances.
pub fn utterances(pieces: Vec<Piece>) -> Vec<Spoken> {
    let mut out = Vec::new();
    let mut current: Option<Utterance> = None;
    let flush = |current: &mut Option<Utterance>, out: &mut Vec<Spoken>| {
        out.extend(current.take().map(Spoken::Say));
    };
    for piece in pieces {
        let (words, ipa, rate) = match piece {
            Piece::Text { text, rate } => (text, None, rate),
            Piece::Phonemes { ipa, text, rate } => (text, Some(ipa), rate),
            Piece::Break { ms } => {
                flush(&mut current, &mut out);
                out.push(Spoken::Pause { ms });
                continue;
            }
            Piece::SentenceEnd | Piece::ParagraphEnd => {
                flush(&mut current, &mut out);
                continue;
            }
        };
        if current.as_ref().is_some_and(|u| u.rate != rate) {
            flush(&mut current, &mut out);
        }
        let u = current.get_or_insert_with(|| Utterance {
            text: String::new(),
            phonemes: Vec::new(),
            rate,
        });
        let closing = words.starts_with(|c: char| ".,;:!?)]}".contains(c));
        if !u.text.is_empty() && !closing {
            u.text.push(' ');
        }
        let start = u.text.len();
        u.text.push_str(&words);
        if let Some(ipa) = ipa {
            u.phonemes.push(PhonemeSpan {
                text: start..u.text.len(),
                ipa,
            });
        }
    }
    flush(&mut current, &mut out);
    out
}

/// The operator's lexicon (`LEXICON_FILE`, reloaded when it changes) with the request's
/// entries over it; `None` when there is neither.
fn lexicon(state: &AppState, opts: &TextOptions) -> Result<Option<Arc<Lexicon>>, Unreadable> {
    let file = state.lexicon.as_ref().map(|f| f.current());
    if opts.lexicon.is_empty() {
        return Ok(file);
    }
    let merged = match &file {
        Some(base) => base.merged(opts.lexicon.iter().map(|(a, b)| (a, b))),
        None => Lexicon::from_pairs(opts.lexicon.iter().map(|(a, b)| (a, b))),
    };
    merged
        .map(|l| Some(Arc::new(l)))
        .map_err(|e| Unreadable(format!("bad lexicon entry in the request: {e}")))
}

/// Maps byte ranges of words in `spoken` (what the engine read) onto `written` (what the
/// client sent): a word the normaliser left alone maps to itself; a run of words it wrote
/// for one token ("three dollars and fifty cents" for "$3.50") maps to that token.
/// Returns, for each whitespace-separated word of `spoken` in order, its range in
/// `written`.
pub fn align(written: &str, spoken: &str) -> Vec<Range<usize>> {
    let w = words(written);
    let s = words(spoken);
    let canon = |t: &str| {
        t.trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    };
    let mut out = Vec::with_capacity(s.len());
    let (mut i, mut j) = (0, 0);
    while j < s.len() {
        if i >= w.len() {
            let last = w.last().map_or(0..0, |r| r.clone());
            out.push(last);
            j += 1;
            continue;
        }
        if canon(&written[w[i].clone()]) == canon(&spoken[s[j].clone()]) {
            out.push(w[i].clone());
            i += 1;
            j += 1;
            continue;
        }
        // The next pair of equal words after this point ends the rewritten run.
        let next = (i + 1..w.len().min(i + 8))
            .flat_map(|k| (j + 1..s.len().min(j + 24)).map(move |l| (k, l)))
            .find(|&(k, l)| canon(&written[w[k].clone()]) == canon(&spoken[s[l].clone()]));
        let (k, l) = next.unwrap_or((w.len(), s.len()));
        let span = w[i].start..w[k - 1].end;
        for _ in j..l {
            out.push(span.clone());
        }
        i = k;
        j = l;
    }
    out
}

/// Byte ranges of the whitespace-separated words of `text`.
pub fn words(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push(s..at);
                start = None;
            }
            (false, None) => start = Some(at),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..text.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(written: &str, spoken: &str) -> Vec<String> {
        align(written, spoken)
            .into_iter()
            .map(|r| written[r].to_string())
            .collect()
    }

    #[test]
    fn untouched_words_map_to_themselves() {
        assert_eq!(
            mapped("Hello there, you.", "Hello there, you."),
            ["Hello", "there,", "you."]
        );
    }

    #[test]
    fn a_rewritten_token_covers_all_the_words_said_for_it() {
        assert_eq!(
            mapped(
                "It costs $3.50 today.",
                "It costs three dollars and fifty cents today."
            ),
            ["It", "costs", "$3.50", "$3.50", "$3.50", "$3.50", "$3.50", "today."]
        );
        assert_eq!(
            mapped("Dr. Smith is in.", "Doctor Smith is in."),
            ["Dr.", "Smith", "is", "in."]
        );
    }

    #[test]
    fn phoneme_pieces_join_their_sentence_with_their_written_words() {
        let text = |t: &str| Piece::Text {
            text: t.into(),
            rate: None,
        };
        let got = utterances(vec![
            text("My name is"),
            Piece::Phonemes {
                ipa: "wɪn".into(),
                text: "Nguyen".into(),
                rate: None,
            },
            text(". Hi"),
            Piece::Break { ms: 300 },
            text("Bye"),
        ]);
        assert_eq!(
            got,
            [
                Spoken::Say(Utterance {
                    text: "My name is Nguyen. Hi".into(),
                    phonemes: vec![PhonemeSpan {
                        text: 11..17,
                        ipa: "wɪn".into()
                    }],
                    rate: None,
                }),
                Spoken::Pause { ms: 300 },
                Spoken::Say(Utterance {
                    text: "Bye".into(),
                    phonemes: vec![],
                    rate: None,
                }),
            ]
        );
    }

    #[test]
    fn a_rewritten_end_maps_to_the_last_words() {
        assert_eq!(
            mapped("Call 911", "Call nine one one"),
            ["Call", "911", "911", "911"]
        );
    }
}
