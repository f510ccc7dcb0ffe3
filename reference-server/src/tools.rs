//! The task tools shared by MCP (`tools/call`) and the chat agent: `add_task`, `list_tasks`,
//! `complete_task`, `delete_task`, `update_task`. They act for an owner that the caller has already
//! established from the token; the `user_id` argument is checked by the caller, never trusted here.

use serde_json::{Map, Value, json};

use crate::store::{StatusFilter, Store, Task, TaskPatch};

/// Longest task title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest task description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

/// The result of one tool call, in MCP terms.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    /// `structuredContent`: always a JSON object.
    pub structured: Value,
    /// Human-readable text (also the MCP `content` text).
    pub text: String,
    /// MCP `isError`.
    pub is_error: bool,
}

impl ToolOutput {
    fn ok(structured: Value, text: String) -> Self {
        ToolOutput {
            structured,
            text,
            is_error: false,
        }
    }

    /// A tool-level error (MCP `isError: true`).
    pub fn error(code: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ToolOutput {
            structured: json!({"error": code, "message": message}),
            text: message,
            is_error: true,
        }
    }
}

/// The tool names.
pub const TOOL_NAMES: [&str; 5] = [
    "add_task",
    "list_tasks",
    "complete_task",
    "delete_task",
    "update_task",
];

/// The `tools/list` entries: name, description and JSON Schema of the arguments.
pub fn definitions() -> Value {
    let user_id = json!({"type": "string", "description": "the authenticated user's id (must equal the token's sub)"});
    let task_id = json!({"type": "integer", "description": "id of one of the user's tasks"});
    let title = json!({"type": "string", "minLength": 1, "maxLength": MAX_TITLE_CHARS});
    let description = json!({"type": "string", "maxLength": MAX_DESCRIPTION_CHARS});
    json!([
        {
            "name": "add_task",
            "description": "Create a new task",
            "inputSchema": {"type": "object", "properties": {"user_id": user_id, "title": title, "description": description},
                            "required": ["user_id", "title"]}
        },
        {
            "name": "list_tasks",
            "description": "List the user's tasks, optionally filtered by status",
            "inputSchema": {"type": "object", "properties": {"user_id": user_id,
                            "status": {"type": "string", "enum": ["all", "pending", "completed"]}},
                            "required": ["user_id"]}
        },
        {
            "name": "complete_task",
            "description": "Mark a task as complete",
            "inputSchema": {"type": "object", "properties": {"user_id": user_id, "task_id": task_id},
                            "required": ["user_id", "task_id"]}
        },
        {
            "name": "delete_task",
            "description": "Delete a task",
            "inputSchema": {"type": "object", "properties": {"user_id": user_id, "task_id": task_id},
                            "required": ["user_id", "task_id"]}
        },
        {
            "name": "update_task",
            "description": "Change a task's title or description",
            "inputSchema": {"type": "object", "properties": {"user_id": user_id, "task_id": task_id, "title": title, "description": description},
                            "required": ["user_id", "task_id"]}
        }
    ])
}

/// Checks a title: 1 to 200 characters after trimming. Returns the trimmed title.
pub fn validate_title(title: &str) -> Result<String, String> {
    let trimmed = title.trim();
    let chars = trimmed.chars().count();
    if chars == 0 || chars > MAX_TITLE_CHARS {
        return Err(format!("title must be 1 to {MAX_TITLE_CHARS} characters"));
    }
    Ok(trimmed.to_owned())
}

/// Checks a description: at most 1000 characters.
pub fn validate_description(description: &str) -> Result<String, String> {
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(format!(
            "description must be at most {MAX_DESCRIPTION_CHARS} characters"
        ));
    }
    Ok(description.to_owned())
}

/// Runs tool `name` for `owner` with `args` (the `user_id` argument is ignored here). `None` for an
/// unknown tool name.
pub async fn call(
    store: &Store,
    owner: &str,
    name: &str,
    args: &Map<String, Value>,
) -> Option<ToolOutput> {
    let result = match name {
        "add_task" => add_task(store, owner, args).await,
        "list_tasks" => list_tasks(store, owner, args).await,
        "complete_task" => complete_task(store, owner, args).await,
        "delete_task" => delete_task(store, owner, args).await,
        "update_task" => update_task(store, owner, args).await,
        _ => return None,
    };
    Some(result.unwrap_or_else(|e| e))
}

type ToolResult = Result<ToolOutput, ToolOutput>;

fn invalid(message: impl Into<String>) -> ToolOutput {
    ToolOutput::error("invalid_arguments", message)
}

fn storage_failed(err: crate::store::StoreError) -> ToolOutput {
    tracing::error!(error = %err, "storage failure in a tool");
    ToolOutput::error("internal_error", "the tool failed")
}

fn not_found(id: i64) -> ToolOutput {
    ToolOutput::error("not_found", format!("task {id} not found"))
}

fn optional_string(args: &Map<String, Value>, name: &str) -> Result<Option<String>, ToolOutput> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("{name} must be a string"))),
    }
}

fn task_id(args: &Map<String, Value>) -> Result<i64, ToolOutput> {
    args.get("task_id")
        .and_then(Value::as_i64)
        .ok_or_else(|| invalid("task_id must be an integer"))
}

fn summary(task: &Task, status: &str) -> Value {
    json!({"task_id": task.id, "status": status, "title": task.title})
}

