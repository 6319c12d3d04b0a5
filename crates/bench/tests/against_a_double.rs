//! tts-bench against a local double of the gateway's wire contract: a tiny axum server
//! whose behaviour each test chooses (clean streams, seq gaps, error frames, HTTP errors).

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tts_bench::hold::{self, HoldPlan};
use tts_bench::load::{self, Progress};
use tts_bench::session::{Failure, Target, TargetOptions};

#[derive(Clone)]
struct Behaviour {
    create_status: u16,
    frames: u64,
    frame_bytes: usize,
    skip_seq: Option<u64>,
    error_code: Option<u16>,
    /// Drop the connection after the audio, with neither a final frame nor a close frame.
    abrupt_end: bool,
    /// Wait this long before each frame after the first (a frame is 100 ms of audio).
    pause: Duration,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            create_status: 201,
            frames: 41,
            frame_bytes: 3200,
            skip_seq: None,
            error_code: None,
            abrupt_end: false,
            pause: Duration::ZERO,
        }
    }
}

async fn create(State(b): State<Arc<Behaviour>>, headers: HeaderMap) -> Response {
    if b.create_status != 201 {
        let status = StatusCode::from_u16(b.create_status).unwrap();
        return (status, Json(json!({"detail": "the double says no"}))).into_response();
    }
    let host = headers[header::HOST].to_str().unwrap();
    let body = json!({"session_id": "s1", "ws_url": format!("ws://{host}/v1/tts/stream/s1")});
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn stream(State(b): State<Arc<Behaviour>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| serve_stream(b, socket))
}

