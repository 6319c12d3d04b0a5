//! [`Stats`]: what a set of sessions measured. Each load worker keeps its own and they are
//! merged at the end, so recording a session takes no lock.

use crate::session::{Failure, SessionReport};
use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::time::Duration;

/// Latencies are recorded in microseconds, from 1 µs to an hour, to 3 significant digits.
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds")
}

pub struct Stats {
    pub completed: u64,
    pub failed: u64,
    /// Start → first audio frame, completed sessions only.
    pub first_audio: Histogram<u64>,
    /// Start → `eos`, completed sessions only.
    pub total: Histogram<u64>,
    /// Start → answer to the POST.
    pub http: Histogram<u64>,
    /// Answer to the POST → WebSocket handshake done.
    pub handshake: Histogram<u64>,
    /// Open loop only: scheduled start → actual start.
    pub start_lag: Histogram<u64>,
    /// Sample formats, completed sessions: the longest wait for audio of a listener who
    /// started playing at the first audio (1 µs: none).
    pub behind: Histogram<u64>,
    /// Of those, the sessions that kept their listener waiting at all.
    pub fell_behind: u64,
    /// Audio received, failed sessions included.
    pub frames: u64,
    pub audio_bytes: u64,
    pub seq_gaps: u64,
    pub missing_frames: u64,
    pub failures: BTreeMap<Failure, u64>,
    /// The first detail seen for each kind of failure.
    pub first_detail: BTreeMap<Failure, String>,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            completed: 0,
            failed: 0,
            first_audio: histogram(),
            total: histogram(),
            http: histogram(),
            handshake: histogram(),
            start_lag: histogram(),
            behind: histogram(),
            fell_behind: 0,
            frames: 0,
            audio_bytes: 0,
            seq_gaps: 0,
            missing_frames: 0,
            failures: BTreeMap::new(),
            first_detail: BTreeMap::new(),
        }
    }
}

fn micros(d: Duration) -> u64 {
    (d.as_micros() as u64).max(1)
}

impl Stats {
    pub fn record(&mut self, rep: SessionReport) {
        self.frames += rep.frames;
        self.audio_bytes += rep.audio_bytes;
        self.seq_gaps += rep.seq_gaps;
        self.missing_frames += rep.missing_frames;
        if let Some(lag) = rep.start_lag {
            self.start_lag.saturating_record(micros(lag));
        }
        if let Some(http) = rep.http {
            self.http.saturating_record(micros(http));
            if let Some(hs) = rep.handshake {
                self.handshake
                    .saturating_record(micros(hs.saturating_sub(http)));
            }
        }
        match rep.failure {
            None => {
                self.completed += 1;
                if let Some(first) = rep.first_audio {
                    self.first_audio.saturating_record(micros(first));
                }
                if let Some(total) = rep.total {
                    self.total.saturating_record(micros(total));
                }
                if let Some(behind) = rep.behind {
                    self.behind.saturating_record(micros(behind));
                    self.fell_behind += u64::from(!behind.is_zero());
                }
            }
            Some((failure, detail)) => {
                self.failed += 1;
                *self.failures.entry(failure).or_default() += 1;
                self.first_detail.entry(failure).or_insert(detail);
            }
        }
    }

    pub fn merge(&mut self, other: Stats) {
        self.completed += other.completed;
        self.failed += other.failed;
        for (mine, theirs) in [
            (&mut self.first_audio, &other.first_audio),
            (&mut self.total, &other.total),
            (&mut self.http, &other.http),
            (&mut self.handshake, &other.handshake),
            (&mut self.start_lag, &other.start_lag),
            (&mut self.behind, &other.behind),
        ] {
            mine.add(theirs).expect("histograms share their bounds");
        }
        self.frames += other.frames;
        self.audio_bytes += other.audio_bytes;
        self.seq_gaps += other.seq_gaps;
        self.missing_frames += other.missing_frames;
        self.fell_behind += other.fell_behind;
        for (failure, n) in other.failures {
            *self.failures.entry(failure).or_default() += n;
        }
        for (failure, detail) in other.first_detail {
            self.first_detail.entry(failure).or_insert(detail);
        }
    }

    pub fn sessions(&self) -> u64 {
        self.completed + self.failed
    }
}

/// A percentile of a microsecond histogram, in milliseconds (`None` when empty).
pub fn ms(h: &Histogram<u64>, quantile: f64) -> Option<f64> {
    (!h.is_empty()).then(|| h.value_at_quantile(quantile) as f64 / 1000.0)
}

pub fn max_ms(h: &Histogram<u64>) -> Option<f64> {
    (!h.is_empty()).then(|| h.max() as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(first_ms: u64) -> SessionReport {
        SessionReport {
            http: Some(Duration::from_micros(300)),
            handshake: Some(Duration::from_micros(500)),
            first_audio: Some(Duration::from_millis(first_ms)),
            total: Some(Duration::from_millis(first_ms + 2)),
            frames: 41,
            audio_bytes: 41 * 3200,
            ..Default::default()
        }
    }

    #[test]
    fn completed_and_failed_sessions_are_counted_apart_and_merge() {
        let mut a = Stats::default();
        a.record(ok(2));
        a.record(SessionReport {
            failure: Some((Failure::Ws(503), "queue full".into())),
            ..Default::default()
        });
        let mut b = Stats::default();
        b.record(ok(4));
        b.record(SessionReport {
            failure: Some((Failure::Ws(503), "later".into())),
            ..Default::default()
        });
        a.merge(b);
        assert_eq!((a.completed, a.failed, a.sessions()), (2, 2, 4));
        assert_eq!(a.failures[&Failure::Ws(503)], 2);
        assert_eq!(a.first_detail[&Failure::Ws(503)], "queue full");
        assert_eq!(a.audio_bytes, 2 * 41 * 3200);
        // Three significant digits: values come back within 0.1 %.
        let max = max_ms(&a.first_audio).unwrap();
        assert!((max - 4.0).abs() < 0.005, "{max}");
        assert_eq!(ms(&a.handshake, 0.5), Some(0.2));
        assert_eq!(ms(&Stats::default().total, 0.5), None);
    }
}
