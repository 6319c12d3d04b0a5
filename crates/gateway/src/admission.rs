//! Admission control: a bounded queue in front of a fixed pool of workers.
//!
//! A "worker" is a permit to synthesise and encode one stream. A stream that finds every
//! worker busy waits in the queue; a stream that finds the queue full is refused at once
//! (the client gets WS error 503 / close 1013) rather than piling up latency for everyone.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub struct Admission {
    workers: Arc<Semaphore>,
    total_workers: usize,
    max_queue: usize,
    queued: AtomicUsize,
}

/// Why a stream was not admitted.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    QueueFull,
}

impl Admission {
    pub fn new(workers: usize, max_queue: usize) -> Self {
        Self {
            workers: Arc::new(Semaphore::new(workers)),
            total_workers: workers,
            max_queue,
            queued: AtomicUsize::new(0),
        }
    }

    /// A worker now if one is free; otherwise a place in the queue, or `QueueFull`.
    /// The returned future resolves when a worker is free; dropping it leaves the queue.
    pub fn admit(&self) -> Result<Admit<'_>, Refused> {
        if let Ok(permit) = Arc::clone(&self.workers).try_acquire_owned() {
            return Ok(Admit::Ready(Some(permit)));
        }
        self.queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| {
                (q < self.max_queue).then_some(q + 1)
            })
            .map_err(|_| Refused::QueueFull)?;
        Ok(Admit::Queued(QueueSlot { admission: self }))
    }

    /// A worker again, for a stream that gave its own back while its reader was behind
    /// (`stream::produce`). It waits its turn with the queued streams (the semaphore is
    /// first come, first served) but outside the queue's bound: it was admitted once.
    pub async fn resume(&self) -> OwnedSemaphorePermit {
        Arc::clone(&self.workers)
            .acquire_owned()
            .await
            .expect("the worker semaphore is never closed")
    }

    pub fn queue_depth(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }
    pub fn max_queue(&self) -> usize {
        self.max_queue
    }
    pub fn busy_workers(&self) -> usize {
        self.total_workers - self.workers.available_permits()
    }
    pub fn total_workers(&self) -> usize {
        self.total_workers
    }
}

/// A successful admission: either a worker already, or a place in the queue.
pub enum Admit<'a> {
    Ready(Option<OwnedSemaphorePermit>),
    Queued(QueueSlot<'a>),
}

impl Admit<'_> {
    /// Waits for a worker. Cancel-safe: dropping the future gives up the queue place.
    pub async fn worker(self) -> OwnedSemaphorePermit {
        match self {
            Admit::Ready(permit) => permit.expect("a ready admission holds its permit"),
            Admit::Queued(slot) => slot.wait().await,
        }
    }
}

/// A place in the queue; leaving it (by being served or by being dropped) frees it.
pub struct QueueSlot<'a> {
    admission: &'a Admission,
}

impl QueueSlot<'_> {
    async fn wait(self) -> OwnedSemaphorePermit {
        self.admission.resume().await
    }
}

impl Drop for QueueSlot<'_> {
    fn drop(&mut self) {
        self.admission.queued.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_refuses_and_a_freed_worker_serves_the_queue() {
        let a = Admission::new(1, 1);
        let first = a.admit().unwrap().worker().await;
        assert_eq!(a.busy_workers(), 1);
        let queued = a.admit().unwrap();
        assert_eq!(a.queue_depth(), 1);
        assert!(matches!(a.admit(), Err(Refused::QueueFull)));
        drop(first);
        let second = queued.worker().await;
        assert_eq!(a.queue_depth(), 0);
        assert_eq!(a.busy_workers(), 1);
        drop(second);
        assert_eq!(a.busy_workers(), 0);
    }

    #[tokio::test]
    async fn leaving_the_queue_frees_the_place() {
        let a = Admission::new(1, 1);
        let _busy = a.admit().unwrap().worker().await;
        let queued = a.admit().unwrap();
        drop(queued);
        assert_eq!(a.queue_depth(), 0);
        assert!(a.admit().is_ok());
    }
}
