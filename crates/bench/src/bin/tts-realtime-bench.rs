//! Figures for the realtime socket (`/v1/tts/realtime`), printed for docs/BENCHMARKS.md.
//!
//! - `clause`: text arrives token by token at `--tokens-per-sec`, as an LLM writes it. For
//!   each run: the time from sending the token that completes the first clause to the
//!   first audio of the context; beside it, one clause's inference alone (the same clause
//!   through `POST /v1/audio/speech`, to the end of its body), measured in the same run.
//! - `cancel`: `--background` contexts stream all the time; one more context starts,
//!   and is cancelled as soon as its audio flows. Per run: from `cancel` sent to the
//!   last audio frame of that context received, and to `cancelled` received.
//!
//! Pin the gateway to one core and this program to the other (docs/BENCHMARKS.md).

use base64::Engine;
use clap::{Parser, Subcommand};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

#[derive(Parser)]
#[command(about = "Time to first audio and cancel latency of the realtime socket")]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    #[arg(long, default_value = "en_US-joe-medium")]
    voice: String,
    #[arg(long, default_value_t = 20)]
    runs: usize,
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand)]
enum What {
    /// First audio after the first clause, text arriving at an LLM's pace.
    Clause {
        #[arg(long, default_value_t = 20.0)]
        tokens_per_sec: f64,
    },
    /// Cancel latency while other contexts stream.
    Cancel {
        #[arg(long, default_value_t = 8)]
        background: usize,
        /// The voice of the background contexts.
        #[arg(long, default_value = "en-US-mock-1")]
        background_voice: String,
    },
}

const ANSWER: &str = "Sure, I can help with that. Your order of three items shipped this \
    morning, and it should arrive on Thursday afternoon. If anything is missing, just reply \
    to the confirmation email and we will sort it out right away.";
const FIRST_CLAUSE: &str = "Sure,";

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    let ws_url = format!(
        "{}/v1/tts/realtime",
        args.url.replacen("http://", "ws://", 1)
    );
    match &args.what {
        What::Clause { tokens_per_sec } => clause(&args, &ws_url, *tokens_per_sec).await,
        What::Cancel {
            background,
            background_voice,
        } => cancel(&args, &ws_url, *background, background_voice).await,
    }
}

/// Splits text the way an LLM's tokens come: words with their leading space, long words
/// in pieces of up to four letters, punctuation on its own.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, word) in text.split(' ').enumerate() {
        let lead = if i == 0 { "" } else { " " };
        let (body, punct) = match word.char_indices().last() {
            Some((at, c)) if c.is_ascii_punctuation() => (&word[..at], Some(c)),
            _ => (word, None),
        };
        let chars: Vec<char> = body.chars().collect();
        for (j, piece) in chars.chunks(4).enumerate() {
            let piece: String = piece.iter().collect();
            out.push(if j == 0 {
                format!("{lead}{piece}")
            } else {
                piece
            });
        }
        if let Some(p) = punct {
            out.push(p.to_string());
        }
    }
    out
}

async fn connect(url: &str) -> Ws {
    // No Nagle: a cancel must not wait for the server's delayed ACK.
    tokio_tungstenite::connect_async_with_config(url, None, true)
        .await
        .expect("the gateway's realtime socket answers")
        .0
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into()))
        .await
        .expect("send");
}

fn parse(msg: Message) -> Option<Value> {
    match msg {
        Message::Text(t) => serde_json::from_str(&t).ok(),
        _ => None,
    }
}

