//! `spawn_app()` and a small client for the gateway's API.

use futures::StreamExt;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;
use tts_gateway::state::AppState;
use tts_gateway::{Application, Components, Settings};

pub struct TestApp {
    pub base: String,
    /// The Wyoming port, when the settings turned it on.
    pub wyoming_port: Option<u16>,
    pub state: Arc<AppState>,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    pub server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}, Components::default()).await
}

pub async fn spawn_with(configure: impl FnOnce(&mut Settings), parts: Components) -> TestApp {
    let mut settings = Settings::for_tests();
    configure(&mut settings);
    let app = Application::build_with(settings, parts)
        .await
        .expect("app builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    let wyoming_port = app.wyoming_port();
    let state = app.state();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    TestApp {
        base,
        wyoming_port,
        state,
        client: reqwest::Client::new(),
        stop: Some(stop),
        server: Some(server),
    }
}

/// A create-session body for mock_tone with the given text, format and rate.
pub fn body(text: &str, format: &str, rate: u32) -> Value {
    json!({"provider": "mock_tone", "voice": "en-US-mock-1", "text": text,
           "target_format": format, "sample_rate_hz": rate, "language": "en-US"})
}

/// What a client saw on one WebSocket stream.
#[derive(Debug, Default)]
pub struct Streamed {
    pub seqs: Vec<u64>,
    pub audio: Vec<u8>,
    /// The final JSON frame (`eos` or `error`), if any.
    pub last: Option<Value>,
    pub close_code: Option<u16>,
}

impl Streamed {
    pub fn error_code(&self) -> Option<i64> {
        self.last
            .as_ref()
            .filter(|v| v["type"] == "error")
            .and_then(|v| v["code"].as_i64())
    }
    pub fn is_eos(&self) -> bool {
        self.last.as_ref().is_some_and(|v| v["type"] == "eos")
    }
    pub fn samples(&self) -> Vec<i16> {
        self.audio
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect()
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn post_session(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/v1/tts/sessions"))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Creates a session that must succeed; returns (id, ws_url).
    pub async fn create(&self, body: &Value) -> (String, String) {
        let resp = self.post_session(body).await;
        assert_eq!(
            resp.status(),
            201,
            "create failed: {}",
            resp.text().await.unwrap()
        );
        let v: Value = resp.json().await.unwrap();
        (
            v["session_id"].as_str().unwrap().to_string(),
            v["ws_url"].as_str().unwrap().to_string(),
        )
    }

    pub fn ws_url(&self, id: &str) -> String {
        format!(
            "ws://127.0.0.1:{}/v1/tts/stream/{id}",
            self.state.local_addr.port()
        )
    }

    /// Streams a session to the end and collects everything.
    pub async fn stream(&self, id: &str) -> Streamed {
        let (ws, _) = tokio_tungstenite::connect_async(self.ws_url(id))
            .await
            .expect("ws connects");
        collect(ws).await
    }

    /// Streams a session to the end and returns the words of its `timestamps` frames.
    pub async fn timed_words(&self, id: &str) -> Vec<Value> {
        use futures::StreamExt;
        let (socket, _) = tokio_tungstenite::connect_async(self.ws_url(id))
            .await
            .expect("ws connects");
        let frames: Vec<Value> = socket
            .filter_map(|m| async move {
                m.ok()?
                    .into_text()
                    .ok()
                    .and_then(|t| serde_json::from_str(&t).ok())
            })
            .collect()
            .await;
        frames
            .iter()
            .filter(|f| f["type"] == "timestamps")
            .flat_map(|f| f["words"].as_array().cloned().unwrap_or_default())
            .collect()
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// `GET path`, parsed as JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        self.get(path).await.json().await.unwrap()
    }

    pub async fn metrics(&self) -> String {
        self.client
            .get(self.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The value of one series, e.g. `metric(&text, "tts_sessions_total", &[("status","created")])`;
    /// 0 when absent.
    pub async fn metric(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        metric_value(&self.metrics().await, name, labels)
    }

    /// Waits until `cond` holds, polling; fails the test after 10 s.
    pub async fn eventually<F, Fut>(&self, what: &str, mut cond: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !cond().await {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for: {what}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Asks the server to stop and waits for it.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }
}

pub async fn collect<S>(mut ws: S) -> Streamed
where
    S: futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    use base64::Engine;
    let mut out = Streamed::default();
    while let Some(msg) = ws.next().await {
        match msg {
            Ok(Message::Text(t)) => {
                let v: Value = serde_json::from_str(&t).expect("frames are JSON");
                if v["type"] == "audio" {
                    out.seqs.push(v["seq"].as_u64().unwrap());
                    let data = base64::engine::general_purpose::STANDARD
                        .decode(v["data"].as_str().unwrap())
                        .unwrap();
                    out.audio.extend_from_slice(&data);
                } else {
                    out.last = Some(v);
                }
            }
            Ok(Message::Close(frame)) => {
                out.close_code = frame.map(|f| u16::from(f.code));
                break;
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    out
}

pub fn metric_value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']))
        .filter(|l| {
            labels
                .iter()
                .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Runs `program` (ffmpeg or ffprobe) on `bytes` written to a temporary file, with
/// `before` the input and `after` it; returns its standard output.
fn run_on_file(program: &str, bytes: &[u8], before: &[&str], after: &[&str]) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("tts-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in");
    std::fs::write(&input, bytes).unwrap();
    let out = std::process::Command::new(program)
        .args(["-v", "error"])
        .args(before)
        .arg("-i")
        .arg(&input)
        .args(after)
        .output()
        .unwrap_or_else(|e| panic!("{program} is installed (scripts/setup.sh): {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Decodes any audio file with ffmpeg into 16-bit mono PCM at its own rate.
pub fn ffmpeg_decode(bytes: &[u8], input_args: &[&str]) -> Vec<i16> {
    let mut before = vec!["-nostdin"];
    before.extend_from_slice(input_args);
    run_on_file("ffmpeg", bytes, &before, &["-f", "s16le", "-ac", "1", "-"])
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// What ffprobe reads from a file's first audio stream: (codec, sample rate, channels).
pub fn ffprobe(bytes: &[u8]) -> (String, u32, u32) {
    let out = run_on_file(
        "ffprobe",
        bytes,
        &[],
        &[
            "-select_streams",
            "a:0",
            "-show_entries",
            "stream=codec_name,sample_rate,channels",
            "-of",
            "default=noprint_wrappers=1",
        ],
    );
    let text = String::from_utf8(out).unwrap();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("ffprobe gave no {name}: {text}"))
            .to_string()
    };
    (
        field("codec_name"),
        field("sample_rate").parse().unwrap(),
        field("channels").parse().unwrap(),
    )
}

/// The words of `text` as a reader counts them: tokens with a letter or digit, without
/// their leading and trailing punctuation.
pub fn words_of(text: &str) -> Vec<&str> {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Word timings (`{"word","start_ms","end_ms","text_start","text_end"}`) name every word
/// of `text` in order, each at its place in the text, with non-decreasing starts (espeak
/// gives a clitic such as "the" the start of the word it leans on, and no length), and
/// inside the `audio_ms` of audio; not all at one time.
pub fn check_word_timings(what: &str, text: &str, words: &[Value], audio_ms: f64) {
    let names: Vec<&str> = words
        .iter()
        .map(|w| {
            w["word"]
                .as_str()
                .unwrap()
                .trim_matches(|c: char| !c.is_alphanumeric())
        })
        .collect();
    assert_eq!(names, words_of(text), "{what}: the words");
    let (mut last_start, mut last_end_in_text) = (-1.0, 0);
    for w in words {
        let (s, e) = (
            w["start_ms"].as_f64().unwrap(),
            w["end_ms"].as_f64().unwrap(),
        );
        assert!(
            s >= last_start && e >= s && e <= audio_ms + 0.5,
            "{what}: {w} after {last_start} ms, in {audio_ms} ms of audio"
        );
        let (a, b) = (
            w["text_start"].as_u64().unwrap() as usize,
            w["text_end"].as_u64().unwrap() as usize,
        );
        assert!(
            a >= last_end_in_text,
            "{what}: {w} overlaps the word before"
        );
        assert_eq!(&text[a..b], w["word"].as_str().unwrap(), "{what}: {w}");
        (last_start, last_end_in_text) = (s, b);
    }
    let first = words[0]["start_ms"].as_f64().unwrap();
    assert!(last_start > first, "{what}: every word at one time");
}

/// Streams session `id` to its end: every JSON frame that is not audio, and the audio.
pub async fn stream_frames(app: &TestApp, id: &str) -> (Vec<Value>, Vec<u8>) {
    use base64::Engine;
    let (ws, _) = tokio_tungstenite::connect_async(app.ws_url(id))
        .await
        .expect("ws connects");
    let (mut frames, mut audio) = (Vec::new(), Vec::new());
    let mut ws = ws;
    while let Some(Ok(msg)) = ws.next().await {
        let Message::Text(t) = msg else { continue };
        let v: Value = serde_json::from_str(&t).expect("frames are JSON");
        if v["type"] == "audio" {
            let data = base64::engine::general_purpose::STANDARD
                .decode(v["data"].as_str().unwrap())
                .unwrap();
            audio.extend_from_slice(&data);
        } else {
            frames.push(v);
        }
    }
    (frames, audio)
}

/// The words of the `timestamps` frames among `frames`.
pub fn timestamps(frames: &[Value]) -> Vec<Value> {
    frames
        .iter()
        .filter(|f| f["type"] == "timestamps")
        .flat_map(|f| f["words"].as_array().unwrap().clone())
        .collect()
}

/// `GET /file?alignment=json` (plus `query`) of session `id`, checked to be 200.
pub async fn file_alignment(app: &TestApp, id: &str, query: &str) -> Value {
    let resp = app
        .get(&format!("/v1/tts/sessions/{id}/file?alignment=json{query}"))
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    resp.json().await.unwrap()
}
