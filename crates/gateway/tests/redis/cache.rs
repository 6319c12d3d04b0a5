//! The phrase cache's Redis tier: a sentence synthesised by one gateway is heard from
//! another without its engine, and a Redis that is down only costs the cache, never the
//! request.

use crate::gateway_with;
use crate::helpers::{body, TestApp};
use crate::server::RedisServer;
use std::sync::Arc;
use std::time::Duration;
use tts_gateway::rate_limit::MemoryRateCounter;
use tts_gateway::sessions::MemoryStore;
use tts_gateway::{Components, Settings};

fn cached(s: &mut Settings) {
    s.cache.budget_bytes = 8 << 20;
}

async fn count(app: &TestApp, name: &str, labels: &[(&str, &str)]) -> f64 {
    app.metric(name, labels).await
}

#[tokio::test]
async fn a_sentence_synthesised_by_one_gateway_is_a_hit_on_another() {
    let redis = RedisServer::start().await;
    let a = gateway_with(&redis, cached, Components::default()).await;
    let b = gateway_with(&redis, cached, Components::default()).await;
    let text = body("Your order has shipped.", "pcm16", 16000);
    let (id, _) = a.create(&text).await;
    let first = a.stream(&id).await;
    assert!(first.is_eos());
    a.eventually("the sentence reached Redis", || async {
        count(
            &a,
            "tts_backend_latency_seconds_count",
            &[("op", "cache_set")],
        )
        .await
            >= 1.0
    })
    .await;
    let (id, _) = b.create(&text).await;
    let second = b.stream(&id).await;
    assert!(second.is_eos());
    assert_eq!(second.audio, first.audio);
    let mock = [("provider", "mock_tone")];
    assert_eq!(count(&b, "tts_cache_misses_total", &mock).await, 0.0);
    let redis_hit = [("provider", "mock_tone"), ("tier", "redis")];
    assert_eq!(count(&b, "tts_cache_hits_total", &redis_hit).await, 1.0);
}

#[tokio::test]
async fn a_redis_that_is_down_is_bypassed_and_the_request_succeeds() {
    // Sessions and rate limits in memory: only the cache uses the (absent) Redis.
    let down = RedisServer::reserve();
    let parts = Components {
        store: Some(Arc::new(MemoryStore::new(
            Duration::from_secs(60),
            100,
            1 << 20,
        ))),
        rate_counter: Some(Arc::new(MemoryRateCounter::new(100))),
        ..Default::default()
    };
    let app = gateway_with(&down, cached, parts).await;
    let text = body("Still here.", "pcm16", 16000);
    let mut heard = Vec::new();
    for _ in 0..2 {
        let (id, _) = app.create(&text).await;
        let streamed = app.stream(&id).await;
        assert!(streamed.is_eos(), "{:?}", streamed.last);
        heard.push(streamed.audio);
    }
    assert_eq!(heard[0], heard[1]);
    let mock = [("provider", "mock_tone")];
    assert_eq!(count(&app, "tts_cache_misses_total", &mock).await, 1.0);
    let memory = [("provider", "mock_tone"), ("tier", "memory")];
    assert_eq!(count(&app, "tts_cache_hits_total", &memory).await, 1.0);
}

/// The keys of `redis` matching `pattern`.
async fn keys(redis: &RedisServer, pattern: &str) -> Vec<String> {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("KEYS")
        .arg(pattern)
        .query_async(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn cache_redis_url_keeps_the_shared_tier_apart_from_the_sessions() {
    let sessions = RedisServer::start().await;
    let phrases = RedisServer::start().await;
    let apart = |s: &mut Settings| {
        cached(s);
        s.cache.redis_url = Some(phrases.url());
    };
    let a = gateway_with(&sessions, apart, Components::default()).await;
    let b = gateway_with(&sessions, apart, Components::default()).await;
    let text = body("Your call is important to us.", "pcm16", 16000);
    let (id, _) = a.create(&text).await;
    let first = a.stream(&id).await;
    assert!(first.is_eos());
    a.eventually("the sentence reached the cache's Redis", || async {
        !keys(&phrases, "tts:phrase:*").await.is_empty()
    })
    .await;
    let (id, _) = b.create(&text).await;
    let second = b.stream(&id).await;
    assert_eq!(second.audio, first.audio);
    let redis_hit = [("provider", "mock_tone"), ("tier", "redis")];
    assert_eq!(count(&b, "tts_cache_hits_total", &redis_hit).await, 1.0);
    // The sessions went to their Redis, and no sentence did.
    assert!(!keys(&sessions, "tts:session:*").await.is_empty());
    assert!(keys(&sessions, "tts:phrase:*").await.is_empty());
    assert!(keys(&phrases, "tts:session:*").await.is_empty());
}
