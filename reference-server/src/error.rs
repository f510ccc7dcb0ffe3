//! The one error type of the HTTP API: every failure becomes a status code and a small JSON body
//! `{"error": <code>, "message": <text>}` that never carries internal detail.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A request that cannot be answered with success.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Valid token, but the path names another user (403).
    #[error("forbidden")]
    Forbidden,
    /// Unknown route, or an id that does not exist or belongs to someone else (404).
    #[error("not found")]
    NotFound,
    /// Request body failed validation (422).
    #[error("validation error: {0}")]
    Validation(String),
    /// Request body above the size limit (413).
    #[error("payload too large")]
    PayloadTooLarge,
    /// Request body could not be read or is not JSON (400).
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// Route exists but not for this method (405).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A bug or a storage failure (500). The detail is logged, never sent.
    #[error("internal error")]
    Internal,
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `error` code in the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::Validation(_) => "validation_error",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Internal => "internal_error",
        }
    }

    fn message(&self) -> String {
        match self {
            ApiError::Forbidden => "you may only access your own resources".to_owned(),
            ApiError::NotFound => "resource not found".to_owned(),
            ApiError::Validation(detail) => detail.clone(),
            ApiError::PayloadTooLarge => "request body is too large".to_owned(),
            ApiError::BadRequest(detail) => (*detail).to_owned(),
            ApiError::MethodNotAllowed => "method not allowed on this resource".to_owned(),
            ApiError::Internal => "internal server error".to_owned(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(json!({ "error": self.code(), "message": self.message() }));
        (self.status(), body).into_response()
    }
}

/// Storage failures are logged and answered as a generic 500.
impl From<crate::store::StoreError> for ApiError {
    fn from(err: crate::store::StoreError) -> Self {
        tracing::error!(error = %err, "storage failure");
        ApiError::Internal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_codes() {
        assert_eq!(ApiError::Forbidden.status(), StatusCode::FORBIDDEN);
        assert_eq!(ApiError::NotFound.code(), "not_found");
        assert_eq!(
            ApiError::Validation("x".into()).status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(ApiError::PayloadTooLarge.status().as_u16(), 413);
    }
}
