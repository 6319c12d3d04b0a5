//! Times of day: "2:30 pm", "5:30 PM", "9am", "9 a.m.", "14:05", "2:30:15".
//!
//! "am"/"pm" become the spelled letters "A M"/"P M", which every engine says as
//! letters. A clock time without them reads "two thirty", "two o'clock" or, on the
//! 24-hour clock, "fourteen oh five" and "fourteen hundred".

use super::numbers::{cardinal, is_digits};
use super::{next, period_ends_sentence, Reading, Token};

/// The spoken form of an am/pm marker ("am", "PM", "a.m" — the final period is the
/// token's punctuation).
fn meridiem(word: &str) -> Option<&'static str> {
    match word.to_ascii_lowercase().as_str() {
        "am" | "a.m" => Some("A M"),
        "pm" | "p.m" => Some("P M"),
        _ => None,
    }
}

/// Reads "h:mm" or "h:mm:ss" with an optional meridiem; `None` unless valid.
pub(crate) fn clock(core: &str, mer: Option<&str>) -> Option<String> {
    let mut parts = core.split(':');
    let (h, m) = (parts.next()?, parts.next()?);
    let s = parts.next();
    if parts.next().is_some() || h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    if !is_digits(h) || !is_digits(m) || s.is_some_and(|s| s.len() != 2 || !is_digits(s)) {
        return None;
    }
    let (h, m): (u64, u64) = (h.parse().ok()?, m.parse().ok()?);
    let limit = if mer.is_some() { 1..=12 } else { 0..=24 };
    if !limit.contains(&h) || m > 59 {
        return None;
    }
    let mut out = cardinal(h);
    match (m, mer) {
        (0, Some(_)) => {}
        (0, None) if h <= 12 => out.push_str(" o'clock"),
        (0, None) => out.push_str(" hundred"),
        (1..=9, _) => {
            out.push_str(" oh ");
            out.push_str(&cardinal(m));
        }
        _ => {
            out.push(' ');
            out.push_str(&cardinal(m));
        }
    }
    if let Some(s) = s {
        let s: u64 = s.parse().ok().filter(|&s| s < 60)?;
        out.push_str(" and ");
        out.push_str(&cardinal(s));
        out.push_str(if s == 1 { " second" } else { " seconds" });
    }
    if let Some(mer) = mer {
        out.push(' ');
        out.push_str(mer);
    }
    Some(out)
}

/// Reads an hour given alone before a meridiem: "9" in "9 am".
fn hour(core: &str, mer: &str) -> Option<String> {
    let h: u64 = core.parse().ok().filter(|h| (1..=12).contains(h))?;
    (is_digits(core) && core.len() <= 2).then(|| format!("{} {mer}", cardinal(h)))
}

pub(super) fn read(toks: &[Token<'_>], i: usize) -> Option<Reading> {
    let core = toks[i].core;
    if !core.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    // Glued: "9am", "2:30pm", "9a.m".
    let split = core.find(|c: char| c.is_ascii_alphabetic());
    if let Some(at) = split {
        let mer = meridiem(&core[at..])?;
        let words = if core[..at].contains(':') {
            clock(&core[..at], Some(mer))?
        } else {
            hour(&core[..at], mer)?
        };
        return Some(with_period_rule(toks, i, words, 1, &core[at..]));
    }
    if let Some(mer_tok) = next(toks, i).filter(|n| meridiem(n.core).is_some()) {
        let mer = meridiem(mer_tok.core)?;
        let words = if core.contains(':') {
            clock(core, Some(mer))?
        } else {
            hour(core, mer)?
        };
        return Some(with_period_rule(toks, i + 1, words, 2, mer_tok.core));
    }
    core.contains(':')
        .then(|| clock(core, None))
        .flatten()
        .map(|w| Reading::new(w, 1))
}

/// "a.m." keeps its period only where the sentence ends.
fn with_period_rule(
    toks: &[Token<'_>],
    last: usize,
    words: String,
    len: usize,
    mer: &str,
) -> Reading {
    let mut r = Reading::new(words, len);
    r.drop_period = mer.contains('.') && !period_ends_sentence(toks, last);
    r
}
