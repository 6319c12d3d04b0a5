//! The router: every endpoint of the wire contract, plus the web UI at `/`.

mod auth;
mod file;
mod health;
mod normalize;
mod sessions;
mod ui;
mod voices;

use crate::doors;
use crate::guard::{self, Client};
use crate::pipeline::Api;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::Uri;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, get, post};
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: Arc<AppState>) -> Router {
    // Endpoints that start no stream check the key (when keys are on) before their
    // handler; those that do start one call `crate::guard` themselves.
    let mut native = Router::new()
        .route("/v1/voices", get(voices::list))
        .route("/v1/tts/normalize", post(normalize::normalize))
        .route("/v1/tts/sessions/{id}", get(sessions::show));
    if state.settings.auth.metrics_addr.is_none() {
        native = native.route("/metrics", get(health::metrics));
    }
    let api = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(native.route_layer(middleware::from_fn_with_state(
            (Arc::clone(&state), Api::Session),
            require_key,
        )))
        .merge(
            Router::new()
                .route("/v1/tts/sessions/{id}/file", get(file::download))
                .route_layer(middleware::from_fn_with_state(
                    (Arc::clone(&state), Api::File),
                    require_key,
                )),
        )
        .merge(
            Router::new()
                .route("/v1/models", get(doors::openai::models))
                .route_layer(middleware::from_fn_with_state(
                    (Arc::clone(&state), Api::OpenAi),
                    require_key,
                )),
        )
        .route("/v1/auth/tokens", post(auth::mint))
        .route("/v1/auth/ui-token", post(auth::ui_token))
        .route("/v1/tts/sessions", post(sessions::create))
        .route("/v1/tts/stream/{id}", get(doors::session::upgrade))
        .route(
            "/v1/tts/realtime",
            get(doors::socket::accept::<doors::realtime::Realtime>),
        )
        .route("/v1/audio/speech", post(doors::openai::speech))
        .route(
            "/v1/speak",
            get(doors::deepgram::upgrade).post(doors::deepgram::speak),
        )
        .nest("/elevenlabs", elevenlabs(&state))
        .nest("/cartesia", cartesia(&state))
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

/// The router of `METRICS_ADDR`'s listener: `/metrics` alone, without a key.
pub fn metrics_only(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/metrics", get(health::metrics))
        .with_state(state)
}

async fn unknown_endpoint(method: axum::http::Method, uri: Uri) -> crate::error::ApiError {
    crate::error::ApiError::NotFound(format!(
        "no endpoint {method} {}; the API's endpoints are listed in the README (GET /v1/voices, POST /v1/tts/sessions, …)",
        uri.path()
    ))
}

/// With keys on, a request needs a key or token that opens `door`; its [`Client`]
/// goes to the handler as an extension. Refusals are in the door's shape.
async fn require_key(
    State((state, door)): State<(Arc<AppState>, Api)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    if state.auth.is_some() {
        match guard::identify(&state, peer, req.headers(), door) {
            Ok(client) => {
                req.extensions_mut().insert::<Client>(client);
            }
            Err(r) => return doors::refused(door, r),
        }
    }
    next.run(req).await
}

/// ElevenLabs' paths, under the `/elevenlabs` prefix clients set in their base URL.
fn elevenlabs(state: &Arc<AppState>) -> Router<Arc<AppState>> {
    use doors::elevenlabs as el;
    Router::new()
        .route("/v1/voices", get(el::voices))
        .route("/v1/models", get(el::models))
        .route_layer(middleware::from_fn_with_state(
            (Arc::clone(state), Api::ElevenLabs),
            require_key,
        ))
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
fn cartesia(state: &Arc<AppState>) -> Router<Arc<AppState>> {
    use doors::cartesia;
    Router::new()
        .route("/voices", get(cartesia::voices))
        .route_layer(middleware::from_fn_with_state(
            (Arc::clone(state), Api::Cartesia),
            require_key,
        ))
        .route("/tts/bytes", post(cartesia::bytes))
        .route(
            "/tts/websocket",
            get(doors::socket::accept::<cartesia::Cartesia>),
        )
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
