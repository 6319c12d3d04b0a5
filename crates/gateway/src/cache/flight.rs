//! [`Flights`]: requests that miss the same key at the same time share one synthesis.
//!
//! A flight is the synthesis of one key under way. Its members read the chunks it has
//! published, each at its own pace, and wait for more; so a follower hears the audio as
//! it is produced, not after the whole sentence. One member at a time is the producer:
//! it holds the engine's stream (`S`), pulls a chunk, publishes it. When the producer
//! goes away before the end (its client left, cancelled, or read too slowly), it leaves
//! its stream in the flight, and the next member that has read everything takes it over
//! and goes on where it stopped: the audio stays one synthesis, with no seam. A flight
//! whose last member leaves is dropped, and with it the engine's stream.
//!
//! The producer never runs the engine here: [`Participant::next`] answers
//! [`Next::Produce`] and the pipeline pulls, with its timeouts and its worker, then
//! [`Participant::publish`]es. This module only orders who reads and who writes.

use super::entry::Key;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::watch;
use tts_core::AudioChunk;

/// The flights under way, by key.
pub struct Flights<S> {
    map: Arc<Mutex<HashMap<Key, Arc<Flight<S>>>>>,
}

impl<S> Default for Flights<S> {
    fn default() -> Self {
        Self {
            map: Arc::default(),
        }
    }
}

struct Flight<S> {
    state: Mutex<State<S>>,
    /// Bumped after every change of `state`; members wait on it.
    changed: watch::Sender<u64>,
}

struct State<S> {
    chunks: Vec<Arc<AudioChunk>>,
    /// `Some` once the producer finished (`Ok`) or failed (`Err`, why, in words).
    end: Option<Result<(), String>>,
    /// `Some` while no member produces: the stream left by the last producer (`None`
    /// inside: none was opened yet), for the next member to take.
    free: Option<Option<S>>,
    members: usize,
}

/// What a member does next.
pub enum Next<S> {
    /// The next chunk of the sentence.
    Chunk(Arc<AudioChunk>),
    /// The sentence is complete and every chunk was read.
    End,
    /// The producer failed; the text says why.
    Failed(String),
    /// This member produces now: with the stream left by the one before, or `None`
    /// when none was opened (look in the shared tier, or open one, then
    /// [`Participant::hold`] it).
    TakeOver(Option<S>),
    /// This member produces: pull the next chunk from its stream and publish it.
    Produce,
}

impl<S> Flights<S> {
    /// A share of `key`'s flight; the first member of a new flight is its producer.
    pub fn join(&self, key: Key) -> Participant<S> {
        let mut map = self.map.lock();
        if let Some(flight) = map.get(&key) {
            let mut state = flight.state.lock();
            if state.end.is_none() {
                state.members += 1;
                drop(state);
                return Participant {
                    flight: Arc::clone(flight),
                    flights: Arc::clone(&self.map),
                    key,
                    cursor: 0,
                    source: None,
                    producing: false,
                    leads: false,
                };
            }
        }
        let (changed, _) = watch::channel(0);
        let flight = Arc::new(Flight {
            state: Mutex::new(State {
                chunks: Vec::new(),
                end: None,
                free: None,
                members: 1,
            }),
            changed,
        });
        map.insert(key, Arc::clone(&flight));
        Participant {
            flight,
            flights: Arc::clone(&self.map),
            key,
            cursor: 0,
            source: None,
            producing: true,
            leads: true,
        }
    }

