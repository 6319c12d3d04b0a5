//! [`RedisStore`]: sessions and their audio in Redis, shared by every gateway using it.
//!
//! Each state change that reads before it writes (claim, release, complete, fail) is one Lua
//! script, so it is atomic across gateways: two instances can never both claim a session.
//! A session is kept `SESSION_TTL_SECONDS` after its last change (creation, claim,
//! completion); its audio, raw PCM in a key of its own, for the same time after completion,
//! within `SESSION_AUDIO_BUDGET_MB` across all gateways (the oldest goes first). Dropping
//! an audio key, for the budget or by Redis's own eviction, leaves the session intact:
//! `/file` then says the audio is no longer retained, as with the in-memory store. The
//! audio's word timings (JSON, for `/file?alignment=json`) are a key beside it with the
//! same TTL, outside the budget: a few dozen bytes a word.
//!
//! A claim comes with a lease (`REDIS_CLAIM_LEASE_MS`), a key of its own that this store
//! renews for every stream it holds. A gateway that dies mid-stream stops renewing; once
//! the lease expires its session counts as pending again, so the client can stream it
//! anew or fetch `/file`, rather than meeting "already streaming" until the session expires.
//! A lease also lapses when its gateway cannot reach Redis for longer than a lease (Redis
//! frozen or restarting): that gateway takes it again when Redis answers, if nobody else
//! claimed the session meanwhile ([`RENEW`]). So that it can, the other gateways take a
//! lapsed claim over only once they have seen it lapsed for a whole lease ([`LAPSED`]).
//!
//! A completion Redis cannot take when the stream ends (down, frozen, timed out) is not
//! lost: the audio the client heard is kept here ([`unrecorded`]) and the record retried,
//! with backoff, under the claim this gateway still holds, until it lands or the session
//! expires. Meanwhile this gateway answers for the session from what it kept, and the
//! others wait for it as for a stream. A completion recorded by another claim first is
//! never overwritten: a session's audio is the first that was recorded.
//!
//! `/file` on a session that is streaming waits on the session's pub/sub channel, which
//! completion, failure and release publish to from whichever gateway streams it. The
//! waiter subscribes on a connection of its own, then reads the session, so an end
//! between the two is not missed. A gateway that dies mid-stream publishes nothing: its
//! lease expiring is noticed by reading the session again every [`RECHECK`].

mod pcm;
mod scripts;
mod unrecorded;

use super::{Claim, RetainedAudio, Session, SessionStore, Status, StoreError};
use crate::config::Settings;
use crate::metrics::Metrics;
use crate::redis_backend::{Redis, RedisError};
use async_trait::async_trait;
use futures::StreamExt;
use parking_lot::Mutex;
use pcm::Pcm;
use scripts::{CLAIM, COMPLETE, FAIL, RELEASE, RENEW, UNCLAIM};
use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use unrecorded::{GivenUp, Known, Unrecorded};
use uuid::Uuid;

/// A claim this gateway holds: its token, and the session as claimed (to answer for it
/// while its completion waits for Redis).
struct Held {
    token: String,
    session: Box<Session>,
}

/// The claims this gateway holds.
type Leases = Mutex<HashMap<Uuid, Held>>;

/// At most this many lapsed claims are watched at once (see [`RedisStore::lapsed`]).
const LAPSED: usize = 10_000;

/// The longest pause between two tries to record a completion: short, so that the record
/// lands soon after Redis returns, well within the lease the others wait out.
const RETRY_MAX: Duration = Duration::from_secs(1);

/// No engine here speaks slower than four characters a second (mock_tone: ten; Piper and
/// eSpeak: twelve or more), so longer audio than this per allowed character is a runaway.
const MAX_SECONDS_PER_CHAR: f64 = 0.25;

/// How often a `/file` waiting for a stream reads the session again without a message:
/// only a lease that lapsed (its gateway died) ends a stream without one.
const RECHECK: Duration = Duration::from_secs(1);

pub struct RedisStore {
    redis: Redis,
    ttl_ms: u64,
    /// Largest audio retained for one session at 1 Hz (multiplied by the voice's rate).
    max_audio_seconds: f64,
    /// `SESSION_AUDIO_BUDGET_MB`: the audio retained across all sessions and gateways.
    audio_budget: usize,
    lease_ms: u64,
    /// Renewed in the background while this store lives (see the module docs).
    leases: Arc<Leases>,
    /// Completions Redis could not take yet, and those given up.
    unrecorded: Arc<Unrecorded>,
    /// When this gateway first saw each claim whose lease had lapsed: it takes one over
    /// only a lease later, which gives its holder the time to take it again.
    lapsed: Mutex<HashMap<Uuid, Instant>>,
}

