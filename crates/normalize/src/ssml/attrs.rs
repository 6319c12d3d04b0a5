//! The attribute values the SSML subset accepts, and what they mean.

use quick_xml::events::BytesStart;

use super::error::SsmlErrorKind;

/// How `<say-as>` asks its text to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InterpretAs {
    /// Letter by letter ("characters" and "spell-out").
    Characters,
    Cardinal,
    Ordinal,
    /// Digit by digit.
    Digits,
    Date,
    Time,
    Telephone,
    Currency,
}

/// The order of a `<say-as interpret-as="date">`'s fields, from its `format`
/// ("mdy", "dmy", "ymd", "md", "dm", "ym", "my", "y").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateFormat(pub &'static str);

const INTERPRET_AS: &str =
    "characters, spell-out, cardinal, ordinal, digits, date, time, telephone or currency";

pub(crate) fn interpret_as(value: &str) -> Result<InterpretAs, SsmlErrorKind> {
    Ok(match value {
        "characters" | "spell-out" => InterpretAs::Characters,
        "cardinal" | "number" => InterpretAs::Cardinal,
        "ordinal" => InterpretAs::Ordinal,
        "digits" => InterpretAs::Digits,
        "date" => InterpretAs::Date,
        "time" => InterpretAs::Time,
        "telephone" => InterpretAs::Telephone,
        "currency" => InterpretAs::Currency,
        _ => return Err(bad("say-as", "interpret-as", value, INTERPRET_AS)),
    })
}

pub(crate) fn date_format(value: &str) -> Result<DateFormat, SsmlErrorKind> {
    const FORMATS: [&str; 8] = ["mdy", "dmy", "ymd", "md", "dm", "ym", "my", "y"];
    FORMATS
        .iter()
        .find(|f| **f == value)
        .map(|f| DateFormat(f))
        .ok_or_else(|| {
            bad(
                "say-as",
                "format",
                value,
                "mdy, dmy, ymd, md, dm, ym, my or y",
            )
        })
}

/// The longest pause `<break time>` may ask for.
pub(crate) const MAX_BREAK_MS: u32 = 10_000;

/// `time="500ms"` or `"1.5s"`, at most [`MAX_BREAK_MS`].
pub(crate) fn break_time(value: &str) -> Result<u32, SsmlErrorKind> {
    const EXPECTED: &str = "a time such as \"500ms\" or \"1.5s\", at most 10s";
    let parsed = if let Some(ms) = value.strip_suffix("ms") {
        ms.trim().parse::<f64>().ok()
    } else if let Some(s) = value.strip_suffix('s') {
        s.trim().parse::<f64>().ok().map(|s| s * 1000.0)
    } else {
        None
    };
    match parsed {
        Some(ms) if ms.is_finite() && (0.0..=f64::from(MAX_BREAK_MS)).contains(&ms) => {
            Ok(ms.round() as u32)
        }
        _ => Err(bad("break", "time", value, EXPECTED)),
    }
}

/// `strength="none|x-weak|weak|medium|strong|x-strong"` as milliseconds.
pub(crate) fn break_strength(value: &str) -> Result<u32, SsmlErrorKind> {
    Ok(match value {
        "none" => 0,
        "x-weak" => 100,
        "weak" => 250,
        "medium" => 400,
        "strong" => 700,
        "x-strong" => 1200,
        _ => {
            return Err(bad(
                "break",
                "strength",
                value,
                "none, x-weak, weak, medium, strong or x-strong",
            ))
        }
    })
}

/// `rate="x-slow|slow|medium|fast|x-fast"`, a percentage ("120%") or a multiplier
/// ("0.8"), as a multiplier between 0.25 and 4.
pub(crate) fn prosody_rate(value: &str) -> Result<f32, SsmlErrorKind> {
    let rate = match value {
        "x-slow" => Some(0.5),
        "slow" => Some(0.75),
        "medium" | "default" => Some(1.0),
        "fast" => Some(1.25),
        "x-fast" => Some(1.75),
        v => match v.strip_suffix('%') {
            Some(p) => p.trim().parse::<f32>().ok().map(|p| p / 100.0),
            None => v.trim().parse::<f32>().ok(),
        },
    };
    rate.filter(|r| (0.25..=4.0).contains(r)).ok_or_else(|| {
        bad(
            "prosody",
            "rate",
            value,
            "x-slow, slow, medium, fast, x-fast, a percentage (25% to 400%) or a multiplier (0.25 to 4)",
        )
    })
}

pub(crate) fn bad(
    element: &'static str,
    attribute: &'static str,
    value: &str,
    expected: &'static str,
) -> SsmlErrorKind {
    SsmlErrorKind::BadValue {
        element,
        attribute,
        value: value.to_string(),
        expected,
    }
}

/// An element's attributes, less the ones every element may carry and that are
/// ignored (`xmlns…`, `xml:…` other than `xml:lang`).
pub(super) struct Attrs(Vec<(String, String)>);

impl Attrs {
    pub(super) fn read(e: &BytesStart<'_>) -> Result<Self, SsmlErrorKind> {
        let mut out = Vec::new();
        for attr in e.attributes() {
            let attr = attr.map_err(|e| SsmlErrorKind::Xml(e.into()))?;
            let key = attr.key.as_ref().to_string();
            if key.starts_with("xmlns") || (key.starts_with("xml:") && key != "xml:lang") {
                continue;
            }
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(SsmlErrorKind::Xml)?
                .into_owned();
            out.push((key, value));
        }
        Ok(Attrs(out))
    }

    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn need(
        &self,
        element: &'static str,
        attribute: &'static str,
    ) -> Result<&str, SsmlErrorKind> {
        self.get(attribute)
            .ok_or(SsmlErrorKind::MissingAttribute { element, attribute })
    }

    /// Refuses any attribute not in `allowed` (`xml:lang` is always allowed).
    pub(super) fn only(
        &self,
        element: &'static str,
        allowed: &[&str],
    ) -> Result<(), SsmlErrorKind> {
        match self
            .0
            .iter()
            .find(|(k, _)| k != "xml:lang" && !allowed.contains(&k.as_str()))
        {
            Some((k, _)) => Err(SsmlErrorKind::UnknownAttribute {
                element,
                attribute: k.clone(),
            }),
            None => Ok(()),
        }
    }
}
