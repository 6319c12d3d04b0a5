//! [`PiperStats`]: what the inference pool has done, for metrics and for tests that must
//! see that a disconnect stops inference or that audio streams before later chunks and
//! units run.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Counters written by the inference workers. Read them with [`PiperStats::snapshot`].
#[derive(Debug, Default)]
pub struct PiperStats {
    pub(crate) units_synthesized: AtomicU64,
    pub(crate) encoder_runs: AtomicU64,
    pub(crate) decoder_runs: AtomicU64,
    pub(crate) inferences_running: AtomicU64,
    pub(crate) jobs_skipped: AtomicU64,
    pub(crate) inferences_terminated: AtomicU64,
    pub(crate) failures: AtomicU64,
    pub(crate) inference_nanos: AtomicU64,
    pub(crate) audio_samples: AtomicU64,
    /// Streams open that have not had their first audio yet (they size first chunks).
    pub(crate) streams_starting: AtomicU64,
}

/// A copy of [`PiperStats`] at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PiperStatsSnapshot {
    /// Units completed (sentences, or clauses of a long sentence).
    pub units_synthesized: u64,
    /// Encoder runs completed: one per unit, or one per window of a long unit.
    pub encoder_runs: u64,
    /// Flow + decoder runs completed: one per chunk of frames, i.e. per piece of audio.
    pub decoder_runs: u64,
    /// Inferences running right now (at most `PIPER_MAX_CONCURRENT`).
    pub inferences_running: u64,
    /// Units dropped before inference because their reader had gone away.
    pub jobs_skipped: u64,
    /// Inferences stopped mid-run because their reader went away.
    pub inferences_terminated: u64,
    /// Units that failed (phonemization or inference error).
    pub failures: u64,
    /// Wall time spent in inference, summed over workers.
    pub inference_nanos: u64,
    /// Samples produced by completed inferences (before pauses are added).
    pub audio_samples: u64,
}

impl PiperStats {
    pub fn snapshot(&self) -> PiperStatsSnapshot {
        PiperStatsSnapshot {
            units_synthesized: self.units_synthesized.load(Relaxed),
            encoder_runs: self.encoder_runs.load(Relaxed),
            decoder_runs: self.decoder_runs.load(Relaxed),
            inferences_running: self.inferences_running.load(Relaxed),
            jobs_skipped: self.jobs_skipped.load(Relaxed),
            inferences_terminated: self.inferences_terminated.load(Relaxed),
            failures: self.failures.load(Relaxed),
            inference_nanos: self.inference_nanos.load(Relaxed),
            audio_samples: self.audio_samples.load(Relaxed),
        }
    }
}
