//! A small MCP client over the streamable HTTP transport (MCP 2025-06-18, "Transports"): JSON-RPC
//! messages POSTed to one endpoint, answers read as JSON or as an event stream, and the session the
//! server opens (`Mcp-Session-Id`) carried on every later message and closed with `DELETE`. Used by
//! `init --mcp` (discovery) and by runs against stateful MCP services (one session per user).

use reqwest::Method;
use serde_json::{Value, json};

use super::{Exchange, HttpClient, RequestSpec, SendError, body};

/// The protocol revision asked for.
pub const PROTOCOL_VERSION: &str = "2025-06-18";

/// What went wrong with an MCP exchange.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum McpError {
    /// No HTTP answer.
    #[error("{0}")]
    Unreachable(String),
    /// `initialize` was refused with 401 or 403.
    #[error("answered {0} to `initialize`")]
    Refused(u16),
    /// An answer that is not what the protocol says.
    #[error("{0}")]
    Protocol(String),
}

/// One conversation with an MCP endpoint.
pub struct McpClient<'a> {
    client: &'a HttpClient,
    url: String,
    headers: Vec<(String, String)>,
    session: Option<String>,
    protocol: Option<String>,
    next_id: u64,
}

impl<'a> McpClient<'a> {
    /// A client of the endpoint `url`, sending `headers` (the credentials) on every message.
    pub fn new(client: &'a HttpClient, url: &str, headers: Vec<(String, String)>) -> Self {
        McpClient {
            client,
            url: url.to_string(),
            headers,
            session: None,
            protocol: None,
            next_id: 1,
        }
    }

    /// `initialize` then `notifications/initialized`; the `initialize` result.
    pub async fn initialize(&mut self) -> Result<Value, McpError> {
        let params = json!({
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "authconform", "version": env!("CARGO_PKG_VERSION")},
        });
        let message = self.message("initialize", params);
        let answer = self.send(&message).await?;
        if matches!(answer.status, 401 | 403) {
            return Err(McpError::Refused(answer.status));
        }
        self.session = answer.header("mcp-session-id").map(str::to_string);
        let result = result(&answer, "initialize")?;
        self.protocol = Some(
            result["protocolVersion"]
                .as_str()
                .unwrap_or(PROTOCOL_VERSION)
                .to_string(),
        );
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        self.send(&initialized).await?;
        Ok(result)
    }

    /// Calls `method` with `params`; its result.
    pub async fn call(&mut self, method: &str, params: Value) -> Result<Value, McpError> {
        let message = self.message(method, params);
        let answer = self.send(&message).await?;
        result(&answer, method)
    }

    /// The session the server opened, if it did.
    pub fn session(&self) -> Option<&str> {
        self.session.as_deref()
    }

    /// The protocol revision agreed.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// Ends the session, if one was opened (the server may keep state for it); errors are ignored.
    pub async fn close(self) {
        if self.session.is_some() {
            let _ = self.client.send(&self.request(Method::DELETE)).await;
        }
    }

    fn message(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({"jsonrpc": "2.0", "id": id, "method": method});
        if !params.is_null() {
            message["params"] = params;
        }
        message
    }

    async fn send(&self, message: &Value) -> Result<Exchange, McpError> {
        let request = self.request(Method::POST).json(message);
        self.client.send(&request).await.map_err(|err| match err {
            SendError::Build(reason) => McpError::Protocol(reason),
            other => McpError::Unreachable(format!("{}: {other}", self.url)),
        })
    }

    fn request(&self, method: Method) -> RequestSpec {
        let mut request = RequestSpec::new(method, self.url.clone())
            .header("accept", "application/json, text/event-stream");
        for (name, value) in &self.headers {
            request = request.header(name.clone(), value.clone());
        }
        if let Some(session) = &self.session {
            request = request.header("mcp-session-id", session.clone());
        }
        if let Some(protocol) = &self.protocol {
            request = request.header("mcp-protocol-version", protocol.clone());
        }
        request
    }
}

/// The `result` of a JSON-RPC answer, or why there is none.
fn result(answer: &Exchange, method: &str) -> Result<Value, McpError> {
    if !(200..300).contains(&answer.status) {
        return Err(McpError::Protocol(format!(
            "answered {} to `{method}`: {}",
            answer.status,
            snippet(&answer.body_text())
        )));
    }
    let message = body::parse(&answer.body_text())
        .ok_or_else(|| McpError::Protocol(format!("the answer to `{method}` is not JSON-RPC")))?;
    if let Some(error) = message.get("error") {
        return Err(McpError::Protocol(format!("`{method}` failed: {error}")));
    }
    message
        .get("result")
        .cloned()
        .ok_or_else(|| McpError::Protocol(format!("the answer to `{method}` has no result")))
}

/// The start of an answer, for an error message.
fn snippet(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    match line.char_indices().nth(120) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None if line.is_empty() => "(empty body)".into(),
        None => line.to_string(),
    }
}
