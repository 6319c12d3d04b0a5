//! The provider conformance suite: the invariants of `tts_core::Provider`, checked the
//! same way against every engine (mock_tone, espeak, piper, coqui against its double).
//!
//! Each engine's test runs the common checks, then shows that dropping a stream stops
//! that engine's work, through the counters the engine exposes.

mod support;

use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use support::coqui_double::CoquiDouble;
use tts_core::{canonicalize_language, AudioChunk, Provider, ProviderErrorKind, SynthesisRequest};
use tts_providers::coqui::{Coqui, CoquiConfig};
use tts_providers::mock_tone::MockTone;

const TEXT: &str = "Hello world. This is a conformance test of the speech engine.";
const LONG_TEXT: &str = "The first sentence is short. The second sentence follows it closely. \
    A third one comes after that. And then a fourth, to be sure there is more to say. \
    Finally the fifth sentence ends the paragraph.";

/// Seconds of audio per character that count as plausible speech.
const SPEECH_PER_CHAR: (f64, f64) = (0.03, 0.2);

fn request(voice: &str, text: &str) -> SynthesisRequest {
    SynthesisRequest {
        text: text.into(),
        voice: voice.into(),
        ..Default::default()
    }
}

/// The checks every provider must pass, on its voice `voice_id`.
async fn conforms(provider: &dyn Provider, voice_id: &str, per_char: (f64, f64)) {
    let id = provider.id();
    let voices = provider.voices();
    assert!(!voices.is_empty(), "{id}: no voices");
    let mut ids = std::collections::BTreeSet::new();
    for v in &voices {
        assert_eq!(
            v.provider, id,
            "{id}: voice {} names another provider",
            v.id
        );
        assert_eq!(
            v.language,
            canonicalize_language(&v.language),
            "{id}: {} language",
            v.id
        );
        assert!(
            !v.language.is_empty() && v.sample_rate_hz > 0,
            "{id}: {v:?}"
        );
        assert!(
            v.supported_formats.is_empty(),
            "{id}: formats are the gateway's to fill"
        );
        assert!(
            ids.insert(v.id.clone()),
            "{id}: duplicate voice id {}",
            v.id
        );
    }
    let voice = voices
        .iter()
        .find(|v| v.id == voice_id)
        .expect("the voice under test is listed");

    let chunks: Vec<AudioChunk> = provider
        .synthesize(request(voice_id, TEXT))
        .map(|c| c.unwrap_or_else(|e| panic!("{id}: {e:?}")))
        .collect()
        .await;
    assert!(!chunks.is_empty(), "{id}: no audio");
    for c in &chunks {
        assert_eq!(
            c.sample_rate, voice.sample_rate_hz,
            "{id}: chunk rate differs from the voice's"
        );
        assert!(!c.samples.is_empty(), "{id}: empty chunk");
    }
    let samples: Vec<i16> = chunks
        .iter()
        .flat_map(|c| c.samples.iter().copied())
        .collect();
    let rms =
        (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt();
    assert!(rms > 300.0, "{id}: audio is (nearly) silent, rms {rms:.0}");
    let seconds = samples.len() as f64 / f64::from(voice.sample_rate_hz);
    let per = seconds / TEXT.chars().count() as f64;
    assert!(
        per >= per_char.0 && per <= per_char.1,
        "{id}: {seconds:.2} s for {} characters is implausible",
        TEXT.chars().count()
    );

    let mut unknown = provider.synthesize(request("no-such-voice", TEXT));
    let err = unknown.next().await.expect("an error item").unwrap_err();
    assert_eq!(
        err.kind,
        ProviderErrorKind::BadRequest,
        "{id}: unknown voice"
    );
}

#[tokio::test]
async fn mock_tone_conforms() {
    let p = MockTone::new();
    conforms(&p, tts_providers::mock_tone::VOICE_ID, (0.099, 0.101)).await;
    let mut s = p.synthesize(request(tts_providers::mock_tone::VOICE_ID, LONG_TEXT));
    s.next().await.unwrap().unwrap();
    drop(s); // a lazy iterator: nothing runs after the drop
}

#[tokio::test]
async fn espeak_conforms_and_a_drop_aborts_the_synthesis() {
    let p = support::espeak();
    conforms(&*p, "espeak-en-US", SPEECH_PER_CHAR).await;

    // One very long sentence is one synthesis call: only the callback can stop it.
    let sentence = "and then it went on ".repeat(100);
    let before = p.stats();
    let mut s = p.synthesize(request("espeak-en-US", &sentence));
    s.next().await.unwrap().unwrap();
    drop(s);
    let stopped = support::eventually(Duration::from_secs(10), || {
        p.stats().syntheses_aborted > before.syntheses_aborted
    })
    .await;
    assert!(
        stopped,
        "the synthesis callback did not abort: {:?}",
        p.stats()
    );
    let after = p.stats();
    let full = sentence.chars().count() as f64 * 0.05 * 22050.0;
    let delivered = (after.samples_delivered - before.samples_delivered) as f64;
    assert!(
        delivered < full,
        "the whole sentence was synthesised anyway"
    );
}

#[tokio::test]
async fn piper_conforms_streams_unit_by_unit_and_a_drop_stops_inference() {
    let p = support::piper();
    let voice = p.voices()[0].id.clone();
    conforms(&*p, &voice, SPEECH_PER_CHAR).await;

    // The first audio of a multi-sentence text arrives after one unit's inference.
    let before = p.inference_count();
    let mut s = p.synthesize(request(&voice, LONG_TEXT));
    let first = s.next().await.unwrap().unwrap();
    assert!(!first.samples.is_empty());
    assert_eq!(
        p.inference_count(),
        before + 1,
        "more than one unit ran before the first audio"
    );

    // Reading on synthesises the next unit; dropping stops before the one after.
    s.next().await.unwrap().unwrap();
    let read = p.inference_count();
    drop(s);
    let idle = support::eventually(Duration::from_secs(10), || {
        p.stats().inferences_running == 0
    })
    .await;
    assert!(idle, "inference still running after the drop");
    assert_eq!(
        p.inference_count(),
        read,
        "inference went on after the stream was dropped"
    );
}

#[tokio::test]
async fn coqui_against_its_double_conforms_and_a_drop_aborts_the_request() {
    let double = CoquiDouble::start(22_050).await;
    let config = CoquiConfig {
        url: Some(double.url.parse().unwrap()),
        timeout: Duration::from_secs(5),
        ..Default::default()
    };
    let p = Arc::new(Coqui::new(&config).unwrap());
    let voice = p.voices()[0].id.clone();
    conforms(&*p, &voice, SPEECH_PER_CHAR).await;

    let mut s = p.synthesize(request(&voice, "[endless] keep talking"));
    s.next().await.unwrap().unwrap();
    drop(s);
    tokio::time::timeout(
        Duration::from_secs(5),
        double.observed.body_dropped.notified(),
    )
    .await
    .expect("the server saw the request go away");
}
