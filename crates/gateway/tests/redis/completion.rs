//! A completion Redis cannot take when the stream ends: the gateway keeps the audio the
//! client heard and records it once Redis answers, so `/file` on any gateway returns that
//! audio and never synthesises the session again (an engine that samples noise, such as
//! Piper or the [`Gated`] double, would give other audio). A record that can never be
//! written is reported, and `/file` says so instead of answering other audio.

use crate::gated::Gated;
use crate::helpers::{collect, Streamed, TestApp};
use crate::server::RedisServer;
use crate::{gateway, gateway_with};
use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tts_gateway::{Components, Settings};

const LEASE: Duration = Duration::from_millis(900);

fn short(s: &mut Settings) {
    s.redis_timeout = Duration::from_millis(200);
    s.redis_claim_lease = LEASE;
}

/// A gateway with the [`Gated`] double, configured by [`short`] then `configure`.
async fn gated_gateway(
    redis: &RedisServer,
    gated: &Arc<Gated>,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let parts = Components {
        providers: Some(gated.registry()),
        ..Default::default()
    };
    gateway_with(
        redis,
        |s| {
            short(s);
            configure(s);
        },
        parts,
    )
    .await
}

/// Streams a gated session on `app`, freezing `redis` before its end: returns its id and
/// what the client received. Redis stays frozen.
async fn stream_into_a_frozen_redis(
    app: &TestApp,
    redis: &RedisServer,
    gated: &Gated,
) -> (String, Streamed) {
    let (id, _) = app.create(&Gated::body()).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(app.ws_url(&id))
        .await
        .unwrap();
    let first = ws.next().await.unwrap().unwrap();
    redis.pause();
    // One permit for this stream, one for a second synthesis should anything try one.
    gated.open();
    gated.open();
    let mut streamed = collect(ws).await;
    assert!(streamed.is_eos(), "{:?}", streamed.last);
    // `collect` took the frames after the first; put the first one's audio in front.
    let first: serde_json::Value = serde_json::from_str(first.to_text().unwrap()).unwrap();
    let mut audio = base64_decode(first["data"].as_str().unwrap());
    audio.extend_from_slice(&streamed.audio);
    streamed.audio = audio;
    (id, streamed)
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

async fn file(app: &TestApp, id: &str) -> (u16, Vec<u8>) {
    let resp = app
        .get(&format!("/v1/tts/sessions/{id}/file?format=pcm16"))
        .await;
    (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_completion_redis_missed_is_kept_and_recorded_so_every_file_is_the_streamed_audio() {
    let redis = RedisServer::start().await;
    let gated = Gated::new();
    let app = gated_gateway(&redis, &gated, |_| {}).await;
    let other = gateway(&redis, short).await;
    let (id, streamed) = stream_into_a_frozen_redis(&app, &redis, &gated).await;

    // Redis is still frozen: the gateway that streamed answers from what it kept.
    let (status, body) = file(&app, &id).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        body, streamed.audio,
        "/file here is the audio the client heard"
    );
    assert_eq!(app.metric("tts_unrecorded_completions", &[]).await, 1.0);

    // Frozen for longer than a lease: the claim lapses in Redis meanwhile.
    tokio::time::sleep(LEASE * 2).await;
    redis.resume();

    let (status, body) = file(&other, &id).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        body, streamed.audio,
        "/file on another gateway, through Redis"
    );
    app.eventually("the late record is counted", || async {
        app.metric("tts_late_records_total", &[("outcome", "recorded")])
            .await
            == 1.0
    })
    .await;
    assert_eq!(app.metric("tts_unrecorded_completions", &[]).await, 0.0);
    assert_eq!(file(&app, &id).await.1, streamed.audio);
    let show: serde_json::Value = other.get_json(&format!("/v1/tts/sessions/{id}")).await;
    assert_eq!(show["status"], "completed");
}

#[tokio::test]
async fn a_completion_that_cannot_be_recorded_before_the_session_expires_is_reported_not_synthesised_again(
) {
    let redis = RedisServer::start().await;
    let gated = Gated::new();
    let ttl = Duration::from_secs(2);
    let app = gated_gateway(&redis, &gated, |s| s.session_ttl = ttl).await;
    let (id, streamed) = stream_into_a_frozen_redis(&app, &redis, &gated).await;
    assert_eq!(file(&app, &id).await.1, streamed.audio);

    app.eventually(
        "the completion is given up when the session expires",
        || async {
            app.metric("tts_late_records_total", &[("outcome", "expired")])
                .await
                == 1.0
        },
    )
    .await;
    assert_eq!(app.metric("tts_unrecorded_completions", &[]).await, 0.0);
    let (status, body) = file(&app, &id).await;
    assert_eq!(status, 410, "{}", String::from_utf8_lossy(&body));
    let detail = String::from_utf8_lossy(&body).to_string();
    assert!(detail.contains("was not recorded"), "{detail}");
    redis.resume();
    assert_eq!(file(&app, &id).await.0, 410, "still, once Redis is back");
}