async fn clause(args: &Args, url: &str, rate: f64) {
    let http = reqwest::Client::new();
    let toks = tokens(ANSWER);
    let clause_end = toks
        .iter()
        .position(|t| t == ",")
        .expect("the answer has a first clause");
    let gap = Duration::from_secs_f64(1.0 / rate);
    let (mut after_clause, mut inference) = (Vec::new(), Vec::new());
    let mut ws = connect(url).await;
    for run in 0..args.runs + 1 {
        let ctx = format!("r{run}");
        let mut clause_sent = None;
        let mut first_audio = None;
        let mut next_at = Instant::now();
        let mut i = 0;
        while first_audio.is_none() {
            if i < toks.len() && Instant::now() >= next_at {
                let mut msg = json!({"type": "speak", "context_id": ctx, "text": toks[i]});
                if i == 0 {
                    msg["voice"] = json!(args.voice);
                    msg["format"] = json!("pcm16");
                }
                send(&mut ws, msg).await;
                if i == clause_end {
                    clause_sent = Some(Instant::now());
                }
                i += 1;
                next_at += gap;
            }
            let wait = next_at.saturating_duration_since(Instant::now());
            if let Ok(Some(Ok(msg))) = tokio::time::timeout(wait, ws.next()).await {
                if let Some(v) = parse(msg) {
                    if v["type"] == "audio" && v["context_id"] == ctx.as_str() {
                        first_audio = Some(Instant::now());
                    } else if v["type"] == "error" {
                        panic!("gateway error: {v}");
                    }
                }
            }
        }
        send(&mut ws, json!({"type": "cancel", "context_id": ctx})).await;
        while let Some(Ok(msg)) = ws.next().await {
            if parse(msg).is_some_and(|v| v["type"] == "cancelled") {
                break;
            }
        }
        // One clause's inference alone, in the same run: the whole body of the clause.
        let t = Instant::now();
        let body = http
            .post(format!("{}/v1/audio/speech", args.url))
            .json(
                &json!({"model": "tts-1", "voice": args.voice, "input": FIRST_CLAUSE,
                          "response_format": "pcm", "sample_rate": 22050}),
            )
            .send()
            .await
            .expect("speech")
            .bytes()
            .await
            .expect("body");
        assert!(!body.is_empty());
        if run == 0 {
            continue; // warm-up
        }
        inference.push(t.elapsed());
        let sent = clause_sent.expect("the clause was sent before its audio came");
        after_clause.push(first_audio.unwrap().saturating_duration_since(sent));
    }
    println!(
        "realtime clause latency, voice {}, {rate} tokens/s, {} runs",
        args.voice, args.runs
    );
    print_stats(
        "first audio after the clause's last token",
        &mut after_clause,
    );
    print_stats("one clause's inference (whole body)", &mut inference);
}

async fn cancel(args: &Args, url: &str, background: usize, background_voice: &str) {
    let long = ANSWER.repeat(4);
    let mut bg = connect(url).await;
    for b in 0..background {
        let ctx = format!("bg{b}");
        send(
            &mut bg,
            json!({"type": "speak", "context_id": ctx, "text": long,
                              "voice": background_voice, "format": "pcm16"}),
        )
        .await;
        send(&mut bg, json!({"type": "close", "context_id": ctx})).await;
    }
    // The background socket is read (and its contexts restarted) all the time.
    let voice = background_voice.to_string();
    let reader = tokio::spawn(async move {
        let mut frames = 0u64;
        while let Some(Ok(msg)) = bg.next().await {
            let Some(v) = parse(msg) else { continue };
            frames += 1;
            if v["type"] == "done" {
                let ctx = v["context_id"].clone();
                send(
                    &mut bg,
                    json!({"type": "speak", "context_id": ctx, "text": long,
                                      "voice": voice, "format": "pcm16"}),
                )
                .await;
                send(&mut bg, json!({"type": "close", "context_id": ctx})).await;
            }
        }
        frames
    });
    let mut ws = connect(url).await;
    let (mut to_last_audio, mut to_cancelled) = (Vec::new(), Vec::new());
    for run in 0..args.runs + 1 {
        let ctx = format!("c{run}");
        send(
            &mut ws,
            json!({"type": "speak", "context_id": ctx, "text": ANSWER,
                              "voice": args.voice, "format": "pcm16"}),
        )
        .await;
        send(&mut ws, json!({"type": "flush", "context_id": ctx})).await;
        let mut audio = 0;
        while audio < 2 {
            let v = parse(ws.next().await.unwrap().unwrap());
            if v.is_some_and(|v| v["type"] == "audio") {
                audio += 1;
            }
        }
        let sent = Instant::now();
        send(&mut ws, json!({"type": "cancel", "context_id": ctx})).await;
        let mut last_audio = sent;
        loop {
            let Some(v) = parse(ws.next().await.unwrap().unwrap()) else {
                continue;
            };
            if v["type"] == "audio" {
                let _ =
                    base64::engine::general_purpose::STANDARD.decode(v["data"].as_str().unwrap());
                last_audio = Instant::now();
            } else if v["type"] == "cancelled" {
                break;
            }
        }
        if run == 0 {
            continue;
        }
        to_last_audio.push(last_audio.duration_since(sent));
        to_cancelled.push(sent.elapsed());
    }
    reader.abort();
    println!(
        "realtime cancel latency, voice {}, {background} background contexts ({background_voice}), {} runs",
        args.voice, args.runs
    );
    print_stats(
        "cancel sent → last audio frame of the context",
        &mut to_last_audio,
    );
    print_stats("cancel sent → cancelled received", &mut to_cancelled);
}

fn print_stats(what: &str, v: &mut [Duration]) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "  {what}: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(at(0.5)),
        ms(at(0.9)),
        ms(at(0.99)),
        ms(v[v.len() - 1])
    );
}
