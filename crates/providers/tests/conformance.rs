//! The provider conformance suite: the invariants of `tts_core::Provider`, checked the
//! same way against every engine (mock_tone, espeak, piper, coqui against its double).
//!
//! Each engine's test runs the common checks, then shows that dropping a stream stops
//! that engine's work, through the counters the engine exposes. Engines whose voices say
//! `word_timestamps: true` must mark every word of the text, in order, inside the audio.

mod support;

use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use support::coqui_double::CoquiDouble;
use tts_core::{
    canonicalize_language, AudioChunk, Provider, ProviderErrorKind, SynthesisRequest, WordMark,
};
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
        assert!(
            matches!(
                v.extra.get("word_timestamps").map(String::as_str),
                Some("true" | "false")
            ),
            "{id}: {} does not say whether it has word timestamps",
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

    if voice.extra["word_timestamps"] == "true" {
        marks_every_word(id, TEXT, &chunks);
    } else {
        assert!(chunks.iter().all(|c| c.words.is_empty()), "{id}: marks");
    }

    let mut unknown = provider.synthesize(request("no-such-voice", TEXT));
    let err = unknown.next().await.expect("an error item").unwrap_err();
    assert_eq!(
        err.kind,
        ProviderErrorKind::BadRequest,
        "{id}: unknown voice"
    );
}

/// The words of `text` as a reader counts them: tokens with a letter or digit, without
/// their leading and trailing punctuation.
fn words_of(text: &str) -> Vec<&str> {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect()
}

/// The marks of `chunks` name every word of `text` in order, at its place in the text,
/// with non-decreasing starts inside the audio; each arrives no earlier than the chunk
/// in which it starts.
fn marks_every_word(id: &str, text: &str, chunks: &[AudioChunk]) {
    let mut marks: Vec<&WordMark> = Vec::new();
    let mut sent = 0u64;
    for c in chunks {
        sent += c.samples.len() as u64;
        for m in &c.words {
            assert!(m.start < sent, "{id}: {m:?} arrived before its audio");
            marks.push(m);
        }
    }
    let words: Vec<&str> = marks.iter().map(|m| m.word.as_str()).collect();
    assert_eq!(words, words_of(text), "{id}: marked words");
    for m in &marks {
        assert_eq!(&text[m.text_start..m.text_end], m.word, "{id}: {m:?}");
        assert!(
            m.start <= m.end && m.end <= sent,
            "{id}: {m:?} outside the audio"
        );
    }
    for pair in marks.windows(2) {
        assert!(
            pair[0].start <= pair[1].start && pair[0].text_end <= pair[1].text_start,
            "{id}: out of order: {pair:?}"
        );
    }
    assert!(
        marks.last().unwrap().start > marks[0].start,
        "{id}: all words at one time"
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
async fn piper_conforms_streams_chunk_by_chunk_and_a_drop_stops_inference() {
    let p = support::piper();
    let voice = p.voices()[0].id.clone();
    conforms(&*p, &voice, SPEECH_PER_CHAR).await;
    let text = "A single sentence that goes on, and on, for the whole paragraph.";
    let chunks: Vec<AudioChunk> = p
        .synthesize(request(&voice, text))
        .map(Result::unwrap)
        .collect()
        .await;
    marks_every_word("piper", text, &chunks);

    // The first audio of a multi-sentence text arrives after one chunk's decoding.
    let before = p.stats();
    let mut s = p.synthesize(request(&voice, LONG_TEXT));
    let first = s.next().await.unwrap().unwrap();
    assert!(!first.samples.is_empty());
    assert_eq!(
        p.stats().decoder_runs,
        before.decoder_runs + 1,
        "more than one chunk ran before the first audio"
    );

    // Reading on decodes the next chunk; dropping stops before the one after.
    s.next().await.unwrap().unwrap();
    let read = p.stats().decoder_runs;
    drop(s);
    let idle = support::eventually(Duration::from_secs(10), || {
        p.stats().inferences_running == 0
    })
    .await;
    assert!(idle, "inference still running after the drop");
    assert_eq!(
        p.stats().decoder_runs,
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
