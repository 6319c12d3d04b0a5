//! [`ProviderError`]: what went wrong inside a speech engine, and whether retrying helps.

/// Why a provider failed. The gateway maps these to HTTP/WebSocket codes:
/// `BadRequest` → 400, `Unavailable`/`Timeout` → 503 (retryable), `Internal` → 500.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderErrorKind {
    /// The request cannot be served by this engine (unknown voice, unsupported text…).
    BadRequest,
    /// The engine (or the remote service behind it) is down or overloaded; a retry may work.
    Unavailable,
    /// The engine did not answer in time.
    Timeout,
    /// The engine failed in a way a retry will not fix (malformed model output, a bug).
    Internal,
}

/// An error raised by a [`crate::Provider`].
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    pub kind: ProviderErrorKind,
    pub message: String,
}

impl ProviderError {
    pub fn new(kind: ProviderErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ProviderErrorKind::BadRequest, message)
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ProviderErrorKind::Unavailable, message)
    }
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(ProviderErrorKind::Timeout, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ProviderErrorKind::Internal, message)
    }

    /// Returns true if and only if trying the same request again could succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ProviderErrorKind::Unavailable | ProviderErrorKind::Timeout
        )
    }
}
