//! IPA → espeak-ng's phoneme mnemonics for its English voices, the language of `[[…]]`
//! phoneme input (libespeak-ng with `espeakPHONEMES`).
//!
//! The key decision: a table, matched longest first, of the IPA English lexicons use —
//! every vowel and diphthong of General American and RP including the r-coloured ones,
//! the consonants, stress, length and syllabic consonants — written the way espeak's
//! English phoneme table names them (the names `espeak_TextToPhonemes` prints for
//! English words: `hello` → `h@l'oU`, IPA `həlˈoʊ`). espeak renders each name in the
//! voice's accent, so `oʊ` and `əʊ` are both `oU`. A symbol outside the table is an
//! error naming it, never dropped.

/// (IPA after [`super::canonical`], mnemonic), longest IPA first where one is a prefix
/// of another.
const TABLE: &[(&str, &str)] = &[
    // Triphthongs and r-coloured vowels.
    ("aɪɚ", "aI3"),
    ("aɪə", "aI@"),
    ("aʊɚ", "aU3"),
    ("aʊə", "aU@"),
    ("ɪəɹ", "i@3"),
    ("ɛəɹ", "e@"),
    ("ʊəɹ", "U@"),
    ("ɑːɹ", "A@"),
    ("ɔːɹ", "O@"),
    ("oːɹ", "o@"),
    ("ɑɹ", "A@"),
    ("ɔɹ", "O@"),
    ("oɹ", "o@"),
    ("ɪɹ", "i@3"),
    ("ɛɹ", "e@"),
    ("eɹ", "e@"),
    ("ʊɹ", "U@"),
    ("ɪə", "i@"),
    ("ɛə", "e@"),
    ("eə", "e@"),
    ("ʊə", "U@"),
    // Diphthongs.
    ("eɪ", "eI"),
    ("aɪ", "aI"),
    ("ɑɪ", "aI"),
    ("ɔɪ", "OI"),
    ("oʊ", "oU"),
    ("əʊ", "oU"),
    ("aʊ", "aU"),
    // Long vowels.
    ("iː", "i:"),
    ("uː", "u:"),
    ("ɑː", "A:"),
    ("ɔː", "O:"),
    ("ɜː", "3:"),
    ("oː", "O:"),
    ("ɛː", "e@"),
    // Syllabic consonants (combining U+0329).
    ("l\u{329}", "@L"),
    ("ɫ\u{329}", "@L"),
    ("n\u{329}", "n-"),
    ("m\u{329}", "m-"),
    ("ɹ\u{329}", "3"),
    // Affricates.
    ("tʃ", "tS"),
    ("dʒ", "dZ"),
    // Short vowels.
    ("i", "i"),
    ("ɪ", "I"),
    ("ᵻ", "I#"),
    ("ɨ", "I#"),
    ("e", "E"),
    ("ɛ", "E"),
    ("æ", "a"),
    ("a", "a"),
    ("ɐ", "a#"),
    ("ɑ", "A:"),
    ("ɒ", "0"),
    ("ɔ", "O:"),
    ("o", "oU"),
    ("ʊ", "U"),
    ("u", "u:"),
    ("ʌ", "V"),
    ("ə", "@"),
    ("ɚ", "3"),
    ("ɜ", "3:"),
    // Consonants.
    ("p", "p"),
    ("b", "b"),
    ("t", "t"),
    ("d", "d"),
    ("k", "k"),
    ("ɡ", "g"),
    ("f", "f"),
    ("v", "v"),
    ("θ", "T"),
    ("ð", "D"),
    ("s", "s"),
    ("z", "z"),
    ("ʃ", "S"),
    ("ʒ", "Z"),
    ("h", "h"),
    ("m", "m"),
    ("n", "n"),
    ("ŋ", "N"),
    ("l", "l"),
    ("ɫ", "l"),
    ("ɹ", "r"),
    ("r", "r"),
    ("ɾ", "t#"),
    ("w", "w"),
    ("ʍ", "w"),
    ("j", "j"),
    ("ʔ", "?"),
    ("x", "x"),
    // Stress, length, word boundary; aspiration is not phonemic in English.
    ("ˈ", "'"),
    ("ˌ", ","),
    ("ː", ":"),
    ("ˑ", ""),
    ("ʰ", ""),
    (" ", " "),
];

/// Returns true if and only if espeak's voice `identifier` (e.g. `en-us`, `en`,
/// `gmw/en-GB-x-rp`) reads English, the one language [`to_mnemonics`] writes for.
pub fn is_english(identifier: &str) -> bool {
    let name = identifier.rsplit('/').next().unwrap_or(identifier);
    name == "en" || name.starts_with("en-") || name.starts_with("en_")
}

