//! The gateway's own count of what happened, from `GET /metrics`: a cross-check on what the
//! clients saw. A slow-client close, for one, cannot be seen by a client that is not
//! reading: its error frame waits behind the audio it did not read.

use std::time::Duration;

/// Sums over all label sets of the counters the benchmark compares with.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GatewayCounters {
    pub completed: f64,
    pub failed: f64,
    /// Frames dropped because the client was too slow (`reason="slow_client"`).
    pub dropped_slow: f64,
    /// Frames dropped because the client went away (`reason="client_disconnected"`).
    pub dropped_gone: f64,
    pub queue_full: f64,
}

impl GatewayCounters {
    pub fn parse(text: &str) -> Self {
        Self {
            completed: sum(text, "tts_sessions_total", Some(("status", "completed"))),
            failed: sum(text, "tts_sessions_total", Some(("status", "failed"))),
            dropped_slow: sum(
                text,
                "tts_backend_dropped_frames_total",
                Some(("reason", "slow_client")),
            ),
            dropped_gone: sum(
                text,
                "tts_backend_dropped_frames_total",
                Some(("reason", "client_disconnected")),
            ),
            queue_full: sum(text, "tts_session_queue_full_total", None),
        }
    }

    /// What happened between `before` and `self`.
    pub fn since(&self, before: &Self) -> Self {
        Self {
            completed: self.completed - before.completed,
            failed: self.failed - before.failed,
            dropped_slow: self.dropped_slow - before.dropped_slow,
            dropped_gone: self.dropped_gone - before.dropped_gone,
            queue_full: self.queue_full - before.queue_full,
        }
    }
}

/// Reads the counters; `None` if `/metrics` cannot be had (it is only a cross-check).
pub async fn scrape(http: &reqwest::Client, base_url: &str) -> Option<GatewayCounters> {
    let url = format!("{}/metrics", base_url.trim_end_matches('/'));
    let response = http
        .get(url)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    Some(GatewayCounters::parse(&response.text().await.ok()?))
}

/// Sum of every sample of `metric` (whose labels include `label`, if given).
pub fn sum(text: &str, metric: &str, label: Option<(&str, &str)>) -> f64 {
    text.lines()
        .filter(|line| {
            let Some(rest) = line.strip_prefix(metric) else {
                return false;
            };
            let labels = match rest.strip_prefix('{') {
                Some(labels) => labels.split('}').next().unwrap_or(""),
                None if rest.starts_with(' ') => "",
                None => return false, // A longer name with this prefix.
            };
            label.is_none_or(|(k, v)| {
                labels.split(',').any(|kv| {
                    let value = kv.strip_prefix(k).and_then(|r| r.strip_prefix('='));
                    value == Some(&format!("\"{v}\""))
                })
            })
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# HELP tts_sessions_total Sessions.
# TYPE tts_sessions_total counter
tts_sessions_total{provider="mock_tone",status="created"} 12
tts_sessions_total{provider="mock_tone",status="completed"} 9
tts_sessions_total{provider="piper",status="completed"} 1
tts_sessions_total{provider="mock_tone",status="failed"} 2
tts_backend_dropped_frames_total{provider="mock_tone",format="pcm16",reason="slow_client"} 64
tts_session_queue_full_total 3
tts_session_queue_full_total_extra 100
"#;

    #[test]
    fn counters_are_summed_over_label_sets() {
        let c = GatewayCounters::parse(TEXT);
        assert_eq!(c.completed, 10.0);
        assert_eq!(c.failed, 2.0);
        assert_eq!(c.dropped_slow, 64.0);
        assert_eq!(c.dropped_gone, 0.0);
        assert_eq!(c.queue_full, 3.0);
        assert_eq!(c.since(&c), GatewayCounters::default());
    }
}
