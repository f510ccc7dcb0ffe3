//! `POST /mcp`: the MCP tools over JSON-RPC 2.0, answered as plain JSON (bearer token required).
//! The `user_id` argument of every tool must equal the token's `sub`; otherwise the call returns
//! `isError: true` and does nothing.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::extract::RawBody;
use crate::auth::AuthUser;
use crate::flaws::Flaw;
use crate::state::AppState;
use crate::styles::Style;
use crate::tools::{self, ToolOutput};

/// MCP protocol versions this server speaks (newest first).
const PROTOCOL_VERSIONS: [&str; 3] = ["2025-06-18", "2025-03-26", "2024-11-05"];

const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;
/// JSON-RPC error code of a refused `user_id` under the `mcp-http-403` style (server-defined range).
const FORBIDDEN_USER: i64 = -32003;

type RpcResult = Result<Value, (i64, String)>;

/// `POST /mcp`
pub(super) async fn mcp(
    user: AuthUser,
    State(app): State<AppState>,
    RawBody(body): RawBody,
) -> Response {
    let request = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(request)) => request,
        Ok(_) => {
            return rpc_error(
                Value::Null,
                INVALID_REQUEST,
                "expected one JSON-RPC request object",
            );
        }
        Err(_) => return rpc_error(Value::Null, PARSE_ERROR, "parse error"),
    };
    let id = request.get("id").cloned();
    let method = request.get("method").and_then(Value::as_str);
    let valid_id = id
        .as_ref()
        .is_none_or(|id| id.is_string() || id.is_i64() || id.is_u64());
    let (Some(method), true, true) = (
        method,
        request.get("jsonrpc") == Some(&json!("2.0")),
        valid_id,
    ) else {
        let id = id.filter(|_| valid_id).unwrap_or(Value::Null);
        return rpc_error(id, INVALID_REQUEST, "invalid JSON-RPC 2.0 request");
    };
    // A notification (no id) gets no response body.
    let Some(id) = id else {
        return StatusCode::ACCEPTED.into_response();
    };
    let params = request.get("params").cloned().unwrap_or_else(|| json!({}));
    let result = match method {
        "initialize" => Ok(initialize(&params)),
        "ping" => Ok(json!({})),
        "tools/list" => Ok(json!({"tools": tools::definitions()})),
        "tools/call" => tools_call(&app, &user, &params).await,
        _ => Err((METHOD_NOT_FOUND, format!("method not found: {method}"))),
    };
    match result {
        Ok(result) => Json(json!({"jsonrpc": "2.0", "id": id, "result": result})).into_response(),
        Err((FORBIDDEN_USER, message)) => {
            let mut response = rpc_error(id, FORBIDDEN_USER, &message);
            *response.status_mut() = StatusCode::FORBIDDEN;
            response
        }
        Err((code, message)) => rpc_error(id, code, &message),
    }
}

fn rpc_error(id: Value, code: i64, message: &str) -> Response {
    Json(json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}))
        .into_response()
}

fn initialize(params: &Value) -> Value {
    let requested = params.get("protocolVersion").and_then(Value::as_str);
    let version = requested
        .filter(|v| PROTOCOL_VERSIONS.contains(v))
        .unwrap_or(PROTOCOL_VERSIONS[0]);
    json!({
        "protocolVersion": version,
        "capabilities": {"tools": {"listChanged": false}},
        "serverInfo": {"name": "authconform-reference-server", "version": env!("CARGO_PKG_VERSION")},
    })
}

async fn tools_call(app: &AppState, user: &AuthUser, params: &Value) -> RpcResult {
    let name = params
        .get("name")
        .and_then(Value::as_str)
        .ok_or((INVALID_PARAMS, "params.name must be a string".to_owned()))?;
    if !tools::TOOL_NAMES.contains(&name) {
        return Err((INVALID_PARAMS, format!("unknown tool: {name}")));
    }
    let arguments = match params.get("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(arguments)) => arguments.clone(),
        Some(_) => {
            return Err((
                INVALID_PARAMS,
                "params.arguments must be an object".to_owned(),
            ));
        }
    };
    let owner = match arguments.get("user_id") {
        Some(Value::String(requested)) if *requested == user.sub => user.sub.clone(),
        // FLAW mcp-trusts-user-id: the argument, not the token, picks the user.
        Some(Value::String(requested)) if app.has(Flaw::McpTrustsUserId) => requested.clone(),
        // STYLE mcp-http-403: the refusal is an HTTP 403 with a JSON-RPC error object.
        Some(Value::String(_)) if app.styled(Style::McpHttp403) => {
            return Err((
                FORBIDDEN_USER,
                "user_id does not match the authenticated user".to_owned(),
            ));
        }
        Some(Value::String(_)) => {
            return Ok(render(ToolOutput::error(
                "forbidden",
                "user_id does not match the authenticated user",
            )));
        }
        _ => {
            return Ok(render(ToolOutput::error(
                "invalid_arguments",
                "user_id is required",
            )));
        }
    };
    let output = tools::call(&app.store, &owner, name, &arguments)
        .await
        .ok_or((INVALID_PARAMS, format!("unknown tool: {name}")))?;
    Ok(render(output))
}

fn render(output: ToolOutput) -> Value {
    json!({
        "content": [{"type": "text", "text": output.text}],
        "structuredContent": output.structured,
        "isError": output.is_error,
    })
}
