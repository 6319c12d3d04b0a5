//! Provider doubles for the gateway's failure handling: engines that fail, hang, stop
//! half-way, wait for a signal, or never end. Each counts what happened to it.

use crate::helpers::{spawn_with, TestApp};
use futures::stream::{self, StreamExt};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};
use tts_core::{AudioChunk, AudioStream, Provider, ProviderError, SynthesisRequest, Voice};
use tts_gateway::{Components, Settings};
use tts_providers::Registry;

pub const RATE: u32 = 16_000;

#[derive(Clone, Copy)]
pub enum Behaviour {
    /// Fails this many calls with `Unavailable`, then streams normally.
    FailFirst(usize),
    /// Never yields anything.
    Hang,
    /// Two chunks, then an internal error.
    FailMidway,
    /// Waits for a permit on `gate` before the first chunk.
    Gated,
    /// A chunk every `ms` milliseconds, forever.
    Endless(u64),
    /// This many 100 ms chunks at once, then the end.
    Burst(usize),
    /// Declares 16 kHz but delivers three 100 ms chunks at 24 kHz, as a remote engine
    /// whose real rate is only known from its first WAV header may.
    OtherRate,
    /// Remembers each request's text (see [`Double::texts`]) and answers one chunk.
    Record,
    /// An engine with a pool of one (it declares `concurrency` 1): two chunks of
    /// [`PACED_CHUNK_SECS`] each, each begun (recorded in [`Double::pulls`] as
    /// `text#n`) and then waiting for a permit on `gate`. A stream that has had its first
    /// chunk is that far ahead of real time.
    Paced,
    /// [`Behaviour::Paced`], read sentence by sentence with a fingerprint: the phrase
    /// cache splits a text into one request per sentence.
    PacedSentences,
}

pub const PACED_CHUNK_SECS: u32 = 30;

pub struct Double {
    id: &'static str,
    behaviour: Behaviour,
    pub calls: AtomicUsize,
    pub chunks: Arc<AtomicUsize>,
    pub gate: Arc<Semaphore>,
    /// Notified when a stream of this provider is dropped.
    pub dropped: Arc<Notify>,
    texts: parking_lot::Mutex<Vec<String>>,
    pulls: Arc<parking_lot::Mutex<Vec<String>>>,
    /// The step budget the gateway had set when each of `pulls` began, and the lead.
    budgets: Arc<parking_lot::Mutex<Vec<Option<std::time::Duration>>>>,
    leads: Arc<parking_lot::Mutex<Vec<std::time::Duration>>>,
}

impl Double {
    pub fn new(id: &'static str, behaviour: Behaviour) -> Arc<Self> {
        Arc::new(Self {
            id,
            behaviour,
            calls: AtomicUsize::new(0),
            chunks: Arc::new(AtomicUsize::new(0)),
            gate: Arc::new(Semaphore::new(0)),
            dropped: Arc::new(Notify::new()),
            texts: parking_lot::Mutex::new(Vec::new()),
            pulls: Arc::default(),
            budgets: Arc::default(),
            leads: Arc::default(),
        })
    }

    /// The texts this engine was asked to speak, in order.
    pub fn texts(&self) -> Vec<String> {
        self.texts.lock().clone()
    }

    /// The chunks begun, in order, as `text#n` (behaviour [`Behaviour::Paced`]).
    pub fn pulls(&self) -> Vec<String> {
        self.pulls.lock().clone()
    }

    /// The step budget set for each of [`Double::pulls`].
    pub fn budgets(&self) -> Vec<Option<std::time::Duration>> {
        self.budgets.lock().clone()
    }

    /// The listener's lead the gateway gave for each of [`Double::pulls`].
    pub fn leads(&self) -> Vec<std::time::Duration> {
        self.leads.lock().clone()
    }

    /// A registry with mock_tone and this double.
    pub fn registry(self: &Arc<Self>) -> Registry {
        let mut r = Registry::build(&tts_providers::ProvidersConfig::mock_tone_only());
        r.insert(self.clone());
        r
    }
}

/// A 100 ms chunk of a quiet square-ish tone.
fn chunk() -> AudioChunk {
    AudioChunk::new(
        (0..RATE / 10)
            .map(|i| if i % 40 < 20 { 3000 } else { -3000 })
            .collect(),
        RATE,
    )
}

struct OnDrop(Arc<Notify>);
impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.notify_one();
    }
}

impl Provider for Double {
    fn id(&self) -> &str {
        self.id
    }

    fn voices(&self) -> Vec<Voice> {
        vec![Voice::new("v1", "Double", "en-US", self.id, RATE)]
    }

