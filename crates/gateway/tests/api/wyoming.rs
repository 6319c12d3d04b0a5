//! The Wyoming door at the wire level: its framing, and its place under the gateway's one
//! shutdown (the `wyoming` package's own client drives it in tests/sdk/test_wyoming.py).

use crate::helpers::spawn_with;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tts_gateway::Components;

/// Reads one event: its type, data and payload; `None` at the end of the stream.
pub async fn read(r: &mut BufReader<TcpStream>) -> Option<(String, Value, Vec<u8>)> {
    let mut line = String::new();
    let n = tokio::time::timeout(Duration::from_secs(10), r.read_line(&mut line))
        .await
        .expect("an event within 10 s")
        .unwrap();
    if n == 0 {
        return None;
    }
    let header: Value = serde_json::from_str(&line).unwrap();
    let mut data = vec![0; header["data_length"].as_u64().unwrap_or(0) as usize];
    r.read_exact(&mut data).await.unwrap();
    let mut payload = vec![0; header["payload_length"].as_u64().unwrap_or(0) as usize];
    r.read_exact(&mut payload).await.unwrap();
    let data = if data.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&data).unwrap()
    };
    Some((header["type"].as_str().unwrap().to_string(), data, payload))
}

pub async fn send(r: &mut BufReader<TcpStream>, event: Value) {
    let line = event.to_string() + "\n";
    r.get_mut().write_all(line.as_bytes()).await.unwrap();
}

#[tokio::test]
async fn wyoming_answers_on_its_port_and_closes_with_the_gateways_shutdown() {
    let app = spawn_with(|s| s.wyoming_port = Some(0), Components::default()).await;
    let port = app.wyoming_port.expect("WYOMING_PORT=0 opens a port");
    let mut r = BufReader::new(TcpStream::connect(("127.0.0.1", port)).await.unwrap());
    send(&mut r, json!({"type": "describe"})).await;
    let (kind, info, _) = read(&mut r).await.unwrap();
    assert_eq!(kind, "info");
    let voices = info["tts"][0]["voices"].as_array().unwrap();
    assert!(voices.iter().any(|v| v["name"] == "en-US-mock-1"));
    // Data inline in the header line (older peers), rather than after it: both are read.
    let text = json!({"text": "Hi.", "voice": {"name": "en-US-mock-1"}});
    send(&mut r, json!({"type": "synthesize", "data": text})).await;
    let mut kinds = Vec::new();
    let mut audio = 0;
    while let Some((kind, _, payload)) = read(&mut r).await {
        audio += payload.len();
        kinds.push(kind.clone());
        if kind == "audio-stop" {
            break;
        }
    }
    assert_eq!(kinds.first().map(String::as_str), Some("audio-start"));
    assert_eq!(audio, 3 * 1600 * 2, "100 ms a character at 16 kHz, 16-bit");
    // Shutdown ends the idle connection and the listener, as it ends HTTP.
    app.shutdown().await;
    assert!(read(&mut r).await.is_none(), "the connection closed");
    assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err());
}