impl RedisStore {
    /// Must be called within a Tokio runtime: it starts the task that renews leases.
    pub fn new(redis: Redis, settings: &Settings, metrics: &Metrics) -> Self {
        let unrecorded = Unrecorded::new(settings.audio_budget_bytes / 4, metrics);
        let store = Self {
            redis,
            ttl_ms: settings.session_ttl.as_millis().max(1) as u64,
            max_audio_seconds: settings.max_text_chars as f64 * MAX_SECONDS_PER_CHAR,
            audio_budget: settings.audio_budget_bytes,
            lease_ms: settings.redis_claim_lease.as_millis().max(1) as u64,
            leases: Arc::default(),
            unrecorded: Arc::new(unrecorded),
            lapsed: Mutex::default(),
        };
        tokio::spawn(renew_leases(
            store.redis.clone(),
            Arc::downgrade(&store.leases),
            store.lease_ms,
        ));
        store
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

    /// The word timings of the retained audio, as JSON; absent when there are none.
    fn words_key(&self, id: Uuid) -> String {
        self.redis.key("audio-words", id)
    }

    fn lease_key(&self, id: Uuid) -> String {
        lease_key(&self.redis, id)
    }

    /// The pub/sub channel told when `id` stops streaming.
    fn streamed_channel(&self, id: Uuid) -> String {
        self.redis.key("streamed", id)
    }

    /// This gateway no longer holds `id`'s claim (completed, failed or released).
    fn forget_lease(&self, id: Uuid) {
        self.leases.lock().remove(&id);
    }

    /// One MULTI: the audio (if `retain`) as a plain SET under a staging key of this
    /// claim's, then the [`COMPLETE`] script, which moves it into place if the claim may
    /// complete the session. Answers 1 (recorded), 0 (expired) or 2 (claimed again).
    fn completion(
        &self,
        id: Uuid,
        audio: &RetainedAudio,
        retain: bool,
        token: &str,
    ) -> redis::Pipeline {
        let staged = self.redis.key("audio-staged", format!("{id}:{token}"));
        let mut pipe = redis::pipe();
        pipe.atomic();
        if retain {
            let set = pipe.cmd("SET").arg(&staged).arg(Pcm(&audio.samples));
            set.arg("PX").arg(self.ttl_ms).ignore();
        }
        // Outside the audio budget: a few dozen bytes a word, gone with the TTL.
        let words = match serde_json::to_string(&audio.words) {
            Ok(words) if retain && !audio.words.is_empty() => words,
            _ => String::new(),
        };
        let rate = match retain {
            true => audio.sample_rate.to_string(),
            false => String::new(),
        };
        pipe.cmd("EVAL")
            .arg(COMPLETE)
            .arg(7)
            .arg(self.session_key(id))
            .arg(self.audio_key(id))
            .arg(self.redis.prefixed("audio-index"))
            .arg(self.redis.prefixed("audio-bytes"))
            .arg(self.lease_key(id))
            .arg(&staged)
            .arg(self.words_key(id))
            .arg(self.ttl_ms)
            .arg(rate)
            .arg(audio.bytes())
            .arg(self.audio_budget)
            .arg(id.to_string())
            .arg(self.redis.prefixed("audio:"))
            .arg(token)
            .arg(words);
        pipe.cmd("PUBLISH")
            .arg(self.streamed_channel(id))
            .arg("completed")
            .ignore();
        pipe
    }

    /// Keeps the audio of a completion Redis did not take, and retries its record until
    /// it lands, another claim takes the session, or the session expires. The claim stays
    /// held meanwhile: its lease is renewed, or taken again after it lapsed.
    fn retry_later(&self, session: Session, audio: Arc<RetainedAudio>, pipe: redis::Pipeline) {
        let id = session.id;
        if !self.unrecorded.hold(session, audio, self.ttl()) {
            self.forget_lease(id);
            return;
        }
        tracing::warn!(session = %id,
            "could not record the completed session: its audio is kept here for /file while the record is retried");
        let (redis, ttl) = (self.redis.clone(), self.ttl());
        let (unrecorded, leases) = (Arc::clone(&self.unrecorded), Arc::clone(&self.leases));
        let most =
            RETRY_MAX.min(Duration::from_millis(self.lease_ms / 3).max(Duration::from_millis(50)));
        tokio::spawn(async move {
            let give_up = tokio::time::Instant::now() + ttl;
            let mut delay = Duration::from_millis(50);
            let settled = loop {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(most);
                if tokio::time::Instant::now() >= give_up {
                    break Some(GivenUp::Expired);
                }
                match record(&redis, &pipe).await {
                    Ok(Recorded::Done) => break None,
                    Ok(Recorded::Expired) => break Some(GivenUp::Expired),
                    Ok(Recorded::ClaimedAgain) => break Some(GivenUp::ClaimedAgain),
                    Err(_) => continue,
                }
            };
            leases.lock().remove(&id);
            match settled {
                None => {
                    tracing::info!(session = %id, "recorded the completed session after Redis answered again");
                    unrecorded.recorded(id);
                }
                Some(why) => unrecorded.abandon(id, why, ttl),
            }
        });
    }

    /// Notes that `id`'s claim has lapsed; true once this gateway has seen it lapsed for
    /// a whole lease, when it may take the claim over.
    fn lapsed(&self, id: Uuid) -> bool {
        let now = Instant::now();
        let lease = Duration::from_millis(self.lease_ms);
        let mut seen = self.lapsed.lock();
        if seen.len() >= LAPSED {
            seen.retain(|_, first| now.duration_since(*first) < lease * 4);
            if seen.len() >= LAPSED {
                return true; // Too many to watch: taken over at once, as before leases lapsed.
            }
        }
        let first = *seen.entry(id).or_insert(now);
        now.duration_since(first) >= lease
    }

    /// Whether `id`'s claim has been seen lapsed for a whole lease (see [`Self::lapsed`]).
    fn may_take_over(&self, id: Uuid) -> bool {
        let lease = Duration::from_millis(self.lease_ms);
        self.lapsed
            .lock()
            .get(&id)
            .is_some_and(|first| first.elapsed() >= lease)
    }

    /// A claim whose answer was lost (timeout, dropped connection) may still have been
    /// made, and nobody would stream the session: it would be stuck `streaming` until it
    /// expires. Undoes it in the background, once Redis answers again (within the TTL).
    fn undo_claim(&self, id: Uuid, token: String) {
        let (key, lease) = (self.session_key(id), self.lease_key(id));
        let channel = self.streamed_channel(id);
        let redis = self.redis.clone();
        let give_up = tokio::time::Instant::now() + self.ttl();
        tokio::spawn(async move {
            let mut delay = Duration::from_millis(100);
            while tokio::time::Instant::now() < give_up {
                let mut conn = redis.conn();
                let mut undo = UNCLAIM.prepare_invoke();
                undo.key(&key).key(&lease).arg(&token).arg(&channel);
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

/// How one try to record a completion ended (see [`COMPLETE`]).
enum Recorded {
    Done,
    Expired,
    ClaimedAgain,
}

async fn record(redis: &Redis, pipe: &redis::Pipeline) -> Result<Recorded, RedisError> {
    let mut conn = redis.conn();
    let (outcome,): (i64,) = redis.call("complete", pipe.query_async(&mut conn)).await?;
    Ok(match outcome {
        0 => Recorded::Expired,
        2 => Recorded::ClaimedAgain,
        _ => Recorded::Done,
    })
}

/// The key of `id`'s claim lease.
fn lease_key(redis: &Redis, id: Uuid) -> String {
    redis.key("lease", id)
}

/// Every third of a lease, extends the leases of the streams this gateway holds, in one
/// round trip; ends when the store is dropped.
async fn renew_leases(redis: Redis, leases: Weak<Leases>, lease_ms: u64) {
    let period = Duration::from_millis((lease_ms / 3).max(1));
    loop {
        tokio::time::sleep(period).await;
        let Some(leases) = leases.upgrade() else {
            return;
        };
        let held: Vec<(Uuid, String)> = leases
            .lock()
            .iter()
            .map(|(id, held)| (*id, held.token.clone()))
            .collect();
        drop(leases);
        if held.is_empty() {
            continue;
        }
        let mut renew = RENEW.prepare_invoke();
        renew.arg(lease_ms);
        for (id, token) in &held {
            renew
                .key(lease_key(&redis, *id))
                .key(redis.key("session", id));
            renew.arg(token);
        }
        let mut conn = redis.conn();
        match redis
            .call("renew", renew.invoke_async::<u64>(&mut conn))
            .await
        {
            Ok(0) => {}
            Ok(lost) => tracing::warn!(
                lost,
                "claim leases expired before they could be renewed; those sessions may be streamed twice"
            ),
            Err(e) => tracing::warn!(error = %e, "could not renew claim leases"),
        }
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
        if let Some(known) = self.unrecorded.get(id) {
            // This gateway streamed it and knows best, even while Redis is away.
            let (Known::Waiting(mut session, _) | Known::GivenUp(mut session, _)) = known;
            session.status = Status::Completed;
            session.error = None;
            return Ok(Some(*session));
        }
        let (key, lease) = (self.session_key(id), self.lease_key(id));
        let mut conn = self.redis.conn();
        type Fields = (Option<String>, Option<String>, Option<String>);
        let ((data, status, error), leased): (Fields, bool) = self
            .redis
            .call("get", async move {
                redis::pipe()
                    .cmd("HMGET")
                    .arg(&key)
                    .arg(&["data", "status", "error"])
                    .exists(&lease)
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
        if session.status == Status::Streaming && !leased && self.lapsed(id) {
            // Abandoned by a gateway that died mid-stream (or that has not reached Redis
            // for a lease since this one saw it lapse): claimable again (see CLAIM).
            session.status = Status::Pending;
        }
        session.error = error;
        Ok(Some(session))
    }

    async fn claim(&self, id: Uuid) -> Result<Claim, StoreError> {
        if self.unrecorded.get(id).is_some() {
            return Ok(Claim::Taken(Status::Completed));
        }
        let (key, lease) = (self.session_key(id), self.lease_key(id));
        let token = Uuid::new_v4().to_string();
        let mut conn = self.redis.conn();
        let (ttl, lease_ms) = (self.ttl_ms, self.lease_ms);
        let take_over = if self.may_take_over(id) { "1" } else { "" };
        let reply: Vec<String> = match self
            .redis
            .call("claim", {
                let token = token.clone();
                async move {
                    CLAIM
                        .key(key)
                        .key(lease)
                        .arg(ttl)
                        .arg(token)
                        .arg(lease_ms)
                        .arg(take_over)
                        .invoke_async(&mut conn)
                        .await
                }
            })
            .await
        {
            Ok(reply) => reply,
            Err(e) => {
                self.undo_claim(id, token);
                return Err(unavailable(e));
            }
        };
        match reply.as_slice() {
            [outcome, data] if outcome == "claimed" => {
                let mut session: Session =
                    serde_json::from_str(data).map_err(|e| corrupt(id, e))?;
                session.status = Status::Streaming;
                session.error = None;
                self.lapsed.lock().remove(&id);
                let held = Box::new(session.clone());
                self.leases.lock().insert(
                    id,
                    Held {
                        token,
                        session: held,
                    },
                );
                Ok(Claim::Claimed(Box::new(session)))
            }
            [outcome, status] if outcome == "taken" => Ok(Claim::Taken(
                parse_status(status).ok_or_else(|| corrupt(id, status))?,
            )),
            [outcome] if outcome == "lapsed" => {
                self.lapsed(id);
                Ok(Claim::Taken(Status::Streaming))
            }
            [outcome] if outcome == "missing" => Ok(Claim::NotFound),
            other => Err(corrupt(id, format!("claim answered {other:?}"))),
        }
    }

    async fn release(&self, id: Uuid) -> Result<(), StoreError> {
        self.forget_lease(id);
        let (key, lease) = (self.session_key(id), self.lease_key(id));
        let channel = self.streamed_channel(id);
        let mut conn = self.redis.conn();
        self.redis
            .call("release", async move {
                RELEASE
                    .key(key)
                    .key(lease)
                    .arg(channel)
                    .invoke_async::<()>(&mut conn)
                    .await
            })
            .await
            .map_err(unavailable)
    }

    /// Records the completion and the audio, and stops renewing the claim. When Redis
    /// does not take it, the audio is kept and the record retried in the background
    /// (see the module docs); the error is returned for the caller's log.
    async fn complete(&self, id: Uuid, audio: Arc<RetainedAudio>) -> Result<(), StoreError> {
        let cap = self.audio_cap(audio.sample_rate);
        let retain = audio.bytes() <= cap;
        if !retain {
            tracing::warn!(session = %id, bytes = audio.bytes(), cap,
                "audio larger than the per-session cap is not retained for /file");
        }
        let held = self
            .leases
            .lock()
            .get(&id)
            .map(|h| (h.token.clone(), h.session.clone()));
        let Some((token, session)) = held else {
            return Err(StoreError(format!(
                "session {id} is not claimed by this gateway"
            )));
        };
        let pipe = self.completion(id, &audio, retain, &token);
        match record(&self.redis, &pipe).await {
            Ok(Recorded::Done | Recorded::Expired) => {
                self.forget_lease(id);
                Ok(())
            }
            Ok(Recorded::ClaimedAgain) => {
                self.forget_lease(id);
                self.unrecorded
                    .give_up(*session, GivenUp::ClaimedAgain, self.ttl());
                Err(StoreError(format!(
                    "session {id} was claimed by another gateway after this one lost touch with Redis"
                )))
            }
            Err(e) => {
                let audio = match retain {
                    true => audio,
                    // Not retained for /file: only the record is retried.
                    false => Arc::new(RetainedAudio {
                        sample_rate: audio.sample_rate,
                        samples: Vec::new(),
                        words: Vec::new(),
                    }),
                };
                self.retry_later(*session, audio, pipe);
                Err(unavailable(e))
            }
        }
    }

    async fn fail(&self, id: Uuid, reason: &str) -> Result<(), StoreError> {
        self.forget_lease(id);
        let (key, lease) = (self.session_key(id), self.lease_key(id));
        let reason = reason.to_string();
        let channel = self.streamed_channel(id);
        let mut conn = self.redis.conn();
        let ttl = self.ttl_ms;
        self.redis
            .call("fail", async move {
                FAIL.key(key)
                    .key(lease)
                    .arg(ttl)
                    .arg(reason)
                    .arg(channel)
                    .invoke_async::<()>(&mut conn)
                    .await
            })
            .await
            .map_err(unavailable)
    }

    async fn audio(&self, id: Uuid) -> Result<Option<Arc<RetainedAudio>>, StoreError> {
        match self.unrecorded.get(id) {
            Some(Known::Waiting(_, audio)) if !audio.samples.is_empty() => return Ok(Some(audio)),
            Some(_) => return Ok(None),
            None => {}
        }
        let (session, audio) = (self.session_key(id), self.audio_key(id));
        let words = self.words_key(id);
        let mut conn = self.redis.conn();
        let (rate, pcm, words): (Option<u32>, Option<Vec<u8>>, Option<String>) = self
            .redis
            .call("audio", async move {
                redis::pipe()
                    .hget(&session, "audio_rate")
                    .get(&audio)
                    .get(&words)
                    .query_async(&mut conn)
                    .await
            })
            .await
            .map_err(unavailable)?;
        let (Some(sample_rate), Some(pcm)) = (rate, pcm) else {
            return Ok(None);
        };
        let words = words
            .and_then(|w| serde_json::from_str(&w).ok())
            .unwrap_or_default();
        Ok(Some(Arc::new(RetainedAudio {
            sample_rate,
            samples: pcm::samples(&pcm),
            words,
        })))
    }

    async fn wait_streamed(&self, id: Uuid, limit: Duration) -> Result<(), StoreError> {
        let mut pubsub = self
            .redis
            .subscribe(&self.streamed_channel(id))
            .await
            .map_err(unavailable)?;
        let streaming = self.get(id).await?.map(|s| s.status) == Some(Status::Streaming);
        if streaming {
            let messages = pubsub.on_message();
            tokio::pin!(messages);
            let _ = tokio::time::timeout(limit.min(RECHECK), messages.next()).await;
        }
        Ok(())
    }

    async fn ready(&self) -> Result<(), StoreError> {
        self.redis.ping().await.map_err(unavailable)
    }

    fn unrecorded(&self, id: Uuid) -> Option<String> {
        match self.unrecorded.get(id)? {
            Known::GivenUp(_, why) => Some(why),
            Known::Waiting(..) => None,
        }
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
        let store = RedisStore::new(redis(), &settings, &Metrics::new());
        // 100 characters × 0.25 s × 16 000 Hz × 2 bytes.
        assert_eq!(store.audio_cap(16_000), 800_000);
        settings.audio_budget_bytes = 1000;
        assert_eq!(
            RedisStore::new(redis(), &settings, &Metrics::new()).audio_cap(16_000),
            1000
        );
    }
}
