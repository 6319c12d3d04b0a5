//! The well-behaved clients, one per door: each runs one unit of work (a session, a
//! socket's contexts, a request) against a gateway and says how it ended.
//!
//! Every stream is checked: seq gapless where the door numbers frames, a terminal message
//! before the socket ends, and for sessions streamed as pcm16, `/file` (fetched from the
//! *other* gateway, through Redis) must hold exactly the streamed samples.

use super::ledger::Outcome;
use super::rng::Rng;
use super::Soak;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::WebSocketStream;

pub type Ws = WebSocketStream<TcpStream>;

/// Longest a unit of work may take before it counts as without a terminal message.
pub const UNIT_TIMEOUT: Duration = Duration::from_secs(40);

/// A voice of one engine, at its native rate (so stream and `/file` need no resampling).
#[derive(Clone, Debug)]
pub struct Voice {
    pub provider: &'static str,
    pub id: String,
    pub rate: u32,
}

const TEXTS: &[&str] = &[
    "Your order shipped this morning.",
    "Hello, and welcome back. How can I help you today?",
    "The meeting moved to Thursday at three, in room four.",
    "Sure, I can help with that, one moment please.",
    "It is 21 degrees outside, with a light wind from the west.",
    "Thanks for calling. Please hold while I find your booking.",
];

pub fn text(rng: &mut Rng) -> String {
    let mut t = rng.pick(TEXTS).to_string();
    if rng.chance(0.3) {
        t.push(' ');
        let more = TEXTS[rng.below(TEXTS.len())];
        t.push_str(more);
    }
    t
}

/// Piper's ONNX Runtime arena grows, in steps, to the largest input it has run, and
/// keeps that size (docs/RELIABILITY.md). VITS draws each phoneme's duration at random, so
/// one sentence comes out at a new length each time, and the phrase cache hides most
/// repeats from Piper: with Piper at 7 % of the load, the largest inputs may first come
/// long after the warm-up. The warm-up therefore sends every sentence `rounds` times to
/// `base`, bypassing the cache, so memory is compared from the arena's working size.
/// Returns (requests sent, how many were not answered 200 with whole audio).
pub async fn prime_piper(soak: &Soak, base: &str, voice: &Voice, rounds: usize) -> (usize, usize) {
    let mut failed = 0;
    for _ in 0..rounds {
        for text in TEXTS {
            let body = json!({"model": "tts-1", "voice": voice.id, "input": text,
                              "response_format": "pcm", "cache": false});
            let r = soak
                .http
                .post(format!("{base}/v1/audio/speech"))
                .json(&body)
                .timeout(UNIT_TIMEOUT)
                .send()
                .await;
            if !matches!(audio_body(r, Some(2)).await, Outcome::Completed) {
                failed += 1;
            }
        }
    }
    (rounds * TEXTS.len(), failed)
}

/// Connects a WebSocket to `url` (`ws://127.0.0.1:port/…`), with `SO_RCVBUF` if given.
pub async fn connect(url: &str, recv_buffer: Option<u32>) -> Result<Ws, Outcome> {
    let authority = url
        .strip_prefix("ws://")
        .and_then(|r| r.split('/').next())
        .ok_or_else(|| Outcome::Failed(format!("bad ws url {url}")))?;
    let addr: std::net::SocketAddr = authority
        .parse()
        .map_err(|_| Outcome::Failed(format!("bad ws address {authority}")))?;
    let socket = tokio::net::TcpSocket::new_v4().map_err(|_| Outcome::Refused(0))?;
    if let Some(size) = recv_buffer {
        let _ = socket.set_recv_buffer_size(size);
    }
    let tcp = socket
        .connect(addr)
        .await
        .map_err(|_| Outcome::Refused(0))?;
    let _ = tcp.set_nodelay(true);
    match tokio_tungstenite::client_async(url, tcp).await {
        Ok((ws, _)) => Ok(ws),
        Err(tungstenite::Error::Http(resp)) => Err(Outcome::Refused(resp.status().as_u16())),
        Err(_) => Err(Outcome::Refused(0)),
    }
}

pub async fn send(ws: &mut Ws, v: Value) -> bool {
    ws.send(Message::Text(v.to_string().into())).await.is_ok()
}

/// One message, or `None` when the socket ended (or `deadline` passed: `Err`).
pub async fn next(ws: &mut Ws, deadline: Instant) -> Result<Option<Message>, ()> {
    match tokio::time::timeout_at(deadline.into(), ws.next()).await {
        Err(_) => Err(()),
        Ok(Some(Ok(m))) => Ok(Some(m)),
        Ok(_) => Ok(None),
    }
}

