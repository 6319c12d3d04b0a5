//! `POST /v1/text-to-speech/{voice_id}` and `…/stream` (both stream the audio as the
//! body), `GET /v1/voices` and `GET /v1/models` in ElevenLabs' shapes, and the sockets'
//! handshakes: the voice and `output_format` are checked before the upgrade.

use super::connection::ElevenLabs;
use super::error::{self, ElevenLabsError, CODES};
use super::wire::{self, SpeechBody, SpeechQuery, TimestampLines, VoiceSettings};
use crate::auth::Slot;
use crate::doors::http::{self, NoAudio};
use crate::doors::socket;
use crate::guard;
use crate::pipeline::{resolve, Api, Job, SpeechRequest, StreamFailure, Text, Wanted};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, MatchedPath, Path, Query, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tts_audio::EncodeError;

/// Every speech endpoint: `…/{voice_id}` and `…/stream` (raw audio), and
/// `…/stream/with-timestamps` (JSON lines as the audio is made) and `…/with-timestamps`
/// (one JSON object at the end): `audio_base64` with the per-character `alignment` of the
/// words it holds, when the engine gives timings.
pub async fn speech(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    path: MatchedPath,
    headers: HeaderMap,
    voice_id: Result<Path<String>, PathRejection>,
    query: Result<Query<SpeechQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ElevenLabsError> {
    let voice_id = voice_of(voice_id)?;
    let since = Instant::now();
    let path = path.as_str();
    let timestamps = path.ends_with("/with-timestamps");
    let (request, body, hold) =
        prepare(&state, (peer, &headers), &voice_id, query, body, timestamps).await?;
    if !timestamps {
        let headers = vec![
            (
                HeaderName::from_static("request-id"),
                uuid::Uuid::new_v4().to_string(),
            ),
            (
                HeaderName::from_static("x-character-count"),
                body.text.chars().count().to_string(),
            ),
            (
                HeaderName::from_static("x-model-id"),
                body.model_id.unwrap_or_default(),
            ),
        ];
        let door = (Api::ElevenLabs, since, hold);
        return http::raw_speech(&state, request, body.text, door, &CODES, headers).await;
    }
    let job = Job {
        request: Arc::new(request),
        text: Text::Whole(body.text),
        framer: TimestampLines::default(),
        api: Api::ElevenLabs,
        encode: true,
        retain: false,
        hold,
    };
    let body = http::stream_body(&state, job, since, http::cut_on_failure())
        .await
        .map_err(|no| match no {
            NoAudio::Failed(f) => CODES.failure(f),
            NoAudio::Empty => CODES.invalid("the text produced no audio"),
        })?;
    let json = [(header::CONTENT_TYPE, "application/json")];
    if path.ends_with("/stream/with-timestamps") {
        return Ok((json, body).into_response());
    }
    // The whole answer at once: the lines joined into one object.
    let lines = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|e| CODES.failure(StreamFailure::Encode(EncodeError::Codec(e.to_string()))))?;
    Ok((json, Json(join_lines(&lines))).into_response())
}

/// Joins `TimestampLines` into one `{"audio_base64","alignment","normalized_alignment"}`.
fn join_lines(lines: &[u8]) -> Value {
    let mut audio = Vec::new();
    let mut alignment: Option<Value> = None;
    let keys = [
        "characters",
        "character_start_times_seconds",
        "character_end_times_seconds",
    ];
    for line in lines.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let Ok(v) = serde_json::from_slice::<Value>(line) else {
            continue;
        };
        if let Some(b64) = v["audio_base64"].as_str() {
            audio.extend(STANDARD.decode(b64).unwrap_or_default());
        }
        if v["alignment"].is_object() {
            let all =
                alignment.get_or_insert_with(|| json!({keys[0]: [], keys[1]: [], keys[2]: []}));
            for key in keys {
                if let (Some(to), Some(from)) =
                    (all[key].as_array_mut(), v["alignment"][key].as_array())
                {
                    to.extend(from.iter().cloned());
                }
            }
        }
    }
    let alignment = alignment.unwrap_or(Value::Null);
    json!({
        "audio_base64": STANDARD.encode(audio),
        "normalized_alignment": alignment,
        "alignment": alignment,
    })
}

