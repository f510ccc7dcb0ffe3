//! Legitimate presentation choices ("styles") that a correct server may make where the spec leaves room
//! (specs/spec.md section 5). Unlike a [`crate::flaws::Flaw`], a style breaks no requirement: the
//! harness must pass the reference server with any set of styles switched on, which proves its checks
//! raise no false alarm on a correct server that chose differently.
//!
//! Each style is a small local switch, like the flaws: `verbose-challenge` and `bare-challenge` in the
//! 401/400 rejection,
//! `mcp-http-403` in the MCP handler, and the others in [`restyle`], the one middleware that rewrites
//! finished responses (status codes and error body shapes).

use std::fmt;
use std::str::FromStr;

use axum::body::{Body, to_bytes};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

macro_rules! styles {
    ($( $variant:ident = $id:literal, $description:literal; )+) => {
        /// One legitimate variation of the contract's presentation.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Style {
            $(
                #[doc = $description]
                $variant,
            )+
        }

        impl Style {
            /// Every style, in documentation order.
            pub const ALL: &'static [Style] = &[$(Style::$variant),+];

            /// The kebab-case id used on the command line (`--style ID`).
            pub fn id(self) -> &'static str {
                match self { $(Style::$variant => $id),+ }
            }

            /// What the server does differently with this style on.
            pub fn description(self) -> &'static str {
                match self { $(Style::$variant => $description),+ }
            }
        }
    };
}

styles! {
    VerboseChallenge = "verbose-challenge",
        "WWW-Authenticate challenges with another realm, parameters in another order, error_description and scope";
    MissingToken403 = "missing-token-403",
        "a request without credentials gets 403 {\"detail\": \"Not authenticated\"} without a challenge (FastAPI's HTTPBearer before 0.122.0); a profile declares it with policy.missing_token_status: [401, 403]";
    BareChallenge = "bare-challenge",
        "every 401 carries a bare `WWW-Authenticate: Bearer` challenge, without realm or error (FastAPI's HTTPBearer and its documentation's pattern)";
    McpHttp403 = "mcp-http-403",
        "an MCP tools/call whose user_id is not the caller is refused with HTTP 403 and a JSON-RPC error object";
    Validation400 = "validation-400",
        "request bodies that break the schema get 400 instead of 422";
    PathUser404 = "path-user-404",
        "a path user_id that is not the caller gets 404 instead of 403";
    DetailErrors = "detail-errors",
        "error bodies are FastAPI-shaped {\"detail\": ...} instead of {\"error\", \"message\"}";
    Success200 = "success-200",
        "create answers 200 instead of 201, delete 200 with a JSON body instead of 204";
}

impl fmt::Display for Style {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// An unknown style id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown style id `{0}` (known: {known})", known = Style::ALL.iter().map(|s| s.id()).collect::<Vec<_>>().join(", "))]
pub struct UnknownStyle(pub String);

impl FromStr for Style {
    type Err = UnknownStyle;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Style::ALL
            .iter()
            .copied()
            .find(|style| style.id() == s)
            .ok_or_else(|| UnknownStyle(s.to_owned()))
    }
}

/// A set of styles (any number may be on at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Styles(u32);

impl Styles {
    /// The set holding `styles`.
    pub fn of(styles: &[Style]) -> Styles {
        Styles(styles.iter().fold(0, |bits, style| bits | bit(*style)))
    }

    /// Whether `style` is on.
    pub fn has(self, style: Style) -> bool {
        self.0 & bit(style) != 0
    }

    /// The styles that are on, in documentation order.
    pub fn list(self) -> Vec<Style> {
        Style::ALL
            .iter()
            .copied()
            .filter(|s| self.has(*s))
            .collect()
    }
}

fn bit(style: Style) -> u32 {
    let index = Style::ALL.iter().position(|s| *s == style).unwrap_or(0);
    1 << index
}

/// The most bytes of a response body [`restyle`] reads (it only reads error, 201 and 204 answers,
/// which are small).
const MAX_RESTYLED_BODY: usize = 64 * 1024;

