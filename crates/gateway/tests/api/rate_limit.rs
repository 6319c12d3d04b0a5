//! Per-client rate limiting of session creation.

use crate::helpers::{body, spawn_with};
use serde_json::Value;
use tts_gateway::Components;

#[tokio::test]
async fn the_limit_answers_429_with_retry_after_and_is_counted() {
    let app = spawn_with(|s| s.rate_limit_max_requests = 3, Components::default()).await;
    for _ in 0..3 {
        assert_eq!(
            app.post_session(&body("hi", "pcm16", 16000)).await.status(),
            201
        );
    }
    let resp = app.post_session(&body("hi", "pcm16", 16000)).await;
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    let v: Value = resp.json().await.unwrap();
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("at most 3 sessions per 60 s"),
        "{v}"
    );
    assert_eq!(
        app.metric("tts_rate_limit_hits_total", &[("scope", "ip")])
            .await,
        1.0
    );
    assert_eq!(
        app.metric("tts_rate_limit_max_bucket_usage", &[("scope", "ip")])
            .await,
        1.0
    );
    let remaining = app
        .metric(
            "tts_rate_limit_window_remaining_seconds",
            &[("scope", "ip")],
        )
        .await;
    assert!(remaining > 0.0 && remaining <= 60.0);
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    let post = |app: &crate::helpers::TestApp, xff: &'static str| {
        app.client
            .post(app.url("/v1/tts/sessions"))
            .header("x-forwarded-for", xff)
            .json(&body("hi", "pcm16", 16000))
            .send()
    };
    // Untrusted peer: forged X-Forwarded-For does not give a fresh bucket.
    let app = spawn_with(|s| s.rate_limit_max_requests = 1, Components::default()).await;
    assert_eq!(post(&app, "198.51.100.1").await.unwrap().status(), 201);
    assert_eq!(post(&app, "198.51.100.2").await.unwrap().status(), 429);
    // Behind a trusted proxy: each forwarded client has its own bucket.
    let app = spawn_with(
        |s| {
            s.rate_limit_max_requests = 1;
            s.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
        },
        Components::default(),
    )
    .await;
    assert_eq!(post(&app, "198.51.100.1").await.unwrap().status(), 201);
    assert_eq!(post(&app, "198.51.100.2").await.unwrap().status(), 201);
    assert_eq!(post(&app, "198.51.100.1").await.unwrap().status(), 429);
}
