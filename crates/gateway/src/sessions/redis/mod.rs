//! [`RedisStore`]: sessions and their audio in Redis, shared by every gateway using it.
//!
//! Each state change that reads before it writes (claim, release, complete, fail) is one Lua
//! script, so it is atomic across gateways: two instances can never both claim a session.
//! A session is kept `SESSION_TTL_SECONDS` after its last change (creation, claim,
//! completion); its audio, raw PCM in a key of its own, for the same time after completion,
//! within `SESSION_AUDIO_BUDGET_MB` across all gateways (the oldest goes first). Dropping
//! an audio key, for the budget or by Redis's own eviction, leaves the session intact:
//! `/file` then says the audio is no longer retained, as with the in-memory store.

mod pcm;
mod scripts;

use super::{Claim, RetainedAudio, Session, SessionStore, Status, StoreError};
use crate::config::Settings;
use crate::redis_backend::{Redis, RedisError};
use async_trait::async_trait;
use pcm::Pcm;
use scripts::{CLAIM, COMPLETE, FAIL, RELEASE, UNCLAIM};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// No engine here speaks slower than four characters a second (mock_tone: ten; Piper and
/// eSpeak: twelve or more), so longer audio than this per allowed character is a runaway.
const MAX_SECONDS_PER_CHAR: f64 = 0.25;

pub struct RedisStore {
    redis: Redis,
    ttl_ms: u64,
    /// Largest audio retained for one session at 1 Hz (multiplied by the voice's rate).
    max_audio_seconds: f64,
    /// `SESSION_AUDIO_BUDGET_MB`: the audio retained across all sessions and gateways.
    audio_budget: usize,
}

impl RedisStore {
    pub fn new(redis: Redis, settings: &Settings) -> Self {
        Self {
            redis,
            ttl_ms: settings.session_ttl.as_millis().max(1) as u64,
            max_audio_seconds: settings.max_text_chars as f64 * MAX_SECONDS_PER_CHAR,
            audio_budget: settings.audio_budget_bytes,
        }
    }

    /// The most audio bytes kept for a session whose voice speaks at `rate` Hz: what the
    /// longest allowed text could plausibly produce, and never more than the audio budget.
    pub fn audio_cap(&self, rate: u32) -> usize {
        let plausible = self.max_audio_seconds * f64::from(rate) * 2.0;
        (plausible as usize).min(self.audio_budget)
    }

    pub fn ttl(&self) -> Duration {
        Duration::from_millis(self.ttl_ms)
    }

    fn session_key(&self, id: Uuid) -> String {
        self.redis.key("session", id)
    }

    fn audio_key(&self, id: Uuid) -> String {
        self.redis.key("audio", id)
    }

    /// One MULTI: the audio (if `retain`) as a plain SET, then the [`COMPLETE`] script.
    fn completion(&self, id: Uuid, audio: &RetainedAudio, retain: bool) -> redis::Pipeline {
        let (session, audio_key) = (self.session_key(id), self.audio_key(id));
        let mut pipe = redis::pipe();
        pipe.atomic();
        if retain {
            let set = pipe.cmd("SET").arg(&audio_key).arg(Pcm(&audio.samples));
            set.arg("PX").arg(self.ttl_ms).ignore();
        } else {
            pipe.del(&audio_key).ignore();
        }
        let rate = match retain {
            true => audio.sample_rate.to_string(),
            false => String::new(),
        };
        pipe.cmd("EVAL")
            .arg(COMPLETE)
            .arg(4)
            .arg(&session)
            .arg(&audio_key)
            .arg(self.redis.prefixed("audio-index"))
            .arg(self.redis.prefixed("audio-bytes"))
            .arg(self.ttl_ms)
            .arg(rate)
            .arg(audio.bytes())
            .arg(self.audio_budget)
            .arg(id.to_string())
            .arg(self.redis.prefixed("audio:"));
        pipe
    }

