//! English number words: cardinals, ordinals, years, decimals, digit strings and
//! fractions.
//!
//! Written by hand rather than taken from `num2words`: that crate spells through an
//! arbitrary-precision float type and allocates per call, while the whole normaliser
//! has a budget of a few microseconds per sentence, and English needs only the
//! sixty lines below. The style is American: no "and" inside a number
//! ("one hundred one"), hyphens between tens and units ("thirty-four").

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
const SCALES: [&str; 7] = [
    "",
    "thousand",
    "million",
    "billion",
    "trillion",
    "quadrillion",
    "quintillion",
];

/// Integers with more digits than this and no thousands separators are read digit by
/// digit: they are card, account or serial numbers, not quantities.
pub(crate) const MAX_CARDINAL_DIGITS: usize = 12;

/// Appends the words for `n` below one thousand (`n > 0`).
fn push_below_thousand(out: &mut String, n: u64) {
    let (h, rest) = (n / 100, n % 100);
    if h > 0 {
        out.push_str(ONES[h as usize]);
        out.push_str(" hundred");
        if rest > 0 {
            out.push(' ');
        }
    }
    if rest >= 20 {
        out.push_str(TENS[(rest / 10) as usize]);
        if rest % 10 > 0 {
            out.push('-');
            out.push_str(ONES[(rest % 10) as usize]);
        }
    } else if rest > 0 {
        out.push_str(ONES[rest as usize]);
    }
}

/// Appends the cardinal words for `n` ("one thousand two hundred thirty-four").
pub(crate) fn push_cardinal(out: &mut String, n: u64) {
    if n == 0 {
        out.push_str("zero");
        return;
    }
    let mut groups = [0u64; 7];
    let mut rest = n;
    for g in groups.iter_mut() {
        *g = rest % 1000;
        rest /= 1000;
    }
    let mut first = true;
    for (scale, &g) in groups.iter().enumerate().rev() {
        if g == 0 {
            continue;
        }
        if !first {
            out.push(' ');
        }
        first = false;
        push_below_thousand(out, g);
        if scale > 0 {
            out.push(' ');
            out.push_str(SCALES[scale]);
        }
    }
}

/// The cardinal words for `n`.
pub(crate) fn cardinal(n: u64) -> String {
    let mut s = String::new();
    push_cardinal(&mut s, n);
    s
}

/// Turns the last word of a cardinal into its ordinal ("twenty-one" → "twenty-first").
pub(crate) fn ordinal_of_words(words: &str) -> String {
    let cut = words.rfind([' ', '-']).map_or(0, |i| i + 1);
    let (head, last) = words.split_at(cut);
    let last = match last {
        "one" => "first".to_string(),
        "two" => "second".to_string(),
        "three" => "third".to_string(),
        "five" => "fifth".to_string(),
        "eight" => "eighth".to_string(),
        "nine" => "ninth".to_string(),
        "twelve" => "twelfth".to_string(),
        w if w.ends_with('y') => format!("{}ieth", &w[..w.len() - 1]),
        w => format!("{w}th"),
    };
    format!("{head}{last}")
}

/// The ordinal words for `n` ("third", "twenty-first").
pub(crate) fn ordinal(n: u64) -> String {
    ordinal_of_words(&cardinal(n))
}

/// The way English speakers say `n` as a year: "nineteen ninety-nine", "two thousand
/// five", "twenty twenty-six", "nineteen hundred", "nineteen oh five".
pub(crate) fn year(n: u64) -> String {
    if !(1000..10000).contains(&n) || (2000..2010).contains(&n) || n.is_multiple_of(1000) {
        return cardinal(n);
    }
    let (hi, lo) = (n / 100, n % 100);
    match lo {
        0 => format!("{} hundred", cardinal(hi)),
        1..=9 => format!("{} oh {}", cardinal(hi), ONES[lo as usize]),
        _ => format!("{} {}", cardinal(hi), cardinal(lo)),
    }
}

/// Appends one word per digit of `digits` ("0199" → "zero one nine nine"); other
/// characters are skipped.
pub(crate) fn push_digits(out: &mut String, digits: &str) {
    for d in digits.bytes().filter(u8::is_ascii_digit) {
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push_str(ONES[(d - b'0') as usize]);
    }
}

/// One word per digit of `digits`.
pub(crate) fn digits(digits: &str) -> String {
    let mut s = String::new();
    push_digits(&mut s, digits);
    s
}

