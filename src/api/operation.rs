//! One operation of an API description and what its templates use.

use serde_json::Value;

use crate::template;

/// Placeholders every operation template may use, besides the captures some operation `creates` and
/// `chat.NAME` phrases.
pub const OPERATION_PLACEHOLDERS: [&str; 2] = ["user_id", "canary"];

/// The reference agent's wording of each chat phrase a scenario can send as `{chat.NAME}`. A
/// scenario appends the arguments: `"{chat.delete_task} {task_id}"`.
pub const DEFAULT_CHAT_PHRASES: &[(&str, &str)] = &[
    ("add_task", "add task"),
    ("list_tasks", "list tasks"),
    ("list_pending", "list pending tasks"),
    ("list_completed", "list completed tasks"),
    ("complete_task", "complete task"),
    ("delete_task", "delete task"),
    ("update_task", "update task"),
    ("update_to", "to"),
    ("show_history", "show history"),
    ("claim_identity", "as user"),
];

/// `chat.NAME` for a phrase every profile defines (the profile may reword it, not add names).
pub(super) fn is_chat_phrase(placeholder: &str) -> bool {
    placeholder
        .strip_prefix("chat.")
        .is_some_and(|name| DEFAULT_CHAT_PHRASES.iter().any(|(known, _)| *known == name))
}

/// One operation, with the profile's overrides applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// Its name, e.g. `tasks.get`.
    pub name: String,
    /// HTTP method, upper case.
    pub method: String,
    /// Path template (and query), without the profile prefix.
    pub path: String,
    /// Whether it needs a token.
    pub auth: bool,
    /// JSON body template.
    pub json: Option<Value>,
    /// Captures a 2xx answer provides: (name, JSON pointer).
    pub creates: Vec<(String, String)>,
    /// The documented success status.
    pub status: Option<u16>,
    /// Headers every request of it carries (values may hold placeholders).
    pub headers: Vec<(String, String)>,
    /// The profile service it is sent to; `None`: the target.
    pub service: Option<String>,
    /// Added by the profile to a bundled description: scenarios written for that description (with
    /// `api:`) do not take it from their operation groups; the any-api scenarios do.
    pub added: bool,
    /// Whether it only reads (a `GET` or `HEAD`, or declared so).
    pub reads: bool,
    /// For a chat operation: the JSON pointer of the message in its body.
    pub prompt: Option<String>,
}

impl Operation {
    /// Whether its path or body uses placeholder `name`.
    pub fn uses(&self, name: &str) -> bool {
        self.placeholders().iter().any(|used| used == name)
    }

    /// The resource ids it uses: placeholders that are neither `{user_id}`, `{canary}` nor a chat
    /// phrase (in a checked API, each is created by some operation).
    pub fn resources(&self) -> Vec<String> {
        self.placeholders()
            .into_iter()
            .filter(|name| {
                !OPERATION_PLACEHOLDERS.contains(&name.as_str()) && !is_chat_phrase(name)
            })
            .collect()
    }

    /// Whether it is an authenticated read that uses no resource id: a list of the acting user's data,
    /// whether the user is in its path (or body) or comes from the token only.
    pub fn is_list(&self) -> bool {
        self.auth && self.is_read() && self.resources().is_empty()
    }

    /// Whether it only reads (`GET` or `HEAD`, or declared `reads: true`).
    pub fn is_read(&self) -> bool {
        self.reads
    }

    /// Names of the placeholders its path and body use, in order, without repeats.
    pub fn placeholders(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let mut found = template::placeholders(&self.path).unwrap_or_default();
        if let Some(json) = &self.json {
            found.extend(template::json_placeholders(json).unwrap_or_default());
        }
        for placeholder in found {
            if !names.contains(&placeholder.name) {
                names.push(placeholder.name);
            }
        }
        names
    }
}
