//! Turning measurements into the printed table (or one JSON object) and the summary line.

use crate::cli::Args;
use crate::gateway_metrics::GatewayCounters;
use crate::hold::HoldReport;
use crate::monitor::CpuUse;
use crate::session::{bytes_per_sample, Failure};
use crate::stats::{max_ms, ms, Stats};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// A measured load phase and what was watched around it.
pub struct LoadRun<'a> {
    pub args: &'a Args,
    /// The texts the sessions said in turn ([`crate::app::texts`]).
    pub texts: &'a [String],
    pub stats: &'a Stats,
    pub cpu: CpuUse,
    /// Largest server `VmRSS` sampled during the phase, and its `VmHWM` after it (bytes).
    pub rss_max: Option<u64>,
    pub rss_peak_since_start: Option<u64>,
    /// The gateway's own counters over the phase.
    pub gateway: Option<GatewayCounters>,
}

fn gateway_line(out: &mut String, counters: Option<GatewayCounters>) {
    if let Some(g) = counters {
        let _ = writeln!(
            out,
            "  gateway /metrics      +{} completed, +{} failed, +{} queue full; frames dropped: {} slow client, {} client gone",
            g.completed, g.failed, g.queue_full, g.dropped_slow, g.dropped_gone
        );
    }
}

fn gateway_json(counters: Option<GatewayCounters>) -> Value {
    counters.map_or(Value::Null, |g| {
        json!({
            "completed": g.completed,
            "failed": g.failed,
            "queue_full": g.queue_full,
            "dropped_frames_slow_client": g.dropped_slow,
            "dropped_frames_client_gone": g.dropped_gone,
        })
    })
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn per_sec(n: f64, wall: Duration) -> f64 {
    n / wall.as_secs_f64().max(1e-9)
}

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.2} {unit}"))
}

