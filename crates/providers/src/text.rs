//! Text → sentences → clauses: the units sentence-level engines synthesise one at a time.
//!
//! The key decision: we split ourselves instead of letting espeak find clause ends, because
//! Debian's libespeak-ng 1.51 lacks `espeak_TextToPhonemesWithTerminator` and so cannot say
//! *which* punctuation ended a clause; Piper needs that punctuation as phoneme ids. A
//! boundary is punctuation followed by whitespace (or the end), so `3.5`, `3,000` and
//! `10:30` stay whole; a few abbreviations (`Mr.`, `e.g.`) and initials do not end a
//! sentence. Full-width CJK punctuation needs no space after it.

/// Piper phoneme-id punctuation a clause ends with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Punct {
    Period,
    Question,
    Exclamation,
    Comma,
    Colon,
    Semicolon,
}

impl Punct {
    /// The character Piper's `phoneme_id_map` uses for it.
    pub fn as_char(self) -> char {
        match self {
            Punct::Period => '.',
            Punct::Question => '?',
            Punct::Exclamation => '!',
            Punct::Comma => ',',
            Punct::Colon => ':',
            Punct::Semicolon => ';',
        }
    }

    /// Returns true if and only if this punctuation ends a sentence.
    pub fn ends_sentence(self) -> bool {
        matches!(self, Punct::Period | Punct::Question | Punct::Exclamation)
    }

    fn of(c: char) -> Option<Punct> {
        Some(match c {
            '.' | '…' | '。' | '．' => Punct::Period,
            '?' | '？' => Punct::Question,
            '!' | '！' => Punct::Exclamation,
            ',' | '，' | '、' => Punct::Comma,
            ':' | '：' => Punct::Colon,
            ';' | '；' => Punct::Semicolon,
            _ => return None,
        })
    }
}

/// A piece of text up to (and without) its closing punctuation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    pub text: String,
    /// `None` for text that ended without punctuation (end of input, a paragraph break,
    /// or a forced cut of an over-long clause).
    pub punct: Option<Punct>,
}

/// One sentence as a list of clauses; only the last may end the sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sentence {
    pub clauses: Vec<Clause>,
}

impl Sentence {
    /// The sentence's text with its punctuation, as a reader would see it.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for c in &self.clauses {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&c.text);
            if let Some(p) = c.punct {
                out.push(p.as_char());
            }
        }
        out
    }

    /// Length in characters (clause texts only).
    pub fn char_len(&self) -> usize {
        self.clauses.iter().map(|c| c.text.chars().count()).sum()
    }
}

/// A clause longer than this many characters is cut at a space, so that no single
/// inference (and no wait for first audio) grows without bound.
pub const MAX_CLAUSE_CHARS: usize = 240;

const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "fig", "inc",
    "ltd", "co", "mt", "approx", "dept", "est", "vol",
];

/// Splits text into sentences of clauses. Whitespace runs collapse to one space; a blank
/// line ends a sentence. Pieces without a letter, digit or symbol (lone punctuation) are
/// dropped, so every clause has something to say.
pub fn sentences(text: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    for paragraph in paragraphs(text) {
        let mut clauses = Vec::new();
        for (piece, punct) in clauses_of(&paragraph) {
            let parts = cut_long(&piece);
            let n = parts.len();
            for (i, part) in parts.iter().enumerate() {
                push_clause(&mut clauses, part, if i + 1 == n { punct } else { None });
            }
            if punct.is_some_and(Punct::ends_sentence) && !clauses.is_empty() {
                out.push(Sentence {
                    clauses: std::mem::take(&mut clauses),
                });
            }
        }
        if !clauses.is_empty() {
            out.push(Sentence { clauses });
        }
    }
    out
}

/// Sentences cut into synthesis units of at most `max_chars` characters where clause
/// punctuation allows: a short sentence is one unit; a long one is cut between clauses,
/// consecutive clauses sharing a unit while they fit. The first unit uses
/// `first_max_chars`, so the wait for the first audio is one short clause.
pub fn units(text: &str, first_max_chars: usize, max_chars: usize) -> Vec<Sentence> {
    let mut out: Vec<Sentence> = Vec::new();
    for sentence in sentences(text) {
        let mut current: Vec<Clause> = Vec::new();
        let mut len = 0;
        for clause in sentence.clauses {
            let limit = if out.is_empty() {
                first_max_chars
            } else {
                max_chars
            };
            let n = clause.text.chars().count();
            if !current.is_empty() && len + n > limit {
                out.push(Sentence {
                    clauses: std::mem::take(&mut current),
                });
                len = 0;
            }
            len += n;
            current.push(clause);
        }
        if !current.is_empty() {
            out.push(Sentence { clauses: current });
        }
    }
    out
}

