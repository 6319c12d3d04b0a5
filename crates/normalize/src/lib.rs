//! Turns raw text into what a speech engine should read.
#![forbid(unsafe_code)]

mod en;
mod ko;
mod lang;

pub use lang::Language;

/// Rewrites `text` for speaking in `language` (a BCP-47 tag such as "en-US").
pub fn normalize(text: &str, language: &str) -> String {
    match Language::from_tag(language) {
        Language::English => en::normalize(text),
        Language::Korean => ko::normalize(text),
        Language::Other => text.to_string(),
    }
}