/// Applies the response-level styles to a finished response: `path-user-404`, `validation-400`,
/// `success-200` and `detail-errors`. With no style on, the response is returned untouched.
pub async fn restyle(styles: Styles, response: Response) -> Response {
    let rewrites_status = styles.has(Style::PathUser404)
        || styles.has(Style::Validation400)
        || styles.has(Style::Success200);
    let status = response.status();
    let candidate = status.is_client_error()
        || status == StatusCode::CREATED
        || status == StatusCode::NO_CONTENT;
    if !candidate || (!rewrites_status && !styles.has(Style::DetailErrors)) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_RESTYLED_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut body: Option<Value> = serde_json::from_slice(&bytes).ok();
    let mut new_status = status;
    // STYLE path-user-404: the path names another user: answered like a missing resource.
    if styles.has(Style::PathUser404)
        && status == StatusCode::FORBIDDEN
        && is_error(&body, "forbidden")
    {
        new_status = StatusCode::NOT_FOUND;
        body = Some(json!({"error": "not_found", "message": "resource not found"}));
    }
    // STYLE validation-400: schema violations are a plain bad request.
    if styles.has(Style::Validation400) && status == StatusCode::UNPROCESSABLE_ENTITY {
        new_status = StatusCode::BAD_REQUEST;
    }
    // STYLE success-200: no 201 on create, no empty 204 on delete.
    if styles.has(Style::Success200) {
        if status == StatusCode::CREATED {
            new_status = StatusCode::OK;
        } else if status == StatusCode::NO_CONTENT {
            new_status = StatusCode::OK;
            body = Some(json!({"deleted": true}));
        }
    }
    // STYLE detail-errors: FastAPI's error body shape.
    if styles.has(Style::DetailErrors)
        && new_status.is_client_error()
        && let Some(message) = body
            .as_ref()
            .and_then(|b| b.get("message"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    {
        body = Some(json!({"detail": message}));
    }
    parts.status = new_status;
    let bytes = match body {
        Some(value) if new_status != status || styles.has(Style::DetailErrors) => {
            parts
                .headers
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            value.to_string().into_bytes()
        }
        _ => bytes.to_vec(),
    };
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    Response::from_parts(parts, Body::from(bytes))
}

fn is_error(body: &Option<Value>, code: &str) -> bool {
    body.as_ref()
        .and_then(|b| b.get("error"))
        .and_then(Value::as_str)
        == Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;

    #[test]
    fn ids_round_trip_and_sets_hold_several() {
        for style in Style::ALL {
            assert_eq!(style.id().parse::<Style>(), Ok(*style));
            assert!(!style.description().is_empty());
        }
        assert!(
            "nope"
                .parse::<Style>()
                .unwrap_err()
                .to_string()
                .contains("verbose-challenge")
        );
        let set = Styles::of(&[Style::McpHttp403, Style::Success200]);
        assert!(set.has(Style::McpHttp403) && set.has(Style::Success200));
        assert!(!set.has(Style::VerboseChallenge));
        assert_eq!(set.list(), vec![Style::McpHttp403, Style::Success200]);
        assert_eq!(Styles::default().list(), Vec::<Style>::new());
    }

    async fn body_of(response: Response) -> (StatusCode, Value) {
        let status = response.status();
        let bytes = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    fn error(status: StatusCode, code: &str, message: &str) -> Response {
        (
            status,
            axum::Json(json!({"error": code, "message": message})),
        )
            .into_response()
    }

    #[tokio::test]
    async fn no_style_leaves_the_response_alone() {
        let response = restyle(
            Styles::default(),
            error(StatusCode::FORBIDDEN, "forbidden", "x"),
        )
        .await;
        assert_eq!(
            body_of(response).await,
            (
                StatusCode::FORBIDDEN,
                json!({"error": "forbidden", "message": "x"})
            )
        );
    }

    #[tokio::test]
    async fn each_response_style_rewrites_only_its_case() {
        let path404 = Styles::of(&[Style::PathUser404]);
        let (status, body) =
            body_of(restyle(path404, error(StatusCode::FORBIDDEN, "forbidden", "x")).await).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found"))
        );
        let (status, _) = body_of(
            restyle(
                path404,
                error(StatusCode::UNAUTHORIZED, "invalid_token", "x"),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let v400 = Styles::of(&[Style::Validation400]);
        let (status, _) = body_of(
            restyle(
                v400,
                error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error", "x"),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        let ok200 = Styles::of(&[Style::Success200]);
        let created = (StatusCode::CREATED, axum::Json(json!({"id": 1}))).into_response();
        assert_eq!(
            body_of(restyle(ok200, created).await).await,
            (StatusCode::OK, json!({"id": 1}))
        );
        let deleted = restyle(ok200, StatusCode::NO_CONTENT.into_response()).await;
        assert_eq!(
            body_of(deleted).await,
            (StatusCode::OK, json!({"deleted": true}))
        );

        let detail = Styles::of(&[Style::DetailErrors]);
        let (status, body) = body_of(
            restyle(
                detail,
                error(StatusCode::NOT_FOUND, "not_found", "resource not found"),
            )
            .await,
        )
        .await;
        assert_eq!(
            (status, body),
            (
                StatusCode::NOT_FOUND,
                json!({"detail": "resource not found"})
            )
        );
        let ok = (StatusCode::OK, axum::Json(json!({"message": "kept"}))).into_response();
        assert_eq!(
            body_of(restyle(detail, ok).await).await.1,
            json!({"message": "kept"})
        );
    }
}
