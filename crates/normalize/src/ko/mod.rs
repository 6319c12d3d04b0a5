//! Korean normalisation: numbers written in digits become Hangul words.
//!
//! Korean glues counters and particles to numbers ("3개를"), so instead of whitespace
//! tokens this scans for digit runs and looks at what follows them. The counter decides
//! the number system: native Korean for things counted one by one and for clock hours
//! ("3개" → "세 개", "2명" → "두 명", "5시" → "다섯 시"), Sino-Korean for money, dates,
//! minutes, seconds and everything else ("30분" → "삼십 분", "5000원" → "오천 원").
//! A counter is written after a space, as the spelling rules ask; native numbers stop
//! at 99, past which Sino-Korean is used ("100개" → "백 개").
//!
//! Also read: currency symbols ("₩5,000" → "오천 원"), percentages, decimals ("3.5" →
//! "삼 점 오"), negatives, ISO dates ("2026-03-14" → "이천이십육 년 삼월 십사 일"),
//! clock times ("5:30" → "다섯 시 삼십 분") and phone numbers, digit by digit with
//! "공" for zero ("010-1234-5678" → "공일공 일이삼사 오육칠팔").

mod numbers;
mod say_as;

use numbers::{digits, month, native, sino};
pub(crate) use say_as::say_as;

/// Counters that take native numbers (1–99). Longer entries first, so "시간" wins
/// over "시".
const NATIVE_COUNTERS: &[&str] = &[
    "시간", "마리", "켤레", "그릇", "송이", "가지", "군데", "사람", "개", "명", "시", "살", "잔",
    "권", "장", "대", "병", "곳", "벌", "채", "달", "통", "줄",
];

/// Counters and units that take Sino-Korean numbers, with what is said for them.
/// Longer entries first ("개월" before the native "개").
const SINO_COUNTERS: &[(&str, &str)] = &[
    ("개월", "개월"),
    ("킬로미터", "킬로미터"),
    ("달러", "달러"),
    ("퍼센트", "퍼센트"),
    ("분", "분"),
    ("초", "초"),
    ("원", "원"),
    ("년", "년"),
    ("일", "일"),
    ("층", "층"),
    ("번", "번"),
    ("세", "세"),
    ("주", "주"),
    ("도", "도"),
    ("km", "킬로미터"),
    ("kg", "킬로그램"),
    ("cm", "센티미터"),
    ("mm", "밀리미터"),
    ("m", "미터"),
    ("g", "그램"),
    ("%", "퍼센트"),
    ("°C", "도"),
    ("℃", "도"),
];

/// Currency symbols written before the amount, and the unit said after it.
const CURRENCIES: &[(char, &str)] = &[
    ('₩', "원"),
    ('$', "달러"),
    ('€', "유로"),
    ('£', "파운드"),
    ('¥', "엔"),
];

/// Rewrites Korean `text` with its numbers read out.
pub(crate) fn normalize(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() * 2);
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        let starts_number = bytes[i].is_ascii_digit()
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'.'));
        if !starts_number {
            i += 1;
            continue;
        }
        let (start, currency, minus) = prefix(text, copied, i);
        out.push_str(&text[copied..start]);
        let (words, end) = read_at(text, i, currency);
        if minus {
            out.push_str("마이너스 ");
        }
        out.push_str(&words);
        copied = end;
        i = end;
    }
    out.push_str(&text[copied..]);
    out
}

/// Looks for a currency symbol or a minus sign just before the digit at `i` (and not
/// before `floor`). Returns where the number really starts and what was found.
fn prefix(text: &str, floor: usize, i: usize) -> (usize, Option<&'static str>, bool) {
    let before = &text[floor..i];
    let mut start = i;
    let mut currency = None;
    let mut chars = before.char_indices().rev();
    if let Some((at, c)) = chars.clone().next() {
        if let Some((_, unit)) = CURRENCIES.iter().find(|(sym, _)| *sym == c) {
            currency = Some(*unit);
            start = floor + at;
            chars.next();
        }
    }
    let mut rest = chars;
    if let Some((at, '-' | '−')) = rest.next() {
        let lead_ok = rest
            .next()
            .is_none_or(|(_, c)| c.is_whitespace() || c == '(');
        if lead_ok {
            return (floor + at, currency, true);
        }
    }
    (start, currency, false)
}

