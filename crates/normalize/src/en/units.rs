//! Quantities: a number with a unit, glued ("5kg", "20°C", "100mph") or as the next
//! word ("1 km", "3 ft", "10 MB"), and percentages ("50%").
//!
//! The unit agrees with the number: singular only for exactly "1" ("one kilometer",
//! "one point zero kilometers"). Symbols that are also common words or letters ("in",
//! "s", "A", "t", "K", "V", "W") count as units only when glued to the number, since
//! "5 in the box" and "Plan 9 A" are more likely than inches and amperes.

use super::numbers::number_words;
use super::{next, Reading, Token};

/// (symbol, singular, plural, may stand as a separate word).
type Unit = (&'static str, &'static str, &'static str, bool);

const UNITS: &[Unit] = &[
    ("mm", "millimeter", "millimeters", true),
    ("cm", "centimeter", "centimeters", true),
    ("m", "meter", "meters", true),
    ("km", "kilometer", "kilometers", true),
    ("in", "inch", "inches", false),
    ("ft", "foot", "feet", true),
    ("yd", "yard", "yards", true),
    ("mi", "mile", "miles", true),
    ("mg", "milligram", "milligrams", true),
    ("g", "gram", "grams", true),
    ("kg", "kilogram", "kilograms", true),
    ("t", "tonne", "tonnes", false),
    ("lb", "pound", "pounds", true),
    ("lbs", "pounds", "pounds", true),
    ("oz", "ounce", "ounces", true),
    ("ml", "milliliter", "milliliters", true),
    ("mL", "milliliter", "milliliters", true),
    ("l", "liter", "liters", true),
    ("L", "liter", "liters", true),
    ("°C", "degree Celsius", "degrees Celsius", true),
    ("℃", "degree Celsius", "degrees Celsius", true),
    ("°F", "degree Fahrenheit", "degrees Fahrenheit", true),
    ("℉", "degree Fahrenheit", "degrees Fahrenheit", true),
    ("°", "degree", "degrees", true),
    ("K", "kelvin", "kelvins", false),
    ("km/h", "kilometer per hour", "kilometers per hour", true),
    ("kph", "kilometer per hour", "kilometers per hour", true),
    ("mph", "mile per hour", "miles per hour", true),
    ("m/s", "meter per second", "meters per second", true),
    ("KB", "kilobyte", "kilobytes", true),
    ("kB", "kilobyte", "kilobytes", true),
    ("MB", "megabyte", "megabytes", true),
    ("GB", "gigabyte", "gigabytes", true),
    ("TB", "terabyte", "terabytes", true),
    ("kbps", "kilobit per second", "kilobits per second", true),
    ("Mbps", "megabit per second", "megabits per second", true),
    ("Gbps", "gigabit per second", "gigabits per second", true),
    ("Hz", "hertz", "hertz", true),
    ("kHz", "kilohertz", "kilohertz", true),
    ("MHz", "megahertz", "megahertz", true),
    ("GHz", "gigahertz", "gigahertz", true),
    ("W", "watt", "watts", false),
    ("kW", "kilowatt", "kilowatts", true),
    ("kWh", "kilowatt hour", "kilowatt hours", true),
    ("V", "volt", "volts", false),
    ("mA", "milliampere", "milliamperes", true),
    ("A", "ampere", "amperes", false),
    ("ms", "millisecond", "milliseconds", true),
    ("s", "second", "seconds", false),
    ("sec", "second", "seconds", true),
    ("min", "minute", "minutes", true),
    ("h", "hour", "hours", true),
    ("hr", "hour", "hours", true),
    ("hrs", "hours", "hours", true),
    ("x", "times", "times", false),
    ("%", "percent", "percent", true),
];

fn unit(symbol: &str, separate: bool) -> Option<&'static Unit> {
    UNITS.iter().find(|u| u.0 == symbol && (u.3 || !separate))
}

/// Reads a number or a range of numbers ("5", "1.5", "-3", "5-10").
fn amount(num: &str) -> Option<(String, bool)> {
    if let Some((lo, hi)) = num.split_once(['-', '–']).filter(|(lo, _)| !lo.is_empty()) {
        return Some((
            format!("{} to {}", number_words(lo)?, number_words(hi)?),
            false,
        ));
    }
    let one = matches!(num, "1" | "-1" | "+1");
    Some((number_words(num)?, one))
}

fn quantity(num: &str, u: &Unit) -> Option<String> {
    let (words, one) = amount(num)?;
    Some(format!("{words} {}", if one { u.1 } else { u.2 }))
}

pub(super) fn read(toks: &[Token<'_>], i: usize) -> Option<Reading> {
    let core = toks[i].core;
    if !core.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '−' | '+' | '.')) {
        return None;
    }
    // Glued: the unit starts at the first character that cannot be part of a number.
    let at = core
        .char_indices()
        .skip(1)
        .find(|&(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '–')))
        .map(|(at, _)| at);
    if let Some(at) = at {
        let (num, symbol) = core.split_at(at);
        // "1990s" and "80s" are decades, not seconds.
        let decade = symbol == "s" && num.ends_with('0') && matches!(num.len(), 2 | 4);
        let u = unit(symbol, false).filter(|_| !decade)?;
        return Some(Reading::new(quantity(&core[..at], u)?, 1));
    }
    let after = next(toks, i)?;
    let u = unit(after.core, true)?;
    let words = quantity(core, u)?;
    // "6 ft 2 in": after feet, "in" is inches.
    if u.0 == "ft" {
        let inches = next(toks, i + 1)
            .zip(next(toks, i + 2))
            .filter(|(_, unit)| unit.core == "in");
        if let Some(n) = inches.and_then(|(n, _)| quantity(n.core, unit("in", false)?)) {
            return Some(Reading::new(format!("{words} {n}"), 4));
        }
    }
    Some(Reading::new(words, 2))
}
