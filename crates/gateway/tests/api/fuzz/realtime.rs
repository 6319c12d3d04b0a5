//! Random interleavings of speak, flush, close and cancel across contexts on the realtime
//! socket, with malformed messages among them, on mock_tone and on engines that fail
//! half-way or stall. A model of the protocol predicts every answer; the properties:
//!
//! - every refusal is the predicted error, with its code and a message;
//! - every context ends with exactly one of `done` (only after `close`), `cancelled`
//!   (only after `cancel`) or an error (only on a failing engine), and nothing of it
//!   follows that end;
//! - each context's audio `seq` counts 1, 2, 3… without a gap;
//! - the connection stays open until the client ends it, and the gateway is at rest
//!   afterwards (checked by `fuzz::run`).

use super::fail;
use super::socket::{Checked, Life};
use crate::doubles::{Behaviour, Double};
use crate::helpers::spawn_with;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::time::Duration;
use tts_gateway::doors::realtime::wire;
use tts_gateway::Components;

const IDS: [&str; 3] = ["a", "b", "c"];

#[derive(Clone, Debug)]
enum Voice {
    /// No settings.
    None,
    /// mock_tone in a format, with a release delay and word timings or not.
    Mock(&'static str, Option<u64>, bool),
    /// An engine that gives two chunks, then fails.
    Failing,
    /// An engine that never answers (its first-chunk timeout ends it).
    Stalling,
    /// A voice no engine has.
    Unknown,
}

impl Voice {
    fn settings(&self) -> Option<Value> {
        Some(match self {
            Voice::None => return None,
            Voice::Mock(format, delay, words) => {
                let mut s =
                    json!({"voice": "en-US-mock-1", "format": format, "word_timestamps": words});
                if let Some(ms) = delay {
                    s["max_buffer_delay_ms"] = json!(ms);
                }
                s
            }
            Voice::Failing => json!({"voice": "v1", "provider": "failing"}),
            Voice::Stalling => {
                json!({"voice": "v1", "provider": "stalling", "max_buffer_delay_ms": 5})
            }
            Voice::Unknown => json!({"voice": "nobody"}),
        })
    }
}

#[derive(Clone, Debug)]
enum Op {
    Speak(usize, String, Voice),
    Flush(usize),
    Close(usize),
    Cancel(usize),
    /// A message that does not parse.
    Garbage(String),
    /// Waits for the context's end (closing it first).
    Wait(usize),
}

#[derive(Clone, Copy, Debug)]
enum End {
    /// Every context closed and heard to its end, then a Close frame.
    Graceful,
    /// A Close frame with contexts still running.
    Leave,
    /// The TCP connection dropped, no Close frame.
    Vanish,
}

pub fn text() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "Hello", "there", "world", "one", "two", "3.5", "Dr.", ",", ".", " ", "!", "?", "and", "é",
        "ok", "—", "\n",
    ]);
    prop::collection::vec(word, 0..6).prop_map(|w| w.join(" "))
}

fn voice() -> impl Strategy<Value = Voice> {
    let format = prop::sample::select(vec!["pcm16", "wav", "mulaw", "mp3", "opus"]);
    prop_oneof![
        6 => Just(Voice::None),
        4 => (format, prop::option::of(prop::sample::select(vec![5u64, 50])), any::<bool>())
            .prop_map(|(f, d, w)| Voice::Mock(f, d, w)),
        1 => Just(Voice::Failing),
        1 => Just(Voice::Stalling),
        1 => Just(Voice::Unknown),
    ]
}

