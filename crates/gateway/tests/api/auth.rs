//! API keys, per-key limits and tokens, at every door: each refusal is the exact one
//! for what was wrong, in the door's own shape; a good key and a good token work.

use crate::helpers::{body, spawn_with, TestApp};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tts_gateway::auth::{hash_hex, unix_now, Claims, Signer};
use tts_gateway::pipeline::Api;
use tts_gateway::Components;

const SECRET: &str = "test-secret-test-secret-test-secret!";
const KEY: &str = "tgk_alice-key";
const VOICE: &str = "en-US-mock-1";

/// A gateway with keys on, its keys file, and a way to rewrite it.
struct Keyed {
    app: TestApp,
    file: PathBuf,
}

impl Keyed {
    async fn spawn(lines: &[(&str, &str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(format!("tts-keys-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("keys");
        write_keys(&file, lines);
        let path = file.clone();
        let app = spawn_with(
            move |s| {
                s.auth.keys_file = Some(path);
                s.auth.token_signer = Some(Signer::new(SECRET.as_bytes()).unwrap());
                s.auth.keys_check_interval = Duration::ZERO;
            },
            Components::default(),
        )
        .await;
        Self { app, file }
    }

    fn rewrite(&self, lines: &[(&str, &str, &str)]) {
        write_keys(&self.file, lines);
    }
}

fn write_keys(file: &PathBuf, lines: &[(&str, &str, &str)]) {
    let mut text = String::from("# name  sha256  limits\n");
    for (name, key, limits) in lines {
        text.push_str(&format!("{name} {} {limits}\n", hash_hex(key)));
    }
    // Another length each time, so the change is seen even within the same mtime tick.
    text.push_str(&"#".repeat(lines.len() + text.len() % 7 + 1));
    text.push('\n');
    std::fs::write(file, text).unwrap();
}

/// A token signed as the gateway signs them.
fn token(key: &str, exp: u64, doors: &[Api]) -> String {
    Signer::new(SECRET.as_bytes()).unwrap().sign(&Claims {
        key: key.into(),
        exp,
        doors: doors.iter().map(|d| d.name().to_string()).collect(),
    })
}

#[derive(Clone, Copy, Debug)]
enum Cred<'a> {
    None,
    /// A key in the door's own header.
    Key(&'a str),
    /// A token: `Authorization: Bearer` over HTTP, `?token=` on WebSockets.
    Token(&'a str),
}

/// What a client saw.
#[derive(Debug)]
enum Seen {
    /// An HTTP answer: status, `Retry-After`, JSON body (Null for audio).
    Http(u16, Option<String>, Value),
    /// A WebSocket closed at once: code, reason.
    Closed(u16, String),
    /// A WebSocket that streamed audio.
    Audio,
    /// A WebSocket's error message (a refused context).
    Message(Value),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Door {
    SessionCreate,
    SessionStream,
    File,
    Voices,
    OpenAi,
    Realtime,
    ElevenLabs,
    ElevenLabsSocket,
    Cartesia,
    CartesiaSocket,
    Deepgram,
    DeepgramSocket,
}

const DOORS: [Door; 12] = [
    Door::SessionCreate,
    Door::SessionStream,
    Door::File,
    Door::Voices,
    Door::OpenAi,
    Door::Realtime,
    Door::ElevenLabs,
    Door::ElevenLabsSocket,
    Door::Cartesia,
    Door::CartesiaSocket,
    Door::Deepgram,
    Door::DeepgramSocket,
];

impl Door {
    fn api(self) -> Api {
        match self {
            Door::SessionCreate | Door::SessionStream | Door::Voices => Api::Session,
            Door::File => Api::File,
            Door::OpenAi => Api::OpenAi,
            Door::Realtime => Api::Realtime,
            Door::ElevenLabs | Door::ElevenLabsSocket => Api::ElevenLabs,
            Door::Cartesia | Door::CartesiaSocket => Api::Cartesia,
            Door::Deepgram | Door::DeepgramSocket => Api::Deepgram,
        }
    }

    /// The protocol's own key header.
    fn key_header(self, key: &str) -> (&'static str, String) {
        match self {
            Door::ElevenLabs | Door::ElevenLabsSocket => ("xi-api-key", key.into()),
            Door::Cartesia | Door::CartesiaSocket => ("x-api-key", key.into()),
            Door::Deepgram | Door::DeepgramSocket => ("authorization", format!("Token {key}")),
            _ => ("authorization", format!("Bearer {key}")),
        }
    }

    /// The message, in the door's shape, of an HTTP refusal.
    fn message(self, body: &Value) -> String {
        let m = match self {
            Door::OpenAi => &body["error"]["message"],
            Door::ElevenLabs => &body["detail"]["message"],
            Door::Cartesia => &body["message"],
            Door::Deepgram => &body["err_msg"],
            _ => &body["detail"],
        };
        m.as_str()
            .unwrap_or_else(|| panic!("{self:?}: no message in {body}"))
            .to_string()
    }

    /// The door's own error code of an HTTP refusal, where it has one.
    fn code(self, body: &Value) -> Option<&str> {
        match self {
            Door::OpenAi => body["error"]["code"].as_str(),
            Door::ElevenLabs => body["detail"]["status"].as_str(),
            Door::Cartesia => body["error_code"].as_str(),
            Door::Deepgram => body["err_code"].as_str(),
            _ => None,
        }
    }
}

/// One complete request through `door` with `cred`. `session`: a pending session for
/// the session socket and `/file`.
async fn knock(app: &TestApp, door: Door, cred: Cred<'_>, session: &str) -> Seen {
    let text = "Hello there.";
    let http = |method: reqwest::Method, path: String| {
        let mut req = app.client.request(method, app.url(&path));
        match cred {
            Cred::None => {}
            Cred::Key(k) => {
                let (name, value) = door.key_header(k);
                req = req.header(name, value);
            }
            Cred::Token(t) => req = req.bearer_auth(t),
        }
        req
    };
    let post = reqwest::Method::POST;
    let req = match door {
        Door::SessionCreate => {
            http(post, "/v1/tts/sessions".into()).json(&body(text, "pcm16", 16000))
        }
        Door::File => http(
            reqwest::Method::GET,
            format!("/v1/tts/sessions/{session}/file"),
        ),
        Door::Voices => http(reqwest::Method::GET, "/v1/voices".into()),
        Door::OpenAi => http(post, "/v1/audio/speech".into()).json(
            &json!({"model": "tts-1", "voice": VOICE, "input": text, "response_format": "pcm"}),
        ),
        Door::ElevenLabs => http(
            post,
            format!("/elevenlabs/v1/text-to-speech/{VOICE}/stream?output_format=pcm_16000"),
        )
        .json(&json!({"text": text})),
        Door::Cartesia => http(post, "/cartesia/tts/bytes".into()).json(&json!({
            "model_id": "sonic-2", "transcript": text, "voice": {"mode": "id", "id": VOICE},
            "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000}})),
        Door::Deepgram => http(
            post,
            format!("/v1/speak?model={VOICE}&encoding=linear16&container=none&sample_rate=16000"),
        )
        .json(&json!({"text": text})),
        _ => return socket(app, door, cred, session).await,
    };
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = resp.bytes().await.unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if status < 300 {
        assert!(!bytes.is_empty(), "{door:?} answered {status} with nothing");
    }
    Seen::Http(status, retry, json)
}

async fn socket(app: &TestApp, door: Door, cred: Cred<'_>, session: &str) -> Seen {
    let text = "Hello there.";
    let (path, messages): (String, Vec<Value>) = match door {
        Door::SessionStream => (format!("/v1/tts/stream/{session}"), vec![]),
        Door::Realtime => (
            "/v1/tts/realtime".into(),
            vec![
                json!({"type": "speak", "context_id": "c", "text": text, "voice": VOICE, "format": "pcm16"}),
                json!({"type": "close", "context_id": "c"}),
            ],
        ),
        Door::ElevenLabsSocket => (
            format!("/elevenlabs/v1/text-to-speech/{VOICE}/stream-input?output_format=pcm_16000"),
            vec![
                json!({"text": " "}),
                json!({"text": text}),
                json!({"text": ""}),
            ],
        ),
        Door::CartesiaSocket => (
            "/cartesia/tts/websocket".into(),
            vec![
                json!({"model_id": "sonic-2", "transcript": text, "context_id": "c",
                "voice": {"mode": "id", "id": VOICE},
                "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000}}),
            ],
        ),
        Door::DeepgramSocket => (
            format!("/v1/speak?model={VOICE}&encoding=linear16&sample_rate=16000"),
            vec![
                json!({"type": "Speak", "text": text}),
                json!({"type": "Flush"}),
            ],
        ),
        other => unreachable!("{other:?} is not a socket"),
    };
    let sep = if path.contains('?') { '&' } else { '?' };
    let url = match cred {
        Cred::Token(t) => format!(
            "ws://127.0.0.1:{}{path}{sep}token={t}",
            app.state.local_addr.port()
        ),
        _ => format!("ws://127.0.0.1:{}{path}", app.state.local_addr.port()),
    };
    let mut req = url.into_client_request().unwrap();
    if let Cred::Key(k) = cred {
        let (name, value) = door.key_header(k);
        req.headers_mut().insert(name, value.parse().unwrap());
    }
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .unwrap_or_else(|e| panic!("{door:?}: the handshake is accepted: {e}"));
    for m in messages {
        // A socket being refused may already be closing: what it says is read below.
        let _ = ws.send(Message::Text(m.to_string().into())).await;
    }
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .unwrap_or_else(|_| panic!("{door:?}: a frame within 10 s"));
        match msg {
            Some(Ok(Message::Binary(_))) => return Seen::Audio,
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] == "audio" || v["audio"].is_string() || v["type"] == "chunk" {
                    return Seen::Audio;
                }
                if v["type"] == "error" || v["type"] == "Warning" || v.get("error").is_some() {
                    return Seen::Message(v);
                }
            }
            Some(Ok(Message::Close(Some(f)))) => {
                return Seen::Closed(f.code.into(), f.reason.to_string())
            }
            other => panic!("{door:?}: unexpected {other:?}"),
        }
    }
}

/// A pending session made with a good key.
async fn session(app: &TestApp, key: &str) -> String {
    let resp = app
        .client
        .post(app.url("/v1/tts/sessions"))
        .bearer_auth(key)
        .json(&body("Hello there.", "pcm16", 16000))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    v["session_id"].as_str().unwrap().to_string()
}

/// Asserts `seen` is `door`'s refusal with `status` and a message containing `says`.
fn refused(door: Door, seen: Seen, status: u16, says: &str) {
    match seen {
        Seen::Http(s, _, body) => {
            assert_eq!(s, status, "{door:?}: {body}");
            let message = door.message(&body);
            assert!(
                message.contains(says),
                "{door:?}: {message:?} lacks {says:?}"
            );
            let expected = match (door, status) {
                (Door::OpenAi, 401) => Some("invalid_api_key"),
                (Door::ElevenLabs, 401) => Some("invalid_api_key"),
                (Door::Cartesia, 401) => Some("unauthorized"),
                (Door::Deepgram, 401) => Some("INVALID_AUTH"),
                (Door::OpenAi, 403) => Some("insufficient_permissions"),
                (Door::Deepgram, 403) => Some("INSUFFICIENT_PERMISSIONS"),
                _ => door.code(&body),
            };
            assert_eq!(door.code(&body), expected, "{door:?}: {body}");
        }
        Seen::Closed(code, reason) => {
            assert_eq!(code, 1008, "{door:?}: {reason}");
            assert!(
                reason.starts_with(&format!("{status}: ")) && reason.contains(says),
                "{door:?}: {reason:?} lacks {status}/{says:?}"
            );
        }
        other => panic!("{door:?} was not refused: {other:?}"),
    }
}

fn works(door: Door, seen: Seen) {
    match seen {
        Seen::Http(s, _, body) => assert!((200..300).contains(&s), "{door:?}: {s} {body}"),
        Seen::Audio => {}
        other => panic!("{door:?} did not work: {other:?}"),
    }
}

#[tokio::test]
async fn every_door_refuses_a_missing_wrong_or_revoked_key_and_takes_a_good_one() {
    let k = Keyed::spawn(&[("alice", KEY, ""), ("bob", "tgk_bob-key", "")]).await;
    let app = &k.app;
    for door in DOORS {
        let s = session(app, KEY).await;
        refused(
            door,
            knock(app, door, Cred::None, &s).await,
            401,
            "missing API key",
        );
        refused(
            door,
            knock(app, door, Cred::Key("tgk_nope"), &s).await,
            401,
            "invalid API key",
        );
        works(door, knock(app, door, Cred::Key(KEY), &s).await);
    }
    // Revoking is removing the line: bob's key stops working at once, alice's goes on.
    let s = session(app, "tgk_bob-key").await;
    k.rewrite(&[("alice", KEY, "")]);
    for door in DOORS {
        refused(
            door,
            knock(app, door, Cred::Key("tgk_bob-key"), &s).await,
            401,
            "invalid API key",
        );
    }
    works(
        Door::OpenAi,
        knock(app, Door::OpenAi, Cred::Key(KEY), &s).await,
    );
    // Health, readiness and the metrics of a key holder stay reachable.
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
    assert_eq!(app.get("/metrics").await.status(), 401);
    let text = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    let text = text.text().await.unwrap();
    assert!(
        crate::helpers::metric_value(&text, "tts_auth_refusals_total", &[("reason", "missing")])
            >= 12.0
    );
    assert!(
        crate::helpers::metric_value(
            &text,
            "tts_auth_refusals_total",
            &[("reason", "invalid_key")]
        ) >= 24.0
    );
}

#[tokio::test]
async fn tokens_open_their_doors_only_until_they_expire_or_their_key_goes() {
    let k = Keyed::spawn(&[("alice", KEY, ""), ("bob", "tgk_bob-key", "")]).await;
    let app = &k.app;
    let later = unix_now() + 120;
    for door in DOORS {
        let s = session(app, KEY).await;
        let good = token("alice", later, &[door.api()]);
        works(door, knock(app, door, Cred::Token(&good), &s).await);
        let expired = token("alice", unix_now() - 5, &[door.api()]);
        refused(
            door,
            knock(app, door, Cred::Token(&expired), &s).await,
            401,
            "token expired",
        );
        let other = if door.api() == Api::OpenAi {
            Api::Realtime
        } else {
            Api::OpenAi
        };
        let elsewhere = token("alice", later, &[other]);
        refused(
            door,
            knock(app, door, Cred::Token(&elsewhere), &s).await,
            403,
            &format!("does not open the {} door", door.api().name()),
        );
        let forged = Signer::new(&[1; 32]).unwrap().sign(&Claims {
            key: "alice".into(),
            exp: later,
            doors: vec![door.api().name().into()],
        });
        refused(
            door,
            knock(app, door, Cred::Token(&forged), &s).await,
            401,
            "signature does not match",
        );
    }
    // A token goes with its key.
    let bobs = token("bob", later, &[Api::OpenAi]);
    works(
        Door::OpenAi,
        knock(app, Door::OpenAi, Cred::Token(&bobs), "").await,
    );
    k.rewrite(&[("alice", KEY, "")]);
    refused(
        Door::OpenAi,
        knock(app, Door::OpenAi, Cred::Token(&bobs), "").await,
        401,
        "\"bob\" that issued this token has been revoked",
    );
}

#[tokio::test]
async fn the_token_endpoint_mints_for_a_key_and_not_for_a_token() {
    let k = Keyed::spawn(&[("alice", KEY, "")]).await;
    let app = &k.app;
    let mint = |auth: Option<&str>, body: Value| {
        let mut req = app.client.post(app.url("/v1/auth/tokens")).json(&body);
        if let Some(a) = auth {
            req = req.bearer_auth(a);
        }
        req.send()
    };
    let resp = mint(None, json!({})).await.unwrap();
    assert_eq!(resp.status(), 401);
    let resp = mint(Some(KEY), json!({"doors": ["realtime"], "ttl_seconds": 60}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["doors"], json!(["realtime"]));
    assert_eq!(v["key"], "alice");
    let t = v["token"].as_str().unwrap();
    assert!(t.starts_with("tgt_"));
    let exp = v["expires_at"].as_u64().unwrap();
    assert!(exp > unix_now() && exp <= unix_now() + 60);
    works(
        Door::Realtime,
        knock(app, Door::Realtime, Cred::Token(t), "").await,
    );
    refused(
        Door::OpenAi,
        knock(app, Door::OpenAi, Cred::Token(t), "").await,
        403,
        "does not open the openai door",
    );
    let resp = mint(Some(t), json!({})).await.unwrap();
    assert_eq!(resp.status(), 403);
    for (body, says) in [
        (json!({"ttl_seconds": 301}), "between 1 and 300"),
        (json!({"doors": ["wyoming"]}), "unknown door \"wyoming\""),
        (json!({"forever": true}), "unknown field"),
    ] {
        let resp = mint(Some(KEY), body).await.unwrap();
        assert_eq!(resp.status(), 400);
        let v: Value = resp.json().await.unwrap();
        assert!(v["detail"].as_str().unwrap().contains(says), "{v}");
    }
}

#[tokio::test]
async fn each_exhausted_limit_is_named_with_retry_after_at_every_door() {
    let k = Keyed::spawn(&[("maker", "tgk_maker", "")]).await;
    let app = &k.app;
    // The counts are per key name: one key per door and limit.
    let mut lines: Vec<(String, String, &str)> = Vec::new();
    for door in DOORS {
        lines.push((
            format!("s-{door:?}"),
            format!("tgk_s-{door:?}"),
            "sessions=1",
        ));
        lines.push((format!("c-{door:?}"), format!("tgk_c-{door:?}"), "chars=20"));
    }
    lines.push(("maker".into(), "tgk_maker".into(), ""));
    let borrowed: Vec<(&str, &str, &str)> = lines
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), *c))
        .collect();
    k.rewrite(&borrowed);
    for door in DOORS {
        if matches!(door, Door::SessionStream | Door::File | Door::Voices) {
            continue;
        }
        let s = session(app, "tgk_maker").await;
        let starts = format!("tgk_s-{door:?}");
        works(door, knock(app, door, Cred::Key(&starts), &s).await);
        let seen = knock(app, door, Cred::Key(&starts), &s).await;
        let limited = |seen: Seen, says: &str| match seen {
            Seen::Http(429, retry, body) => {
                assert!(
                    retry.is_some_and(|r| r.parse::<u64>().unwrap() >= 1),
                    "{door:?}"
                );
                let m = door.message(&body);
                assert!(m.contains(says), "{door:?}: {m}");
            }
            // On sockets the context is refused with the door's error message.
            Seen::Message(v) => {
                let text = v.to_string();
                let code = text.contains("429") || text.contains("TOO_MANY_REQUESTS");
                assert!(text.contains(says) && code, "{door:?}: {text}");
            }
            other => panic!("{door:?}: {other:?} is not a 429"),
        };
        limited(seen, "sessions=1 streams started per 60 s");
        let chars = format!("tgk_c-{door:?}");
        // "Hello there." is 12 characters: the first fits in 20, the second does not (the
        // ElevenLabs socket's opening " " counts too).
        works(door, knock(app, door, Cred::Key(&chars), &s).await);
        limited(
            knock(app, door, Cred::Key(&chars), &s).await,
            "chars=20 characters per day (",
        );
    }
    let text = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("tgk_maker")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        crate::helpers::metric_value(
            &text,
            "tts_rate_limit_hits_total",
            &[("scope", "key_sessions")]
        ) >= 5.0
    );
    assert!(
        crate::helpers::metric_value(
            &text,
            "tts_rate_limit_hits_total",
            &[("scope", "key_chars")]
        ) >= 5.0
    );
}

#[tokio::test]
async fn a_stream_slot_comes_back_after_a_cancel_and_after_a_disconnect() {
    let k = Keyed::spawn(&[("one", "tgk_one", "streams=1")]).await;
    let app = &k.app;
    let running = || app.state.auth.as_ref().unwrap().streams.running("one");
    let url = format!(
        "ws://127.0.0.1:{}/v1/tts/realtime?token={}",
        app.state.local_addr.port(),
        token("one", unix_now() + 60, &[Api::Realtime])
    );
    for ending in ["cancel", "disconnect"] {
        let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .unwrap();
        // An open context holds its slot while it waits for more text.
        let speak = json!({"type": "speak", "context_id": "a", "text": "Hello", "voice": VOICE, "format": "pcm16", "max_buffer_delay_ms": 30000});
        ws.send(Message::Text(speak.to_string().into()))
            .await
            .unwrap();
        app.eventually("the context holds a slot", || async { running() == 1 })
            .await;
        let seen = knock(app, Door::OpenAi, Cred::Key("tgk_one"), "").await;
        match seen {
            Seen::Http(429, Some(_), body) => {
                let m = Door::OpenAi.message(&body);
                assert!(m.contains("streams=1 running at once"), "{m}");
            }
            other => panic!("{other:?}"),
        }
        // A second context on the same socket is refused too, in the socket's words.
        let second = json!({"type": "speak", "context_id": "b", "text": "Hi", "voice": VOICE, "format": "pcm16"});
        ws.send(Message::Text(second.to_string().into()))
            .await
            .unwrap();
        loop {
            let Some(Ok(Message::Text(t))) = ws.next().await else {
                panic!("an error frame")
            };
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == "error" {
                assert_eq!(v["code"], 429, "{v}");
                assert!(v["message"].as_str().unwrap().contains("streams=1"), "{v}");
                break;
            }
        }
        if ending == "cancel" {
            let cancel = json!({"type": "cancel", "context_id": "a"});
            ws.send(Message::Text(cancel.to_string().into()))
                .await
                .unwrap();
        } else {
            drop(ws);
        }
        app.eventually("the slot comes back", || async { running() == 0 })
            .await;
        works(
            Door::OpenAi,
            knock(app, Door::OpenAi, Cred::Key("tgk_one"), "").await,
        );
    }
}

#[tokio::test]
async fn a_malformed_keys_file_stops_the_start_with_its_line_and_wyoming_needs_consent() {
    let dir = std::env::temp_dir().join(format!("tts-keys-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("keys");
    std::fs::write(
        &file,
        format!("# ok\nalice {}\nbob nothex\n", hash_hex("k")),
    )
    .unwrap();
    let mut settings = tts_gateway::Settings::for_tests();
    settings.auth.keys_file = Some(file.clone());
    let e = tts_gateway::Application::build(settings.clone())
        .await
        .err()
        .expect("refused");
    assert!(e.to_string().contains("line 3"), "{e}");
    std::fs::write(&file, format!("alice {}\n", hash_hex("k"))).unwrap();
    settings.wyoming_port = Some(0);
    let e = tts_gateway::Application::build(settings.clone())
        .await
        .err()
        .expect("refused");
    assert!(e.to_string().contains("WYOMING_ALLOW_ANONYMOUS"), "{e}");
    settings.auth.wyoming_allow_anonymous = true;
    assert!(tts_gateway::Application::build(settings).await.is_ok());
}
