//! What the measuring examples share.

use std::time::Duration;

/// This thread's CPU time so far (`/proc/thread-self/schedstat`, nanoseconds).
pub fn cpu_time() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = text
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(ns)
}
