//! Short-lived tokens: `tgt_<claims>.<signature>`, both base64url without padding. The
//! claims are a small JSON object (the key's name, the expiry in Unix seconds, the doors
//! the token opens); the signature is HMAC-SHA256 of the claims' base64 text under
//! `AUTH_TOKEN_SECRET`. Nothing is stored: any gateway with the same secret accepts the
//! token, before and after a restart, until it expires. A token is only as good as its
//! key: a key removed from the file takes its tokens with it.

use crate::pipeline::Api;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// What every token starts with, so a token is never mistaken for a key.
pub const PREFIX: &str = "tgt_";
/// The longest life a token may be given.
pub const MAX_TTL_SECS: u64 = 300;
/// The shortest secret accepted (bytes).
pub const MIN_SECRET_LEN: usize = 32;

/// What a token says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The name of the key that minted it (its limits and counts are the key's).
    pub key: String,
    /// Unix seconds after which it is refused.
    pub exp: u64,
    /// The doors it opens, by their metric names (`realtime`, `session`, …).
    pub doors: Vec<String>,
}

impl Claims {
    pub fn opens(&self, door: Api) -> bool {
        self.doors.iter().any(|d| d == door.name())
    }
}

/// Why a token was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed token")]
    Malformed,
    #[error("token signature does not match (signed with another AUTH_TOKEN_SECRET, or altered)")]
    BadSignature,
    #[error("token expired {0} s ago; get a new one from POST /v1/auth/tokens")]
    Expired(u64),
}

/// Signs and checks tokens with one secret.
#[derive(Clone)]
pub struct Signer {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(…)")
    }
}

impl Signer {
    /// A signer for `secret`, which must be at least [`MIN_SECRET_LEN`] bytes.
    pub fn new(secret: &[u8]) -> Result<Self, String> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(format!(
                "must be at least {MIN_SECRET_LEN} bytes (got {}); e.g. `openssl rand -hex 32`",
                secret.len()
            ));
        }
        let mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|e| e.to_string())?;
        Ok(Self { mac })
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let json = serde_json::to_vec(claims).expect("claims serialise");
        let body = URL_SAFE_NO_PAD.encode(json);
        let mut mac = self.mac.clone();
        mac.update(body.as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{PREFIX}{body}.{sig}")
    }

    /// The claims of `token` if its signature holds (checked in constant time) and it
    /// has not expired at `now` (Unix seconds).
    pub fn verify(&self, token: &str, now: u64) -> Result<Claims, TokenError> {
        let rest = token.strip_prefix(PREFIX).ok_or(TokenError::Malformed)?;
        let (body, sig) = rest.split_once('.').ok_or(TokenError::Malformed)?;
        let sig = URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| TokenError::Malformed)?;
        let mut mac = self.mac.clone();
        mac.update(body.as_bytes());
        mac.verify_slice(&sig)
            .map_err(|_| TokenError::BadSignature)?;
        let json = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| TokenError::Malformed)?;
        let claims: Claims = serde_json::from_slice(&json).map_err(|_| TokenError::Malformed)?;
        if now > claims.exp {
            return Err(TokenError::Expired(now - claims.exp));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: u64) -> Claims {
        Claims {
            key: "alice".into(),
            exp,
            doors: vec!["realtime".into()],
        }
    }

    #[test]
    fn a_token_verifies_until_it_expires() {
        let s = Signer::new(&[7; 32]).unwrap();
        let t = s.sign(&claims(1000));
        assert_eq!(s.verify(&t, 1000).unwrap(), claims(1000));
        assert_eq!(s.verify(&t, 1003), Err(TokenError::Expired(3)));
        assert!(s.verify(&t, 10).unwrap().opens(Api::Realtime));
        assert!(!s.verify(&t, 10).unwrap().opens(Api::OpenAi));
    }

    #[test]
    fn another_secret_or_an_altered_token_is_refused() {
        let s = Signer::new(&[7; 32]).unwrap();
        let t = s.sign(&claims(1000));
        let other = Signer::new(&[8; 32]).unwrap();
        assert_eq!(other.verify(&t, 0), Err(TokenError::BadSignature));
        let forged = s.sign(&Claims {
            key: "root".into(),
            ..claims(1000)
        });
        let (body, _) = forged.split_once('.').unwrap();
        let (_, sig) = t.split_once('.').unwrap();
        assert_eq!(
            s.verify(&format!("{body}.{sig}"), 0),
            Err(TokenError::BadSignature)
        );
        assert_eq!(s.verify("tgt_nodot", 0), Err(TokenError::Malformed));
        assert!(Signer::new(b"short").is_err());
    }
}
