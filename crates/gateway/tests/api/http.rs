//! Plain HTTP endpoints: banner, health, voices, metrics, CORS, ws_url construction.

use crate::helpers::{body, spawn_app, spawn_with};
use serde_json::Value;
use tts_gateway::Components;

#[tokio::test]
async fn root_and_health_answer() {
    let app = spawn_app().await;
    let root = app.get("/").await;
    assert_eq!(root.status(), 200);
    assert!(root.text().await.unwrap().contains("tts-gateway"));
    let health: Value = app.get_json("/healthz").await;
    assert_eq!(health, serde_json::json!({"status": "ok"}));
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
}

#[tokio::test]
async fn voices_list_the_mock_voice_with_its_formats() {
    let app = spawn_app().await;
    let v: Value = app.get_json("/v1/voices").await;
    let voice = v["voices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "en-US-mock-1")
        .expect("mock voice");
    assert_eq!(voice["name"], "Mock Tone Voice");
    assert_eq!(voice["language"], "en-US");
    assert_eq!(voice["provider"], "mock_tone");
    assert_eq!(voice["sample_rate_hz"], 16000);
    let formats: Vec<&str> = voice["supported_formats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(
        formats.contains(&"pcm16") && formats.contains(&"wav"),
        "{formats:?}"
    );
}

#[tokio::test]
async fn voice_filters_compare_canonical_languages_and_providers() {
    let app = spawn_app().await;
    let count = |q: &'static str| {
        let app = &app;
        async move {
            let v: Value = app.get_json(&format!("/v1/voices?{q}")).await;
            v["voices"].as_array().unwrap().len()
        }
    };
    assert_eq!(count("language=en-us").await, 1);
    assert_eq!(count("language=EN").await, 1);
    assert_eq!(count("language=fr-FR").await, 0);
    assert_eq!(count("provider=mock_tone&language=en-US").await, 1);
    assert_eq!(count("provider=nobody").await, 0);
}

#[tokio::test]
async fn ws_url_follows_the_request_host_and_trusted_proxy_scheme() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(app.url("/v1/tts/sessions"))
        .header("host", "tts.example.com:9000")
        .header("x-forwarded-proto", "https")
        .json(&body("hi", "pcm16", 16000))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    let id = v["session_id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok());
    // The peer is not a trusted proxy: its X-Forwarded-Proto is ignored.
    assert_eq!(
        v["ws_url"],
        format!("ws://tts.example.com:9000/v1/tts/stream/{id}")
    );

    let proxied = spawn_with(
        |s| s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()],
        Components::default(),
    )
    .await;
    let v: Value = proxied
        .client
        .post(proxied.url("/v1/tts/sessions"))
        .header("host", "internal:8080")
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "tts.example.com")
        .json(&body("hi", "pcm16", 16000))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        v["ws_url"]
            .as_str()
            .unwrap()
            .starts_with("wss://tts.example.com/v1/tts/stream/"),
        "{v}"
    );
}

