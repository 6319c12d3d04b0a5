//! Watching the server (and the generator itself) while a phase runs: CPU time between
//! two snapshots, and resident memory sampled every 50 ms.

use crate::procfs::{clock_ticks_per_sec, Proc};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

pub const RSS_SAMPLE_EVERY: Duration = Duration::from_millis(50);

/// CPU used by the server (if its pid is known) and by this process since [`CpuWatch::start`].
pub struct CpuWatch {
    server: Option<Proc>,
    at: Instant,
    server_ticks: Option<u64>,
    own_ticks: u64,
    server_wait_ns: Option<u64>,
    own_wait_ns: u64,
}

/// CPU time over a phase, and the wall time it spans.
#[derive(Clone, Copy, Debug)]
pub struct CpuUse {
    pub wall: Duration,
    /// `None` without `--pid`, or when the server's `/proc` entry could not be read.
    pub server: Option<Duration>,
    pub own: Duration,
    /// Time the server's threads were runnable but waited for a CPU, summed over threads:
    /// other processes on its core (or its own threads taking turns). Large values mean
    /// the figures say more about the machine than about the server.
    pub server_waited: Option<Duration>,
    pub own_waited: Duration,
}

impl CpuUse {
    /// Share of one core, in percent.
    pub fn percent(cpu: Duration, wall: Duration) -> f64 {
        100.0 * cpu.as_secs_f64() / wall.as_secs_f64().max(1e-9)
    }
}

fn ticks_to_duration(ticks: u64) -> Duration {
    Duration::from_secs_f64(ticks as f64 / clock_ticks_per_sec() as f64)
}

impl CpuWatch {
    pub fn start(server: Option<Proc>) -> Self {
        Self {
            server,
            at: Instant::now(),
            server_ticks: server.and_then(|p| p.cpu_ticks().ok()),
            own_ticks: Proc::Current.cpu_ticks().unwrap_or(0),
            server_wait_ns: server.and_then(|p| p.run_queue_wait_ns().ok()),
            own_wait_ns: Proc::Current.run_queue_wait_ns().unwrap_or(0),
        }
    }

    pub fn stop(&self) -> CpuUse {
        let server = match (self.server, self.server_ticks) {
            (Some(p), Some(before)) => p
                .cpu_ticks()
                .ok()
                .map(|now| ticks_to_duration(now.saturating_sub(before))),
            _ => None,
        };
        let server_waited = match (self.server, self.server_wait_ns) {
            (Some(p), Some(before)) => p
                .run_queue_wait_ns()
                .ok()
                .map(|now| Duration::from_nanos(now.saturating_sub(before))),
            _ => None,
        };
        let own_now = Proc::Current.cpu_ticks().unwrap_or(self.own_ticks);
        let own_wait = Proc::Current
            .run_queue_wait_ns()
            .unwrap_or(self.own_wait_ns);
        CpuUse {
            wall: self.at.elapsed(),
            server,
            own: ticks_to_duration(own_now.saturating_sub(self.own_ticks)),
            server_waited,
            own_waited: Duration::from_nanos(own_wait.saturating_sub(self.own_wait_ns)),
        }
    }
}

/// Samples a value (a process's `VmRSS`, the kernel's TCP buffers …) every
/// [`RSS_SAMPLE_EVERY`] and keeps the largest.
pub struct MaxSampler {
    max: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl MaxSampler {
    /// Samples `VmRSS` of `process`.
    pub fn rss(process: Proc) -> Self {
        Self::start(move || process.rss())
    }

    /// Samples `read` until it fails (the process is gone) or the sampler is stopped.
    pub fn start(read: impl Fn() -> std::io::Result<u64> + Send + 'static) -> Self {
        let max = Arc::new(AtomicU64::new(read().unwrap_or(0)));
        let task = tokio::spawn({
            let max = Arc::clone(&max);
            async move {
                let mut tick = tokio::time::interval(RSS_SAMPLE_EVERY);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                loop {
                    tick.tick().await;
                    match read() {
                        Ok(v) => max.fetch_max(v, Ordering::Relaxed),
                        Err(_) => return,
                    };
                }
            }
        });
        Self { max, task }
    }

    /// The largest value seen so far (0 if never readable).
    pub fn max(&self) -> u64 {
        self.max.load(Ordering::Relaxed)
    }

    /// Stops sampling; returns the largest value seen.
    pub fn stop(self) -> u64 {
        self.task.abort();
        self.max()
    }
}