/// Parses a run of ASCII digits, optionally grouped by commas in threes ("1,234,567").
/// Returns `None` for anything else, including a misplaced comma ("12,34") and values
/// that do not fit in a `u64`.
pub(crate) fn parse_int(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    if s.contains(',') {
        let mut parts = s.split(',');
        let first = parts.next()?;
        if first.is_empty() || first.len() > 3 || first.starts_with('0') {
            return None;
        }
        if !parts.all(|p| p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
    }
    let mut n: u64 = 0;
    for b in s.bytes() {
        match b {
            b'0'..=b'9' => n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?,
            b',' => {}
            _ => return None,
        }
    }
    Some(n)
}

/// True if and only if `s` is non-empty and all ASCII digits.
pub(crate) fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Reads an unsigned integer string: cardinal words, or digit by digit when it has a
/// leading zero ("007") or more than [`MAX_CARDINAL_DIGITS`] digits and no commas.
pub(crate) fn integer_words(s: &str) -> Option<String> {
    let plain = is_digits(s);
    if plain && ((s.len() > 1 && s.starts_with('0')) || s.len() > MAX_CARDINAL_DIGITS) {
        return Some(digits(s));
    }
    parse_int(s).map(cardinal)
}

/// Reads a number such as "3", "-3.5", "1,234.56", "+2", ".5": sign, integer part with
/// optional thousands separators, optional fraction read digit by digit after "point".
/// Returns `None` if `s` is not exactly such a number.
pub(crate) fn number_words(s: &str) -> Option<String> {
    let (sign, body) = split_sign(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let mut out = String::from(sign);
    match frac {
        Some(f) if is_digits(f) => {
            if int.is_empty() {
                out.push_str("zero");
            } else {
                out.push_str(&integer_words(int)?);
            }
            out.push_str(" point");
            push_digits(&mut out, f);
        }
        Some(_) => return None,
        None => out.push_str(&integer_words(int)?),
    }
    Some(out)
}

/// Splits a leading sign off `s`, returning the words to say for it ("minus ", "plus "
/// or "") and the rest.
pub(crate) fn split_sign(s: &str) -> (&'static str, &str) {
    if let Some(rest) = s.strip_prefix(['-', '−']) {
        ("minus ", rest)
    } else if let Some(rest) = s.strip_prefix('+') {
        ("plus ", rest)
    } else {
        ("", s)
    }
}

/// Reads the fraction `num/den` ("one half", "three quarters", "two thirds",
/// "five eighths").
pub(crate) fn fraction(num: u64, den: u64) -> String {
    let plural = num != 1;
    let den_word = match (den, plural) {
        (2, false) => "half".to_string(),
        (2, true) => "halves".to_string(),
        (4, false) => "quarter".to_string(),
        (4, true) => "quarters".to_string(),
        (_, false) => ordinal(den),
        (_, true) => format!("{}s", ordinal(den)),
    };
    format!("{} {den_word}", cardinal(num))
}

/// Makes the last word of a spoken number plural, for decades and plurals of years
/// ("nineteen ninety" → "nineteen nineties", "two thousand" → "two thousands").
pub(crate) fn plural_words(words: &str) -> String {
    match words.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None if words.ends_with('x') => format!("{words}es"),
        None => format!("{words}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinals() {
        for (n, want) in [
            (0, "zero"),
            (7, "seven"),
            (13, "thirteen"),
            (21, "twenty-one"),
            (100, "one hundred"),
            (101, "one hundred one"),
            (1234, "one thousand two hundred thirty-four"),
            (10000, "ten thousand"),
            (1_000_001, "one million one"),
            (2_500_000_000, "two billion five hundred million"),
        ] {
            assert_eq!(cardinal(n), want, "{n}");
        }
        assert!(cardinal(u64::MAX).starts_with("eighteen quintillion"));
    }

    #[test]
    fn ordinals() {
        for (n, want) in [
            (1, "first"),
            (2, "second"),
            (3, "third"),
            (5, "fifth"),
            (8, "eighth"),
            (9, "ninth"),
            (12, "twelfth"),
            (20, "twentieth"),
            (21, "twenty-first"),
            (100, "one hundredth"),
            (103, "one hundred third"),
        ] {
            assert_eq!(ordinal(n), want, "{n}");
        }
    }

    #[test]
    fn years() {
        for (n, want) in [
            (1999, "nineteen ninety-nine"),
            (2026, "twenty twenty-six"),
            (2005, "two thousand five"),
            (2000, "two thousand"),
            (1900, "nineteen hundred"),
            (1905, "nineteen oh five"),
            (1066, "ten sixty-six"),
            (2010, "twenty ten"),
        ] {
            assert_eq!(year(n), want, "{n}");
        }
    }

    #[test]
    fn numbers_with_signs_separators_and_decimals() {
        for (s, want) in [
            ("1,234", Some("one thousand two hundred thirty-four")),
            ("3.5", Some("three point five")),
            ("-3.5", Some("minus three point five")),
            ("−2", Some("minus two")),
            ("0.25", Some("zero point two five")),
            (".5", Some("zero point five")),
            ("007", Some("zero zero seven")),
            (
                "4111111111111111",
                Some("four one one one one one one one one one one one one one one one"),
            ),
            ("12,34", None),
            ("1.2.3", None),
            ("abc", None),
            ("", None),
        ] {
            assert_eq!(number_words(s).as_deref(), want, "{s}");
        }
    }

    #[test]
    fn fractions_and_plurals() {
        assert_eq!(fraction(1, 2), "one half");
        assert_eq!(fraction(3, 4), "three quarters");
        assert_eq!(fraction(2, 3), "two thirds");
        assert_eq!(fraction(1, 8), "one eighth");
        assert_eq!(plural_words("nineteen ninety"), "nineteen nineties");
        assert_eq!(plural_words("eighty"), "eighties");
    }
}
