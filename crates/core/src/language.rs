//! BCP-47 canonical case (`en-us` → `en-US`, `zh-hant-tw` → `zh-Hant-TW`) and matching.
//!
//! Only the casing conventions of RFC 5646 §2.1.1 are applied; tags are not validated
//! against the IANA registry, since engines use private tags (espeak's `en-US-x-rp`…).

/// Canonicalises the case of a language tag and turns `_` into `-`.
pub fn canonicalize_language(tag: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut after_singleton = false;
    for (i, sub) in tag.trim().split(['-', '_']).enumerate() {
        let s = if i == 0 || after_singleton {
            sub.to_ascii_lowercase()
        } else if sub.len() == 2 && sub.chars().all(|c| c.is_ascii_alphabetic()) {
            sub.to_ascii_uppercase()
        } else if sub.len() == 4 && sub.chars().all(|c| c.is_ascii_alphabetic()) {
            let lower = sub.to_ascii_lowercase();
            let mut chars = lower.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect()
        } else {
            sub.to_ascii_lowercase()
        };
        if i > 0 && s.len() == 1 {
            after_singleton = true;
        }
        out.push(s);
    }
    out.join("-")
}

/// Returns true if and only if `requested` names `voice_language` or a broader tag of it:
/// `en-US` matches `en-US`, `en` matches `en-US`, `en-GB` does not match `en-US`.
/// Both sides are canonicalised first.
pub fn language_matches(requested: &str, voice_language: &str) -> bool {
    let req = canonicalize_language(requested);
    let voice = canonicalize_language(voice_language);
    if req.is_empty() {
        return false;
    }
    voice == req || voice.starts_with(&format!("{req}-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_case() {
        assert_eq!(canonicalize_language("en-us"), "en-US");
        assert_eq!(canonicalize_language("EN_gb"), "en-GB");
        assert_eq!(canonicalize_language("zh-hant-tw"), "zh-Hant-TW");
        assert_eq!(canonicalize_language("es-419"), "es-419");
        assert_eq!(canonicalize_language("en-x-rp"), "en-x-rp");
        assert_eq!(canonicalize_language("ko"), "ko");
    }

    #[test]
    fn prefixes_match_but_siblings_do_not() {
        assert!(language_matches("en-us", "en-US"));
        assert!(language_matches("en", "en-US"));
        assert!(!language_matches("en-GB", "en-US"));
        assert!(!language_matches("e", "en-US"));
        assert!(!language_matches("", "en-US"));
    }
}
