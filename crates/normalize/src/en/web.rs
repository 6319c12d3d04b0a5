//! Addresses of the internet: e-mail ("john.doe@example.com" → "john dot doe at example
//! dot com"), URLs (`https://example.com/docs` → "example dot com slash docs"; the
//! scheme is not said, as people don't), bare domains with a common top-level domain,
//! hashtags ("#blessed" → "hashtag blessed", "#ThrowbackThursday" split at its
//! capitals) and handles ("@openai" → "at openai").

use super::numbers::integer_words;
use super::{Reading, Token};

const TLDS: &[&str] = &[
    "com", "org", "net", "io", "dev", "ai", "co", "edu", "gov", "app", "info", "uk", "de", "fr",
    "jp", "kr", "us", "ca", "eu",
];

/// The spoken name of a separator inside an address.
fn separator(c: char) -> Option<&'static str> {
    Some(match c {
        '.' => "dot",
        '@' => "at",
        '/' => "slash",
        '-' => "dash",
        '_' => "underscore",
        ':' => "colon",
        '?' => "question mark",
        '=' => "equals",
        '&' => "and",
        '#' => "hash",
        '+' => "plus",
        '~' => "tilde",
        '%' => "percent",
        _ => return None,
    })
}

/// Spells `s` with its separators said as words; `None` if it has other symbols.
fn spell(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len() * 2);
    for part in s.split_inclusive(|c: char| separator(c).is_some()) {
        let (word, sep) = match part.char_indices().last() {
            Some((at, c)) if separator(c).is_some() => (&part[..at], separator(c)),
            _ => (part, None),
        };
        if !word.chars().all(char::is_alphanumeric) {
            return None;
        }
        for w in [Some(word), sep]
            .into_iter()
            .flatten()
            .filter(|w| !w.is_empty())
        {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(w);
        }
    }
    Some(out)
}

fn is_domain(host: &str) -> bool {
    let Some((name, tld)) = host.rsplit_once('.') else {
        return false;
    };
    !name.is_empty()
        && TLDS.iter().any(|t| t.eq_ignore_ascii_case(tld))
        && name
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && name.chars().any(|c| c.is_ascii_alphabetic())
}

fn url(core: &str) -> Option<String> {
    let lower_scheme = core.get(..8).map(str::to_ascii_lowercase);
    let rest = match lower_scheme.as_deref() {
        Some("https://") => &core[8..],
        _ if core
            .get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("http://")) =>
        {
            &core[7..]
        }
        _ => core,
    };
    let had_scheme = rest.len() != core.len();
    let host_end = rest.find(['/', '?', '#', ':']).unwrap_or(rest.len());
    let host = &rest[..host_end];
    if !(is_domain(host) || had_scheme && host.contains('.')) {
        return None;
    }
    let rest = rest.trim_end_matches('/');
    spell(rest)
}

fn email(core: &str) -> Option<String> {
    let (local, host) = core.split_once('@')?;
    if local.is_empty() || !host.contains('.') || host.contains('@') {
        return None;
    }
    let host_ok = host
        .split('.')
        .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    host_ok.then(|| spell(core)).flatten()
}

/// "ThrowbackThursday" → "Throwback Thursday".
fn split_camel(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 4);
    let mut prev_lower = false;
    for c in word.chars() {
        if c == '_' {
            out.push(' ');
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower {
            out.push(' ');
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        out.push(c);
    }
    out
}

pub(super) fn read(toks: &[Token<'_>], i: usize) -> Option<Reading> {
    let core = toks[i].core;
    let words = if let Some(n) = core.strip_prefix('#').and_then(integer_words) {
        format!("number {n}")
    } else if let Some(tag) = core.strip_prefix('#') {
        let ok = tag.starts_with(|c: char| c.is_alphabetic())
            && tag.chars().all(|c| c.is_alphanumeric() || c == '_');
        ok.then(|| format!("hashtag {}", split_camel(tag)))?
    } else if let Some(handle) = core.strip_prefix('@') {
        let ok = !handle.is_empty() && handle.chars().all(|c| c.is_alphanumeric() || c == '_');
        ok.then(|| format!("at {handle}"))?
    } else if core.contains('@') {
        email(core)?
    } else if core.contains('.') && core.contains(|c: char| c.is_ascii_alphabetic()) {
        url(core)?
    } else {
        return None;
    };
    Some(Reading::new(words, 1))
}
