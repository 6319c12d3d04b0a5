//! The badly-behaved clients: connection storms, half-open sockets, clients that vanish
//! mid-stream or mid-message, oversized and malformed frames, slow readers and readers
//! that stop. Each says whether the gateway dealt with it: answered, refused or closed
//! within bounded time. Whatever they leave behind shows in the leak checks at rest.

use super::clients::{self, connect, next, send, Voice};
use super::ledger::Outcome;
use super::rng::Rng;
use super::Soak;
use futures::SinkExt;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

pub const KINDS: &[&str] = &[
    "storm",
    "half-open",
    "vanish mid-stream",
    "vanish mid-frame",
    "vanish mid-body",
    "oversized frame",
    "oversized body",
    "malformed frames",
    "slow reader",
    "stopped reader",
];

/// Runs one abuse of `kind`; its outcome.
pub async fn run(kind: &str, soak: &Soak, rng: &mut Rng, mock: &Voice) -> Outcome {
    match kind {
        "storm" => storm(soak, rng).await,
        "half-open" => half_open(soak, rng).await,
        "vanish mid-stream" => vanish_mid_stream(soak, rng, mock).await,
        "vanish mid-frame" => vanish_mid_frame(soak, rng).await,
        "vanish mid-body" => vanish_mid_body(soak, rng).await,
        "oversized frame" => oversized_frame(soak, rng).await,
        "oversized body" => oversized_body(soak, rng).await,
        "malformed frames" => malformed(soak, rng, mock).await,
        "slow reader" => reader(soak, rng, mock, false).await,
        _ => reader(soak, rng, mock, true).await,
    }
}

fn ws_base(soak: &Soak, rng: &mut Rng) -> String {
    soak.pick(rng).replacen("http://", "ws://", 1)
}

fn authority(base: &str) -> String {
    base.trim_start_matches("http://")
        .trim_start_matches("ws://")
        .to_string()
}

/// 48 connections at once, each a fresh TCP connection: `GET /healthz` and a realtime
/// socket opened and closed. All must be answered.
async fn storm(soak: &Soak, rng: &mut Rng) -> Outcome {
    let base = soak.pick(rng);
    let ws = base.replacen("http://", "ws://", 1);
    let fresh = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let mut tasks = Vec::new();
    for i in 0..48 {
        let (fresh, base, ws) = (fresh.clone(), base.clone(), ws.clone());
        tasks.push(tokio::spawn(async move {
            if i % 3 == 0 {
                let mut s = connect(&format!("{ws}/v1/tts/realtime"), None)
                    .await
                    .map_err(|_| 0u16)?;
                let _ = s.close(None).await;
                Ok(())
            } else {
                let r = fresh
                    .get(format!("{base}/healthz"))
                    .timeout(Duration::from_secs(20))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status() == 200 => Ok(()),
                    Ok(r) => Err(r.status().as_u16()),
                    Err(_) => Err(0),
                }
            }
        }));
    }
    let mut refused = None;
    for t in tasks {
        if let Ok(Err(code)) = t.await {
            refused.get_or_insert(code);
        }
    }
    refused.map_or(Outcome::Handled("all answered"), Outcome::Refused)
}

