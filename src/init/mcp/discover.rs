//! Asking an MCP server for its tools over the streamable HTTP transport (MCP 2025-06-18, "Transports"):
//! `initialize`, `notifications/initialized`, then `tools/list` page by page; a session the server
//! opened is closed with `DELETE`. Answers may be JSON or an event stream. Nothing else is called: no
//! tool runs during discovery.

use std::time::Duration;

use serde_json::{Value, json};

pub use crate::wire::mcp::PROTOCOL_VERSION;
use crate::wire::mcp::{McpClient, McpError};
use crate::wire::{HttpClient, TargetSettings};
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
    runtime.block_on(open(url, token))
}

/// Discovery with `token`, closing the session the server opened.
async fn open(url: &str, token: Option<&str>) -> Result<Discovery, DiscoverError> {
    let settings = TargetSettings {
        request_timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        max_body_bytes: 16 * 1024 * 1024,
        ..TargetSettings::default()
    };
    let http =
        HttpClient::new(settings).map_err(|err| DiscoverError::Unreachable(err.to_string()))?;
    let headers = token
        .map(|token| vec![("authorization".to_string(), format!("Bearer {token}"))])
        .unwrap_or_default();
    let mut client = McpClient::new(&http, url, headers);
    let found = discover_with(&mut client).await;
    client.close().await;
    found.map_err(|err| match err {
        McpError::Unreachable(message) => DiscoverError::Unreachable(message),
        McpError::Refused(status) => DiscoverError::NeedsToken {
            url: url.to_string(),
            status,
        },
        McpError::Protocol(message) => DiscoverError::Protocol {
            url: url.to_string(),
            message,
        },
    })
}

async fn discover_with(client: &mut McpClient<'_>) -> Result<Discovery, McpError> {
    let result = client.initialize().await?;
    let server = result
        .pointer("/serverInfo/name")
        .and_then(Value::as_str)
        .unwrap_or("(unnamed)")
        .to_string();
    let tools = tools(client).await?;
    Ok(Discovery {
        server,
        protocol: client.protocol().unwrap_or(PROTOCOL_VERSION).to_string(),
        session: client.session().is_some(),
        tools,
    })
}

async fn tools(client: &mut McpClient<'_>) -> Result<Vec<Tool>, McpError> {
    let mut tools = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let params = match &cursor {
            Some(cursor) => json!({"cursor": cursor}),
            None => Value::Null,
        };
        let result = client.call("tools/list", params).await?;
        let listed = result["tools"].as_array().ok_or_else(|| {
            McpError::Protocol("the `tools/list` result has no `tools` list".into())
        })?;
        for tool in listed.iter().take(MAX_TOOLS.saturating_sub(tools.len())) {
            tools.push(self::tool(tool)?);
        }
        cursor = result["nextCursor"].as_str().map(str::to_string);
        if cursor.is_none() || tools.len() >= MAX_TOOLS {
            break;
        }
    }
    Ok(tools)
}

fn tool(tool: &Value) -> Result<Tool, McpError> {
    let name = tool["name"]
        .as_str()
        .filter(|name| !name.is_empty())
        .ok_or_else(|| McpError::Protocol("a tool without a name".into()))?;
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
