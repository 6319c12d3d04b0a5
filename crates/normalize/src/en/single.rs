//! Numbers that one token holds: cardinals, decimals, negatives, ordinals ("21st"),
//! decades ("1990s"), years in context ("in 1999"), numeric dates and fractions
//! ("3/14" is a date, "3/4" a fraction), ranges ("10-20"), versions ("v2.1.0"), and
//! numbers inside words ("221B", "COVID-19").
//!
//! A four-digit number is a year only when the word before says so ("in", "since",
//! "by", …) or "AD"/"BC" follows; elsewhere "2026 people" is a count. A slash between
//! two numbers is a fraction when the second is a usual denominator (2, 3, 4, 5, 6, 8,
//! 10, 16, 32, 64, 100), otherwise a month and day when that is a valid date, otherwise a
//! fraction again.

use super::dates::{iso, month_first, numeric, valid_month_day};
use super::numbers::{
    cardinal, digits, fraction, integer_words, is_digits, number_words, ordinal, parse_int,
    plural_words, year,
};
use super::time::clock;
use super::{next, prev, Reading, Token};

const YEAR_BEFORE: &[&str] = &[
    "in", "since", "year", "by", "from", "until", "till", "circa", "before", "after", "during",
    "of", "early", "late", "mid", "spring", "summer", "autumn", "fall", "winter", "between", "to",
    "and",
];
const YEAR_AFTER: &[&str] = &["AD", "BC", "BCE", "CE"];
const DENOMINATORS: &[u64] = &[2, 3, 4, 5, 6, 8, 10, 16, 32, 64, 100];

