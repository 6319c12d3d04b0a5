//! Claim leases: a gateway that dies mid-stream does not leave its session "streaming"
//! until it expires; a gateway that lives keeps its claim however long the stream runs.

use crate::gated::Gated;
use crate::helpers::{body, collect, TestApp};
use crate::server::RedisServer;
use crate::{gateway, gateway_with};
use futures::StreamExt;
use std::time::Duration;
use tts_gateway::metrics::Metrics;
use tts_gateway::redis_backend::Redis;
use tts_gateway::sessions::{Claim, RedisStore, SessionStore};
use tts_gateway::{Components, Settings};
use tts_providers::mock_tone::MockTone;
use uuid::Uuid;

const LEASE: Duration = Duration::from_millis(1500);

async fn status(app: &TestApp, id: &str) -> serde_json::Value {
    let session: serde_json::Value = app.get_json(&format!("/v1/tts/sessions/{id}")).await;
    session["status"].clone()
}

#[tokio::test]
async fn a_session_abandoned_mid_stream_can_be_streamed_once_its_lease_runs_out() {
    let redis = RedisServer::start().await;
    let app = gateway(&redis, |s| s.redis_claim_lease = LEASE).await;
    let text = "Abandoned mid stream";
    let (id, _) = app.create(&body(text, "pcm16", 16000)).await;

    // Another gateway claims it, then dies: its store goes without completing, failing or
    // releasing anything, and stops renewing.
    {
        let mut settings = Settings::for_tests();
        settings.redis_claim_lease = LEASE;
        let timeout = settings.redis_timeout;
        let prefix = settings.redis_key_prefix.clone();
        let connection = Redis::new(&redis.url(), timeout, &prefix, &Metrics::new()).unwrap();
        let dying = RedisStore::new(connection, &settings, &Metrics::new());
        let claim = dying.claim(Uuid::parse_str(&id).unwrap()).await.unwrap();
        assert!(matches!(claim, Claim::Claimed(_)), "{claim:?}");
    }
    assert_eq!(status(&app, &id).await, "streaming");

    app.eventually("the abandoned session is pending again", || async {
        status(&app, &id).await == "pending"
    })
    .await;
    let streamed = app.stream(&id).await;
    assert!(streamed.is_eos(), "{:?}", streamed.last);
    assert_eq!(streamed.samples(), MockTone::new().render(text));
    assert_eq!(status(&app, &id).await, "completed");
    assert_eq!(app.stream(&id).await.error_code(), Some(409));
}

#[tokio::test]
async fn a_live_stream_keeps_its_claim_for_many_leases() {
    let redis = RedisServer::start().await;
    let gated = Gated::new();
    // Short enough to run out five times over, and long enough that a busy test machine
    // would have to hold up a renewal (due every 200 ms) for 400 ms to lose the claim.
    let lease = Duration::from_millis(600);
    let streaming = gateway_with(
        &redis,
        |s| s.redis_claim_lease = lease,
        Components {
            providers: Some(gated.registry()),
            ..Default::default()
        },
    )
    .await;
    let other = gateway(&redis, |s| s.redis_claim_lease = lease).await;
    let (id, _) = streaming.create(&Gated::body()).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(streaming.ws_url(&id))
        .await
        .unwrap();
    ws.next().await.unwrap().unwrap(); // the first audio frame: the stream is running

    // Five leases later, the claim still holds on every gateway.
    tokio::time::sleep(lease * 5).await;
    assert_eq!(status(&other, &id).await, "streaming");
    assert_eq!(other.stream(&id).await.error_code(), Some(409));

    gated.open();
    let rest = collect(ws).await;
    assert!(rest.is_eos(), "{:?}", rest.last);
    assert_eq!(status(&other, &id).await, "completed");
}
