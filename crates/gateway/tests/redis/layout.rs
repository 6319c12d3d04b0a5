//! What the gateway leaves in Redis: documented keys under `REDIS_KEY_PREFIX`, each with a
//! TTL, audio as raw PCM; so an operator can size, inspect and share the Redis.

use crate::gateway;
use crate::helpers::body;
use crate::server::RedisServer;
use redis::AsyncCommands;
use std::time::Duration;

#[tokio::test]
async fn sessions_audio_and_counters_are_prefixed_keys_that_expire() {
    let redis = RedisServer::start().await;
    let app = gateway(&redis, |s| {
        s.redis_key_prefix = "edge-1:".into();
        s.session_ttl = Duration::from_secs(120);
        s.rate_limit_window = Duration::from_secs(60);
    })
    .await;
    let (id, _) = app.create(&body("layout", "pcm16", 16000)).await;
    let streamed = app.stream(&id).await;
    assert!(streamed.is_eos());

    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let session = format!("edge-1:session:{id}");
    let audio = format!("edge-1:audio:{id}");
    let status: String = conn.hget(&session, "status").await.unwrap();
    assert_eq!(status, "completed");
    let data: String = conn.hget(&session, "data").await.unwrap();
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(data["request"]["text"], "layout");
    let rate: u32 = conn.hget(&audio, "rate").await.unwrap();
    assert_eq!(rate, 16000);
    let pcm: Vec<u8> = conn.hget(&audio, "pcm").await.unwrap();
    assert_eq!(
        pcm, streamed.audio,
        "mock_tone's native format is what was streamed"
    );

    let keys: Vec<String> = conn.keys("*").await.unwrap();
    assert_eq!(keys.len(), 3, "{keys:?}");
    for key in keys {
        assert!(key.starts_with("edge-1:"), "{key}");
        let ttl: i64 = conn.pttl(&key).await.unwrap();
        let limit = if key.starts_with("edge-1:rl:") {
            60_000
        } else {
            120_000
        };
        assert!(ttl > 0 && ttl <= limit, "{key} expires in {ttl} ms");
    }
}
