//! Tests of lexicon parsing, matching and merging.

use super::*;

fn text(t: &str) -> Piece {
    Piece::Text {
        text: t.to_string(),
        rate: None,
    }
}

fn ipa(t: &str, written: &str) -> Piece {
    Piece::Phonemes {
        ipa: t.to_string(),
        text: written.to_string(),
        rate: None,
    }
}

const SRC: &str = "# pronunciations\n\nnginx\tengine x\nSQL\t\tsequel\nNew York Times\tthe Times\nnew\tneu\nNguyen\t/wɪn/\n";

#[test]
fn parses_the_file_format() {
    let lex = Lexicon::parse(SRC).unwrap();
    assert_eq!(lex.len(), 5);
    assert!(Lexicon::parse("").unwrap().is_empty());
}

#[test]
fn lowercase_entries_ignore_case_and_capitalised_ones_are_exact() {
    let lex = Lexicon::parse(SRC).unwrap();
    assert_eq!(
        lex.apply("NGINX, nginx and Nginx."),
        vec![text("engine x, engine x and engine x.")]
    );
    assert_eq!(lex.apply("SQL or sql"), vec![text("sequel or sql")]);
}

#[test]
fn phrases_win_over_words_and_need_plain_spaces() {
    let lex = Lexicon::parse(SRC).unwrap();
    assert_eq!(
        lex.apply("the New York Times says"),
        vec![text("the the Times says")]
    );
    assert_eq!(lex.apply("New, York Times"), vec![text("neu, York Times")]);
}

#[test]
fn ipa_entries_become_phoneme_pieces() {
    let lex = Lexicon::parse(SRC).unwrap();
    assert_eq!(
        lex.apply("Ask Nguyen now."),
        vec![text("Ask "), ipa("wɪn", "Nguyen"), text(" now.")]
    );
    assert_eq!(lex.apply("Nguyen"), vec![ipa("wɪn", "Nguyen")]);
    assert_eq!(lex.apply("   "), vec![]);
    let lex = Lexicon::parse("New York\t/nuː jɔːk/\n").unwrap();
    assert_eq!(
        lex.apply("in New York."),
        vec![text("in "), ipa("nuː jɔːk", "New York"), text(".")]
    );
}

#[test]
fn request_entries_override_the_file() {
    let lex = Lexicon::parse(SRC).unwrap();
    let merged = lex
        .merged([("nginx", "N G I N X"), ("tomato", "/təˈmɑːtoʊ/")])
        .unwrap();
    assert_eq!(merged.len(), 6);
    assert_eq!(merged.apply("nginx"), vec![text("N G I N X")]);
    assert_eq!(lex.apply("nginx"), vec![text("engine x")]);
}

#[test]
fn bad_lines_are_named() {
    for (src, line, problem) in [
        ("ok\tfine\nno tab here\n", 2, LineProblem::NoTab),
        ("\tx\n", 1, LineProblem::EmptyWord),
        ("word\t\n", 1, LineProblem::EmptyReplacement),
        ("word\t//\n", 1, LineProblem::EmptyReplacement),
        (
            "word,\tx\n",
            1,
            LineProblem::EdgePunctuation("word,".to_string()),
        ),
    ] {
        match Lexicon::parse(src) {
            Err(LexiconError::Line {
                line: l,
                problem: p,
            }) => {
                assert_eq!((l, p), (line, problem), "{src:?}")
            }
            other => panic!("{src:?}: {other:?}"),
        }
    }
    let e = Lexicon::from_pairs([("a", "b"), ("", "c")]).unwrap_err();
    assert_eq!(e.to_string(), "lexicon entry 2: the word is empty");
}

#[test]
fn a_lexicon_file_reloads_when_it_changes() {
    let dir = std::env::temp_dir().join(format!("tts-normalize-lex-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("lexicon.tsv");
    std::fs::write(&path, "nginx\tengine x\n").unwrap();
    let file = LexiconFile::open(&path)
        .unwrap()
        .with_check_interval(std::time::Duration::ZERO);
    assert_eq!(file.current().apply("nginx"), vec![text("engine x")]);

    std::fs::write(&path, "nginx\tengine ex\n").unwrap();
    assert_eq!(file.current().apply("nginx"), vec![text("engine ex")]);

    // A broken edit keeps the last good lexicon and says why.
    std::fs::write(&path, "nginx but no tab\n").unwrap();
    assert_eq!(file.current().apply("nginx"), vec![text("engine ex")]);
    let err = file.last_error().expect("the failed reload is reported");
    assert!(err.to_string().contains("lexicon.tsv"), "{err}");

    std::fs::remove_dir_all(&dir).unwrap();
    assert!(LexiconFile::open(&path).is_err());
}

#[test]
fn a_lexicon_file_is_not_looked_at_within_the_interval() {
    let dir = std::env::temp_dir().join(format!("tts-normalize-lex2-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("lexicon.tsv");
    std::fs::write(&path, "a\tb\n").unwrap();
    let file = LexiconFile::open(&path).unwrap();
    std::fs::write(&path, "a\tccc\n").unwrap();
    assert_eq!(file.current().apply("a"), vec![text("b")]);
    std::fs::remove_dir_all(&dir).unwrap();
}
