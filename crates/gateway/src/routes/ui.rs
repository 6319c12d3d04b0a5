//! The web UI: the built frontend (`UI_DIR`) at `/`, or a short banner without it.

use crate::config::Settings;
use axum::routing::get;
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

const BANNER: &str = "tts-gateway: text-to-speech over HTTP and WebSocket.\n\
See GET /v1/voices, POST /v1/tts/sessions, /metrics. The web UI is not built (run scripts/setup.sh).\n";

pub fn mount(api: Router, settings: &Settings) -> Router {
    match settings
        .ui_dir
        .as_ref()
        .filter(|d| d.join("index.html").is_file())
    {
        Some(dir) => {
            tracing::info!(dir = %dir.display(), "serving the web UI");
            let index = ServeFile::new(dir.join("index.html"));
            api.fallback_service(ServeDir::new(dir).fallback(index))
        }
        None => api.route("/", get(|| async { BANNER })),
    }
}
