//! The routes a fuzz run fires at (the profile's API operations that need a token), how a case becomes
//! a request, and the setup that plants one canary task and conversation per principal.

use reqwest::Method;
use serde_json::Value;

use crate::api::{Api, Operation};
use crate::profile::Profile;
use crate::template;
use crate::token::mint::{Principal, mint_at};
use crate::token::mutation::AttackRequest;
use crate::wire::placement::place;
use crate::wire::{HttpClient, RequestSpec, SendError};

/// One protected operation, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// Operation name, e.g. `tasks.list`.
    pub name: String,
    /// HTTP method.
    pub method: Method,
    /// Path template with the profile prefix.
    pub path: String,
    /// JSON body template.
    pub json: Option<Value>,
    /// Whether `{user_id}` is in the path (a 2xx for someone else's id is then an isolation finding).
    pub user_in_path: bool,
}

/// The protected operations of the profile's API: read-only ones (GET, and JSON-RPC `*/list` or
/// `list_*` tool calls) unless `writes` is set; deletions never.
pub fn routes(profile: &Profile, writes: bool) -> Result<Vec<Route>, String> {
    let api = Api::from_selection(&profile.api).map_err(|err| format!("api: {err}"))?;
    let routes: Vec<Route> = api
        .operations
        .iter()
        .filter(|op| op.auth && !op.name.contains("delete") && op.method != "DELETE")
        .filter(|op| writes || is_read_only(op))
        .filter_map(|op| {
            Some(Route {
                name: op.name.clone(),
                method: Method::from_bytes(op.method.as_bytes()).ok()?,
                path: api.prefixed(&op.path),
                json: op.json.clone(),
                user_in_path: op.path.contains("{user_id}"),
            })
        })
        .collect();
    if routes.is_empty() {
        return Err("the profile's API has no protected operation to fuzz".into());
    }
    Ok(routes)
}

fn is_read_only(op: &Operation) -> bool {
    if op.method == "GET" || op.method == "HEAD" {
        return true;
    }
    let Some(body) = &op.json else {
        return false;
    };
    let method = body.get("method").and_then(Value::as_str).unwrap_or("");
    let tool = body
        .pointer("/params/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    method.ends_with("/list") || (method == "tools/call" && tool.starts_with("list"))
}

/// What the setup planted for one principal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Planted {
    /// The canary string only this principal's data contains.
    pub canary: String,
    /// The id of the principal's canary task, if created.
    pub task_id: Option<Value>,
    /// The id of the principal's canary conversation, if created.
    pub conversation_id: Option<Value>,
}

/// Values for the placeholders of one request.
#[derive(Debug, Clone)]
pub struct Fill<'a> {
    /// `{user_id}`.
    pub user_id: &'a str,
    /// `{task_id}`.
    pub task_id: Option<&'a Value>,
    /// `{conversation_id}`.
    pub conversation_id: Option<&'a Value>,
    /// `{canary}` (for bodies of write operations).
    pub canary: &'a str,
}

impl Fill<'_> {
    fn value(&self, name: &str) -> Option<Value> {
        match name {
            "user_id" => Some(Value::String(self.user_id.to_string())),
            "task_id" => self.task_id.cloned(),
            "conversation_id" => self.conversation_id.cloned(),
            "canary" => Some(Value::String(self.canary.to_string())),
            _ => None,
        }
    }

    fn text(&self, name: &str) -> Option<String> {
        self.value(name).map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        })
    }
}

/// The request of a route with its placeholders filled and the attack's credentials placed; `None` when
/// a placeholder has no value (e.g. no task was planted).
pub fn request(
    base_url: &str,
    profile: &Profile,
    route: &Route,
    fill: &Fill<'_>,
    attack: &AttackRequest,
) -> Option<RequestSpec> {
    // Chat phrases (`{chat.NAME}`) come from the profile; the rest from the fill.
    let phrase = |name: &str| {
        let phrase = name.strip_prefix("chat.")?;
        profile.chat_phrases.get(phrase).cloned()
    };
    let text = |name: &str| phrase(name).or_else(|| fill.text(name));
    let value = |name: &str| phrase(name).map(Value::String).or_else(|| fill.value(name));
    let path = template::render(&route.path, &text).ok()?;
    let mut spec = RequestSpec::new(
        route.method.clone(),
        format!("{}{path}", base_url.trim_end_matches('/')),
    );
    for (name, value) in &profile.extra_headers {
        spec = spec.header(name.clone(), value.clone());
    }
    if let Some(json) = &route.json {
        let body = template::render_json(json, &value).ok()?;
        spec = spec.json(&body);
    }
    Some(place(spec, attack, &profile.presentation))
}

/// Setup failed before any fuzzing.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The target did not answer at all.
    #[error("target unreachable during setup: {0}")]
    Unreachable(String),
}

