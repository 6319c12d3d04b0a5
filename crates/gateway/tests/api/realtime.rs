//! The realtime socket: text in as it is written, contexts, flush, close, cancel, limits.

use crate::doubles::{spawn_double, Behaviour, Double};
use crate::helpers::{ffprobe, spawn_app, spawn_with, TestApp};
use base64::Engine;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tts_gateway::Components;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A realtime client that keeps what it received, per context.
struct Rt {
    ws: Ws,
    /// Every frame received, in order.
    frames: Vec<Value>,
}

impl Rt {
    async fn connect(app: &TestApp) -> Self {
        let url = format!(
            "ws://127.0.0.1:{}/v1/tts/realtime",
            app.state.local_addr.port()
        );
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connects");
        Self {
            ws,
            frames: Vec::new(),
        }
    }

    async fn send(&mut self, v: Value) {
        self.ws
            .send(Message::Text(v.to_string().into()))
            .await
            .unwrap();
    }

    /// The next frame; fails the test if none comes within 10 s.
    async fn next(&mut self) -> Value {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(10), self.ws.next())
                .await
                .expect("a frame within 10 s")
                .expect("the socket is open")
                .expect("no socket error");
            if let Message::Text(t) = msg {
                let v: Value = serde_json::from_str(&t).unwrap();
                self.frames.push(v.clone());
                return v;
            }
            assert!(!matches!(msg, Message::Close(_)), "closed: {msg:?}");
        }
    }

    /// Reads frames until one matches; fails the test after 10 s.
    async fn until(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no matching frame within 10 s; last: {:?}",
                self.frames.last()
            );
            let v = self.next().await;
            if pred(&v) {
                return v;
            }
        }
    }

    async fn until_type(&mut self, kind: &str, ctx: &str) -> Value {
        self.until(|v| v["type"] == kind && v["context_id"] == ctx)
            .await
    }

    /// The audio received so far for `ctx`, with its seqs.
    fn audio(&self, ctx: &str) -> (Vec<u64>, Vec<u8>) {
        let mut seqs = Vec::new();
        let mut bytes = Vec::new();
        for f in &self.frames {
            if f["type"] == "audio" && f["context_id"] == ctx {
                seqs.push(f["seq"].as_u64().unwrap());
                bytes.extend(
                    base64::engine::general_purpose::STANDARD
                        .decode(f["data"].as_str().unwrap())
                        .unwrap(),
                );
            }
        }
        (seqs, bytes)
    }
}

fn speak(ctx: &str, text: &str) -> Value {
    json!({"type": "speak", "context_id": ctx, "text": text})
}

fn first_speak(ctx: &str, text: &str, voice: &str, format: &str) -> Value {
    json!({"type": "speak", "context_id": ctx, "text": text, "voice": voice,
           "format": format, "max_buffer_delay_ms": 30000})
}

fn msg(kind: &str, ctx: &str) -> Value {
    json!({"type": kind, "context_id": ctx})
}

const TEXT: &str = "Well, hello there. This is a test of the realtime socket, \
                    which takes text as an LLM writes it; it costs 3.5 dollars! Dr. Brown \
                    agrees: fine. And then, at last, the end";

#[tokio::test]
async fn text_fed_a_few_characters_at_a_time_reaches_the_engine_as_the_whole_text_does() {
    let mut got = Vec::new();
    for size in [usize::MAX, 1, 3, 7] {
        let recorder = Double::new("rec", Behaviour::Record);
        let app = spawn_double(&recorder, |_| {}).await;
        let mut rt = Rt::connect(&app).await;
        let chars: Vec<char> = TEXT.chars().collect();
        let mut first = true;
        for piece in chars.chunks(size.min(chars.len())) {
            let piece: String = piece.iter().collect();
            if first {
                rt.send(first_speak("c1", &piece, "v1", "pcm16")).await;
                first = false;
            } else {
                rt.send(speak("c1", &piece)).await;
            }
        }
        rt.send(msg("close", "c1")).await;
        rt.until_type("done", "c1").await;
        let (seqs, _) = rt.audio("c1");
        assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
        got.push(recorder.texts());
    }
    // Each segment is normalised on its way to the engine ("3.5" → "three point five").
    let normalised = tts_normalize::normalize(TEXT, "en-US");
    let words: Vec<&str> = normalised.split_whitespace().collect();
    for segments in &got {
        assert!(
            segments.len() > 3,
            "released clause by clause: {segments:?}"
        );
        let spoken: Vec<&str> = segments.iter().flat_map(|s| s.split_whitespace()).collect();
        assert_eq!(spoken, words);
        assert_eq!(
            segments, &got[0],
            "the same segments whatever the token size"
        );
    }
}