    /// Flights under way.
    pub fn len(&self) -> usize {
        self.map.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One request's share of a flight.
pub struct Participant<S> {
    flight: Arc<Flight<S>>,
    flights: Arc<Mutex<HashMap<Key, Arc<Flight<S>>>>>,
    key: Key,
    cursor: usize,
    source: Option<S>,
    producing: bool,
    leads: bool,
}

impl<S> Participant<S> {
    /// Whether this member started the flight (a miss, rather than a follower).
    pub fn leads(&self) -> bool {
        self.leads
    }

    /// What to do next; waits while another member produces and every chunk was read.
    pub async fn next(&mut self) -> Next<S> {
        loop {
            let mut changed = self.flight.changed.subscribe();
            {
                let mut state = self.flight.state.lock();
                if let Some(chunk) = state.chunks.get(self.cursor) {
                    self.cursor += 1;
                    return Next::Chunk(Arc::clone(chunk));
                }
                match &state.end {
                    Some(Ok(())) => return Next::End,
                    Some(Err(why)) => return Next::Failed(why.clone()),
                    None => {}
                }
                if self.producing {
                    return match self.source {
                        Some(_) => Next::Produce,
                        None => Next::TakeOver(None),
                    };
                }
                if let Some(source) = state.free.take() {
                    self.producing = true;
                    return Next::TakeOver(source);
                }
            }
            // The sender lives in the flight this member holds: this cannot fail.
            let _ = changed.changed().await;
        }
    }

    /// The producer's stream, once opened or taken over.
    pub fn hold(&mut self, source: S) {
        self.source = Some(source);
    }

    /// The producer's stream.
    pub fn source(&mut self) -> Option<&mut S> {
        self.source.as_mut()
    }

    /// The producer's next chunk, for every member (this one included: its
    /// [`Participant::next`] returns it).
    pub fn publish(&mut self, chunk: AudioChunk) {
        self.flight.state.lock().chunks.push(Arc::new(chunk));
        self.flight.changed.send_modify(|v| *v += 1);
    }

    /// Every chunk published so far.
    pub fn chunks(&self) -> Vec<Arc<AudioChunk>> {
        self.flight.state.lock().chunks.clone()
    }

    /// The producer reached the end: the whole sentence, for the cache. The flight
    /// leaves the map only now, so a request that comes meanwhile joins it instead of
    /// synthesising again (the caller keeps the entry before calling this).
    pub fn finish(&mut self) -> Vec<Arc<AudioChunk>> {
        self.end(Ok(()))
    }

    /// The producer failed; members that read everything get `why`.
    pub fn fail(&mut self, why: String) {
        self.end(Err(why));
    }

    fn end(&mut self, end: Result<(), String>) -> Vec<Arc<AudioChunk>> {
        self.source = None;
        self.producing = false;
        let chunks = {
            let mut state = self.flight.state.lock();
            state.end = Some(end);
            state.chunks.clone()
        };
        self.flight.changed.send_modify(|v| *v += 1);
        self.leave_map();
        chunks
    }

    /// Takes the flight out of the map if it is still the key's.
    fn leave_map(&self) {
        let mut map = self.flights.lock();
        if map
            .get(&self.key)
            .is_some_and(|f| Arc::ptr_eq(f, &self.flight))
        {
            map.remove(&self.key);
        }
    }
}

impl<S> Drop for Participant<S> {
    fn drop(&mut self) {
        let last = {
            let mut state = self.flight.state.lock();
            state.members -= 1;
            if self.producing && state.end.is_none() {
                // Hand the stream to whoever reads on.
                state.free = Some(self.source.take());
            }
            state.members == 0 && state.end.is_none()
        };
        self.flight.changed.send_modify(|v| *v += 1);
        if last {
            // Nobody reads on: drop the flight (and its stream, which stops the engine)
            // unless someone joined since.
            let mut map = self.flights.lock();
            let alone = self.flight.state.lock().members == 0;
            if alone
                && map
                    .get(&self.key)
                    .is_some_and(|f| Arc::ptr_eq(f, &self.flight))
            {
                map.remove(&self.key);
            }
            drop(map);
            if alone {
                self.flight.state.lock().free = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tts_core::SynthesisRequest;

    fn key() -> Key {
        Key::new("e", "f", None, &SynthesisRequest::default(), "Hello.")
    }

    fn chunk(v: i16) -> AudioChunk {
        AudioChunk::new(vec![v; 4], 16_000)
    }

    #[tokio::test]
    async fn a_follower_hears_the_chunks_as_they_come_and_the_end() {
        let flights: Flights<&'static str> = Flights::default();
        let mut leader = flights.join(key());
        let mut follower = flights.join(key());
        assert!(leader.leads() && !follower.leads());
        assert!(matches!(leader.next().await, Next::TakeOver(None)));
        leader.hold("engine");
        assert!(matches!(leader.next().await, Next::Produce));
        leader.publish(chunk(1));
        assert!(matches!(leader.next().await, Next::Chunk(c) if c.samples[0] == 1));
        assert!(matches!(follower.next().await, Next::Chunk(c) if c.samples[0] == 1));
        let waiting = tokio::spawn(async move {
            let n = follower.next().await;
            (follower, n)
        });
        leader.publish(chunk(2));
        let (mut follower, n) = waiting.await.unwrap();
        assert!(matches!(n, Next::Chunk(c) if c.samples[0] == 2));
        assert_eq!(leader.finish().len(), 2);
        assert!(matches!(follower.next().await, Next::End));
        assert!(flights.is_empty());
    }

    #[tokio::test]
    async fn a_follower_takes_the_stream_over_when_the_producer_leaves() {
        let flights: Flights<&'static str> = Flights::default();
        let mut leader = flights.join(key());
        let mut follower = flights.join(key());
        let _ = leader.next().await;
        leader.hold("engine");
        leader.publish(chunk(1));
        drop(leader);
        assert!(matches!(follower.next().await, Next::Chunk(_)));
        assert!(matches!(
            follower.next().await,
            Next::TakeOver(Some("engine"))
        ));
        follower.hold("engine");
        assert!(matches!(follower.next().await, Next::Produce));
        drop(follower);
        assert!(
            flights.is_empty(),
            "the last member's leaving drops the flight"
        );
    }

    #[tokio::test]
    async fn a_failure_reaches_every_member_and_a_new_request_starts_afresh() {
        let flights: Flights<&'static str> = Flights::default();
        let mut leader = flights.join(key());
        let mut follower = flights.join(key());
        let _ = leader.next().await;
        leader.fail("engine crashed".into());
        assert!(matches!(follower.next().await, Next::Failed(w) if w == "engine crashed"));
        assert!(flights.join(key()).leads());
    }
}
