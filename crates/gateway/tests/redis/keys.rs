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

fn keys_file() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tts-keys-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("keys");
    let text = format!(
        "starts {} sessions=2\nwords {} chars=30\n",
        hash_hex("tgk_starts"),
        hash_hex("tgk_words")
    );
    std::fs::write(&file, text).unwrap();
    file
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