#[tokio::test]
async fn two_interleaved_contexts_each_get_their_own_complete_stream() {
    let app = spawn_app().await;
    let mut rt = Rt::connect(&app).await;
    rt.send(first_speak("a", "Hello ", "en-US-mock-1", "wav"))
        .await;
    rt.send(first_speak("b", "Other ", "en-US-mock-1", "mp3"))
        .await;
    for (a, b) in [("from ", "words "), ("context ", "in "), ("a.", "b.")] {
        rt.send(speak("a", a)).await;
        rt.send(speak("b", b)).await;
    }
    rt.send(msg("close", "a")).await;
    rt.send(msg("close", "b")).await;
    let mut done = 0;
    while done < 2 {
        if rt.next().await["type"] == "done" {
            done += 1;
        }
    }
    for (ctx, codec, chars) in [
        ("a", "pcm_s16le", "Hello from context a."),
        ("b", "mp3", "Other words in b."),
    ] {
        let (seqs, bytes) = rt.audio(ctx);
        assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "{ctx}");
        let (name, rate, channels) = ffprobe(&bytes);
        assert_eq!((name.as_str(), rate, channels), (codec, 16_000, 1), "{ctx}");
        let samples = crate::helpers::ffmpeg_decode(&bytes, &[]);
        // mock_tone: 100 ms a character; segments are trimmed, so between 1 and all of
        // the spaces are spoken.
        let most = chars.len() * 1600;
        let least = chars.replace(' ', "").len() * 1600;
        assert!(
            (least..=most + 2400).contains(&samples.len()),
            "{ctx}: {} samples, expected {least}..{most}",
            samples.len()
        );
    }
}

#[tokio::test]
async fn after_cancelled_no_audio_of_the_context_arrives_and_its_worker_is_freed() {
    let endless = Double::new("endless", Behaviour::Endless(5));
    let app = spawn_double(&endless, |_| {}).await;
    let mut rt = Rt::connect(&app).await;
    rt.send(first_speak("talk", "Go on and on. ", "v1", "pcm16"))
        .await;
    rt.send(first_speak(
        "other",
        "Hello there. ",
        "en-US-mock-1",
        "pcm16",
    ))
    .await;
    rt.until_type("audio", "talk").await;
    rt.send(msg("cancel", "talk")).await;
    rt.until_type("cancelled", "talk").await;
    let cancelled_at = rt.frames.len();
    // The other context goes on to its end; nothing of the cancelled one follows.
    rt.send(msg("close", "other")).await;
    rt.until_type("done", "other").await;
    assert!(
        rt.frames[cancelled_at..]
            .iter()
            .all(|f| f["context_id"] != "talk"),
        "frames after cancelled: {:?}",
        &rt.frames[cancelled_at..]
    );
    let state = app.state.clone();
    app.eventually("the worker is given back", || {
        let busy = state.admission.busy_workers();
        async move { busy == 0 }
    })
    .await;
    // The engine's stream was dropped, not left running.
    let chunks = endless.chunks.load(std::sync::atomic::Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let later = endless.chunks.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        later <= chunks + 1,
        "engine still producing: {chunks} → {later}"
    );
    // The same id can start a new turn on the same socket.
    rt.send(first_speak("talk", "Next turn.", "en-US-mock-1", "pcm16"))
        .await;
    rt.send(msg("close", "talk")).await;
    rt.until_type("done", "talk").await;
    assert!(
        app.metric("tts_cancels_total", &[("api", "realtime")])
            .await
            >= 1.0
    );
}

#[tokio::test]
async fn flush_mid_sentence_speaks_what_was_buffered() {
    let recorder = Double::new("rec", Behaviour::Record);
    let app = spawn_double(&recorder, |_| {}).await;
    let mut rt = Rt::connect(&app).await;
    rt.send(first_speak("c", "so what I was", "v1", "pcm16"))
        .await;
    rt.send(speak("c", " about to say")).await;
    rt.send(msg("flush", "c")).await;
    let flushed = rt.until_type("flushed", "c").await;
    assert_eq!(flushed["type"], "flushed");
    let (_, audio) = rt.audio("c");
    assert!(!audio.is_empty(), "audio came before flushed");
    assert_eq!(recorder.texts(), vec!["so what I was about to say"]);
    // A flush with nothing buffered is acknowledged too.
    rt.send(msg("flush", "c")).await;
    rt.until_type("flushed", "c").await;
}

