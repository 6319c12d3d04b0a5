//! [`MemoryStore`]: sessions in process memory, bounded in count, age and audio bytes.
//!
//! Eviction is oldest-first from an insertion-ordered queue, so every operation is O(1)
//! amortised: at a thousand sessions a second, the store must not scan.
//!
//! A `/file` request for a session that is streaming waits on a channel of that session,
//! made on demand and dropped (which wakes every waiter) when the stream completes,
//! fails or is released.

use super::{Claim, RetainedAudio, Session, SessionStore, Status, StoreError};
use async_trait::async_trait;
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use uuid::Uuid;

pub struct MemoryStore {
    ttl: Duration,
    max_sessions: usize,
    audio_budget: usize,
    inner: Mutex<Inner>,
}

struct Entry {
    session: Session,
    created: Instant,
    audio: Option<Arc<RetainedAudio>>,
}

#[derive(Default)]
struct Inner {
    sessions: HashMap<Uuid, Entry>,
    /// Every session id, oldest first (may hold ids already removed).
    order: VecDeque<Uuid>,
    /// Ids with retained audio, in completion order (may hold ids already removed).
    audio_order: VecDeque<Uuid>,
    audio_bytes: usize,
    /// The streaming sessions someone waits for: dropping the sender wakes them. At most
    /// one per streaming session, and removed when it stops streaming.
    waiters: HashMap<Uuid, watch::Sender<()>>,
}

impl MemoryStore {
    pub fn new(ttl: Duration, max_sessions: usize, audio_budget: usize) -> Self {
        Self {
            ttl,
            max_sessions: max_sessions.max(1),
            audio_budget,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Sessions held and bytes of audio retained (for tests and diagnostics).
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.inner.lock();
        (inner.sessions.len(), inner.audio_bytes)
    }

    fn expire(&self, inner: &mut Inner) {
        while let Some(id) = inner.order.front().copied() {
            match inner.sessions.get(&id) {
                None => {
                    inner.order.pop_front();
                }
                Some(e)
                    if e.created.elapsed() >= self.ttl && e.session.status != Status::Streaming =>
                {
                    inner.order.pop_front();
                    inner.remove(id);
                }
                Some(_) => break,
            }
        }
        if inner.order.len() > inner.sessions.len() * 2 + 64 {
            let live = &inner.sessions;
            inner.order.retain(|id| live.contains_key(id));
        }
    }

    /// Makes room for one more session by evicting the oldest that is not streaming.
    fn make_room(&self, inner: &mut Inner) -> bool {
        let mut rotations = inner.order.len();
        while inner.sessions.len() >= self.max_sessions {
            let Some(id) = inner.order.pop_front() else {
                return false;
            };
            match inner.sessions.get(&id).map(|e| e.session.status) {
                None => {}
                Some(Status::Streaming) => {
                    inner.order.push_back(id);
                    if rotations == 0 {
                        return false;
                    }
                    rotations -= 1;
                }
                Some(_) => inner.remove(id),
            }
        }
        true
    }

    fn trim_audio(&self, inner: &mut Inner) {
        while inner.audio_bytes > self.audio_budget {
            let Some(id) = inner.audio_order.pop_front() else {
                break;
            };
            if let Some(e) = inner.sessions.get_mut(&id) {
                if let Some(a) = e.audio.take() {
                    inner.audio_bytes -= a.bytes();
                }
            }
        }
    }

    fn live<'a>(&self, inner: &'a mut Inner, id: Uuid) -> Option<&'a mut Entry> {
        let expired = inner.sessions.get(&id).is_some_and(|e| {
            e.created.elapsed() >= self.ttl && e.session.status != Status::Streaming
        });
        if expired {
            inner.remove(id);
            return None;
        }
        inner.sessions.get_mut(&id)
    }
}

