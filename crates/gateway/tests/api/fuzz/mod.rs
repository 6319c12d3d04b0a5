//! Property-based fuzzing against the real server on port 0 (docs/FUZZING.md): query
//! strings and bodies over HTTP, arbitrary messages on every socket door, and random
//! interleavings of speak, flush, close and cancel across contexts. One gateway serves
//! every case of a property, and is checked at rest after each: a leak shows up in the
//! case that caused it.
//!
//! The case budget is fixed for CI and raised with `FUZZ_CASES`; failing inputs are kept
//! in `tests/proptest-regressions/` and replayed first.

mod cartesia;
mod garbage;
mod http;
mod realtime;
mod socket;

use crate::helpers::{metric_value, TestApp};
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The longest one case may take before it counts as a hang.
const CASE_TIMEOUT: Duration = Duration::from_secs(30);

/// The `ws://` URL of `path` on `app`.
pub fn ws_url(app: &TestApp, path: &str) -> String {
    format!("ws://127.0.0.1:{}{path}", app.state.local_addr.port())
}

/// A failed case, saying why.
pub fn fail(why: String) -> TestCaseError {
    TestCaseError::fail(why)
}

/// `cases` in CI; `FUZZ_CASES` for a longer run.
pub fn budget(cases: u32) -> Config {
    Config {
        cases: tts_core::fuzz_cases(cases),
        // A server round trip per case: shrink in few steps rather than many.
        max_shrink_iters: 256,
        ..Config::default()
    }
}

/// Runs `case` on `cases` values of `strategy` against one gateway built by `app`,
/// each case followed by a check that the gateway is at rest. `source` is the caller's
/// `file!()`, where its regressions are kept.
pub fn run<S, F, Fut>(
    source: &'static str,
    cases: u32,
    app: impl Future<Output = TestApp>,
    strategy: S,
    case: F,
) where
    S: Strategy,
    F: Fn(Arc<TestApp>, S::Value) -> Fut,
    Fut: Future<Output = Result<(), TestCaseError>>,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let app = Arc::new(rt.block_on(app));
    let mut config = budget(cases);
    config.source_file = Some(source);
    let mut runner = TestRunner::new(config);
    let result = runner.run(&strategy, |value| {
        rt.block_on(async {
            tokio::time::timeout(CASE_TIMEOUT, async {
                case(Arc::clone(&app), value).await?;
                at_rest(&app).await
            })
            .await
            .map_err(|_| TestCaseError::fail("the case did not finish in 30 s"))?
        })
    });
    if let Ok(app) = Arc::try_unwrap(app) {
        rt.block_on(app.shutdown());
    }
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// What is open at the moment: (busy workers, open contexts, tracked tasks).
async fn load(app: &TestApp) -> (f64, f64, usize) {
    let text = app.metrics().await;
    (
        metric_value(&text, "tts_session_workers_busy", &[]),
        metric_value(&text, "tts_contexts_open", &[]),
        app.state.streams.len(),
    )
}

/// Waits until no worker is busy, no context is open and no stream task runs; fails the
/// case after 10 s, naming what is still held.
pub async fn at_rest(app: &TestApp) -> Result<(), TestCaseError> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let now = load(app).await;
        if now == (0.0, 0.0, 0) {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err(TestCaseError::fail(format!(
                "not at rest: (workers busy, contexts open, stream tasks) = {now:?}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