/// `ipa` (canonical, see [`super::canonical`]) in espeak's English mnemonics, or the
/// first symbol the table does not know.
pub fn to_mnemonics(ipa: &str) -> Result<String, char> {
    let mut out = String::with_capacity(ipa.len() * 2);
    let mut rest = ipa;
    while let Some(c) = rest.chars().next() {
        let Some((from, to)) = TABLE.iter().find(|(from, _)| rest.starts_with(from)) else {
            return Err(c);
        };
        out.push_str(to);
        rest = &rest[from.len()..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipa::canonical;

    fn convert(ipa: &str) -> Result<String, char> {
        to_mnemonics(&canonical(ipa))
    }

    #[test]
    fn english_words_convert_as_espeak_names_them() {
        // (IPA as espeak-ng 1.51 en-us prints it, its mnemonics as it prints them.)
        let cases = [
            ("həlˈoʊ", "h@l'oU"),
            ("bˈɜːd", "b'3:d"),
            ("fˈɑːðɚ", "f'A:D3"),
            ("θˈɔːt", "T'O:t"),
            ("kˈæt", "k'at"),
            ("kˈɑːɹ", "k'A@"),
            ("pˈʊɹ", "p'U@"),
            ("nˈɪɹ", "n'i@3"),
            ("skwˈɛɹ", "skw'e@"),
            ("fˈaɪɚ", "f'aI3"),
            ("ˈaʊɚ", "'aU3"),
            ("bˈʌʔn̩", "b'V?n-"),
            ("lˈɪɾəl", "l'It#@l"),
            ("wˈɔːɾɚ", "w'O:t#3"),
            ("tʃˈɜːtʃ", "tS'3:tS"),
            ("dʒˈʌdʒ", "dZ'VdZ"),
            ("sˈɪŋ", "s'IN"),
            ("mˈɛʒɚ", "m'EZ3"),
            ("ðˈɪs", "D'Is"),
            ("ɡˈoʊ", "g'oU"),
            ("bˈɔɪ", "b'OI"),
            ("hˈæpi", "h'api"),
            ("ɐbˈaʊt", "a#b'aUt"),
            ("ɹˈoʊzᵻz", "r'oUzI#z"),
            ("kjˈʊɹ", "kj'U@"),
            ("nˈɔːɹθ", "n'O@T"),
            ("fˈoːɹs", "f'o@s"),
            ("stɹˈʌt", "str'Vt"),
            ("fˈʊt", "f'Ut"),
            ("ɡˈuːs", "g'u:s"),
            ("flˈiːs", "fl'i:s"),
            ("fˈeɪs", "f'eIs"),
            ("pɹˈaɪs", "pr'aIs"),
            ("mˈaʊθ", "m'aUT"),
            ("jˈɛs", "j'Es"),
        ];
        for (ipa, mnemonics) in cases {
            assert_eq!(convert(ipa).as_deref(), Ok(mnemonics), "{ipa}");
        }
    }

    #[test]
    fn dictionary_conventions_are_accepted() {
        // Stress before the syllable, British vowels, ASCII length, ties, syllables.
        assert_eq!(convert("ˈwɪn").as_deref(), Ok("'wIn"));
        assert_eq!(convert("təˈmɑːtəʊ").as_deref(), Ok("t@'mA:toU"));
        assert_eq!(convert("ˈbɒt.l̩").as_deref(), Ok("'b0t@L"));
        assert_eq!(convert("ˈt͡ʃɝtʃ").as_deref(), Ok("'tS3:tS"));
        assert_eq!(convert("ˌnuː ˈjɔːk").as_deref(), Ok(",nu: 'jO:k"));
        assert_eq!(convert("ˈbɪə").as_deref(), Ok("'bi@"));
        assert_eq!(convert("ˈkʰæt").as_deref(), Ok("'kat"));
        assert_eq!(convert("ˈbʌtɹ̩").as_deref(), Ok("'bVt3"));
    }

    #[test]
    fn an_unknown_symbol_is_named() {
        assert_eq!(convert("kʁwasɑ̃"), Err('ʁ'));
        assert_eq!(convert("ɬ"), Err('ɬ'));
        assert_eq!(convert("a1"), Err('1'));
    }

    #[test]
    fn english_voices_are_recognised() {
        assert!(is_english("en-us"));
        assert!(is_english("gmw/en-GB-x-rp"));
        assert!(is_english("en"));
        assert!(!is_english("de"));
        assert!(!is_english("gmw/de"));
    }
}
