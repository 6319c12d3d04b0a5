//! The traps the issue names, through the public API, and the sentence-boundary
//! promise checked with a naive splitter like the one downstream.

use tts_normalize::{normalize, to_pieces, Lexicon, Options, Piece};

/// Splits after '.', '!' or '?' followed by whitespace, as a simple sentence splitter
/// does.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let at_end = matches!(b, b'.' | b'!' | b'?')
            && bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace());
        if at_end {
            out.push(text[start..=i].trim());
            start = i + 1;
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(text[start..].trim());
    }
    out
}

#[test]
fn the_traps_read_right() {
    for (input, want) in [
        (
            "Dr. Smith lives on Elm Dr.",
            "Doctor Smith lives on Elm Drive.",
        ),
        (
            "St. Louis is not Baker St.",
            "Saint Louis is not Baker Street.",
        ),
        (
            "Add 1/2 cup on 3/14.",
            "Add one half cup on March fourteenth.",
        ),
        (
            "Due 03/14/2026.",
            "Due March fourteenth, twenty twenty-six.",
        ),
        ("I read the book.", "I read the book."),
        ("It costs $5.", "It costs five dollars."),
        (
            "Pi is about 3.5 here.",
            "Pi is about three point five here.",
        ),
    ] {
        assert_eq!(normalize(input, "en-US"), want, "{input}");
    }
}

#[test]
fn abbreviations_and_decimals_add_no_sentence_boundary() {
    for (input, count) in [
        (
            "Dr. Smith paid $3.50 to Mr. Jones on St. Mary Ave. yesterday.",
            1,
        ),
        ("Prices rose 3.5% vs. last year, e.g. in Jan. and Feb.", 1),
        ("It costs $5. Dr. Smith agrees. Version 2.1 ships!", 3),
        ("We met at 9 a.m. and left at 5 p.m.", 1),
    ] {
        let out = normalize(input, "en-US");
        assert_eq!(sentences(&out).len(), count, "{input:?} → {out:?}");
    }
}

#[test]
fn other_languages_pass_through() {
    for (text, lang) in [
        ("Es kostet 5 € am 14.03.2026.", "de-DE"),
        ("価格は1,234円です。", "ja-JP"),
        ("Dr. Smith, $5", "xx"),
    ] {
        assert_eq!(normalize(text, lang), text);
    }
}

#[test]
fn korean_numbers_by_counter() {
    assert_eq!(
        normalize("₩5,000짜리 사과 3개, 2명, 5시 30분", "ko-KR"),
        "오천 원짜리 사과 세 개, 두 명, 다섯 시 삼십 분"
    );
}

#[test]
fn plain_text_pieces_apply_the_lexicon_then_normalise() {
    let lex = Lexicon::parse("nginx\tengine x\n").unwrap();
    let opts = Options {
        normalize: true,
        lexicon: Some(&lex),
    };
    assert_eq!(
        to_pieces("  nginx costs $5.\n", "en", &opts),
        vec![Piece::Text {
            text: "engine x costs five dollars.".to_string(),
            rate: None
        }]
    );
    assert!(to_pieces("  ", "en", &opts).is_empty());
}
