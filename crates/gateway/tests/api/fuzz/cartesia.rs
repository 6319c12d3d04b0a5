//! Random interleavings of inputs, flushes, ends (`continue: false`) and cancels across
//! contexts on Cartesia's `/tts/websocket`, on mock_tone and on an engine that fails
//! half-way. Cartesia acknowledges no cancel, so a cancel is followed by a message the
//! server must refuse at once (no `context_id`): once that refusal is read, the cancel
//! has taken effect. The properties:
//!
//! - every refusal is the predicted error (`done: false`), with a message;
//! - every context ends with exactly one of `done` (only after `continue: false`), its
//!   cancel, or an error with `done: true` (only on the failing engine), and nothing of
//!   it follows that end;
//! - the connection stays open, and the gateway is at rest afterwards.

use super::fail;
use super::realtime::text;
use super::socket::{Checked, Life};
use crate::doubles::{Behaviour, Double};
use crate::helpers::spawn_with;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use tts_gateway::Components;

const IDS: [&str; 3] = ["x", "y", "z"];

#[derive(Clone, Debug)]
enum Voice {
    None,
    Mock(&'static str, Option<u64>),
    Failing,
    Unknown,
}

impl Voice {
    fn settings(&self) -> Option<Value> {
        let format = |container: &str, encoding: &str| json!({"container": container, "encoding": encoding, "sample_rate": 16000});
        Some(match self {
            Voice::None => return None,
            Voice::Mock(container, delay) => {
                let encoding = if *container == "raw" {
                    "pcm_mulaw"
                } else {
                    "pcm_s16le"
                };
                let mut s = json!({"voice": {"mode": "id", "id": "en-US-mock-1"},
                                   "output_format": format(container, encoding)});
                if let Some(ms) = delay {
                    s["max_buffer_delay_ms"] = json!(ms);
                }
                s
            }
            Voice::Failing => {
                json!({"voice": {"id": "v1"}, "output_format": format("raw", "pcm_s16le")})
            }
            Voice::Unknown => {
                json!({"voice": "nobody", "output_format": format("raw", "pcm_s16le")})
            }
        })
    }
}

#[derive(Clone, Debug)]
enum Op {
    /// An input: transcript, settings, `flush`, `continue`.
    Input(usize, String, Voice, bool, bool),
    Cancel(usize),
    /// A message that is not a JSON object.
    Garbage(String),
    Wait(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let id = 0..IDS.len();
    let voice = prop_oneof![
        5 => Just(Voice::None),
        4 => (prop::sample::select(vec!["raw", "wav", "mp3"]), prop::option::of(Just(5u64)))
            .prop_map(|(c, d)| Voice::Mock(c, d)),
        1 => Just(Voice::Failing),
        1 => Just(Voice::Unknown),
    ];
    let garbage = super::realtime::garbage(vec![json!({"context_id": "x", "transcript": "Hi"})])
        .prop_filter("not an object", |g| {
            !serde_json::from_str::<Value>(g).is_ok_and(|v| v.is_object())
        });
    prop_oneof![
        8 => (id.clone(), text(), voice, any::<bool>(), prop::bool::weighted(0.8))
            .prop_map(|(i, t, v, f, c)| Op::Input(i, t, v, f, c)),
        2 => id.clone().prop_map(Op::Cancel),
        1 => id.prop_map(Op::Wait),
        1 => garbage.prop_map(Op::Garbage),
    ]
}

#[derive(Debug, Default)]
struct Ctx {
    life: Option<Life>,
    /// Lives opened so far under this id.
    lives: u64,
    /// Codes of the refusals expected, in order.
    expect: VecDeque<u16>,
}

impl Ctx {
    fn live(&mut self) -> Option<&mut Life> {
        self.life.as_mut().filter(|l| l.ended.is_none())
    }

