//! ElevenLabs' sockets at the wire level: the official SDK's socket helper cannot reach a
//! gateway over plain HTTP (it always uses wss), and it has no multi-context client.

use crate::helpers::{spawn_app, spawn_with, TestApp};
use crate::sockets::{Frame, Sock};
use base64::Engine;
use serde_json::{json, Value};

const PATH: &str = "/elevenlabs/v1/text-to-speech/en-US-mock-1";

fn audio_of(frames: &[Value], ctx: Option<&str>) -> Vec<u8> {
    frames
        .iter()
        .filter(|f| f["audio"].is_string())
        .filter(|f| ctx.is_none_or(|c| f["contextId"] == c))
        .flat_map(|f| {
            base64::engine::general_purpose::STANDARD
                .decode(f["audio"].as_str().unwrap())
                .unwrap()
        })
        .collect()
}

/// Seconds of 16 kHz s16le.
fn secs(pcm: &[u8]) -> f64 {
    pcm.len() as f64 / 2.0 / 16_000.0
}

#[tokio::test]
async fn stream_input_speaks_the_chunks_then_says_final_and_closes() {
    let app = spawn_app().await;
    let path = format!("{PATH}/stream-input?output_format=pcm_16000&model_id=eleven_flash_v2_5");
    let mut s = Sock::connect(&app, &path).await;
    s.send(
        json!({"text": " ", "voice_settings": {"speed": 1.0, "stability": 0.5}, "xi_api_key": "k"}),
    )
    .await;
    for chunk in ["Hello ", "there, "] {
        s.send(json!({"text": chunk, "try_trigger_generation": true}))
            .await;
    }
    s.send(json!({"text": "gateway. ", "flush": true})).await;
    s.send(json!({"text": ""})).await;
    let frames = s.until(|v| v["isFinal"] == true).await;
    assert!(matches!(s.next().await, Frame::Closed(1000)));
    let audio: Vec<&Value> = frames.iter().filter(|f| f["audio"].is_string()).collect();
    assert!(audio
        .iter()
        .all(|f| f["isFinal"] == false && f.get("contextId").is_none()));
    // mock_tone's word timings come as ElevenLabs' per-character alignment.
    let aligned: Vec<&Value> = audio
        .iter()
        .map(|f| &f["alignment"])
        .filter(|a| !a.is_null())
        .collect();
    let chars: String = aligned
        .iter()
        .flat_map(|a| a["chars"].as_array().unwrap())
        .map(|c| c.as_str().unwrap())
        .collect();
    for word in ["Hello", "there", "gateway"] {
        assert!(chars.contains(word), "{chars:?}");
    }
    for a in &aligned {
        let starts: Vec<f64> = a["charStartTimesMs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{a}");
        assert_eq!(starts.len(), a["chars"].as_array().unwrap().len());
    }
    let seconds = secs(&audio_of(&frames, None));
    assert!((1.9..=2.15).contains(&seconds), "{seconds} s");
}

#[tokio::test]
async fn multi_stream_input_closes_contexts_after_their_audio_or_at_once_when_immediate() {
    let app = spawn_app().await;
    let path = format!("{PATH}/multi-stream-input?output_format=pcm_16000");
    let mut s = Sock::connect(&app, &path).await;
    // Keep-alives, with and without a context, open nothing and answer nothing.
    s.send(json!({"text": ""})).await;
    s.send(json!({"text": " ", "context_id": "long"})).await;
    s.send(json!({"text": "", "context_id": "long"})).await;
    s.send(json!({"text": "x".repeat(3000) + ".", "context_id": "long", "flush": true}))
        .await;
    s.until(|v| v["contextId"] == "long" && v["audio"].is_string())
        .await;
    // Barge-in: `immediate` stops the context; its isFinal is the acknowledgement.
    s.send(json!({"context_id": "long", "close_context": true, "immediate": true}))
        .await;
    let before = s
        .until(|v| v["contextId"] == "long" && v["isFinal"] == true)
        .await;
    assert!(
        before.iter().all(|f| f.get("error").is_none()),
        "{before:?}"
    );
    assert!(secs(&audio_of(&before, Some("long"))) < 300.0);
    // As the agent frameworks end a turn: text, then close_context at once; the audio
    // still comes, then isFinal.
    s.send(json!({"text": "Hello. ", "context_id": "next", "voice_settings": {"speed": 1.0}}))
        .await;
    s.send(json!({"context_id": "next", "flush": true})).await;
    s.send(json!({"context_id": "next", "close_context": true}))
        .await;
    let after = s
        .until(|v| v["contextId"] == "next" && v["isFinal"] == true)
        .await;
    assert!(
        after.iter().all(|f| f["contextId"] != "long"),
        "nothing of a stopped context follows its isFinal"
    );
    let seconds = secs(&audio_of(&after, Some("next")));
    assert!((0.55..=0.65).contains(&seconds), "{seconds} s");
    // close_socket speaks what a context holds, then closes.
    s.send(json!({"text": "Bye.", "context_id": "last"})).await;
    s.send(json!({"close_socket": true})).await;
    let last = s
        .until(|v| v["contextId"] == "last" && v["isFinal"] == true)
        .await;
    assert!((0.35..=0.45).contains(&secs(&audio_of(&last, Some("last")))));
    assert!(matches!(s.next().await, Frame::Closed(1000)));
}

