//! Abbreviations, decided by their neighbours.
//!
//! "Dr." and "St." are the hard ones: before a name they are titles ("Doctor Smith",
//! "Saint Louis"), after a street's name they are "Drive" and "Street" ("Elm Dr.",
//! "123 Main Dr.", "Baker St."). The rule: they are the street kind when the word
//! before is capitalised or a number and the word after is not a name; everything else
//! is the title. A name is a capitalised word that is not a common sentence opener
//! ("The", "It", …), so "Baker St. The house" is a street and a new sentence.
//!
//! Periods: a title's period is always dropped (a name follows, not a new sentence);
//! other abbreviations keep theirs only where the next word is capitalised or the text
//! ends, since that period then also ends the sentence.

use super::dates::{month_first, month_of};
use super::{period_ends_sentence, prev, Reading, Token};

#[derive(Clone, Copy)]
enum Kind {
    /// Always before a name; needs no period ("Mr Smith").
    Title(&'static str),
    /// Before a name only with a period ("Mt. Everest", "Ft. Worth").
    DottedTitle(&'static str),
    /// A title before a name, a street type after one.
    TitleOrStreet(&'static str, &'static str),
    /// After a name ("Jr.", "Ave.", "Inc.").
    Suffix(&'static str),
    /// Inside a sentence ("e.g.", "vs."); matched in any case, period required unless
    /// noted by the table.
    Inline(&'static str),
    /// Expanded only with its period, which it keeps at a sentence end ("Fri.",
    /// "ext."): without one it is more likely a word or a name ("Sun", "Sat").
    Dotted(&'static str),
    /// Expanded only with its period and before a number ("No. 5", "p. 45", "fig. 3");
    /// the period goes.
    BeforeNumber(&'static str),
}

const TABLE: &[(&str, Kind)] = &[
    ("Mr", Kind::Title("Mister")),
    ("Mrs", Kind::Title("Missus")),
    ("Ms", Kind::Title("Miz")),
    ("Prof", Kind::Title("Professor")),
    ("Rev", Kind::Title("Reverend")),
    ("Gen", Kind::Title("General")),
    ("Capt", Kind::Title("Captain")),
    ("Sgt", Kind::Title("Sergeant")),
    ("Lt", Kind::Title("Lieutenant")),
    ("Col", Kind::Title("Colonel")),
    ("Gov", Kind::Title("Governor")),
    ("Sen", Kind::Title("Senator")),
    ("Rep", Kind::Title("Representative")),
    ("Hon", Kind::Title("Honorable")),
    ("Mt", Kind::DottedTitle("Mount")),
    ("Ft", Kind::DottedTitle("Fort")),
    ("Dr", Kind::TitleOrStreet("Doctor", "Drive")),
    ("St", Kind::TitleOrStreet("Saint", "Street")),
    ("Jr", Kind::Suffix("Junior")),
    ("Sr", Kind::Suffix("Senior")),
    ("Ave", Kind::Suffix("Avenue")),
    ("Rd", Kind::Suffix("Road")),
    ("Blvd", Kind::Suffix("Boulevard")),
    ("Ln", Kind::Suffix("Lane")),
    ("Hwy", Kind::Suffix("Highway")),
    ("Pkwy", Kind::Suffix("Parkway")),
    ("Inc", Kind::Suffix("Incorporated")),
    ("Corp", Kind::Suffix("Corporation")),
    ("Ltd", Kind::Suffix("Limited")),
    ("Dept", Kind::Suffix("Department")),
    ("Apt", Kind::Suffix("Apartment")),
    ("Ste", Kind::Suffix("Suite")),
    ("Mon", Kind::Dotted("Monday")),
    ("Tue", Kind::Dotted("Tuesday")),
    ("Tues", Kind::Dotted("Tuesday")),
    ("Wed", Kind::Dotted("Wednesday")),
    ("Thu", Kind::Dotted("Thursday")),
    ("Thurs", Kind::Dotted("Thursday")),
    ("Fri", Kind::Dotted("Friday")),
    ("Sat", Kind::Dotted("Saturday")),
    ("Sun", Kind::Dotted("Sunday")),
    ("ext", Kind::Dotted("extension")),
    ("No", Kind::BeforeNumber("number")),
    ("no", Kind::BeforeNumber("number")),
    ("p", Kind::BeforeNumber("page")),
    ("pp", Kind::BeforeNumber("pages")),
    ("fig", Kind::BeforeNumber("figure")),
    ("Fig", Kind::BeforeNumber("figure")),
    ("vol", Kind::BeforeNumber("volume")),
    ("Vol", Kind::BeforeNumber("volume")),
    ("ch", Kind::BeforeNumber("chapter")),
    ("Ch", Kind::BeforeNumber("chapter")),
    ("eq", Kind::BeforeNumber("equation")),
    ("Eq", Kind::BeforeNumber("equation")),
    ("e.g", Kind::Inline("for example")),
    ("i.e", Kind::Inline("that is")),
    ("vs", Kind::Inline("versus")),
    ("etc", Kind::Inline("et cetera")),
    ("cf", Kind::Inline("compare")),
    ("approx", Kind::Inline("approximately")),
    ("viz", Kind::Inline("namely")),
];

/// Capitalised words that open sentences and are not names.
const OPENERS: &[&str] = &[
    "The", "A", "An", "It", "He", "She", "We", "They", "I", "This", "That", "There", "In", "On",
    "At", "But", "And", "So", "If", "When", "You", "My", "Our", "His", "Her", "Its", "Their",
    "Then", "What", "Is", "Are", "Was",
];

/// True if and only if `core` is a lowercase abbreviation this module reads even
/// without a period ("vs").
pub(super) fn is_lowercase_abbreviation(core: &str) -> bool {
    matches!(
        core,
        "vs" | "etc"
            | "cf"
            | "approx"
            | "viz"
            | "ext"
            | "no"
            | "p"
            | "pp"
            | "fig"
            | "vol"
            | "ch"
            | "eq"
    )
}

/// True if and only if `t` looks like a name: capitalised, not a sentence opener, and
/// not an abbreviation that follows a name ("Baker St. Apt. 4").
fn is_name(t: &Token<'_>) -> bool {
    t.is_capitalized() && !OPENERS.contains(&t.core) && !is_trailing_abbreviation(t.core)
}

/// True if and only if `core` is an abbreviation that follows a name or a number
/// rather than starting a sentence ("Apt", "Jr", "Fri").
pub(super) fn is_trailing_abbreviation(core: &str) -> bool {
    TABLE
        .iter()
        .any(|(abbr, kind)| *abbr == core && matches!(kind, Kind::Suffix(_) | Kind::Dotted(_)))
}

pub(super) fn read(toks: &[Token<'_>], i: usize) -> Option<Reading> {
    let t = &toks[i];
    let dotted = t.post.starts_with('.');
    let next_is_name = toks
        .get(i + 1)
        .is_some_and(|n| matches!(t.post, "" | ".") && n.pre.is_empty() && is_name(n));
    let keep_at_end = |words: &str| {
        let mut r = Reading::new(words.to_string(), 1);
        r.drop_period = dotted && !period_ends_sentence(toks, i);
        r
    };
    let title = |words: &str| {
        let mut r = Reading::new(words.to_string(), 1);
        r.drop_period = dotted && i + 1 < toks.len();
        r
    };
    let kind = TABLE.iter().find_map(|(abbr, kind)| match kind {
        Kind::Inline(_) => abbr.eq_ignore_ascii_case(t.core).then_some(*kind),
        _ => (*abbr == t.core).then_some(*kind),
    });
    match kind {
        Some(Kind::Title(w)) => Some(title(w)),
        Some(Kind::DottedTitle(w)) => (dotted && next_is_name).then(|| title(w)),
        Some(Kind::TitleOrStreet(name, street)) => {
            let after_name = prev(toks, i).is_some_and(|p| {
                p.is_capitalized() || p.core.starts_with(|c: char| c.is_ascii_digit())
            });
            Some(if after_name && !next_is_name {
                keep_at_end(street)
            } else {
                title(name)
            })
        }
        Some(Kind::Suffix(w)) => Some(keep_at_end(w)),
        Some(Kind::Dotted(w)) => dotted.then(|| keep_at_end(w)),
        Some(Kind::BeforeNumber(w)) => {
            let number_next = toks
                .get(i + 1)
                .is_some_and(|n| n.core.starts_with(|c: char| c.is_ascii_digit()));
            (t.post == "." && number_next).then(|| title(w))
        }
        Some(Kind::Inline(w)) if dotted || t.core == "vs" => {
            let mut r = keep_at_end(w);
            // Only "etc." can end a sentence; "e.g." and "vs." are always inside one.
            if t.core != "etc" && i + 1 < toks.len() {
                r.drop_period = dotted;
            }
            Some(r)
        }
        Some(Kind::Inline(_)) => None,
        None => other(toks, i, dotted, next_is_name),
    }
}

/// Words before which "Jan." and the other month abbreviations are months, not names.
const BEFORE_MONTH: &[&str] = &[
    "in", "since", "by", "from", "until", "till", "of", "early", "late", "mid", "through",
    "before", "after", "during",
];

/// Month abbreviations after a preposition ("in Jan. and Feb."), initialisms
/// ("U.S.") and initials before a name ("J. Smith").
fn other(toks: &[Token<'_>], i: usize, dotted: bool, next_is_name: bool) -> Option<Reading> {
    let t = &toks[i];
    if let Some(m) = dotted.then(|| month_of(t.core)).flatten() {
        let p = prev(toks, i).map(|p| p.core.to_ascii_lowercase());
        let after_preposition = p.as_deref().is_some_and(|p| BEFORE_MONTH.contains(&p));
        // "Jan" is also a name: "Tom and Jan." stays.
        let after_conjunction = t.core != "Jan"
            && p.as_deref()
                .is_some_and(|p| matches!(p, "and" | "or" | "to"));
        if (after_preposition || after_conjunction) && t.core.len() < 5 {
            let mut r = Reading::new(month_first(None, m, None), 1);
            r.drop_period = !period_ends_sentence(toks, i);
            return Some(r);
        }
    }
    let bytes = t.core.as_bytes();
    let initialism = bytes.len() >= 3
        && bytes.iter().step_by(2).all(u8::is_ascii_uppercase)
        && bytes.iter().skip(1).step_by(2).all(|&b| b == b'.');
    if initialism {
        let letters: Vec<&str> = t.core.split('.').collect();
        let mut r = Reading::new(letters.join(" "), 1);
        r.drop_period = dotted && !period_ends_sentence(toks, i) || next_is_name;
        return Some(r);
    }
    let initial = bytes.len() == 1 && bytes[0].is_ascii_uppercase() && t.core != "I";
    (initial && dotted && next_is_name).then(|| {
        let mut r = Reading::new(t.core.to_string(), 1);
        r.drop_period = true;
        r
    })
}
