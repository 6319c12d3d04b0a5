//! API keys, their per-key limits and short-lived tokens.
//!
//! Off unless `API_KEYS_FILE` is set: then every door except `/healthz`, `/readyz`, the
//! static UI (and `/metrics`, which `METRICS_ADDR` can move off the public port) wants a
//! key or a token. The doors never look at credentials themselves: `crate::guard`
//! calls [`Auth::authenticate`] and the door answers a refusal in its own shape.
//!
//! A credential is read from, in order: `Authorization: Bearer …` (OpenAI, Cartesia,
//! anyone) or `Authorization: Token …` (Deepgram's SDK), `xi-api-key` (ElevenLabs),
//! `X-API-Key` (Cartesia's older clients), and on WebSockets the `token` query
//! parameter, since a browser cannot set headers there (also `api_key`/`access_token`,
//! the names Cartesia's socket takes); ElevenLabs' sockets may bring it in their first
//! message instead ([`Auth::verify`], through `crate::guard::identify_message`). A
//! credential starting `tgt_` is a token
//! ([`token`]); anything else is a key ([`keys`]).

pub mod keys;
mod streams;
pub mod token;

pub use keys::{hash_hex, Key, Keys, KeysFile, Limits};
pub use streams::{Slot, StreamCounts};
pub use token::{Claims, Signer};

use crate::pipeline::Api;
use crate::rate_limit::RateCounter;
use axum::http::HeaderMap;
use std::sync::Arc;

/// Why a credential was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("missing API key: send `Authorization: Bearer <key>` (or the protocol's own key header; on WebSockets the `token` query parameter)")]
    Missing,
    #[error("invalid API key (unknown or revoked)")]
    InvalidKey,
    #[error("invalid token: {0}")]
    InvalidToken(String),
    #[error("token expired {0} s ago; get a new one from POST /v1/auth/tokens")]
    Expired(u64),
    #[error("the key {0:?} that issued this token has been revoked")]
    Revoked(String),
    #[error("this token does not open the {0} door (it opens: {1}); ask POST /v1/auth/tokens for one that does")]
    WrongDoor(&'static str, String),
    #[error("tokens are not accepted: AUTH_TOKEN_SECRET is not set")]
    TokensOff,
}

impl AuthError {
    /// 403 for a good token used where it does not open; 401 otherwise.
    pub fn forbidden(&self) -> bool {
        matches!(self, AuthError::WrongDoor(..))
    }

    /// The `reason` label of `tts_auth_refusals_total`.
    pub fn reason(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing",
            AuthError::InvalidKey => "invalid_key",
            AuthError::InvalidToken(_) | AuthError::TokensOff => "invalid_token",
            AuthError::Expired(_) => "expired",
            AuthError::Revoked(_) => "revoked",
            AuthError::WrongDoor(..) => "wrong_door",
        }
    }
}

/// Who a credential belongs to.
#[derive(Debug, Clone)]
pub struct Principal {
    pub key: Arc<Key>,
    /// True when the credential was a token (which cannot mint further tokens).
    pub via_token: bool,
}

/// The running authentication: the keys, the token signer, and the per-key counts.
pub struct Auth {
    keys: KeysFile,
    signer: Option<Signer>,
    /// Streams running now, per key (`streams=N`).
    pub streams: StreamCounts,
    /// Streams started per `RATE_LIMIT_WINDOW_SECONDS`, per key (`sessions=N`).
    pub sessions: Arc<dyn RateCounter>,
    /// Characters per UTC day, per key (`chars=N`).
    pub chars: Arc<dyn RateCounter>,
}

impl Auth {
    /// `counters`: the session and character counters, each used with one period only;
    /// `streams`: the running streams. Redis ones when configured, so the counts are
    /// global.
    pub fn new(
        keys: KeysFile,
        signer: Option<Signer>,
        counters: (Arc<dyn RateCounter>, Arc<dyn RateCounter>),
        streams: StreamCounts,
    ) -> Self {
        Self {
            keys,
            signer,
            streams,
            sessions: counters.0,
            chars: counters.1,
        }
    }

    pub fn keys(&self) -> Arc<Keys> {
        self.keys.current()
    }

    pub fn signer(&self) -> Option<&Signer> {
        self.signer.as_ref()
    }

    /// The principal of a request to `door`, from its headers and (WebSockets) query.
    pub fn authenticate(
        &self,
        headers: &HeaderMap,
        query: Option<&str>,
        door: Api,
    ) -> Result<Principal, AuthError> {
        let presented = credential(headers, query).ok_or(AuthError::Missing)?;
        self.verify(&presented, door)
    }

    /// The principal of credential `presented` (a key, or a `tgt_` token) used on `door`.
    pub fn verify(&self, presented: &str, door: Api) -> Result<Principal, AuthError> {
        let presented = presented.trim();
        if presented.is_empty() {
            return Err(AuthError::Missing);
        }
        let keys = self.keys.current();
        if !presented.starts_with(token::PREFIX) {
            let key = keys.find(presented).ok_or(AuthError::InvalidKey)?;
            return Ok(Principal {
                key,
                via_token: false,
            });
        }
        let signer = self.signer.as_ref().ok_or(AuthError::TokensOff)?;
        let claims = signer.verify(presented, unix_now()).map_err(|e| match e {
            token::TokenError::Expired(s) => AuthError::Expired(s),
            other => AuthError::InvalidToken(other.to_string()),
        })?;
        let key = keys
            .named(&claims.key)
            .ok_or_else(|| AuthError::Revoked(claims.key.clone()))?;
        if !claims.opens(door) {
            return Err(AuthError::WrongDoor(door.name(), claims.doors.join(", ")));
        }
        Ok(Principal {
            key,
            via_token: true,
        })
    }
}

/// The credential a request carries, if any (see the module docs for where it is read).
pub fn credential(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    if let Some(auth) = header("authorization") {
        let (scheme, value) = auth.split_once(' ').unwrap_or(("", auth));
        if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token") {
            return Some(value.trim().to_string());
        }
    }
    if let Some(v) = header("xi-api-key").or_else(|| header("x-api-key")) {
        return Some(v.to_string());
    }
    let query = query?;
    url_query(query, &["token", "api_key", "access_token"])
}

/// The first of `names` in a URL query string, percent-decoded.
fn url_query(query: &str, names: &[&str]) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    names.iter().find_map(|name| {
        pairs
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.clone())
    })
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn each_protocol_header_carries_the_credential() {
        for (name, value) in [
            ("authorization", "Bearer k1"),
            ("authorization", "Token k1"),
            ("authorization", "bearer   k1"),
            ("xi-api-key", "k1"),
            ("x-api-key", "k1"),
        ] {
            let mut h = HeaderMap::new();
            h.insert(name, HeaderValue::from_static(value));
            assert_eq!(
                credential(&h, None).as_deref(),
                Some("k1"),
                "{name}: {value}"
            );
        }
        let h = HeaderMap::new();
        assert_eq!(
            credential(&h, Some("a=1&token=t%2Bx")).as_deref(),
            Some("t+x")
        );
        assert_eq!(credential(&h, Some("api_key=z")).as_deref(), Some("z"));
        assert_eq!(credential(&h, Some("a=1")), None);
        assert_eq!(credential(&h, None), None);
    }
}
