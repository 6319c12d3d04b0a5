//! English normalisation: a table of rules over whitespace tokens.
//!
//! The key decision is that every rule works on [`Token`]s, whose edge punctuation is
//! already set apart, and may look at its neighbours. That is what lets "Dr." be
//! "Doctor" before a name and "Drive" after one, "2026" be a year after "in" and a
//! count elsewhere, and "3/4" be a fraction while "3/14" is a date. A rule that reads a
//! token consumes one or more of them; the first rule that matches wins, and a token
//! no rule reads is copied as it was. The punctuation after the last consumed token is
//! kept, so the sentence splitter downstream still sees every '.', ',', '?' and '!',
//! except the period of an abbreviation that does not end its sentence ("Dr. Smith" →
//! "Doctor Smith"), which a splitter would otherwise take for a sentence end.

mod abbrev;
mod dates;
mod money;
pub(crate) mod numbers;
mod phone;
mod roman;
mod say_as;
mod single;
mod symbols;
mod time;
pub(crate) mod token;
mod units;
mod web;

pub(crate) use say_as::say_as;
use token::{tokenize, Token};

/// What a rule makes of the tokens starting at one position.
#[derive(Debug)]
pub(crate) struct Reading {
    /// The words to say in place of the consumed tokens' cores.
    words: String,
    /// How many tokens the words replace (at least one).
    len: usize,
    /// Drop the period that follows the last consumed token (an abbreviation's).
    drop_period: bool,
    /// Drop the opening punctuation of the first token (the bracket of "(555)").
    drop_pre: bool,
}

impl Reading {
    fn new(words: String, len: usize) -> Self {
        Reading {
            words,
            len,
            drop_period: false,
            drop_pre: false,
        }
    }
}

/// A rule: reads the tokens at `i` (and possibly after), or declines.
type Rule = fn(&[Token<'_>], usize) -> Option<Reading>;

/// Rules in priority order: multi-token patterns before the single-token ones they
/// start with ("March 14, 2026" before "14"; "(555) 123-4567" before "555").
const RULES: &[Rule] = &[
    phone::read,
    dates::read,
    time::read,
    money::read,
    units::read,
    abbrev::read,
    roman::read,
    web::read,
    single::read,
    symbols::read,
];

/// Rewrites English `text` so that a speech engine reads it as a person would: numbers,
/// money, dates, times, units, abbreviations, addresses and symbols become words.
/// Whitespace and sentence punctuation are kept (see the module doc for the one
/// exception).
pub(crate) fn normalize(text: &str) -> String {
    let (lead, toks) = tokenize(text);
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    out.push_str(lead);
    let mut i = 0;
    while i < toks.len() {
        let first = &toks[i];
        let reading = if is_plain_word(first.core) {
            None
        } else {
            RULES.iter().find_map(|rule| rule(&toks, i))
        };
        let (words, len, drop_period, drop_pre) = match &reading {
            Some(r) => (r.words.as_str(), r.len.max(1), r.drop_period, r.drop_pre),
            None => (first.core, 1, false, false),
        };
        let last = &toks[(i + len - 1).min(toks.len() - 1)];
        if !drop_pre {
            out.push_str(first.pre);
        }
        out.push_str(words);
        let post = match drop_period {
            true => last.post.strip_prefix('.').unwrap_or(last.post),
            false => last.post,
        };
        out.push_str(post);
        out.push_str(last.space);
        i += len;
    }
    out
}

/// True if and only if `core` is a lowercase word no rule reads, so that the common
/// case costs one scan. (Abbreviations such as "etc." and "vs" are not plain.)
fn is_plain_word(core: &str) -> bool {
    !core.is_empty()
        && core.bytes().all(|b| b.is_ascii_lowercase() || b == b'\'')
        && !abbrev::is_lowercase_abbreviation(core)
}

/// The token before `i`, unless a sentence ended in between.
fn prev<'a, 'b>(toks: &'b [Token<'a>], i: usize) -> Option<&'b Token<'a>> {
    let p = toks.get(i.checked_sub(1)?)?;
    (!p.ends_sentence()).then_some(p)
}

/// The token after `i`, if only whitespace separates them.
fn next<'a, 'b>(toks: &'b [Token<'a>], i: usize) -> Option<&'b Token<'a>> {
    let n = toks.get(i + 1)?;
    toks[i].joins_next(n).then_some(n)
}

/// True if and only if a period after token `i` plausibly ends the sentence: no comma,
/// semicolon or colon follows it ("Fri.,"), and the text ends there or the next word
/// starts with a capital letter.
fn period_ends_sentence(toks: &[Token<'_>], i: usize) -> bool {
    let clause_follows = toks[i]
        .post
        .strip_prefix('.')
        .is_some_and(|rest| rest.starts_with([',', ';', ':']));
    // Day and month names and trailing abbreviations are capitalised inside sentences
    // too ("5 p.m. Friday", "Main St. Apt. 4").
    let mid_sentence = |t: &Token<'_>| {
        dates::month_of(t.core).is_some()
            || dates::is_weekday(t.core)
            || abbrev::is_trailing_abbreviation(t.core)
    };
    !clause_follows
        && toks
            .get(i + 1)
            .is_none_or(|n| n.is_capitalized() && !mid_sentence(n))
}

#[cfg(test)]
mod tests;