/// A word of a piece of text derived from the request (a clause, a sentence), located
/// both in that piece and in the request's original text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextWord {
    /// Byte range in the piece.
    pub piece: std::ops::Range<usize>,
    /// Byte range in the original text.
    pub original: std::ops::Range<usize>,
}

/// The words of `piece` (whitespace-separated tokens with a letter or digit, without
/// their leading and trailing punctuation), each found in `original` at or after
/// `*cursor`, which moves past it. Pieces are built from the original by collapsing
/// whitespace and moving punctuation, never by changing a word, so searching forward
/// finds each word where the reader wrote it. A word not found (which would mean the
/// piece was not derived from `original`) is left out.
pub fn words_in(piece: &str, original: &str, cursor: &mut usize) -> Vec<TextWord> {
    let mut out = Vec::new();
    let mut pos = 0;
    for token in piece.split(|c: char| c.is_whitespace() || c.is_control()) {
        let token_start = pos;
        pos += token.len() + 1;
        let core = token.trim_matches(|c: char| !is_word_char(c));
        if core.is_empty() {
            continue;
        }
        let lead = token.len() - token.trim_start_matches(|c: char| !is_word_char(c)).len();
        let Some(found) = original.get(*cursor..).and_then(|rest| rest.find(core)) else {
            continue;
        };
        let start = *cursor + found;
        *cursor = start + core.len();
        out.push(TextWord {
            piece: token_start + lead..token_start + lead + core.len(),
            original: start..*cursor,
        });
    }
    out
}

/// A letter, a digit, or a phoneme span's stand-in ([`crate::ipa`]), which is a word.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || crate::ipa::is_stand_in(c)
}

fn push_clause(clauses: &mut Vec<Clause>, text: &str, punct: Option<Punct>) {
    let text = text.trim();
    let speakable = text
        .chars()
        .any(|c| c.is_alphanumeric() || !(c.is_whitespace() || is_punctuation(c)));
    if speakable {
        clauses.push(Clause {
            text: text.to_string(),
            punct,
        });
    } else if let (Some(last), Some(p)) = (clauses.last_mut(), punct) {
        // "Wait — !" : the punctuation still closes the previous clause.
        if last.punct.is_none() || p.ends_sentence() {
            last.punct = Some(p);
        }
    }
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || Punct::of(c).is_some() || "«»“”‘’—–¿¡「」『』（）".contains(c)
}

/// Paragraphs (split at blank lines) with whitespace collapsed. Control characters
/// (NUL included, which C engines cannot take) become spaces.
fn paragraphs(text: &str) -> Vec<String> {
    let normalized: String = text
        .replace("\r\n", "\n")
        .chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect();
    normalized
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

/// Cuts a paragraph at clause and sentence punctuation.
fn clauses_of(paragraph: &str) -> Vec<(String, Option<Punct>)> {
    let chars: Vec<char> = paragraph.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let Some(punct) = Punct::of(chars[i]) else {
            i += 1;
            continue;
        };
        // A run like "?!" or "..." counts once: its first sentence-ending mark wins.
        let mut end = i;
        let mut p = punct;
        while end + 1 < chars.len() {
            match Punct::of(chars[end + 1]) {
                Some(q) => {
                    if !p.ends_sentence() {
                        p = q;
                    }
                    end += 1;
                }
                None => break,
            }
        }
        // Closing quotes and brackets belong to the clause they close.
        let mut after = end + 1;
        while after < chars.len() && "\"'”’»)]」』）".contains(chars[after]) {
            after += 1;
        }
        let full_width = !chars[i].is_ascii() && chars[i] != '…';
        let at_boundary = after >= chars.len() || chars[after].is_whitespace() || full_width;
        if at_boundary && !(p == Punct::Period && end == i && is_abbreviation(&chars[start..i])) {
            let text: String = chars[start..i].iter().collect();
            let closing: String = chars[end + 1..after].iter().collect();
            out.push((format!("{text}{closing}"), Some(p)));
            start = after;
        }
        i = after.max(i + 1);
    }
    if start < chars.len() {
        out.push((chars[start..].iter().collect(), None));
    }
    out
}

