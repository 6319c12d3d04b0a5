//! The espeak provider: its voice list, streaming, and speed and pitch.

mod support;

use futures::StreamExt;
use tts_core::{AudioChunk, Provider, SynthesisRequest};

const TEXT: &str = "Speaking rate and pitch should both be honoured by the engine.";

async fn speak(voice: &str, text: &str, speed: Option<f32>, pitch: Option<f32>) -> Vec<AudioChunk> {
    support::espeak()
        .synthesize(SynthesisRequest {
            text: text.into(),
            voice: voice.into(),
            speed,
            pitch,
            ..Default::default()
        })
        .map(|c| c.unwrap())
        .collect()
        .await
}

fn samples(chunks: &[AudioChunk]) -> Vec<i16> {
    chunks
        .iter()
        .flat_map(|c| c.samples.iter().copied())
        .collect()
}

/// Median fundamental frequency of the loud 40 ms frames, by autocorrelation in 60–500 Hz.
fn median_f0(s: &[i16], rate: u32) -> f64 {
    let frame = rate as usize / 25;
    let (min_lag, max_lag) = (rate as usize / 500, rate as usize / 60);
    let mut f0s: Vec<f64> = s
        .chunks_exact(frame)
        .filter(|f| f.iter().map(|&x| f64::from(x).abs()).sum::<f64>() / frame as f64 > 1500.0)
        .map(|f| {
            let corr = |lag: usize| -> f64 {
                (0..frame - lag)
                    .map(|i| f64::from(f[i]) * f64::from(f[i + lag]))
                    .sum()
            };
            let best = (min_lag..max_lag)
                .max_by(|&a, &b| corr(a).total_cmp(&corr(b)))
                .unwrap();
            f64::from(rate) / best as f64
        })
        .collect();
    f0s.sort_by(f64::total_cmp);
    f0s[f0s.len() / 2]
}

#[tokio::test]
async fn every_language_is_listed_with_a_canonical_tag() {
    let voices = support::espeak().voices();
    assert!(voices.len() > 50, "only {} voices", voices.len());
    let tag = |id: &str| {
        voices
            .iter()
            .find(|v| v.id == id)
            .map(|v| v.language.clone())
    };
    assert_eq!(tag("espeak-en-US").as_deref(), Some("en-US"));
    assert_eq!(tag("espeak-en-GB").as_deref(), Some("en-GB"));
    assert_eq!(tag("espeak-en-GB-x-rp").as_deref(), Some("en-GB-x-rp"));
    assert_eq!(tag("espeak-ko").as_deref(), Some("ko"));
    assert_eq!(tag("espeak-zh-CN").as_deref(), Some("zh-CN"));
    assert_eq!(tag("espeak-zh-HK").as_deref(), Some("zh-HK"));
    assert!(voices.iter().all(|v| v.sample_rate_hz == 22_050));
}

#[tokio::test]
async fn korean_is_spoken() {
    let chunks = speak("espeak-ko", "안녕하세요. 만나서 반갑습니다.", None, None).await;
    assert!(samples(&chunks).len() > 22_050 / 2);
}

#[tokio::test]
async fn audio_arrives_in_small_chunks_as_it_is_made() {
    let chunks = speak("espeak-en-US", TEXT, None, None).await;
    assert!(chunks.len() > 10);
    // ~100 ms buffers from the callback, never the whole utterance at once.
    assert!(chunks.iter().all(|c| c.samples.len() <= 22_050 / 5));
}

#[tokio::test]
async fn speed_shortens_the_audio() {
    let normal = samples(&speak("espeak-en-US", TEXT, None, None).await).len() as f64;
    let fast = samples(&speak("espeak-en-US", TEXT, Some(2.0), None).await).len() as f64;
    let slow = samples(&speak("espeak-en-US", TEXT, Some(0.6), None).await).len() as f64;
    assert!(fast < normal * 0.7, "fast {fast} vs normal {normal}");
    assert!(slow > normal * 1.3, "slow {slow} vs normal {normal}");
}

#[tokio::test]
async fn pitch_raises_the_voice() {
    let low = median_f0(
        &samples(&speak("espeak-en-US", TEXT, None, Some(0.2)).await),
        22_050,
    );
    let high = median_f0(
        &samples(&speak("espeak-en-US", TEXT, None, Some(1.9)).await),
        22_050,
    );
    assert!(high > low * 1.2, "high {high:.0} Hz vs low {low:.0} Hz");
}

#[tokio::test]
async fn text_with_nothing_to_say_is_a_bad_request() {
    let p = support::espeak();
    let mut s = p.synthesize(SynthesisRequest {
        text: " ... ".into(),
        voice: "espeak-en-US".into(),
        ..Default::default()
    });
    let e = s.next().await.unwrap().unwrap_err();
    assert_eq!(e.kind, tts_core::ProviderErrorKind::BadRequest);
}

#[tokio::test]
async fn word_marks_follow_the_speech_across_sentences() {
    let p = support::espeak();
    let text = "Hello world. Then, a second sentence follows.";
    let chunks: Vec<tts_core::AudioChunk> = p
        .synthesize(tts_core::SynthesisRequest {
            text: text.into(),
            voice: "espeak-en-US".into(),
            ..Default::default()
        })
        .map(Result::unwrap)
        .collect()
        .await;
    let samples: Vec<i16> = chunks.iter().flat_map(|c| c.samples.clone()).collect();
    let marks: Vec<_> = chunks.iter().flat_map(|c| c.words.clone()).collect();
    // Loud 10 ms frames, to compare the marks with.
    let loud: Vec<usize> = samples
        .chunks(220)
        .enumerate()
        .filter(|(_, c)| c.iter().map(|&s| i32::from(s).abs()).max().unwrap_or(0) > 2000)
        .map(|(i, _)| i * 220)
        .collect();
    let words: Vec<&str> = marks.iter().map(|m| m.word.as_str()).collect();
    assert_eq!(
        words,
        ["Hello", "world", "Then", "a", "second", "sentence", "follows"]
    );
    // Each word lasts a plausible time, and the first starts with the speech.
    for m in &marks {
        let secs = (m.end - m.start) as f64 / 22_050.0;
        assert!((0.03..1.2).contains(&secs), "{m:?}");
    }
    let first_sound = loud[0] as u64;
    assert!(marks[0].start <= first_sound && first_sound - marks[0].start < 4410);
    // The second sentence's words start after the first sentence's last word began.
    assert!(marks[2].start > marks[1].start);
}
