//! Phoneme input (SSML `<phoneme>`, IPA lexicon entries) spoken by the real engines,
//! Piper and espeak, and by mock_tone; unknown symbols refused before any audio.

use crate::engines::{engines, first_voice, rms, spawn_engines};
use crate::helpers::{body, spawn_app, spawn_with, TestApp};
use serde_json::{json, Value};
use tts_gateway::Components;

/// A long IPA word for a short written one: if the engine says the phonemes, the audio
/// is much longer than the word as spelled, whatever the voice's random variation.
const LONG_IPA: &str = "ˌsuːpɚkˌælɪfɹˌædʒəlˌɪstɪkˌɛkspiːˌælɪdˈoʊʃəs";

/// Seconds of audio and its level for `text` (plain or SSML) said by `voice`.
async fn say(app: &TestApp, voice: &Value, text: &str, lexicon: Option<Value>) -> (f64, f64) {
    let rate = voice["sample_rate_hz"].as_u64().unwrap() as u32;
    let mut b = json!({"provider": voice["provider"], "voice": voice["id"], "text": text,
                       "target_format": "pcm16", "sample_rate_hz": rate});
    if let Some(lexicon) = lexicon {
        b["lexicon"] = lexicon;
    }
    let (id, _) = app.create(&b).await;
    let s = app.stream(&id).await;
    assert!(s.is_eos(), "{}: {:?}", voice["provider"], s.last);
    let samples = s.samples();
    (samples.len() as f64 / f64::from(rate), rms(&samples))
}

/// The real engines' English voices.
async fn voices(app: &TestApp) -> Vec<Value> {
    let mut out = Vec::new();
    for query in ["provider=piper", "provider=espeak&language=en-US"] {
        out.push(first_voice(app, query).await);
    }
    out
}

#[tokio::test]
async fn piper_and_espeak_say_an_ssml_phoneme_span_inside_its_sentence() {
    let app = spawn_engines(1).await;
    for voice in voices(&app).await {
        let provider = voice["provider"].clone();
        let (plain, _) = say(&app, &voice, "I saw a cat today.", None).await;
        let ssml = format!(
            "<speak>I saw a <phoneme alphabet=\"ipa\" ph=\"{LONG_IPA}\">cat</phoneme> today.</speak>"
        );
        let (said, level) = say(&app, &voice, &ssml, None).await;
        assert!(
            said > plain + 1.0,
            "{provider}: {said:.2} s with the phonemes, {plain:.2} s as spelled"
        );
        assert!(level > 300.0, "{provider}: rms {level:.0}");
    }
}

#[tokio::test]
async fn piper_and_espeak_say_ipa_lexicon_entries_from_the_request_and_the_file() {
    let file = std::env::temp_dir().join(format!("ipa-lexicon-{}.txt", std::process::id()));
    std::fs::write(&file, format!("cat\t/{LONG_IPA}/\n")).unwrap();
    let app = spawn_with(
        |s| {
            s.providers = engines(1);
            s.lexicon_file = Some(file.clone());
        },
        Components::default(),
    )
    .await;
    for voice in voices(&app).await {
        let provider = voice["provider"].clone();
        let (plain, _) = say(&app, &voice, "I saw a dog today.", None).await;
        let (from_file, _) = say(&app, &voice, "I saw a cat today.", None).await;
        let lexicon = json!({ "dog": format!("/{LONG_IPA}/") });
        let (from_request, level) = say(&app, &voice, "I saw a dog today.", Some(lexicon)).await;
        for (what, secs) in [("file", from_file), ("request", from_request)] {
            assert!(
                secs > plain + 1.0,
                "{provider}, {what} lexicon: {secs:.2} s, {plain:.2} s as spelled"
            );
        }
        assert!(level > 300.0, "{provider}: rms {level:.0}");
    }
    let _ = std::fs::remove_file(file);
}

/// The `detail` of a refused session.
async fn refusal(app: &TestApp, b: &Value) -> String {
    let resp = app.post_session(b).await;
    assert_eq!(resp.status(), 400);
    resp.json::<Value>().await.unwrap()["detail"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn an_unknown_ipa_symbol_is_a_400_naming_the_symbol_and_the_voice() {
    let app = spawn_engines(1).await;
    for voice in voices(&app).await {
        let ssml = "<speak>Say <phoneme ph=\"ma˥\">ma</phoneme>.</speak>";
        let b = json!({"provider": voice["provider"], "voice": voice["id"], "text": ssml,
                       "target_format": "pcm16", "sample_rate_hz": voice["sample_rate_hz"]});
        let detail = refusal(&app, &b).await;
        let id = voice["id"].as_str().unwrap();
        assert!(
            detail.contains('˥') && detail.contains(id),
            "{}: {detail}",
            voice["provider"]
        );
        // The same from a lexicon entry.
        let mut b = b.clone();
        b["text"] = json!("Say ma.");
        b["lexicon"] = json!({"ma": "/ma˥/"});
        let detail = refusal(&app, &b).await;
        assert!(detail.contains('˥') && detail.contains(id), "{detail}");
    }
    // espeak converts IPA only for English voices, and says so.
    let german = first_voice(&app, "provider=espeak&language=de").await;
    let b = json!({"provider": "espeak", "voice": german["id"], "target_format": "pcm16",
                   "text": "<speak><phoneme ph=\"ja\">ja</phoneme></speak>",
                   "sample_rate_hz": german["sample_rate_hz"]});
    let detail = refusal(&app, &b).await;
    assert!(detail.contains("only for English voices"), "{detail}");
}

/// The timed words of a session, as (word, text_start, text_end).
async fn timed_words(app: &TestApp, b: &Value) -> Vec<(String, u64, u64)> {
    let (id, _) = app.create(b).await;
    app.timed_words(&id)
        .await
        .iter()
        .map(|w| {
            (
                w["word"].as_str().unwrap().to_string(),
                w["text_start"].as_u64().unwrap(),
                w["text_end"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_phoneme_span_is_timed_as_the_written_word_it_replaces() {
    let text = "Hi Nguyen there";
    let lexicon = json!({"Nguyen": "/wɪn/"});
    let expected: Vec<(String, u64, u64)> = [("Hi", 0, 2), ("Nguyen", 3, 9), ("there", 10, 15)]
        .iter()
        .map(|&(w, a, b)| (w.to_string(), a, b))
        .collect();
    // mock_tone sounds the IPA, one tone a symbol.
    let app = spawn_app().await;
    let mut b = body(text, "pcm16", 16_000);
    b["word_timestamps"] = json!(true);
    b["lexicon"] = lexicon.clone();
    assert_eq!(timed_words(&app, &b).await, expected);
    // And the real engines.
    let app = spawn_engines(1).await;
    for voice in voices(&app).await {
        let b = json!({"provider": voice["provider"], "voice": voice["id"], "text": text,
                       "target_format": "pcm16", "sample_rate_hz": voice["sample_rate_hz"],
                       "word_timestamps": true, "lexicon": lexicon});
        assert_eq!(
            timed_words(&app, &b).await,
            expected,
            "{}",
            voice["provider"]
        );
    }
}

#[tokio::test]
async fn mock_tone_sounds_one_tone_per_ipa_symbol() {
    let app = spawn_app().await;
    let (id, _) = app
        .create(&body(
            "<speak>A <phoneme ph=\"wɪn\">Nguyen</phoneme></speak>",
            "pcm16",
            16_000,
        ))
        .await;
    // "A wɪn": 5 characters of 100 ms at 16 kHz.
    assert_eq!(app.stream(&id).await.samples().len(), 5 * 1600);
}
