//! Money: a currency symbol or ISO code with an amount ("$1,234.56", "€1", "£3.50",
//! "¥500", "₩5,000", "5 USD", "EUR 20", "$1.5 million", "$10k", "50¢").
//!
//! Two decimals are the minor unit ("and fifty-six cents") for currencies that have
//! one in speech; other decimals, and amounts with a scale word, are read as a decimal
//! number before the plural unit ("one point five million dollars").

use super::numbers::{cardinal, is_digits, number_words, parse_int, split_sign};
use super::{next, Reading, Token};

/// How a currency is said.
struct Currency {
    one: &'static str,
    many: &'static str,
    /// The minor unit, singular and plural, where speakers use it.
    minor: Option<(&'static str, &'static str)>,
}

const fn currency(
    one: &'static str,
    many: &'static str,
    minor: Option<(&'static str, &'static str)>,
) -> Currency {
    Currency { one, many, minor }
}

const DOLLAR: Currency = currency("dollar", "dollars", Some(("cent", "cents")));
const EURO: Currency = currency("euro", "euros", Some(("cent", "cents")));
const POUND: Currency = currency("pound", "pounds", Some(("penny", "pence")));
const YEN: Currency = currency("yen", "yen", None);
const WON: Currency = currency("won", "won", None);
const RUPEE: Currency = currency("rupee", "rupees", Some(("paisa", "paise")));
const YUAN: Currency = currency("yuan", "yuan", None);
const FRANC: Currency = currency("Swiss franc", "Swiss francs", Some(("centime", "centimes")));
const CAD: Currency = currency(
    "Canadian dollar",
    "Canadian dollars",
    Some(("cent", "cents")),
);
const AUD: Currency = currency(
    "Australian dollar",
    "Australian dollars",
    Some(("cent", "cents")),
);

/// Symbols written before (or, in Europe, after) the amount. Longer first.
const SYMBOLS: &[(&str, &Currency)] = &[
    ("US$", &DOLLAR),
    ("CA$", &CAD),
    ("AU$", &AUD),
    ("C$", &CAD),
    ("A$", &AUD),
    ("$", &DOLLAR),
    ("€", &EURO),
    ("£", &POUND),
    ("¥", &YEN),
    ("₩", &WON),
    ("₹", &RUPEE),
];

/// ISO 4217 codes written as a separate word before or after the amount.
const CODES: &[(&str, &Currency)] = &[
    ("USD", &DOLLAR),
    ("EUR", &EURO),
    ("GBP", &POUND),
    ("JPY", &YEN),
    ("KRW", &WON),
    ("INR", &RUPEE),
    ("CNY", &YUAN),
    ("RMB", &YUAN),
    ("CHF", &FRANC),
    ("CAD", &CAD),
    ("AUD", &AUD),
];

const SCALE_WORDS: &[&str] = &["thousand", "million", "billion", "trillion"];

/// Scale suffixes glued to an amount: "$10k", "$5m", "$2bn".
const SCALE_SUFFIXES: &[(&str, &str)] = &[
    ("bn", "billion"),
    ("tn", "trillion"),
    ("k", "thousand"),
    ("K", "thousand"),
    ("m", "million"),
    ("M", "million"),
    ("B", "billion"),
];

fn code(word: &str) -> Option<&'static Currency> {
    CODES.iter().find(|(c, _)| *c == word).map(|(_, cur)| *cur)
}

/// Splits a leading currency symbol off `s`.
fn strip_symbol(s: &str) -> Option<(&'static Currency, &str)> {
    SYMBOLS
        .iter()
        .find_map(|(sym, cur)| s.strip_prefix(sym).map(|rest| (*cur, rest)))
}

/// Splits a trailing currency symbol off `s` ("5€").
fn strip_symbol_suffix(s: &str) -> Option<(&'static Currency, &str)> {
    SYMBOLS
        .iter()
        .find_map(|(sym, cur)| s.strip_suffix(sym).map(|rest| (*cur, rest)))
}