/// Returns true if and only if the text before a period ends with a known abbreviation
/// or a single-letter initial (`J. R. R. Tolkien`).
fn is_abbreviation(before: &[char]) -> bool {
    let word: String = before
        .iter()
        .rev()
        .take_while(|c| !c.is_whitespace())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let word = word.trim_start_matches(|c: char| !c.is_alphanumeric());
    let lower = word.to_lowercase();
    // "I." is more often the end of "… did I." than an initial.
    let single_initial =
        word.chars().count() == 1 && word.chars().all(char::is_uppercase) && word != "I";
    single_initial || ABBREVIATIONS.contains(&lower.as_str())
}

/// Cuts an over-long clause at spaces into parts of at most [`MAX_CLAUSE_CHARS`].
fn cut_long(clause: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    for word in clause.split(' ') {
        let n = current.chars().count();
        if n > 0 && n + 1 + word.chars().count() > MAX_CLAUSE_CHARS {
            parts.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    parts.push(current);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &[Sentence]) -> Vec<String> {
        s.iter().map(Sentence::text).collect()
    }

    #[test]
    fn splits_sentences_and_keeps_clause_punctuation() {
        let s = sentences("Hello, world. How are you?  I am fine; thanks: really!");
        assert_eq!(
            texts(&s),
            [
                "Hello, world.",
                "How are you?",
                "I am fine; thanks: really!"
            ]
        );
        assert_eq!(s[0].clauses[0].punct, Some(Punct::Comma));
        assert_eq!(s[2].clauses.len(), 3);
    }

    #[test]
    fn numbers_abbreviations_and_initials_do_not_split() {
        let s = sentences(
            "Mr. Smith paid 3.50 for 3,000 apples at 10:30. J. R. R. Tolkien wrote e.g. this.",
        );
        assert_eq!(
            texts(&s),
            [
                "Mr. Smith paid 3.50 for 3,000 apples at 10:30.",
                "J. R. R. Tolkien wrote e.g. this."
            ]
        );
    }

    #[test]
    fn punctuation_runs_quotes_and_paragraphs() {
        let s = sentences("\"Really?!\" she said... Then\n\nA heading\nand text");
        assert_eq!(
            texts(&s),
            ["\"Really\"?", "she said.", "Then", "A heading and text"]
        );
        assert_eq!(s[0].clauses[0].punct, Some(Punct::Question));
    }

    #[test]
    fn control_characters_become_spaces() {
        assert_eq!(texts(&sentences("a\0b\u{7}c.\r\nd")), ["a b c.", "d"]);
    }

    #[test]
    fn lone_punctuation_is_dropped() {
        assert!(sentences(" ... !? ").is_empty());
        assert_eq!(texts(&sentences("Wait — ! Go.")), ["Wait —!", "Go."]);
    }

    #[test]
    fn cjk_punctuation_needs_no_space() {
        let s = sentences("你好。今天好吗？好，谢谢");
        assert_eq!(texts(&s), ["你好.", "今天好吗?", "好, 谢谢"]);
    }

    #[test]
    fn long_clauses_are_cut_at_spaces() {
        let long = "word ".repeat(100);
        let s = sentences(&long);
        assert_eq!(s.len(), 1);
        assert!(s[0].clauses.len() >= 2);
        assert!(s[0]
            .clauses
            .iter()
            .all(|c| c.text.chars().count() <= MAX_CLAUSE_CHARS));
    }

    #[test]
    fn words_are_found_in_the_original_text_in_order() {
        let original = "\"Really?!\" she said...\n\nNo  — 3,000 times; 你好。今天";
        let mut cursor = 0;
        let mut got = Vec::new();
        for s in sentences(original) {
            for c in &s.clauses {
                for w in words_in(&c.text, original, &mut cursor) {
                    assert_eq!(&c.text[w.piece.clone()], &original[w.original.clone()]);
                    got.push(&original[w.original]);
                }
            }
        }
        assert_eq!(
            got,
            ["Really", "she", "said", "No", "3,000", "times", "你好", "今天"]
        );
    }

    #[test]
    fn units_cut_long_sentences_between_clauses() {
        let text = "First, a rather long opening clause that goes on, and on, until it is done. Short one. Then another.";
        let u = units(text, 30, 100);
        assert_eq!(
            texts(&u),
            [
                "First,",
                "a rather long opening clause that goes on, and on, until it is done.",
                "Short one.",
                "Then another."
            ]
        );
    }
}