#[tokio::test]
async fn every_limit_and_malformed_message_gets_its_error_while_other_contexts_stream() {
    let endless = Double::new("endless", Behaviour::Endless(10));
    let app = spawn_double(&endless, |s| {
        s.realtime.max_contexts = 2;
        s.realtime.max_buffered_bytes = 64;
        s.realtime.max_message_bytes = 1024;
    })
    .await;
    let mut rt = Rt::connect(&app).await;
    rt.send(first_speak("live", "Keep talking. ", "v1", "pcm16"))
        .await;
    rt.until_type("audio", "live").await;
    let text = |v: Value| Message::Text(v.to_string().into());
    let x_settings = first_speak("x", "Hi", "en-US-mock-1", "pcm16");
    let cases: Vec<(Message, Option<&str>, u64, &str)> = vec![
        (Message::Text("{nope".into()), None, 400, "not valid JSON"),
        (
            text(json!({"type": "shout", "context_id": "x"})),
            Some("x"),
            400,
            "unknown message type",
        ),
        (
            text(msg("flush", "ghost")),
            Some("ghost"),
            404,
            "unknown context",
        ),
        (
            Message::Binary(vec![1, 2, 3].into()),
            None,
            400,
            "binary frames",
        ),
        (
            text(speak("x", &"a".repeat(2000))),
            None,
            413,
            "REALTIME_MAX_MESSAGE_BYTES",
        ),
        (
            text(json!({"type": "speak", "context_id": "y", "text": "a"})),
            Some("y"),
            400,
            "needs its settings",
        ),
        (
            text(json!({"type": "speak", "context_id": "z", "text": "a", "voice": "nobody"})),
            Some("z"),
            400,
            "unknown voice",
        ),
        (
            text(
                json!({"type": "speak", "context_id": "z", "text": "a", "voice": "v1", "format": "vorbis"}),
            ),
            Some("z"),
            400,
            "format must be",
        ),
        (
            text(
                json!({"type": "speak", "context_id": "z", "text": "a", "voice": "v1", "max_buffer_delay_ms": 0}),
            ),
            Some("z"),
            400,
            "max_buffer_delay_ms",
        ),
        // "x" opens here (no answer), then its own errors.
        (text(x_settings), None, 0, ""),
        (
            text(json!({"type": "speak", "context_id": "x", "text": "a", "voice": "v1"})),
            Some("x"),
            409,
            "settings of its first speak",
        ),
        (
            text(speak("x", &"word ".repeat(20))),
            Some("x"),
            413,
            "REALTIME_MAX_BUFFERED_BYTES",
        ),
        (
            text(first_speak("third", "Hi", "en-US-mock-1", "pcm16")),
            Some("third"),
            429,
            "REALTIME_MAX_CONTEXTS",
        ),
    ];
    for (message, ctx, code, words) in cases {
        rt.ws.send(message).await.unwrap();
        if code == 0 {
            continue;
        }
        let e = rt.until(|v| v["type"] == "error").await;
        assert_eq!(e["code"], code, "{e}");
        assert!(e["message"].as_str().unwrap().contains(words), "{e}");
        match ctx {
            Some(c) => assert_eq!(e["context_id"], c, "{e}"),
            None => assert!(e["context_id"].is_null(), "{e}"),
        }
    }
    // The live context kept streaming through all of it, and still does.
    let before = rt.audio("live").0.len();
    let after = rt.until_type("audio", "live").await["seq"]
        .as_u64()
        .unwrap();
    assert!(after as usize > before);
    let (seqs, _) = rt.audio("live");
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "gapless");
}

#[tokio::test]
async fn an_idle_connection_is_told_why_and_closed() {
    let app = spawn_with(
        |s| s.realtime.idle_timeout = Duration::from_millis(300),
        Components::default(),
    )
    .await;
    let mut rt = Rt::connect(&app).await;
    let e = rt.next().await;
    assert_eq!(e["code"], 408, "{e}");
    let close = tokio::time::timeout(Duration::from_secs(5), rt.ws.next())
        .await
        .unwrap();
    assert!(matches!(close, Some(Ok(Message::Close(Some(f)))) if u16::from(f.code) == 1000));
}

#[tokio::test]
async fn word_timings_cover_every_word_in_order_inside_the_audio() {
    let app = spawn_app().await;
    let mut rt = Rt::connect(&app).await;
    let text = "One two, three four. Five";
    let first = json!({"type": "speak", "context_id": "w", "text": text, "voice": "en-US-mock-1",
                       "format": "pcm16", "sample_rate_hz": 8000, "word_timestamps": true});
    rt.send(first).await;
    rt.send(msg("close", "w")).await;
    rt.until_type("done", "w").await;
    let words: Vec<Value> = rt
        .frames
        .iter()
        .filter(|f| f["type"] == "timestamps")
        .flat_map(|f| f["words"].as_array().unwrap().clone())
        .collect();
    let (_, audio) = rt.audio("w");
    let audio_ms = (audio.len() / 2) as f64 / 8.0;
    let names: Vec<String> = words
        .iter()
        .map(|w| {
            w["word"]
                .as_str()
                .unwrap()
                .trim_matches([',', '.'])
                .to_string()
        })
        .collect();
    assert_eq!(names, ["One", "two", "three", "four", "Five"]);
    let mut last = -1.0;
    for w in &words {
        let (s, e) = (
            w["start_ms"].as_f64().unwrap(),
            w["end_ms"].as_f64().unwrap(),
        );
        assert!(
            s > last && e > s && e <= audio_ms + 1.0,
            "{w} in {audio_ms} ms"
        );
        let (a, b) = (
            w["text_start"].as_u64().unwrap() as usize,
            w["text_end"].as_u64().unwrap() as usize,
        );
        assert_eq!(&text[a..b], w["word"].as_str().unwrap(), "{w}");
        last = s;
    }
}
