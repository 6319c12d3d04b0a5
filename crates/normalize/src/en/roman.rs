//! Roman numerals, only where the word before says what they are: after a monarch's or
//! pope's name they are ordinals ("Henry VIII" → "Henry the eighth"), after words such
//! as "Chapter" or "War" they are cardinals ("World War II" → "World War two").
//!
//! Anywhere else a run of capitals like "MIX", "CD" or "I" is left alone: most are
//! abbreviations or words. "I" counts only after a regnal name and before a pause or
//! "of" ("Elizabeth I of England"), so "then Henry I went" keeps its pronoun.

use super::numbers::{cardinal, ordinal};
use super::{prev, Reading, Token};

const REGNAL: &[&str] = &[
    "Alexander",
    "Alfonso",
    "Benedict",
    "Boniface",
    "Carlos",
    "Catherine",
    "Charles",
    "Christian",
    "Clement",
    "Constantine",
    "Edward",
    "Elizabeth",
    "Ferdinand",
    "Francis",
    "Frederick",
    "George",
    "Gregory",
    "Gustav",
    "Haakon",
    "Harald",
    "Henry",
    "Innocent",
    "Ivan",
    "James",
    "John",
    "Leo",
    "Louis",
    "Ludwig",
    "Mary",
    "Napoleon",
    "Nicholas",
    "Olaf",
    "Otto",
    "Paul",
    "Peter",
    "Philip",
    "Pius",
    "Ramesses",
    "Richard",
    "Urban",
    "Victor",
    "Wilhelm",
    "William",
];

const COUNTED: &[&str] = &[
    "Act", "Appendix", "Article", "Book", "Chapter", "Class", "Episode", "Level", "Part", "Phase",
    "Round", "Scene", "Season", "Section", "Stage", "Title", "Type", "Volume", "War",
];

/// The value of an uppercase Roman numeral, if `s` is one written in the usual
/// subtractive form (1 to 3999).
pub(crate) fn value(s: &str) -> Option<u64> {
    fn digit(c: u8) -> Option<u64> {
        Some(match c {
            b'I' => 1,
            b'V' => 5,
            b'X' => 10,
            b'L' => 50,
            b'C' => 100,
            b'D' => 500,
            b'M' => 1000,
            _ => return None,
        })
    }
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 15 {
        return None;
    }
    let mut total = 0;
    for (k, &c) in b.iter().enumerate() {
        let v = digit(c)?;
        match b.get(k + 1).and_then(|&n| digit(n)) {
            Some(n) if n > v => total -= v as i64,
            _ => total += v as i64,
        }
    }
    let total = u64::try_from(total).ok().filter(|&t| t > 0)?;
    // Reject non-canonical spellings such as "IIII" or "VX" by writing the value back.
    (to_roman(total) == s).then_some(total)
}

fn to_roman(mut n: u64) -> String {
    const PAIRS: [(u64, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut s = String::new();
    for (v, r) in PAIRS {
        while n >= v {
            s.push_str(r);
            n -= v;
        }
    }
    s
}

pub(super) fn read(toks: &[Token<'_>], i: usize) -> Option<Reading> {
    let t = &toks[i];
    let p = prev(toks, i).filter(|p| p.post.is_empty() && t.pre.is_empty())?;
    let n = value(t.core)?;
    if REGNAL.contains(&p.core) {
        if t.core == "I" {
            let pause = !t.post.is_empty() || toks.get(i + 1).is_none_or(|n| n.core == "of");
            if !pause {
                return None;
            }
        }
        return Some(Reading::new(format!("the {}", ordinal(n)), 1));
    }
    COUNTED
        .contains(&p.core)
        .then(|| Reading::new(cardinal(n), 1))
}

#[cfg(test)]
mod tests {
    use super::value;

    #[test]
    fn canonical_numerals_only() {
        assert_eq!(value("VIII"), Some(8));
        assert_eq!(value("XIV"), Some(14));
        assert_eq!(value("MCMXCIX"), Some(1999));
        assert_eq!(value("IIII"), None);
        assert_eq!(value("VX"), None);
        assert_eq!(value("Hi"), None);
    }
}
