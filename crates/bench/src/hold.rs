//! The slow-readers mode (`--hold N`): what N streams whose clients barely read cost the
//! server in memory, and whether it protects itself.
//!
//! Every stream is created and connected first; then each reads one message per
//! `--hold-read-ms` (or nothing at all) for `--hold-secs`; then all read to the end at full
//! speed. The gateway closes a stream whose buffer stays full for SLOW_CLIENT_TIMEOUT_MS
//! (error frame 408, close 1008); a slow client that keeps reading should get its `eos`.
//! Server memory is sampled throughout, and compared with before and after.

use crate::monitor::{CpuUse, CpuWatch, MaxSampler};
use crate::procfs::{self, Proc};
use crate::session::{Failed, Failure, SessionReport, Target};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch, Semaphore};

pub struct HoldPlan {
    pub streams: usize,
    pub hold: Duration,
    /// One message per this interval during the hold; `None`: read nothing until the end.
    pub read_every: Option<Duration>,
    /// Streams being created and connected at once.
    pub open_concurrency: usize,
    /// Limit for opening one stream, and for draining it after the hold.
    pub limit: Duration,
    /// Wait after the last stream ended before reading the server's memory "after".
    pub settle: Duration,
    pub quiet: bool,
}

#[derive(Default)]
pub struct HoldReport {
    pub opened: u64,
    /// Streams that ended with `eos` and passed every check.
    pub completed: u64,
    /// Streams the server ended while the client was holding (for any reason).
    pub ended_during_hold: u64,
    /// Failures by cause, opening included (`WS 408`: closed as a slow client).
    pub failures: BTreeMap<Failure, u64>,
    pub first_detail: BTreeMap<Failure, String>,
    pub frames: u64,
    pub audio_bytes: u64,
    /// Time to create and connect every stream.
    pub open_time: Duration,
    pub memory: Option<HoldMemory>,
    pub tcp_buffers: Option<TcpBuffers>,
    pub cpu: Option<CpuUse>,
}

/// Kernel TCP buffer memory of the whole machine (both ends of every connection), bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct TcpBuffers {
    pub before: u64,
    pub max: u64,
}

/// The server's resident memory, in bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct HoldMemory {
    pub before: u64,
    /// Largest `VmRSS` sampled from the first stream opened to the last one closed.
    pub max: u64,
    /// `VmRSS` just before the streams were released.
    pub end_of_hold: u64,
    /// `VmRSS` after every stream ended and the settle time passed.
    pub after: u64,
    /// `VmHWM`: the largest resident size since the server started.
    pub peak_since_start: u64,
}

impl HoldReport {
    pub fn slow_closed(&self) -> u64 {
        self.failures.get(&Failure::Ws(408)).copied().unwrap_or(0)
    }
}

struct Ended {
    report: SessionReport,
    during_hold: bool,
}

