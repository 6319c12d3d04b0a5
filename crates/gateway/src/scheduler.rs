//! First audio first: which stream an engine with a fixed pool works on next.
//!
//! Admission gives a stream a worker for all of its synthesis, and there are more workers
//! (8) than the cores an engine like Piper runs on. With 4–8 paragraphs at once, nothing
//! waits for a worker; everything waits for the engine's pool (`PIPER_MAX_CONCURRENT`
//! threads), one chunk at a time. That wait used to be first come, first served, so a new
//! stream's first sentence queued behind the next chunk of streams already seconds ahead
//! of their listeners.
//!
//! The key decision: an engine that declares its pool ([`Provider::concurrency`]) gets one
//! [`Scheduler`] here, and the pipeline takes a [`Turn`] from it for each chunk it pulls.
//! Turns go earliest deadline first. A stream's deadline is when the audio it has produced
//! so far runs out at real time for a listener who began playing at its first audio — so
//! a new stream's (its first audio) is due shortly after it starts, a stream that is
//! ahead waits behind it, and one that has fallen behind (its deadline passed) goes
//! before both. Equal deadlines go by arrival. The deadlines also bound each turn's
//! length: the engine is told how long a step may take so that everyone waiting is still
//! served in time ([`Scheduler::budget`]).
//!
//! [`Provider::concurrency`]: tts_core::Provider::concurrency

use parking_lot::Mutex;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Turns of one engine's pool.
pub struct Scheduler {
    inner: Mutex<Inner>,
}

struct Inner {
    free: usize,
    arrivals: u64,
    /// Only live waiters: a waiter that gives up removes itself.
    waiting: BinaryHeap<Waiter>,
}

struct Waiter {
    due: Instant,
    arrival: u64,
    grant: oneshot::Sender<()>,
}

impl Waiter {
    fn key(&self) -> (Instant, u64) {
        (self.due, self.arrival)
    }
}

impl PartialEq for Waiter {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Waiter {}
impl PartialOrd for Waiter {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Waiter {
    /// The heap is a max-heap: the earliest deadline, then the earliest arrival, is the
    /// greatest.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

impl Scheduler {
    /// A scheduler for a pool of `capacity` (at least 1) turns.
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                free: capacity.max(1),
                arrivals: 0,
                waiting: BinaryHeap::new(),
            }),
        }
    }

    /// A turn, at once if one is free, otherwise when every waiter due before `due` has
    /// had one. Cancel-safe: dropping the future leaves the queue (and gives back a turn
    /// granted in the meantime).
    pub async fn turn(&self, due: Instant) -> Turn<'_> {
        let (rx, arrival) = {
            let mut inner = self.inner.lock();
            if inner.free > 0 {
                // Free turns and live waiters never coexist: a release hands its turn
                // to a waiter when there is one.
                inner.free -= 1;
                return Turn { scheduler: self };
            }
            let (grant, rx) = oneshot::channel();
            let arrival = inner.arrivals;
            inner.arrivals += 1;
            inner.waiting.push(Waiter {
                due,
                arrival,
                grant,
            });
            (rx, arrival)
        };
        let mut waiting = Waiting {
            scheduler: self,
            arrival,
            rx,
            granted: false,
        };
        // The sender lives in the heap until it is used: it is never dropped unsent.
        let _ = (&mut waiting.rx).await;
        waiting.granted = true;
        Turn { scheduler: self }
    }

    /// Streams waiting for a turn.
    pub fn waiting(&self) -> usize {
        self.inner.lock().waiting.len()
    }

    /// How long a step begun `now` may take so that every stream waiting is still served
    /// by its deadline, if the steps before it take as long: the `j`-th waiter by
    /// deadline gets its turn after `j` such steps, so the budget is the least of
    /// (deadline − now) / j. `None` if nobody waits. A waiter already late is counted
    /// in the places but sets no budget: it is late whatever this step does, and
    /// shrinking every step to the smallest under overload only costs throughput (more
    /// steps, each with its overlap).
    ///
    /// Why: earliest deadline first orders the turns but not their length. Streams that
    /// started together stay in step, reach a sentence's end together, and each asked
    /// for a long step there (a new sentence's encoder and a chunk four times the audio
    /// before it): at 8 paragraphs starting at once on one core, the last of them waited
    /// 1.2 s behind the others' steps (docs/BENCHMARKS.md, issue 12).
    pub fn budget(&self, now: Instant) -> Option<Duration> {
        let mut dues: Vec<Instant> = {
            let inner = self.inner.lock();
            inner.waiting.iter().map(|w| w.due).collect()
        };
        dues.sort_unstable();
        let late = dues.partition_point(|due| *due <= now);
        dues.iter()
            .enumerate()
            .skip(late)
            .map(|(j, due)| due.saturating_duration_since(now) / (j as u32 + 1))
            .min()
    }

    fn release(&self) {
        let mut inner = self.inner.lock();
        match inner.waiting.pop() {
            Some(next) => {
                // Its receiver is alive: a waiter that leaves takes itself out of the
                // heap under this lock before its receiver is dropped.
                let _ = next.grant.send(());
            }
            None => inner.free += 1,
        }
    }
}

