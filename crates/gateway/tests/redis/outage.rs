//! Redis down, slow, or not there yet: creation answers 503 at once with a clear message,
//! `/readyz` says not ready while `/healthz` stays up, a stream already running finishes,
//! and everything works again when Redis is back, without restarting the gateway.

use crate::gated::Gated;
use crate::helpers::{body, collect, TestApp};
use crate::server::RedisServer;
use crate::{gateway, gateway_with};
use futures::StreamExt;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tts_gateway::Components;

/// A generous bound that only a hang would exceed: the gateway must answer, not wait.
const ANSWER_WITHIN: Duration = Duration::from_secs(10);

async fn status(app: &TestApp, path: &str) -> u16 {
    app.get(path).await.status().as_u16()
}

/// POSTs a session and expects a 503 whose detail names Redis; returns the detail.
async fn refused(app: &TestApp) -> String {
    let resp = tokio::time::timeout(ANSWER_WITHIN, app.post_session(&body("hi", "pcm16", 16000)))
        .await
        .expect("the gateway answers instead of hanging");
    assert_eq!(resp.status(), 503);
    let v: serde_json::Value = resp.json().await.unwrap();
    let detail = v["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("Redis"), "{detail}");
    detail
}

async fn recovers(app: &TestApp) {
    let hello = body("back", "pcm16", 16000);
    app.eventually("session creation works again", || async {
        app.post_session(&hello).await.status() == 201
    })
    .await;
    assert_eq!(status(app, "/readyz").await, 200);
    let (id, _) = app.create(&hello).await;
    assert!(app.stream(&id).await.is_eos());
}

#[tokio::test]
async fn a_stream_outlives_a_redis_crash_and_the_gateway_recovers_when_redis_returns() {
    let mut redis = RedisServer::start().await;
    let gated = Gated::new();
    let app = gateway_with(
        &redis,
        |s| s.redis_timeout = Duration::from_millis(200),
        Components {
            providers: Some(gated.registry()),
            ..Default::default()
        },
    )
    .await;
    let (id, _) = app.create(&Gated::body()).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(app.ws_url(&id))
        .await
        .unwrap();
    let first = ws.next().await.unwrap().unwrap();
    assert!(matches!(&first, Message::Text(t) if t.contains(r#""seq":1"#)));

    redis.stop();
    let detail = refused(&app).await;
    assert!(detail.contains("unavailable"), "{detail}");
    assert_eq!(status(&app, "/readyz").await, 503);
    assert_eq!(status(&app, "/healthz").await, 200);

    gated.open();
    let rest = collect(ws).await;
    assert_eq!(
        rest.seqs,
        vec![2],
        "the running stream delivers all its audio"
    );
    assert!(rest.is_eos(), "{:?}", rest.last);
    assert_eq!(rest.close_code, Some(1000));
    let errors = app
        .metric(
            "tts_backend_errors_total",
            &[("backend", "redis"), ("op", "complete")],
        )
        .await;
    // At least once: the gateway keeps retrying the record while Redis is away.
    assert!(errors >= 1.0, "the failed completion is counted");

    redis.restart().await;
    recovers(&app).await;
}

#[tokio::test]
async fn a_frozen_redis_times_out_into_503_and_is_used_again_when_it_thaws() {
    let redis = RedisServer::start().await;
    let app = gateway(&redis, |s| s.redis_timeout = Duration::from_millis(200)).await;
    let (id, _) = app.create(&body("before", "pcm16", 16000)).await;

    redis.pause();
    let detail = refused(&app).await;
    assert!(detail.contains("did not answer within 200 ms"), "{detail}");
    assert_eq!(status(&app, "/readyz").await, 503);
    let s = tokio::time::timeout(ANSWER_WITHIN, app.stream(&id))
        .await
        .unwrap();
    assert_eq!(s.error_code(), Some(503), "{:?}", s.last);
    assert!(
        app.metric(
            "tts_backend_errors_total",
            &[("op", "rate_limit"), ("kind", "timeout")]
        )
        .await
            >= 1.0
    );

    redis.resume();
    recovers(&app).await;
    // The claim that timed out was queued in Redis and made when it thawed; the gateway
    // undoes it, so the session can still be streamed.
    let show = format!("/v1/tts/sessions/{id}");
    app.eventually("the lost claim is undone", || async {
        let v: serde_json::Value = app.get_json(&show).await;
        v["status"] == "pending"
    })
    .await;
    assert!(app.stream(&id).await.is_eos());
}

#[tokio::test]
async fn a_gateway_starts_without_redis_and_becomes_ready_when_it_appears() {
    let mut redis = RedisServer::reserve();
    let app = gateway(&redis, |s| s.redis_timeout = Duration::from_millis(200)).await;
    assert_eq!(status(&app, "/healthz").await, 200);
    assert_eq!(status(&app, "/readyz").await, 503);
    refused(&app).await;

    redis.restart().await;
    recovers(&app).await;
}

#[tokio::test]
async fn an_oversized_body_is_refused_413_on_every_door_without_asking_a_frozen_redis() {
    let redis = RedisServer::start().await;
    let app = gateway(&redis, |s| {
        s.redis_timeout = Duration::from_millis(200);
        s.max_body_bytes = 1024;
    })
    .await;
    redis.pause();
    let big = serde_json::json!({"text": "x".repeat(4096), "input": "x", "transcript": "x"});
    let client = reqwest::Client::new();
    for path in [
        "/v1/tts/sessions",
        "/v1/audio/speech",
        "/v1/speak",
        "/cartesia/tts/bytes",
        "/elevenlabs/v1/text-to-speech/en-US-mock-1",
    ] {
        let resp =
            tokio::time::timeout(ANSWER_WITHIN, client.post(app.url(path)).json(&big).send())
                .await
                .expect("the gateway answers")
                .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        assert_eq!(status, 413, "{path}: {text}");
        assert!(
            text.contains("larger than 1024 bytes (TTS_MAX_BODY_BYTES)"),
            "{path}: {text}"
        );
    }
    let asked = app
        .metric(
            "tts_backend_errors_total",
            &[("backend", "redis"), ("op", "rate_limit")],
        )
        .await;
    assert_eq!(asked, 0.0, "the rate limiter never asked the frozen Redis");
    redis.resume();
}
