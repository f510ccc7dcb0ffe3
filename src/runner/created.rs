//! The objects a run creates in its target, recorded from the answers that prove it, so that the
//! cleanup ([`super::cleanup`]) deletes them, and only them, at the end.
//!
//! Two answers prove a creation: a 2xx answer to a request of an operation that `creates` an id (the
//! id read at its pointer), and a 2xx answer to a chat operation (`prompt:`) that reports a tool call
//! it made, an object with `"status": "created"` and the id under its capture name (the contract's
//! MCP tool result, `{"task_id": 5, "status": "created", ...}`), for the tasks an agent adds.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

use crate::api::{Api, Operation};
use crate::scenario::plan::{BodyTemplate, RequestTemplate};

/// One object the run created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedObject {
    /// Its kind: the capture name of its id (`task_id`).
    pub kind: String,
    /// Its id, as the answer held it.
    pub id: Value,
    /// The principal it belongs to: the user whose data the request named (`{user_id}`).
    pub owner: String,
    /// That principal's user id in the case (per-case users differ between cases).
    pub owner_id: String,
    /// How it was made: the operation whose answer proves it (`chat.send (tool call)` for an agent's).
    pub operation: String,
    /// The case that made it (its users are the owner's).
    pub case: String,
}

/// The recorder the cases of a run share.
#[derive(Debug, Default)]
pub struct Created {
    /// The API the requests are matched against (`None`: it could not be loaded, nothing is recorded).
    api: Option<Api>,
    /// The profile's services, where some operations go.
    services: std::collections::BTreeMap<String, String>,
    objects: Mutex<Recorded>,
}

/// The objects recorded, in the order they were made, and the identity of each (kind, owner's user
/// id, id), so that one answer seen twice records its object once.
#[derive(Debug, Default)]
struct Recorded {
    list: Vec<CreatedObject>,
    seen: std::collections::HashSet<(String, String, String)>,
}

/// Who made a request, for the record of what it created.
#[derive(Debug, Clone, Copy)]
pub struct Maker<'a> {
    /// The case.
    pub case: &'a str,
    /// The principal whose data the request named.
    pub owner: &'a str,
    /// That principal's user id.
    pub owner_id: &'a str,
}

impl Created {
    /// A recorder for requests of `api`.
    pub fn new(api: Option<Api>, services: std::collections::BTreeMap<String, String>) -> Created {
        Created {
            api,
            services,
            objects: Mutex::default(),
        }
    }

    /// The API the run talks to, when it could be loaded.
    pub fn api(&self) -> Option<&Api> {
        self.api.as_ref()
    }

    /// Records what a 2xx answer (`status`, `body`) to `request` proves the run created. An
    /// operation that documents its success status proves a creation with that status only (a
    /// create that answers 200 where it documents 201 may have returned an object that existed).
    pub fn note(&self, request: &RequestTemplate, status: u16, body: &str, maker: Maker<'_>) {
        let Some(api) = &self.api else { return };
        let Some(op) = operation_of(api, &self.services, request) else {
            return;
        };
        let documented = op.status.filter(|code| (200..300).contains(code));
        if (op.creates.is_empty() && op.prompt.is_none())
            || documented.is_some_and(|code| code != status)
        {
            return;
        }
        let Some(body) = crate::wire::body::parse(body) else {
            return;
        };
        let mut found: Vec<(String, Value, String)> = op
            .creates
            .iter()
            .filter_map(|(kind, pointer)| {
                let id = crate::wire::body::pointer(&body, pointer)?.into_owned();
                is_id(&id).then(|| (kind.clone(), id, op.name.clone()))
            })
            .collect();
        if op.prompt.is_some() {
            let kinds = created_kinds(api);
            let via = format!("{} (tool call)", op.name);
            for (kind, id) in tool_results(&body, &kinds) {
                found.push((kind, id, via.clone()));
            }
        }
        if found.is_empty() {
            return;
        }
        let mut objects = self.objects.lock().unwrap_or_else(PoisonError::into_inner);
        for (kind, id, operation) in found {
            let object = CreatedObject {
                kind,
                id,
                owner: maker.owner.to_string(),
                owner_id: maker.owner_id.to_string(),
                operation,
                case: maker.case.to_string(),
            };
            if objects.seen.insert(identity(&object)) {
                objects.list.push(object);
            }
        }
    }

    /// Every object recorded so far, in the order they were made; the recorder is left empty.
    pub fn take(&self) -> Vec<CreatedObject> {
        std::mem::take(&mut *self.objects.lock().unwrap_or_else(PoisonError::into_inner)).list
    }