#[tokio::test]
async fn cors_allows_the_configured_origins_only() {
    let app = spawn_app().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/v1/tts/sessions"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let ok = preflight("http://localhost:5173").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
    let other = preflight("http://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn every_contract_metric_is_exposed() {
    let app = spawn_app().await;
    let (id, _) = app.create(&body("Hi", "pcm16", 16000)).await;
    assert!(app.stream(&id).await.is_eos());
    let text = app.metrics().await;
    for name in [
        "tts_sessions_total{",
        "tts_stream_chunks_total{",
        "tts_stream_bytes_total{",
        "tts_active_streams{",
        "tts_rate_limit_max_bucket_usage{scope=\"ip\"}",
        "tts_rate_limit_window_remaining_seconds{scope=\"ip\"}",
        "tts_session_queue_depth ",
        "tts_session_queue_maxsize 100",
        "tts_session_workers_busy ",
        "tts_session_workers_total 8",
        "tts_session_queue_full_total ",
        "tts_time_to_first_audio_seconds_bucket{",
        "tts_queue_wait_seconds_bucket{",
        "tts_synthesis_rtf_bucket{",
        "# TYPE tts_provider_failures counter",
        "# TYPE tts_backend_dropped_frames counter",
        "# TYPE tts_rate_limit_hits counter",
        "tts_stream_tasks ",
        "tts_runtime_alive_tasks ",
    ] {
        assert!(text.contains(name), "missing {name} in:\n{text}");
    }
    let m = |n, l: &[(&str, &str)]| crate::helpers::metric_value(&text, n, l);
    assert_eq!(
        m(
            "tts_sessions_total",
            &[("provider", "mock_tone"), ("status", "created")]
        ),
        1.0
    );
    assert_eq!(
        m(
            "tts_sessions_total",
            &[("provider", "mock_tone"), ("status", "completed")]
        ),
        1.0
    );
    assert_eq!(
        m(
            "tts_stream_chunks_total",
            &[("provider", "mock_tone"), ("format", "pcm16")]
        ),
        2.0
    );
    assert_eq!(
        m(
            "tts_stream_bytes_total",
            &[("provider", "mock_tone"), ("format", "pcm16")]
        ),
        6400.0
    );
    assert_eq!(m("tts_active_streams", &[("provider", "mock_tone")]), 0.0);
}

#[tokio::test]
async fn per_provider_series_exist_at_zero_before_any_event() {
    let app = spawn_app().await;
    let text = app.metrics().await;
    for series in [
        "tts_sessions_total{provider=\"mock_tone\",status=\"failed\"} 0",
        "tts_active_streams{provider=\"mock_tone\"} 0",
        "tts_provider_failures_total{provider=\"mock_tone\"} 0",
        "tts_rate_limit_hits_total{scope=\"ip\"} 0",
    ] {
        assert!(text.contains(series), "missing {series} in:\n{text}");
    }
}

#[tokio::test]
async fn requests_carry_a_request_id() {
    let app = spawn_app().await;
    let resp = app.get("/healthz").await;
    assert!(resp.headers().get("x-request-id").is_some());
}

#[tokio::test]
async fn an_unknown_api_path_is_a_404_in_the_api_shape_not_the_web_ui() {
    let app = spawn_app().await;
    for path in ["/v1/typo", "/v1/tts/nothing/here"] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 404, "{path}");
        let v: serde_json::Value = resp.json().await.unwrap();
        assert!(v["detail"].as_str().unwrap().contains(path), "{v}");
    }
    let ws = format!("ws://127.0.0.1:{}/v1/nope", app.state.local_addr.port());
    match tokio_tungstenite::connect_async(ws).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 404),
        other => panic!("a WebSocket to an unknown path must fail with 404: {other:?}"),
    }
    // The existing endpoints are untouched.
    assert_eq!(app.get("/v1/voices").await.status(), 200);
}

#[tokio::test]
async fn every_door_counts_its_streams_and_first_audio_under_its_api_label() {
    let app = spawn_app().await;
    let (id, _) = app.create(&body("Hi", "pcm16", 16_000)).await;
    assert!(app.stream(&id).await.is_eos());
    let (never_streamed, _) = app.create(&body("Yo", "wav", 16_000)).await;
    let file = app
        .get(&format!("/v1/tts/sessions/{never_streamed}/file"))
        .await;
    assert_eq!(file.status(), 200);
    let speech = app
        .client
        .post(app.url("/v1/audio/speech"))
        .json(
            &serde_json::json!({"model": "mock_tone", "input": "Hey", "voice": "alloy",
                                  "response_format": "pcm"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(speech.status(), 200);
    assert!(!speech.bytes().await.unwrap().is_empty());
    for api in ["session", "file", "openai"] {
        let labels = [("api", api), ("outcome", "completed")];
        app.eventually(&format!("{api} counted"), || async {
            app.metric("tts_api_streams_total", &labels).await == 1.0
        })
        .await;
    }
    for api in ["session", "openai"] {
        let count = app
            .metric("tts_api_time_to_first_audio_seconds_count", &[("api", api)])
            .await;
        assert_eq!(count, 1.0, "{api}");
    }
}