/// Reads an unsigned `amount` of `cur`, with an optional scale word after it.
fn amount_words(amount: &str, cur: &Currency, scale: Option<&str>) -> Option<String> {
    let (amount, scale) = match scale {
        Some(s) => (amount, Some(s)),
        None => match SCALE_SUFFIXES
            .iter()
            .find_map(|(suf, word)| amount.strip_suffix(suf).map(|a| (a, *word)))
        {
            Some((a, w)) => (a, Some(w)),
            None => (amount, None),
        },
    };
    if !amount.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    if let Some(scale) = scale {
        return Some(format!("{} {scale} {}", number_words(amount)?, cur.many));
    }
    let (int, frac) = amount.split_once('.').unwrap_or((amount, ""));
    let whole = if int.is_empty() { 0 } else { parse_int(int)? };
    match (cur.minor, frac.len()) {
        (_, 0) if amount.ends_with('.') => None,
        (_, 0) => Some(units(whole, cur.one, cur.many)),
        (Some((one, many)), 1 | 2) if is_digits(frac) => {
            let cents = frac.parse::<u64>().ok()? * if frac.len() == 1 { 10 } else { 1 };
            Some(match (whole, cents) {
                (_, 0) => units(whole, cur.one, cur.many),
                (0, _) => units(cents, one, many),
                _ => format!(
                    "{} and {}",
                    units(whole, cur.one, cur.many),
                    units(cents, one, many)
                ),
            })
        }
        _ => Some(format!("{} {}", number_words(amount)?, cur.many)),
    }
}

/// "one dollar", "five dollars".
fn units(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", cardinal(n), if n == 1 { one } else { many })
}

/// Reads `core` (and the scale word after it, if any) when it is a symbol amount.
fn symbol_amount(toks: &[Token<'_>], i: usize) -> Option<Reading> {
    let (sign, body) = split_sign(toks[i].core);
    let (cur, amount) = strip_symbol(body).or_else(|| strip_symbol_suffix(body))?;
    let scale = next(toks, i).and_then(|n| SCALE_WORDS.iter().find(|w| **w == n.core));
    if let Some((lo, hi)) = amount.split_once(['-', '–']) {
        let hi = strip_symbol(hi).map_or(hi, |(_, h)| h);
        let lo = number_words(lo)?;
        let hi = amount_words(hi, cur, None)?;
        return Some(Reading::new(format!("{sign}{lo} to {hi}"), 1));
    }
    let words = amount_words(amount, cur, scale.copied())?;
    Some(Reading::new(
        format!("{sign}{words}"),
        1 + scale.is_some() as usize,
    ))
}

pub(super) fn read(toks: &[Token<'_>], i: usize) -> Option<Reading> {
    let core = toks[i].core;
    let first = core.chars().next()?;
    if !first.is_ascii_digit() && !matches!(first, '-' | '−' | '.') {
        // "$5", "€1", or "USD 20".
        if let Some(r) = symbol_amount(toks, i) {
            return Some(r);
        }
        let cur = code(core)?;
        let amount = next(toks, i)?;
        let words = amount_words(amount.core, cur, None)?;
        return Some(Reading::new(words, 2));
    }
    if let Some(r) = symbol_amount(toks, i) {
        return Some(r);
    }
    if let Some(cents) = core.strip_suffix('¢') {
        return Some(Reading::new(units(parse_int(cents)?, "cent", "cents"), 1));
    }
    // "20 USD", "5 €".
    let after = next(toks, i)?;
    let cur = code(after.core).or_else(|| {
        strip_symbol(after.core)
            .filter(|(_, r)| r.is_empty())
            .map(|(c, _)| c)
    })?;
    let (sign, amount) = split_sign(core);
    Some(Reading::new(
        format!("{sign}{}", amount_words(amount, cur, None)?),
        2,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        for (amount, cur, want) in [
            (
                "1,234.56",
                &DOLLAR,
                "one thousand two hundred thirty-four dollars and fifty-six cents",
            ),
            ("3.50", &DOLLAR, "three dollars and fifty cents"),
            ("3.5", &DOLLAR, "three dollars and fifty cents"),
            ("0.99", &DOLLAR, "ninety-nine cents"),
            ("1.00", &DOLLAR, "one dollar"),
            ("0.01", &POUND, "one penny"),
            ("2.999", &EURO, "two point nine nine nine euros"),
            ("12.5", &YEN, "twelve point five yen"),
            ("10k", &DOLLAR, "ten thousand dollars"),
        ] {
            assert_eq!(
                amount_words(amount, cur, None).as_deref(),
                Some(want),
                "{amount}"
            );
        }
        assert_eq!(
            amount_words("1.5", &DOLLAR, Some("million")).as_deref(),
            Some("one point five million dollars")
        );
        assert_eq!(amount_words("5.", &DOLLAR, None), None);
    }
}
