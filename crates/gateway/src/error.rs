//! [`ApiError`]: every HTTP error the gateway answers, in FastAPI's `{"detail": …}` shape
//! that existing clients print. Client errors say what to fix; server errors answer an
//! opaque message while the cause is logged.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// One schema problem, as pydantic reports it: where, what, and which kind.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub loc: Vec<Value>,
    pub msg: String,
    pub kind: &'static str,
}

impl FieldError {
    pub fn body(field: &str, kind: &'static str, msg: impl Into<String>) -> Self {
        Self {
            loc: vec![json!("body"), json!(field)],
            msg: msg.into(),
            kind,
        }
    }
    pub fn query(field: &str, kind: &'static str, msg: impl Into<String>) -> Self {
        Self {
            loc: vec![json!("query"), json!(field)],
            msg: msg.into(),
            kind,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 422: the request does not have the right shape.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 400: well-formed, but cannot be served (unknown provider, voice, format…).
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 401: no API key, or a bad one (keys on).
    #[error("{0}")]
    Unauthorized(String),
    /// 403: a token used on a door it does not open.
    #[error("{0}")]
    Forbidden(String),
    #[error("{detail}")]
    RateLimited {
        detail: String,
        retry_after_secs: u64,
    },
    /// 503: a dependency or capacity limit; retrying later may work.
    #[error("{0}")]
    Unavailable(String),
    /// 502: the speech engine failed.
    #[error("{0}")]
    Provider(String),
    /// 500: a bug or an unexpected failure; the message is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A query string that could not be read (a repeated parameter, a value of the wrong
    /// type): 422, naming the parameter when axum's message does.
    pub fn query(rejection: QueryRejection) -> Self {
        let msg = rejection.body_text();
        let mut loc = vec![json!("query")];
        if let Some(name) = msg.split('`').nth(1) {
            loc.push(json!(name));
        }
        ApiError::Validation(vec![FieldError {
            loc,
            msg,
            kind: "query_invalid",
        }])
    }

    /// A session id that is not even text (`%FF`): 404, as for any id that names no session.
    pub fn session_path(rejection: PathRejection) -> Self {
        ApiError::NotFound(format!(
            "no session at this path: {}",
            rejection.body_text()
        ))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Provider(_) => StatusCode::BAD_GATEWAY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            ApiError::Validation(errors) => json!({
                "detail": errors.iter().map(|e| json!({
                    "type": e.kind, "loc": e.loc, "msg": e.msg,
                })).collect::<Vec<_>>()
            }),
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                json!({"detail": "internal server error"})
            }
            other => json!({"detail": other.to_string()}),
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let ApiError::RateLimited {
            retry_after_secs, ..
        } = self
        {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_secs.max(1)),
            );
        }
        response
    }
}

impl From<crate::guard::Refusal> for ApiError {
    fn from(r: crate::guard::Refusal) -> Self {
        match r {
            crate::guard::Refusal::RateLimited {
                detail,
                retry_after_secs,
            } => ApiError::RateLimited {
                detail,
                retry_after_secs,
            },
            crate::guard::Refusal::Unauthorized(m) => ApiError::Unauthorized(m),
            crate::guard::Refusal::Forbidden(m) => ApiError::Forbidden(m),
            crate::guard::Refusal::TooLarge(m) => ApiError::PayloadTooLarge(m),
            other => ApiError::Unavailable(other.to_string()),
        }
    }
}
