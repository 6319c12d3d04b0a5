//! Piper specifics beyond the conformance suite: voice metadata, speed, a drop during
//! the first step, a long sentence's first audio before its last chunk is decoded
//! (counted by the provider's stats, never by the clock), and first chunks long enough
//! for the streams that start together.

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
async fn a_drop_during_the_first_step_stops_the_sentence_there() {
    // Its own instance, so that no other test's inference moves its counters.
    let engine = support::espeak().engine().clone();
    let p = tts_providers::piper::Piper::start(&support::piper_config(), engine).unwrap();
    let before = p.stats();
    // One long clause: many chunks of audio.
    let text = "and the long road went on over the hills ".repeat(5);
    let mut s = p.synthesize(request("en_US-joe-medium", &text, None));
    assert!(futures::poll!(s.next()).is_pending());
    let started = support::eventually(Duration::from_secs(10), || {
        p.stats().inferences_running > before.inferences_running
    })
    .await;
    assert!(started, "the inference did not start");
    drop(s);
    let idle = support::eventually(Duration::from_secs(10), || {
        p.stats().inferences_running == 0
    })
    .await;
    assert!(idle, "inference still running after the drop");
    // The step in flight was terminated or finished; none followed it.
    let after = p.stats();
    assert!(after.decoder_runs <= before.decoder_runs + 1, "{after:?}");
    assert_eq!(after.units_synthesized, before.units_synthesized);
}

#[tokio::test]
async fn the_first_audio_of_a_long_sentence_comes_before_its_last_chunk_is_decoded() {
    let engine = support::espeak().engine().clone();
    let p = tts_providers::piper::Piper::start(&support::piper_config(), engine).unwrap();
    // 56 words, one sentence, no clause punctuation: one unit.
    let text = "the travellers who had waited for hours on the cold platform gathered \
        their bags and coats and climbed aboard without a word hoping that the long \
        journey through the mountains would be quicker than the last one and that the \
        heating in the old carriages would work this time so that nobody would have to \
        sleep in a coat again.";
    let before = p.stats();
    let mut s = p.synthesize(request("en_US-joe-medium", text, None));
    let first = s.next().await.unwrap().unwrap();
    let at_first = p.stats();
    let mut chunks = 1;
    while let Some(c) = s.next().await {
        c.unwrap();
        chunks += 1;
    }
    let after = p.stats();
    assert_eq!(after.units_synthesized - before.units_synthesized, 1);
    assert!(chunks >= 2, "one chunk for the whole sentence");
    assert_eq!(at_first.decoder_runs - before.decoder_runs, 1);
    assert_eq!(at_first.encoder_runs - before.encoder_runs, 1, "one window");
    assert!(after.decoder_runs - before.decoder_runs >= 2);
    assert!(after.encoder_runs - before.encoder_runs >= 2, "windows");
    assert!(first.duration_secs() < 1.0, "a small first chunk");
}

#[tokio::test]
async fn words_are_marked_where_they_are_spoken_even_when_espeak_regroups_them() {
    let p = support::piper();
    // espeak says "3,000" and "2024" as several words each.
    let text = "It cost 3,000 dollars in 2024, most of the money.";
    let chunks: Vec<_> = p
        .synthesize(request("en_US-joe-medium", text, None))
        .map(Result::unwrap)
        .collect()
        .await;
    let total: u64 = chunks.iter().map(|c| c.samples.len() as u64).sum();
    let marks: Vec<_> = chunks.iter().flat_map(|c| c.words.clone()).collect();
    let words: Vec<_> = marks.iter().map(|m| m.word.as_str()).collect();
    assert_eq!(
        words,
        ["It", "cost", "3,000", "dollars", "in", "2024", "most", "of", "the", "money"]
    );
    for m in &marks {
        let secs = (m.end - m.start) as f64 / 22_050.0;
        assert!((0.02..2.0).contains(&secs), "{m:?}");
        assert!(m.end <= total);
    }
    // The first word starts within the first quarter second; numbers take longer to say
    // than short words.
    assert!(marks[0].start < 5_512, "{:?}", marks[0]);
    let len = |w: &str| {
        marks
            .iter()
            .find(|m| m.word == w)
            .map(|m| m.end - m.start)
            .unwrap()
    };
    assert!(len("3,000") > len("in") && len("2024") > len("in"));
}

#[tokio::test]
async fn a_first_chunk_lasts_while_the_streams_that_started_with_it_take_theirs() {
    // Its own instance (the streams of other tests must not count as starting), with
    // one worker: streams waiting are counted per worker.
    let engine = support::espeak().engine().clone();
    let config = tts_providers::piper::PiperConfig {
        max_concurrent: 1,
        ..support::piper_config()
    };
    let p = tts_providers::piper::Piper::start(&config, engine).unwrap();
    let text = "the long road went on over the hills and far away past the old mill \
        and the river where the children used to swim on summer evenings long ago";
    let hop = 256;
    // Alone: the 48-frame first chunk.
    let mut alone = p.synthesize(request("en_US-joe-medium", text, None));
    assert_eq!(first_chunk(&mut alone).await, 48 * hop);
    drop(alone);
    // With 7 others open and no audio yet: 10 frames for each, so that it lasts while
    // they take their first turns.
    let others: Vec<_> = (0..7)
        .map(|_| p.synthesize(request("en_US-joe-medium", text, None)))
        .collect();
    let mut first = p.synthesize(request("en_US-joe-medium", text, None));
    assert_eq!(first_chunk(&mut first).await, 70 * hop);
    drop(others);
    // Once they are gone, the next stream starts small again.
    let mut later = p.synthesize(request("en_US-joe-medium", text, None));
    assert_eq!(first_chunk(&mut later).await, 48 * hop);
}

#[tokio::test]
async fn a_request_that_continues_a_stream_starts_with_larger_chunks() {
    // The gateway says how much audio the listener still has (the next sentence through
    // the phrase cache, a realtime context's next segment): the first chunk is then sized
    // as a later one, four times that audio, at most 256 frames.
    let p = support::piper();
    let text = "the long road went on over the hills and far away past the old mill \
        and the river where the children used to swim on summer evenings long ago";
    let hop = 256;
    let with_lead = |ms| {
        let r = request("en_US-joe-medium", text, None);
        r.budget.set(None, 0, Duration::from_millis(ms));
        r
    };
    // 0.5 s = 43 frames of audio ahead: 4 x 43.
    let mut half = p.synthesize(with_lead(500));
    assert_eq!(first_chunk(&mut half).await, 172 * hop);
    let mut two = p.synthesize(with_lead(2_000));
    assert_eq!(first_chunk(&mut two).await, 256 * hop);
    // No lead: a stream's first audio, the 48-frame first chunk (or more when other
    // streams of this shared engine are starting).
    let mut fresh = p.synthesize(with_lead(0));
    assert!(first_chunk(&mut fresh).await < 172 * hop);
}

async fn first_chunk(s: &mut tts_core::AudioStream) -> usize {
    s.next().await.unwrap().unwrap().samples.len()
}