/// The next message before `deadline` that is not a close. A close, the socket's end or
/// the deadline is [`Outcome::NoTerminal`]: `awaited` (the door's terminal messages) never came.
async fn expect(ws: &mut Ws, deadline: Instant, awaited: &str) -> Result<Message, Outcome> {
    match next(ws, deadline).await {
        Err(()) => Err(Outcome::NoTerminal(format!(
            "timed out waiting for {awaited}"
        ))),
        Ok(None) => Err(Outcome::NoTerminal(format!(
            "socket ended without {awaited}"
        ))),
        Ok(Some(m)) => match close_code(&m) {
            Some(code) => Err(Outcome::NoTerminal(format!(
                "close {code} without {awaited}"
            ))),
            None => Ok(m),
        },
    }
}

fn close_code(m: &Message) -> Option<u16> {
    match m {
        Message::Close(c) => Some(c.as_ref().map_or(1005, |c| u16::from(c.code))),
        _ => None,
    }
}

fn decode(v: &Value, key: &str) -> Result<Vec<u8>, Outcome> {
    let s = v[key].as_str().unwrap_or("");
    STANDARD
        .decode(s)
        .map_err(|e| Outcome::Disorder(format!("audio that is not base64: {e}")))
}

/// The native session door: create, stream as pcm16, then `/file` from the other gateway.
pub async fn session(soak: &Soak, rng: &mut Rng, voice: &Voice) -> Outcome {
    match stream_session(soak, None, rng, voice).await {
        Ok((on, id, pcm)) => check_file(soak, &on, &id, &pcm, voice).await,
        Err(o) => o,
    }
}

/// [`session`] created on the gateway at `base`.
pub async fn session_on(soak: &Soak, base: &str, rng: &mut Rng, voice: &Voice) -> Outcome {
    match stream_session(soak, Some(base), rng, voice).await {
        Ok((on, id, pcm)) => check_file(soak, &on, &id, &pcm, voice).await,
        Err(o) => o,
    }
}

/// A session created and streamed on `base`, its `/file` left for later: (id, PCM).
pub async fn session_kept(
    soak: &Soak,
    base: &str,
    rng: &mut Rng,
    voice: &Voice,
) -> Option<(String, Vec<u8>)> {
    let (_, id, pcm) = stream_session(soak, Some(base), rng, voice).await.ok()?;
    Some((id, pcm))
}

/// Creates a session (on `base`, or on any gateway with a retry on the other when the
/// first cannot be reached) and streams it as pcm16: (gateway, session id, PCM).
async fn stream_session(
    soak: &Soak,
    base: Option<&str>,
    rng: &mut Rng,
    voice: &Voice,
) -> Result<(String, String, Vec<u8>), Outcome> {
    let text = text(rng);
    let body = json!({"provider": voice.provider, "voice": voice.id, "text": text,
                      "target_format": "pcm16", "sample_rate_hz": voice.rate});
    let (created_on, created) = match base {
        None => soak.post_with_retry("/v1/tts/sessions", &body, rng).await?,
        Some(b) => (
            b.to_string(),
            soak.post(b, "/v1/tts/sessions", &body).await?,
        ),
    };
    if created.0 != 201 {
        return Err(Outcome::Refused(created.0));
    }
    let v: Value = serde_json::from_slice(&created.1).unwrap_or_default();
    let (Some(id), Some(ws_url)) = (v["session_id"].as_str(), v["ws_url"].as_str()) else {
        return Err(Outcome::Failed("201 without session_id/ws_url".into()));
    };
    let deadline = Instant::now() + UNIT_TIMEOUT;
    let mut ws = connect(ws_url, None).await?;
    let mut pcm = Vec::new();
    let mut next_seq = 1;
    let end = loop {
        let msg = match expect(&mut ws, deadline, "eos or error").await {
            Ok(m) => m,
            Err(o) => break o,
        };
        let Message::Text(t) = msg else { continue };
        let v: Value = serde_json::from_str(t.as_str()).unwrap_or_default();
        match v["type"].as_str() {
            Some("audio") => {
                if v["seq"].as_u64() != Some(next_seq) {
                    break Outcome::Disorder(format!("seq {} after {}", v["seq"], next_seq - 1));
                }
                next_seq += 1;
                match decode(&v, "data") {
                    Ok(b) => pcm.extend_from_slice(&b),
                    Err(o) => break o,
                }
            }
            Some("eos") => break Outcome::Completed,
            Some("error") => break Outcome::Failed(format!("error {}", v["code"])),
            _ => {}
        }
    };
    let _ = ws.close(None).await;
    if end != Outcome::Completed {
        return Err(end);
    }
    Ok((created_on, id.to_string(), pcm))
}

