//! Arbitrary and damaged messages on every socket door with contexts (realtime,
//! Cartesia, ElevenLabs' two sockets, Deepgram). Whatever they are, the properties:
//! each answer is a frame of the door's protocol, and each error there carries a
//! message; the connection stays open (a probe sent last is answered) unless a message
//! asked to end it (close 1000); and the gateway is at rest once the client leaves.

use super::fail;
use super::realtime::garbage;
use super::socket::{Client, Ended, Incoming};
use crate::helpers::spawn_app;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Clone, Copy, Debug)]
enum Door {
    Realtime,
    Cartesia,
    ElevenLabsMulti,
    ElevenLabsSingle,
    Deepgram,
}

impl Door {
    fn path(self) -> &'static str {
        match self {
            Door::Realtime => "/v1/tts/realtime",
            Door::Cartesia => "/cartesia/tts/websocket",
            Door::ElevenLabsMulti => {
                "/elevenlabs/v1/text-to-speech/en-US-mock-1/multi-stream-input?output_format=pcm_16000"
            }
            Door::ElevenLabsSingle => {
                "/elevenlabs/v1/text-to-speech/en-US-mock-1/stream-input?output_format=pcm_16000"
            }
            Door::Deepgram => "/v1/speak?model=en-US-mock-1&encoding=linear16&sample_rate=16000",
        }
    }

    /// Valid messages, for damaged copies.
    fn valid(self) -> Vec<Value> {
        match self {
            Door::Realtime => vec![
                json!({"type": "speak", "context_id": "a", "text": "Hi. ", "voice": "en-US-mock-1"}),
                json!({"type": "cancel", "context_id": "a"}),
            ],
            Door::Cartesia => vec![
                json!({"context_id": "a", "transcript": "Hi. ", "continue": true,
                       "voice": {"mode": "id", "id": "en-US-mock-1"},
                       "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000}}),
                json!({"context_id": "a", "cancel": true}),
            ],
            Door::ElevenLabsMulti | Door::ElevenLabsSingle => vec![
                json!({"text": "Hi. ", "context_id": "a", "flush": true,
                       "voice_settings": {"speed": 1.0}}),
                json!({"context_id": "a", "close_context": true, "immediate": true}),
            ],
            Door::Deepgram => vec![
                json!({"type": "Speak", "text": "Hi. "}),
                json!({"type": "Clear"}),
            ],
        }
    }

    /// A last message that must be answered, and how its answer is known.
    fn probe(self) -> (Value, fn(&Value) -> bool) {
        match self {
            Door::Realtime => (json!({"type": "flush", "context_id": "probe-ctx"}), |m| {
                m["context_id"] == "probe-ctx" && m["code"] == 404
            }),
            Door::Cartesia => (
                json!({"context_id": "probe-ctx", "transcript": "hi"}),
                |m| m["context_id"] == "probe-ctx" && m["status_code"] == 400,
            ),
            Door::ElevenLabsMulti => (
                json!({"context_id": "probe-ctx", "close_context": true}),
                |m| m["contextId"] == "probe-ctx" && m["code"] == 404,
            ),
            Door::ElevenLabsSingle => (json!({"text": "hi", "close_context": true}), |m| {
                m["message"]
                    .as_str()
                    .is_some_and(|s| s.contains("multi-stream-input"))
            }),
            Door::Deepgram => (json!({"type": "Probe"}), |m| {
                m["type"] == "Warning"
                    && m["description"]
                        .as_str()
                        .is_some_and(|s| s.contains("Probe"))
            }),
        }
    }

    /// Checks one answer: a frame of this protocol, and an error with a message.
    fn check(self, m: &Value) -> Result<(), String> {
        let has = |key: &str| m[key].as_str().is_some_and(|s| !s.trim().is_empty());
        let ok = match self {
            Door::Realtime => match m["type"].as_str() {
                Some("error") => has("message") && m["code"].is_u64(),
                Some("audio" | "timestamps" | "flushed" | "done" | "cancelled") => {
                    has("context_id")
                }
                _ => false,
            },
            Door::Cartesia => match m["type"].as_str() {
                Some("error") => has("message") && m["status_code"].is_u64(),
                Some("chunk" | "timestamps" | "flush_done" | "done") => has("context_id"),
                _ => false,
            },
            Door::ElevenLabsMulti | Door::ElevenLabsSingle => {
                (has("message") && has("error")) || m["isFinal"].is_boolean() || has("audio")
            }
            Door::Deepgram => match m["type"].as_str() {
                Some("Warning") => has("description") && has("code"),
                Some("Metadata" | "Flushed" | "Cleared") => true,
                _ => false,
            },
        };
        if ok {
            Ok(())
        } else {
            Err(format!("{self:?} answered {m}"))
        }
    }
}

fn door() -> impl Strategy<Value = Door> {
    prop::sample::select(vec![
        Door::Realtime,
        Door::Cartesia,
        Door::ElevenLabsMulti,
        Door::ElevenLabsSingle,
        Door::Deepgram,
    ])
}

/// Reads one thing from the server: `Ok(Some(json))`, `Ok(None)` for binary audio, or
/// the end of the connection.
async fn read(
    client: &mut Client,
    door: Door,
) -> Result<Result<Option<Value>, Ended>, TestCaseError> {
    match client.next_raw(Duration::from_secs(10)).await {
        Some(Incoming::Text(t)) => {
            let v: Value =
                serde_json::from_str(&t).map_err(|e| fail(format!("not JSON ({e}): {t}")))?;
            door.check(&v).map_err(fail)?;
            Ok(Ok(Some(v)))
        }
        Some(Incoming::Binary(_)) if matches!(door, Door::Deepgram) => Ok(Ok(None)),
        Some(Incoming::Binary(n)) => Err(fail(format!("{door:?} sent {n} binary bytes"))),
        Some(Incoming::End(end)) => Ok(Err(end)),
        None => Err(fail(format!("{door:?}: nothing for 10 s"))),
    }
}

/// A server's end is acceptable only as a normal close a message asked for.
fn normal(end: &Ended) -> Result<(), TestCaseError> {
    match end {
        Ended::Closed(Some((1000, _))) => Ok(()),
        other => Err(fail(format!("the server ended the connection: {other:?}"))),
    }
}

#[test]
fn arbitrary_messages_on_every_socket_door_are_answered_in_its_shape() {
    let strategy = door().prop_flat_map(|door| {
        (
            Just(door),
            prop::collection::vec(garbage(door.valid()), 1..12),
        )
    });
    super::run(
        file!(),
        40,
        spawn_app(),
        strategy,
        |app, (door, messages)| async move {
            let url = super::ws_url(&app, door.path());
            let mut client = Client::connect(&url).await?;
            let (probe, answered) = door.probe();
            for m in messages.into_iter().chain([probe.to_string()]) {
                if client.send(m).await.is_err() {
                    break; // Closed by an earlier message: its end is read below.
                }
            }
            loop {
                match read(&mut client, door).await? {
                    Ok(Some(m)) if answered(&m) => break,
                    Ok(_) => {}
                    Err(end) => return normal(&end),
                }
            }
            let (rest, end) = client.close().await?;
            for incoming in rest {
                if let Incoming::Text(t) = incoming {
                    let v: Value =
                        serde_json::from_str(&t).map_err(|e| fail(format!("{e}: {t}")))?;
                    door.check(&v).map_err(fail)?;
                }
            }
            match end {
                Ended::Closed(_) | Ended::Gone => Ok(()),
                Ended::Error(e) => Err(fail(format!("closing failed: {e}"))),
            }
        },
    );
}

#[tokio::test]
async fn a_clients_close_is_answered_with_a_close_on_every_socket_door() {
    let app = spawn_app().await;
    for door in [
        Door::Realtime,
        Door::Cartesia,
        Door::ElevenLabsMulti,
        Door::Deepgram,
    ] {
        let url = super::ws_url(&app, door.path());
        let client = Client::connect(&url).await.unwrap();
        let (_, end) = client.close().await.unwrap();
        assert!(matches!(end, Ended::Closed(_)), "{door:?}: {end:?}");
    }
}
