//! Sessions: what a client asked for, where its stream is in its life, and the audio
//! kept for `/file`.
//!
//! Lifecycle: `pending` (created) → `streaming` (claimed by exactly one WebSocket, or by
//! `/file` synthesising it) → `completed` (audio retained for the TTL) or `failed`.
//! A claim is atomic, which is what makes "a session streams once" hold even when two
//! gateways share one store.

mod memory;
mod redis;

pub use self::redis::RedisStore;
pub use memory::MemoryStore;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tts_core::AudioFormat;
use uuid::Uuid;

/// What the client asked for, validated.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SessionRequest {
    pub provider: String,
    pub voice: String,
    pub text: String,
    pub target_format: String,
    pub sample_rate_hz: u32,
    /// The voice's native rate, fixed at creation.
    pub native_rate_hz: u32,
    pub language: Option<String>,
    pub bitrate_kbps: Option<u32>,
    pub speed: Option<f32>,
    pub pitch: Option<f32>,
    /// Sessions stored by a build without timestamps read as `false`.
    #[serde(default)]
    pub word_timestamps: bool,
    /// Normalisation, SSML, lexicon entries (default for older stored sessions).
    #[serde(default)]
    pub reading: crate::pipeline::TextOptions,
    /// `"cache": false`, `"cache_info": true` (older stored sessions: the defaults).
    #[serde(default)]
    pub cache: crate::cache::CacheUse,
}

impl SessionRequest {
    pub fn format(&self) -> AudioFormat {
        self.target_format
            .parse()
            .expect("target_format was validated at creation")
    }

    /// The pipeline's request for this session's stream.
    pub fn speech(&self) -> crate::pipeline::SpeechRequest {
        crate::pipeline::SpeechRequest {
            provider: self.provider.clone(),
            voice: self.voice.clone(),
            language: self.language.clone(),
            format: self.format(),
            sample_rate_hz: self.sample_rate_hz,
            native_rate_hz: self.native_rate_hz,
            bitrate_kbps: self.bitrate_kbps,
            speed: self.speed,
            pitch: self.pitch,
            word_timestamps: self.word_timestamps,
            reading: self.reading.clone(),
            cache: self.cache,
        }
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Streaming,
    Completed,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Streaming => "streaming",
            Status::Completed => "completed",
            Status::Failed => "failed",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Session {
    pub id: Uuid,
    pub request: SessionRequest,
    pub status: Status,
    /// Why the session failed, in words for the client.
    pub error: Option<String>,
    /// Seconds since the Unix epoch.
    pub created_at: u64,
}

/// The PCM of a completed session, at the voice's native rate.
#[derive(Clone, Debug, PartialEq)]
pub struct RetainedAudio {
    pub sample_rate: u32,
    pub samples: Vec<i16>,
    /// When each word is heard, if the engine marks words (for `/file?alignment=json`).
    pub words: Vec<crate::pipeline::WordTiming>,
}

impl RetainedAudio {
    pub fn bytes(&self) -> usize {
        self.samples.len() * 2
    }
}

/// The outcome of trying to claim a session for streaming.
#[derive(Debug)]
pub enum Claim {
    Claimed(Box<Session>),
    NotFound,
    /// Someone already streamed (or is streaming) it; carries its status.
    Taken(Status),
}

/// The store failed (Redis unreachable, timed out…); callers answer 503.
#[derive(Clone, Debug, thiserror::Error)]
#[error("session store unavailable: {0}")]
pub struct StoreError(pub String);

/// Where sessions live. In memory by default; Redis for several gateways.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new pending session. May evict the oldest sessions to stay within bounds;
    /// fails only when the store is full of sessions that are streaming.
    async fn insert(&self, session: Session) -> Result<(), StoreError>;
    async fn get(&self, id: Uuid) -> Result<Option<Session>, StoreError>;
    /// Atomically moves a pending session to streaming.
    async fn claim(&self, id: Uuid) -> Result<Claim, StoreError>;
    /// Puts a claimed session back to pending (it never started: queue full, client gone).
    async fn release(&self, id: Uuid) -> Result<(), StoreError>;
    async fn complete(&self, id: Uuid, audio: Arc<RetainedAudio>) -> Result<(), StoreError>;
    async fn fail(&self, id: Uuid, reason: &str) -> Result<(), StoreError>;
    /// The retained audio of a completed session; `None` once evicted or expired.
    async fn audio(&self, id: Uuid) -> Result<Option<Arc<RetainedAudio>>, StoreError>;
    /// Waits until session `id` may have stopped streaming (completed, failed or released,
    /// by this gateway or another), or for at most `limit`; the caller reads the session
    /// again either way. Returns at once when it is not streaming. A notification, not a
    /// poll: `/file` on a session still streaming answers as soon as the stream ends.
    async fn wait_streamed(&self, id: Uuid, limit: Duration) -> Result<(), StoreError>;
    /// Why completed session `id` has no audio, when it is not eviction: its stream ended
    /// but the store could never record it (see [`RedisStore`]). `None` otherwise.
    fn unrecorded(&self, _id: Uuid) -> Option<String> {
        None
    }
    /// Whether the store can serve requests now (for `/readyz`).
    async fn ready(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Drops expired sessions; called periodically. Stores with their own expiry
    /// (Redis TTLs) need not do anything.
    fn sweep(&self) {}
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
