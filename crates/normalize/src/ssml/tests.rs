//! Tests of the SSML subset: what each element yields, and the errors.

use super::*;

fn parse(ssml: &str) -> Vec<Piece> {
    parse_ssml(ssml, "en-US", &Options::default()).unwrap()
}

fn text(t: &str) -> Piece {
    Piece::Text {
        text: t.to_string(),
        rate: None,
    }
}

fn error(ssml: &str) -> SsmlError {
    parse_ssml(ssml, "en-US", &Options::default()).unwrap_err()
}

#[test]
fn recognises_a_leading_speak_tag() {
    assert!(looks_like_ssml("<speak>Hi</speak>"));
    assert!(looks_like_ssml("  \n<speak version=\"1.1\">Hi</speak>"));
    assert!(looks_like_ssml("<?xml version=\"1.0\"?>\n<speak/>"));
    assert!(!looks_like_ssml("Hello <speak>"));
    assert!(!looks_like_ssml("<speaker>"));
}

#[test]
fn plain_text_is_normalised() {
    assert_eq!(
        parse("<speak>Dr. Smith paid $5.</speak>"),
        vec![text("Doctor Smith paid five dollars.")]
    );
}

#[test]
fn sentences_paragraphs_and_breaks() {
    let got = parse(
        "<speak>\n  <p>\n    <s>First one.</s>\n    <s>Second <break time=\"500ms\"/> one.</s>\n  </p>\n  <break strength=\"strong\"/><break/><break time=\"1.5s\"></break>\n</speak>",
    );
    assert_eq!(
        got,
        vec![
            text("First one."),
            Piece::SentenceEnd,
            text("Second"),
            Piece::Break { ms: 500 },
            text("one."),
            Piece::SentenceEnd,
            Piece::ParagraphEnd,
            Piece::Break { ms: 700 },
            Piece::Break { ms: 400 },
            Piece::Break { ms: 1500 },
        ]
    );
}

#[test]
fn say_as_sub_and_phoneme_are_final() {
    let got = parse(
        "<speak>Call <say-as interpret-as=\"telephone\">555-0199</say-as> or spell \
         <say-as interpret-as=\"characters\">abc</say-as>. \
         <sub alias=\"World Wide Web Consortium\">W3C</sub> says \
         <phoneme alphabet=\"ipa\" ph=\"təˈmeɪtoʊ\">tomato</phoneme>.</speak>",
    );
    assert_eq!(
        got,
        vec![
            text("Call five five five, zero one nine nine or spell A B C. World Wide Web Consortium says"),
            Piece::Phonemes {
                ipa: "təˈmeɪtoʊ".to_string(),
                text: "tomato".to_string(),
                rate: None
            },
            text("."),
        ]
    );
}

#[test]
fn say_as_date_with_format() {
    assert_eq!(
        parse("<speak><say-as interpret-as=\"date\" format=\"dmy\">01/02/2026</say-as></speak>"),
        vec![text("February first, twenty twenty-six")]
    );
}

#[test]
fn prosody_sets_and_nests_the_rate() {
    let got = parse(
        "<speak>a <prosody rate=\"slow\">b <prosody rate=\"200%\">c</prosody></prosody> \
         <prosody rate=\"0.8\"><emphasis level=\"strong\">d</emphasis></prosody></speak>",
    );
    let at = |t: &str, r: f32| Piece::Text {
        text: t.to_string(),
        rate: Some(r),
    };
    assert_eq!(
        got,
        vec![text("a"), at("b", 0.75), at("c", 1.5), at("d", 0.8)]
    );
}

#[test]
fn emphasis_does_not_split_a_phrase() {
    assert_eq!(
        parse("<speak>Dr. <emphasis>Smith</emphasis> is in.</speak>"),
        vec![text("Doctor Smith is in.")]
    );
}

#[test]
fn entities_and_cdata() {
    assert_eq!(
        parse("<speak>R&amp;D &#65; <![CDATA[a < b]]></speak>"),
        vec![text("R and D A a less than b")]
    );
}

#[test]
fn speak_language_overrides_the_request() {
    assert_eq!(
        parse("<speak xml:lang=\"ko-KR\">사과 3개</speak>"),
        vec![text("사과 세 개")]
    );
}

