//! The run's figures, as a table for people and a JSON file for tools, and its verdict.

use super::faults::FaultRecord;
use super::ledger::Ledger;
use super::watch::{self, Gauges, Sample};
use super::{Baselines, Options, Slot};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering::SeqCst;
use std::time::{Duration, Instant};

/// How long the gateways get to fall back to rest once the load has stopped.
const REST_LIMIT: Duration = Duration::from_secs(30);

/// A gateway after the load: did it fall back to rest, and how long did that take.
#[derive(Clone, Debug, Serialize)]
pub struct Rest {
    pub gateway: String,
    pub incarnation: u32,
    pub reached: bool,
    pub after_s: f64,
    pub gauges: Option<Gauges>,
    pub fds: u64,
    pub fds_baseline: u64,
    pub runtime_tasks_baseline: u64,
}

/// Polls every gateway until its gauges are at rest and its descriptors and runtime tasks
/// are back within the slack of its idle baseline, or [`REST_LIMIT`].
pub async fn rest(
    slots: &[Slot],
    baselines: &Baselines,
    fd_slack: u64,
    task_slack: u64,
) -> Vec<Rest> {
    let start = Instant::now();
    let mut out = Vec::new();
    for s in slots {
        let (pid, inc) = (s.pid.load(SeqCst), s.incarnation.load(SeqCst));
        let (fds_base, tasks_base) = baselines.get(&s.name, inc).unwrap_or((0, 0));
        loop {
            let g = watch::gauges(&s.url).await;
            let fds = watch::fds(pid);
            let reached = g
                .is_some_and(|g| g.at_rest() && g.runtime_tasks as u64 <= tasks_base + task_slack)
                && fds <= fds_base + fd_slack;
            if reached || start.elapsed() > REST_LIMIT {
                out.push(Rest {
                    gateway: s.name.clone(),
                    incarnation: inc,
                    reached,
                    after_s: start.elapsed().as_secs_f64(),
                    gauges: g,
                    fds,
                    fds_baseline: fds_base,
                    runtime_tasks_baseline: tasks_base,
                });
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    out
}

#[derive(Debug, Serialize)]
pub struct Memory {
    pub gateway: String,
    pub rss_after_warmup: u64,
    pub rss_at_end: u64,
    pub growth_pct: f64,
    pub peak_rss: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct OutcomeRow {
    pub door: String,
    pub engine: String,
    pub outcome: String,
    pub count: u64,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub duration_s: f64,
    pub warmup_s: f64,
    pub clients: usize,
    pub abusers: usize,
    pub piper: bool,
    pub units: u64,
    pub outcomes: Vec<OutcomeRow>,
    pub problems: u64,
    pub problem_examples: Vec<String>,
    pub faults: Vec<FaultRecord>,
    pub memory: Vec<Memory>,
    pub rest: Vec<Rest>,
    pub panics: Vec<String>,
    pub failures: Vec<String>,
    pub samples: Vec<Sample>,
}

pub struct Inputs<'a> {
    pub opts: &'a Options,
    pub ledger: &'a Ledger,
    pub faults: Vec<FaultRecord>,
    pub samples: Vec<Sample>,
    pub rest: Vec<Rest>,
    pub panics: Vec<String>,
    pub peaks: Vec<(String, Option<u64>)>,
    pub warm_at: f64,
    pub load_end: f64,
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

impl Report {
    pub fn build(i: Inputs<'_>) -> Self {
        let outcomes = i
            .ledger
            .counts()
            .into_iter()
            .map(|((door, engine, outcome), count)| OutcomeRow {
                door,
                engine,
                outcome,
                count,
            })
            .collect();
        let (problems, problem_examples) = i.ledger.problems();
        // Memory of each gateway's first incarnation, over its whole life under load:
        // gateway-1 runs from start to end; gateway-2 is restarted by the SIGTERM fault.
        let mut memory = Vec::new();
        for (name, peak) in &i.peaks {
            let first: Vec<&Sample> = i
                .samples
                .iter()
                .filter(|s| &s.gateway == name && s.incarnation == 0)
                .collect();
            let last_t = first.last().map_or(0.0, |s| s.t).min(i.load_end);
            let window = |from: f64, to: f64| {
                median(
                    first
                        .iter()
                        .filter(|s| s.t >= from && s.t <= to && s.rss_bytes > 0)
                        .map(|s| s.rss_bytes)
                        .collect(),
                )
            };
            let start = window(i.warm_at - 5.0, i.warm_at);
            let end = window(last_t - 5.0, last_t);
            let growth_pct = if start > 0 {
                (end as f64 - start as f64) / start as f64 * 100.0
            } else {
                0.0
            };
            memory.push(Memory {
                gateway: name.clone(),
                rss_after_warmup: start,
                rss_at_end: end,
                growth_pct,
                peak_rss: *peak,
            });
        }
        let mut failures = Vec::new();
        if problems > 0 {
            failures.push(format!("{problems} problem outcomes (lost, mismatched, unterminated, disordered or unexpected)"));
        }
        for r in &i.rest {
            if !r.reached {
                failures.push(format!(
                    "{} not at rest {:.0} s after the load: {:?}, fds {} (idle {} + slack {})",
                    r.gateway, r.after_s, r.gauges, r.fds, r.fds_baseline, i.opts.fd_slack
                ));
            }
        }
        if !i.panics.is_empty() {
            failures.push(format!("{} panics in the gateways' logs", i.panics.len()));
        }
        for f in &i.faults {
            if f.recovery_s.is_none() {
                failures.push(format!("no recovery after: {}", f.fault));
            }
        }
        // gateway-1 lives through the whole run; its growth is the one that must stay small.
        if let Some(m) = memory.first() {
            if m.growth_pct > i.opts.rss_limit_pct {
                failures.push(format!(
                    "{} resident memory grew {:.1} % after warm-up (limit {} %)",
                    m.gateway, m.growth_pct, i.opts.rss_limit_pct
                ));
            }
        }
        Self {
            duration_s: i.opts.duration.as_secs_f64(),
            warmup_s: i.opts.warmup.as_secs_f64(),
            clients: i.opts.clients,
            abusers: i.opts.abusers,
            piper: i.opts.piper,
            units: i.ledger.total(),
            outcomes,
            problems,
            problem_examples,
            faults: i.faults,
            memory,
            rest: i.rest,
            panics: i.panics,
            failures,
            samples: i.samples,
        }
    }

    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// The table for people.
    pub fn text(&self) -> String {
        let mut o = String::new();
        let mib = |b: u64| b as f64 / 1048576.0;
        o += &format!(
            "soak: {:.0} s of load ({:.0} s warm-up), {} clients + {} abusers, piper {}\n\n",
            self.duration_s,
            self.warmup_s,
            self.clients,
            self.abusers,
            if self.piper { "on" } else { "off" }
        );
        o += &format!(
            "units of work: {} (sessions, contexts, requests, abuse attempts)\n\n",
            self.units
        );
        let mut by_door: BTreeMap<&str, u64> = BTreeMap::new();
        for r in &self.outcomes {
            *by_door.entry(&r.door).or_default() += r.count;
        }
        o += &format!(
            "{:<28} {:<10} {:<42} {:>7}\n",
            "door", "engine", "outcome", "count"
        );
        for r in &self.outcomes {
            o += &format!(
                "{:<28} {:<10} {:<42} {:>7}\n",
                r.door, r.engine, r.outcome, r.count
            );
        }
        o += "\nfaults:\n";
        for f in &self.faults {
            o += &format!(
                "  {:>7.1} s  {:<46} held {:>4.1} s  recovered {}  {}\n",
                f.at_s,
                f.fault,
                f.held_s,
                f.recovery_s
                    .map_or("NEVER".into(), |r| format!("{r:>5.2} s")),
                f.note
            );
        }
        o += "\nmemory (first incarnation of each gateway):\n";
        for m in &self.memory {
            o += &format!(
                "  {}: RSS {:.1} MiB after warm-up, {:.1} MiB at the end ({:+.1} %), peak {}\n",
                m.gateway,
                mib(m.rss_after_warmup),
                mib(m.rss_at_end),
                m.growth_pct,
                m.peak_rss
                    .map_or("?".into(), |p| format!("{:.1} MiB", mib(p)))
            );
        }
        o += "\nat rest after the load:\n";
        for r in &self.rest {
            let g = r.gauges.unwrap_or_default();
            o += &format!(
                "  {} (incarnation {}): {} after {:.1} s; workers busy {}, queued {}, streams {}, contexts {}, stream tasks {}, runtime tasks {} (idle {}), fds {} (idle {})\n",
                r.gateway, r.incarnation, if r.reached { "at rest" } else { "NOT at rest" }, r.after_s,
                g.workers_busy, g.queue_depth, g.active_streams, g.contexts_open, g.stream_tasks,
                g.runtime_tasks, r.runtime_tasks_baseline, r.fds, r.fds_baseline
            );
        }
        o += &format!("\npanics in gateway logs: {}\n", self.panics.len());
        for p in self.panics.iter().take(5) {
            o += &format!("  {p}\n");
        }
        o += &format!("problems: {}\n", self.problems);
        for p in self.problem_examples.iter().take(20) {
            o += &format!("  {p}\n");
        }
        o += &if self.passed() {
            "\nverdict: PASS\n".to_string()
        } else {
            format!("\nverdict: FAIL\n  {}\n", self.failures.join("\n  "))
        };
        o
    }
}
