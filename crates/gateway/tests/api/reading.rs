//! Text normalisation, SSML and lexicons through the pipeline: what reaches the engine.

use crate::doubles::{double_body, spawn_double, Behaviour, Double};
use crate::helpers::{body, spawn_app};
use serde_json::{json, Value};

/// mock_tone speaks 100 ms (1 600 samples at 16 kHz) a character: the audio's length says
/// exactly how many characters the engine was given.
const PER_CHAR: usize = 1600;

#[tokio::test]
async fn numbers_and_money_reach_the_engine_as_words_unless_normalisation_is_off() {
    let app = spawn_app().await;
    let text = "It costs $3.50.";
    let (id, _) = app.create(&body(text, "pcm16", 16_000)).await;
    let spoken = "It costs three dollars and fifty cents.";
    assert_eq!(
        app.stream(&id).await.samples().len(),
        spoken.chars().count() * PER_CHAR
    );
    let mut raw = body(text, "pcm16", 16_000);
    raw["normalize"] = json!(false);
    let (id, _) = app.create(&raw).await;
    assert_eq!(
        app.stream(&id).await.samples().len(),
        text.chars().count() * PER_CHAR
    );
}

#[tokio::test]
async fn the_engine_gets_normalised_text() {
    let recorder = Double::new("rec", Behaviour::Record);
    let app = spawn_double(&recorder, |_| {}).await;
    let mut b = double_body("rec");
    b["text"] = json!("Dr. Smith paid $3.50 on 03/14/2026.");
    let (id, _) = app.create(&b).await;
    assert!(app.stream(&id).await.is_eos());
    assert_eq!(
        recorder.texts(),
        ["Doctor Smith paid three dollars and fifty cents on March fourteenth, twenty twenty-six."]
    );
}

#[tokio::test]
async fn an_ssml_break_is_real_silence_of_its_length() {
    let app = spawn_app().await;
    let ssml = r#"<speak>Hi<break time="500ms"/>you</speak>"#;
    let (id, _) = app.create(&body(ssml, "pcm16", 16_000)).await;
    let samples = app.stream(&id).await.samples();
    assert_eq!(samples.len(), 5 * PER_CHAR + 8000);
    let longest = samples.split(|&s| s != 0).map(<[i16]>::len).max().unwrap();
    // mock_tone ends each character with 20 ms of silence; the break adds 500 ms.
    let ms = longest as f64 / 16.0 - 20.0;
    assert!((480.0..=520.0).contains(&ms), "{ms} ms");
}

#[tokio::test]
async fn say_as_characters_spells_out_and_sub_replaces() {
    let recorder = Double::new("rec", Behaviour::Record);
    let app = spawn_double(&recorder, |_| {}).await;
    let mut b = double_body("rec");
    b["text"] = json!(
        r#"<speak>Code <say-as interpret-as="characters">AB7</say-as>, <sub alias="World Wide Web Consortium">W3C</sub>.</speak>"#
    );
    let (id, _) = app.create(&b).await;
    assert!(app.stream(&id).await.is_eos());
    let said = recorder.texts().join(" ");
    assert!(said.contains("A B seven"), "{said}");
    assert!(said.contains("World Wide Web Consortium"), "{said}");
    assert!(!said.contains("W3C"), "{said}");
}

#[tokio::test]
async fn malformed_ssml_is_refused_with_its_position() {
    let app = spawn_app().await;
    let resp = app
        .post_session(&body(
            "<speak>Hello <break time=\"x\"/></speak>",
            "pcm16",
            16_000,
        ))
        .await;
    assert_eq!(resp.status(), 400);
    let detail = resp.json::<Value>().await.unwrap()["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        detail.contains("invalid SSML") && detail.contains("line 1, column 14"),
        "{detail}"
    );
    let resp = app
        .post_session(&body("<speak>Hello <b>there</speak>", "pcm16", 16_000))
        .await;
    assert_eq!(resp.status(), 400, "{}", resp.text().await.unwrap());
}

#[tokio::test]
async fn a_request_lexicon_changes_how_a_word_is_said() {
    let recorder = Double::new("rec", Behaviour::Record);
    let app = spawn_double(&recorder, |_| {}).await;
    let mut b = double_body("rec");
    b["text"] = json!("Welcome to Acmeco.");
    b["lexicon"] = json!({"Acmeco": "Acme Co"});
    let (id, _) = app.create(&b).await;
    assert!(app.stream(&id).await.is_eos());
    assert_eq!(recorder.texts(), ["Welcome to Acme Co."]);
}

#[tokio::test]
async fn the_normalize_endpoint_shows_what_will_be_said() {
    let app = spawn_app().await;
    let v: Value = app
        .client
        .post(app.url("/v1/tts/normalize"))
        .json(&json!({"text": "Call 1-800-555-0199. It's 50% off!", "voice": "en-US-mock-1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = v["text"].as_str().unwrap();
    assert!(text.contains("fifty percent off"), "{v}");
    assert!(!text.contains('%') && !text.contains("1-800"), "{v}");
    let segments = v["segments"].as_array().unwrap();
    assert_eq!(segments.last().unwrap(), "It's fifty percent off!", "{v}");
    assert_eq!(v["language"], "en-US");
}

#[tokio::test]
async fn word_timings_name_the_written_token_a_rewritten_run_was_said_for() {
    let app = spawn_app().await;
    let mut b = body("Pay $3.50 now", "pcm16", 16_000);
    b["word_timestamps"] = json!(true);
    let (id, _) = app.create(&b).await;
    let words = app.timed_words(&id).await;
    let names: Vec<&str> = words.iter().map(|w| w["word"].as_str().unwrap()).collect();
    assert_eq!(names, ["Pay", "$3.50", "now"]);
    let money = &words[1];
    assert_eq!(
        (money["text_start"].as_u64(), money["text_end"].as_u64()),
        (Some(4), Some(9))
    );
    // "three dollars and fifty cents" is spoken for it: 29 characters of 100 ms.
    let span = money["end_ms"].as_f64().unwrap() - money["start_ms"].as_f64().unwrap();
    assert!(span > 2500.0, "{money}");
}
