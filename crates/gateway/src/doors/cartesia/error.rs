//! Errors in Cartesia's shape: `{"title","message","error_code","status_code","request_id"}`,
//! the same fields its socket's `error` message carries.

use crate::doors::http::{VendorCodes, VendorError};
use crate::pipeline::Unservable;
use serde_json::json;

pub type CartesiaError = VendorError;

pub const CODES: VendorCodes = VendorCodes::snake_case(shape);

fn shape(e: &VendorError) -> serde_json::Value {
    json!({
        "title": e.status.canonical_reason().unwrap_or("Error"),
        "message": e.message,
        "error_code": e.code,
        "status_code": e.status.as_u16(),
        "request_id": uuid::Uuid::new_v4().to_string(),
    })
}

pub fn unservable(u: Unservable) -> CartesiaError {
    let field = match u.field {
        "provider" => "voice",
        "format" | "sample_rate_hz" | "bitrate_kbps" => "output_format",
        other => other,
    };
    CODES.invalid(format!("{field}: {}", u.message))
}
