//! The bounded queue in front of the workers.

use crate::doubles::{double_body, Behaviour, Double};
use crate::helpers::{collect, spawn_with};
use tts_gateway::Components;

#[tokio::test]
async fn a_full_queue_refuses_with_503_and_close_1013_then_recovers() {
    let double = Double::new("gated", Behaviour::Gated);
    let app = spawn_with(
        |s| {
            s.workers = 1;
            s.queue_max = 1;
        },
        Components {
            providers: Some(double.registry()),
            ..Default::default()
        },
    )
    .await;
    let (a, _) = app.create(&double_body("gated")).await;
    let (b, _) = app.create(&double_body("gated")).await;
    let (c, _) = app.create(&double_body("gated")).await;
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
    assert_eq!(app.metric("tts_session_queue_depth", &[]).await, 1.0);
    assert_eq!(app.metric("tts_session_workers_busy", &[]).await, 1.0);

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
    let app = spawn_with(
        |s| {
            s.workers = 1;
            s.queue_max = 1;
        },
        Components {
            providers: Some(double.registry()),
            ..Default::default()
        },
    )
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
    drop(ws_b);
    app.eventually("b left the queue", || async {
        app.state.admission.queue_depth() == 0
    })
    .await;
    let status: serde_json::Value = app.get_json(&format!("/v1/tts/sessions/{b}")).await;
    assert_eq!(status["status"], "pending");
    assert_eq!(
        app.metric(
            "tts_sessions_total",
            &[("provider", "gated"), ("status", "failed")]
        )
        .await,
        0.0
    );
    double.gate.add_permits(2);
    assert!(collect(ws_a).await.is_eos());
    assert!(app.stream(&b).await.is_eos());
}
