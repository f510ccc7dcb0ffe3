//! Asking an MCP server for its tools over the streamable HTTP transport (MCP 2025-06-18, "Transports"):
//! `initialize`, `notifications/initialized`, then `tools/list` page by page; a session the server
//! opened is closed with `DELETE`. Answers may be JSON or an event stream. Nothing else is called: no
//! tool runs during discovery.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::target::{Exchange, HttpClient, RequestSpec, SendError, TargetSettings, body};

/// The protocol revision asked for.
pub const PROTOCOL_VERSION: &str = "2025-06-18";
/// Most `tools/list` pages read.
const MAX_PAGES: usize = 20;
/// Most tools kept.
const MAX_TOOLS: usize = 500;

/// One tool, as `tools/list` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    /// Its name.
    pub name: String,
    /// Its description, if any.
    pub description: Option<String>,
    /// The JSON Schema of its arguments.
    pub input_schema: Value,
    /// The JSON Schema of its structured result, if it declares one.
    pub output_schema: Option<Value>,
    /// Its `readOnlyHint` annotation, if given.
    pub read_only: Option<bool>,
}

/// What an MCP server said about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Discovery {
    /// `serverInfo.name`.
    pub server: String,
    /// The protocol revision it chose.
    pub protocol: String,
    /// Whether it opened a session (`Mcp-Session-Id`): such a server wants one on every request.
    pub session: bool,
    /// Its tools, in its order.
    pub tools: Vec<Tool>,
}

/// Discovery failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoverError {
    /// No HTTP answer.
    #[error("{0}")]
    Unreachable(String),
    /// It wants a token that was not given (or refused the one given).
    #[error(
        "{url} answered {status} to `initialize`: it wants a token; put a valid one in an environment variable and pass its name with --mcp-token-env"
    )]
    NeedsToken {
        /// The endpoint.
        url: String,
        /// 401 or 403.
        status: u16,
    },
    /// An answer that is not what the protocol says.
    #[error("{url}: {message}")]
    Protocol {
        /// The endpoint.
        url: String,
        /// What was wrong.
        message: String,
    },
}

/// Asks the MCP endpoint `url` for its tools, with `token` as a bearer token when given.
pub fn discover(url: &str, token: Option<&str>) -> Result<Discovery, DiscoverError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| {
            DiscoverError::Unreachable(format!("cannot start the HTTP runtime: {err}"))
        })?;
    runtime.block_on(Session::open(url, token))
}

/// One conversation with the server.
struct Session<'a> {
    client: HttpClient,
    url: &'a str,
    token: Option<&'a str>,
    session: Option<String>,
    protocol: Option<String>,
}

impl<'a> Session<'a> {
    async fn open(url: &'a str, token: Option<&'a str>) -> Result<Discovery, DiscoverError> {
        let settings = TargetSettings {
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_body_bytes: 16 * 1024 * 1024,
        };
        let client =
            HttpClient::new(settings).map_err(|err| DiscoverError::Unreachable(err.to_string()))?;
        let mut session = Session {
            client,
            url,
            token,
            session: None,
            protocol: None,
        };
        let found = session.discover().await;
        if session.session.is_some() {
            // Politeness: the server may keep state for an open session.
            let _ = session.client.send(&session.request(Method::DELETE)).await;
        }
        found
    }

