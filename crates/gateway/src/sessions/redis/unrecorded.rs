//! [`Unrecorded`]: completions Redis could not take when their stream ended.
//!
//! The client has every frame and its `eos`; the audio it heard exists only in this
//! gateway. Synthesising the session again for `/file` would give other audio with an
//! engine that samples noise (Piper), so the audio is kept here while the record is
//! retried, and this gateway answers for the session from it. Bounded in memory (a
//! quarter of `SESSION_AUDIO_BUDGET_MB`; beyond that a completion is given up at once)
//! and in time (the session's TTL). A completion given up is remembered, without its
//! audio, until the session would have expired, so that `/file` here says what happened.

use super::Session;
use crate::metrics::{LateRecordLabels, Metrics};
use crate::sessions::RetainedAudio;
use parking_lot::Mutex;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// At most this many completions given up are remembered (a few hundred bytes each).
const MAX_GIVEN_UP: usize = 10_000;

/// Why a completion was never recorded: a [`LateRecordLabels`] outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GivenUp {
    /// Redis did not take it before the session's TTL ran out.
    Expired,
    /// Another gateway claimed the session after this one's lease lapsed.
    ClaimedAgain,
    /// More audio was already waiting here than this gateway keeps.
    NoRoom,
}

impl GivenUp {
    fn outcome(self) -> &'static str {
        match self {
            GivenUp::Expired => "expired",
            GivenUp::ClaimedAgain => "claimed_again",
            GivenUp::NoRoom => "no_room",
        }
    }

    fn why(self) -> &'static str {
        match self {
            GivenUp::Expired => "Redis could not be reached before the session expired",
            GivenUp::ClaimedAgain => {
                "another gateway claimed the session after this one lost touch with Redis"
            }
            GivenUp::NoRoom => {
                "Redis could not be reached and this gateway already held as much unrecorded audio as it keeps"
            }
        }
    }
}

enum Entry {
    Waiting {
        session: Box<Session>,
        audio: Arc<RetainedAudio>,
        /// What this entry costs: the samples and the pipeline's copy of them.
        bytes: usize,
    },
    GivenUp {
        session: Box<Session>,
        why: GivenUp,
        until: Instant,
    },
}

/// What this gateway knows of a session whose completion it could not record.
pub enum Known {
    /// Still retried: the audio the client heard.
    Waiting(Box<Session>, Arc<RetainedAudio>),
    /// Given up: the session, and a sentence on why its audio is not kept.
    GivenUp(Box<Session>, String),
}

pub struct Unrecorded {
    entries: Mutex<(HashMap<Uuid, Entry>, usize)>,
    cap: usize,
    /// `tts_unrecorded_completions` and `tts_late_records_total`.
    waiting: Gauge,
    settled: Family<LateRecordLabels, Counter>,
}

impl Unrecorded {
    pub fn new(cap: usize, metrics: &Metrics) -> Self {
        Self {
            entries: Mutex::default(),
            cap,
            waiting: metrics.unrecorded.clone(),
            settled: metrics.late_records.clone(),
        }
    }

    /// Keeps `audio` for `session` while its record is retried; false (and the
    /// completion given up) when that would exceed the cap.
    pub fn hold(&self, session: Session, audio: Arc<RetainedAudio>, ttl: Duration) -> bool {
        let bytes = audio.bytes() * 2;
        let mut guard = self.entries.lock();
        let (entries, held) = &mut *guard;
        if *held + bytes > self.cap {
            drop(guard);
            self.give_up(session, GivenUp::NoRoom, ttl);
            return false;
        }
        *held += bytes;
        let session = Box::new(session);
        let entry = Entry::Waiting {
            session,
            audio,
            bytes,
        };
        if let Some(old) = entries.insert(entry_id(&entry), entry) {
            *held -= cost(&old);
        }
        self.waiting.set(count_waiting(entries));
        true
    }

    /// The retry of `id` landed: Redis has the record, and the audio is dropped here.
    pub fn recorded(&self, id: Uuid) {
        self.settle(id, None, Duration::ZERO);
        self.count("recorded");
    }

    /// The retry of `id` ended without a record: logged, counted, remembered until `ttl`.
    pub fn abandon(&self, id: Uuid, why: GivenUp, ttl: Duration) {
        self.settle(id, Some(why), ttl);
    }

    /// What is known here of `id`, if its completion could not be recorded.
    pub fn get(&self, id: Uuid) -> Option<Known> {
        let guard = self.entries.lock();
        match guard.0.get(&id)? {
            Entry::Waiting { session, audio, .. } => {
                Some(Known::Waiting(session.clone(), Arc::clone(audio)))
            }
            Entry::GivenUp { until, .. } if *until <= Instant::now() => None,
            Entry::GivenUp { session, why, .. } => Some(Known::GivenUp(
                session.clone(),
                format!(
                    "the audio streamed for session {id} was not recorded ({}), so it is not kept; synthesising it again would not give the audio that was heard",
                    why.why()
                ),
            )),
        }
    }

    fn settle(&self, id: Uuid, why: Option<GivenUp>, ttl: Duration) {
        let mut guard = self.entries.lock();
        let (entries, held) = &mut *guard;
        let Some(entry) = entries.remove(&id) else {
            return;
        };
        *held -= cost(&entry);
        self.waiting.set(count_waiting(entries));
        drop(guard);
        if let (Some(why), Entry::Waiting { session, .. }) = (why, entry) {
            self.give_up(*session, why, ttl);
        }
    }

    pub fn give_up(&self, session: Session, why: GivenUp, ttl: Duration) {
        tracing::warn!(session = %session.id, reason = why.why(),
            "the completed session was never recorded in Redis: its audio is dropped, and /file on this gateway answers 410");
        self.count(why.outcome());
        let now = Instant::now();
        let mut guard = self.entries.lock();
        let entries = &mut guard.0;
        entries.retain(|_, e| !matches!(e, Entry::GivenUp { until, .. } if *until <= now));
        let given_up = entries.len() - count_waiting(entries) as usize;
        if given_up >= MAX_GIVEN_UP {
            let oldest = entries
                .iter()
                .filter_map(|(id, e)| match e {
                    Entry::GivenUp { until, .. } => Some((*until, *id)),
                    Entry::Waiting { .. } => None,
                })
                .min();
            if let Some((_, id)) = oldest {
                entries.remove(&id);
            }
        }
        let id = session.id;
        let until = now + ttl;
        let session = Box::new(session);
        entries.insert(
            id,
            Entry::GivenUp {
                session,
                why,
                until,
            },
        );
    }

    fn count(&self, outcome: &'static str) {
        self.settled
            .get_or_create(&LateRecordLabels { outcome })
            .inc();
    }
}

fn entry_id(entry: &Entry) -> Uuid {
    match entry {
        Entry::Waiting { session, .. } | Entry::GivenUp { session, .. } => session.id,
    }
}

fn cost(entry: &Entry) -> usize {
    match entry {
        Entry::Waiting { bytes, .. } => *bytes,
        Entry::GivenUp { .. } => 0,
    }
}

fn count_waiting(entries: &HashMap<Uuid, Entry>) -> i64 {
    entries
        .values()
        .filter(|e| matches!(e, Entry::Waiting { .. }))
        .count() as i64
}
