//! Provider failures: retries before the first audio, timeouts, mid-stream failures and
//! the circuit breaker.

use crate::doubles::{double_body, spawn_double, Behaviour, Double};
use std::sync::atomic::Ordering;
use std::time::Duration;

#[tokio::test]
async fn failures_before_the_first_audio_are_retried() {
    let double = Double::new("flaky", Behaviour::FailFirst(2));
    let app = spawn_double(&double, |_| {}).await;
    let (id, _) = app.create(&double_body("flaky")).await;
    let s = app.stream(&id).await;
    assert!(s.is_eos(), "{:?}", s.last);
    assert_eq!(s.seqs, vec![1, 2, 3]);
    assert_eq!(double.calls.load(Ordering::SeqCst), 3);
    assert_eq!(
        app.metric("tts_provider_failures_total", &[("provider", "flaky")])
            .await,
        2.0
    );
}

#[tokio::test]
async fn a_silent_engine_times_out_with_an_error_frame() {
    let double = Double::new("hang", Behaviour::Hang);
    let app = spawn_double(&double, |s| {
        s.first_chunk_timeout = Duration::from_millis(100);
        s.provider_retries = 1;
    })
    .await;
    let (id, _) = app.create(&double_body("hang")).await;
    let s = app.stream(&id).await;
    assert_eq!(s.error_code(), Some(504));
    assert_eq!(s.close_code, Some(1011));
    assert_eq!(double.calls.load(Ordering::SeqCst), 2, "one retry");
    assert_eq!(
        app.metric(
            "tts_sessions_total",
            &[("provider", "hang"), ("status", "failed")]
        )
        .await,
        1.0
    );
}

#[tokio::test]
async fn a_failure_after_audio_was_sent_is_not_retried() {
    let double = Double::new("midway", Behaviour::FailMidway);
    let app = spawn_double(&double, |_| {}).await;
    let (id, _) = app.create(&double_body("midway")).await;
    let s = app.stream(&id).await;
    assert_eq!(
        s.seqs,
        vec![1, 2],
        "audio produced before the failure is delivered"
    );
    assert_eq!(s.error_code(), Some(502));
    assert_eq!(s.close_code, Some(1011));
    assert_eq!(double.calls.load(Ordering::SeqCst), 1);
    let file = app.get(&format!("/v1/tts/sessions/{id}/file")).await;
    assert_eq!(file.status(), 409);
}

#[tokio::test]
async fn the_circuit_opens_after_repeated_failures() {
    let double = Double::new("down", Behaviour::FailFirst(usize::MAX));
    let app = spawn_double(&double, |s| {
        s.provider_retries = 0;
        s.breaker_failures = 3;
        s.breaker_cooldown = Duration::from_secs(60);
    })
    .await;
    for _ in 0..3 {
        let (id, _) = app.create(&double_body("down")).await;
        let s = app.stream(&id).await;
        assert_eq!(s.error_code(), Some(503));
        assert_eq!(s.close_code, Some(1011));
    }
    let (id, _) = app.create(&double_body("down")).await;
    let s = app.stream(&id).await;
    assert_eq!(s.error_code(), Some(503));
    assert_eq!(s.close_code, Some(1013));
    assert!(s.last.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("circuit open"));
    assert_eq!(
        double.calls.load(Ordering::SeqCst),
        3,
        "an open circuit does not call the engine"
    );
    assert_eq!(
        app.metric("tts_provider_circuit_open", &[("provider", "down")])
            .await,
        1.0
    );
}

#[tokio::test]
async fn audio_at_another_rate_than_declared_is_resampled_to_the_requested_rate() {
    let double = Double::new("remote", Behaviour::OtherRate);
    let app = spawn_double(&double, |_| {}).await;
    let (id, _) = app.create(&double_body("remote")).await;
    let s = app.stream(&id).await;
    assert!(s.is_eos(), "{:?}", s.last);
    // 0.3 s at the requested 16 kHz, give or take the resampler's edges.
    let n = s.samples().len() as i64;
    assert!((n - 4800).abs() <= 32, "{n} samples");
    let file = app
        .get(&format!("/v1/tts/sessions/{id}/file?format=pcm16"))
        .await;
    assert_eq!(
        file.headers()["content-type"],
        "audio/L16;rate=16000;channels=1"
    );
    let len = file.bytes().await.unwrap().len() as i64 / 2;
    assert!((len - 4800).abs() <= 32, "{len} samples in the file");
}
