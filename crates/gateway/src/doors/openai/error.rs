//! Errors in OpenAI's shape: `{"error":{"message","type","param","code"}}` with the
//! status the SDK maps to its exception classes (400 `BadRequestError`, 429
//! `RateLimitError`, 5xx `InternalServerError`…).

use crate::guard::Refusal;
use crate::pipeline::{StreamFailure, Unservable};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug)]
pub struct OpenAiError {
    pub status: StatusCode,
    pub message: String,
    pub kind: &'static str,
    pub param: Option<&'static str>,
    pub code: Option<&'static str>,
    pub retry_after_secs: Option<u64>,
}

impl OpenAiError {
    pub fn invalid(param: Option<&'static str>, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            kind: "invalid_request_error",
            param,
            code: None,
            retry_after_secs: None,
        }
    }

    fn server(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            kind: "server_error",
            param: None,
            code: None,
            retry_after_secs: None,
        }
    }

    /// The event an SSE stream ends with when synthesis fails after it started.
    pub fn event(&self) -> serde_json::Value {
        json!({"type": "error", "error": self.body()})
    }

    fn body(&self) -> serde_json::Value {
        json!({"message": self.message, "type": self.kind, "param": self.param, "code": self.code})
    }
}

impl From<Unservable> for OpenAiError {
    fn from(u: Unservable) -> Self {
        let param = match u.field {
            "format" | "bitrate_kbps" => "response_format",
            "voice" | "provider" => "voice",
            other => other,
        };
        Self::invalid(Some(param), u.message)
    }
}

impl From<Refusal> for OpenAiError {
    fn from(r: Refusal) -> Self {
        let (kind, code) = match r {
            Refusal::Unauthorized(_) => ("invalid_request_error", Some("invalid_api_key")),
            Refusal::Forbidden(_) => ("invalid_request_error", Some("insufficient_permissions")),
            Refusal::RateLimited { .. } => ("requests", Some("rate_limit_exceeded")),
            Refusal::Unavailable(_) => ("server_error", None),
            Refusal::TooLarge(_) => ("invalid_request_error", Some("request_too_large")),
        };
        Self {
            status: r.status(),
            kind,
            code,
            retry_after_secs: r.retry_after_secs(),
            ..Self::server(r.status(), r.to_string())
        }
    }
}

impl From<StreamFailure> for OpenAiError {
    fn from(f: StreamFailure) -> Self {
        let (code, _) = f.codes();
        match code {
            400 => Self::invalid(Some("input"), f.to_string()),
            503 => Self::server(StatusCode::SERVICE_UNAVAILABLE, f.to_string()),
            504 => Self::server(StatusCode::GATEWAY_TIMEOUT, f.to_string()),
            500 => {
                tracing::error!(cause = %f, "speech request failed");
                Self::server(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
            }
            _ => Self::server(StatusCode::BAD_GATEWAY, f.to_string()),
        }
    }
}

impl IntoResponse for OpenAiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(json!({"error": self.body()}))).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        response
    }
}