    fn concurrency(&self) -> Option<usize> {
        matches!(self.behaviour, Behaviour::Paced | Behaviour::PacedSentences).then_some(1)
    }

    fn fingerprint(&self, _voice: &str) -> Option<String> {
        matches!(self.behaviour, Behaviour::PacedSentences).then(|| "paced-1".into())
    }

    fn sentence_pause_ms(&self) -> Option<u32> {
        matches!(self.behaviour, Behaviour::PacedSentences).then_some(0)
    }

    fn synthesize(&self, request: SynthesisRequest) -> AudioStream {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        self.texts.lock().push(request.text.clone());
        let chunks = Arc::clone(&self.chunks);
        let guard = OnDrop(Arc::clone(&self.dropped));
        match self.behaviour {
            Behaviour::FailFirst(n) if call < n => {
                stream::once(async { Err(ProviderError::unavailable("engine is down")) }).boxed()
            }
            Behaviour::FailFirst(_) => stream::iter((0..3).map(|_| Ok(chunk()))).boxed(),
            Behaviour::Hang => stream::pending().boxed(),
            Behaviour::FailMidway => stream::iter(vec![
                Ok(chunk()),
                Ok(chunk()),
                Err(ProviderError::internal("engine crashed")),
            ])
            .boxed(),
            Behaviour::Gated => {
                let gate = Arc::clone(&self.gate);
                stream::once(async move {
                    gate.acquire().await.unwrap().forget();
                    Ok(chunk())
                })
                .boxed()
            }
            Behaviour::Record => stream::iter([Ok(chunk())]).boxed(),
            Behaviour::Paced | Behaviour::PacedSentences => {
                let (gate, pulls) = (Arc::clone(&self.gate), Arc::clone(&self.pulls));
                let (budgets, leads) = (Arc::clone(&self.budgets), Arc::clone(&self.leads));
                let (text, budget) = (request.text, request.budget);
                stream::unfold(1, move |n| {
                    let (gate, pulls, text) = (Arc::clone(&gate), Arc::clone(&pulls), text.clone());
                    let (budgets, budget) = (Arc::clone(&budgets), budget.clone());
                    let leads = Arc::clone(&leads);
                    async move {
                        if n > 2 {
                            return None;
                        }
                        {
                            // One lock over both: a test reading one sees the other.
                            let mut recorded = pulls.lock();
                            budgets.lock().push(budget.get());
                            leads.lock().push(budget.lead());
                            recorded.push(format!("{text}#{n}"));
                        }
                        gate.acquire().await.unwrap().forget();
                        let samples = (0..RATE * PACED_CHUNK_SECS)
                            .map(|i| if i % 40 < 20 { 3000 } else { -3000 })
                            .collect();
                        Some((Ok(AudioChunk::new(samples, RATE)), n + 1))
                    }
                })
                .boxed()
            }
            Behaviour::Burst(n) => stream::iter((0..n).map(|_| Ok(chunk()))).boxed(),
            Behaviour::OtherRate => stream::iter((0..3).map(|_| {
                Ok(AudioChunk::new(
                    (0..2400)
                        .map(|i| ((i as f32 * 0.2).sin() * 8000.0) as i16)
                        .collect(),
                    24_000,
                ))
            }))
            .boxed(),
            Behaviour::Endless(ms) => stream::unfold(guard, move |g| {
                let chunks = Arc::clone(&chunks);
                async move {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    chunks.fetch_add(1, Ordering::SeqCst);
                    Some((Ok(chunk()), g))
                }
            })
            .boxed(),
        }
    }
}

/// A gateway with mock_tone and `double`, otherwise configured by `configure`.
pub async fn spawn_double(double: &Arc<Double>, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let parts = Components {
        providers: Some(double.registry()),
        ..Default::default()
    };
    spawn_with(configure, parts).await
}

/// A session on `double` (a gateway of its own), its socket open: the app, the session's
/// id and the socket. With a gated double the stream then holds its worker until the
/// gate opens.
pub async fn streaming_session(
    double: &Arc<Double>,
) -> (
    TestApp,
    String,
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
) {
    let app = spawn_double(double, |_| {}).await;
    let (id, _) = app.create(&double_body(double.id)).await;
    let (ws, _) = tokio_tungstenite::connect_async(app.ws_url(&id))
        .await
        .unwrap();
    (app, id, ws)
}

pub fn double_body(provider: &str) -> serde_json::Value {
    serde_json::json!({"provider": provider, "voice": "v1", "text": "hello",
                       "target_format": "pcm16", "sample_rate_hz": RATE})
}
