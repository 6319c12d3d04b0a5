//! Errors in Deepgram's REST shape: `{"err_code","err_msg","request_id"}` with the
//! status the SDK maps to its exceptions (400 `BadRequestError`, others `ApiError`).
//! A refused socket handshake answers the same way, before the upgrade.

use crate::doors::http::{VendorCodes, VendorError};
use crate::pipeline::Unservable;
use serde_json::json;

pub type DeepgramError = VendorError;

pub const CODES: VendorCodes = VendorCodes {
    invalid: "INVALID_QUERY_PARAMETER",
    unauthorized: "INVALID_AUTH",
    forbidden: "INSUFFICIENT_PERMISSIONS",
    rate_limited: "TOO_MANY_REQUESTS",
    unavailable: "SERVICE_UNAVAILABLE",
    timeout: "TIMEOUT",
    upstream: "PROVIDER_ERROR",
    internal: "INTERNAL_SERVER_ERROR",
    shape,
};

fn shape(e: &VendorError) -> serde_json::Value {
    json!({
        "err_code": e.code,
        "err_msg": e.message,
        "request_id": uuid::Uuid::new_v4().to_string(),
    })
}

pub fn invalid_body(message: impl Into<String>) -> DeepgramError {
    CODES.error(
        axum::http::StatusCode::BAD_REQUEST,
        "INVALID_REQUEST_BODY",
        message,
    )
}

pub fn unservable(u: Unservable) -> DeepgramError {
    let message = match u.field {
        "voice" | "provider" => format!("model: {}", u.message),
        "format" | "sample_rate_hz" => format!("encoding/sample_rate: {}", u.message),
        "bitrate_kbps" => format!("bit_rate: {}", u.message),
        _ => u.message,
    };
    CODES.invalid(message)
}