#[tokio::test]
async fn bad_requests_get_elevenlabs_errors() {
    let app = spawn_app().await;
    let status = Sock::refused(&app, &format!("{PATH}/stream-input?output_format=flac_1")).await;
    assert_eq!(status, 400);
    let status = Sock::refused(&app, "/elevenlabs/v1/text-to-speech/nobody/stream-input").await;
    assert_eq!(status, 404);
    let mut s = Sock::connect(&app, &format!("{PATH}/multi-stream-input")).await;
    s.send(json!("not an object")).await;
    let e = s.until(|v| v.get("error").is_some()).await.pop().unwrap();
    assert_eq!(
        (e["error"].as_str(), e["code"].as_u64()),
        (Some("invalid_request"), Some(400))
    );
    s.send(json!({"context_id": "ghost", "close_context": true}))
        .await;
    let e = s.until(|v| v.get("error").is_some()).await.pop().unwrap();
    assert_eq!(e["contextId"], "ghost");
    s.send(json!({"text": "Hi.", "context_id": "c", "voice_settings": {"speed": 9}}))
        .await;
    let e = s.until(|v| v.get("error").is_some()).await.pop().unwrap();
    assert!(e["message"].as_str().unwrap().contains("speed"), "{e}");
}

/// A gateway with keys on: `el`'s key is `tgk_el`.
async fn keyed() -> TestApp {
    let dir = std::env::temp_dir().join(format!("tts-keys-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("keys");
    let line = format!("el {}\n", tts_gateway::auth::hash_hex("tgk_el"));
    std::fs::write(&file, line).unwrap();
    spawn_with(
        move |s| s.auth.keys_file = Some(file),
        tts_gateway::Components::default(),
    )
    .await
}

#[tokio::test]
async fn a_socket_opened_without_a_key_is_opened_by_its_first_messages_key() {
    let app = keyed().await;
    // stream-input: ElevenLabs' SDK sends the key as `xi-api-key` in the first message.
    let path = format!("{PATH}/stream-input?output_format=pcm_16000");
    let mut s = Sock::connect(&app, &path).await;
    s.send(json!({"text": " ", "xi-api-key": "tgk_el"})).await;
    s.send(json!({"text": "Hello there.", "flush": true})).await;
    s.send(json!({"text": ""})).await;
    let frames = s.until(|v| v["isFinal"] == true).await;
    assert!(secs(&audio_of(&frames, None)) > 0.5, "{frames:?}");
    assert!(matches!(s.next().await, Frame::Closed(1000)));

    // multi-stream-input: `xi_api_key`, or a bearer `authorization`, with the first context.
    for first in [
        json!({"text": "Hi.", "context_id": "a", "flush": true, "xi_api_key": "tgk_el"}),
        json!({"text": "Hi.", "context_id": "a", "flush": true, "authorization": "Bearer tgk_el"}),
    ] {
        let mut s = Sock::connect(
            &app,
            &format!("{PATH}/multi-stream-input?output_format=pcm_16000"),
        )
        .await;
        s.send(first).await;
        s.send(json!({"context_id": "a", "close_context": true}))
            .await;
        let frames = s
            .until(|v| v["contextId"] == "a" && v["isFinal"] == true)
            .await;
        assert!(secs(&audio_of(&frames, Some("a"))) > 0.2, "{frames:?}");
    }
}

#[tokio::test]
async fn a_first_message_with_no_key_or_a_wrong_one_closes_the_socket_with_1008() {
    let app = keyed().await;
    for (tail, first, reason) in [
        ("stream-input", json!({"text": " "}), "401: missing API key"),
        (
            "stream-input",
            json!({"text": " ", "xi_api_key": "tgk_wrong"}),
            "401: invalid API key (unknown or revoked)",
        ),
        (
            "stream-input",
            json!("not an object"),
            "401: missing API key",
        ),
        (
            "multi-stream-input",
            json!({"text": "Hi.", "context_id": "a"}),
            "401: missing API key",
        ),
        (
            "multi-stream-input",
            json!({"text": " ", "context_id": "a", "xi_api_key": "tgk_wrong"}),
            "401: invalid API key (unknown or revoked)",
        ),
    ] {
        let mut s = Sock::connect(&app, &format!("{PATH}/{tail}?output_format=pcm_16000")).await;
        s.send(first.clone()).await;
        // Nothing of a later message is done: the socket is closed before it is read.
        let _ = s.try_send(json!({"text": "Hello.", "flush": true})).await;
        let (code, said) = s.close_reason().await;
        assert_eq!(code, 1008, "{tail} {first}: {said}");
        assert!(said.starts_with(reason), "{tail} {first}: {said}");
    }
    // A key in the handshake is checked there, as before: a wrong one never gets to speak.
    let mut s = Sock::connect(&app, &format!("{PATH}/stream-input?api_key=tgk_wrong")).await;
    let (code, said) = s.close_reason().await;
    assert_eq!(
        (code, said.as_str()),
        (1008, "401: invalid API key (unknown or revoked)")
    );
}

#[tokio::test]
async fn a_socket_opened_without_a_key_that_sends_nothing_is_closed_after_the_credential_deadline()
{
    let app = keyed().await;
    let mut s = Sock::connect(
        &app,
        &format!("{PATH}/stream-input?output_format=pcm_16000"),
    )
    .await;
    let (code, said) = s
        .close_reason_within(std::time::Duration::from_secs(30))
        .await;
    assert_eq!(
        (code, said.as_str()),
        (1008, "401: no API key within 10 s of opening the socket")
    );
}
