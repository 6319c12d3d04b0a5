//! `POST /v1/tts/normalize`: what the gateway will say for a text, to debug
//! pronunciation: the normalised text, the pieces (text, pauses) and the segments a
//! realtime context would release.

use crate::error::{ApiError, FieldError};
use crate::pipeline::speakable::{prepare, TextOptions, TextType};
use crate::pipeline::{Segmenter, SegmenterConfig, SpeechRequest};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;
use tts_core::AudioFormat;
use tts_normalize::Piece;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    text: String,
    /// BCP-47; default: the voice's language, else en-US.
    language: Option<String>,
    voice: Option<String>,
    provider: Option<String>,
    text_type: Option<String>,
    normalize: Option<bool>,
    lexicon: Option<BTreeMap<String, String>>,
}

pub async fn normalize(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body: Body = serde_json::from_slice(&body).map_err(|e| {
        ApiError::Validation(vec![FieldError {
            loc: vec![json!("body")],
            msg: format!("invalid body: {e}"),
            kind: "json_invalid",
        }])
    })?;
    let text_type = match body.text_type.as_deref() {
        None => TextType::Auto,
        Some(t) => TextType::parse(t).ok_or_else(|| {
            ApiError::BadRequest(format!("text_type must be plain, ssml or auto (got {t:?})"))
        })?,
    };
    let voice = body
        .voice
        .as_deref()
        .and_then(|v| match body.provider.as_deref() {
            Some(p) => state.catalog.find(p, v),
            None => state.catalog.find_any(v),
        });
    let language = body
        .language
        .clone()
        .or_else(|| voice.map(|v| v.language.clone()))
        .unwrap_or_else(|| "en-US".into());
    let request = SpeechRequest {
        provider: voice.map(|v| v.provider.clone()).unwrap_or_default(),
        voice: voice.map(|v| v.id.clone()).unwrap_or_default(),
        language: Some(language.clone()),
        format: AudioFormat::Pcm16,
        sample_rate_hz: 16_000,
        native_rate_hz: 16_000,
        bitrate_kbps: None,
        speed: None,
        pitch: None,
        word_timestamps: false,
        reading: TextOptions {
            normalize: body.normalize.unwrap_or(true),
            text_type,
            lexicon: body.lexicon.unwrap_or_default().into_iter().collect(),
        },
        cache: Default::default(),
    };
    let pieces = prepare(&state, &request, &body.text).map_err(|e| ApiError::BadRequest(e.0))?;
    let spoken: Vec<&str> = pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let spoken = spoken.join(" ");
    let mut segmenter = Segmenter::new(SegmenterConfig::default());
    let now = Instant::now();
    let segments: Vec<String> = segmenter
        .push(&spoken, now)
        .into_iter()
        .chain(segmenter.finish())
        .map(|s| s.text)
        .collect();
    Ok(Json(json!({
        "language": language,
        "text": spoken,
        "pieces": pieces,
        "segments": segments,
    })))
}
