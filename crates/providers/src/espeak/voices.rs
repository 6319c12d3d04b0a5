//! espeak's voices as [`Voice`]s: canonical BCP-47 tags and stable, readable ids.
//!
//! espeak names languages with its own tags (`en-us`, `en-gb-x-rp`, `cmn`, `yue`,
//! `en-us-nyc`…). We take each voice's own (first listed) language, rename the few whose
//! espeak tag is not what clients ask for (`cmn` → `zh-CN`, `yue` → `zh-HK`, Klingon's
//! reserved `piqd` → `tlh`), move subtags that are not valid BCP-47 into a private-use
//! extension (`en-US-nyc` → `en-US-x-nyc`), and fix the case. The voice id is
//! `espeak-<tag>`, so it survives data upgrades that reorder espeak's list.

use super::ffi::VoiceInfo;
use tts_core::{canonicalize_language, Voice};

/// A voice listed to clients, with the name espeak selects it by.
#[derive(Clone, Debug)]
pub struct EspeakVoice {
    pub voice: Voice,
    /// espeak's identifier (`gmw/en-US`), passed to `espeak_SetVoiceByName`.
    pub identifier: String,
}

/// Tags keyed by the last part of espeak's identifier, where the preferred language is
/// not the tag a client would use.
const RENAMES: &[(&str, &str)] = &[
    ("cmn", "zh-CN"),
    ("cmn-latn-pinyin", "zh-Latn-pinyin"),
    ("yue", "zh-HK"),
    ("yue-latn-jyutping", "yue-Latn-jyutping"),
    ("piqd", "tlh"),
    // espeak says chr-US-Qaaa-x-west: a script after the region is ill-formed.
    ("chr", "chr-US-x-west"),
    ("py", "art-x-pyash"),
];

/// Maps espeak's list to voices of provider `provider` at `sample_rate` Hz, in espeak's
/// order, dropping entries without a language. Ids are unique.
pub fn to_voices(list: &[VoiceInfo], provider: &str, sample_rate: u32) -> Vec<EspeakVoice> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for info in list {
        let Some(tag) = language_tag(info) else {
            continue;
        };
        let mut id = format!("espeak-{tag}");
        if !seen.insert(id.clone()) {
            let base = info.identifier.rsplit('/').next().unwrap_or_default();
            id = format!("espeak-{tag}-x-{}", base.to_ascii_lowercase());
            if !seen.insert(id.clone()) {
                continue;
            }
        }
        let mut voice = Voice::new(
            id,
            format!("eSpeak {}", info.name.trim()),
            &tag,
            provider,
            sample_rate,
        )
        .with_extra("espeak_voice", info.identifier.clone())
        .with_extra("word_timestamps", "true");
        if let Some(gender) = match info.gender {
            1 => Some("male"),
            2 => Some("female"),
            _ => None,
        } {
            voice = voice.with_extra("gender", gender);
        }
        out.push(EspeakVoice {
            voice,
            identifier: info.identifier.clone(),
        });
    }
    out
}

/// The canonical BCP-47 tag for an espeak voice, or `None` if it names no language.
pub fn language_tag(info: &VoiceInfo) -> Option<String> {
    let base = info
        .identifier
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if let Some((_, tag)) = RENAMES.iter().find(|(k, _)| *k == base) {
        return Some((*tag).to_string());
    }
    // The first entry is the voice's own language; the priorities that follow rank the
    // voice among others for broader tags (`en-gb-x-rp` lists `en-gb` at priority 4).
    let tag = info.languages.first()?.1.trim();
    if tag.is_empty() {
        return None;
    }
    Some(valid_bcp47(&canonicalize_language(tag)))
}

