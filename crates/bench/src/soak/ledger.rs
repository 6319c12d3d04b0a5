//! What every client saw: one outcome per session, context or abuse attempt, counted by
//! door and engine, with the problems (the outcomes that fail the run) kept in detail.
//!
//! A failure is *expected* while a fault that could cause it is in force (an engine fault
//! for the engine's voice; a Redis or gateway fault for every voice) or was during the
//! request. Any other failure is *unexpected* and counts as a problem.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::Mutex;

/// How one unit of work ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Ended with its door's terminal message (eos, done, isFinal, Flushed, a whole body),
    /// and every check passed.
    Completed,
    /// Cancelled by the client, and acknowledged.
    Cancelled,
    /// Refused before any audio: an HTTP status, a handshake refusal, or a connection that
    /// could not be made (0).
    Refused(u16),
    /// Ended by an error the door reported (an error frame's code, a close code, a body
    /// cut after audio: "cut").
    Failed(String),
    /// An abuse attempt the gateway dealt with as it should (answered, closed, refused).
    Handled(&'static str),
    // ---- problems ----
    /// Neither a terminal message nor an error: the stream just stopped (or timed out).
    NoTerminal(String),
    /// `seq` not 1, 2, 3 …, or audio of a cancelled context after its acknowledgement.
    Disorder(String),
    /// `/file` does not hold the audio that was streamed.
    Mismatch(String),
    /// `/file` of a completed session could not be had.
    Lost(String),
    /// A failure with no fault in force that could explain it.
    Unexpected(String),
}

impl Outcome {
    pub fn label(&self) -> String {
        match self {
            Outcome::Completed => "completed".into(),
            Outcome::Cancelled => "cancelled".into(),
            Outcome::Refused(0) => "refused: no connection".into(),
            Outcome::Refused(s) => format!("refused: {s}"),
            Outcome::Failed(why) => format!("failed: {why}"),
            Outcome::Handled(what) => format!("handled: {what}"),
            Outcome::NoTerminal(_) => "PROBLEM no terminal message".into(),
            Outcome::Disorder(_) => "PROBLEM disorder".into(),
            Outcome::Mismatch(_) => "PROBLEM /file mismatch".into(),
            Outcome::Lost(_) => "PROBLEM /file lost".into(),
            Outcome::Unexpected(_) => "PROBLEM unexpected failure".into(),
        }
    }

    pub fn is_problem(&self) -> bool {
        matches!(
            self,
            Outcome::NoTerminal(_)
                | Outcome::Disorder(_)
                | Outcome::Mismatch(_)
                | Outcome::Lost(_)
                | Outcome::Unexpected(_)
        )
    }

    pub fn is_failure(&self) -> bool {
        matches!(self, Outcome::Refused(_) | Outcome::Failed(_))
    }
}

/// Which faults can explain a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The engine double (Coqui voices only).
    Engine,
    /// Redis or a gateway: every voice.
    Cluster,
}

/// Faults in force, as counters a request can compare before and after.
#[derive(Default)]
pub struct Disturbances {
    engine: (AtomicU64, AtomicU64),
    cluster: (AtomicU64, AtomicU64),
}

/// What was in force when a request started.
#[derive(Clone, Copy, Debug)]
pub struct Mark {
    engine: (u64, u64),
    cluster: (u64, u64),
}

impl Disturbances {
    fn pair(&self, scope: Scope) -> &(AtomicU64, AtomicU64) {
        match scope {
            Scope::Engine => &self.engine,
            Scope::Cluster => &self.cluster,
        }
    }

    /// A fault of `scope` begins: (changes, active).
    pub fn begin(&self, scope: Scope) {
        let p = self.pair(scope);
        p.0.fetch_add(1, SeqCst);
        p.1.fetch_add(1, SeqCst);
    }

    /// The fault is over and service has recovered.
    pub fn end(&self, scope: Scope) {
        let p = self.pair(scope);
        p.0.fetch_add(1, SeqCst);
        p.1.fetch_sub(1, SeqCst);
    }

    pub fn mark(&self) -> Mark {
        let read = |p: &(AtomicU64, AtomicU64)| (p.0.load(SeqCst), p.1.load(SeqCst));
        Mark {
            engine: read(&self.engine),
            cluster: read(&self.cluster),
        }
    }

