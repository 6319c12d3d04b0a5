//! Errors in ElevenLabs' REST shape: `{"detail":{"status","message"}}`, with 400 for a
//! request to fix, 404 `voice_not_found`, 429, 5xx.

use crate::doors::http::{VendorCodes, VendorError};
use crate::pipeline::Unservable;
use axum::http::StatusCode;
use serde_json::json;

pub type ElevenLabsError = VendorError;

pub const CODES: VendorCodes = VendorCodes {
    rate_limited: "rate_limit_exceeded",
    unauthorized: "invalid_api_key",
    forbidden: "missing_permissions",
    ..VendorCodes::snake_case(shape)
};

fn shape(e: &VendorError) -> serde_json::Value {
    json!({"detail": {"status": e.code, "message": e.message}})
}

/// A 400 with ElevenLabs' `status` for it.
pub fn invalid(code: &'static str, message: impl Into<String>) -> ElevenLabsError {
    CODES.error(StatusCode::BAD_REQUEST, code, message)
}

pub fn unservable(u: Unservable) -> ElevenLabsError {
    match u.field {
        "voice" | "provider" => CODES.error(StatusCode::NOT_FOUND, "voice_not_found", u.message),
        "format" | "sample_rate_hz" | "bitrate_kbps" => invalid("invalid_output_format", u.message),
        "language" => invalid("invalid_language_code", u.message),
        _ => CODES.invalid(u.message),
    }
}
