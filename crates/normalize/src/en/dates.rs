//! Dates: ISO ("2026-03-14"), numeric with slashes ("03/14/2026", "14/03/2026"),
//! written ("March 14, 2026", "14 March 2026", "March 2026").
//!
//! Numeric dates are month first unless the first number cannot be a month
//! ("14/03/2026"), which is how an American reader resolves them; all are read month
//! first ("March fourteenth, twenty twenty-six"), with the comma a reader would pause at.

use super::numbers::{is_digits, ordinal, year};
use super::{next, prev, Reading, Token};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The month (1–12) a capitalised month name or its usual abbreviation names
/// ("March", "Mar", "Sept").
pub(crate) fn month_of(word: &str) -> Option<u32> {
    if !word.starts_with(|c: char| c.is_ascii_uppercase()) || word.len() < 3 {
        return None;
    }
    let full = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(word))
        .or_else(|| {
            let abbr = if word.eq_ignore_ascii_case("sept") {
                "sep"
            } else {
                word
            };
            (abbr.len() == 3)
                .then(|| {
                    MONTHS
                        .iter()
                        .position(|m| m[..3].eq_ignore_ascii_case(abbr))
                })
                .flatten()
        })?;
    Some(full as u32 + 1)
}

/// True if and only if `word` is an English weekday name ("Friday").
pub(crate) fn is_weekday(word: &str) -> bool {
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    DAYS.contains(&word)
}

/// Reads a date month first: "March fourteenth, twenty twenty-six", "March fourteenth",
/// "March twenty twenty-six".
pub(crate) fn month_first(y: Option<u64>, m: u32, d: Option<u32>) -> String {
    let month = MONTHS[(m - 1) as usize];
    match (d, y) {
        (Some(d), Some(y)) => format!("{month} {}, {}", ordinal(d.into()), year(y)),
        (Some(d), None) => format!("{month} {}", ordinal(d.into())),
        (None, Some(y)) => format!("{month} {}", year(y)),
        (None, None) => month.to_string(),
    }
}

/// True if and only if `m`/`d` can be a month and a day of that month (leap days
/// allowed).
pub(crate) fn valid_month_day(m: u64, d: u64) -> bool {
    const DAYS: [u64; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    (1..=12).contains(&m) && d >= 1 && d <= DAYS[(m - 1) as usize]
}

/// Reads "2026-03-14" as a date.
pub(crate) fn iso(core: &str) -> Option<String> {
    let mut parts = core.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d) = (num(y)?, num(m)?, num(d)?);
    valid_month_day(m, d).then(|| month_first(Some(y), m as u32, Some(d as u32)))
}

/// Reads "03/14/2026", "3/14/26" or "14/03/2026" as a date.
pub(crate) fn numeric(core: &str) -> Option<String> {
    let mut parts = core.split('/');
    let (a, b, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || a.len() > 2 || b.len() > 2 || !matches!(y.len(), 2 | 4) {
        return None;
    }
    let (a, b, mut y) = (num(a)?, num(b)?, num(y)?);
    if y < 100 {
        y += if y < 50 { 2000 } else { 1900 };
    }
    let (m, d) = if valid_month_day(a, b) {
        (a, b)
    } else {
        (b, a)
    };
    valid_month_day(m, d).then(|| month_first(Some(y), m as u32, Some(d as u32)))
}

fn num(s: &str) -> Option<u64> {
    if is_digits(s) {
        s.parse().ok()
    } else {
        None
    }
}

/// A day of the month: "14", "14th", "1st".
fn day_of(core: &str) -> Option<u32> {
    let digits = core.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &core[digits.len()..];
    if !(suffix.is_empty() || matches!(suffix, "st" | "nd" | "rd" | "th")) || digits.len() > 2 {
        return None;
    }
    let d = num(digits)?;
    (1..=31).contains(&d).then_some(d as u32)
}

/// A year as written after a month: four digits, 1000 to 2999.
fn year_of(core: &str) -> Option<u64> {
    let y = num(core).filter(|_| core.len() == 4)?;
    (1000..3000).contains(&y).then_some(y)
}

/// Reads written dates that span tokens: "March 14, 2026", "Mar. 14", "March 2026",
/// "14 March 2026", "14th March".
pub(super) fn read(toks: &[Token<'_>], i: usize) -> Option<Reading> {
    let t = &toks[i];
    if let Some(m) = month_of(t.core) {
        // An abbreviation may carry its period: "Mar. 14".
        let after = toks.get(i + 1).filter(|n| {
            n.pre.is_empty() && (t.post.is_empty() || (t.post == "." && t.core.len() <= 4))
        })?;
        if let Some(d) = day_of(after.core).filter(|&d| valid_month_day(m.into(), d.into())) {
            let year_tok = toks
                .get(i + 2)
                .filter(|y| y.pre.is_empty() && matches!(after.post, "" | ","));
            if let Some(y) = year_tok.and_then(|y| year_of(y.core)) {
                return Some(Reading::new(month_first(Some(y), m, Some(d)), 3));
            }
            return Some(Reading::new(month_first(None, m, Some(d)), 2));
        }
        let y = year_of(after.core)?;
        return Some(Reading::new(month_first(Some(y), m, None), 2));
    }
    let d = day_of(t.core)?;
    let month_tok = next(toks, i)?;
    let m = month_of(month_tok.core).filter(|&m| valid_month_day(m.into(), d.into()))?;
    let the = match prev(toks, i) {
        Some(p) if p.core.eq_ignore_ascii_case("the") => "",
        _ => "the ",
    };
    let mut words = format!("{the}{} of {}", ordinal(d.into()), MONTHS[m as usize - 1]);
    if let Some(y) = next(toks, i + 1).and_then(|y| year_of(y.core)) {
        words.push(' ');
        words.push_str(&year(y));
        return Some(Reading::new(words, 3));
    }
    Some(Reading::new(words, 2))
}
