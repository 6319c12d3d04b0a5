//! Symbols said as words: alone ("a + b = c", "Tom & Jerry") or between words and
//! numbers ("R&D" → "R and D", "1+1=2" → "one plus one equals two", "C++" → "C plus
//! plus", "and/or" → "and or", "his/her" → "his or her").
//!
//! A slash between lowercase words is "or"; between other words it is "slash"
//! ("TCP/IP"); between numbers the number rules have already read it.

use super::single::read_core;
use super::{Reading, Token};

fn word(c: char) -> Option<&'static str> {
    Some(match c {
        '&' => "and",
        '+' => "plus",
        '=' => "equals",
        '×' => "times",
        '÷' => "divided by",
        '@' => "at",
        '<' => "less than",
        '>' => "greater than",
        '~' => "about",
        _ => return None,
    })
}

/// A symbol standing alone as a word.
fn alone(core: &str) -> Option<&'static str> {
    let mut chars = core.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    word(c).or(match c {
        '#' => Some("number"),
        '%' => Some("percent"),
        '/' => Some("slash"),
        _ => None,
    })
}

fn slash(core: &str) -> Option<String> {
    let (a, b) = core.split_once('/')?;
    let is_word = |s: &str| !s.is_empty() && s.chars().all(char::is_alphabetic);
    if !is_word(a) || !is_word(b) {
        return None;
    }
    let lower = |s: &str| s.chars().all(char::is_lowercase);
    Some(match (a, lower(a) && lower(b)) {
        ("and", true) => format!("and {b}"),
        (_, true) => format!("{a} or {b}"),
        _ => format!("{a} slash {b}"),
    })
}

pub(super) fn read(toks: &[Token<'_>], i: usize) -> Option<Reading> {
    let core = toks[i].core;
    if let Some(w) = alone(core) {
        return Some(Reading::new(w.to_string(), 1));
    }
    if let Some(w) = slash(core) {
        return Some(Reading::new(w, 1));
    }
    if !core.contains(|c| word(c).is_some()) || core.starts_with('@') {
        return None;
    }
    let mut out = String::with_capacity(core.len() * 2);
    let mut push = |s: &str| {
        if !s.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(s);
        }
    };
    let mut start = 0;
    for (at, c) in core.char_indices() {
        if let Some(w) = word(c) {
            let part = &core[start..at];
            push(&read_core(part, false).unwrap_or_else(|| part.to_string()));
            push(w);
            start = at + c.len_utf8();
        }
    }
    let part = &core[start..];
    push(&read_core(part, false).unwrap_or_else(|| part.to_string()));
    Some(Reading::new(out, 1))
}
