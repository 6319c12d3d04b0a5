//! Properties over arbitrary input: the normaliser and the SSML parser never panic,
//! and every SSML error names a problem at a position inside the input.

use proptest::prelude::*;
use tts_normalize::{normalize, parse_ssml, Lexicon, Options};

/// Text that looks like what the rules care about: digits, currency, punctuation,
/// abbreviations, Hangul and markup, mixed with arbitrary characters.
fn texty() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "$",
        "€",
        "₩",
        "1",
        "0",
        "12",
        "1,234",
        "3.5",
        "-",
        "–",
        "/",
        ":",
        ".",
        ",",
        "%",
        "°C",
        "km",
        "am",
        "p.m.",
        "Dr.",
        "St.",
        "Henry",
        "VIII",
        "I",
        "#",
        "@",
        "&",
        "+",
        "=",
        "(",
        ")",
        " ",
        " ",
        "\n",
        "March",
        "14th",
        "개",
        "시",
        "분",
        "원",
        "v2.1",
        "x",
        "<",
        ">",
        "&amp;",
        "e.g.",
        "555-0199",
        "+1",
        "2026-03-14",
    ]);
    let piece = prop_oneof![
        4 => atoms.prop_map(str::to_string),
        1 => any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

/// Markup-shaped strings: fragments of valid and invalid SSML.
fn markup() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "<speak>",
        "</speak>",
        "<s>",
        "</s>",
        "<p>",
        "</p>",
        "<break time=\"500ms\"/>",
        "<break strength=\"x\"/>",
        "<say-as interpret-as=\"cardinal\">",
        "</say-as>",
        "<say-as interpret-as=\"date\" format=\"dmy\">",
        "<sub alias=\"a\">",
        "</sub>",
        "<phoneme ph=\"a\">",
        "</phoneme>",
        "<prosody rate=\"slow\">",
        "</prosody>",
        "<emphasis>",
        "</emphasis>",
        "<voice>",
        "<",
        ">",
        "&",
        "&#0;",
        "&lt;",
        "\"",
        "/",
        "12/03/2026",
        "$5",
        "Dr. Smith",
        " ",
        "\n",
        "<!-- c -->",
        "<![CDATA[x]]>",
        "<?xml ?>",
    ]);
    let piece = prop_oneof![
        5 => atoms.prop_map(str::to_string),
        1 => any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(piece, 0..20).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn normalize_never_panics(text in prop_oneof![texty(), any::<String>()]) {
        for lang in ["en-US", "ko-KR", "de-DE", "ja-JP", ""] {
            let _ = normalize(&text, lang);
        }
    }

    #[test]
    fn other_languages_pass_through_unchanged(text in any::<String>()) {
        prop_assert_eq!(normalize(&text, "de-DE"), text.clone());
        prop_assert_eq!(normalize(&text, "ja-JP"), text);
    }

    #[test]
    fn ssml_errors_are_positioned_and_explained(ssml in prop_oneof![markup(), any::<String>()]) {
        let lex = Lexicon::parse("dr\tdoctor\nsmith\t/smɪθ/\n").unwrap();
        for opts in [Options::default(), Options { normalize: true, lexicon: Some(&lex) }] {
            for lang in ["en-US", "ko-KR", "fr-FR"] {
                if let Err(e) = parse_ssml(&ssml, lang, &opts) {
                    prop_assert!(!e.to_string().is_empty());
                    prop_assert!(!e.kind.to_string().is_empty());
                    prop_assert!(e.offset <= ssml.len(), "{} beyond {}", e.offset, ssml.len());
                    prop_assert!(ssml.is_char_boundary(e.offset));
                    prop_assert!(e.line >= 1 && e.column >= 1);
                }
            }
        }
    }

    #[test]
    fn wrapped_text_never_panics(text in texty()) {
        let ssml = format!("<speak>{text}</speak>");
        let _ = parse_ssml(&ssml, "en-US", &Options::default());
    }
}

/// Found by the property above: the reader skips a byte-order mark by bytes, and the
/// error's position was sliced from inside it.
#[test]
fn an_ssml_error_after_a_byte_order_mark_is_positioned_on_a_character() {
    let ssml = "\u{feff} <s>";
    let e = parse_ssml(ssml, "en-US", &Options::default()).unwrap_err();
    assert!(ssml.is_char_boundary(e.offset), "offset {}", e.offset);
}
