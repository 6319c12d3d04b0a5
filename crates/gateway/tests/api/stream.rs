//! The WebSocket stream: frames, audio identity, the stream-once rule, departing and slow
//! clients, and shutdown.

use crate::doubles::{double_body, spawn_double, streaming_session, Behaviour, Double};
use crate::helpers::{body, collect, ffmpeg_decode, spawn_app, TestApp};
use futures::StreamExt;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tts_providers::mock_tone::MockTone;

/// The original service's algorithm, run by Python itself, as the reference.
fn python_reference(text: &str) -> Vec<i16> {
    const SCRIPT: &str = r#"
import math, struct, sys
text = sys.argv[1]; sr = 16000; out = bytearray()
for ch in text:
    f = 220 * 2 ** (((ord(ch) % 24) - 12) / 12)
    for i in range(int(0.08 * sr)):
        v = max(-1.0, min(1.0, math.sin(2 * math.pi * f * i / sr) * 0.2))
        out += struct.pack('<h', round(v * 32767))
    out += b'\0\0' * int(0.02 * sr)
sys.stdout.buffer.write(out)
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", SCRIPT, text])
        .output()
        .expect("python3 runs");
    assert!(out.status.success());
    out.stdout
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

#[tokio::test]
async fn pcm16_frames_are_numbered_100ms_chunks_identical_to_the_original() {
    let app = spawn_app().await;
    let text = "Hello KeyReply! é€😀";
    let (id, ws_url) = app.create(&body(text, "pcm16", 16000)).await;
    assert_eq!(ws_url, app.ws_url(&id));
    let s = app.stream(&id).await;
    assert!(s.is_eos(), "{:?}", s.last);
    assert_eq!(s.close_code, Some(1000));
    let n = text.chars().count() as u64;
    assert_eq!(s.seqs, (1..=n).collect::<Vec<_>>());
    assert_eq!(s.audio.len(), text.chars().count() * 3200);
    let samples = s.samples();
    assert_eq!(samples, MockTone::new().render(text));
    assert_eq!(samples, python_reference(text));
}

#[tokio::test]
async fn wav_stream_is_one_file_that_ffmpeg_decodes_completely() {
    let app = spawn_app().await;
    let text = "Streaming WAV, one header.";
    let (id, _) = app.create(&body(text, "wav", 16000)).await;
    let s = app.stream(&id).await;
    assert!(s.is_eos());
    assert_eq!(&s.audio[0..4], b"RIFF");
    assert_eq!(
        s.audio.windows(4).filter(|w| w == b"RIFF").count(),
        1,
        "one header only"
    );
    let decoded = ffmpeg_decode(&s.audio, &[]);
    assert_eq!(decoded, MockTone::new().render(text));
}

#[tokio::test]
async fn a_session_streams_once_and_unknown_sessions_are_refused() {
    let app = spawn_app().await;
    let (id, _) = app.create(&body("once", "pcm16", 16000)).await;
    assert!(app.stream(&id).await.is_eos());
    let again = app.stream(&id).await;
    assert_eq!(again.error_code(), Some(409));
    assert_eq!(again.close_code, Some(1008));
    assert!(again.last.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("already streamed"));

    let unknown = app.stream("7d1c1f14-2a53-4a5e-9a53-4ad1d2f7a0aa").await;
    assert_eq!(unknown.error_code(), Some(404));
    assert!(unknown.seqs.is_empty());
}

#[tokio::test]
async fn a_client_leaving_mid_stream_stops_synthesis_and_frees_the_worker() {
    let double = Double::new("endless", Behaviour::Endless(5));
    let app = spawn_double(&double, |_| {}).await;
    let (id, _) = app.create(&double_body("endless")).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(app.ws_url(&id))
        .await
        .unwrap();
    let first = ws.next().await.unwrap().unwrap();
    assert!(first.to_text().unwrap().contains("\"seq\":1"));
    drop(ws);
    tokio::time::timeout(Duration::from_secs(10), double.dropped.notified())
        .await
        .expect("the engine's stream is dropped when the client leaves");
    app.eventually("active streams back to 0", || async {
        app.metric("tts_active_streams", &[("provider", "endless")])
            .await
            == 0.0
    })
    .await;
    assert_eq!(app.state.admission.busy_workers(), 0);
    let produced = double.chunks.load(std::sync::atomic::Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        double.chunks.load(std::sync::atomic::Ordering::SeqCst),
        produced,
        "no more audio is produced"
    );
    let status: Value = app.get_json(&format!("/v1/tts/sessions/{id}")).await;
    assert_eq!(status["status"], "failed");
}

type ClientSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A gateway with an endless engine and a 4-frame stream buffer, `workers` workers and
/// `slow` as its slow-client timeout, and a client streaming from it that reads nothing:
/// the socket buffers fill, then the stream's own. Returns the app, the engine, the
/// session id and the unread socket.
async fn unread_endless_stream(
    workers: usize,
    slow: Duration,
) -> (TestApp, Arc<Double>, String, ClientSocket) {
    let double = Double::new("endless", Behaviour::Endless(0));
    let app = spawn_double(&double, |s| {
        s.workers = workers;
        s.stream_buffer_frames = 4;
        s.slow_client_timeout = slow;
    })
    .await;
    let (id, _) = app.create(&double_body("endless")).await;
    let (ws, _) = tokio_tungstenite::connect_async(app.ws_url(&id))
        .await
        .unwrap();
    (app, double, id, ws)
}

/// Waits until the gateway has given up on a slow client of the `endless` engine.
async fn slow_client_dropped(app: &TestApp) {
    app.eventually("the slow client is dropped", || async {
        app.metric(
            "tts_backend_dropped_frames_total",
            &[("provider", "endless"), ("reason", "slow_client")],
        )
        .await
            > 0.0
    })
    .await;
}

#[tokio::test]
async fn a_client_that_does_not_read_is_closed_instead_of_buffered_without_bound() {
    let (app, double, id, ws) = unread_endless_stream(8, Duration::from_millis(300)).await;
    slow_client_dropped(&app).await;
    app.eventually("active streams back to 0", || async {
        app.metric("tts_active_streams", &[("provider", "endless")])
            .await
            == 0.0
    })
    .await;
    tokio::time::timeout(Duration::from_secs(10), double.dropped.notified())
        .await
        .expect("engine stopped");
    drop(ws);
    let status: Value = app.get_json(&format!("/v1/tts/sessions/{id}")).await;
    assert_eq!(status["status"], "failed");
    assert!(
        status["error"].as_str().unwrap().contains("did not read"),
        "{status}"
    );
}

/// A client whose socket takes at most `bytes` of receive buffer, on `url`.
async fn connect_small(url: &str, bytes: u32) -> ClientSocket {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(bytes).unwrap();
    let addr = url
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let tcp = socket.connect(addr).await.unwrap();
    let (ws, _) =
        tokio_tungstenite::client_async(url, tokio_tungstenite::MaybeTlsStream::Plain(tcp))
            .await
            .unwrap();
    ws
}

/// What a reader that stops reading costs the gateway is bounded in bytes: with small
/// socket buffers on both sides, the frames produced but never delivered (dropped with
/// the connection when the slow-client timeout ends it) are the stream's buffer of 4, the
/// few in the writer's hands, and the WebSocket write buffer (16 KiB, 4 frames of 4.3 KB
/// here). tungstenite's default 128 KiB buffer alone held 30 frames.
#[tokio::test]
async fn a_reader_that_stops_reading_holds_a_bounded_number_of_bytes_until_it_is_dropped() {
    let double = Double::new("endless", Behaviour::Endless(0));
    let app = spawn_double(&double, |s| {
        s.stream_buffer_frames = 4;
        s.slow_client_timeout = Duration::from_millis(300);
        s.socket_send_buffer = 4096;
    })
    .await;
    let (id, _) = app.create(&double_body("endless")).await;
    let ws = connect_small(&app.ws_url(&id), 4096).await;
    slow_client_dropped(&app).await;
    tokio::time::timeout(Duration::from_secs(10), double.dropped.notified())
        .await
        .expect("engine stopped");
    // What reached the socket before the gateway gave up is still delivered.
    let received = collect(ws).await.seqs.len();
    let produced = double.chunks.load(std::sync::atomic::Ordering::SeqCst);
    let held = produced - received;
    assert!(
        held <= 16,
        "{held} frames of 4.3 KB were held in the gateway for a reader that stopped ({produced} produced, {received} delivered)"
    );
    app.eventually("workers and streams back to 0", || async {
        app.metric("tts_session_workers_busy", &[]).await == 0.0
            && app
                .metric("tts_active_streams", &[("provider", "endless")])
                .await
                == 0.0
    })
    .await;
    let status: Value = app.get_json(&format!("/v1/tts/sessions/{id}")).await;
    assert!(
        status["error"].as_str().unwrap().contains("did not read"),
        "{status}"
    );
}

/// A client that stops reading holds no worker once its buffer is full: with one worker,
/// another session streams to the end while the first still waits for its reader.
#[tokio::test]
async fn a_client_that_stops_reading_gives_its_worker_back() {
    let (app, _double, _id, stuck) = unread_endless_stream(1, Duration::from_secs(60)).await;
    app.eventually("the stuck stream's worker is free", || async {
        app.metric("tts_session_workers_busy", &[]).await == 0.0
            && app
                .metric("tts_active_streams", &[("provider", "endless")])
                .await
                == 1.0
    })
    .await;
    let text = "Served meanwhile";
    let (id, _) = app.create(&body(text, "pcm16", 16000)).await;
    let served = tokio::time::timeout(Duration::from_secs(10), app.stream(&id))
        .await
        .expect("served while the other stream waits for its reader");
    assert!(served.is_eos());
    assert_eq!(served.samples(), MockTone::new().render(text));
    assert_eq!(
        app.metric("tts_active_streams", &[("provider", "endless")])
            .await,
        1.0,
        "the stuck stream is still open"
    );
    drop(stuck);
    app.eventually("the stuck stream ends", || async {
        app.metric("tts_active_streams", &[("provider", "endless")])
            .await
            == 0.0
    })
    .await;
}

#[tokio::test]
async fn shutdown_lets_running_streams_finish() {
    let double = Double::new("gated", Behaviour::Gated);
    let (app, _, ws) = streaming_session(&double).await;
    app.eventually("stream holds a worker", || async {
        app.state.admission.busy_workers() == 1
    })
    .await;
    let reader = tokio::spawn(collect(ws));
    let gate = double.gate.clone();
    let stopping = tokio::spawn(app.shutdown());
    gate.add_permits(1);
    let s = reader.await.unwrap();
    assert!(s.is_eos(), "{:?}", s.last);
    assert_eq!(s.seqs, vec![1]);
    stopping.await.unwrap();
}

#[tokio::test]
async fn shutdown_ends_streams_still_running_after_the_grace_period() {
    let double = Double::new("endless", Behaviour::Endless(10));
    let app = spawn_double(&double, |s| s.shutdown_grace = Duration::from_millis(200)).await;
    let (id, _) = app.create(&double_body("endless")).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(app.ws_url(&id))
        .await
        .unwrap();
    ws.next().await.unwrap().unwrap();
    let reader = tokio::spawn(collect(ws));
    app.shutdown().await;
    let s = reader.await.unwrap();
    assert_eq!(s.error_code(), Some(503));
    assert_eq!(s.close_code, Some(1012));
}

#[tokio::test]
async fn slow_readers_get_every_frame_of_a_long_stream_in_order() {
    let double = Double::new("burst", Behaviour::Burst(400));
    let app = spawn_double(&double, |s| s.stream_buffer_frames = 4).await;
    let mut readers = Vec::new();
    for _ in 0..8 {
        let (id, _) = app.create(&double_body("burst")).await;
        let url = app.ws_url(&id);
        readers.push(tokio::spawn(async move {
            // A small receive buffer and slow reading, so that the gateway's writes block
            // while its producer finishes: the moment frames used to be lost.
            let mut ws = connect_small(&url, 4096).await;
            let mut seqs = Vec::new();
            let mut last = None;
            while let Some(Ok(msg)) = ws.next().await {
                if let tokio_tungstenite::tungstenite::Message::Text(t) = msg {
                    let v: Value = serde_json::from_str(&t).unwrap();
                    match v["type"].as_str() {
                        Some("audio") => seqs.push(v["seq"].as_u64().unwrap()),
                        _ => last = Some(v),
                    }
                    // Slow after a start: more than a megabyte backs up behind us (past
                    // the socket buffers and the WebSocket's write buffer), so the writer
                    // is blocked holding a frame when the producer finishes.
                    if seqs.len() > 50 {
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                }
            }
            (seqs, last)
        }));
    }
    for reader in readers {
        let (seqs, last) = reader.await.unwrap();
        assert_eq!(
            seqs,
            (1..=400).collect::<Vec<u64>>(),
            "every frame, in order"
        );
        assert_eq!(last.unwrap()["type"], "eos");
    }
}
