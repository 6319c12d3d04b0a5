//! A provider double whose stream is running until the test says so: one chunk at once,
//! the second only after [`Gated::open`]. Lets a test break Redis mid-stream. Like
//! Piper, whose graph samples noise, each synthesis gives different audio: a session
//! synthesised twice is told apart from one recorded once.

use futures::stream::{self, StreamExt};
use std::sync::atomic::{AtomicI16, Ordering};
use std::sync::Arc;
use tokio::sync::Semaphore;
use tts_core::{AudioChunk, AudioStream, Provider, SynthesisRequest, Voice};
use tts_providers::{ProvidersConfig, Registry};

const RATE: u32 = 16_000;

pub struct Gated {
    gate: Arc<Semaphore>,
    /// How many syntheses have started: added to every sample of the next one.
    runs: AtomicI16,
}

impl Gated {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            gate: Arc::new(Semaphore::new(0)),
            runs: AtomicI16::new(0),
        })
    }

    /// mock_tone and this double.
    pub fn registry(self: &Arc<Self>) -> Registry {
        let mut r = Registry::build(&ProvidersConfig::default());
        r.insert(self.clone());
        r
    }

    /// Lets one waiting stream finish.
    pub fn open(&self) {
        self.gate.add_permits(1);
    }

    pub fn body() -> serde_json::Value {
        serde_json::json!({"provider": "gated", "voice": "v1", "text": "hello",
                           "target_format": "pcm16", "sample_rate_hz": RATE})
    }
}

fn chunk(run: i16) -> AudioChunk {
    AudioChunk::new(
        (0..RATE / 10)
            .map(|i| (i % 64) as i16 * 100 + run)
            .collect(),
        RATE,
    )
}

impl Provider for Gated {
    fn id(&self) -> &str {
        "gated"
    }

    fn voices(&self) -> Vec<Voice> {
        vec![Voice::new("v1", "Gated", "en-US", "gated", RATE)]
    }

    fn synthesize(&self, _request: SynthesisRequest) -> AudioStream {
        let gate = Arc::clone(&self.gate);
        let run = self.runs.fetch_add(1, Ordering::Relaxed);
        stream::once(async move { Ok(chunk(run)) })
            .chain(stream::once(async move {
                gate.acquire().await.unwrap().forget();
                Ok(chunk(run))
            }))
            .boxed()
    }
}