    /// How many objects are recorded.
    pub fn len(&self) -> usize {
        self.objects
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .list
            .len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What makes an object the same one: kind, owner and id (an agent's tool call may report one a
/// create made too).
fn identity(object: &CreatedObject) -> (String, String, String) {
    (
        object.kind.clone(),
        object.owner_id.clone(),
        object.id.to_string(),
    )
}

/// An id is a string or a number.
fn is_id(value: &Value) -> bool {
    match value {
        Value::String(text) => !text.is_empty(),
        Value::Number(_) => true,
        _ => false,
    }
}

/// The operation a step's request is a call of: the same method and path template, and, for
/// operations that share a path (MCP tools), every fixed string of the operation's body the same in
/// the step's body.
pub fn operation_of<'a>(
    api: &'a Api,
    services: &std::collections::BTreeMap<String, String>,
    request: &RequestTemplate,
) -> Option<&'a Operation> {
    api.operations.iter().find(|op| {
        op.method.eq_ignore_ascii_case(request.method.as_str())
            && api.located(op, &op.path, services) == request.path
            && fixed_strings_match(op.json.as_ref(), request.body.as_ref())
    })
}

/// Whether every string of `template` without a placeholder is found, equal, at the same place in
/// `body`.
fn fixed_strings_match(template: Option<&Value>, body: Option<&BodyTemplate>) -> bool {
    let Some(template) = template else {
        return true;
    };
    let body = match body {
        Some(BodyTemplate::Json(body)) => body,
        _ => return fixed_strings(template).is_empty(),
    };
    fixed_strings(template)
        .iter()
        .all(|(pointer, text)| body.pointer(pointer).and_then(Value::as_str) == Some(text))
}

/// The strings of a JSON template that hold no placeholder, with their pointers.
fn fixed_strings(template: &Value) -> Vec<(String, String)> {
    fn walk(value: &Value, at: String, out: &mut Vec<(String, String)>) {
        match value {
            Value::String(text) if !text.contains('{') => out.push((at, text.clone())),
            Value::Object(members) => {
                for (name, member) in members {
                    let name = name.replace('~', "~0").replace('/', "~1");
                    walk(member, format!("{at}/{name}"), out);
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    walk(item, format!("{at}/{index}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(template, String::new(), &mut out);
    out
}

/// The capture names some operation creates.
fn created_kinds(api: &Api) -> Vec<String> {
    let mut kinds: Vec<String> = api
        .operations
        .iter()
        .flat_map(|op| op.creates.iter().map(|(kind, _)| kind.clone()))
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// The objects a chat answer reports as created by a tool call: JSON objects anywhere in it with
/// `"status": "created"` and an id under one of `kinds`.
fn tool_results(body: &Value, kinds: &[String]) -> Vec<(String, Value)> {
    fn walk(
        value: &Value,
        kinds: &[String],
        seen: &mut HashSet<String>,
        out: &mut Vec<(String, Value)>,
    ) {
        match value {
            Value::Object(members) => {
                if members.get("status").and_then(Value::as_str) == Some("created") {
                    for kind in kinds {
                        if let Some(id) = members.get(kind).filter(|id| is_id(id))
                            && seen.insert(format!("{kind}={id}"))
                        {
                            out.push((kind.clone(), id.clone()));
                        }
                    }
                }
                for member in members.values() {
                    walk(member, kinds, seen, out);
                }
            }
            Value::Array(items) => {
                for item in items {
                    walk(item, kinds, seen, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(body, kinds, &mut HashSet::new(), &mut out);
    out
}

/// The operation that deletes an object of `kind`: one that uses that id and no other, and is an
/// HTTP `DELETE`, or else is named as a delete (`mcp.delete_task`); `None` when the API has none.
pub fn deleter<'a>(api: &'a Api, kind: &str) -> Option<&'a Operation> {
    let candidates = || {
        api.operations
            .iter()
            .filter(move |op| !op.is_read() && op.prompt.is_none() && op.resources() == [kind])
    };
    candidates()
        .find(|op| op.method.eq_ignore_ascii_case("DELETE"))
        .or_else(|| candidates().find(|op| op.name.to_ascii_lowercase().contains("delete")))
}

/// The operation of `api` that reads one object of `kind` (a single-object `GET`), to confirm that an
/// object whose delete answered 404 is really gone.
pub fn reader<'a>(api: &'a Api, kind: &str) -> Option<&'a Operation> {
    api.operations.iter().find(|op| {
        op.is_read() && op.method.eq_ignore_ascii_case("GET") && op.resources() == [kind]
    })
}

#[cfg(test)]
mod tests;