    /// A claim whose answer was lost (timeout, dropped connection) may still have been
    /// made, and nobody would stream the session: it would be stuck `streaming` until it
    /// expires. Undoes it in the background, once Redis answers again (within the TTL).
    fn undo_claim(&self, key: String, token: String) {
        let redis = self.redis.clone();
        let give_up = tokio::time::Instant::now() + self.ttl();
        tokio::spawn(async move {
            let mut delay = Duration::from_millis(100);
            while tokio::time::Instant::now() < give_up {
                let mut conn = redis.conn();
                let mut undo = UNCLAIM.prepare_invoke();
                undo.key(&key).arg(&token);
                if redis
                    .call("unclaim", undo.invoke_async::<()>(&mut conn))
                    .await
                    .is_ok()
                {
                    return;
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        });
    }
}

fn unavailable(e: RedisError) -> StoreError {
    StoreError(format!("{e}; try again shortly"))
}

fn corrupt(id: Uuid, what: impl std::fmt::Display) -> StoreError {
    tracing::error!(session = %id, %what, "unreadable session in Redis");
    StoreError("a session record in Redis is unreadable".into())
}

fn parse_status(s: &str) -> Option<Status> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

#[async_trait]
impl SessionStore for RedisStore {
    async fn insert(&self, session: Session) -> Result<(), StoreError> {
        let data = serde_json::to_string(&session).map_err(|e| corrupt(session.id, e))?;
        let key = self.session_key(session.id);
        let mut conn = self.redis.conn();
        let ttl = self.ttl_ms;
        self.redis
            .call("insert", async move {
                redis::pipe()
                    .atomic()
                    .hset_multiple(&key, &[("data", data.as_str()), ("status", "pending")])
                    .ignore()
                    .pexpire(&key, ttl as i64)
                    .ignore()
                    .query_async::<()>(&mut conn)
                    .await
            })
            .await
            .map_err(unavailable)
    }

    async fn get(&self, id: Uuid) -> Result<Option<Session>, StoreError> {
        let key = self.session_key(id);
        let mut conn = self.redis.conn();
        let (data, status, error): (Option<String>, Option<String>, Option<String>) = self
            .redis
            .call("get", async move {
                redis::cmd("HMGET")
                    .arg(&key)
                    .arg(&["data", "status", "error"])
                    .query_async(&mut conn)
                    .await
            })
            .await
            .map_err(unavailable)?;
        let Some(data) = data else { return Ok(None) };
        let mut session: Session = serde_json::from_str(&data).map_err(|e| corrupt(id, e))?;
        if let Some(status) = status {
            session.status = parse_status(&status).ok_or_else(|| corrupt(id, &status))?;
        }
        session.error = error;
        Ok(Some(session))
    }

    async fn claim(&self, id: Uuid) -> Result<Claim, StoreError> {
        let key = self.session_key(id);
        let token = Uuid::new_v4().to_string();
        let mut conn = self.redis.conn();
        let ttl = self.ttl_ms;
        let reply: Vec<String> = match self
            .redis
            .call("claim", {
                let (key, token) = (key.clone(), token.clone());
                async move {
                    CLAIM
                        .key(key)
                        .arg(ttl)
                        .arg(token)
                        .invoke_async(&mut conn)
                        .await
                }
            })
            .await
        {
            Ok(reply) => reply,
            Err(e) => {
                self.undo_claim(key, token);
                return Err(unavailable(e));
            }
        };
        match reply.as_slice() {
            [outcome, data] if outcome == "claimed" => {
                let mut session: Session =
                    serde_json::from_str(data).map_err(|e| corrupt(id, e))?;
                session.status = Status::Streaming;
                session.error = None;
                Ok(Claim::Claimed(Box::new(session)))
            }
            [outcome, status] if outcome == "taken" => Ok(Claim::Taken(
                parse_status(status).ok_or_else(|| corrupt(id, status))?,
            )),
            [outcome] if outcome == "missing" => Ok(Claim::NotFound),
            other => Err(corrupt(id, format!("claim answered {other:?}"))),
        }
    }

    async fn release(&self, id: Uuid) -> Result<(), StoreError> {
        let key = self.session_key(id);
        let mut conn = self.redis.conn();
        self.redis
            .call("release", async move {
                RELEASE.key(key).invoke_async::<()>(&mut conn).await
            })
            .await
            .map_err(unavailable)
    }

    /// Records the completion and the audio. A failure here is logged and counted but not
    /// returned: the client already has every audio frame, and should get its `eos` rather
    /// than an error about bookkeeping. The session then stays `streaming` until it expires.
    async fn complete(&self, id: Uuid, audio: Arc<RetainedAudio>) -> Result<(), StoreError> {
        let cap = self.audio_cap(audio.sample_rate);
        let retain = audio.bytes() <= cap;
        if !retain {
            tracing::warn!(session = %id, bytes = audio.bytes(), cap,
                "audio larger than the per-session cap is not retained for /file");
        }
        let pipe = self.completion(id, &audio, retain);
        let mut conn = self.redis.conn();
        let result = self
            .redis
            .call("complete", async move {
                pipe.query_async::<(i64,)>(&mut conn).await
            })
            .await;
        // Reported, not swallowed: the caller knows whether the audio already reached its
        // client (a stream logs this and still ends with eos).
        result.map(drop).map_err(unavailable)
    }

    async fn fail(&self, id: Uuid, reason: &str) -> Result<(), StoreError> {
        let key = self.session_key(id);
        let reason = reason.to_string();
        let mut conn = self.redis.conn();
        let ttl = self.ttl_ms;
        self.redis
            .call("fail", async move {
                FAIL.key(key)
                    .arg(ttl)
                    .arg(reason)
                    .invoke_async::<()>(&mut conn)
                    .await
            })
            .await
            .map_err(unavailable)
    }

    async fn audio(&self, id: Uuid) -> Result<Option<Arc<RetainedAudio>>, StoreError> {
        let (session, audio) = (self.session_key(id), self.audio_key(id));
        let mut conn = self.redis.conn();
        let (rate, pcm): (Option<u32>, Option<Vec<u8>>) = self
            .redis
            .call("audio", async move {
                redis::pipe()
                    .hget(&session, "audio_rate")
                    .get(&audio)
                    .query_async(&mut conn)
                    .await
            })
            .await
            .map_err(unavailable)?;
        let (Some(sample_rate), Some(pcm)) = (rate, pcm) else {
            return Ok(None);
        };
        Ok(Some(Arc::new(RetainedAudio {
            sample_rate,
            samples: pcm::samples(&pcm),
        })))
    }

    async fn ready(&self) -> Result<(), StoreError> {
        self.redis.ping().await.map_err(unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metrics;

    #[tokio::test]
    async fn the_audio_cap_follows_the_longest_text_and_the_budget() {
        let mut settings = Settings::for_tests();
        settings.max_text_chars = 100;
        let redis = || {
            let timeout = Duration::from_millis(10);
            Redis::new("redis://127.0.0.1:1/", timeout, "t:", &Metrics::new()).unwrap()
        };
        let store = RedisStore::new(redis(), &settings);
        // 100 characters × 0.25 s × 16 000 Hz × 2 bytes.
        assert_eq!(store.audio_cap(16_000), 800_000);
        settings.audio_budget_bytes = 1000;
        assert_eq!(RedisStore::new(redis(), &settings).audio_cap(16_000), 1000);
    }
}