/// Reads the number at `i` and any counter after it; returns the words and the byte
/// offset where the reading ends.
fn read_at(text: &str, i: usize, currency: Option<&str>) -> (String, usize) {
    let rest = &text[i..];
    if currency.is_none() {
        if let Some(r) = phone(rest)
            .or_else(|| iso_date(rest))
            .or_else(|| clock(rest))
        {
            return (r.0, i + r.1);
        }
    }
    let int_len = rest
        .bytes()
        .enumerate()
        .take_while(|&(k, b)| {
            b.is_ascii_digit()
                || (b == b',' && rest.as_bytes().get(k + 1).is_some_and(u8::is_ascii_digit))
        })
        .count();
    let int = &rest[..int_len];
    let mut len = int_len;
    let frac = rest[int_len..]
        .strip_prefix('.')
        .map(|f| &f[..f.bytes().take_while(u8::is_ascii_digit).count()])
        .filter(|f| !f.is_empty());
    let value: Option<u64> = int.replace(',', "").parse().ok();
    let mut words = match value {
        Some(_) if int.len() > 1 && int.starts_with('0') => digits(int, "영"),
        Some(v) => sino(v),
        None => digits(int, "영"),
    };
    if let Some(f) = frac {
        words.push_str(" 점 ");
        words.push_str(&digits(f, "영"));
        len += 1 + f.len();
    }
    if let Some(unit) = currency {
        words.push(' ');
        words.push_str(unit);
        return (words, i + len);
    }
    let after = &text[i + len..];
    let whole = value.filter(|_| frac.is_none());
    if let Some((counter, said)) = counter(after, whole) {
        let number = match said {
            Some(native) => native,
            None if counter == "월" => {
                let m = month(whole.unwrap_or(0));
                return (m, i + len + counter.len());
            }
            None => words,
        };
        let spoken = SINO_COUNTERS
            .iter()
            .find(|(c, _)| *c == counter)
            .map_or(counter, |(_, s)| s);
        return (format!("{number} {spoken}"), i + len + counter.len());
    }
    (words, i + len)
}

/// The counter at the start of `after`, and the native number to say before it when
/// it takes one (`None`: say the Sino-Korean number).
fn counter(after: &str, whole: Option<u64>) -> Option<(&'static str, Option<String>)> {
    if after.starts_with("월") && whole.is_some_and(|m| (1..=12).contains(&m)) {
        return Some(("월", None));
    }
    let sino_hit = SINO_COUNTERS.iter().find(|(c, _)| after.starts_with(c));
    let native_hit = NATIVE_COUNTERS.iter().find(|c| after.starts_with(**c));
    match (native_hit, sino_hit) {
        (Some(n), Some((s, _))) if s.len() > n.len() => Some((s, None)),
        (Some(n), _) => {
            // Clock hours past twelve are said in Sino-Korean ("13시" → "십삼 시").
            let limit = if *n == "시" { 12 } else { 99 };
            let native = whole.filter(|&v| v <= limit).and_then(native);
            Some((n, native))
        }
        (None, Some((s, _))) => Some((s, None)),
        (None, None) => None,
    }
}

/// "010-1234-5678", "02-123-4567".
fn phone(s: &str) -> Option<(String, usize)> {
    let len = s
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'-')
        .count();
    let groups: Vec<&str> = s[..len].trim_end_matches('-').split('-').collect();
    let shape = groups.len() == 3
        && (2..=3).contains(&groups[0].len())
        && (3..=4).contains(&groups[1].len())
        && groups[2].len() == 4;
    shape.then(|| {
        let words: Vec<String> = groups.iter().map(|g| digits(g, "공")).collect();
        let used = groups.iter().map(|g| g.len()).sum::<usize>() + 2;
        (words.join(" "), used)
    })
}

/// "2026-03-14" or "2026.03.14".
fn iso_date(s: &str) -> Option<(String, usize)> {
    let b = s.as_bytes();
    if b.len() < 10 || !matches!(b[4], b'-' | b'.') || b[7] != b[4] {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || b.get(10).is_some_and(u8::is_ascii_digit)
    {
        return None;
    }
    Some((format!("{} 년 {} {} 일", sino(y), month(m), sino(d)), 10))
}

/// "5:30" → "다섯 시 삼십 분"; "14:05" → "십사 시 오 분".
fn clock(s: &str) -> Option<(String, usize)> {
    let (h, rest) = s.split_once(':')?;
    if h.is_empty() || h.len() > 2 || !h.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let m = rest.get(..2)?;
    if !m.bytes().all(|b| b.is_ascii_digit())
        || rest.as_bytes().get(2).is_some_and(u8::is_ascii_digit)
    {
        return None;
    }
    let (h, m): (u64, u64) = (h.parse().ok()?, m.parse().ok()?);
    if h > 24 || m > 59 {
        return None;
    }
    let hour = native(h)
        .filter(|_| (1..=12).contains(&h))
        .unwrap_or_else(|| sino(h));
    let mut out = format!("{hour} 시");
    if m > 0 {
        out.push_str(&format!(" {} 분", sino(m)));
    }
    Some((out, s.find(':')? + 3))
}

#[cfg(test)]
mod tests;