pub async fn run(target: &Arc<Target>, plan: &HoldPlan, server: Option<Proc>) -> HoldReport {
    let before = server.and_then(|p| p.rss().ok());
    let sampler = server.map(MaxSampler::rss);
    let tcp_before = procfs::tcp_buffer_bytes().ok();
    let tcp = MaxSampler::start(procfs::tcp_buffer_bytes);
    let cpu = CpuWatch::start(server);
    let started = Instant::now();

    let (release_tx, release) = watch::channel(false);
    let (opened_tx, mut opened_rx) = mpsc::unbounded_channel::<bool>();
    let gate = Arc::new(Semaphore::new(plan.open_concurrency.max(1)));
    let tasks: Vec<_> = (0..plan.streams)
        .map(|_| {
            let (target, gate, opened_tx, release) = (
                Arc::clone(target),
                Arc::clone(&gate),
                opened_tx.clone(),
                release.clone(),
            );
            let (limit, read_every) = (plan.limit, plan.read_every);
            tokio::spawn(async move {
                hold_one(&target, &gate, opened_tx, release, limit, read_every).await
            })
        })
        .collect();
    drop(opened_tx);

    let mut report = HoldReport::default();
    while let Some(ok) = opened_rx.recv().await {
        report.opened += u64::from(ok);
    }
    report.open_time = started.elapsed();
    if !plan.quiet {
        eprintln!(
            "hold: {} of {} streams open after {:.1} s; holding for {:.0} s",
            report.opened,
            plan.streams,
            report.open_time.as_secs_f64(),
            plan.hold.as_secs_f64()
        );
    }
    hold_for(plan, server, &sampler).await;
    let end_of_hold = server.and_then(|p| p.rss().ok());
    let _ = release_tx.send(true);

    for task in tasks {
        let ended = task.await.expect("a hold task panicked");
        report.ended_during_hold += u64::from(ended.during_hold);
        report.frames += ended.report.frames;
        report.audio_bytes += ended.report.audio_bytes;
        match ended.report.failure {
            None => report.completed += 1,
            Some((failure, detail)) => {
                *report.failures.entry(failure).or_default() += 1;
                report.first_detail.entry(failure).or_insert(detail);
            }
        }
    }
    report.cpu = Some(cpu.stop());
    let max = sampler.map(MaxSampler::stop);
    report.tcp_buffers = tcp_before.map(|before| TcpBuffers {
        before,
        max: tcp.stop(),
    });
    tokio::time::sleep(plan.settle).await;
    if let (Some(p), Some(before), Some(max), Some(end_of_hold)) =
        (server, before, max, end_of_hold)
    {
        report.memory = Some(HoldMemory {
            before,
            max,
            end_of_hold,
            after: p.rss().unwrap_or(0),
            peak_since_start: p.peak_rss().unwrap_or(0),
        });
    }
    report
}

/// Waits out the hold, printing the server's memory every 5 s.
async fn hold_for(plan: &HoldPlan, server: Option<Proc>, sampler: &Option<MaxSampler>) {
    let until = tokio::time::Instant::now() + plan.hold;
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    tick.tick().await;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(until) => return,
            _ = tick.tick() => {
                if let (false, Some(p), Some(s)) = (plan.quiet, server, sampler) {
                    let rss = p.rss().unwrap_or(0);
                    eprintln!("hold: server VmRSS {:.1} MiB (max so far {:.1} MiB)", mib(rss), mib(s.max()));
                }
            }
        }
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

async fn hold_one(
    target: &Target,
    gate: &Semaphore,
    opened_tx: mpsc::UnboundedSender<bool>,
    mut release: watch::Receiver<bool>,
    limit: Duration,
    read_every: Option<Duration>,
) -> Ended {
    let mut report = SessionReport::default();
    let opened = {
        let _permit = gate.acquire().await.expect("the gate is never closed");
        let t0 = Instant::now();
        tokio::time::timeout(limit, target.open(t0, &mut report)).await
    };
    let _ = opened_tx.send(matches!(opened, Ok(Ok(_))));
    drop(opened_tx);
    let mut stream = match opened {
        Ok(Ok(stream)) => stream,
        Ok(Err(failed)) => return failed_with(report, failed),
        Err(_) => return failed_with(report, (Failure::Timeout, "opening took too long".into())),
    };

    let mut end = None;
    if let Some(every) = read_every {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = release.wait_for(|&r| r) => break,
                _ = tick.tick() => {}
            }
            tokio::select! {
                _ = release.wait_for(|&r| r) => break,
                step = stream.step(&mut report) => if let Some(e) = step {
                    end = Some(e);
                    break;
                },
            }
        }
    } else {
        let _ = release.wait_for(|&r| r).await;
    }
    let during_hold = end.is_some();
    let end = match end {
        Some(e) => e,
        None => tokio::time::timeout(limit, stream.read_to_end(&mut report))
            .await
            .unwrap_or_else(|_| Err((Failure::Timeout, "draining took too long".into()))),
    };
    report.failure = end.err();
    stream.close().await;
    Ended {
        report,
        during_hold,
    }
}

fn failed_with(mut report: SessionReport, failed: Failed) -> Ended {
    report.failure = Some(failed);
    Ended {
        report,
        during_hold: false,
    }
}
