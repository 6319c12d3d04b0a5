//! The real engines through the gateway: Piper (ONNX Runtime, the `joe` voice installed by
//! scripts/setup.sh) and espeak-ng. These tests fail, rather than skip, when an engine is
//! missing: a gateway without its voices is broken, not untestable.

use crate::helpers::{
    check_word_timings, ffmpeg_decode, file_alignment, spawn_with, stream_frames, timestamps,
    TestApp,
};
use futures::StreamExt;
use serde_json::{json, Value};
use std::time::Duration;
use tts_gateway::Components;
use tts_providers::ProvidersConfig;

/// Engine settings: the environment's paths if set (scripts/env.sh), else the repo's
/// `.local/` where scripts/setup.sh installs them.
pub(crate) fn engines(max_concurrent: usize) -> ProvidersConfig {
    let local = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.local");
    ProvidersConfig::from_env(&|k| match k {
        "ORT_DYLIB_PATH" => {
            Some(std::env::var(k).unwrap_or(format!("{local}/lib/libonnxruntime.so")))
        }
        "PIPER_VOICES_DIR" => Some(std::env::var(k).unwrap_or(format!("{local}/voices"))),
        "PIPER_MAX_CONCURRENT" => Some(max_concurrent.to_string()),
        "ESPEAK_ENABLED" | "PIPER_ENABLED" | "MOCK_TONE_ENABLED" => Some("1".into()),
        "COQUI_ENABLED" => Some("0".into()),
        _ => None,
    })
    .expect("engine settings are valid")
}

pub(crate) async fn spawn_engines(max_concurrent: usize) -> TestApp {
    let app = spawn_with(
        |s| s.providers = engines(max_concurrent),
        Components::default(),
    )
    .await;
    let ids = app.state.providers.ids();
    assert!(
        ids.contains(&"piper") && ids.contains(&"espeak"),
        "piper and espeak must be running (providers: {ids:?}); run scripts/setup.sh"
    );
    app
}

pub(crate) async fn first_voice(app: &TestApp, query: &str) -> Value {
    let v: Value = app.get_json(&format!("/v1/voices?{query}")).await;
    v["voices"][0].clone()
}

/// The rate to ask for in `format`: telephony formats at 8 kHz, opus at 48 kHz, others native.
fn rate_for(format: &str, native: u32) -> u32 {
    match format {
        "opus" => 48_000,
        "mulaw" | "alaw" => 8_000,
        _ => native,
    }
}

fn decode(format: &str, rate: u32, bytes: &[u8]) -> Vec<i16> {
    let rate = rate.to_string();
    match format {
        "pcm16" => ffmpeg_decode(bytes, &["-f", "s16le", "-ar", &rate, "-ac", "1"]),
        "mulaw" => ffmpeg_decode(bytes, &["-f", "mulaw", "-ar", &rate, "-ac", "1"]),
        "alaw" => ffmpeg_decode(bytes, &["-f", "alaw", "-ar", &rate, "-ac", "1"]),
        _ => ffmpeg_decode(bytes, &[]),
    }
}

pub(crate) fn rms(samples: &[i16]) -> f64 {
    (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len().max(1) as f64)
        .sqrt()
}

const SENTENCE: &str = "Hello from the gateway. This is a test of real speech.";

