//! An MCP server's tools as profile operations of a second service (`init --mcp URL`). Rules, also
//! stated in the comments `init` writes:
//!
//! - The server is asked with `initialize` and `tools/list` ([`discover`]); no tool is called.
//! - The service is named after the server (`serverInfo.name` `todo-mcp` -> `todo_mcp`; `mcp_` in
//!   front unless the name says MCP; a digit after it when an operation name already starts so); its
//!   `base_url` is the URL's origin and each operation's path is the URL's path.
//! - `SERVICE.tools_list` (the `tools/list` request) and one `SERVICE.TOOL` per tool: a `tools/call`
//!   JSON-RPC request with `Accept: application/json, text/event-stream` (the transport requires
//!   both), protected like every operation, status 200.
//! - Arguments follow the body rules of [`super::body`] on the tool's `inputSchema`: a user argument
//!   (`user_id`, `owner`, ...) is `{user_id}`, which gives the tool the cross-user checks; an id
//!   argument that another tool creates is that capture.
//! - A tool that only reads (`readOnlyHint`, else a name starting with `list`, `get`, `read`, `show`,
//!   `search`, `find`, `fetch`, `query` or `count`) is `reads: true`: a list without an id argument,
//!   an object read with one.
//! - A tool whose name starts with a creating verb (`add_task`, `create_note`) creates
//!   `SERVICE_<noun>_id`: from `structuredContent` when it declares an output schema (the property
//!   `<noun>_id`, else `id`, else any `*_id`), else from the JSON of its first text content at
//!   `<noun>_id` (a TODO asks to check it). One creator per id; the next is noted.

pub mod discover;

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::body::{Body, BodyBuilder, ResourceNames};
use super::classify::Op;
use super::vocab::{capture_name, name_part, norm};
use crate::openapi::model::{Document, Schema};
use crate::openapi::refs::Resolver;

pub use discover::{DiscoverError, Discovery, Tool, discover};

/// The transport's required `Accept` header.
pub const ACCEPT: &str = "application/json, text/event-stream";

/// Verbs that start the name of a tool that creates something.
const CREATE_VERBS: [&str; 6] = ["add", "create", "new", "insert", "make", "post"];
/// Verbs that start the name of a tool that only reads.
const READ_VERBS: [&str; 9] = [
    "list", "get", "read", "show", "search", "find", "fetch", "query", "count",
];

/// One discovered MCP server as a profile service.
#[derive(Debug, Clone, PartialEq)]
pub struct McpService {
    /// The service name (`mcp`).
    pub name: String,
    /// The URL's origin, the service's `base_url`.
    pub base_url: String,
    /// The endpoint's path (`/mcp`).
    pub path: String,
    /// What the server said.
    pub discovery: Discovery,
}

