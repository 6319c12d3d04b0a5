//! The load phase, in one of two shapes:
//!
//! - closed loop ([`run`]): `concurrency` workers, each starting its next session as soon
//!   as the last one ended, like the seed's stress panel. Throughput is whatever the server
//!   manages, and by Little's law the time per session is `concurrency / throughput`.
//! - open loop ([`run_open`]): sessions start on a fixed schedule of `rate` per second, at
//!   most `concurrency` at once; latency is then measured at a chosen throughput, and a
//!   session that could not start on time shows as start lag.

use crate::session::{self, Target};
use crate::stats::Stats;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Semaphore};

/// Counters the progress line reads while workers run.
#[derive(Default)]
pub struct Progress {
    pub done: AtomicU64,
    pub failed: AtomicU64,
}

/// Runs `sessions` sessions at `concurrency`; returns their merged stats.
pub async fn run(
    target: &Arc<Target>,
    sessions: u64,
    concurrency: usize,
    limit: Duration,
    progress: &Arc<Progress>,
) -> Stats {
    let next = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..(concurrency as u64).min(sessions))
        .map(|_| {
            let (target, next, progress) =
                (Arc::clone(target), Arc::clone(&next), Arc::clone(progress));
            tokio::spawn(async move {
                let mut stats = Stats::default();
                while next.fetch_add(1, Ordering::Relaxed) < sessions {
                    let rep = session::run(&target, limit).await;
                    if rep.failure.is_some() {
                        progress.failed.fetch_add(1, Ordering::Relaxed);
                    }
                    progress.done.fetch_add(1, Ordering::Relaxed);
                    stats.record(rep);
                }
                stats
            })
        })
        .collect();
    let mut all = Stats::default();
    for worker in workers {
        all.merge(worker.await.expect("a load worker panicked"));
    }
    all
}

/// Starts `sessions` sessions at `rate` per second, at most `concurrency` at once.
pub async fn run_open(
    target: &Arc<Target>,
    sessions: u64,
    rate: f64,
    concurrency: usize,
    limit: Duration,
    progress: &Arc<Progress>,
) -> Stats {
    let slots = Arc::new(Semaphore::new(concurrency));
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let collector = async {
        let mut stats = Stats::default();
        while let Some(rep) = done_rx.recv().await {
            stats.record(rep);
        }
        stats
    };
    let dispatcher = async move {
        let start = tokio::time::Instant::now();
        for i in 0..sessions {
            let due = start + Duration::from_secs_f64(i as f64 / rate);
            tokio::time::sleep_until(due).await;
            let slot = Arc::clone(&slots)
                .acquire_owned()
                .await
                .expect("never closed");
            let lag = due.elapsed();
            let (target, progress, done_tx) =
                (Arc::clone(target), Arc::clone(progress), done_tx.clone());
            tokio::spawn(async move {
                let mut rep = session::run(&target, limit).await;
                drop(slot);
                rep.start_lag = Some(lag);
                if rep.failure.is_some() {
                    progress.failed.fetch_add(1, Ordering::Relaxed);
                }
                progress.done.fetch_add(1, Ordering::Relaxed);
                let _ = done_tx.send(rep);
            });
        }
    };
    let ((), stats) = tokio::join!(dispatcher, collector);
    stats
}

/// Prints `[  3.0 s] 3012/20000 sessions, 0 failed, 1004/s` to stderr every second until
/// dropped.
pub struct ProgressLine(tokio::task::JoinHandle<()>);

impl ProgressLine {
    pub fn start(label: &'static str, total: u64, progress: Arc<Progress>) -> Self {
        let started = Instant::now();
        Self(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.tick().await;
            let mut last = 0;
            loop {
                tick.tick().await;
                let done = progress.done.load(Ordering::Relaxed);
                let failed = progress.failed.load(Ordering::Relaxed);
                eprintln!(
                    "[{:6.1} s] {label}: {done}/{total} sessions, {failed} failed, {}/s",
                    started.elapsed().as_secs_f64(),
                    done - last
                );
                last = done;
            }
        }))
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.0.abort();
    }
}
