//! Structured logs through `tracing`: human-readable by default, JSON with `LOG_FORMAT=json`;
//! the level comes from `RUST_LOG` (default [`DEFAULT_FILTER`]).

use tracing_subscriber::EnvFilter;

/// `info`, except ONNX Runtime (which `ort` forwards to `tracing`): at `info` it writes about
/// 1 200 lines of graph optimisation detail each time the Piper voice loads.
pub const DEFAULT_FILTER: &str = "info,ort=warn";

pub fn init(json: bool) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}
