//! `GET /v1/tts/sessions/{id}/file`.

use crate::helpers::{
    body, check_word_timings, ffmpeg_decode, file_alignment, spawn_app, spawn_with, stream_frames,
    timestamps, TestApp,
};
use base64::Engine;
use tts_gateway::Components;
use tts_providers::mock_tone::MockTone;

#[tokio::test]
async fn the_file_of_a_streamed_session_has_the_streamed_audio() {
    let app = spawn_app().await;
    let text = "File me";
    let (id, _) = app.create(&body(text, "wav", 16000)).await;
    let streamed = app.stream(&id).await;
    assert!(streamed.is_eos());
    let resp = app.get(&format!("/v1/tts/sessions/{id}/file")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "audio/wav");
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains(&format!("tts-{id}.wav")),
        "{disposition}"
    );
    let len: usize = resp.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(bytes.len(), len);
    // Exact sizes in the header, unlike the stream's.
    assert_eq!(
        u32::from_le_bytes(bytes[40..44].try_into().unwrap()) as usize,
        bytes.len() - 44
    );
    assert_eq!(ffmpeg_decode(&bytes, &[]), MockTone::new().render(text));

    let pcm = app
        .get(&format!("/v1/tts/sessions/{id}/file?format=pcm16"))
        .await;
    assert_eq!(
        pcm.headers()["content-type"],
        "audio/L16;rate=16000;channels=1"
    );
    let samples: Vec<i16> = pcm
        .bytes()
        .await
        .unwrap()
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    assert_eq!(samples, MockTone::new().render(text));
}

#[tokio::test]
async fn the_file_of_a_session_never_streamed_is_synthesised_on_request() {
    let app = spawn_app().await;
    let (id, _) = app.create(&body("Never streamed", "pcm16", 16000)).await;
    let resp = app
        .get(&format!("/v1/tts/sessions/{id}/file?format=wav"))
        .await;
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(
        ffmpeg_decode(&bytes, &[]),
        MockTone::new().render("Never streamed")
    );
    // Its one synthesis is spent: the stream is refused, the file still served.
    assert_eq!(app.stream(&id).await.error_code(), Some(409));
    let again = app.get(&format!("/v1/tts/sessions/{id}/file")).await;
    assert_eq!(again.status(), 200);
}

#[tokio::test]
async fn a_bad_file_format_is_refused_naming_the_parameter() {
    let app = spawn_app().await;
    let (id, _) = app.create(&body("x", "pcm16", 16000)).await;
    let resp = app
        .get(&format!("/v1/tts/sessions/{id}/file?format=vorbis"))
        .await;
    assert_eq!(resp.status(), 422);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["detail"][0]["loc"][1], "format");
}

#[tokio::test]
async fn the_file_as_json_carries_the_same_file_next_to_its_word_timings() {
    let app = spawn_app().await;
    let text = "Align these words, please.";
    // Streamed without asking for timings: the file still has them.
    let (id, _) = app.create(&body(text, "pcm16", 16000)).await;
    let (frames, _) = stream_frames(&app, &id).await;
    assert!(timestamps(&frames).is_empty(), "not asked for: {frames:?}");
    let v = file_alignment(&app, &id, "&format=wav&sample_rate_hz=8000").await;
    assert_eq!(v["session_id"], id.as_str());
    assert_eq!(v["format"], "wav");
    assert_eq!(v["content_type"], "audio/wav");
    assert_eq!(v["sample_rate_hz"], 8000);
    let duration = v["duration_ms"].as_f64().unwrap();
    // mock_tone: 100 ms per character.
    assert_eq!(duration, 100.0 * text.len() as f64);
    check_word_timings("mock_tone", text, v["words"].as_array().unwrap(), duration);
    let audio = base64::engine::general_purpose::STANDARD
        .decode(v["audio_base64"].as_str().unwrap())
        .unwrap();
    let plain = app
        .get(&format!(
            "/v1/tts/sessions/{id}/file?format=wav&sample_rate_hz=8000"
        ))
        .await;
    assert_eq!(audio, plain.bytes().await.unwrap().to_vec());

    // Never streamed: synthesised for the request, with its timings.
    let (id, _) = app.create(&body(text, "pcm16", 16000)).await;
    let v = file_alignment(&app, &id, "").await;
    check_word_timings("on request", text, v["words"].as_array().unwrap(), duration);
    assert_eq!(v["format"], "pcm16");
}

#[tokio::test]
async fn an_unknown_alignment_is_refused_naming_the_parameter() {
    let app = spawn_app().await;
    let (id, _) = app.create(&body("x", "pcm16", 16000)).await;
    let resp = app
        .get(&format!("/v1/tts/sessions/{id}/file?alignment=srt"))
        .await;
    assert_eq!(resp.status(), 422);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["detail"][0]["loc"][1], "alignment");
}

/// The stream's audio and the `/file` body of one mp3 session.
async fn mp3_stream_and_file(app: &TestApp, text: &str) -> (Vec<u8>, Vec<u8>) {
    let (id, _) = app.create(&body(text, "mp3", 16000)).await;
    let streamed = app.stream(&id).await;
    assert!(streamed.is_eos());
    let file = app.get(&format!("/v1/tts/sessions/{id}/file")).await;
    assert_eq!(file.status(), 200);
    (streamed.audio, file.bytes().await.unwrap().to_vec())
}

/// `MP3_QUALITY=fast` reaches the encoder of both the stream and the file: each decodes to
/// the same length as in the standard mode, but the bytes differ.
#[tokio::test]
async fn the_fast_mp3_mode_reaches_the_stream_and_the_file() {
    let text = "Fast or standard, the same length";
    let standard = spawn_app().await;
    let fast = spawn_with(
        |s| s.mp3_complexity = Some(tts_audio::MP3_FAST_COMPLEXITY),
        Components::default(),
    )
    .await;
    let (std_stream, std_file) = mp3_stream_and_file(&standard, text).await;
    let (fast_stream, fast_file) = mp3_stream_and_file(&fast, text).await;
    assert_ne!(std_stream, fast_stream);
    assert_ne!(std_file, fast_file);
    let expected = MockTone::new().render(text).len();
    for (what, bytes) in [("stream", &fast_stream), ("file", &fast_file)] {
        let decoded = ffmpeg_decode(bytes, &[]).len();
        // The file's LAME tag trims delay and padding; the stream's Info frame trims the
        // delay, leaving under two 576-sample frames of padding behind.
        let extra = if what == "file" { 0..1 } else { 0..2 * 576 };
        assert!(
            extra.contains(&(decoded - expected)),
            "{what}: {decoded} samples for {expected}"
        );
    }
}

/// `/file` asked while the session streams waits for the stream and answers with the very
/// audio the stream delivered.
#[tokio::test]
async fn a_file_asked_during_the_stream_is_the_streamed_audio() {
    use crate::doubles::{streaming_session, Behaviour, Double};
    let double = Double::new("gated", Behaviour::Gated);
    let (app, id, ws) = streaming_session(&double).await;
    app.eventually("the session streams", || async {
        app.get_json(&format!("/v1/tts/sessions/{id}")).await["status"] == "streaming"
    })
    .await;
    let waiting = tokio::spawn({
        let url = app.url(&format!("/v1/tts/sessions/{id}/file?format=pcm16"));
        async move { reqwest::get(url).await.unwrap() }
    });
    let reader = tokio::spawn(crate::helpers::collect(ws));
    double.gate.add_permits(1);
    let streamed = reader.await.unwrap();
    assert!(streamed.is_eos(), "{:?}", streamed.last);
    let resp = waiting.await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap(), streamed.audio);
}
