//! [`StreamFailure`]: every way a stream can end badly, and what the client is told.

use crate::sessions::{Status, StoreError};
use tts_audio::EncodeError;
use tts_core::{ProviderError, ProviderErrorKind};

#[derive(Debug, thiserror::Error)]
pub enum StreamFailure {
    #[error("session not found (unknown id, or expired)")]
    NotFound,
    #[error("session was already streamed (status: {}); fetch its audio from /v1/tts/sessions/{{id}}/file", .0.as_str())]
    AlreadyStreamed(Status),
    #[error("streaming queue is full; try again later")]
    QueueFull,
    #[error("provider {0} is temporarily unavailable (circuit open after repeated failures); try again later")]
    CircuitOpen(String),
    #[error("provider {provider} failed: {error}")]
    Provider {
        provider: String,
        error: ProviderError,
    },
    #[error("provider {0} is not available on this gateway")]
    UnknownProvider(String),
    #[error("the client did not read audio for {0} ms; closing")]
    SlowClient(u128),
    #[error("audio encoding failed: {0}")]
    Encode(#[from] EncodeError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Unreadable(#[from] super::speakable::Unreadable),
    #[error("the gateway is shutting down")]
    ShuttingDown,
    #[error("the client disconnected")]
    ClientGone,
    /// The client left while waiting for a worker: nothing was synthesised, so the
    /// session goes back to pending rather than failing.
    #[error("the client disconnected before its stream started")]
    LeftQueue,
}

/// WebSocket close codes (RFC 6455 §7.4.1).
pub mod close {
    pub const NORMAL: u16 = 1000;
    pub const POLICY: u16 = 1008;
    pub const INTERNAL: u16 = 1011;
    pub const RESTART: u16 = 1012;
    pub const TRY_AGAIN_LATER: u16 = 1013;
}

impl StreamFailure {
    /// The `code` of the error frame (HTTP-like) and the WebSocket close code.
    pub fn codes(&self) -> (u16, u16) {
        match self {
            StreamFailure::NotFound => (404, close::POLICY),
            StreamFailure::AlreadyStreamed(_) => (409, close::POLICY),
            StreamFailure::QueueFull => (503, close::TRY_AGAIN_LATER),
            StreamFailure::CircuitOpen(_) => (503, close::TRY_AGAIN_LATER),
            StreamFailure::Provider { error, .. } => match error.kind {
                ProviderErrorKind::BadRequest => (400, close::INTERNAL),
                ProviderErrorKind::Timeout => (504, close::INTERNAL),
                ProviderErrorKind::Unavailable => (503, close::INTERNAL),
                ProviderErrorKind::Internal => (502, close::INTERNAL),
            },
            StreamFailure::UnknownProvider(_) => (400, close::INTERNAL),
            StreamFailure::SlowClient(_) => (408, close::POLICY),
            StreamFailure::Unreadable(_) => (400, close::INTERNAL),
            StreamFailure::Encode(_) => (500, close::INTERNAL),
            StreamFailure::Store(_) => (503, close::INTERNAL),
            StreamFailure::ShuttingDown => (503, close::RESTART),
            StreamFailure::ClientGone | StreamFailure::LeftQueue => (499, close::NORMAL),
        }
    }

    /// Returns true if and only if the failure is the provider's (counted and fed to the
    /// circuit breaker).
    pub fn is_provider_failure(&self) -> bool {
        matches!(self, StreamFailure::Provider { error, .. } if error.kind != ProviderErrorKind::BadRequest)
    }
}