/// Sockets that connect and never send, or stop in the middle of a WebSocket upgrade
/// request, held for 1–6 s and dropped.
async fn half_open(soak: &Soak, rng: &mut Rng) -> Outcome {
    let addr = authority(&soak.pick(rng));
    let hold = Duration::from_millis(1000 + rng.below(5000) as u64);
    let mut held = Vec::new();
    for i in 0..6 {
        let Ok(mut tcp) = TcpStream::connect(&addr).await else {
            return Outcome::Refused(0);
        };
        if i % 2 == 1 {
            let partial = format!(
                "GET /v1/tts/realtime HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            );
            let _ = tcp.write_all(partial.as_bytes()).await;
        }
        held.push(tcp);
    }
    tokio::time::sleep(hold).await;
    drop(held);
    Outcome::Handled("held and dropped")
}

/// A realtime context with long text; the client drops the TCP connection (no close
/// frame) at the first audio.
async fn vanish_mid_stream(soak: &Soak, rng: &mut Rng, mock: &Voice) -> Outcome {
    let base = ws_base(soak, rng);
    let mut ws = match connect(&format!("{base}/v1/tts/realtime"), None).await {
        Ok(ws) => ws,
        Err(o) => return o,
    };
    let text = clients::text(rng).repeat(6);
    send(
        &mut ws,
        json!({"type": "speak", "context_id": "v", "text": text,
        "voice": mock.id, "provider": mock.provider, "format": "pcm16"}),
    )
    .await;
    send(&mut ws, json!({"type": "close", "context_id": "v"})).await;
    let deadline = Instant::now() + clients::UNIT_TIMEOUT;
    loop {
        match next(&mut ws, deadline).await {
            Ok(Some(Message::Text(t))) if t.as_str().contains("\"audio\"") => break,
            Ok(Some(Message::Text(t))) if t.as_str().contains("\"error\"") => {
                return Outcome::Failed("error".into())
            }
            Ok(Some(_)) => {}
            _ => return Outcome::NoTerminal("no audio before the client could vanish".into()),
        }
    }
    drop(ws);
    Outcome::Handled("vanished")
}

/// A masked text frame header announcing 1000 bytes, 10 of them sent, then gone.
async fn vanish_mid_frame(soak: &Soak, rng: &mut Rng) -> Outcome {
    let base = ws_base(soak, rng);
    let mut ws = match connect(&format!("{base}/v1/tts/realtime"), None).await {
        Ok(ws) => ws,
        Err(o) => return o,
    };
    let mut partial = vec![0x81, 0x80 | 126, 0x03, 0xE8, 1, 2, 3, 4];
    partial.extend_from_slice(b"{\"type\":\"s");
    let _ = ws.get_mut().write_all(&partial).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(ws);
    Outcome::Handled("vanished")
}

/// An HTTP POST announcing 400 bytes of body, 50 sent, then gone.
async fn vanish_mid_body(soak: &Soak, rng: &mut Rng) -> Outcome {
    let addr = authority(&soak.pick(rng));
    let Ok(mut tcp) = TcpStream::connect(&addr).await else {
        return Outcome::Refused(0);
    };
    let head = format!(
        "POST /v1/audio/speech HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{{\"model\":\"tts-1\",\"input\":\"Hello there, this is"
    );
    let _ = tcp.write_all(head.as_bytes()).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(tcp);
    Outcome::Handled("vanished")
}

/// A 100 KB realtime message (over `REALTIME_MAX_MESSAGE_BYTES`): an error or a close
/// must come.
async fn oversized_frame(soak: &Soak, rng: &mut Rng) -> Outcome {
    let base = ws_base(soak, rng);
    let mut ws = match connect(&format!("{base}/v1/tts/realtime"), None).await {
        Ok(ws) => ws,
        Err(o) => return o,
    };
    let big = "x".repeat(100_000);
    let _ = ws
        .send(Message::Text(
            json!({"type": "speak", "context_id": "o", "text": big})
                .to_string()
                .into(),
        ))
        .await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match next(&mut ws, deadline).await {
            Ok(Some(Message::Text(t))) if t.as_str().contains("\"error\"") => {
                return Outcome::Handled("error")
            }
            Ok(Some(Message::Close(_))) | Ok(None) => return Outcome::Handled("closed"),
            Ok(Some(_)) => {}
            Err(()) => return Outcome::NoTerminal("no answer to an oversized frame".into()),
        }
    }
}

/// A 100 KB session body (over `TTS_MAX_BODY_BYTES`): 413.
async fn oversized_body(soak: &Soak, rng: &mut Rng) -> Outcome {
    let base = soak.pick(rng);
    let body =
        json!({"provider": "mock_tone", "voice": "en-US-mock-1", "text": "x".repeat(100_000)});
    match soak
        .http
        .post(format!("{base}/v1/tts/sessions"))
        .json(&body)
        .timeout(Duration::from_secs(20))
        .send()
        .await
    {
        // The body limit is checked before anything asks Redis: 413 during its faults too.
        Ok(r) if r.status() == 413 => Outcome::Handled("413"),
        Ok(r) => Outcome::Disorder(format!("an oversized body answered {}", r.status())),
        Err(_) => Outcome::Refused(0),
    }
}

