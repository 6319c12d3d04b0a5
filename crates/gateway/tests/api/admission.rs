//! The bounded queue in front of the workers.

use crate::doubles::{double_body, spawn_double, Behaviour, Double};
use crate::helpers::{collect, TestApp};
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A gateway with one worker and a queue of one: session `a` holds the worker (its engine
/// waits for the gate), session `b` waits in the queue. Returns both sockets and ids.
async fn worker_busy_and_queue_full(double: &Arc<Double>) -> (TestApp, Ws, Ws, String) {
    let app = spawn_double(double, |s| {
        s.workers = 1;
        s.queue_max = 1;
    })
    .await;
    let (a, _) = app.create(&double_body("gated")).await;
    let (b, _) = app.create(&double_body("gated")).await;
    let (ws_a, _) = tokio_tungstenite::connect_async(app.ws_url(&a))
        .await
        .unwrap();
    app.eventually("a holds the worker", || async {
        app.state.admission.busy_workers() == 1
    })
    .await;
    let (ws_b, _) = tokio_tungstenite::connect_async(app.ws_url(&b))
        .await
        .unwrap();
    app.eventually("b waits in the queue", || async {
        app.state.admission.queue_depth() == 1
    })
    .await;
    (app, ws_a, ws_b, b)
}

#[tokio::test]
async fn a_full_queue_refuses_with_503_and_close_1013_then_recovers() {
    let double = Double::new("gated", Behaviour::Gated);
    let (app, ws_a, ws_b, _) = worker_busy_and_queue_full(&double).await;
    assert_eq!(app.metric("tts_session_queue_depth", &[]).await, 1.0);
    assert_eq!(app.metric("tts_session_workers_busy", &[]).await, 1.0);

    let (c, _) = app.create(&double_body("gated")).await;
    let refused = app.stream(&c).await;
    assert_eq!(refused.error_code(), Some(503));
    assert_eq!(refused.close_code, Some(1013));
    assert_eq!(app.metric("tts_session_queue_full_total", &[]).await, 1.0);

    double.gate.add_permits(2);
    let (sa, sb) = tokio::join!(collect(ws_a), collect(ws_b));
    assert!(sa.is_eos() && sb.is_eos());
    // The refused session was never started: it can be streamed now.
    double.gate.add_permits(1);
    assert!(app.stream(&c).await.is_eos());
    assert_eq!(app.state.admission.busy_workers(), 0);
}

#[tokio::test]
async fn a_client_that_leaves_the_queue_leaves_its_session_streamable() {
    let double = Double::new("gated", Behaviour::Gated);
    let (app, ws_a, ws_b, b) = worker_busy_and_queue_full(&double).await;
    drop(ws_b);
    app.eventually("b left the queue", || async {
        app.state.admission.queue_depth() == 0
    })
    .await;
    let status = app.get_json(&format!("/v1/tts/sessions/{b}")).await;
    assert_eq!(status["status"], "pending");
    let failed = app
        .metric(
            "tts_sessions_total",
            &[("provider", "gated"), ("status", "failed")],
        )
        .await;
    assert_eq!(failed, 0.0);
    double.gate.add_permits(2);
    assert!(collect(ws_a).await.is_eos());
    assert!(app.stream(&b).await.is_eos());
}