    async fn discover(&mut self) -> Result<Discovery, DiscoverError> {
        let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "authconform", "version": env!("CARGO_PKG_VERSION")},
        }});
        let answer = self.send(&init).await?;
        if matches!(answer.status, 401 | 403) {
            return Err(DiscoverError::NeedsToken {
                url: self.url.to_string(),
                status: answer.status,
            });
        }
        self.session = answer.header("mcp-session-id").map(str::to_string);
        let result = self.result(&answer, "initialize")?;
        let protocol = result["protocolVersion"]
            .as_str()
            .unwrap_or(PROTOCOL_VERSION)
            .to_string();
        self.protocol = Some(protocol.clone());
        let server = result
            .pointer("/serverInfo/name")
            .and_then(Value::as_str)
            .unwrap_or("(unnamed)")
            .to_string();
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        self.send(&initialized).await?;
        let tools = self.tools().await?;
        Ok(Discovery {
            server,
            protocol,
            session: self.session.is_some(),
            tools,
        })
    }

    async fn tools(&mut self) -> Result<Vec<Tool>, DiscoverError> {
        let mut tools = Vec::new();
        let mut cursor: Option<String> = None;
        for page in 0..MAX_PAGES {
            let mut request = json!({"jsonrpc": "2.0", "id": 2 + page, "method": "tools/list"});
            if let Some(cursor) = &cursor {
                request["params"] = json!({"cursor": cursor});
            }
            let answer = self.send(&request).await?;
            let result = self.result(&answer, "tools/list")?;
            let listed = result["tools"].as_array().ok_or_else(|| {
                self.protocol_error("the `tools/list` result has no `tools` list".into())
            })?;
            for tool in listed.iter().take(MAX_TOOLS.saturating_sub(tools.len())) {
                tools.push(self.tool(tool)?);
            }
            cursor = result["nextCursor"].as_str().map(str::to_string);
            if cursor.is_none() || tools.len() >= MAX_TOOLS {
                break;
            }
        }
        Ok(tools)
    }

    fn tool(&self, tool: &Value) -> Result<Tool, DiscoverError> {
        let name = tool["name"]
            .as_str()
            .filter(|name| !name.is_empty())
            .ok_or_else(|| self.protocol_error("a tool without a name".into()))?;
        Ok(Tool {
            name: name.to_string(),
            description: tool["description"].as_str().map(str::to_string),
            input_schema: tool
                .get("inputSchema")
                .cloned()
                .unwrap_or_else(|| json!({"type": "object"})),
            output_schema: tool.get("outputSchema").filter(|s| s.is_object()).cloned(),
            read_only: tool
                .pointer("/annotations/readOnlyHint")
                .and_then(Value::as_bool),
        })
    }

    /// The `result` of a JSON-RPC answer, or why there is none.
    fn result(&self, answer: &Exchange, method: &str) -> Result<Value, DiscoverError> {
        if !(200..300).contains(&answer.status) {
            return Err(self.protocol_error(format!(
                "answered {} to `{method}`: {}",
                answer.status,
                snippet(&answer.body_text())
            )));
        }
        let message = body::parse(&answer.body_text()).ok_or_else(|| {
            self.protocol_error(format!("the answer to `{method}` is not JSON-RPC"))
        })?;
        if let Some(error) = message.get("error") {
            return Err(self.protocol_error(format!("`{method}` failed: {error}")));
        }
        message
            .get("result")
            .cloned()
            .ok_or_else(|| self.protocol_error(format!("the answer to `{method}` has no result")))
    }

    fn protocol_error(&self, message: String) -> DiscoverError {
        DiscoverError::Protocol {
            url: self.url.to_string(),
            message,
        }
    }

    async fn send(&self, message: &Value) -> Result<Exchange, DiscoverError> {
        let request = self.request(Method::POST).json(message);
        self.client.send(&request).await.map_err(|err| match err {
            SendError::Build(reason) => self.protocol_error(reason),
            other => DiscoverError::Unreachable(format!("{}: {other}", self.url)),
        })
    }

    fn request(&self, method: Method) -> RequestSpec {
        let mut request = RequestSpec::new(method, self.url)
            .header("accept", "application/json, text/event-stream");
        if let Some(token) = self.token {
            request = request.header("authorization", format!("Bearer {token}"));
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

/// The start of an answer, for an error message.
fn snippet(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    match line.char_indices().nth(120) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None if line.is_empty() => "(empty body)".into(),
        None => line.to_string(),
    }
}
