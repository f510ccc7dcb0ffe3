//! Sessions of stateful MCP services (`services.NAME.mcp_session`): when a run starts, each principal
//! opens one with its valid token; every request to that service as that principal carries its
//! `Mcp-Session-Id` (and the protocol revision agreed), whatever token the case sends; at the end
//! they are closed. A server that opens no session gets no header. Within a session a JSON-RPC
//! request id is never used twice (MCP, "Transports": the SDKs route answers by it), so the `id` of
//! each request sent in one is replaced by a fresh number.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::Method;

use super::RunError;
use super::tokens::TokenFactory;
use super::users::CaseUsers;
use crate::profile::Profile;
use crate::scenario::plan::TokenPlan;
use crate::wire::mcp::McpClient;
use crate::wire::placement::place;
use crate::wire::{HttpClient, RequestSpec};

/// Ids given to the requests of a run start here, far from the few the handshake used.
const FIRST_ID: u64 = 1000;

/// One principal's session with one service.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Session {
    /// The service's base URL (requests under it carry the session).
    base_url: String,
    /// The MCP endpoint, for closing.
    endpoint: String,
    /// The credentials it was opened with, for closing.
    headers: Vec<(String, String)>,
    id: String,
    protocol: Option<String>,
}

/// The sessions of a run, by principal.
#[derive(Debug, Default)]
pub struct McpSessions {
    by_principal: BTreeMap<String, Vec<Session>>,
    /// The last JSON-RPC id given out.
    last_id: AtomicU64,
}

impl McpSessions {
    /// Opens a session per stateful service and principal.
    pub async fn open(
        client: &HttpClient,
        profile: &Profile,
        tokens: &TokenFactory,
    ) -> Result<McpSessions, RunError> {
        let mut sessions = McpSessions::default();
        let users = CaseUsers::shared(profile);
        for (service, endpoint) in &profile.mcp_sessions {
            let base_url = &profile.services[service];
            for principal in profile.principals.keys() {
                let failed = |reason: String| {
                    RunError::Harness(format!(
                        "services.{service}.mcp_session: {principal} cannot open a session at {endpoint}: {reason}"
                    ))
                };
                let made = tokens
                    .make(&TokenPlan::Valid, &users, principal, "")
                    .map_err(|err| failed(format!("cannot make the token: {err}")))?;
                let mut carrier = RequestSpec::new(Method::POST, endpoint.clone());
                for (name, value) in &profile.extra_headers {
                    carrier = carrier.header(name.clone(), value.clone());
                }
                let headers = place(carrier, &made.attack, &profile.presentation).headers;
                let mut mcp = McpClient::new(client, endpoint, headers.clone());
                mcp.initialize()
                    .await
                    .map_err(|err| failed(err.to_string()))?;
                let Some(id) = mcp.session().map(str::to_string) else {
                    continue;
                };
                sessions
                    .by_principal
                    .entry(principal.clone())
                    .or_default()
                    .push(Session {
                        base_url: base_url.clone(),
                        endpoint: endpoint.clone(),
                        headers,
                        id,
                        protocol: mcp.protocol().map(str::to_string),
                    });
            }
        }
        Ok(sessions)
    }

    /// The session headers for a request to `url` as `principal` (none outside stateful services).
    pub fn headers(&self, url: &str, principal: &str) -> Vec<(String, String)> {
        let Some(session) = self.by_principal.get(principal).and_then(|sessions| {
            sessions.iter().find(|s| {
                url.strip_prefix(s.base_url.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
            })
        }) else {
            return Vec::new();
        };
        let mut headers = vec![("mcp-session-id".to_string(), session.id.clone())];
        if let Some(protocol) = &session.protocol {
            headers.push(("mcp-protocol-version".to_string(), protocol.clone()));
        }
        headers
    }

    /// Gives a JSON-RPC request (an object with `jsonrpc` and `id`) a fresh `id`.
    pub fn number(&self, body: &mut serde_json::Value) {
        if let Some(message) = body.as_object_mut()
            && message.contains_key("jsonrpc")
            && message.contains_key("id")
        {
            let id = FIRST_ID + self.last_id.fetch_add(1, Ordering::Relaxed);
            message.insert("id".into(), id.into());
        }
    }

    /// Closes every session (`DELETE`); failures are ignored: the run is over.
    pub async fn close(&self, client: &HttpClient) {
        for session in self.by_principal.values().flatten() {
            let mut request = RequestSpec::new(Method::DELETE, session.endpoint.clone());
            for (name, value) in &session.headers {
                request = request.header(name.clone(), value.clone());
            }
            request = request.header("mcp-session-id", session.id.clone());
            let _ = client.send(&request).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_requests_under_the_service_as_the_principal_carry_the_session() {
        let mut sessions = McpSessions::default();
        sessions.by_principal.insert(
            "bob".into(),
            vec![Session {
                base_url: "http://127.0.0.1:8001".into(),
                endpoint: "http://127.0.0.1:8001/mcp".into(),
                headers: Vec::new(),
                id: "s-bob".into(),
                protocol: Some("2025-06-18".into()),
            }],
        );
        let headers = sessions.headers("http://127.0.0.1:8001/mcp", "bob");
        assert_eq!(
            headers,
            [
                ("mcp-session-id".to_string(), "s-bob".to_string()),
                ("mcp-protocol-version".to_string(), "2025-06-18".to_string())
            ]
        );
        assert!(
            sessions
                .headers("http://127.0.0.1:8001/mcp", "alice")
                .is_empty()
        );
        assert!(
            sessions
                .headers("http://127.0.0.1:8000/mcp", "bob")
                .is_empty()
        );
        assert!(
            sessions
                .headers("http://127.0.0.1:80010/mcp", "bob")
                .is_empty()
        );
    }

    #[test]
    fn json_rpc_requests_get_a_fresh_id_and_nothing_else_changes() {
        let sessions = McpSessions::default();
        let mut first = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
        let mut second = first.clone();
        sessions.number(&mut first);
        sessions.number(&mut second);
        assert_ne!(first["id"], second["id"]);
        assert_eq!(first["method"], "tools/list");
        let mut notification = serde_json::json!({"jsonrpc": "2.0", "method": "ping"});
        sessions.number(&mut notification);
        assert!(notification.get("id").is_none());
        let mut other = serde_json::json!({"id": 7, "title": "x"});
        sessions.number(&mut other);
        assert_eq!(other["id"], 7);
    }
}
