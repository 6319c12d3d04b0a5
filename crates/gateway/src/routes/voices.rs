//! `GET /v1/voices?provider=&language=`.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use tts_core::language_matches;

#[derive(Deserialize)]
pub struct Filters {
    provider: Option<String>,
    language: Option<String>,
}

/// Voices of every running provider. `language` matches canonically and by prefix
/// (`en` lists `en-US` and `en-GB`; `en-us` lists `en-US`).
pub async fn list(
    State(state): State<Arc<AppState>>,
    query: Result<Query<Filters>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(f) = query.map_err(ApiError::query)?;
    let provider = f.provider.filter(|p| !p.is_empty());
    let language = f.language.filter(|l| !l.trim().is_empty());
    let voices: Vec<_> = state
        .catalog
        .all()
        .iter()
        .filter(|v| provider.as_deref().is_none_or(|p| v.provider == p))
        .filter(|v| {
            language
                .as_deref()
                .is_none_or(|l| language_matches(l, &v.language))
        })
        .collect();
    Ok(Json(json!({ "voices": voices })))
}
