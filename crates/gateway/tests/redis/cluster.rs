//! Several gateways sharing one Redis act as one service: a session created on one streams
//! on another and downloads from a third; the rate limit and the stream-once rule hold
//! across all of them; a restarted gateway serves what was created before.

use crate::helpers::{body, collect, TestApp};
use crate::server::RedisServer;
use crate::{gateway, gateway_with};
use std::time::Duration;
use tts_gateway::Components;

async fn file(app: &TestApp, id: &str, format: &str) -> reqwest::Response {
    app.get(&format!("/v1/tts/sessions/{id}/file?format={format}"))
        .await
}

#[tokio::test]
async fn a_session_created_on_one_gateway_streams_on_a_second_and_downloads_from_a_third() {
    let redis = RedisServer::start().await;
    let a = gateway(&redis, |_| {}).await;
    let b = gateway(&redis, |_| {}).await;
    let c = gateway(&redis, |_| {}).await;

    let (id, _) = a.create(&body("Hello KeyReply!", "pcm16", 16000)).await;
    let streamed = b.stream(&id).await;
    assert!(streamed.is_eos(), "{:?}", streamed.last);
    assert_eq!(
        streamed.audio.len(),
        15 * 3200,
        "100 ms of 16 kHz PCM per character"
    );

    let resp = file(&c, &id, "pcm16").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap(), streamed.audio);
    let status: serde_json::Value = c.get_json(&format!("/v1/tts/sessions/{id}")).await;
    assert_eq!(status["status"], "completed");
    for (app, op) in [
        (&a, "insert"),
        (&b, "claim"),
        (&b, "complete"),
        (&c, "audio"),
    ] {
        let calls = app
            .metric(
                "tts_backend_latency_seconds_count",
                &[("backend", "redis"), ("op", op)],
            )
            .await;
        assert!(calls >= 1.0, "{op} was timed");
    }
}

#[tokio::test]
async fn the_rate_limit_is_one_limit_across_gateways() {
    let redis = RedisServer::start().await;
    let limited = |s: &mut tts_gateway::Settings| {
        s.rate_limit_max_requests = 4;
        s.rate_limit_window = Duration::from_secs(3600);
    };
    let a = gateway(&redis, limited).await;
    let b = gateway(&redis, limited).await;
    let hello = body("hi", "pcm16", 16000);
    for app in [&a, &b, &a, &b] {
        assert_eq!(app.post_session(&hello).await.status(), 201);
    }
    for app in [&a, &b] {
        let resp = app.post_session(&hello).await;
        assert_eq!(resp.status(), 429);
        assert!(resp.headers().contains_key("retry-after"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_many_simultaneous_connections_on_two_gateways_exactly_one_streams() {
    let redis = RedisServer::start().await;
    let a = gateway(&redis, |_| {}).await;
    let b = gateway(&redis, |_| {}).await;
    let (id, _) = a.create(&body("race", "pcm16", 16000)).await;

    let urls: Vec<String> = (0..16)
        .map(|i| {
            if i % 2 == 0 {
                a.ws_url(&id)
            } else {
                b.ws_url(&id)
            }
        })
        .collect();
    let attempts = urls.into_iter().map(|url| {
        tokio::spawn(async move {
            let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
            collect(ws).await
        })
    });
    let results = futures::future::join_all(attempts).await;
    let (mut streamed, mut refused) = (0, 0);
    for r in results {
        let s = r.unwrap();
        if s.is_eos() {
            streamed += 1;
            assert_eq!(s.audio.len(), 4 * 3200);
        } else {
            assert_eq!(s.error_code(), Some(409), "{:?}", s.last);
            assert!(s.audio.is_empty());
            refused += 1;
        }
    }
    assert_eq!((streamed, refused), (1, 15));
}

#[tokio::test]
async fn a_restarted_gateway_serves_sessions_created_before_the_restart() {
    let redis = RedisServer::start().await;
    let before = gateway(&redis, |_| {}).await;
    let (done, _) = before.create(&body("done", "pcm16", 16000)).await;
    let streamed = before.stream(&done).await;
    assert!(streamed.is_eos());
    let (pending, _) = before.create(&body("later", "pcm16", 16000)).await;
    before.shutdown().await;

    let after = gateway(&redis, |_| {}).await;
    let resp = file(&after, &done, "pcm16").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap(), streamed.audio);
    let s = after.stream(&pending).await;
    assert!(s.is_eos(), "{:?}", s.last);
    assert_eq!(s.seqs, (1..=s.seqs.len() as u64).collect::<Vec<_>>());
    assert_eq!(after.stream(&done).await.error_code(), Some(409));
}

#[tokio::test]
async fn audio_beyond_the_per_session_cap_streams_but_is_not_retained() {
    let redis = RedisServer::start().await;
    let app = gateway_with(
        &redis,
        |s| s.audio_budget_bytes = 10_000,
        Components::default(),
    )
    .await;
    let (id, _) = app.create(&body("long enough", "pcm16", 16000)).await;
    let s = app.stream(&id).await;
    assert!(s.is_eos());
    assert_eq!(s.audio.len(), 11 * 3200);
    let resp = file(&app, &id, "wav").await;
    assert_eq!(resp.status(), 410);
}

/// `/file` asked on one gateway while another streams the session waits on the session's
/// pub/sub channel (no polling) and answers with the streamed audio once the stream ends.
#[tokio::test]
async fn a_file_asked_during_a_stream_on_another_gateway_is_the_streamed_audio() {
    let redis = RedisServer::start().await;
    let gated = crate::gated::Gated::new();
    let streaming = gateway_with(
        &redis,
        |_| {},
        Components {
            providers: Some(gated.registry()),
            ..Default::default()
        },
    )
    .await;
    let other = gateway(&redis, |_| {}).await;
    let (id, _) = streaming.create(&crate::gated::Gated::body()).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(streaming.ws_url(&id))
        .await
        .unwrap();
    use futures::StreamExt;
    let first = ws.next().await.unwrap().unwrap(); // the stream is running
    let waiting = tokio::spawn({
        let url = other.url(&format!("/v1/tts/sessions/{id}/file?format=pcm16"));
        async move { reqwest::get(url).await.unwrap() }
    });
    other
        .eventually(
            "the /file request waits on the session's channel",
            || async {
                other
                    .metric(
                        "tts_backend_latency_seconds_count",
                        &[("backend", "redis"), ("op", "subscribe")],
                    )
                    .await
                    >= 1.0
            },
        )
        .await;
    assert!(
        !waiting.is_finished(),
        "/file answered before the stream ended"
    );
    gated.open();
    let mut streamed = collect(futures::stream::iter([Ok(first)]).chain(ws)).await;
    assert!(streamed.is_eos(), "{:?}", streamed.last);
    let resp = waiting.await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.bytes().await.unwrap(),
        std::mem::take(&mut streamed.audio)
    );
}