async fn serve_stream(b: Arc<Behaviour>, mut socket: WebSocket) {
    let data = base64::engine::general_purpose::STANDARD.encode(vec![0u8; b.frame_bytes]);
    for seq in (1..=b.frames).filter(|&s| Some(s) != b.skip_seq) {
        if seq > 1 && !b.pause.is_zero() {
            tokio::time::sleep(b.pause).await;
        }
        let frame = format!(r#"{{"type":"audio","seq":{seq},"data":"{data}"}}"#);
        if socket.send(Message::Text(frame.into())).await.is_err() {
            return;
        }
    }
    if b.abrupt_end {
        return;
    }
    let (last, code) = match b.error_code {
        Some(code) => (
            json!({"type": "error", "code": code, "message": "no"}),
            1013,
        ),
        None => (json!({"type": "eos"}), 1000),
    };
    let _ = socket.send(Message::Text(last.to_string().into())).await;
    let close = CloseFrame {
        code,
        reason: "".into(),
    };
    let _ = socket.send(Message::Close(Some(close))).await;
}

async fn voices() -> Json<serde_json::Value> {
    Json(json!({"voices": [{"id": "en-US-mock-1", "supported_formats": ["pcm16"]}]}))
}

/// Starts the double on a free port; returns its base URL.
async fn spawn_double(b: Behaviour) -> String {
    let app = Router::new()
        .route("/v1/voices", get(voices))
        .route("/v1/tts/sessions", post(create))
        .route("/v1/tts/stream/{id}", get(stream))
        .with_state(Arc::new(b));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn target(url: String) -> Arc<Target> {
    Arc::new(
        Target::new(TargetOptions {
            url,
            bodies: vec![r#"{"provider":"mock_tone"}"#.into()],
            openai: false,
            format: "pcm16".into(),
            rate: 16_000,
            verify: true,
            recv_buffer: None,
            read_buffer: 16 * 1024,
            http_pool: 4,
            api_key: None,
        })
        .unwrap(),
    )
}

async fn run(b: Behaviour, sessions: u64) -> tts_bench::stats::Stats {
    let target = target(spawn_double(b).await);
    let progress = Arc::new(Progress::default());
    load::run(&target, sessions, 4, Duration::from_secs(10), &progress).await
}

#[tokio::test]
async fn a_clean_run_counts_every_session_and_all_its_audio() {
    let stats = run(Behaviour::default(), 20).await;
    assert_eq!((stats.completed, stats.failed), (20, 0));
    assert_eq!(stats.frames, 20 * 41);
    assert_eq!(stats.audio_bytes, 20 * 41 * 3200);
    assert_eq!(stats.first_audio.len(), 20);
    assert_eq!(stats.seq_gaps, 0);
}

#[tokio::test]
async fn a_stream_slower_than_real_time_is_counted_with_its_listeners_wait() {
    // Three frames of 100 ms, 300 ms apart: a listener waits at least 200 ms twice.
    let b = Behaviour {
        frames: 3,
        pause: Duration::from_millis(300),
        ..Behaviour::default()
    };
    let stats = run(b, 2).await;
    assert_eq!((stats.completed, stats.fell_behind), (2, 2));
    assert_eq!(stats.behind.len(), 2);
    let worst = tts_bench::stats::max_ms(&stats.behind).unwrap();
    assert!(worst >= 390.0, "the listener waited {worst} ms");
}

#[tokio::test]
async fn a_missing_seq_fails_the_session_as_a_seq_gap() {
    let b = Behaviour {
        skip_seq: Some(5),
        ..Default::default()
    };
    let stats = run(b, 3).await;
    assert_eq!(stats.failures.get(&Failure::SeqGap), Some(&3));
    assert_eq!((stats.seq_gaps, stats.missing_frames), (3, 3));
}

#[tokio::test]
async fn an_error_frame_fails_the_session_with_its_code() {
    let b = Behaviour {
        error_code: Some(503),
        frames: 0,
        ..Default::default()
    };
    let stats = run(b, 5).await;
    assert_eq!(stats.failures.get(&Failure::Ws(503)), Some(&5));
    assert!(stats.first_detail[&Failure::Ws(503)].contains("error"));
}

#[tokio::test]
async fn an_http_error_fails_the_session_with_its_status() {
    let b = Behaviour {
        create_status: 429,
        ..Default::default()
    };
    let stats = run(b, 5).await;
    assert_eq!(stats.failures.get(&Failure::Http(429)), Some(&5));
    assert!(stats.first_detail[&Failure::Http(429)].contains("the double says no"));
}

#[tokio::test]
async fn a_stream_cut_without_a_close_frame_is_ws_close_1006() {
    let b = Behaviour {
        abrupt_end: true,
        ..Default::default()
    };
    let stats = run(b, 3).await;
    assert_eq!(stats.failures.get(&Failure::WsClose(1006)), Some(&3));
    assert_eq!(stats.frames, 3 * 41);
}

#[tokio::test]
async fn pcm16_frames_with_half_a_sample_are_flagged() {
    let b = Behaviour {
        frame_bytes: 3201,
        ..Default::default()
    };
    let stats = run(b, 2).await;
    assert_eq!(stats.failures.get(&Failure::PartialSample), Some(&2));
}

#[tokio::test]
async fn a_gateway_that_is_not_there_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let progress = Arc::new(Progress::default());
    let stats = load::run(&target(url), 2, 2, Duration::from_secs(5), &progress).await;
    assert_eq!(stats.failures.get(&Failure::Transport), Some(&2));
}

#[tokio::test]
async fn slow_readers_that_keep_reading_finish_their_streams() {
    let target = target(spawn_double(Behaviour::default()).await);
    let plan = HoldPlan {
        streams: 10,
        hold: Duration::from_millis(300),
        read_every: Some(Duration::from_millis(20)),
        open_concurrency: 4,
        limit: Duration::from_secs(10),
        settle: Duration::ZERO,
        quiet: true,
    };
    let report = hold::run(&target, &plan, None).await;
    assert_eq!(report.opened, 10);
    assert_eq!(report.completed, 10);
    assert_eq!(report.frames, 10 * 41);
    assert!(report.failures.is_empty());
}

#[tokio::test]
async fn an_open_loop_runs_every_session_and_measures_start_lag() {
    let target = target(spawn_double(Behaviour::default()).await);
    let progress = Arc::new(Progress::default());
    let started = std::time::Instant::now();
    let stats = load::run_open(&target, 20, 200.0, 4, Duration::from_secs(10), &progress).await;
    assert_eq!((stats.completed, stats.failed), (20, 0));
    assert_eq!(stats.start_lag.len(), 20);
    // The last of 20 sessions at 200/s is due 95 ms after the first.
    assert!(started.elapsed() >= Duration::from_millis(95));
}
