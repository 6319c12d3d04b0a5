//! Once a second, each gateway as Linux and its own `/metrics` see it: resident memory,
//! open file descriptors, and the gauges that must fall back at rest (workers busy,
//! streams, realtime contexts, stream tasks, runtime tasks, queue depth).

use crate::gateway_metrics::sum;
use crate::procfs::Proc;
use serde::Serialize;
use std::time::{Duration, Instant};

#[derive(Clone, Debug, Default, Serialize)]
pub struct Sample {
    /// Seconds since the run started.
    pub t: f64,
    pub gateway: String,
    pub incarnation: u32,
    pub rss_bytes: u64,
    pub fds: u64,
    /// `None` when `/metrics` did not answer (Redis faults do not stop it; a SIGTERM does).
    pub gauges: Option<Gauges>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Gauges {
    pub workers_busy: f64,
    pub queue_depth: f64,
    pub active_streams: f64,
    pub contexts_open: f64,
    pub stream_tasks: f64,
    pub runtime_tasks: f64,
}

impl Gauges {
    pub fn parse(text: &str) -> Self {
        Self {
            workers_busy: sum(text, "tts_session_workers_busy", None),
            queue_depth: sum(text, "tts_session_queue_depth", None),
            active_streams: sum(text, "tts_active_streams", None),
            contexts_open: sum(text, "tts_contexts_open", None),
            stream_tasks: sum(text, "tts_stream_tasks", None),
            runtime_tasks: sum(text, "tts_runtime_alive_tasks", None),
        }
    }

    /// Returns true if and only if nothing is running: no worker busy, nothing queued, no
    /// stream, context or stream task.
    pub fn at_rest(&self) -> bool {
        self.workers_busy == 0.0
            && self.queue_depth == 0.0
            && self.active_streams == 0.0
            && self.contexts_open == 0.0
            && self.stream_tasks == 0.0
    }
}

/// Open file descriptors of `pid`.
pub fn fds(pid: u32) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count() as u64)
}

/// A fresh connection per scrape, so the harness keeps no connection of its own open in
/// the gateway's descriptor count.
pub async fn gauges(url: &str) -> Option<Gauges> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(0)
        .build()
        .ok()?;
    let r = client
        .get(format!("{url}/metrics"))
        .timeout(Duration::from_secs(3))
        .send()
        .await
        .ok()?;
    if !r.status().is_success() {
        return None;
    }
    Some(Gauges::parse(&r.text().await.ok()?))
}

pub async fn sample(t0: Instant, name: &str, incarnation: u32, pid: u32, url: &str) -> Sample {
    let gauges = gauges(url).await;
    Sample {
        t: t0.elapsed().as_secs_f64(),
        gateway: name.to_string(),
        incarnation,
        rss_bytes: Proc::Pid(pid).rss().unwrap_or(0),
        fds: fds(pid),
        gauges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rest_gauges_are_read_from_the_gateways_metrics() {
        let text = "tts_session_workers_busy 0\ntts_session_queue_depth 0\n\
            tts_active_streams{provider=\"mock_tone\"} 0\ntts_active_streams{provider=\"piper\"} 1\n\
            tts_contexts_open{api=\"realtime\"} 0\ntts_stream_tasks 1\ntts_runtime_alive_tasks 9\n";
        let g = Gauges::parse(text);
        assert_eq!(g.active_streams, 1.0);
        assert_eq!(g.stream_tasks, 1.0);
        assert_eq!(g.runtime_tasks, 9.0);
        assert!(!g.at_rest());
        assert!(Gauges::default().at_rest());
    }
}