/// `/file?format=pcm16` of a completed session, from the other gateway when both are up,
/// must be the streamed PCM. While Redis or a gateway is down it is retried.
pub async fn check_file(
    soak: &Soak,
    created_on: &str,
    id: &str,
    pcm: &[u8],
    voice: &Voice,
) -> Outcome {
    let until = Instant::now() + Duration::from_secs(30);
    let mut last = String::new();
    while Instant::now() < until {
        let base = soak.other_than(created_on);
        let url = format!(
            "{base}/v1/tts/sessions/{id}/file?format=pcm16&sample_rate_hz={}",
            voice.rate
        );
        match soak
            .http
            .get(&url)
            .timeout(Duration::from_secs(30))
            .send()
            .await
        {
            Ok(r) if r.status() == 200 => {
                return match r.bytes().await {
                    Ok(b) if b.as_ref() == pcm => Outcome::Completed,
                    Ok(b) => Outcome::Mismatch(format!(
                        "session {id}: streamed {} bytes, /file on {base} has {} bytes{}",
                        pcm.len(),
                        b.len(),
                        if b.len() == pcm.len() {
                            " (same length, other samples)"
                        } else {
                            ""
                        }
                    )),
                    Err(e) => {
                        last = format!("body: {e}");
                        continue;
                    }
                };
            }
            Ok(r) => last = format!("{} from {base}", r.status()),
            Err(e) => last = format!("{e} from {base}"),
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Outcome::Lost(format!("session {id}: /file never answered 200 ({last})"))
}

/// Reads a whole HTTP body of audio; `Completed` if it came whole (and holds whole
/// samples when `sample_bytes` is given).
async fn audio_body(
    resp: reqwest::Result<reqwest::Response>,
    sample_bytes: Option<usize>,
) -> Outcome {
    let resp = match resp {
        Ok(r) => r,
        Err(e) if e.is_connect() => return Outcome::Refused(0),
        Err(e) if e.is_timeout() => return Outcome::NoTerminal("no answer".into()),
        Err(_) => return Outcome::Failed("request".into()),
    };
    let status = resp.status().as_u16();
    if status != 200 {
        return Outcome::Refused(status);
    }
    match resp.bytes().await {
        Ok(b) if b.is_empty() => Outcome::Failed("empty body".into()),
        Ok(b) if sample_bytes.is_some_and(|n| b.len() % n != 0) => {
            Outcome::Disorder(format!("a body of {} bytes is not whole samples", b.len()))
        }
        Ok(_) => Outcome::Completed,
        Err(e) if e.is_timeout() => Outcome::NoTerminal("body timed out".into()),
        Err(_) => Outcome::Failed("cut".into()),
    }
}

/// `POST path` on a gateway at random with a JSON body; the body must be whole pcm16.
async fn post_audio(soak: &Soak, rng: &mut Rng, path: &str, body: Value) -> Outcome {
    let base = soak.pick(rng);
    let r = soak
        .http
        .post(format!("{base}{path}"))
        .json(&body)
        .timeout(UNIT_TIMEOUT)
        .send()
        .await;
    audio_body(r, Some(2)).await
}

/// OpenAI `POST /v1/audio/speech`, raw pcm.
pub async fn openai(soak: &Soak, rng: &mut Rng, voice: &Voice) -> Outcome {
    let body = json!({"model": "tts-1", "voice": voice.id, "input": text(rng),
                      "response_format": "pcm", "sample_rate": 16000});
    post_audio(soak, rng, "/v1/audio/speech", body).await
}

pub async fn elevenlabs_rest(soak: &Soak, rng: &mut Rng, voice: &Voice) -> Outcome {
    let path = format!(
        "/elevenlabs/v1/text-to-speech/{}/stream?output_format=pcm_16000",
        voice.id
    );
    let body = json!({"text": text(rng)});
    post_audio(soak, rng, &path, body).await
}

pub async fn cartesia_rest(soak: &Soak, rng: &mut Rng, voice: &Voice) -> Outcome {
    let body = json!({"model_id": "sonic", "transcript": text(rng),
        "voice": {"mode": "id", "id": voice.id},
        "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000}});
    post_audio(soak, rng, "/cartesia/tts/bytes", body).await
}

pub async fn deepgram_rest(soak: &Soak, rng: &mut Rng, voice: &Voice) -> Outcome {
    let path = format!(
        "/v1/speak?model={}&encoding=linear16&container=none&sample_rate=16000",
        voice.id
    );
    let body = json!({"text": text(rng)});
    post_audio(soak, rng, &path, body).await
}

/// One realtime context as the client sees it.
#[derive(Default)]
struct Context {
    next_seq: u64,
    /// Cancel this context when its first audio arrives.
    cancel_at_audio: bool,
    cancel_sent: bool,
    end: Option<Outcome>,
}

/// The realtime socket: 1–3 contexts, text in pieces, some cancelled at their first
/// audio (barge-in) and some at once. One outcome per context.
pub async fn realtime(soak: &Soak, rng: &mut Rng, voice: &Voice) -> Vec<Outcome> {
    let base = soak.pick(rng).replacen("http://", "ws://", 1);
    let mut ws = match connect(&format!("{base}/v1/tts/realtime"), None).await {
        Ok(ws) => ws,
        Err(o) => return vec![o],
    };
    let n = 1 + rng.below(3);
    let mut contexts: HashMap<String, Context> = HashMap::new();
    for c in 0..n {
        let id = format!("c{c}");
        let text = text(rng);
        let words: Vec<&str> = text.split_inclusive(' ').collect();
        let mut first = true;
        for piece in words.chunks(3) {
            let mut msg = json!({"type": "speak", "context_id": id, "text": piece.concat()});
            if first {
                msg["voice"] = json!(voice.id);
                msg["provider"] = json!(voice.provider);
                msg["format"] = json!("pcm16");
                first = false;
            }
            send(&mut ws, msg).await;
        }
        let mut ctx = Context {
            next_seq: 1,
            ..Context::default()
        };
        match rng.below(10) {
            0 | 1 => ctx.cancel_at_audio = true,
            2 => {
                send(&mut ws, json!({"type": "cancel", "context_id": id})).await;
                ctx.cancel_sent = true;
            }
            _ => {}
        }
        if !ctx.cancel_sent {
            send(&mut ws, json!({"type": "close", "context_id": id})).await;
        }
        contexts.insert(id, ctx);
    }
    let deadline = Instant::now() + UNIT_TIMEOUT;
    while contexts.values().any(|c| c.end.is_none()) {
        let msg = match next(&mut ws, deadline).await {
            Err(()) => break,
            Ok(None) => break,
            Ok(Some(m)) => m,
        };
        if close_code(&msg).is_some() {
            break;
        }
        let Message::Text(t) = msg else { continue };
        let v: Value = serde_json::from_str(t.as_str()).unwrap_or_default();
        let Some(id) = v["context_id"].as_str() else {
            continue;
        };
        let Some(ctx) = contexts.get_mut(id) else {
            continue;
        };
        if ctx.end.is_some() {
            if v["type"] == "audio" || matches!(ctx.end, Some(Outcome::Cancelled)) {
                ctx.end = Some(Outcome::Disorder(format!(
                    "{} of context {id} after its end",
                    v["type"]
                )));
            }
            continue;
        }
        match v["type"].as_str() {
            Some("audio") => {
                if v["seq"].as_u64() != Some(ctx.next_seq) {
                    ctx.end = Some(Outcome::Disorder(format!(
                        "seq {} for {}",
                        v["seq"], ctx.next_seq
                    )));
                }
                ctx.next_seq += 1;
                if ctx.cancel_at_audio && !ctx.cancel_sent {
                    ctx.cancel_sent = true;
                    send(&mut ws, json!({"type": "cancel", "context_id": id})).await;
                }
            }
            Some("done") => ctx.end = Some(Outcome::Completed),
            Some("cancelled") => ctx.end = Some(Outcome::Cancelled),
            Some("error") => ctx.end = Some(Outcome::Failed(format!("error {}", v["code"]))),
            _ => {}
        }
    }
    let _ = ws.close(None).await;
    contexts
        .into_values()
        .map(|c| {
            c.end.unwrap_or_else(|| {
                Outcome::NoTerminal("context without done, cancelled or error".into())
            })
        })
        .collect()
}

/// ElevenLabs' single-context socket: open, text, flush, end of input, `isFinal`.
pub async fn elevenlabs_ws(soak: &Soak, rng: &mut Rng, voice: &Voice) -> Outcome {
    let base = soak.pick(rng).replacen("http://", "ws://", 1);
    let url = format!(
        "{base}/elevenlabs/v1/text-to-speech/{}/stream-input?output_format=pcm_16000",
        voice.id
    );
    let mut ws = match connect(&url, None).await {
        Ok(ws) => ws,
        Err(o) => return o,
    };
    send(&mut ws, json!({"text": " "})).await;
    send(
        &mut ws,
        json!({"text": format!("{} ", text(rng)), "flush": true}),
    )
    .await;
    send(&mut ws, json!({"text": ""})).await;
    let deadline = Instant::now() + UNIT_TIMEOUT;
    let mut audio = 0;
    let end = loop {
        let msg = match expect(&mut ws, deadline, "isFinal or error").await {
            Ok(m) => m,
            Err(o) => break o,
        };
        let Message::Text(t) = msg else { continue };
        let v: Value = serde_json::from_str(t.as_str()).unwrap_or_default();
        if v["isFinal"] == true {
            break if audio > 0 {
                Outcome::Completed
            } else {
                Outcome::Failed("isFinal without audio".into())
            };
        }
        if v["audio"].is_string() {
            audio += 1;
        } else if v["code"].is_number() {
            break Outcome::Failed(format!("error {}", v["code"]));
        }
    };
    let _ = ws.close(None).await;
    end
}

/// Cartesia's socket: one context, two inputs, `done`.
pub async fn cartesia_ws(soak: &Soak, rng: &mut Rng, voice: &Voice) -> Outcome {
    let base = soak.pick(rng).replacen("http://", "ws://", 1);
    let mut ws = match connect(&format!("{base}/cartesia/tts/websocket"), None).await {
        Ok(ws) => ws,
        Err(o) => return o,
    };
    let format = json!({"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000});
    let ctx = "k1";
    send(
        &mut ws,
        json!({"context_id": ctx, "model_id": "sonic", "transcript": format!("{} ", text(rng)),
        "voice": {"mode": "id", "id": voice.id}, "output_format": format, "continue": true}),
    )
    .await;
    send(
        &mut ws,
        json!({"context_id": ctx, "model_id": "sonic", "transcript": text(rng),
        "voice": {"mode": "id", "id": voice.id}, "output_format": format, "continue": false}),
    )
    .await;
    let deadline = Instant::now() + UNIT_TIMEOUT;
    let end = loop {
        let msg = match expect(&mut ws, deadline, "done or error").await {
            Ok(m) => m,
            Err(o) => break o,
        };
        let Message::Text(t) = msg else { continue };
        let v: Value = serde_json::from_str(t.as_str()).unwrap_or_default();
        match v["type"].as_str() {
            Some("done") => break Outcome::Completed,
            Some("error") if v["done"] == true => {
                break Outcome::Failed(format!("error {}", v["status_code"]))
            }
            Some("error") => break Outcome::Failed(format!("refused input {}", v["status_code"])),
            _ => {}
        }
    };
    let _ = ws.close(None).await;
    end
}

/// Deepgram's socket: `Speak`, `Flush`, binary audio, `Flushed`, `Close`.
pub async fn deepgram_ws(soak: &Soak, rng: &mut Rng, voice: &Voice) -> Outcome {
    let base = soak.pick(rng).replacen("http://", "ws://", 1);
    let url = format!(
        "{base}/v1/speak?model={}&encoding=linear16&sample_rate=16000",
        voice.id
    );
    let mut ws = match connect(&url, None).await {
        Ok(ws) => ws,
        Err(o) => return o,
    };
    send(&mut ws, json!({"type": "Speak", "text": text(rng)})).await;
    send(&mut ws, json!({"type": "Flush"})).await;
    let deadline = Instant::now() + UNIT_TIMEOUT;
    let mut bytes = 0usize;
    let end = loop {
        let msg = match expect(&mut ws, deadline, "Flushed or Warning").await {
            Ok(m) => m,
            Err(o) => break o,
        };
        match msg {
            Message::Binary(b) => bytes += b.len(),
            Message::Text(t) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap_or_default();
                match v["type"].as_str() {
                    Some("Flushed") if bytes > 0 && bytes.is_multiple_of(2) => {
                        break Outcome::Completed
                    }
                    Some("Flushed") => {
                        break Outcome::Disorder(format!("Flushed after {bytes} bytes"))
                    }
                    Some("Warning") => break Outcome::Failed(format!("warning {}", v["code"])),
                    Some("Error") => break Outcome::Failed("error".into()),
                    _ => {}
                }
            }
            _ => {}
        }
    };
    send(&mut ws, json!({"type": "Close"})).await;
    let _ = ws.close(None).await;
    end
}
