//! The router: every endpoint of the wire contract, plus the web UI at `/`.

mod file;
mod health;
mod normalize;
mod sessions;
mod ui;
mod voices;

use crate::doors;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::Uri;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use axum::routing::{any, get, post};
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/v1/voices", get(voices::list))
        .route("/v1/tts/sessions", post(sessions::create))
        .route("/v1/tts/normalize", post(normalize::normalize))
        .route("/v1/tts/sessions/{id}", get(sessions::show))
        .route("/v1/tts/sessions/{id}/file", get(file::download))
        .route("/v1/tts/stream/{id}", get(doors::session::upgrade))
        .route(
            "/v1/tts/realtime",
            get(doors::socket::accept::<doors::realtime::Realtime>),
        )
        .route("/v1/audio/speech", post(doors::openai::speech))
        .route("/v1/models", get(doors::openai::models))
        .route(
            "/v1/speak",
            get(doors::deepgram::upgrade).post(doors::deepgram::speak),
        )
        .nest("/elevenlabs", elevenlabs())
        .nest("/cartesia", cartesia())
        // Under /v1/ a typo is an API error, not the web UI's index.html.
        .route("/v1/{*rest}", any(unknown_endpoint))
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes))
        .with_state(Arc::clone(&state));
    let app = ui::mount(api, &state.settings);
    app.layer(cors(&state.settings.cors_origins))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get(&REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

async fn unknown_endpoint(method: axum::http::Method, uri: Uri) -> crate::error::ApiError {
    crate::error::ApiError::NotFound(format!(
        "no endpoint {method} {}; the API's endpoints are listed in the README (GET /v1/voices, POST /v1/tts/sessions, …)",
        uri.path()
    ))
}

/// ElevenLabs' paths, under the `/elevenlabs` prefix clients set in their base URL.
fn elevenlabs() -> Router<Arc<AppState>> {
    use doors::elevenlabs as el;
    Router::new()
        .route("/v1/voices", get(el::voices))
        .route("/v1/models", get(el::models))
        .route("/v1/text-to-speech/{voice_id}", post(el::speech))
        .route("/v1/text-to-speech/{voice_id}/stream", post(el::speech))
        .route(
            "/v1/text-to-speech/{voice_id}/with-timestamps",
            post(el::speech),
        )
        .route(
            "/v1/text-to-speech/{voice_id}/stream/with-timestamps",
            post(el::speech),
        )
        .route(
            "/v1/text-to-speech/{voice_id}/stream-input",
            get(el::upgrade),
        )
        .route(
            "/v1/text-to-speech/{voice_id}/multi-stream-input",
            get(el::upgrade),
        )
}

/// Cartesia's paths, under the `/cartesia` prefix clients set in their base URL.
fn cartesia() -> Router<Arc<AppState>> {
    use doors::cartesia;
    Router::new()
        .route("/tts/bytes", post(cartesia::bytes))
        .route(
            "/tts/websocket",
            get(doors::socket::accept::<cartesia::Cartesia>),
        )
        .route("/voices", get(cartesia::voices))
}

fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(Any)
        .expose_headers([REQUEST_ID, HeaderName::from_static("retry-after")])
        .max_age(Duration::from_secs(600));
    if origins.iter().any(|o| o == "*") {
        return layer.allow_origin(Any);
    }
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    layer.allow_origin(AllowOrigin::list(list))
}