impl Inner {
    fn remove(&mut self, id: Uuid) {
        if let Some(e) = self.sessions.remove(&id) {
            if let Some(a) = e.audio {
                self.audio_bytes -= a.bytes();
            }
        }
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn insert(&self, session: Session) -> Result<(), StoreError> {
        let mut inner = self.inner.lock();
        self.expire(&mut inner);
        if !self.make_room(&mut inner) {
            return Err(StoreError(format!(
                "all {} session slots hold streaming sessions",
                self.max_sessions
            )));
        }
        let id = session.id;
        inner.order.push_back(id);
        inner.sessions.insert(
            id,
            Entry {
                session,
                created: Instant::now(),
                audio: None,
            },
        );
        Ok(())
    }

    async fn get(&self, id: Uuid) -> Result<Option<Session>, StoreError> {
        let mut inner = self.inner.lock();
        Ok(self.live(&mut inner, id).map(|e| e.session.clone()))
    }

    async fn claim(&self, id: Uuid) -> Result<Claim, StoreError> {
        let mut inner = self.inner.lock();
        Ok(match self.live(&mut inner, id) {
            None => Claim::NotFound,
            Some(e) if e.session.status == Status::Pending => {
                e.session.status = Status::Streaming;
                Claim::Claimed(Box::new(e.session.clone()))
            }
            Some(e) => Claim::Taken(e.session.status),
        })
    }

    async fn release(&self, id: Uuid) -> Result<(), StoreError> {
        let mut inner = self.inner.lock();
        if let Some(e) = inner.sessions.get_mut(&id) {
            if e.session.status == Status::Streaming {
                e.session.status = Status::Pending;
            }
        }
        inner.waiters.remove(&id);
        Ok(())
    }

    async fn complete(&self, id: Uuid, audio: Arc<RetainedAudio>) -> Result<(), StoreError> {
        let mut inner = self.inner.lock();
        let bytes = audio.bytes();
        let Some(e) = inner.sessions.get_mut(&id) else {
            return Ok(());
        };
        e.session.status = Status::Completed;
        e.session.error = None;
        let old = e.audio.replace(audio);
        inner.audio_bytes += bytes;
        if let Some(old) = old {
            inner.audio_bytes -= old.bytes();
        }
        inner.audio_order.push_back(id);
        inner.waiters.remove(&id);
        self.trim_audio(&mut inner);
        Ok(())
    }

    async fn fail(&self, id: Uuid, reason: &str) -> Result<(), StoreError> {
        let mut inner = self.inner.lock();
        if let Some(e) = inner.sessions.get_mut(&id) {
            e.session.status = Status::Failed;
            e.session.error = Some(reason.to_string());
        }
        inner.waiters.remove(&id);
        Ok(())
    }

    async fn audio(&self, id: Uuid) -> Result<Option<Arc<RetainedAudio>>, StoreError> {
        let mut inner = self.inner.lock();
        Ok(self.live(&mut inner, id).and_then(|e| e.audio.clone()))
    }

    async fn wait_streamed(&self, id: Uuid, limit: Duration) -> Result<(), StoreError> {
        let mut changed = {
            let mut inner = self.inner.lock();
            let streaming = self
                .live(&mut inner, id)
                .is_some_and(|e| e.session.status == Status::Streaming);
            if !streaming {
                return Ok(());
            }
            let waiters = inner.waiters.entry(id);
            waiters.or_insert_with(|| watch::channel(()).0).subscribe()
        };
        // Woken by the sender's drop (an `Err` here): the stream has ended.
        let _ = tokio::time::timeout(limit, changed.changed()).await;
        Ok(())
    }

    fn sweep(&self) {
        let mut inner = self.inner.lock();
        self.expire(&mut inner);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{unix_now, SessionRequest};
    use super::*;

    fn session() -> Session {
        Session {
            id: Uuid::new_v4(),
            request: SessionRequest {
                provider: "mock_tone".into(),
                voice: "v".into(),
                text: "t".into(),
                target_format: "pcm16".into(),
                sample_rate_hz: 16000,
                native_rate_hz: 16000,
                language: None,
                bitrate_kbps: None,
                speed: None,
                pitch: None,
                word_timestamps: false,
                reading: Default::default(),
                cache: Default::default(),
            },
            status: Status::Pending,
            error: None,
            created_at: unix_now(),
        }
    }

    #[tokio::test]
    async fn a_session_is_claimed_once() {
        let s = MemoryStore::new(Duration::from_secs(60), 10, 1 << 20);
        let x = session();
        s.insert(x.clone()).await.unwrap();
        assert!(matches!(s.claim(x.id).await.unwrap(), Claim::Claimed(_)));
        assert!(matches!(
            s.claim(x.id).await.unwrap(),
            Claim::Taken(Status::Streaming)
        ));
        s.release(x.id).await.unwrap();
        assert!(matches!(s.claim(x.id).await.unwrap(), Claim::Claimed(_)));
    }

    /// Each way a stream ends wakes a `/file` waiting for it; the limit alone (an hour
    /// here) never does within the test.
    #[tokio::test]
    async fn a_wait_for_a_streaming_session_ends_when_its_stream_ends() {
        let store = Arc::new(MemoryStore::new(Duration::from_secs(60), 10, 1 << 20));
        let audio = Arc::new(RetainedAudio {
            sample_rate: 8000,
            samples: vec![0; 4],
            words: Vec::new(),
        });
        for end in ["complete", "fail", "release"] {
            let x = session();
            store.insert(x.clone()).await.unwrap();
            assert!(matches!(
                store.claim(x.id).await.unwrap(),
                Claim::Claimed(_)
            ));
            let waiter = tokio::spawn({
                let store = Arc::clone(&store);
                async move { store.wait_streamed(x.id, Duration::from_secs(3600)).await }
            });
            while !store.inner.lock().waiters.contains_key(&x.id) {
                tokio::task::yield_now().await;
            }
            match end {
                "complete" => store.complete(x.id, Arc::clone(&audio)).await.unwrap(),
                "fail" => store.fail(x.id, "engine failed").await.unwrap(),
                _ => store.release(x.id).await.unwrap(),
            }
            tokio::time::timeout(Duration::from_secs(10), waiter)
                .await
                .unwrap_or_else(|_| panic!("{end} did not wake the waiter"))
                .unwrap()
                .unwrap();
            assert!(store.inner.lock().waiters.is_empty(), "{end}");
        }
        // A session that is not streaming is not waited for.
        let x = session();
        store.insert(x.clone()).await.unwrap();
        store
            .wait_streamed(x.id, Duration::from_secs(3600))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn count_and_audio_stay_within_bounds() {
        let s = MemoryStore::new(Duration::from_secs(60), 3, 10);
        let mut ids = vec![];
        for _ in 0..5 {
            let x = session();
            ids.push(x.id);
            s.insert(x).await.unwrap();
            let audio = Arc::new(RetainedAudio {
                sample_rate: 8000,
                samples: vec![0; 4],
                words: Vec::new(),
            });
            s.claim(*ids.last().unwrap()).await.unwrap();
            s.complete(*ids.last().unwrap(), audio).await.unwrap();
        }
        let (count, bytes) = s.usage();
        assert_eq!(count, 3);
        assert!(bytes <= 10);
        assert!(s.get(ids[0]).await.unwrap().is_none());
        assert!(s.audio(ids[4]).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn streaming_sessions_are_never_evicted() {
        let s = MemoryStore::new(Duration::from_secs(60), 1, 10);
        let x = session();
        s.insert(x.clone()).await.unwrap();
        s.claim(x.id).await.unwrap();
        assert!(s.insert(session()).await.is_err());
    }

    #[tokio::test]
    async fn sessions_expire_after_the_ttl() {
        let s = MemoryStore::new(Duration::ZERO, 10, 10);
        let x = session();
        s.insert(x.clone()).await.unwrap();
        assert!(s.get(x.id).await.unwrap().is_none());
    }
}