pub(super) fn read(toks: &[Token<'_>], i: usize) -> Option<Reading> {
    let core = toks[i].core;
    if !core.contains(|c: char| c.is_ascii_digit()) {
        return None;
    }
    // A ZIP code after a state's two letters: "IL 62704" → "six two seven zero four".
    let after_state = prev(toks, i)
        .is_some_and(|p| p.core.len() == 2 && p.core.bytes().all(|b| b.is_ascii_uppercase()));
    let zip = core.len() == 5 || (core.len() == 10 && core.as_bytes()[5] == b'-');
    if after_state && zip && core.bytes().filter(u8::is_ascii_digit).count() >= 5 {
        let all_digits = core.bytes().all(|b| b.is_ascii_digit() || b == b'-');
        if all_digits {
            return Some(Reading::new(digits(core), 1));
        }
    }
    let year_context = prev(toks, i).is_some_and(|p| {
        p.post.is_empty() && YEAR_BEFORE.iter().any(|w| w.eq_ignore_ascii_case(p.core))
    }) || next(toks, i).is_some_and(|n| YEAR_AFTER.contains(&n.core));
    // A mixed number: "1 1/2" → "one and one half".
    if is_digits(core) {
        if let Some(f) = next(toks, i).and_then(|n| proper_fraction(n.core)) {
            return Some(Reading::new(
                format!("{} and {f}", cardinal(parse_int(core)?)),
                2,
            ));
        }
    }
    // "Version v2.1.0" says "version" once.
    let after_version = prev(toks, i).is_some_and(|p| p.core.eq_ignore_ascii_case("version"));
    read_core(core, year_context).map(|w| match w.strip_prefix("version ") {
        Some(rest) if after_version => Reading::new(rest.to_string(), 1),
        _ => Reading::new(w, 1),
    })
}

/// Reads one token's core; `year_context` makes a lone four-digit number a year.
pub(crate) fn read_core(core: &str, year_context: bool) -> Option<String> {
    if let Some(w) = ordinal_or_decade(core) {
        return Some(w);
    }
    if core.contains('/') {
        return slashed(core);
    }
    if let Some(w) = iso(core) {
        return Some(w);
    }
    if let Some(w) = version(core) {
        return Some(w);
    }
    if let Some(w) = range(core, year_context) {
        return Some(w);
    }
    if year_context && core.len() == 4 && is_digits(core) {
        let n = parse_int(core)?;
        if (1000..2100).contains(&n) {
            return Some(year(n));
        }
    }
    number_words(core)
        .or_else(|| date_time(core))
        .or_else(|| ratio(core))
        .or_else(|| compound(core))
        .or_else(|| mixed(core))
}

/// "2026-03-14T10:00" (seconds and a zone letter are not said).
fn date_time(core: &str) -> Option<String> {
    let (date, time) = core.split_once('T')?;
    let time = time.trim_end_matches('Z');
    let hm = time
        .get(..5)
        .filter(|_| time.len() == 5 || time.len() == 8)?;
    Some(format!("{} at {}", iso(date)?, clock(hm, None)?))
}

/// "16:9" → "sixteen to nine" (a clock time has already been read by then).
fn ratio(core: &str) -> Option<String> {
    let (a, b) = core.split_once(':')?;
    Some(format!(
        "{} to {}",
        cardinal(plain(a)?),
        cardinal(plain(b)?)
    ))
}

/// A number joined to a word: "1.5-liter" → "one point five liter".
fn compound(core: &str) -> Option<String> {
    let (num, word) = core.split_once('-')?;
    let word_ok = !word.is_empty() && word.chars().all(|c| c.is_alphabetic() || c == '-');
    word_ok
        .then(|| number_words(num))
        .flatten()
        .map(|n| format!("{n} {}", word.replace('-', " ")))
}

/// "21st" → "twenty-first"; "1990s" → "nineteen nineties"; "90s" → "nineties".
fn ordinal_or_decade(core: &str) -> Option<String> {
    let digits_end = core.find(|c: char| !(c.is_ascii_digit() || c == ','))?;
    let (num, suffix) = core.split_at(digits_end);
    let n = parse_int(num)?;
    match suffix.to_ascii_lowercase().as_str() {
        "st" | "nd" | "rd" | "th" => Some(ordinal(n)),
        "s" if num.len() == 4 && n % 10 == 0 => Some(plural_words(&year(n))),
        "s" if num.len() == 2 && n % 10 == 0 => Some(plural_words(&cardinal(n))),
        _ => None,
    }
}

/// A fraction whose numerator is smaller than a usual denominator ("1/2", "3/4").
fn proper_fraction(core: &str) -> Option<String> {
    let (a, b) = core.split_once('/')?;
    let (a, b) = (plain(a)?, plain(b)?);
    (a < b && DENOMINATORS.contains(&b)).then(|| fraction(a, b))
}

fn plain(s: &str) -> Option<u64> {
    is_digits(s).then(|| s.parse().ok()).flatten()
}

/// Dates with slashes, fractions, and "24/7".
fn slashed(core: &str) -> Option<String> {
    if core == "24/7" {
        return Some("twenty-four seven".to_string());
    }
    if core.matches('/').count() == 2 {
        return numeric(core);
    }
    let (a, b) = core.split_once('/')?;
    let (x, y) = (plain(a)?, plain(b)?);
    if x == y && x > 1 {
        // "50/50" is an even chance, not fifty fiftieths.
        return Some(format!("{} {}", cardinal(x), cardinal(y)));
    }
    if y == 0 {
        return Some(format!("{} slash zero", cardinal(x)));
    }
    if !DENOMINATORS.contains(&y) && a.len() <= 2 && b.len() <= 2 && valid_month_day(x, y) {
        return Some(month_first(None, x as u32, Some(y as u32)));
    }
    Some(fraction(x, y))
}

/// "v2.1.0" → "version two point one point zero"; "2.1.0" without the "v"; an IPv4
/// address ("192.168.0.1") with "dot".
fn version(core: &str) -> Option<String> {
    let (prefix, body) = match core.strip_prefix(['v', 'V']) {
        Some(rest) => ("version ", rest),
        None => ("", core),
    };
    let parts: Vec<&str> = body.split('.').collect();
    let enough = if prefix.is_empty() { 3 } else { 1 };
    if parts.len() < enough || !parts.iter().all(|p| is_digits(p) && p.len() <= 4) {
        return None;
    }
    let ip = prefix.is_empty() && parts.len() == 4 && parts.iter().all(|p| p.len() <= 3);
    let sep = if ip { " dot " } else { " point " };
    let words: Vec<String> = parts.iter().filter_map(|p| integer_words(p)).collect();
    Some(format!("{prefix}{}", words.join(sep)))
}

/// "10-20" → "ten to twenty"; "1990–2000" → years when both are.
fn range(core: &str, year_context: bool) -> Option<String> {
    let at = core
        .char_indices()
        .skip(1)
        .find(|&(_, c)| c == '-' || c == '–')?
        .0;
    let (lo, hi) = (&core[..at], &core[at..]);
    let numeric = |s: &str| s.starts_with(|c: char| c.is_ascii_digit());
    if !numeric(lo) || !numeric(hi.trim_start_matches(['-', '–'])) {
        return None;
    }
    let hi = hi.strip_prefix('-').or_else(|| hi.strip_prefix('–'))?;
    let years = [lo, hi]
        .iter()
        .all(|p| p.len() == 4 && plain(p).is_some_and(|y| (1000..2100).contains(&y)));
    let as_year = years && (year_context || plain(lo) < plain(hi));
    let lo = read_core(lo, as_year)?;
    let hi = read_core(hi, as_year)?;
    Some(format!("{lo} to {hi}"))
}

/// Numbers inside words: "221B" → "two twenty-one B", "COVID-19" → "COVID nineteen",
/// "MP3" → "MP three".
fn mixed(core: &str) -> Option<String> {
    if !core.chars().all(|c| c.is_alphanumeric() || c == '-') {
        return None;
    }
    let lead = core
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(core.len());
    let tail = &core[lead..];
    if lead == 3 && tail.len() == 1 && tail.chars().all(|c| c.is_ascii_uppercase()) {
        return Some(format!("{} {tail}", house_number(&core[..lead])));
    }
    let mut out = String::new();
    let mut rest = core;
    while let Some(c) = rest.chars().next() {
        let end = rest
            .find(|x: char| x.is_ascii_digit() != c.is_ascii_digit() || x == '-')
            .map_or(rest.len(), |e| e.max(c.len_utf8()));
        let run = &rest[..end];
        rest = &rest[end..];
        if run == "-" {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        if !c.is_ascii_digit() {
            out.push_str(run);
            continue;
        }
        // "2nd-floor": an ordinal suffix ends the run.
        let suffix = rest
            .get(..2)
            .filter(|s| matches!(*s, "st" | "nd" | "rd" | "th"));
        let ends = |r: &str| r.is_empty() || r.starts_with('-');
        match suffix.filter(|_| ends(&rest[2..])) {
            Some(_) => {
                out.push_str(&ordinal(parse_int(run)?));
                rest = &rest[2..];
            }
            None => out.push_str(&integer_words(run)?),
        }
    }
    Some(out)
}

/// A three-digit house number said in two parts: "221" → "two twenty-one", "205" →
/// "two oh five".
fn house_number(d: &str) -> String {
    let (h, rest) = d.split_at(1);
    match plain(rest) {
        Some(0) => format!("{} hundred", digits(h)),
        Some(n) if n < 10 => format!("{} oh {}", digits(h), cardinal(n)),
        Some(n) => format!("{} {}", digits(h), cardinal(n)),
        None => digits(d),
    }
}