    fn settled(&self) -> bool {
        self.expect.is_empty() && self.life.as_ref().is_none_or(|l| l.ended.is_some())
    }
}

/// What a refusal without a context stands for.
#[derive(Debug)]
enum Anonymous {
    Garbage,
    /// The barrier after a cancel of this life of a context (id, life).
    Barrier(String, u64),
}

#[derive(Default)]
struct Model {
    ctxs: HashMap<String, Ctx>,
    anonymous: VecDeque<Anonymous>,
}

impl Model {
    fn ctx(&mut self, id: &str) -> &mut Ctx {
        self.ctxs.entry(id.to_string()).or_default()
    }
}

impl super::socket::Model for Model {
    /// Checks one server message against the model.
    fn apply(&mut self, m: &Value) -> Result<(), TestCaseError> {
        let unexpected = |why: &str| fail(format!("{m}: {why}"));
        let kind = m["type"].as_str().unwrap_or_default();
        if kind == "error" && m["message"].as_str().is_none_or(str::is_empty) {
            return Err(unexpected("an error without a message"));
        }
        let Some(id) = m["context_id"].as_str() else {
            if kind != "error" || m["status_code"] != 400 || m["done"] != false {
                return Err(unexpected("expected a refusal"));
            }
            return match self.anonymous.pop_front() {
                Some(Anonymous::Garbage) => Ok(()),
                Some(Anonymous::Barrier(id, life)) => {
                    let ctx = self.ctx(&id);
                    if ctx.lives == life {
                        if let Some(life) = ctx.live() {
                            life.ended = Some("cancelled".into());
                        }
                    }
                    Ok(())
                }
                None => Err(unexpected("no refusal expected")),
            };
        };
        let ctx = self.ctx(id);
        match kind {
            "chunk" | "timestamps" | "flush_done" => {
                ctx.live().ok_or_else(|| unexpected("no live context"))?;
            }
            "done" => {
                let life = ctx.live().ok_or_else(|| unexpected("no live context"))?;
                if !life.closing {
                    return Err(unexpected("done without continue: false"));
                }
                life.ended = Some("done".into());
            }
            "error" if m["done"] == true => {
                let life = ctx.live().ok_or_else(|| unexpected("no live context"))?;
                if !life.doomed {
                    return Err(unexpected("an engine failure on mock_tone"));
                }
                life.ended = Some("error".into());
            }
            "error" => match ctx.expect.pop_front() {
                Some(code) if m["status_code"] == code => {}
                other => return Err(unexpected(&format!("expected a refusal {other:?}"))),
            },
            _ => return Err(unexpected("unknown message type")),
        }
        Ok(())
    }
}

type Driver = Checked<Model>;

impl Driver {
    async fn cancel(&mut self, id: &str) -> Result<(), TestCaseError> {
        let ctx = self.model.ctx(id);
        let life = ctx.lives;
        if let Some(live) = ctx.live() {
            live.cancel_sent = true;
        }
        self.send(json!({"context_id": id, "cancel": true}).to_string())
            .await?;
        self.model
            .anonymous
            .push_back(Anonymous::Barrier(id.to_string(), life));
        self.send(json!({"transcript": "barrier"}).to_string())
            .await
    }

    /// Ends `id` (its input, or a cancel on the failing engine) and waits for its end.
    async fn finish(&mut self, id: &str) -> Result<(), TestCaseError> {
        let ctx = self.model.ctx(id);
        if let Some(life) = ctx.live().filter(|l| !l.closing && !l.cancel_sent) {
            if life.doomed {
                self.cancel(id).await?;
            } else {
                life.closing = true;
                let m = json!({"context_id": id, "transcript": "", "continue": false});
                self.send(m.to_string()).await?;
            }
        }
        let what = format!("{id:?} to end");
        self.until(&what, |m| m.ctx(id).settled() && m.anonymous.is_empty())
            .await
    }

    async fn step(&mut self, op: Op) -> Result<(), TestCaseError> {
        match op {
            Op::Input(i, transcript, voice, flush, more) => {
                let id = IDS[i];
                let racy = self
                    .model
                    .ctx(id)
                    .live()
                    .is_some_and(|l| l.doomed || l.closing || l.cancel_sent);
                if racy || !self.model.ctx(id).expect.is_empty() {
                    self.finish(id).await?;
                }
                let settings = voice.settings();
                let ctx = self.model.ctx(id);
                match (ctx.live(), &settings) {
                    (None, None) => ctx.expect.push_back(400),
                    (None, Some(_)) if matches!(voice, Voice::Unknown) => ctx.expect.push_back(400),
                    (None, Some(s)) => {
                        ctx.lives += 1;
                        ctx.life =
                            Some(Life::new(s.clone(), matches!(voice, Voice::Failing), !more))
                    }
                    (Some(life), s) => {
                        let same =
                            |key: &str| s.as_ref().is_none_or(|s| s[key] == life.settings[key]);
                        if same("voice") && same("output_format") {
                            life.closing |= !more;
                        } else {
                            ctx.expect.push_back(400);
                        }
                    }
                }
                let mut m = json!({"context_id": id, "transcript": transcript, "flush": flush, "continue": more});
                for (k, v) in settings.iter().flat_map(|s| s.as_object()).flatten() {
                    m[k] = v.clone();
                }
                self.send(m.to_string()).await
            }
            Op::Cancel(i) => self.cancel(IDS[i]).await,
            Op::Garbage(g) => {
                self.model.anonymous.push_back(Anonymous::Garbage);
                self.send(g).await
            }
            Op::Wait(i) => self.finish(IDS[i]).await,
        }
    }
}

#[test]
fn random_interleavings_on_cartesias_socket_end_every_context_once() {
    let failing = Double::new("failing", Behaviour::FailMidway);
    let app = spawn_with(
        |s| s.rate_limit_max_requests = u32::MAX,
        Components {
            providers: Some(failing.registry()),
            ..Default::default()
        },
    );
    let strategy = (prop::collection::vec(op(), 1..24), any::<bool>());
    super::run(
        file!(),
        24,
        app,
        strategy,
        |app, (ops, graceful)| async move {
            let url = super::ws_url(&app, "/cartesia/tts/websocket");
            let mut d = Driver::connect(&url, Model::default()).await?;
            for op in ops {
                d.step(op).await?;
            }
            if graceful {
                for id in IDS {
                    d.finish(id).await?;
                }
                d.until("every context to end", |m| {
                    m.anonymous.is_empty() && m.ctxs.values().all(Ctx::settled)
                })
                .await?;
                d.close_cleanly().await?;
            }
            Ok(())
        },
    );
}
