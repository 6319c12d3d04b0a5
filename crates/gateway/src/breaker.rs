//! A circuit breaker per provider: after N consecutive failures, calls are refused for a
//! cool-down, then one trial call is let through (half-open); its outcome closes or
//! re-opens the circuit. This keeps a dead engine from eating every worker's timeout.

use parking_lot::Mutex;
use std::time::{Duration, Instant};

pub struct CircuitBreaker {
    threshold: u32,
    cooldown: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { trial_running: bool },
}

impl CircuitBreaker {
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            cooldown,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    /// Returns true if and only if a call may be made now. In half-open state only one
    /// caller at a time gets true.
    pub fn allow(&self) -> bool {
        let mut s = self.state.lock();
        match *s {
            State::Closed { .. } => true,
            State::Open { until } if Instant::now() >= until => {
                *s = State::HalfOpen {
                    trial_running: true,
                };
                true
            }
            State::Open { .. } => false,
            State::HalfOpen {
                ref mut trial_running,
            } => !std::mem::replace(trial_running, true),
        }
    }

    /// The half-open trial ended without telling anything of the engine's health (the
    /// request was wrong, or its client left before the end): let another call be the
    /// trial. Without this, a trial that never reports leaves the circuit refusing every
    /// call for good. Does nothing in any other state.
    pub fn abandon_trial(&self) {
        if let State::HalfOpen { trial_running } = &mut *self.state.lock() {
            *trial_running = false;
        }
    }

    pub fn record_success(&self) {
        *self.state.lock() = State::Closed { failures: 0 };
    }

    pub fn record_failure(&self) {
        let mut s = self.state.lock();
        let failures = match *s {
            State::Closed { failures } => failures + 1,
            _ => self.threshold,
        };
        *s = if failures >= self.threshold {
            State::Open {
                until: Instant::now() + self.cooldown,
            }
        } else {
            State::Closed { failures }
        };
    }

    /// Returns true if and only if calls are currently being refused.
    pub fn is_open(&self) -> bool {
        matches!(*self.state.lock(), State::Open { until } if Instant::now() < until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_threshold_and_half_opens_after_cooldown() {
        let b = CircuitBreaker::new(2, Duration::ZERO);
        b.record_failure();
        assert!(b.allow());
        b.record_failure();
        // Cool-down zero: the next call is the single half-open trial.
        assert!(b.allow());
        assert!(!b.allow());
        b.record_success();
        assert!(b.allow() && b.allow());
    }

    #[test]
    fn an_abandoned_trial_lets_the_next_call_be_the_trial() {
        let b = CircuitBreaker::new(1, Duration::ZERO);
        b.record_failure();
        assert!(b.allow());
        assert!(!b.allow());
        b.abandon_trial();
        assert!(
            b.allow(),
            "a trial that never reported must not keep the circuit shut"
        );
        assert!(!b.allow());
        b.record_success();
        assert!(b.allow() && b.allow());
    }

    #[test]
    fn abandoning_outside_a_trial_changes_nothing() {
        let b = CircuitBreaker::new(1, Duration::from_secs(60));
        b.abandon_trial();
        assert!(b.allow());
        b.record_failure();
        b.abandon_trial();
        assert!(b.is_open() && !b.allow());
    }

    #[test]
    fn stays_open_during_cooldown() {
        let b = CircuitBreaker::new(1, Duration::from_secs(60));
        b.record_failure();
        assert!(b.is_open());
        assert!(!b.allow());
    }
}