/// A turn of the engine's pool, given back when dropped.
pub struct Turn<'a> {
    scheduler: &'a Scheduler,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.scheduler.release();
    }
}

/// A place in the queue, until served or dropped.
struct Waiting<'a> {
    scheduler: &'a Scheduler,
    arrival: u64,
    rx: oneshot::Receiver<()>,
    granted: bool,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.granted {
            return;
        }
        let mut inner = self.scheduler.inner.lock();
        let before = inner.waiting.len();
        let arrival = self.arrival;
        inner.waiting.retain(|w| w.arrival != arrival);
        let served = inner.waiting.len() == before;
        drop(inner);
        if served {
            // Popped and granted after the waiter gave up: pass the turn on.
            self.scheduler.release();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;
    use std::time::Duration;

    #[tokio::test]
    async fn turns_go_earliest_deadline_first_then_by_arrival() {
        let s = Scheduler::new(1);
        let now = Instant::now();
        let held = s.turn(now).await;
        let ahead = Box::pin(s.turn(now + Duration::from_secs(5)));
        let new_a = Box::pin(s.turn(now));
        let behind = Box::pin(s.turn(now - Duration::from_secs(1)));
        let new_b = Box::pin(s.turn(now));
        let mut queued = [ahead, new_a, behind, new_b];
        for q in &mut queued {
            assert!(q.as_mut().now_or_never().is_none());
        }
        assert_eq!(s.waiting(), 4);
        // Serve one at a time and record who got it.
        let mut order = Vec::new();
        let mut current = Some(held);
        let mut done = [false; 4];
        while order.len() < 4 {
            drop(current.take());
            for (i, q) in queued.iter_mut().enumerate() {
                if done[i] {
                    continue;
                }
                if let Some(turn) = q.as_mut().now_or_never() {
                    done[i] = true;
                    order.push(i);
                    current = Some(turn);
                    break;
                }
            }
        }
        assert_eq!(order, [2, 1, 3, 0]);
    }

    #[tokio::test]
    async fn a_steps_budget_lets_every_waiter_be_served_by_its_deadline() {
        let s = Scheduler::new(1);
        let now = Instant::now();
        let held = s.turn(now).await;
        assert_eq!(s.budget(now), None, "nobody waits");
        let secs = Duration::from_secs;
        let mut late = Box::pin(s.turn(now + secs(9)));
        let mut soon = Box::pin(s.turn(now + secs(4)));
        assert!(late.as_mut().now_or_never().is_none());
        assert!(soon.as_mut().now_or_never().is_none());
        // 4 s for the first, (9 s) / 2 for the second.
        assert_eq!(s.budget(now), Some(secs(4)));
        let mut third = Box::pin(s.turn(now + secs(6)));
        assert!(third.as_mut().now_or_never().is_none());
        // Deadlines 4, 6, 9 s: 4 / 1, 6 / 2, 9 / 3.
        assert_eq!(s.budget(now), Some(secs(3)));
        // At 5 s the first is late whatever this step does: 1 s / 2 and 4 s / 3 for the
        // others.
        assert_eq!(s.budget(now + secs(5)), Some(Duration::from_millis(500)));
        assert_eq!(s.budget(now + secs(10)), None, "all late: no limit helps");
        drop((late, soon, third, held));
    }

    #[tokio::test]
    async fn a_waiter_that_leaves_frees_its_place_and_any_turn_it_was_given() {
        let s = Scheduler::new(1);
        let now = Instant::now();
        let held = s.turn(now).await;
        let mut first = Box::pin(s.turn(now));
        let mut second = Box::pin(s.turn(now + Duration::from_secs(1)));
        assert!(first.as_mut().now_or_never().is_none());
        assert!(second.as_mut().now_or_never().is_none());
        drop(held); // granted to `first`, which has not looked yet
        drop(first); // ...and leaves: the turn goes on to `second`
        assert_eq!(s.waiting(), 0);
        let turn = second.as_mut().now_or_never().expect("passed on");
        drop(turn);
        // Everything given back: two turns can be had... only one exists.
        let again = s.turn(now).now_or_never();
        assert!(again.is_some());
        let mut none = Box::pin(s.turn(now));
        assert!(none.as_mut().now_or_never().is_none());
        drop(none);
        assert_eq!(s.waiting(), 0);
    }
}
