//! What the gateway leaves in Redis: documented keys under `REDIS_KEY_PREFIX`, each with a
//! TTL, audio as raw PCM within one budget for all gateways; so an operator can size,
//! inspect and share the Redis.

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
    let rate: u32 = conn.hget(&session, "audio_rate").await.unwrap();
    assert_eq!(rate, 16000);
    let pcm: Vec<u8> = conn.get(&audio).await.unwrap();
    assert_eq!(
        pcm, streamed.audio,
        "mock_tone's native format is what was streamed"
    );

    let bytes: usize = conn.get("edge-1:audio-bytes").await.unwrap();
    assert_eq!(bytes, pcm.len());
    let index: Vec<String> = conn.lrange("edge-1:audio-index", 0, -1).await.unwrap();
    assert_eq!(index.len(), 1);
    assert!(index[0].starts_with(&format!("{id} {bytes} ")), "{index:?}");

    let words: String = conn.get(format!("edge-1:audio-words:{id}")).await.unwrap();
    let words: serde_json::Value = serde_json::from_str(&words).unwrap();
    assert_eq!(words[0]["word"], "layout", "{words}");
    let file = crate::helpers::file_alignment(&app, &id, "").await;
    assert_eq!(file["words"], words);

    let keys: Vec<String> = conn.keys("*").await.unwrap();
    assert_eq!(keys.len(), 6, "{keys:?}");
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

#[tokio::test]
async fn the_audio_budget_holds_across_gateways_and_the_oldest_audio_goes_first() {
    let redis = RedisServer::start().await;
    // Room for two sessions of four characters (4 × 3 200 bytes each), not three.
    let small = |s: &mut tts_gateway::Settings| s.audio_budget_bytes = 30_000;
    let a = gateway(&redis, small).await;
    let b = gateway(&redis, small).await;
    let mut ids = vec![];
    for app in [&a, &b, &a] {
        let (id, _) = app.create(&body("abcd", "pcm16", 16000)).await;
        assert!(app.stream(&id).await.is_eos());
        ids.push(id);
    }
    let file = |id: &str| {
        b.client
            .get(b.url(&format!("/v1/tts/sessions/{id}/file")))
            .send()
    };
    assert_eq!(file(&ids[0]).await.unwrap().status(), 410);
    assert_eq!(file(&ids[1]).await.unwrap().status(), 200);
    assert_eq!(file(&ids[2]).await.unwrap().status(), 200);

    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let bytes: usize = conn.get("tts:audio-bytes").await.unwrap();
    assert_eq!(bytes, 2 * 4 * 3200);
}

#[tokio::test]
async fn expired_audio_leaves_the_budget() {
    let redis = RedisServer::start().await;
    // Audio completed on `brief` expires at once; on `app`, not during the test.
    let brief = gateway(&redis, |s| s.session_ttl = Duration::from_millis(300)).await;
    let app = gateway(&redis, |_| {}).await;
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();

    let (first, _) = brief.create(&body("abcd", "pcm16", 16000)).await;
    assert!(brief.stream(&first).await.is_eos());
    let first_audio = format!("tts:audio:{first}");
    app.eventually("the first audio expires", || {
        let mut conn = conn.clone();
        let key = first_audio.clone();
        async move { !conn.exists::<_, bool>(&key).await.unwrap() }
    })
    .await;
    let (second, _) = app.create(&body("ab", "pcm16", 16000)).await;
    assert!(app.stream(&second).await.is_eos());

    let bytes: usize = conn.get("tts:audio-bytes").await.unwrap();
    assert_eq!(bytes, 2 * 3200, "only the live audio is counted");
    let index: Vec<String> = conn.lrange("tts:audio-index", 0, -1).await.unwrap();
    assert_eq!(index.len(), 1);
    assert!(index[0].starts_with(&second));
}