/// Frames that are not JSON, JSON that is no message, and a binary frame, on every
/// socket door; each must be answered with an error (or a close). On the realtime socket
/// a good context must still work after them.
async fn malformed(soak: &Soak, rng: &mut Rng, mock: &Voice) -> Outcome {
    let base = ws_base(soak, rng);
    let paths = [
        "/v1/tts/realtime".to_string(),
        "/cartesia/tts/websocket".to_string(),
        format!(
            "/elevenlabs/v1/text-to-speech/{}/multi-stream-input?output_format=pcm_16000",
            mock.id
        ),
        format!(
            "/v1/speak?model={}&encoding=linear16&sample_rate=16000",
            mock.id
        ),
    ];
    let path = rng.pick(&paths).clone();
    let mut ws = match connect(&format!("{base}{path}"), None).await {
        Ok(ws) => ws,
        Err(o) => return o,
    };
    let bad = [
        Message::Text("{not json".into()),
        Message::Text("[1,2,3]".into()),
        Message::Text(r#"{"type":"nonsense","context_id":7}"#.into()),
        Message::Binary(vec![0xFF, 0x00, 0x13].into()),
    ];
    let msg = rng.pick(&bad).clone();
    let _ = ws.send(msg).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let answer = loop {
        match next(&mut ws, deadline).await {
            Ok(Some(Message::Text(_))) => break "answered",
            Ok(Some(Message::Close(_))) | Ok(None) => break "closed",
            Ok(Some(_)) => {}
            Err(()) => {
                return Outcome::NoTerminal(format!("no answer on {path} to a malformed frame"))
            }
        }
    };
    if answer == "closed" || path != "/v1/tts/realtime" {
        return Outcome::Handled(answer);
    }
    send(
        &mut ws,
        json!({"type": "speak", "context_id": "after", "text": "Still here.",
        "voice": mock.id, "provider": mock.provider, "format": "pcm16"}),
    )
    .await;
    send(&mut ws, json!({"type": "close", "context_id": "after"})).await;
    loop {
        match next(&mut ws, deadline).await {
            Ok(Some(Message::Text(t))) if t.as_str().contains("\"done\"") => {
                return Outcome::Handled("answered, socket still serves")
            }
            Ok(Some(Message::Text(t)))
                if t.as_str().contains("\"error\"") && t.as_str().contains("after") =>
            {
                return Outcome::Failed("error after malformed".into())
            }
            Ok(Some(_)) => {}
            _ => {
                return Outcome::NoTerminal(
                    "the socket stopped serving after a malformed frame".into(),
                )
            }
        }
    }
}

/// A session read slowly through a small receive buffer, or not read at all for longer
/// than `SLOW_CLIENT_TIMEOUT_MS`: either way the stream must end with `eos`, an error or a
/// close, and the gateway must give its worker back.
async fn reader(soak: &Soak, rng: &mut Rng, mock: &Voice, stopped: bool) -> Outcome {
    let text = clients::text(rng).repeat(if stopped { 40 } else { 4 });
    let body = json!({"provider": mock.provider, "voice": mock.id, "text": text,
                      "target_format": "wav", "sample_rate_hz": 48000});
    let (_, (status, created)) = match soak.post_with_retry("/v1/tts/sessions", &body, rng).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    if status != 201 {
        return Outcome::Refused(status);
    }
    let v: serde_json::Value = serde_json::from_slice(&created).unwrap_or_default();
    let ws_url = v["ws_url"].as_str().unwrap_or_default().to_string();
    let mut ws = match connect(&ws_url, Some(4096)).await {
        Ok(ws) => ws,
        Err(o) => return o,
    };
    if stopped {
        tokio::time::sleep(soak.slow_client_timeout + Duration::from_secs(2)).await;
    }
    let deadline = Instant::now() + clients::UNIT_TIMEOUT;
    loop {
        match next(&mut ws, deadline).await {
            Ok(Some(Message::Text(t))) if t.as_str().contains("\"eos\"") => {
                return Outcome::Handled("eos")
            }
            Ok(Some(Message::Text(t))) if t.as_str().contains("\"error\"") => {
                return Outcome::Handled("error frame")
            }
            Ok(Some(Message::Close(_))) | Ok(None) => {
                return Outcome::Handled("closed by the gateway")
            }
            Ok(Some(_)) => {
                if !stopped {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                }
            }
            Err(()) => return Outcome::NoTerminal("a slow reader's stream never ended".into()),
        }
    }
}