#[tokio::test]
async fn piper_and_espeak_speak_in_every_format() {
    let app = spawn_engines(2).await;
    for query in ["provider=piper", "provider=espeak&language=en-US"] {
        let voice = first_voice(&app, query).await;
        let provider = voice["provider"].as_str().unwrap();
        let native = voice["sample_rate_hz"].as_u64().unwrap() as u32;
        let formats: Vec<String> = voice["supported_formats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().to_string())
            .collect();
        assert!(formats.len() >= 6, "{formats:?}");
        for format in &formats {
            let rate = rate_for(format, native);
            let body = json!({"provider": provider, "voice": voice["id"], "text": SENTENCE,
                              "target_format": format, "sample_rate_hz": rate});
            let (id, _) = app.create(&body).await;
            let s = app.stream(&id).await;
            assert!(s.is_eos(), "{provider} {format}: {:?}", s.last);
            let samples = decode(format, rate, &s.audio);
            let secs = samples.len() as f64 / f64::from(rate);
            // About 50 characters of English: a couple of seconds, not silence, not noise.
            assert!(
                (1.5..=8.0).contains(&secs),
                "{provider} {format} @ {rate}: {secs:.2} s"
            );
            let level = rms(&samples);
            assert!(
                (300.0..=15_000.0).contains(&level),
                "{provider} {format}: rms {level:.0}"
            );
        }
    }
}

#[tokio::test]
async fn every_engine_times_every_word_in_every_format_the_same_in_the_stream_and_the_file() {
    let app = spawn_engines(2).await;
    for query in [
        "provider=piper",
        "provider=espeak&language=en-US",
        "provider=mock_tone",
    ] {
        let voice = first_voice(&app, query).await;
        let provider = voice["provider"].as_str().unwrap();
        assert_eq!(voice["extra"]["word_timestamps"], "true", "{provider}");
        let native = voice["sample_rate_hz"].as_u64().unwrap() as u32;
        for format in voice["supported_formats"].as_array().unwrap() {
            let format = format.as_str().unwrap();
            let rate = rate_for(format, native);
            let body = json!({"provider": provider, "voice": voice["id"], "text": SENTENCE,
                              "target_format": format, "sample_rate_hz": rate,
                              "word_timestamps": true});
            let (id, _) = app.create(&body).await;
            let what = format!("{provider} {format} @ {rate}");
            let (frames, audio) = stream_frames(&app, &id).await;
            assert_eq!(frames.last().unwrap()["type"], "eos", "{what}: {frames:?}");
            let words = timestamps(&frames);
            let file = file_alignment(&app, &id, "").await;
            let duration = file["duration_ms"].as_f64().unwrap();
            check_word_timings(&what, SENTENCE, &words, duration);
            assert_eq!(&words, file["words"].as_array().unwrap(), "{what}");
            // The streamed audio holds every word too: as long as the file's, give or
            // take a codec frame and its padding (aac's priming adds about 100 ms).
            let streamed_ms = decode(format, rate, &audio).len() as f64 * 1000.0 / f64::from(rate);
            assert!(
                streamed_ms > duration - 30.0 && streamed_ms < duration + 200.0,
                "{what}: {streamed_ms} ms streamed, {duration} ms in the file"
            );
        }
    }
}

#[tokio::test]
async fn piper_sends_the_first_sentence_before_synthesising_the_second() {
    let app = spawn_engines(1).await;
    let piper = app.state.providers.piper().expect("piper runs").clone();
    let voice = first_voice(&app, "provider=piper").await;
    let text =
        "Hi there. The second sentence is much longer than the first one, so that synthesising it \
                takes a while on any machine. And a third one follows, to make a paragraph.";
    let body = json!({"provider": "piper", "voice": voice["id"], "text": text,
                      "target_format": "pcm16", "sample_rate_hz": 22050});
    let (id, _) = app.create(&body).await;
    let before = piper.stats();
    let (mut ws, _) = tokio_tungstenite::connect_async(app.ws_url(&id))
        .await
        .unwrap();
    let first = ws.next().await.unwrap().unwrap();
    let at_first_audio = piper.stats();
    assert!(first.to_text().unwrap().contains("\"type\":\"audio\""));
    assert!(
        at_first_audio.units_synthesized - before.units_synthesized <= 1,
        "at most the first sentence was synthesised when its audio arrived \
         (Piper streams within a sentence, so usually none had finished)"
    );
    let rest = crate::helpers::collect(ws).await;
    assert!(rest.is_eos());
    assert_eq!(
        piper.stats().units_synthesized - before.units_synthesized,
        3
    );
}

#[tokio::test]
async fn a_disconnect_stops_piper_inference() {
    let app = spawn_engines(1).await;
    let piper = app.state.providers.piper().expect("piper runs").clone();
    let voice = first_voice(&app, "provider=piper").await;
    let text = (1..=12)
        .map(|i| format!("This is sentence number {i} of a long text."))
        .collect::<Vec<_>>()
        .join(" ");
    let body = json!({"provider": "piper", "voice": voice["id"], "text": text,
                      "target_format": "mp3", "sample_rate_hz": 22050});
    let (id, _) = app.create(&body).await;
    let before = piper.stats();
    let (mut ws, _) = tokio_tungstenite::connect_async(app.ws_url(&id))
        .await
        .unwrap();
    ws.next().await.unwrap().unwrap();
    drop(ws);
    app.eventually("inference stops", || async {
        piper.stats().inferences_running == 0
    })
    .await;
    app.eventually("the stream is gone", || async {
        app.metric("tts_active_streams", &[("provider", "piper")])
            .await
            == 0.0
    })
    .await;
    let after = piper.stats();
    let done = after.units_synthesized - before.units_synthesized;
    assert!(
        done < 12,
        "synthesis went on after the client left ({done} of 12 units)"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        piper.stats().units_synthesized,
        after.units_synthesized,
        "no inference after the stop"
    );
}

#[tokio::test]
async fn espeak_lists_many_languages_including_korean() {
    let app = spawn_engines(1).await;
    let v: Value = app.get_json("/v1/voices?provider=espeak").await;
    let voices = v["voices"].as_array().unwrap();
    assert!(voices.len() >= 100, "{} espeak voices", voices.len());
    let korean = first_voice(&app, "provider=espeak&language=ko").await;
    assert_eq!(korean["language"], "ko");
    let body = json!({"provider": "espeak", "voice": korean["id"], "text": "안녕하세요",
                      "target_format": "wav", "sample_rate_hz": 16000, "language": "ko-KR"});
    // ko-KR is more specific than the voice's `ko`: refused, naming both.
    let resp = app.post_session(&body).await;
    assert_eq!(resp.status(), 400);
    let body = json!({"provider": "espeak", "voice": korean["id"], "text": "안녕하세요",
                      "target_format": "wav", "sample_rate_hz": 16000, "language": "ko"});
    let (id, _) = app.create(&body).await;
    let s = app.stream(&id).await;
    assert!(s.is_eos());
    let samples = ffmpeg_decode(&s.audio, &[]);
    assert!(samples.len() > 16_000 / 2 && rms(&samples) > 300.0);
}
