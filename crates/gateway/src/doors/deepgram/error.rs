//! Errors in Deepgram's REST shape: `{"err_code","err_msg","request_id"}` with the
//! status the SDK maps to its exceptions (400 `BadRequestError`, others `ApiError`).
//! A refused socket handshake answers the same way, before the upgrade.

use crate::guard::Refusal;
use crate::pipeline::{StreamFailure, Unservable};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug)]
pub struct DeepgramError {
    pub status: StatusCode,
    pub err_code: &'static str,
    pub message: String,
    pub retry_after_secs: Option<u64>,
}

impl DeepgramError {
    fn new(status: StatusCode, err_code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            err_code,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    pub fn invalid_query(message: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_QUERY_PARAMETER", message)
    }

    pub fn invalid_body(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST_BODY", message)
    }
}

impl From<Unservable> for DeepgramError {
    fn from(u: Unservable) -> Self {
        let message = match u.field {
            "voice" | "provider" => format!("model: {}", u.message),
            "format" | "sample_rate_hz" => format!("encoding/sample_rate: {}", u.message),
            "bitrate_kbps" => format!("bit_rate: {}", u.message),
            _ => u.message,
        };
        Self::invalid_query(&message)
    }
}

impl From<Refusal> for DeepgramError {
    fn from(r: Refusal) -> Self {
        let code = match r {
            Refusal::RateLimited { .. } => "TOO_MANY_REQUESTS",
            Refusal::Unavailable(_) => "SERVICE_UNAVAILABLE",
        };
        Self {
            retry_after_secs: r.retry_after_secs(),
            ..Self::new(r.status(), code, r.to_string())
        }
    }
}

impl From<StreamFailure> for DeepgramError {
    fn from(f: StreamFailure) -> Self {
        let (code, _) = f.codes();
        match code {
            400 => Self::invalid_body(f.to_string()),
            503 => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                f.to_string(),
            ),
            504 => Self::new(StatusCode::GATEWAY_TIMEOUT, "TIMEOUT", f.to_string()),
            500 => {
                tracing::error!(cause = %f, "deepgram speak failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL_SERVER_ERROR",
                    "internal server error",
                )
            }
            _ => Self::new(StatusCode::BAD_GATEWAY, "PROVIDER_ERROR", f.to_string()),
        }
    }
}

impl IntoResponse for DeepgramError {
    fn into_response(self) -> Response {
        let body = json!({
            "err_code": self.err_code,
            "err_msg": self.message,
            "request_id": uuid::Uuid::new_v4().to_string(),
        });
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        response
    }
}