impl McpService {
    /// The service for the endpoint `url`, named so that no name in `taken` starts with it.
    pub fn new(url: &str, discovery: Discovery, taken: &[String]) -> Result<McpService, String> {
        let parsed = url::Url::parse(url).map_err(|err| format!("--mcp {url}: {err}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("--mcp {url}: expected an http(s) URL"));
        }
        let mut path = parsed.path().to_string();
        if let Some(query) = parsed.query() {
            path = format!("{path}?{query}");
        }
        let base = service_base_name(&discovery.server);
        let mut name = base.clone();
        let mut n = 2;
        while taken.iter().any(|op| op.starts_with(&format!("{name}."))) {
            name = format!("{base}{n}");
            n += 1;
        }
        Ok(McpService {
            name,
            base_url: parsed.origin().ascii_serialization(),
            path,
            discovery,
        })
    }

    /// The operations: `tools/list`, then one per tool.
    pub fn operations(&self) -> Vec<Op> {
        let creators = creators(&self.name, &self.discovery.tools);
        let resources = ResourceNames(
            creators
                .iter()
                .flat_map(|c| {
                    [
                        (norm(&c.id_name), c.capture.clone()),
                        (norm(&c.capture), c.capture.clone()),
                    ]
                })
                .collect(),
        );
        let mut ops = vec![self.op(
            "tools_list",
            Body::Object(vec![
                ("jsonrpc".into(), Body::Value(json!("2.0"))),
                ("id".into(), Body::Value(json!(1))),
                ("method".into(), Body::Value(json!("tools/list"))),
            ]),
        )];
        let mut created: BTreeSet<String> = BTreeSet::new();
        for tool in &self.discovery.tools {
            let mut op = self.tool_op(tool, &resources);
            if let Some(creator) = creators.iter().find(|c| c.tool == tool.name) {
                if created.insert(creator.capture.clone()) {
                    op.creates
                        .push((creator.capture.clone(), creator.pointer.clone()));
                    op.notes.extend(creator.note.clone());
                } else {
                    op.notes.push(format!(
                        "also creates what `{}` names; one creator per id, so no `creates:` here",
                        creator.capture
                    ));
                }
            }
            ops.push(op);
        }
        ops
    }

    fn tool_op(&self, tool: &Tool, resources: &ResourceNames) -> Op {
        let mut notes = Vec::new();
        if let Some(description) = &tool.description {
            notes.push(first_line(description));
        }
        let (arguments, uses) = arguments(&tool.input_schema, resources, &mut notes);
        let body = Body::Object(vec![
            ("jsonrpc".into(), Body::Value(json!("2.0"))),
            ("id".into(), Body::Value(json!(1))),
            ("method".into(), Body::Value(json!("tools/call"))),
            (
                "params".into(),
                Body::Object(vec![
                    ("name".into(), Body::Value(json!(tool.name))),
                    ("arguments".into(), arguments),
                ]),
            ),
        ]);
        let mut op = self.op(&name_part(&tool.name), body);
        op.notes.append(&mut notes);
        op.uses = uses;
        if reads(tool) {
            op.reads = Some(true);
            op.notes.push(
                "reads: it only reads (its readOnlyHint, or a reading verb in its name), so it serves as a list (or, with an id, an object read)".into(),
            );
        }
        op
    }

    fn op(&self, name: &str, body: Body) -> Op {
        Op {
            json: Some(body),
            status: Some(200),
            headers: vec![("Accept".into(), ACCEPT.into())],
            service: Some(self.name.clone()),
            ..Op::new(&format!("{}.{name}", self.name), "POST", &self.path)
        }
    }
}

/// The server's own name (`serverInfo.name`) as a service name: lower case letters, digits and `_`,
/// `mcp` in front unless it says MCP already.
fn service_base_name(server: &str) -> String {
    let words: Vec<String> = server
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let joined = words.join("_");
    if joined.is_empty() {
        "mcp".into()
    } else if words.iter().any(|word| word == "mcp") {
        joined
    } else {
        format!("mcp_{joined}")
    }
}

/// A tool that creates something, and where its answer has the id.
#[derive(Debug, Clone, PartialEq)]
struct Creator {
    tool: String,
    /// The id's name as tools take it (`task_id`).
    id_name: String,
    /// The capture (`mcp_task_id`).
    capture: String,
    pointer: String,
    note: Option<String>,
}

fn creators(service: &str, tools: &[Tool]) -> Vec<Creator> {
    tools
        .iter()
        .filter_map(|tool| {
            let noun = created_noun(&tool.name)?;
            let id_name = format!("{noun}_id");
            let capture = capture_name(&format!("{service}_{id_name}"));
            let (pointer, note) = match &tool.output_schema {
                Some(schema) => match id_property(schema, &id_name) {
                    Some(property) => (format!("/result/structuredContent/{property}"), None),
                    None => (
                        format!("/result/structuredContent/{id_name}"),
                        Some(format!(
                            "TODO: check `creates`: its output schema names no id property, so `{id_name}` is a guess"
                        )),
                    ),
                },
                None => (
                    format!("/result/content/0/text/{id_name}"),
                    Some(format!(
                        "TODO: check `creates`: it declares no output schema, so the id is read from the JSON of its first text content at `{id_name}` (a guess)"
                    )),
                ),
            };
            Some(Creator {
                tool: tool.name.clone(),
                id_name,
                capture,
                pointer,
                note,
            })
        })
        .collect()
}

/// Whether a tool only reads: its `readOnlyHint`, else a reading verb first in its name.
fn reads(tool: &Tool) -> bool {
    tool.read_only.unwrap_or_else(|| {
        words(&tool.name)
            .first()
            .is_some_and(|verb| READ_VERBS.contains(&verb.as_str()))
    })
}

/// `add_task` -> `task`, `createTodoItem` -> `todo_item`; `None` unless the first word is a creating
/// verb and more follows.
fn created_noun(tool: &str) -> Option<String> {
    let words = words(tool);
    let (verb, rest) = words.split_first()?;
    (CREATE_VERBS.contains(&verb.as_str()) && !rest.is_empty()).then(|| rest.join("_"))
}

/// The lower-case words of a name: split at `_`, `-`, `.` and before capitals.
fn words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() || (c.is_ascii_uppercase() && !word.is_empty()) {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            if !c.is_ascii_alphanumeric() {
                continue;
            }
        }
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The output schema's property that holds the new id.
fn id_property(schema: &Value, id_name: &str) -> Option<String> {
    let properties = schema.get("properties")?.as_object()?;
    let names: Vec<&String> = properties.keys().collect();
    names
        .iter()
        .find(|name| norm(name) == norm(id_name))
        .or_else(|| names.iter().find(|name| norm(name) == "id"))
        .or_else(|| names.iter().find(|name| norm(name).ends_with("id")))
        .map(|name| name.to_string())
}

/// The arguments template for an input schema, and the captures it uses.
fn arguments(
    schema: &Value,
    resources: &ResourceNames,
    notes: &mut Vec<String>,
) -> (Body, BTreeSet<String>) {
    let (doc, schema) = as_openapi(schema);
    let (Ok(doc), Ok(schema)) = (doc, schema) else {
        notes.push("TODO: its inputSchema could not be read; write `arguments` by hand".into());
        return (Body::Object(Vec::new()), BTreeSet::new());
    };
    let resolver = Resolver::new(&doc);
    let mut builder = BodyBuilder::new(resolver, resources);
    let body = builder.build(&schema).unwrap_or(Body::Object(Vec::new()));
    notes.append(&mut builder.notes);
    (body, builder.captures)
}

/// A JSON Schema as an OpenAPI schema, its `$defs` (or `definitions`) as the components they refer to.
fn as_openapi(
    schema: &Value,
) -> (
    Result<Document, serde_json::Error>,
    Result<Schema, serde_json::Error>,
) {
    let mut schema = schema.clone();
    let mut defs = serde_json::Map::new();
    if let Some(object) = schema.as_object_mut() {
        for key in ["$defs", "definitions"] {
            if let Some(Value::Object(found)) = object.remove(key) {
                defs.extend(found);
            }
        }
    }
    let mut defs = Value::Object(defs);
    rewrite_refs(&mut schema);
    rewrite_refs(&mut defs);
    let doc = serde_json::from_value(json!({
        "openapi": "3.1.0",
        "info": {"title": "mcp tools", "version": "1"},
        "paths": {},
        "components": {"schemas": defs},
    }));
    (doc, serde_json::from_value(schema))
}

fn rewrite_refs(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, member) in object.iter_mut() {
                if key == "$ref"
                    && let Value::String(reference) = member
                {
                    for from in ["#/$defs/", "#/definitions/"] {
                        if let Some(name) = reference.strip_prefix(from) {
                            *reference = format!("#/components/schemas/{name}");
                        }
                    }
                } else {
                    rewrite_refs(member);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(name: &str, input: Value, output: Option<Value>) -> Tool {
        Tool {
            name: name.into(),
            description: Some(format!("{name} does things.\nMore.")),
            input_schema: input,
            output_schema: output,
            read_only: None,
        }
    }

    fn todo_tools(output: bool) -> Vec<Tool> {
        let out = |props: Value| output.then(|| json!({"type": "object", "properties": props}));
        vec![
            tool(
                "add_task",
                json!({"type": "object", "required": ["user_id", "title"], "properties": {
                    "user_id": {"type": "string"}, "title": {"type": "string"},
                    "description": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}),
                out(json!({"task_id": {"type": "integer"}, "status": {"type": "string"}})),
            ),
            tool(
                "complete_task",
                json!({"type": "object", "required": ["user_id", "task_id"], "properties": {
                    "user_id": {"type": "string"}, "task_id": {"type": "integer"}}}),
                None,
            ),
            tool(
                "list_tasks",
                json!({"type": "object", "required": ["user_id"], "properties": {
                    "user_id": {"type": "string"},
                    "status": {"$ref": "#/$defs/Status"}},
                    "$defs": {"Status": {"type": "string", "enum": ["all", "pending"]}}}),
                None,
            ),
        ]
    }

    fn service(tools: Vec<Tool>, taken: &[String]) -> McpService {
        let discovery = Discovery {
            server: "Todo MCP".into(),
            protocol: discover::PROTOCOL_VERSION.into(),
            session: false,
            tools,
        };
        McpService::new("http://127.0.0.1:9000/mcp", discovery, taken).unwrap()
    }

    #[test]
    fn tools_become_operations_of_a_service_with_user_and_id_arguments() {
        let mcp = service(todo_tools(true), &[]);
        assert_eq!(
            (mcp.name.as_str(), mcp.base_url.as_str(), mcp.path.as_str()),
            ("todo_mcp", "http://127.0.0.1:9000", "/mcp")
        );
        let ops = mcp.operations();
        let names: Vec<&str> = ops.iter().map(|op| op.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "todo_mcp.tools_list",
                "todo_mcp.add_task",
                "todo_mcp.complete_task",
                "todo_mcp.list_tasks"
            ]
        );
        let add = &ops[1];
        assert_eq!(add.service.as_deref(), Some("todo_mcp"));
        assert_eq!(add.headers, [("Accept".to_string(), ACCEPT.to_string())]);
        assert_eq!(
            add.creates,
            [(
                "todo_mcp_task_id".to_string(),
                "/result/structuredContent/task_id".to_string()
            )]
        );
        let args = add.json.as_ref().unwrap().to_json();
        assert_eq!(args["method"], "tools/call");
        assert_eq!(args["params"]["name"], "add_task");
        assert_eq!(args["params"]["arguments"]["user_id"], "{user_id}");
        // serde_json orders members by name: the first string (`description`) is the bare canary.
        assert_eq!(args["params"]["arguments"]["description"], "{canary}");
        assert_eq!(args["params"]["arguments"]["title"], "{canary} title");
        let complete = ops[2].json.as_ref().unwrap().to_json();
        assert_eq!(
            complete["params"]["arguments"]["task_id"],
            "{todo_mcp_task_id}"
        );
        assert!(ops[2].uses.contains("todo_mcp_task_id"));
        let list = ops[3].json.as_ref().unwrap().to_json();
        assert_eq!(list["params"]["arguments"]["status"], "all");
        assert_eq!((ops[3].reads, ops[2].reads), (Some(true), None));
    }

    #[test]
    fn without_an_output_schema_the_id_is_read_from_the_text_content() {
        let ops = service(todo_tools(false), &[]).operations();
        assert_eq!(ops[1].creates[0].1, "/result/content/0/text/task_id");
        assert!(
            ops[1]
                .notes
                .iter()
                .any(|n| n.starts_with("TODO: check `creates`"))
        );
    }

    #[test]
    fn the_service_is_named_after_the_server_and_avoids_names_in_use() {
        let taken = vec!["todo_mcp.add_task".to_string(), "tasks.get".to_string()];
        let mcp = service(todo_tools(true), &taken);
        assert_eq!(mcp.name, "todo_mcp2");
        assert_eq!(mcp.operations()[1].name, "todo_mcp2.add_task");
        assert_eq!(mcp.operations()[1].creates[0].0, "todo_mcp2_task_id");
        assert_eq!(service_base_name("Weather Server"), "mcp_weather_server");
        assert_eq!(service_base_name("(unnamed)"), "mcp_unnamed");
        assert_eq!(service_base_name("--"), "mcp");
    }

    #[test]
    fn creating_tools_are_known_by_their_verb() {
        assert_eq!(created_noun("add_task").as_deref(), Some("task"));
        assert_eq!(created_noun("createTodoItem").as_deref(), Some("todo_item"));
        assert_eq!(created_noun("new-note").as_deref(), Some("note"));
        assert_eq!(created_noun("list_tasks"), None);
        assert_eq!(created_noun("add"), None);
    }
}
