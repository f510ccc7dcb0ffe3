//! The HTTP routes of the Todo AI Chatbot API, mounted at the paths of a [`crate::routes::RouteLayout`].

mod chat;
mod extract;
mod mcp;
mod tasks;

use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

/// Largest request body accepted (413 above).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Every route the server serves in the default layout ([`crate::routes::RouteLayout::Contract`]), as
/// `(method, path template)`; used by the OpenAPI conformance test. Other layouts:
/// [`crate::routes::routes`].
pub const ROUTES: &[(&str, &str)] = crate::routes::CONTRACT_ROUTES;

/// Builds the router over `state`, with the paths of the state's route layout.
pub(crate) fn router(state: AppState) -> Router {
    let layout = state.routes;
    let p = layout.paths();
    let mut router = Router::new()
        .route("/health", get(health))
        .route(p.tasks, get(tasks::list).post(tasks::create))
        .route(
            p.task,
            get(tasks::get).put(tasks::update).delete(tasks::delete),
        )
        .route(p.complete, patch(tasks::toggle))
        .route(p.chat, post(chat::chat))
        .route(
            p.conversation,
            get(chat::conversation).delete(chat::delete_conversation),
        )
        .route(p.mcp, post(mcp::mcp));
    if let Some(document) = layout.openapi_document() {
        router = router.route("/openapi.json", get(move || openapi(document)));
    }
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), apply_styles))
        .layer(middleware::from_fn(headers_and_log))
        .with_state(state)
}

/// `GET /openapi.json` (layouts that have one): the layout's OpenAPI document, no authentication.
async fn openapi(document: &'static str) -> Response {
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        document,
    )
        .into_response()
}

/// `GET /health`: liveness, no authentication.
async fn health() -> Response {
    axum::Json(json!({"status": "ok"})).into_response()
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// The response-level styles (none by default, when this returns the response untouched).
async fn apply_styles(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    crate::styles::restyle(app.styles, response).await
}

/// Marks every response `Cache-Control: no-store` (answers depend on the bearer) and logs the
/// request line without its query string (which could hold a token).
async fn headers_and_log(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}