/// Keeps the well-formed prefix of a tag (language, script, region, variants, extensions)
/// and moves the first ill-formed subtag and everything after it behind `-x-`.
fn valid_bcp47(tag: &str) -> String {
    let subtags: Vec<&str> = tag.split('-').collect();
    let mut kept: Vec<&str> = vec![subtags[0]];
    let mut rest: Vec<&str> = Vec::new();
    let mut stage = 0; // 0 script, 1 region, 2 variants
    for (i, s) in subtags.iter().enumerate().skip(1) {
        if s.len() == 1 {
            // An extension or private use: the remainder is well-formed by construction.
            kept.extend(&subtags[i..]);
            break;
        }
        let alpha = s.chars().all(|c| c.is_ascii_alphabetic());
        let digits = s.chars().all(|c| c.is_ascii_digit());
        let alnum = s.chars().all(|c| c.is_ascii_alphanumeric());
        let ok = if stage == 0 && alpha && s.len() == 4 {
            stage = 1;
            true
        } else if stage <= 1 && ((alpha && s.len() == 2) || (digits && s.len() == 3)) {
            stage = 2;
            true
        } else {
            stage = 2;
            alnum
                && ((5..=8).contains(&s.len())
                    || (s.len() == 4 && s.starts_with(|c: char| c.is_ascii_digit())))
        };
        if !ok {
            rest.extend(&subtags[i..]);
            break;
        }
        kept.push(s);
    }
    let mut out = kept.join("-");
    if !rest.is_empty() {
        out.push_str("-x");
        for s in rest.iter().filter(|s| !s.eq_ignore_ascii_case("x")) {
            out.push('-');
            out.push_str(&s.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(identifier: &str, languages: &[(u8, &str)]) -> VoiceInfo {
        VoiceInfo {
            name: identifier.into(),
            languages: languages.iter().map(|(p, l)| (*p, l.to_string())).collect(),
            identifier: identifier.into(),
            gender: 1,
        }
    }

    #[test]
    fn espeak_tags_become_canonical_bcp47() {
        let cases = [
            (info("gmw/en-US", &[(2, "en-us"), (3, "en")]), "en-US"),
            (info("gmw/en", &[(2, "en-gb"), (2, "en")]), "en-GB"),
            (
                info("gmw/en-GB-x-rp", &[(5, "en-gb-x-rp"), (4, "en-gb")]),
                "en-GB-x-rp",
            ),
            (info("gmw/en-US-nyc", &[(5, "en-us-nyc")]), "en-US-x-nyc"),
            (
                info("gmw/en-GB-scotland", &[(5, "en-gb-scotland"), (4, "en")]),
                "en-GB-scotland",
            ),
            (info("roa/es-419", &[(5, "es-419"), (6, "es")]), "es-419"),
            (info("sit/cmn", &[(5, "cmn"), (5, "zh")]), "zh-CN"),
            (info("sit/yue", &[(5, "yue"), (8, "zh")]), "zh-HK"),
            (info("ko", &[(5, "ko")]), "ko"),
            (
                info("iro/chr", &[(5, "chr-US-Qaaa-x-west")]),
                "chr-US-x-west",
            ),
            (
                info("a/b", &[(5, "xx-US-Qaaa-x-west")]),
                "xx-US-x-qaaa-west",
            ),
            (
                info("aav/vi-VN-x-central", &[(5, "vi-vn-x-central")]),
                "vi-VN-x-central",
            ),
            (info("ira/fa-Latn", &[(5, "fa-latn")]), "fa-Latn"),
        ];
        for (i, want) in cases {
            assert_eq!(language_tag(&i).as_deref(), Some(want), "{i:?}");
        }
    }

    #[test]
    fn ids_are_readable_and_unique() {
        let list = [
            info("gmw/en-US", &[(2, "en-us")]),
            info("sit/yue", &[(5, "yue")]),
            info("sit/yue-Latn-jyutping", &[(5, "yue")]),
            info("x/dup", &[(5, "en-us")]),
        ];
        let ids: Vec<_> = to_voices(&list, "espeak", 22050)
            .into_iter()
            .map(|v| v.voice.id)
            .collect();
        assert_eq!(
            ids,
            [
                "espeak-en-US",
                "espeak-zh-HK",
                "espeak-yue-Latn-jyutping",
                "espeak-en-US-x-dup"
            ]
        );
    }
}
