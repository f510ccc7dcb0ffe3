//! Extractors whose rejections are [`ApiError`]s (JSON bodies), and small parsing helpers.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// Path parameters; a path that cannot be decoded names nothing, hence 404.
pub(crate) struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| ApiPath(value))
            .map_err(|_| ApiError::NotFound)
    }
}

/// The raw request body, limited by `DefaultBodyLimit` (413 above it). Parsed by the handler after
/// authorization, so that a 403 is never hidden behind a 422.
pub(crate) struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::BadRequest("the request could not be read")
                }
            })
    }
}

/// Parses a body as a JSON object: 400 if it is not JSON at all, 422 if it is JSON but not an object.
pub(crate) fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(ApiError::Validation(
            "the body must be a JSON object".into(),
        )),
        Err(_) => Err(ApiError::BadRequest("the request could not be read")),
    }
}

/// Parses a task or conversation id from the path: a decimal integer in 1..2^53, else 404.
pub(crate) fn parse_id(raw: &str) -> Result<i64, ApiError> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::NotFound);
    }
    raw.parse::<i64>()
        .ok()
        .filter(|id| (1..1 << 53).contains(id))
        .ok_or(ApiError::NotFound)
}

/// The first value of a query parameter (no percent-decoding needed for the values used here).
pub(crate) fn query_value<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positive_integers() {
        assert_eq!(parse_id("42"), Ok(42));
        for bad in [
            "",
            "0",
            "-1",
            "1.0",
            "1e3",
            "abc",
            "9223372036854775808",
            " 1",
            "9007199254740992",
        ] {
            assert_eq!(parse_id(bad), Err(ApiError::NotFound), "{bad:?}");
        }
    }

    #[test]
    fn query_values() {
        assert_eq!(
            query_value(Some("a=1&status=pending"), "status"),
            Some("pending")
        );
        assert_eq!(query_value(Some("status"), "status"), Some(""));
        assert_eq!(query_value(None, "status"), None);
    }
}
