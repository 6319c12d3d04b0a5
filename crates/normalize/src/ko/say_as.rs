//! Korean readings for SSML `<say-as>`.

use super::normalize;
use super::numbers::{digits, native, sino};
use crate::ssml::InterpretAs;

/// Korean readings for SSML `<say-as>`; content that does not fit its
/// `interpret-as` is normalised as usual.
pub(crate) fn say_as(text: &str, kind: InterpretAs) -> String {
    let t = text.trim();
    let number: Option<u64> = t.replace(',', "").parse().ok();
    let words = match kind {
        InterpretAs::Cardinal => number.map(sino),
        InterpretAs::Ordinal => number.map(|n| match n {
            1 => "첫 번째".to_string(),
            n => format!("{} 번째", native(n).unwrap_or_else(|| sino(n))),
        }),
        InterpretAs::Digits if t.bytes().any(|b| b.is_ascii_digit()) => Some(digits(t, "영")),
        InterpretAs::Characters => Some(
            t.chars()
                .filter(|c| c.is_alphanumeric())
                .map(|c| match c.to_digit(10) {
                    Some(d) => digits(&d.to_string(), "영"),
                    None => c.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" "),
        ),
        InterpretAs::Telephone => Some(
            t.split(|c: char| !c.is_ascii_digit())
                .filter(|g| !g.is_empty())
                .map(|g| digits(g, "공"))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => None,
    };
    words
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| normalize(t))
}
