//! Which normaliser a BCP-47 language tag selects.

/// The languages this crate normalises; everything else passes through unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Language {
    /// Any "en" tag ("en", "en-US", "en-GB").
    English,
    /// Any "ko" tag ("ko", "ko-KR").
    Korean,
    /// Any other tag, or one that is not a tag: text passes through unchanged.
    Other,
}

impl Language {
    /// The language whose primary subtag `tag` has, matched case-insensitively; "en_US"
    /// with an underscore is accepted too.
    pub fn from_tag(tag: &str) -> Language {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("en") {
            Language::English
        } else if primary.eq_ignore_ascii_case("ko") {
            Language::Korean
        } else {
            Language::Other
        }
    }
}
