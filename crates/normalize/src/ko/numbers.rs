//! Korean number words: Sino-Korean (일, 이, 삼 … 만, 억, 조) for amounts, dates,
//! minutes and most counters; native Korean (한, 두, 세 … 아흔) for the counters that
//! take it, in the attributive form a counter needs ("세 개", not "셋 개").

const SINO_DIGITS: [&str; 10] = ["영", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"];
const SINO_PLACES: [&str; 4] = ["", "십", "백", "천"];
const MYRIADS: [&str; 5] = ["", "만", "억", "조", "경"];

/// Appends the Sino-Korean words for `n` below ten thousand (`n > 0`); a leading 1 is
/// not said before 십, 백 and 천 ("천이백", not "일천이백").
fn push_below_myriad(out: &mut String, n: u64) {
    for place in (0..4).rev() {
        let d = (n / 10u64.pow(place)) % 10;
        if d == 0 {
            continue;
        }
        if d != 1 || place == 0 {
            out.push_str(SINO_DIGITS[d as usize]);
        }
        out.push_str(SINO_PLACES[place as usize]);
    }
}

/// The Sino-Korean words for `n` ("1234" → "천이백삼십사", "10000" → "만",
/// "100000000" → "일억").
pub(crate) fn sino(n: u64) -> String {
    if n == 0 {
        return SINO_DIGITS[0].to_string();
    }
    let mut groups = Vec::with_capacity(5);
    let mut rest = n;
    while rest > 0 {
        groups.push(rest % 10_000);
        rest /= 10_000;
    }
    let mut out = String::new();
    for (myriad, &g) in groups.iter().enumerate().rev() {
        if g == 0 {
            continue;
        }
        // A leading 만 is "만", not "일만"; inside a larger number ("일억일만") and
        // for 억 and above the 일 is said.
        if !(g == 1 && myriad == 1 && out.is_empty()) {
            push_below_myriad(&mut out, g);
        }
        out.push_str(MYRIADS.get(myriad).copied().unwrap_or(""));
    }
    out
}

/// One Sino-Korean word per digit; `zero` is the word for 0 ("영", or "공" in phone
/// numbers).
pub(crate) fn digits(s: &str, zero: &str) -> String {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|d| match d {
            b'0' => zero,
            d => SINO_DIGITS[(d - b'0') as usize],
        })
        .collect()
}

/// The native Korean attributive form of `n` (1 to 99) used before a counter: "한",
/// "두", "세", "열두", "스무", "스물한"; `None` outside that range.
pub(crate) fn native(n: u64) -> Option<String> {
    const ONES: [&str; 10] = [
        "", "한", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉",
    ];
    const TENS: [&str; 10] = [
        "", "열", "스물", "서른", "마흔", "쉰", "예순", "일흔", "여든", "아흔",
    ];
    if !(1..=99).contains(&n) {
        return None;
    }
    if n == 20 {
        return Some("스무".to_string());
    }
    Some(format!(
        "{}{}",
        TENS[(n / 10) as usize],
        ONES[(n % 10) as usize]
    ))
}

/// A month name: "삼월", with the spoken forms "유월" (6) and "시월" (10).
pub(crate) fn month(m: u64) -> String {
    match m {
        6 => "유월".to_string(),
        10 => "시월".to_string(),
        m => format!("{}월", sino(m)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sino_korean() {
        for (n, want) in [
            (0, "영"),
            (1, "일"),
            (10, "십"),
            (11, "십일"),
            (20, "이십"),
            (100, "백"),
            (1234, "천이백삼십사"),
            (10000, "만"),
            (12345, "만이천삼백사십오"),
            (50000, "오만"),
            (110000, "십일만"),
            (100_000_000, "일억"),
            (100_010_000, "일억일만"),
            (2026, "이천이십육"),
        ] {
            assert_eq!(sino(n), want, "{n}");
        }
    }

    #[test]
    fn native_korean() {
        for (n, want) in [
            (1, "한"),
            (2, "두"),
            (3, "세"),
            (4, "네"),
            (5, "다섯"),
            (10, "열"),
            (12, "열두"),
            (20, "스무"),
            (21, "스물한"),
            (99, "아흔아홉"),
        ] {
            assert_eq!(native(n).as_deref(), Some(want), "{n}");
        }
        assert_eq!(native(100), None);
    }
}