fn failures_json(failures: &BTreeMap<Failure, u64>, details: &BTreeMap<Failure, String>) -> Value {
    failures
        .iter()
        .map(|(f, n)| {
            let detail = details.get(f).cloned().unwrap_or_default();
            (f.to_string(), json!({"count": n, "first": detail}))
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn failure_lines(
    out: &mut String,
    failures: &BTreeMap<Failure, u64>,
    details: &BTreeMap<Failure, String>,
) {
    for (failure, n) in failures {
        let detail = details.get(failure).map(String::as_str).unwrap_or("");
        let _ = writeln!(
            out,
            "    {:<18} {n:>8}   first: {detail}",
            failure.to_string()
        );
    }
}

impl LoadRun<'_> {
    pub fn sessions_per_sec(&self) -> f64 {
        per_sec(self.stats.completed as f64, self.cpu.wall)
    }

    pub fn failure_ratio(&self) -> f64 {
        self.stats.failed as f64 / (self.stats.sessions().max(1)) as f64
    }

    /// Seconds of audio received per second of wall time, where the format allows knowing.
    fn audio_secs_per_sec(&self) -> Option<f64> {
        let secs = match (
            bytes_per_sample(&self.args.format),
            self.args.audio_secs_per_session,
        ) {
            (Some(width), _) => {
                self.stats.audio_bytes as f64 / width as f64 / f64::from(self.args.rate)
            }
            (None, Some(hint)) => hint * self.stats.completed as f64,
            (None, None) => return None,
        };
        Some(per_sec(secs, self.cpu.wall))
    }

    fn per_session(&self, cpu: Duration) -> f64 {
        cpu.as_secs_f64() * 1000.0 / self.stats.sessions().max(1) as f64
    }

    pub fn summary_line(&self) -> String {
        let s = self.stats;
        let mut line = format!(
            "summary: {} sessions, {} failed, {:.1} sessions/s, first audio p50 {} p99 {}",
            s.sessions(),
            s.failed,
            self.sessions_per_sec(),
            opt(ms(&s.first_audio, 0.5), "ms"),
            opt(ms(&s.first_audio, 0.99), "ms"),
        );
        if !s.behind.is_empty() {
            let _ = write!(
                line,
                ", {} of {} streams fell behind real time (worst wait {})",
                s.fell_behind,
                s.behind.len(),
                opt(max_ms(&s.behind), "ms"),
            );
        }
        if let Some(server) = self.cpu.server {
            let _ = write!(
                line,
                ", server {:.3} ms CPU/session",
                self.per_session(server)
            );
        }
        let _ = write!(
            line,
            ", generator {:.0} % of a core",
            CpuUse::percent(self.cpu.own, self.cpu.wall)
        );
        line
    }

    pub fn text(&self) -> String {
        let (a, s, wall) = (self.args, self.stats, self.cpu.wall);
        let mut o = String::new();
        let shape = match a.arrival_rate {
            Some(rate) => format!(
                "started at {rate} per second (open loop), at most {} at once",
                a.concurrency
            ),
            None => format!("at concurrency {} (closed loop)", a.concurrency),
        };
        let _ = writeln!(
            o,
            "tts-bench: {} sessions (after {} warm-up) {shape} against {}",
            s.sessions(),
            a.warmup,
            a.url
        );
        let _ = writeln!(
            o,
            "  {} / {} / {} @ {} Hz{}, {}{}",
            a.provider,
            a.voice,
            a.format,
            a.rate,
            a.bitrate_kbps
                .map_or(String::new(), |b| format!(" {b} kb/s")),
            texts_label(a, self.texts),
            if a.verify { ", --verify" } else { "" }
        );
        let _ = writeln!(o, "  wall time             {:.2} s", wall.as_secs_f64());
        let _ = writeln!(
            o,
            "  sessions/s            {:.1}   ({} completed, {} failed)",
            self.sessions_per_sec(),
            s.completed,
            s.failed
        );
        let h = &s.first_audio;
        let _ = writeln!(
            o,
            "  time to first audio   p50 {}   p95 {}   p99 {}   max {}",
            opt(ms(h, 0.5), "ms"),
            opt(ms(h, 0.95), "ms"),
            opt(ms(h, 0.99), "ms"),
            opt(max_ms(h), "ms")
        );
        let _ = writeln!(
            o,
            "  session total         p50 {}   p99 {}   max {}",
            opt(ms(&s.total, 0.5), "ms"),
            opt(ms(&s.total, 0.99), "ms"),
            opt(max_ms(&s.total), "ms")
        );
        let _ = writeln!(
            o,
            "    of which POST       p50 {}   p99 {}",
            opt(ms(&s.http, 0.5), "ms"),
            opt(ms(&s.http, 0.99), "ms")
        );
        let _ = writeln!(
            o,
            "    WS handshake        p50 {}   p99 {}",
            opt(ms(&s.handshake, 0.5), "ms"),
            opt(ms(&s.handshake, 0.99), "ms")
        );
        if a.arrival_rate.is_some() {
            let _ = writeln!(
                o,
                "  start lag             p50 {}   p99 {}   max {}   (late starts: every slot busy, or the generator behind)",
                opt(ms(&s.start_lag, 0.5), "ms"),
                opt(ms(&s.start_lag, 0.99), "ms"),
                opt(max_ms(&s.start_lag), "ms")
            );
        }
        let audio_secs = self.audio_secs_per_sec().map_or_else(
            || "- (give --audio-secs-per-session)".into(),
            |v| format!("{v:.0}"),
        );
        let _ = writeln!(
            o,
            "  audio received        {:.1} MiB/s, {} audio s per s, {:.1} frames/session",
            mib(self.stats.audio_bytes) / wall.as_secs_f64().max(1e-9),
            audio_secs,
            s.frames as f64 / s.sessions().max(1) as f64
        );
        let _ = writeln!(
            o,
            "  stream checks         {} seq gaps ({} frames missing)",
            s.seq_gaps, s.missing_frames
        );
        if s.failures.is_empty() {
            let _ = writeln!(o, "  failures              none");
        } else {
            let _ = writeln!(
                o,
                "  FAILURES              {} of {} sessions ({:.2} %)",
                s.failed,
                s.sessions(),
                100.0 * self.failure_ratio()
            );
            failure_lines(&mut o, &s.failures, &s.first_detail);
        }
        let label = a
            .pid
            .map_or("server".to_string(), |pid| format!("server (pid {pid})"));
        match (a.pid, self.cpu.server) {
            (Some(_), Some(cpu)) => {
                let _ = writeln!(
                    o,
                    "  {label:<21} {:.3} ms CPU/session, {:.0} % of a core; RSS max {} during the run, VmHWM {}",
                    self.per_session(cpu),
                    CpuUse::percent(cpu, wall),
                    self.rss_max.map_or("-".into(), |b| format!("{:.1} MiB", mib(b))),
                    self.rss_peak_since_start.map_or("-".into(), |b| format!("{:.1} MiB", mib(b))),
                );
                if let Some(waited) = self.cpu.server_waited {
                    let _ = writeln!(
                        o,
                        "  {:<21} its threads waited {:.0} % of the wall time for a CPU (run queue){}",
                        "",
                        CpuUse::percent(waited, wall),
                        if CpuUse::percent(waited, wall) > 10.0 { "   ← NOISY: its core was busy with other work" } else { "" }
                    );
                }
            }
            (Some(pid), None) => {
                let _ = writeln!(o, "  {label:<21} /proc/{pid} could not be read");
            }
            (None, _) => {
                let _ = writeln!(o, "  {label:<21} (give --pid for CPU and memory)");
            }
        }
        let own = CpuUse::percent(self.cpu.own, wall);
        let _ = writeln!(
            o,
            "  generator             {:.3} ms CPU/session, {:.0} % of a core over {} thread(s), waited {:.0} % for a CPU{}",
            self.per_session(self.cpu.own),
            own,
            a.threads,
            CpuUse::percent(self.cpu.own_waited, wall),
            if own > 90.0 * a.threads as f64 {
                "   ← SATURATED: the generator may be the limit"
            } else {
                ""
            }
        );
        o.push_str(&self.summary_line());
        o.push('\n');
        o
    }

    pub fn json(&self) -> Value {
        let (a, s, wall) = (self.args, self.stats, self.cpu.wall);
        let lat = |h| {
            json!({
                "p50": ms(h, 0.5), "p95": ms(h, 0.95), "p99": ms(h, 0.99), "max": max_ms(h)
            })
        };
        json!({
            "mode": "load",
            "url": a.url,
            "provider": a.provider,
            "voice": a.voice,
            "format": a.format,
            "sample_rate_hz": a.rate,
            "bitrate_kbps": a.bitrate_kbps,
            "text_chars": a.text.chars().count(),
            "texts_file": a.texts_file,
            "concurrency": a.concurrency,
            "arrival_rate": a.arrival_rate,
            "warmup": a.warmup,
            "sessions": s.sessions(),
            "completed": s.completed,
            "failed": s.failed,
            "wall_secs": wall.as_secs_f64(),
            "sessions_per_sec": self.sessions_per_sec(),
            "first_audio_ms": lat(&s.first_audio),
            "total_ms": lat(&s.total),
            "post_ms": lat(&s.http),
            "ws_handshake_ms": lat(&s.handshake),
            "start_lag_ms": a.arrival_rate.map(|_| lat(&s.start_lag)),
            "real_time": (!s.behind.is_empty()).then(|| json!({
                "streams_measured": s.behind.len(),
                "streams_behind": s.fell_behind,
                "worst_wait_ms": max_ms(&s.behind),
            })),
            "frames": s.frames,
            "audio_bytes": s.audio_bytes,
            "audio_bytes_per_sec": per_sec(s.audio_bytes as f64, wall),
            "audio_secs_per_sec": self.audio_secs_per_sec(),
            "seq_gaps": s.seq_gaps,
            "missing_frames": s.missing_frames,
            "failures": failures_json(&s.failures, &s.first_detail),
            "gateway_metrics": gateway_json(self.gateway),
            "server": a.pid.map(|pid| json!({
                "pid": pid,
                "cpu_ms_per_session": self.cpu.server.map(|c| self.per_session(c)),
                "cpu_percent_of_core": self.cpu.server.map(|c| CpuUse::percent(c, wall)),
                "run_queue_wait_percent": self.cpu.server_waited.map(|w| CpuUse::percent(w, wall)),
                "rss_max_during_run_bytes": self.rss_max,
                "vm_hwm_bytes": self.rss_peak_since_start,
            })),
            "generator": {
                "threads": a.threads,
                "cpu_ms_per_session": self.per_session(self.cpu.own),
                "cpu_percent_of_core": CpuUse::percent(self.cpu.own, wall),
                "run_queue_wait_percent": CpuUse::percent(self.cpu.own_waited, wall),
            },
        })
    }
}

/// The slow-readers run, printed.
pub struct HoldRun<'a> {
    pub args: &'a Args,
    pub report: &'a HoldReport,
    pub gateway: Option<GatewayCounters>,
}

impl HoldRun<'_> {
    fn failed(&self) -> u64 {
        self.report.failures.values().sum()
    }

    pub fn failure_ratio(&self) -> f64 {
        let streams = self.args.hold.unwrap_or(0).max(1);
        self.failed() as f64 / streams as f64
    }

    pub fn summary_line(&self) -> String {
        let r = self.report;
        let mut line = format!(
            "summary: {} slow streams, {} completed, {} failed ({} WS 408, {} WS close 1006)",
            self.args.hold.unwrap_or(0),
            r.completed,
            self.failed(),
            r.slow_closed(),
            r.failures
                .get(&Failure::WsClose(1006))
                .copied()
                .unwrap_or(0)
        );
        if let Some(m) = r.memory {
            let _ = write!(
                line,
                ", server RSS {:.1} → max {:.1} → {:.1} MiB",
                mib(m.before),
                mib(m.max),
                mib(m.after)
            );
        }
        line
    }

    pub fn text(&self) -> String {
        let (a, r) = (self.args, self.report);
        let mut o = String::new();
        let reading = match a.hold_read_ms {
            0 => "reading nothing".to_string(),
            ms => format!("reading one message every {ms} ms"),
        };
        let _ = writeln!(
            o,
            "tts-bench --hold: {} streams {reading} for {:.0} s, then to the end ({} / {} @ {} Hz, {} characters{})",
            a.hold.unwrap_or(0),
            a.hold_secs,
            a.provider,
            a.format,
            a.rate,
            a.text.chars().count(),
            a.rcvbuf.map_or(String::new(), |b| format!(", SO_RCVBUF {b}"))
        );
        let _ = writeln!(
            o,
            "  opened                {} in {:.2} s",
            r.opened,
            r.open_time.as_secs_f64()
        );
        let _ = writeln!(o, "  completed (eos)       {}", r.completed);
        let _ = writeln!(
            o,
            "  closed as slow        {} with error frame 408; {} ended without a close frame (WS close 1006: how a server's close looks to a client that is not reading)",
            r.slow_closed(),
            r.failures.get(&Failure::WsClose(1006)).copied().unwrap_or(0)
        );
        let _ = writeln!(o, "  ended during the hold {}", r.ended_during_hold);
        let _ = writeln!(
            o,
            "  audio received        {} frames, {:.1} MiB",
            r.frames,
            mib(r.audio_bytes)
        );
        if r.failures.is_empty() {
            let _ = writeln!(o, "  failures              none");
        } else {
            let _ = writeln!(o, "  failures              {}", self.failed());
            failure_lines(&mut o, &r.failures, &r.first_detail);
        }
        gateway_line(&mut o, self.gateway);
        match r.memory {
            Some(m) => {
                let _ = writeln!(
                    o,
                    "  server VmRSS          before {:.1} MiB   max during {:.1} MiB   end of hold {:.1} MiB   after {:.1} MiB",
                    mib(m.before),
                    mib(m.max),
                    mib(m.end_of_hold),
                    mib(m.after)
                );
                let held = a.hold.unwrap_or(0).max(1);
                let _ = writeln!(
                    o,
                    "                        {:.1} KiB per held stream (max − before); VmHWM since start {:.1} MiB",
                    (m.max.saturating_sub(m.before)) as f64 / 1024.0 / held as f64,
                    mib(m.peak_since_start)
                );
            }
            None => {
                let _ = writeln!(o, "  server                (give --pid for memory)");
            }
        }
        if let Some(t) = r.tcp_buffers {
            let _ = writeln!(
                o,
                "  kernel TCP buffers    before {:.1} MiB   max during {:.1} MiB   (whole machine, both ends: unread audio waits here)",
                mib(t.before),
                mib(t.max)
            );
        }
        if let Some(cpu) = r.cpu {
            let _ = writeln!(
                o,
                "  CPU                   server {}, generator {:.2} s over {:.1} s",
                cpu.server
                    .map_or("-".into(), |c| format!("{:.2} s", c.as_secs_f64())),
                cpu.own.as_secs_f64(),
                cpu.wall.as_secs_f64()
            );
        }
        o.push_str(&self.summary_line());
        o.push('\n');
        o
    }

    pub fn json(&self) -> Value {
        let (a, r) = (self.args, self.report);
        json!({
            "mode": "hold",
            "url": a.url,
            "provider": a.provider,
            "format": a.format,
            "sample_rate_hz": a.rate,
            "text_chars": a.text.chars().count(),
            "streams": a.hold,
            "hold_secs": a.hold_secs,
            "read_every_ms": a.hold_read_ms,
            "rcvbuf": a.rcvbuf,
            "opened": r.opened,
            "open_secs": r.open_time.as_secs_f64(),
            "completed": r.completed,
            "closed_as_slow": r.slow_closed(),
            "ended_during_hold": r.ended_during_hold,
            "frames": r.frames,
            "audio_bytes": r.audio_bytes,
            "failures": failures_json(&r.failures, &r.first_detail),
            "gateway_metrics": gateway_json(self.gateway),
            "server_rss_bytes": r.memory.map(|m| json!({
                "before": m.before,
                "max_during": m.max,
                "end_of_hold": m.end_of_hold,
                "after": m.after,
                "vm_hwm": m.peak_since_start,
            })),
            "kernel_tcp_buffer_bytes": r.tcp_buffers.map(|t| json!({"before": t.before, "max_during": t.max})),
            "cpu_secs": r.cpu.map(|c| json!({
                "wall": c.wall.as_secs_f64(),
                "server": c.server.map(|s| s.as_secs_f64()),
                "server_run_queue_wait": c.server_waited.map(|w| w.as_secs_f64()),
                "generator": c.own.as_secs_f64(),
            })),
        })
    }
}

/// What the sessions said: "text of N characters", or how many texts of which lengths.
fn texts_label(a: &Args, texts: &[String]) -> String {
    match texts {
        [text] if a.texts_file.is_none() => format!("text of {} characters", text.chars().count()),
        _ => {
            let chars = texts.iter().map(|t| t.chars().count());
            format!(
                "{} texts of {}-{} characters",
                texts.len(),
                chars.clone().min().unwrap_or(0),
                chars.max().unwrap_or(0)
            )
        }
    }
}