/// Plants, for each principal, a task and a conversation holding its canary (with its valid token), and
/// returns what was planted plus notes on what could not be.
pub async fn plant(
    client: &HttpClient,
    base_url: &str,
    profile: &Profile,
    principals: &[Principal],
    seed: u64,
    now: u64,
) -> Result<(Vec<Planted>, Vec<String>), SetupError> {
    let api =
        Api::from_selection(&profile.api).map_err(|e| SetupError::Unreachable(e.to_string()))?;
    let mut planted = Vec::new();
    let mut notes = Vec::new();
    for principal in principals {
        let mut plant = Planted {
            canary: canary(seed, &principal.name),
            ..Planted::default()
        };
        let token = match mint_at(principal, &profile.issuer, now) {
            Ok(token) => token,
            Err(err) => {
                notes.push(format!("cannot mint a token for {}: {err}", principal.name));
                planted.push(plant);
                continue;
            }
        };
        for (operation, capture) in [
            ("tasks.create", "task_id"),
            ("chat.send", "conversation_id"),
        ] {
            let Some(op) = api.operation(operation) else {
                continue;
            };
            let route = Route {
                name: op.name.clone(),
                method: Method::from_bytes(op.method.as_bytes()).unwrap_or(Method::POST),
                path: api.prefixed(&op.path),
                json: op.json.clone(),
                user_in_path: true,
            };
            let fill = Fill {
                user_id: &principal.sub,
                task_id: None,
                conversation_id: None,
                canary: &plant.canary,
            };
            let attack = AttackRequest::bearer(token.clone());
            let Some(spec) = request(base_url, profile, &route, &fill, &attack) else {
                continue;
            };
            match client.send(&spec).await {
                Ok(exchange) if (200..300).contains(&exchange.status) => {
                    let body: Value = serde_json::from_slice(&exchange.body).unwrap_or(Value::Null);
                    let captured = op
                        .creates
                        .iter()
                        .find(|(name, _)| name == capture)
                        .and_then(|(_, pointer)| body.pointer(pointer).cloned());
                    match capture {
                        "task_id" => plant.task_id = captured,
                        _ => plant.conversation_id = captured,
                    }
                }
                Ok(exchange) => notes.push(format!(
                    "{operation} as {} answered {}: its canary is not planted",
                    principal.name, exchange.status
                )),
                Err(
                    err @ (SendError::Connect(_)
                    | SendError::ConnectTimeout(_)
                    | SendError::Timeout(_)),
                ) => {
                    return Err(SetupError::Unreachable(err.to_string()));
                }
                Err(err) => notes.push(format!("{operation} as {}: {err}", principal.name)),
            }
        }
        planted.push(plant);
    }
    Ok((planted, notes))
}

/// The canary of a principal in a run: unique to the principal, stable for a seed.
pub fn canary(seed: u64, name: &str) -> String {
    format!("acf-{:08x}-{name}-canary", seed as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reference_routes_are_read_only_by_default() {
        let profile = Profile::embedded_reference().unwrap();
        let names: Vec<String> = routes(&profile, false)
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(
            names,
            [
                "tasks.list",
                "tasks.list.pending",
                "tasks.get",
                "conversations.get",
                "mcp.tools_list",
                "mcp.list_tasks"
            ]
        );
        let all = routes(&profile, true).unwrap();
        assert!(all.iter().any(|r| r.name == "tasks.create"));
        assert!(!all.iter().any(|r| r.name.contains("delete")));
    }

    #[test]
    fn requests_fill_placeholders_and_place_the_token() {
        let profile = Profile::embedded_reference().unwrap();
        let all = routes(&profile, true).unwrap();
        let get = all.iter().find(|r| r.name == "tasks.get").unwrap();
        let task = json!(42);
        let fill = Fill {
            user_id: "alice",
            task_id: Some(&task),
            conversation_id: None,
            canary: "c",
        };
        let spec = request(
            "http://h/",
            &profile,
            get,
            &fill,
            &AttackRequest::bearer("t"),
        )
        .unwrap();
        assert_eq!(spec.url, "http://h/api/alice/tasks/42");
        assert_eq!(spec.headers, [("Authorization".into(), "Bearer t".into())]);
        let conv = all.iter().find(|r| r.name == "conversations.get").unwrap();
        assert!(
            request(
                "http://h",
                &profile,
                conv,
                &fill,
                &AttackRequest::bearer("t")
            )
            .is_none()
        );
        let mcp = all.iter().find(|r| r.name == "mcp.list_tasks").unwrap();
        let spec = request(
            "http://h",
            &profile,
            mcp,
            &fill,
            &AttackRequest::bearer("t"),
        )
        .unwrap();
        let body: Value = serde_json::from_slice(spec.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body.pointer("/params/arguments/user_id"),
            Some(&json!("alice"))
        );
        assert_ne!(canary(1, "alice"), canary(1, "bob"));
    }
}