async fn add_task(store: &Store, owner: &str, args: &Map<String, Value>) -> ToolResult {
    let title = optional_string(args, "title")?.ok_or_else(|| invalid("title is required"))?;
    let title = validate_title(&title).map_err(invalid)?;
    let description = optional_string(args, "description")?
        .map(|d| validate_description(&d))
        .transpose()
        .map_err(invalid)?;
    let task = store
        .create_task(owner, &title, description.as_deref())
        .await
        .map_err(storage_failed)?;
    let text = format!("Added task {}: {}", task.id, task.title);
    Ok(ToolOutput::ok(summary(&task, "created"), text))
}

async fn list_tasks(store: &Store, owner: &str, args: &Map<String, Value>) -> ToolResult {
    let filter = match optional_string(args, "status")? {
        None => StatusFilter::All,
        Some(s) => s
            .parse::<StatusFilter>()
            .map_err(|_| invalid("status must be all, pending or completed"))?,
    };
    let tasks = store
        .list_tasks(owner, filter)
        .await
        .map_err(storage_failed)?;
    let text = if tasks.is_empty() {
        "No tasks.".to_owned()
    } else {
        tasks
            .iter()
            .map(|t| {
                format!(
                    "[{}] {}: {}",
                    if t.completed { "x" } else { " " },
                    t.id,
                    t.title
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    Ok(ToolOutput::ok(json!({"tasks": tasks}), text))
}

async fn complete_task(store: &Store, owner: &str, args: &Map<String, Value>) -> ToolResult {
    let id = task_id(args)?;
    let patch = TaskPatch {
        completed: Some(true),
        ..TaskPatch::default()
    };
    let task = store
        .update_task(owner, id, patch)
        .await
        .map_err(storage_failed)?
        .ok_or_else(|| not_found(id))?;
    let text = format!("Completed task {}: {}", task.id, task.title);
    Ok(ToolOutput::ok(summary(&task, "completed"), text))
}

async fn delete_task(store: &Store, owner: &str, args: &Map<String, Value>) -> ToolResult {
    let id = task_id(args)?;
    let task = store
        .delete_task(owner, id)
        .await
        .map_err(storage_failed)?
        .ok_or_else(|| not_found(id))?;
    let text = format!("Deleted task {}: {}", task.id, task.title);
    Ok(ToolOutput::ok(summary(&task, "deleted"), text))
}

async fn update_task(store: &Store, owner: &str, args: &Map<String, Value>) -> ToolResult {
    let id = task_id(args)?;
    let title = optional_string(args, "title")?
        .map(|t| validate_title(&t))
        .transpose()
        .map_err(invalid)?;
    let description = optional_string(args, "description")?
        .map(|d| validate_description(&d))
        .transpose()
        .map_err(invalid)?;
    if title.is_none() && description.is_none() {
        return Err(invalid("give a title or a description to change"));
    }
    let patch = TaskPatch {
        title,
        description: description.map(Some),
        completed: None,
    };
    let task = store
        .update_task(owner, id, patch)
        .await
        .map_err(storage_failed)?
        .ok_or_else(|| not_found(id))?;
    let text = format!("Updated task {}: {}", task.id, task.title);
    Ok(ToolOutput::ok(summary(&task, "updated"), text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::IdMode;

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[tokio::test]
    async fn tools_act_for_the_given_owner_only() {
        let store = Store::open(None, IdMode::Sequential).unwrap();
        let added = call(
            &store,
            "alice",
            "add_task",
            &args(json!({"title": " Buy milk "})),
        )
        .await
        .unwrap();
        assert!(!added.is_error);
        assert_eq!(
            added.structured,
            json!({"task_id": 1, "status": "created", "title": "Buy milk"})
        );
        let foreign = call(&store, "bob", "complete_task", &args(json!({"task_id": 1})))
            .await
            .unwrap();
        assert!(foreign.is_error);
        assert_eq!(foreign.structured["error"], "not_found");
        let done = call(
            &store,
            "alice",
            "complete_task",
            &args(json!({"task_id": 1})),
        )
        .await
        .unwrap();
        assert_eq!(done.structured["status"], "completed");
        let listed = call(
            &store,
            "alice",
            "list_tasks",
            &args(json!({"status": "completed"})),
        )
        .await
        .unwrap();
        assert_eq!(listed.structured["tasks"].as_array().unwrap().len(), 1);
        let bob_list = call(&store, "bob", "list_tasks", &Map::new())
            .await
            .unwrap();
        assert_eq!(bob_list.structured, json!({"tasks": []}));
        let updated = call(
            &store,
            "alice",
            "update_task",
            &args(json!({"task_id": 1, "title": "Buy oat milk"})),
        )
        .await
        .unwrap();
        assert_eq!(updated.structured["title"], "Buy oat milk");
        let deleted = call(&store, "alice", "delete_task", &args(json!({"task_id": 1})))
            .await
            .unwrap();
        assert_eq!(deleted.structured["status"], "deleted");
        assert!(call(&store, "alice", "nope", &Map::new()).await.is_none());
    }

    #[tokio::test]
    async fn arguments_are_validated() {
        let store = Store::open(None, IdMode::Sequential).unwrap();
        for (tool, a) in [
            ("add_task", json!({})),
            ("add_task", json!({"title": ""})),
            ("add_task", json!({"title": "x".repeat(201)})),
            ("add_task", json!({"title": 5})),
            ("list_tasks", json!({"status": "done"})),
            ("complete_task", json!({"task_id": "1"})),
            ("update_task", json!({"task_id": 1})),
        ] {
            let out = call(&store, "alice", tool, &args(a.clone())).await.unwrap();
            assert!(out.is_error, "{tool} {a}");
        }
        assert_eq!(definitions().as_array().unwrap().len(), TOOL_NAMES.len());
    }
}
