//! Every rejection of `POST /v1/tts/sessions`, with its exact status and a message that
//! names what was wrong.

use crate::helpers::{body, spawn_app, spawn_with};
use serde_json::{json, Value};
use tts_gateway::Components;

async fn detail_of(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    (
        status,
        resp.json::<Value>().await.unwrap()["detail"].clone(),
    )
}

/// The field names a 422 detail list mentions.
fn fields(detail: &Value) -> Vec<String> {
    detail
        .as_array()
        .expect("422 detail is a list")
        .iter()
        .map(|e| e["loc"][1].to_string().replace('"', ""))
        .collect()
}

#[tokio::test]
async fn schema_errors_answer_422_naming_the_field() {
    let app = spawn_app().await;
    let mut missing = body("hi", "pcm16", 16000);
    missing.as_object_mut().unwrap().remove("voice");
    let cases: Vec<(Value, &str)> = vec![
        (missing, "voice"),
        (
            json!({"provider": 5, "voice": "en-US-mock-1", "text": "hi", "target_format": "pcm16", "sample_rate_hz": 16000}),
            "provider",
        ),
        (body("hi", "vorbis", 16000), "target_format"),
        (body("hi", "pcm16", 0), "sample_rate_hz"),
        (
            json!({"provider": "mock_tone", "voice": "en-US-mock-1", "text": "hi", "target_format": "pcm16", "sample_rate_hz": -8000}),
            "sample_rate_hz",
        ),
        (
            json!({"provider": "mock_tone", "voice": "en-US-mock-1", "text": "hi", "target_format": "pcm16", "sample_rate_hz": "fast"}),
            "sample_rate_hz",
        ),
        (body("", "pcm16", 16000), "text"),
        (
            json!({"provider": "mock_tone", "voice": "en-US-mock-1", "text": "hi", "target_format": "pcm16", "sample_rate_hz": 16000, "speed": 40}),
            "speed",
        ),
    ];
    for (b, field) in cases {
        let (status, detail) = detail_of(app.post_session(&b).await).await;
        assert_eq!(status, 422, "{b}");
        assert!(
            fields(&detail).contains(&field.to_string()),
            "{b} → {detail}"
        );
        assert!(detail[0]["msg"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_answers_422() {
    let app = spawn_app().await;
    for raw in ["{not json", "[1,2]", ""] {
        let resp = app
            .client
            .post(app.url("/v1/tts/sessions"))
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{raw:?}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["detail"][0]["loc"][0], "body");
    }
}

#[tokio::test]
async fn semantic_errors_answer_400_saying_what_to_fix() {
    let app = spawn_app().await;
    let mut unknown_provider = body("hi", "pcm16", 16000);
    unknown_provider["provider"] = json!("acme");
    let mut unknown_voice = body("hi", "pcm16", 16000);
    unknown_voice["voice"] = json!("en-US-nobody");
    let mut wrong_language = body("hi", "pcm16", 16000);
    wrong_language["language"] = json!("fr-fr");
    let mut lowercase_language = body("hi", "pcm16", 16000);
    lowercase_language["language"] = json!("en-us");
    let cases: Vec<(Value, &str)> = vec![
        (unknown_provider, "unknown provider \"acme\""),
        (unknown_voice, "not offered by provider"),
        (wrong_language, "\"fr-FR\" does not match"),
        (body("   \n\t ", "pcm16", 16000), "empty after trimming"),
        (body("hi", "pcm16", 4000), "sample_rate_hz"),
        (body("hi", "opus", 44100), "sample_rate_hz"),
        (
            json!({"provider": "mock_tone", "voice": "en-US-mock-1", "text": "hi", "target_format": "mp3",
                "sample_rate_hz": 16000, "bitrate_kbps": 320}),
            "bitrate_kbps 320 is not supported for mp3 at 16000 Hz",
        ),
    ];
    for (b, needle) in cases {
        let (status, detail) = detail_of(app.post_session(&b).await).await;
        assert_eq!(status, 400, "{b} → {detail}");
        assert!(detail.as_str().unwrap().contains(needle), "{b} → {detail}");
    }
    assert_eq!(app.post_session(&lowercase_language).await.status(), 201);
}

#[tokio::test]
async fn text_and_body_limits_are_enforced_with_clear_errors() {
    let app = spawn_with(
        |s| {
            s.max_text_chars = 10;
            s.max_body_bytes = 1024;
        },
        Components::default(),
    )
    .await;
    let (status, detail) = detail_of(
        app.post_session(&body("eleven chars", "pcm16", 16000))
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(detail[0]["type"], "string_too_long");
    assert!(detail[0]["msg"]
        .as_str()
        .unwrap()
        .contains("at most 10 characters"));

    let (status, detail) = detail_of(
        app.post_session(&body(&"x".repeat(5000), "pcm16", 16000))
            .await,
    )
    .await;
    assert_eq!(status, 413);
    assert!(detail.as_str().unwrap().contains("1024 bytes"), "{detail}");
    // The server is still fine afterwards.
    assert_eq!(
        app.post_session(&body("ok", "pcm16", 16000)).await.status(),
        201
    );
}

#[tokio::test]
async fn unknown_sessions_answer_404() {
    let app = spawn_app().await;
    for id in ["00000000-0000-0000-0000-000000000000", "not-a-uuid"] {
        let resp = app.get(&format!("/v1/tts/sessions/{id}/file")).await;
        assert_eq!(resp.status(), 404);
        let v: Value = resp.json().await.unwrap();
        assert!(v["detail"].as_str().unwrap().contains("not found"));
    }
}