#[test]
fn normalisation_can_be_turned_off() {
    let opts = Options {
        normalize: false,
        lexicon: None,
    };
    assert_eq!(
        parse_ssml("<speak>Dr. Smith, $5</speak>", "en", &opts).unwrap(),
        vec![text("Dr. Smith, $5")]
    );
}

#[test]
fn the_lexicon_applies_inside_ssml() {
    let lex = Lexicon::parse("nginx\tengine x\ntomato\t/təˈmɑːtoʊ/\n").unwrap();
    let opts = Options {
        normalize: true,
        lexicon: Some(&lex),
    };
    assert_eq!(
        parse_ssml(
            "<speak><prosody rate=\"fast\">Nginx and tomato</prosody></speak>",
            "en",
            &opts
        )
        .unwrap(),
        vec![
            Piece::Text {
                text: "engine x and".to_string(),
                rate: Some(1.25)
            },
            Piece::Phonemes {
                ipa: "təˈmɑːtoʊ".to_string(),
                text: "tomato".to_string(),
                rate: Some(1.25)
            },
        ]
    );
}

#[test]
fn errors_name_the_problem_and_its_position() {
    let cases: &[(&str, &str, usize, (usize, usize))] = &[
        (
            "<speak>\n  <voice name=\"x\">hi</voice></speak>",
            "unknown element <voice>",
            10,
            (2, 3),
        ),
        (
            "<speak><say-as interpret-as=\"foo\">1</say-as></speak>",
            "interpret-as=\"foo\"",
            7,
            (1, 8),
        ),
        (
            "<speak><break time=\"fast\"/></speak>",
            "<break time=\"fast\">",
            7,
            (1, 8),
        ),
        (
            "<speak><break time=\"11s\"/></speak>",
            "at most 10s",
            7,
            (1, 8),
        ),
        (
            "<speak><break strength=\"huge\"/></speak>",
            "x-strong",
            7,
            (1, 8),
        ),
        (
            "<speak><prosody rate=\"9\">a</prosody></speak>",
            "<prosody rate=\"9\">",
            7,
            (1, 8),
        ),
        (
            "<speak><prosody pace=\"1\">a</prosody></speak>",
            "does not take the attribute \"pace\"",
            7,
            (1, 8),
        ),
        (
            "<speak><sub>x</sub></speak>",
            "<sub> needs the attribute \"alias\"",
            7,
            (1, 8),
        ),
        (
            "<speak><phoneme alphabet=\"x-sampa\" ph=\"a\">a</phoneme></speak>",
            "expected ipa",
            7,
            (1, 8),
        ),
        (
            "<speak><say-as interpret-as=\"digits\">1<s>2</s></say-as></speak>",
            "<say-as> may contain only text, not <s>",
            38,
            (1, 39),
        ),
        ("<speak>a</speak> b", "text outside <speak>", 17, (1, 18)),
        ("hello <speak>a</speak>", "text outside <speak>", 0, (1, 1)),
        ("<p>a</p>", "must be one <speak>", 0, (1, 1)),
        ("<speak><speak>a</speak></speak>", "only once", 7, (1, 8)),
        (
            "<speak>a &nbsp; b</speak>",
            "unknown entity &nbsp;",
            9,
            (1, 10),
        ),
        ("<speak><s>a</speak>", "malformed XML", 11, (1, 12)),
        ("<speak><s>a", "<s> is never closed", 11, (1, 12)),
        ("", "must be one <speak>", 0, (1, 1)),
    ];
    for (input, message, offset, (line, column)) in cases {
        let e = error(input);
        let shown = e.to_string();
        assert!(shown.contains(message), "{input:?}: {shown}");
        assert_eq!(
            (e.offset, e.line, e.column),
            (*offset, *line, *column),
            "{input:?}: {shown}"
        );
        assert!(
            shown.contains(&format!("line {line}, column {column}")),
            "{shown}"
        );
    }
}

#[test]
fn pieces_serialise_with_a_type_tag() {
    let json = serde_json::to_string(&parse("<speak>Hi<break time=\"1s\"/></speak>")).unwrap();
    assert_eq!(
        json,
        r#"[{"type":"text","text":"Hi","rate":null},{"type":"break","ms":1000}]"#
    );
}