    /// Returns true if and only if a fault that could touch a request begun at `mark`
    /// (on an engine-double voice if `engine`) was in force at some time since.
    pub fn touched(&self, mark: Mark, engine: bool) -> bool {
        let now = self.mark();
        let hit = |a: (u64, u64), b: (u64, u64)| a.1 > 0 || b.1 > 0 || a.0 != b.0;
        hit(mark.cluster, now.cluster) || (engine && hit(mark.engine, now.engine))
    }
}

#[derive(Default)]
struct Inner {
    counts: BTreeMap<(String, String, String), u64>,
    problems: Vec<String>,
    problem_count: u64,
}

/// Every outcome of the run.
#[derive(Default)]
pub struct Ledger {
    inner: Mutex<Inner>,
}

/// Problems kept in detail (the count is exact).
const KEEP_PROBLEMS: usize = 200;

impl Ledger {
    /// Records `outcome` of `door` on `engine`; a failure that no fault explains becomes
    /// [`Outcome::Unexpected`].
    pub fn record(
        &self,
        door: &str,
        engine: &str,
        outcome: Outcome,
        disturbances: &Disturbances,
        mark: Mark,
    ) {
        let outcome = if outcome.is_failure() && !disturbances.touched(mark, engine == "coqui_tts")
        {
            Outcome::Unexpected(outcome.label())
        } else {
            outcome
        };
        let mut inner = self.inner.lock().expect("ledger");
        *inner
            .counts
            .entry((door.to_string(), engine.to_string(), outcome.label()))
            .or_default() += 1;
        if outcome.is_problem() {
            inner.problem_count += 1;
            if inner.problems.len() < KEEP_PROBLEMS {
                inner
                    .problems
                    .push(format!("{door} ({engine}): {outcome:?}"));
            }
        }
    }

    /// (door, engine, outcome label) → count.
    pub fn counts(&self) -> BTreeMap<(String, String, String), u64> {
        self.inner.lock().expect("ledger").counts.clone()
    }

    pub fn problems(&self) -> (u64, Vec<String>) {
        let inner = self.inner.lock().expect("ledger");
        (inner.problem_count, inner.problems.clone())
    }

    pub fn total(&self) -> u64 {
        self.inner.lock().expect("ledger").counts.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_with_no_fault_in_force_is_a_problem() {
        let (ledger, d) = (Ledger::default(), Disturbances::default());
        ledger.record("openai", "mock_tone", Outcome::Refused(503), &d, d.mark());
        assert_eq!(ledger.problems().0, 1);
        assert!(ledger.problems().1[0].contains("Unexpected"));
    }

    #[test]
    fn a_failure_during_a_fault_that_can_explain_it_is_counted_not_blamed() {
        let (ledger, d) = (Ledger::default(), Disturbances::default());
        let mark = d.mark();
        d.begin(Scope::Engine);
        d.end(Scope::Engine);
        // The engine fault came and went during the request: an engine voice may fail …
        ledger.record("openai", "coqui_tts", Outcome::Refused(503), &d, mark);
        assert_eq!(ledger.problems().0, 0);
        // … but mock_tone does not call the engine.
        ledger.record("openai", "mock_tone", Outcome::Refused(503), &d, mark);
        assert_eq!(ledger.problems().0, 1);
        // A Redis or gateway fault explains any voice's failure.
        let mark = d.mark();
        d.begin(Scope::Cluster);
        ledger.record(
            "openai",
            "mock_tone",
            Outcome::Failed("error 503".into()),
            &d,
            mark,
        );
        assert_eq!(ledger.problems().0, 1);
        assert_eq!(ledger.total(), 3);
    }

    #[test]
    fn lost_and_mismatched_audio_are_problems_even_during_faults() {
        let (ledger, d) = (Ledger::default(), Disturbances::default());
        d.begin(Scope::Cluster);
        ledger.record(
            "session",
            "mock_tone",
            Outcome::Lost("x".into()),
            &d,
            d.mark(),
        );
        ledger.record(
            "session",
            "mock_tone",
            Outcome::Mismatch("y".into()),
            &d,
            d.mark(),
        );
        ledger.record(
            "session",
            "mock_tone",
            Outcome::NoTerminal("z".into()),
            &d,
            d.mark(),
        );
        assert_eq!(ledger.problems().0, 3);
    }
}