/// Messages that do not parse: byte-level damage to valid ones, wrong shapes, noise.
pub fn garbage(valid: Vec<Value>) -> impl Strategy<Value = String> {
    let damaged = (
        prop::sample::select(valid),
        prop::collection::vec(
            (any::<prop::sample::Index>(), any::<char>(), any::<bool>()),
            1..4,
        ),
    )
        .prop_map(|(v, edits)| {
            let mut chars: Vec<char> = v.to_string().chars().collect();
            for (at, c, insert) in edits {
                let i = at.index(chars.len() + 1);
                if insert || i == chars.len() {
                    chars.insert(i, c);
                } else {
                    chars.remove(i);
                }
            }
            chars.into_iter().collect()
        });
    prop_oneof![
        3 => damaged,
        1 => any::<String>(),
        1 => prop::sample::select(vec![
            "", "null", "[]", "{}", "\"speak\"", "{\"type\":\"speak\"}",
            "{\"context_id\":\"a\"}", "{\"context_id\":7,\"type\":\"flush\"}",
            "{\"context_id\":\"\",\"type\":\"flush\"}", "{\"context_id\":\"a\",\"type\":\"pause\"}",
            "{\"context_id\":\"a\",\"type\":\"flush\",\"text\":\"x\"}",
            "{\"context_id\":\"a\",\"type\":\"speak\",\"text\":\"x\",\"sample_rate_hz\":-1}",
            "{\"context_id\":\"a\",\"type\":\"speak\",\"text\":\"x\",\"voice\":{}}",
        ]).prop_map(str::to_string),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let id = 0..IDS.len();
    let valid = vec![
        json!({"type": "speak", "context_id": "a", "text": "Hi. ", "voice": "en-US-mock-1"}),
        json!({"type": "flush", "context_id": "b"}),
        json!({"type": "cancel", "context_id": "c"}),
    ];
    prop_oneof![
        8 => (id.clone(), text(), voice()).prop_map(|(i, t, v)| Op::Speak(i, t, v)),
        2 => id.clone().prop_map(Op::Flush),
        2 => id.clone().prop_map(Op::Close),
        2 => id.clone().prop_map(Op::Cancel),
        1 => id.prop_map(Op::Wait),
        2 => garbage(valid).prop_map(Op::Garbage),
    ]
}

fn end() -> impl Strategy<Value = End> {
    prop_oneof![4 => Just(End::Graceful), 1 => Just(End::Leave), 1 => Just(End::Vanish)]
}

/// An answer the model expects for a context, in order.
#[derive(Debug, PartialEq)]
enum Expect {
    Refusal(u16),
    /// `cancelled`.
    Cancelled,
    /// `cancelled`, or 404 when the context had already ended on its own.
    CancelledOr404,
}

#[derive(Debug, Default)]
struct Ctx {
    life: Option<Life>,
    expect: VecDeque<Expect>,
}

impl Ctx {
    /// Nothing about this id can change without a new message from the client.
    fn settled(&self) -> bool {
        self.expect.is_empty() && self.life.as_ref().is_none_or(|l| l.ended.is_some())
    }

    fn live(&mut self) -> Option<&mut Life> {
        self.life.as_mut().filter(|l| l.ended.is_none())
    }
}

/// The client's model of the connection, checked against every server message.
#[derive(Default)]
struct Model {
    ctxs: HashMap<String, Ctx>,
    /// Refusals of messages that named no readable context.
    anonymous: VecDeque<u16>,
    frames: usize,
}

impl Model {
    fn ctx(&mut self, id: &str) -> &mut Ctx {
        self.ctxs.entry(id.to_string()).or_default()
    }
}

impl super::socket::Model for Model {
    /// Checks one server message against the model.
    fn apply(&mut self, m: &Value) -> Result<(), TestCaseError> {
        self.frames += 1;
        let kind = m["type"].as_str().unwrap_or_default();
        let Some(id) = m["context_id"].as_str() else {
            let code = m["code"].as_u64().unwrap_or_default() as u16;
            let message = m["message"].as_str().unwrap_or_default();
            return match self.anonymous.pop_front() {
                Some(c) if kind == "error" && c == code && !message.is_empty() => Ok(()),
                want => Err(fail(format!("{m} without a context, expected {want:?}"))),
            };
        };
        let ctx = self.ctx(id);
        let unexpected = |why: &str| fail(format!("{m}: {why}"));
        match kind {
            "audio" | "timestamps" | "flushed" => {
                let life = ctx.live().ok_or_else(|| unexpected("no live context"))?;
                if kind == "audio" {
                    let seq = m["seq"].as_u64().unwrap_or_default();
                    if seq != life.next_seq {
                        return Err(unexpected(&format!(
                            "seq {seq}, expected {}",
                            life.next_seq
                        )));
                    }
                    life.next_seq += 1;
                }
            }
            "done" => {
                let life = ctx.live().ok_or_else(|| unexpected("no live context"))?;
                if !life.closing {
                    return Err(unexpected("done without close"));
                }
                life.ended = Some("done".into());
            }
            "cancelled" => {
                match ctx.expect.pop_front() {
                    Some(Expect::Cancelled | Expect::CancelledOr404) => {}
                    other => return Err(unexpected(&format!("expected {other:?}"))),
                }
                let life = ctx.live().ok_or_else(|| unexpected("no live context"))?;
                life.ended = Some("cancelled".into());
            }
            "error" => {
                let code = m["code"].as_u64().unwrap_or_default() as u16;
                if m["message"].as_str().is_none_or(str::is_empty) {
                    return Err(unexpected("an error without a message"));
                }
                if code >= 500 {
                    let life = ctx.live().ok_or_else(|| unexpected("no live context"))?;
                    if !life.doomed {
                        return Err(unexpected("an engine failure on mock_tone"));
                    }
                    life.ended = Some(format!("error {code}"));
                    return Ok(());
                }
                let ended = ctx.life.as_ref().is_none_or(|l| l.ended.is_some());
                match ctx.expect.pop_front() {
                    Some(Expect::Refusal(c)) if c == code => {}
                    Some(Expect::CancelledOr404) if code == 404 && ended => {}
                    other => return Err(unexpected(&format!("expected {other:?}"))),
                }
            }
            _ => return Err(unexpected("unknown message type")),
        }
        Ok(())
    }
}

type Driver = Checked<Model>;

impl Driver {
    async fn send_json(&mut self, v: Value) -> Result<(), TestCaseError> {
        self.send(v.to_string()).await
    }

    /// Receives until `id` is settled.
    async fn until_settled(&mut self, id: &str) -> Result<(), TestCaseError> {
        let what = format!("{id:?} to end");
        self.until(&what, |m| m.ctx(id).settled()).await
    }

    /// Brings `id` to a state the model can predict: no life, or a live mock_tone
    /// context that is neither closing nor cancelled.
    async fn settle_if_racy(&mut self, id: &str) -> Result<(), TestCaseError> {
        let racy = self
            .model
            .ctx(id)
            .live()
            .is_some_and(|l| l.doomed || l.closing || l.cancel_sent)
            || !self.model.ctx(id).expect.is_empty();
        if racy {
            self.finish(id).await?;
        }
        Ok(())
    }

    /// Ends `id` (close, or cancel on an engine that may end it first) and waits for it.
    async fn finish(&mut self, id: &str) -> Result<(), TestCaseError> {
        let ctx = self.model.ctx(id);
        if let Some(life) = ctx.live().filter(|l| !l.closing && !l.cancel_sent) {
            if life.doomed {
                life.cancel_sent = true;
                ctx.expect.push_back(Expect::CancelledOr404);
                self.send_json(json!({"type": "cancel", "context_id": id}))
                    .await?;
            } else {
                life.closing = true;
                self.send_json(json!({"type": "close", "context_id": id}))
                    .await?;
            }
        }
        self.until_settled(id).await
    }

    async fn step(&mut self, op: Op) -> Result<(), TestCaseError> {
        match op {
            Op::Speak(i, text, voice) => {
                let id = IDS[i];
                self.settle_if_racy(id).await?;
                let settings = voice.settings();
                let ctx = self.model.ctx(id);
                match (ctx.live(), &settings) {
                    (None, None) => ctx.expect.push_back(Expect::Refusal(400)),
                    (None, Some(_)) if matches!(voice, Voice::Unknown) => {
                        ctx.expect.push_back(Expect::Refusal(400))
                    }
                    (None, Some(s)) => {
                        ctx.life = Some(Life::new(
                            s.clone(),
                            matches!(voice, Voice::Failing | Voice::Stalling),
                            false,
                        ))
                    }
                    (Some(_), None) => {}
                    (Some(life), Some(s)) if *s == life.settings => {}
                    (Some(_), Some(_)) => ctx.expect.push_back(Expect::Refusal(409)),
                }
                let mut m = json!({"type": "speak", "context_id": id, "text": text});
                for (k, v) in settings.iter().flat_map(|s| s.as_object()).flatten() {
                    m[k] = v.clone();
                }
                self.send_json(m).await
            }
            Op::Flush(i) | Op::Close(i) => {
                let id = IDS[i];
                self.settle_if_racy(id).await?;
                let ctx = self.model.ctx(id);
                match ctx.live() {
                    None => ctx.expect.push_back(Expect::Refusal(404)),
                    Some(life) => life.closing |= matches!(op, Op::Close(_)),
                }
                let kind = if matches!(op, Op::Close(_)) {
                    "close"
                } else {
                    "flush"
                };
                self.send_json(json!({"type": kind, "context_id": id}))
                    .await
            }
            Op::Cancel(i) => {
                let id = IDS[i];
                if self.model.ctx(id).live().is_some_and(|l| l.cancel_sent) {
                    self.until_settled(id).await?;
                }
                let ctx = self.model.ctx(id);
                match ctx.live() {
                    None => ctx.expect.push_back(Expect::Refusal(404)),
                    Some(life) => {
                        life.cancel_sent = true;
                        let racy = life.doomed || life.closing;
                        ctx.expect.push_back(if racy {
                            Expect::CancelledOr404
                        } else {
                            Expect::Cancelled
                        });
                    }
                }
                self.send_json(json!({"type": "cancel", "context_id": id}))
                    .await
            }
            Op::Garbage(text) => {
                let Err(bad) = wire::parse(&text) else {
                    return Ok(()); // It parses: not garbage after all.
                };
                match bad.context_id {
                    Some(id) => self.model.ctx(&id).expect.push_back(Expect::Refusal(400)),
                    None => self.model.anonymous.push_back(400),
                }
                self.send(text).await
            }
            Op::Wait(i) => self.finish(IDS[i]).await,
        }
    }
}

async fn case(app: &crate::helpers::TestApp, ops: Vec<Op>, end: End) -> Result<(), TestCaseError> {
    let url = super::ws_url(app, "/v1/tts/realtime");
    let mut d = Driver::connect(&url, Model::default()).await?;
    for op in ops {
        d.step(op).await?;
    }
    match end {
        End::Graceful => {
            for id in IDS {
                d.finish(id).await?;
            }
            let others: Vec<String> = d.model.ctxs.keys().cloned().collect();
            for id in others {
                d.until_settled(&id).await?;
            }
            d.until("the refusals", |m| m.anonymous.is_empty()).await?;
            d.close_cleanly().await?;
        }
        End::Leave => {
            d.pump()?;
            d.client.close().await?;
        }
        End::Vanish => {
            d.pump()?;
            drop(d.client);
        }
    }
    Ok(())
}

fn registry() -> tts_providers::Registry {
    let failing = Double::new("failing", Behaviour::FailMidway);
    let mut r = failing.registry();
    r.insert(Double::new("stalling", Behaviour::Hang));
    r
}

#[test]
fn random_interleavings_of_speak_flush_close_and_cancel_end_every_context_once() {
    let app = spawn_with(
        |s| {
            s.first_chunk_timeout = Duration::from_millis(100);
            s.provider_retries = 0;
            s.rate_limit_max_requests = u32::MAX;
        },
        Components {
            providers: Some(registry()),
            ..Default::default()
        },
    );
    let strategy = (prop::collection::vec(op(), 1..24), end());
    super::run(file!(), 24, app, strategy, |app, (ops, end)| async move {
        case(&app, ops, end).await
    });
}
