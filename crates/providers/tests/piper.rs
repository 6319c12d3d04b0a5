//! Piper specifics beyond the conformance suite: voice metadata, speed, and a drop in
//! the middle of an inference.

mod support;

use futures::StreamExt;
use std::time::Duration;
use tts_core::{Provider, SynthesisRequest};

fn request(voice: &str, text: &str, speed: Option<f32>) -> SynthesisRequest {
    SynthesisRequest {
        text: text.into(),
        voice: voice.into(),
        speed,
        ..Default::default()
    }
}

async fn seconds(voice: &str, text: &str, speed: Option<f32>) -> f64 {
    let p = support::piper();
    let chunks: Vec<_> = p.synthesize(request(voice, text, speed)).collect().await;
    chunks
        .iter()
        .map(|c| c.as_ref().unwrap().duration_secs())
        .sum()
}

#[tokio::test]
async fn the_installed_voice_is_listed_with_its_metadata() {
    let voices = support::piper().voices();
    let joe = voices
        .iter()
        .find(|v| v.id == "en_US-joe-medium")
        .expect("en_US-joe-medium is installed by scripts/setup.sh");
    assert_eq!(joe.language, "en-US");
    assert_eq!(joe.sample_rate_hz, 22_050);
    assert_eq!(joe.extra["espeak_voice"], "en-us");
    assert_eq!(joe.extra["quality"], "medium");
}

#[tokio::test]
async fn speed_scales_the_length() {
    let text = "Speed changes how long this sentence takes to say.";
    let normal = seconds("en_US-joe-medium", text, None).await;
    let fast = seconds("en_US-joe-medium", text, Some(2.0)).await;
    assert!(
        fast < normal * 0.75,
        "fast {fast:.2} s vs normal {normal:.2} s"
    );
}

#[tokio::test]
async fn a_drop_during_inference_terminates_the_run() {
    // Its own instance, so that no other test's inference moves its counters.
    let engine = support::espeak().engine().clone();
    let p = tts_providers::piper::Piper::start(&support::piper_config(), engine).unwrap();
    let before = p.stats();
    // One long clause: a single inference of several seconds of audio.
    let text = "and the long road went on over the hills ".repeat(5);
    let mut s = p.synthesize(request("en_US-joe-medium", &text, None));
    assert!(futures::poll!(s.next()).is_pending());
    let started = support::eventually(Duration::from_secs(10), || {
        p.stats().inferences_running > before.inferences_running
    })
    .await;
    assert!(started, "the inference did not start");
    drop(s);
    let cut = support::eventually(Duration::from_secs(10), || {
        p.stats().inferences_terminated > before.inferences_terminated
    })
    .await;
    assert!(cut, "the run was not terminated: {:?}", p.stats());
    assert_eq!(p.stats().units_synthesized, before.units_synthesized);
}
