//! A provider double whose stream is running until the test says so: one chunk at once,
//! the second only after [`Gated::open`]. Lets a test break Redis mid-stream.

use futures::stream::{self, StreamExt};
use std::sync::Arc;
use tokio::sync::Semaphore;
use tts_core::{AudioChunk, AudioStream, Provider, SynthesisRequest, Voice};
use tts_providers::{ProvidersConfig, Registry};

const RATE: u32 = 16_000;

pub struct Gated {
    gate: Arc<Semaphore>,
}

impl Gated {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            gate: Arc::new(Semaphore::new(0)),
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

fn chunk() -> AudioChunk {
    AudioChunk::new(
        (0..RATE / 10).map(|i| (i % 64) as i16 * 100).collect(),
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
        stream::once(async { Ok(chunk()) })
            .chain(stream::once(async move {
                gate.acquire().await.unwrap().forget();
                Ok(chunk())
            }))
            .boxed()
    }
}
