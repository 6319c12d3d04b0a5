//! English readings for SSML `<say-as>`: the content is read the way `interpret-as`
//! says, and falls back to ordinary normalisation when it does not fit (a
//! `cardinal` that is not a number, a `date` that is not a date).

use super::dates::{iso, month_first, month_of, numeric, valid_month_day};
use super::numbers::{digits, number_words, ordinal, parse_int};
use super::phone::say;
use super::time::clock;
use crate::ssml::{DateFormat, InterpretAs};

pub(crate) fn say_as(text: &str, kind: InterpretAs, format: Option<DateFormat>) -> String {
    let t = text.trim();
    let words = match kind {
        InterpretAs::Characters => Some(characters(t)),
        InterpretAs::Cardinal => number_words(t),
        InterpretAs::Ordinal => {
            let n = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            parse_int(n).map(ordinal)
        }
        InterpretAs::Digits => t.bytes().any(|b| b.is_ascii_digit()).then(|| digits(t)),
        InterpretAs::Date => match format {
            Some(f) => formatted_date(t, f),
            None => iso(t).or_else(|| numeric(t)),
        },
        InterpretAs::Time => clock(t, None),
        InterpretAs::Telephone => telephone(t),
        InterpretAs::Currency => None,
    };
    words.unwrap_or_else(|| super::normalize(t))
}

/// "ABC-12" → "A B C one two".
fn characters(t: &str) -> String {
    let mut out = String::with_capacity(t.len() * 3);
    for c in t.chars().filter(|c| c.is_alphanumeric()) {
        if !out.is_empty() {
            out.push(' ');
        }
        if c.is_ascii_digit() {
            out.push_str(&digits(c.encode_utf8(&mut [0; 4])));
        } else {
            out.extend(c.to_uppercase());
        }
    }
    out
}

/// A date whose fields come in the order `format` names ("mdy", "dmy", …); the month
/// may be a number or a name.
fn formatted_date(t: &str, format: DateFormat) -> Option<String> {
    let parts: Vec<&str> = t
        .split(|c: char| matches!(c, '-' | '/' | '.' | ',') || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != format.0.len() {
        return None;
    }
    let (mut y, mut m, mut d) = (None, None, None);
    for (field, part) in format.0.chars().zip(&parts) {
        match field {
            'y' => y = Some(parse_int(part)?),
            'm' => m = Some(month_of(part).map(u64::from).or_else(|| parse_int(part))?),
            _ => d = Some(parse_int(part)?),
        }
    }
    match (m, d) {
        (Some(m), Some(d)) if valid_month_day(m, d) => {
            Some(month_first(y, m as u32, Some(d as u32)))
        }
        (Some(m), None) if (1..=12).contains(&m) => Some(month_first(y, m as u32, None)),
        (None, None) => y.map(super::numbers::year),
        _ => None,
    }
}

/// Digit groups as written, with a '+' country code.
fn telephone(t: &str) -> Option<String> {
    let mut groups = t
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect::<Vec<_>>();
    if groups.is_empty() {
        return None;
    }
    let country = t.trim_start().starts_with('+').then(|| groups.remove(0));
    Some(say(&groups, country))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_by_interpret_as() {
        let f = |t, k| say_as(t, k, None);
        assert_eq!(f("abc", InterpretAs::Characters), "A B C");
        assert_eq!(f("A1", InterpretAs::Characters), "A one");
        assert_eq!(
            f("1234", InterpretAs::Cardinal),
            "one thousand two hundred thirty-four"
        );
        assert_eq!(f("3", InterpretAs::Ordinal), "third");
        assert_eq!(f("21st", InterpretAs::Ordinal), "twenty-first");
        assert_eq!(f("1234", InterpretAs::Digits), "one two three four");
        assert_eq!(
            f("2026-03-14", InterpretAs::Date),
            "March fourteenth, twenty twenty-six"
        );
        assert_eq!(f("14:05", InterpretAs::Time), "fourteen oh five");
        assert_eq!(
            f("555 0199", InterpretAs::Telephone),
            "five five five, zero one nine nine"
        );
        assert_eq!(f("$5", InterpretAs::Currency), "five dollars");
        assert_eq!(f("many", InterpretAs::Cardinal), "many");
    }

    #[test]
    fn dates_follow_their_format() {
        let f = |t, fmt| say_as(t, InterpretAs::Date, Some(DateFormat(fmt)));
        assert_eq!(
            f("14/03/2026", "dmy"),
            "March fourteenth, twenty twenty-six"
        );
        assert_eq!(f("03/04/2026", "dmy"), "April third, twenty twenty-six");
        assert_eq!(f("03/04/2026", "mdy"), "March fourth, twenty twenty-six");
        assert_eq!(
            f("2026-03-14", "ymd"),
            "March fourteenth, twenty twenty-six"
        );
        assert_eq!(f("March 2026", "my"), "March twenty twenty-six");
        assert_eq!(f("1999", "y"), "nineteen ninety-nine");
    }
}
