//! `GET /v1/tts/sessions/{id}/file`.

use crate::helpers::{body, ffmpeg_decode, spawn_app};
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