/// The checks and the pipeline request every speech endpoint shares, and the key's
/// stream slot.
async fn prepare(
    state: &AppState,
    (peer, headers): (SocketAddr, &HeaderMap),
    voice_id: &str,
    query: Result<Query<SpeechQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
    word_timestamps: bool,
) -> Result<(SpeechRequest, SpeechBody, Slot), ElevenLabsError> {
    let (client, hold) = guard::check(state, peer, headers, Api::ElevenLabs, &body)
        .await
        .map_err(|r| CODES.refusal(r))?;
    let query = query_of(query)?;
    let body: SpeechBody =
        CODES.json_body(body, (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request"))?;
    http::check_text(state, &body.text).map_err(|m| CODES.invalid(m))?;
    let language = body
        .language_code
        .as_deref()
        .or(query.language_code.as_deref());
    let mut request = request(
        state,
        voice_id,
        query.output_format.as_deref(),
        language,
        body.voice_settings.as_ref(),
        word_timestamps,
    )?;
    request.cache.enabled = query.cache.unwrap_or(true);
    guard::spend_text(state, &client, &body.text)
        .await
        .map_err(|r| CODES.refusal(r))?;
    Ok((request, body, hold))
}

/// `GET /v1/voices`: this gateway's voices, as ElevenLabs lists voices.
pub async fn voices(State(state): State<Arc<AppState>>) -> Json<Value> {
    let voices: Vec<Value> = state
        .catalog
        .all()
        .iter()
        .map(|v| {
            json!({
                "voice_id": v.id,
                "name": v.name,
                "category": "premade",
                "labels": {"language": v.language, "engine": v.provider},
                "description": format!("{} ({}, {} Hz)", v.name, v.provider, v.sample_rate_hz),
                "verified_languages": [{"language": v.language, "model_id": v.provider}],
            })
        })
        .collect();
    Json(json!({"voices": voices}))
}

/// `GET /v1/models`: this gateway's engines. Any `model_id` is accepted; the engine
/// follows the voice.
pub async fn models(State(state): State<Arc<AppState>>) -> Json<Value> {
    let models: Vec<Value> = state
        .providers
        .ids()
        .into_iter()
        .map(|id| {
            json!({
                "model_id": id,
                "name": id,
                "can_do_text_to_speech": true,
                "can_use_speaker_boost": false,
            })
        })
        .collect();
    Json(Value::Array(models))
}

/// `GET /v1/text-to-speech/{voice_id}/stream-input` (one context) and
/// `…/multi-stream-input` (contexts).
#[allow(clippy::too_many_arguments)] // one axum extractor per part of the handshake
pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    path: MatchedPath,
    headers: HeaderMap,
    voice_id: Result<Path<String>, PathRejection>,
    query: Result<Query<SpeechQuery>, QueryRejection>,
    RawQuery(raw): RawQuery,
) -> Response {
    let voice_id = match voice_of(voice_id) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let multi = path.as_str().ends_with("/multi-stream-input");
    let door = Api::ElevenLabs;
    // Without a key in the handshake, the first message may bring it (`xi_api_key`).
    let identified = guard::identify_socket_or_later(&state, peer, &headers, raw.as_deref(), door);
    let (client, credential_due) = match identified {
        Ok(identified) => identified,
        Err(refusal) => return socket::refuse(ws, refusal),
    };
    let checked = query_of(query).and_then(|q| {
        let mut request = request(
            &state,
            &voice_id,
            q.output_format.as_deref(),
            q.language_code.as_deref(),
            None,
            true,
        )?;
        request.cache.enabled = q.cache.unwrap_or(true);
        Ok(request)
    });
    match checked {
        Ok(request) => {
            let door = ElevenLabs::new(request, multi, credential_due);
            socket::upgrade(ws, state, client, door)
        }
        Err(e) => e.into_response(),
    }
}

/// The `{voice_id}` of the path; one that is not text names no voice (404).
fn voice_of(path: Result<Path<String>, PathRejection>) -> Result<String, ElevenLabsError> {
    path.map(|Path(v)| v)
        .map_err(|e| CODES.error(StatusCode::NOT_FOUND, "voice_not_found", e.body_text()))
}

fn query_of(
    query: Result<Query<SpeechQuery>, QueryRejection>,
) -> Result<SpeechQuery, ElevenLabsError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| CODES.invalid(e.body_text()))
}

/// Checks `speed` of `voice_settings`: 0.25 to 4.0.
pub fn speed(settings: Option<&VoiceSettings>) -> Result<Option<f32>, String> {
    match settings.and_then(|s| s.speed) {
        Some(s) if !(0.25..=4.0).contains(&s) => Err(format!(
            "voice_settings.speed must be between 0.25 and 4.0 (got {s})"
        )),
        speed => Ok(speed),
    }
}

fn request(
    state: &AppState,
    voice: &str,
    output_format: Option<&str>,
    language: Option<&str>,
    settings: Option<&VoiceSettings>,
    word_timestamps: bool,
) -> Result<SpeechRequest, ElevenLabsError> {
    let out = wire::output(output_format)?;
    let speed = speed(settings).map_err(|m| CODES.invalid(m))?;
    resolve(
        state,
        Wanted {
            provider: None,
            voice,
            language,
            format: out.format,
            sample_rate_hz: out.sample_rate,
            bitrate_kbps: out.bitrate_kbps,
            speed,
            pitch: None,
            word_timestamps,
            reading: Default::default(),
        },
    )
    .map_err(error::unservable)
}
