//! With API keys on, a key's counts are one count across every gateway sharing a Redis,
//! and a token minted by one gateway opens the others (they share AUTH_TOKEN_SECRET).

use crate::gateway;
use crate::helpers::{body, TestApp};
use crate::server::RedisServer;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tts_gateway::auth::{hash_hex, Signer};

const SECRET: &str = "redis-test-secret-redis-test-secret";

/// A keys file of its own holding `lines`.
fn write_keys(lines: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tts-keys-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("keys");
    std::fs::write(&file, lines).unwrap();
    file
}

fn keys_file() -> PathBuf {
    write_keys(&format!(
        "starts {} sessions=2\nwords {} chars=30\n",
        hash_hex("tgk_starts"),
        hash_hex("tgk_words")
    ))
}

async fn keyed(redis: &RedisServer, file: &Path) -> TestApp {
    let file = file.to_path_buf();
    gateway(redis, move |s| {
        s.auth.keys_file = Some(file);
        s.auth.token_signer = Some(Signer::new(SECRET.as_bytes()).unwrap());
        s.rate_limit_window = Duration::from_secs(3600);
    })
    .await
}

async fn create(app: &TestApp, auth: &str) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url("/v1/tts/sessions"))
        .bearer_auth(auth)
        .json(&body("Hello there.", "pcm16", 16000))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn a_keys_limits_are_one_limit_across_gateways_and_tokens_work_on_each() {
    let redis = RedisServer::start().await;
    let file = keys_file();
    let a = keyed(&redis, &file).await;
    let b = keyed(&redis, &file).await;

    assert_eq!(create(&a, "tgk_starts").await.0, 201);
    assert_eq!(create(&b, "tgk_starts").await.0, 201);
    for app in [&a, &b] {
        let (status, v) = create(app, "tgk_starts").await;
        assert_eq!(status, 429, "{v}");
        assert!(v["detail"].as_str().unwrap().contains("sessions=2"), "{v}");
    }

    // "Hello there." is 12 characters: two fit in 30 wherever they are asked, a third not.
    assert_eq!(create(&a, "tgk_words").await.0, 201);
    assert_eq!(create(&b, "tgk_words").await.0, 201);
    let (status, v) = create(&a, "tgk_words").await;
    assert_eq!(status, 429, "{v}");
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("chars=30 characters per day (24 used"),
        "{v}"
    );

    // A token from one gateway opens another, and counts for its key there too.
    let minted: Value = a
        .client
        .post(a.url("/v1/auth/tokens"))
        .bearer_auth("tgk_starts")
        .json(&serde_json::json!({"doors": ["session"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = minted["token"].as_str().unwrap();
    let (status, v) = create(&b, token).await;
    assert_eq!(status, 429, "the token's key has used its starts: {v}");
    assert!(v["detail"].as_str().unwrap().contains("\"starts\""), "{v}");
    let voices = b
        .client
        .get(b.url("/v1/voices"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(voices.status(), 200);
}

/// Gateways whose keys file has `streamer` with `streams=1`, leases of `lease`.
async fn streaming_gateway(redis: &RedisServer, lease: Duration) -> TestApp {
    let file = write_keys(&format!(
        "streamer {} streams=1\n",
        hash_hex("tgk_streamer")
    ));
    gateway(redis, move |s| {
        s.auth.keys_file = Some(file);
        s.redis_claim_lease = lease;
    })
    .await
}

/// A speech request of `streamer` on `app`'s OpenAI door: its status and body.
async fn speak(app: &TestApp) -> (u16, Value) {
    speak_as(app, "tgk_streamer").await
}

async fn speak_as(app: &TestApp, key: &str) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url("/v1/audio/speech"))
        .bearer_auth(key)
        .json(&serde_json::json!({"model": "tts-1", "voice": "en-US-mock-1", "input": "Hi.", "response_format": "pcm"}))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

const ONE_STREAM: &str =
    "key \"streamer\" limit reached: streams=1 running at once; retry when one ends";

fn refused_for_its_one_stream((status, v): (u16, Value)) {
    assert_eq!(status, 429, "{v}");
    assert_eq!(v["error"]["message"], ONE_STREAM, "{v}");
}

/// Leases of `streamer` in Redis now, expired or not.
async fn leases(redis: &RedisServer) -> usize {
    use redis::AsyncCommands;
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    conn.zcard("tts:streams:streamer").await.unwrap()
}

#[tokio::test]
async fn a_keys_running_streams_are_one_count_across_gateways() {
    use futures::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let redis = RedisServer::start().await;
    // Short enough to run out five times over while A's context is open (so the renewals
    // are what keeps the slot), and long enough that a busy machine would have to hold up
    // a renewal (due every 200 ms) for 400 ms to lose it.
    let lease = Duration::from_millis(600);
    let a = streaming_gateway(&redis, lease).await;
    let b = streaming_gateway(&redis, lease).await;

    // A realtime context on A holds the key's one slot while it waits for more text.
    let url = format!(
        "ws://127.0.0.1:{}/v1/tts/realtime?token=tgk_streamer",
        a.state.local_addr.port()
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    let speak_msg = serde_json::json!({"type": "speak", "context_id": "a", "text": "Hello",
        "voice": "en-US-mock-1", "format": "pcm16", "max_buffer_delay_ms": 30000});
    ws.send(Message::Text(speak_msg.to_string().into()))
        .await
        .unwrap();
    a.eventually("A's context holds the slot", || async {
        leases(&redis).await == 1
    })
    .await;
    refused_for_its_one_stream(speak(&b).await);
    refused_for_its_one_stream(speak(&a).await);
    // Five leases later the running context still holds its slot.
    tokio::time::sleep(lease * 5).await;
    assert_eq!(leases(&redis).await, 1);
    refused_for_its_one_stream(speak(&b).await);

    // The context ends: its slot is free for B.
    let cancel = serde_json::json!({"type": "cancel", "context_id": "a"});
    ws.send(Message::Text(cancel.to_string().into()))
        .await
        .unwrap();
    b.eventually("A gives its slot back", || async {
        leases(&redis).await == 0
    })
    .await;
    let (status, _) = speak(&b).await;
    assert_eq!(status, 200);
    assert_eq!(
        leases(&redis).await,
        0,
        "B's finished request gave its slot back"
    );
    drop(ws);
}

#[tokio::test]
async fn a_dead_gateways_stream_slot_is_free_once_its_lease_runs_out() {
    let redis = RedisServer::start().await;
    let lease = Duration::from_millis(1500);
    let b = streaming_gateway(&redis, lease).await;

    // Another gateway takes the key's slot, then dies: it neither renews nor removes it.
    let held = {
        let settings = tts_gateway::Settings::for_tests();
        let connection = tts_gateway::redis_backend::Redis::new(
            &redis.url(),
            settings.redis_timeout,
            &settings.redis_key_prefix,
            &tts_gateway::metrics::Metrics::new(),
        )
        .unwrap();
        let dying = tts_gateway::redis_backend::RedisStreamLeases::new(connection, lease);
        dying
            .acquire("streamer", 1)
            .await
            .unwrap()
            .expect("a free slot")
    };
    refused_for_its_one_stream(speak(&b).await);

    b.eventually("the dead gateway's lease runs out", || async {
        speak(&b).await.0 == 200
    })
    .await;
    drop(held);
    assert_eq!(leases(&redis).await, 0);
}

#[tokio::test]
async fn a_stream_limit_refuses_with_503_while_redis_is_down_and_a_key_without_one_is_served() {
    // Every other count in memory: only the stream leases need the (absent) Redis.
    let down = RedisServer::reserve();
    let file = write_keys(&format!(
        "streamer {} streams=1\nfree {}\n",
        hash_hex("tgk_streamer"),
        hash_hex("tgk_free")
    ));
    let parts = tts_gateway::Components {
        rate_counter: Some(std::sync::Arc::new(
            tts_gateway::rate_limit::MemoryRateCounter::new(100),
        )),
        ..Default::default()
    };
    let app = crate::gateway_with(&down, move |s| s.auth.keys_file = Some(file), parts).await;
    let (status, v) = speak(&app).await;
    assert_eq!(status, 503, "{v}");
    let said = v["error"]["message"].as_str().unwrap();
    assert!(
        said.starts_with("rate limiter unavailable: Redis"),
        "{said}"
    );
    assert_eq!(speak_as(&app, "tgk_free").await.0, 200);
}
