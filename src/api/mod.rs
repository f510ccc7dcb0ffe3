//! API descriptions: named operations (`tasks.get`, `chat.send`, ...) that scenarios call instead of
//! writing methods and paths. The bundled `todo` description is embedded in the binary; a profile selects
//! it and may add a path prefix and per-operation overrides, or defines a custom API's operations in full
//! ([`ApiSelection`], what `authconform init` writes from an OpenAPI document).

pub mod model;

use std::path::Path;

use serde_json::Value;

pub use model::{ApiSelection, OperationGroup, OperationOverride};

use crate::scenario::suggest::did_you_mean;
use crate::scenario::template;
use crate::yaml::{self, YamlError};

/// The bundled API descriptions: (name, YAML text).
const BUNDLED: &[(&str, &str)] = &[("todo", include_str!("../../apis/todo.yaml"))];

/// Placeholders every operation template may use, besides the captures some operation `creates` and
/// `chat.NAME` phrases.
pub const OPERATION_PLACEHOLDERS: [&str; 2] = ["user_id", "canary"];

/// `chat.NAME` for a phrase every profile defines (the profile may reword it, not add names).
fn is_chat_phrase(placeholder: &str) -> bool {
    placeholder.strip_prefix("chat.").is_some_and(|name| {
        crate::profile::DEFAULT_CHAT_PHRASES
            .iter()
            .any(|(known, _)| *known == name)
    })
}

/// An API description could not be loaded or adapted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The description's YAML is wrong.
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// No bundled description has this name.
    #[error("unknown API `{name}`; bundled: {known}")]
    UnknownApi {
        /// The name asked for.
        name: String,
        /// The bundled names, comma-separated.
        known: String,
    },
    /// An override names an operation the description does not have.
    #[error("api.operations: unknown operation `{name}`{}", hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    UnknownOperation {
        /// The name.
        name: String,
        /// A did-you-mean hint.
        hint: Option<String>,
    },
    /// A value is wrong.
    #[error("{field}: {message}")]
    Invalid {
        /// Where, e.g. `api.prefix` or `operations.tasks.get.path`.
        field: String,
        /// What is wrong.
        message: String,
    },
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

/// A loaded API description, adapted to one target.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// Its name.
    pub name: String,
    /// Prepended to every request path (`""` or e.g. `/v1`, no trailing slash).
    pub prefix: String,
    /// Operations in file order.
    pub operations: Vec<Operation>,
}

impl Api {
    /// The names of the bundled descriptions.
    pub fn bundled_names() -> Vec<&'static str> {
        BUNDLED.iter().map(|(name, _)| *name).collect()
    }

    /// The bundled description `name`, with no prefix or overrides.
    pub fn bundled(name: &str) -> Result<Api, ApiError> {
        Api::from_selection(&ApiSelection {
            name: name.to_string(),
            ..ApiSelection::default()
        })
    }

    /// The description a profile's `api:` section selects, with its prefix and overrides applied; or,
    /// when its name is not a bundled one, the custom API its operations define.
    pub fn from_selection(selection: &ApiSelection) -> Result<Api, ApiError> {
        let Some((_, text)) = BUNDLED.iter().find(|(name, _)| *name == selection.name) else {
            return Api::custom(selection);
        };
        let path = format!("<embedded>/apis/{}.yaml", selection.name);
        let file: model::ApiFile = yaml::parse_str(Path::new(&path), text)?;
        let mut api = Api::from_file(file)?;
        api.apply(selection)?;
        api.check_resources("api.operations")?;
        Ok(api)
    }

    /// A custom API: every operation of the selection, defined in full.
    fn custom(selection: &ApiSelection) -> Result<Api, ApiError> {
        if selection.operations.is_empty() {
            return Err(ApiError::UnknownApi {
                name: selection.name.clone(),
                known: Api::bundled_names().join(", "),
            });
        }
        let mut operations = Vec::new();
        for (name, op) in selection.operations.iter() {
            let required = |field: &str| ApiError::Invalid {
                field: format!("api.operations.{name}.{field}"),
                message: format!(
                    "required: `{}` is not a bundled API (bundled: {}), so each of its operations is defined in full",
                    selection.name,
                    Api::bundled_names().join(", ")
                ),
            };
            let operation = Operation {
                name: name.clone(),
                method: op
                    .method
                    .as_deref()
                    .ok_or_else(|| required("method"))?
                    .to_ascii_uppercase(),
                path: op.path.clone().ok_or_else(|| required("path"))?,
                auth: op.auth.unwrap_or(true),
                json: op.json.clone(),
                creates: op.creates.clone().unwrap_or_default().into_iter().collect(),
                status: op.status,
                headers: op.headers.clone().unwrap_or_default().into_iter().collect(),
                service: op.service.clone(),
                added: false,
                reads: false,
                prompt: op.prompt.clone(),
            };
            let operation = Operation {
                reads: op.reads.unwrap_or(read_method(&operation.method)),
                ..operation
            };
            check_operation(&operation, "api.operations")?;
            operations.push(operation);
        }
        let api = Api {
            name: selection.name.clone(),
            prefix: check_prefix(&selection.prefix)?,
            operations,
        };
        api.check_single_creators()?;
        api.check_resources("api.operations")?;
        Ok(api)
    }

    /// In a custom API, each id is created by one operation: `prepare` makes objects through it, and
    /// two creators would leave the other's objects unchecked.
    fn check_single_creators(&self) -> Result<(), ApiError> {
        for (index, op) in self.operations.iter().enumerate() {
            for (capture, _) in &op.creates {
                if let Some(first) = self.operations[..index]
                    .iter()
                    .find(|other| other.creates.iter().any(|(created, _)| created == capture))
                {
                    return Err(ApiError::Invalid {
                        field: format!("api.operations.{}.creates", op.name),
                        message: format!(
                            "`{capture}` is also created by `{}`: keep `creates: {{ {capture}: ... }}` on one of the two (a second kind of object needs its own name)",
                            first.name
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// Every resource id an operation uses is created by some operation.
    fn check_resources(&self, section: &str) -> Result<(), ApiError> {
        for op in &self.operations {
            for resource in op.resources() {
                if self.creator(&resource).is_none() {
                    return Err(ApiError::Invalid {
                        field: format!("{section}.{}.path", op.name),
                        message: format!(
                            "`{{{resource}}}` is not created by any operation: add `creates: {{ {resource}: /id }}` (the JSON pointer to the id in its answer) to the operation that creates it, or remove this one"
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// The first operation that creates capture `name`.
    pub fn creator(&self, name: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|op| op.creates.iter().any(|(created, _)| created == name))
    }

    /// Checks and converts a parsed description.
    pub fn from_file(file: model::ApiFile) -> Result<Api, ApiError> {
        let mut operations = Vec::new();
        for (name, op) in file.operations.0 {
            let operation = Operation {
                method: op.method.to_ascii_uppercase(),
                path: op.path,
                auth: op.auth,
                json: op.json,
                creates: op.creates.into_iter().collect(),
                status: op.status,
                headers: op.headers.into_iter().collect(),
                service: None,
                added: false,
                reads: false,
                prompt: op.prompt,
                name,
            };
            let operation = Operation {
                reads: read_method(&operation.method),
                ..operation
            };
            check_operation(&operation, "operations")?;
            operations.push(operation);
        }
        Ok(Api {
            name: file.name,
            prefix: String::new(),
            operations,
        })
    }

    fn apply(&mut self, selection: &ApiSelection) -> Result<(), ApiError> {
        self.prefix = check_prefix(&selection.prefix)?;
        for (name, change) in selection.operations.iter() {
            let known: Vec<String> = self.operations.iter().map(|op| op.name.clone()).collect();
            let Some(operation) = self.operations.iter_mut().find(|op| op.name == *name) else {
                self.add(name, change, &known)?;
                continue;
            };
            if let Some(method) = &change.method {
                operation.method = method.to_ascii_uppercase();
            }
            if let Some(path) = &change.path {
                operation.path = path.clone();
            }
            if let Some(json) = &change.json {
                operation.json = Some(json.clone());
            }
            if let Some(auth) = change.auth {
                operation.auth = auth;
            }
            if let Some(creates) = &change.creates {
                operation.creates = creates.clone().into_iter().collect();
            }
            if let Some(status) = change.status {
                operation.status = Some(status);
            }
            if let Some(headers) = &change.headers {
                operation.headers = headers.clone().into_iter().collect();
            }
            if let Some(service) = &change.service {
                operation.service = Some(service.clone());
            }
            if let Some(prompt) = &change.prompt {
                operation.prompt = Some(prompt.clone());
            }
            if change.method.is_some() || change.reads.is_some() {
                operation.reads = change.reads.unwrap_or(read_method(&operation.method));
            }
            check_operation(operation, "api.operations")?;
        }
        Ok(())
    }

    /// Adds an operation the bundled description lacks: one with `method` and `path` (an entry with
    /// neither is a misspelt override). It may not create an id the description already creates.
    fn add(
        &mut self,
        name: &str,
        change: &OperationOverride,
        known: &[String],
    ) -> Result<(), ApiError> {
        let (Some(method), Some(path)) = (&change.method, &change.path) else {
            return Err(ApiError::UnknownOperation {
                name: name.to_string(),
                hint: Some(did_you_mean(name, known).map_or_else(
                    || "a new operation needs `method` and `path`".to_string(),
                    |hint| format!("{hint}; a new operation needs `method` and `path`"),
                )),
            });
        };
        let operation = Operation {
            name: name.to_string(),
            method: method.to_ascii_uppercase(),
            path: path.clone(),
            auth: change.auth.unwrap_or(true),
            json: change.json.clone(),
            creates: change
                .creates
                .clone()
                .unwrap_or_default()
                .into_iter()
                .collect(),
            status: change.status,
            headers: change
                .headers
                .clone()
                .unwrap_or_default()
                .into_iter()
                .collect(),
            service: change.service.clone(),
            added: true,
            reads: change.reads.unwrap_or(read_method(method)),
            prompt: change.prompt.clone(),
        };
        check_operation(&operation, "api.operations")?;
        for (capture, _) in &operation.creates {
            if let Some(first) = self.creator(capture) {
                return Err(ApiError::Invalid {
                    field: format!("api.operations.{name}.creates"),
                    message: format!(
                        "`{capture}` is already created by `{}`: give this kind of object its own name",
                        first.name
                    ),
                });
            }
        }
        self.operations.push(operation);
        Ok(())
    }

    /// The operation with this name.
    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.iter().find(|op| op.name == name)
    }

    /// The names of the operations, in order.
    pub fn names(&self) -> Vec<&str> {
        self.operations.iter().map(|op| op.name.as_str()).collect()
    }

    /// The names of the operations of a group, in order.
    pub fn select(&self, group: OperationGroup) -> Vec<&str> {
        self.operations
            .iter()
            .filter(|op| match group {
                OperationGroup::Protected => op.auth,
                OperationGroup::Public => !op.auth,
                OperationGroup::WithUser => op.uses("user_id"),
                OperationGroup::UserInPath => template::placeholders(&op.path)
                    .unwrap_or_default()
                    .iter()
                    .any(|placeholder| placeholder.name == "user_id"),
                OperationGroup::WithTask => op.uses("task_id"),
                OperationGroup::WithConversation => op.uses("conversation_id"),
                OperationGroup::WithResource => !op.resources().is_empty(),
                OperationGroup::Owned => {
                    op.auth && (op.uses("user_id") || !op.resources().is_empty())
                }
                OperationGroup::UserInBody => {
                    op.auth
                        && op.uses("user_id")
                        && !template::placeholders(&op.path)
                            .unwrap_or_default()
                            .iter()
                            .any(|placeholder| placeholder.name == "user_id")
                }
                OperationGroup::Creates => !op.creates.is_empty(),
                OperationGroup::Lists => op.is_list(),
                OperationGroup::Prompts => op.auth && op.prompt.is_some(),
                OperationGroup::ResourceReads => op.is_read() && !op.resources().is_empty(),
                OperationGroup::ResourceWrites => !op.is_read() && !op.resources().is_empty(),
            })
            .map(|op| op.name.as_str())
            .collect()
    }

    /// `path` with the prefix in front.
    pub fn prefixed(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }

    /// Where a request of `op` with this (rendered) `path` goes: the prefixed path on the target, or
    /// the absolute URL on its service (`services` from the profile).
    pub fn located(
        &self,
        op: &Operation,
        path: &str,
        services: &std::collections::BTreeMap<String, String>,
    ) -> String {
        match op.service.as_ref().and_then(|name| services.get(name)) {
            Some(base) => format!("{base}{path}"),
            None => self.prefixed(path),
        }
    }
}

/// Whether `method` is an HTTP token (RFC 9110 §5.6.2).
pub(crate) fn is_method(method: &str) -> bool {
    !method.is_empty()
        && method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn check_prefix(prefix: &str) -> Result<String, ApiError> {
    let trimmed = prefix.trim_end_matches('/');
    if !trimmed.is_empty() && !trimmed.starts_with('/') {
        return Err(ApiError::Invalid {
            field: "api.prefix".into(),
            message: format!("`{prefix}` must start with `/`"),
        });
    }
    if trimmed.contains(['?', '#', '{', '}']) {
        return Err(ApiError::Invalid {
            field: "api.prefix".into(),
            message: format!("`{prefix}` must be a plain path (no `?`, `#` or braces)"),
        });
    }
    Ok(trimmed.to_string())
}

/// Whether requests of this method only read (`GET`, `HEAD`).
fn read_method(method: &str) -> bool {
    matches!(method.to_ascii_uppercase().as_str(), "GET" | "HEAD")
}

fn check_operation(op: &Operation, section: &str) -> Result<(), ApiError> {
    let field = |what: &str| format!("{section}.{}.{what}", op.name);
    let invalid = |what: &str, message: String| ApiError::Invalid {
        field: field(what),
        message,
    };
    if !is_method(&op.method) {
        return Err(invalid(
            "method",
            format!("`{}` is not an HTTP method", op.method),
        ));
    }
    if !op.path.starts_with('/') {
        return Err(invalid(
            "path",
            format!("`{}` must start with `/`", op.path),
        ));
    }
    let mut found =
        template::placeholders(&op.path).map_err(|err| invalid("path", err.to_string()))?;
    if let Some(json) = &op.json {
        found.extend(
            template::json_placeholders(json).map_err(|err| invalid("json", err.to_string()))?,
        );
    }
    if let Some(unknown) = found
        .iter()
        .find(|p| p.name.contains('.') && !is_chat_phrase(&p.name))
    {
        return Err(invalid(
            "path",
            format!(
                "unknown placeholder `{{{}}}`; an operation may use {}, chat.NAME phrases and the captures operations create",
                unknown.name,
                OPERATION_PLACEHOLDERS
                    .map(|name| format!("{{{name}}}"))
                    .join(", ")
            ),
        ));
    }
    for (name, pointer) in &op.creates {
        if !template::is_name(name)
            || name.contains('.')
            || OPERATION_PLACEHOLDERS.contains(&name.as_str())
        {
            return Err(invalid(
                "creates",
                format!(
                    "`{name}` cannot name a capture: use a letter or `_`, then letters, digits or `_`, and not user_id or canary"
                ),
            ));
        }
        if let Err(message) = crate::scenario::validate::check_pointer(pointer) {
            return Err(invalid("creates", format!("{name}: {message}")));
        }
    }
    if let Some(status) = op.status
        && !(100..=599).contains(&status)
    {
        return Err(invalid("status", format!("{status} is not an HTTP status")));
    }
    for (name, value) in &op.headers {
        if !is_method(name) {
            return Err(invalid(
                "headers",
                format!("`{name}` is not an HTTP header name"),
            ));
        }
        if name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("cookie") {
            return Err(invalid(
                "headers",
                format!("`{name}` carries credentials; the harness sets those itself"),
            ));
        }
        if value.contains(['\r', '\n']) {
            return Err(invalid(
                "headers",
                format!("the value of `{name}` has a line break"),
            ));
        }
        template::placeholders(value).map_err(|err| invalid("headers", err.to_string()))?;
    }
    if let Some(pointer) = &op.prompt {
        let at = op.json.as_ref().and_then(|json| json.pointer(pointer));
        if !at.is_some_and(serde_json::Value::is_string) {
            return Err(invalid(
                "prompt",
                format!(
                    "`{pointer}` must point at a string of the operation's `json` body (its message)"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn todo_loads_with_every_operation_of_the_contract() {
        let api = Api::bundled("todo").unwrap();
        let expected = [
            "health",
            "tasks.list",
            "tasks.list.pending",
            "tasks.create",
            "tasks.get",
            "tasks.update",
            "tasks.delete",
            "tasks.complete",
            "chat.send",
            "chat.continue",
            "conversations.get",
            "mcp.tools_list",
            "mcp.list_tasks",
            "mcp.add_task",
            "mcp.complete_task",
            "mcp.update_task",
            "mcp.delete_task",
        ];
        assert_eq!(api.names(), expected);
        assert_eq!(api.select(OperationGroup::Public), ["health"]);
        assert_eq!(
            api.select(OperationGroup::Protected).len(),
            expected.len() - 1
        );
        assert_eq!(
            api.select(OperationGroup::WithConversation),
            ["chat.continue", "conversations.get"]
        );
        let create = api.operation("tasks.create").unwrap();
        assert_eq!(create.method, "POST");
        assert_eq!(
            create.creates,
            vec![("task_id".to_string(), "/id".to_string())]
        );
        assert_eq!(create.status, Some(201));
        let complete = api.operation("mcp.complete_task").unwrap();
        assert_eq!(
            complete.json.as_ref().unwrap()["params"]["arguments"]["task_id"],
            json!("{task_id}")
        );
    }

    #[test]
    fn task_operations_match_the_reference_routes() {
        let api = Api::bundled("todo").unwrap();
        let route = |name: &str| {
            let op = api.operation(name).unwrap();
            format!("{} {}", op.method, op.path)
        };
        assert_eq!(route("tasks.get"), "GET /api/{user_id}/tasks/{task_id}");
        assert_eq!(route("tasks.update"), "PUT /api/{user_id}/tasks/{task_id}");
        assert_eq!(
            route("tasks.delete"),
            "DELETE /api/{user_id}/tasks/{task_id}"
        );
        assert_eq!(
            route("tasks.complete"),
            "PATCH /api/{user_id}/tasks/{task_id}/complete"
        );
        assert_eq!(
            route("conversations.get"),
            "GET /api/{user_id}/conversations/{conversation_id}"
        );
        assert_eq!(route("mcp.list_tasks"), "POST /mcp");
    }

    #[test]
    fn prefix_and_overrides_apply() {
        let mut selection = ApiSelection {
            prefix: "/v1/".into(),
            ..ApiSelection::default()
        };
        selection.operations.insert(
            "tasks.list".into(),
            OperationOverride {
                path: Some("/api/users/{user_id}/tasks".into()),
                method: Some("get".into()),
                ..Default::default()
            },
        );
        let api = Api::from_selection(&selection).unwrap();
        assert_eq!(api.prefix, "/v1");
        let list = api.operation("tasks.list").unwrap();
        assert_eq!(api.prefixed(&list.path), "/v1/api/users/{user_id}/tasks");
        assert_eq!(list.method, "GET");
    }

    #[test]
    fn bad_selections_are_explained() {
        let unknown = Api::from_selection(&ApiSelection {
            name: "tood".into(),
            ..ApiSelection::default()
        })
        .unwrap_err();
        assert_eq!(unknown.to_string(), "unknown API `tood`; bundled: todo");

        let mut selection = ApiSelection::default();
        selection
            .operations
            .insert("tasks.gte".into(), OperationOverride::default());
        let err = Api::from_selection(&selection).unwrap_err();
        assert_eq!(
            err.to_string(),
            "api.operations: unknown operation `tasks.gte` (did you mean `tasks.get`?; a new operation needs `method` and `path`)"
        );

        let mut selection = ApiSelection::default();
        selection.operations.insert(
            "tasks.get".into(),
            OperationOverride {
                path: Some("/api/{user}/tasks".into()),
                ..Default::default()
            },
        );
        let err = Api::from_selection(&selection).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "api.operations.tasks.get.path: `{user}` is not created by any operation"
            ),
            "{err}"
        );

        let bad_prefix = ApiSelection {
            prefix: "v1".into(),
            ..ApiSelection::default()
        };
        assert!(
            Api::from_selection(&bad_prefix)
                .unwrap_err()
                .to_string()
                .contains("must start with `/`")
        );
    }

    #[test]
    fn a_bundled_description_takes_new_operations_with_method_and_path() {
        let legacy = |creates: Option<&str>| OperationOverride {
            method: Some("get".into()),
            path: Some("/api/tasks/{task_id}".into()),
            creates: creates.map(|c| [(c.to_string(), "/id".to_string())].into()),
            ..Default::default()
        };
        let mut selection = ApiSelection::default();
        selection
            .operations
            .insert("legacy.get".into(), legacy(None));
        let api = Api::from_selection(&selection).unwrap();
        let added = api.operation("legacy.get").unwrap();
        assert_eq!((added.method.as_str(), added.auth), ("GET", true));
        assert_eq!(api.names().last(), Some(&"legacy.get"));

        let mut selection = ApiSelection::default();
        selection
            .operations
            .insert("legacy.get".into(), legacy(Some("task_id")));
        let err = Api::from_selection(&selection).unwrap_err().to_string();
        assert!(
            err.contains("`task_id` is already created by `tasks.create`"),
            "{err}"
        );
    }

    #[test]
    fn a_prompt_points_at_the_message_string_of_the_body() {
        let todo = Api::bundled("todo").unwrap();
        assert_eq!(todo.select(OperationGroup::Prompts), ["chat.send"]);
        let mut selection = ApiSelection::default();
        selection.operations.insert(
            "chat.send".into(),
            OperationOverride {
                prompt: Some("/conversation_id".into()),
                ..Default::default()
            },
        );
        let err = Api::from_selection(&selection).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "api.operations.chat.send.prompt: `/conversation_id` must point at a string"
            ),
            "{err}"
        );
    }

    #[test]
    fn profile_section_parses() {
        let selection: ApiSelection = yaml::parse_str(
            Path::new("p.yaml"),
            "prefix: /v1\noperations:\n  tasks.list: { path: \"/api/users/{user_id}/tasks\" }\n",
        )
        .unwrap();
        assert_eq!(selection.name, "todo");
        assert!(Api::from_selection(&selection).is_ok());
        let err = yaml::parse_str::<ApiSelection>(Path::new("p.yaml"), "prefx: /v1\n").unwrap_err();
        assert!(err.message.contains("prefx"), "{err}");
    }

    fn custom(yaml_text: &str) -> Result<Api, ApiError> {
        let selection: ApiSelection = yaml::parse_str(Path::new("p.yaml"), yaml_text).unwrap();
        Api::from_selection(&selection)
    }

    #[test]
    fn a_custom_api_is_defined_in_full_and_keeps_its_order() {
        let api = custom(
            "name: items-api\nprefix: /v2\noperations:\n  \
             items.list: { method: get, path: \"/users/{user_id}/items\" }\n  \
             items.create: { method: POST, path: \"/users/{user_id}/items\", json: { name: \"{canary}\" }, creates: { item_id: /id }, status: 201 }\n  \
             items.get: { method: GET, path: \"/users/{user_id}/items/{item_id}\" }\n  \
             items.delete: { method: DELETE, path: \"/users/{user_id}/items/{item_id}\" }\n  \
             health: { method: GET, path: /health, auth: false }\n",
        )
        .unwrap();
        assert_eq!(api.name, "items-api");
        assert_eq!(api.prefix, "/v2");
        assert_eq!(
            api.names(),
            [
                "items.list",
                "items.create",
                "items.get",
                "items.delete",
                "health"
            ]
        );
        assert_eq!(api.operation("items.list").unwrap().method, "GET");
        assert_eq!(api.creator("item_id").unwrap().name, "items.create");
        assert_eq!(api.operation("items.get").unwrap().resources(), ["item_id"]);
        assert_eq!(api.select(OperationGroup::ResourceReads), ["items.get"]);
        assert_eq!(api.select(OperationGroup::ResourceWrites), ["items.delete"]);
        assert_eq!(api.select(OperationGroup::Lists), ["items.list"]);
        assert_eq!(api.select(OperationGroup::Creates), ["items.create"]);
        assert_eq!(api.select(OperationGroup::Public), ["health"]);
        assert_eq!(
            api.select(OperationGroup::UserInPath),
            ["items.list", "items.create", "items.get", "items.delete"]
        );
    }

    #[test]
    fn operations_carry_their_own_headers_but_never_credentials() {
        let api = custom(
            "name: mine\noperations:\n  mcp.list: { method: POST, path: /mcp, headers: { Accept: \"application/json, text/event-stream\", X-User: \"{user_id}\" } }\n",
        )
        .unwrap();
        assert_eq!(
            api.operation("mcp.list").unwrap().headers,
            [
                (
                    "Accept".to_string(),
                    "application/json, text/event-stream".to_string()
                ),
                ("X-User".to_string(), "{user_id}".to_string())
            ]
        );
        for (headers, problem) in [
            ("{ Authorization: x }", "carries credentials"),
            ("{ \"bad name\": x }", "not an HTTP header name"),
            ("{ X-A: \"a\\r\\nb\" }", "line break"),
        ] {
            let err = custom(&format!(
                "name: mine\noperations:\n  a: {{ method: GET, path: /a, headers: {headers} }}\n"
            ))
            .unwrap_err()
            .to_string();
            assert!(err.contains(problem), "{headers}: {err}");
        }
    }

    #[test]
    fn a_custom_api_has_one_creator_per_id() {
        let err = custom(
            "name: mine\noperations:\n  a.create: { method: POST, path: /a, creates: { a_id: /id } }\n  a.import: { method: POST, path: /import, creates: { a_id: /id } }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with(
                "api.operations.a.import.creates: `a_id` is also created by `a.create`"
            ),
            "{err}"
        );
    }

    #[test]
    fn custom_api_mistakes_are_explained() {
        let missing = custom("name: mine\noperations:\n  a: { path: /a }\n").unwrap_err();
        assert_eq!(
            missing.to_string(),
            "api.operations.a.method: required: `mine` is not a bundled API (bundled: todo), so each of its operations is defined in full"
        );
        let uncreated =
            custom("name: mine\noperations:\n  a: { method: GET, path: \"/a/{thing_id}\" }\n")
                .unwrap_err()
                .to_string();
        assert!(
            uncreated
                .starts_with("api.operations.a.path: `{thing_id}` is not created by any operation"),
            "{uncreated}"
        );
        let bad_capture = custom(
            "name: mine\noperations:\n  a: { method: POST, path: /a, creates: { user_id: /id } }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            bad_capture.contains("cannot name a capture"),
            "{bad_capture}"
        );
        let duplicate = yaml::parse_str::<ApiSelection>(
            Path::new("p.yaml"),
            "name: mine\noperations:\n  a: { method: GET, path: /a }\n  a: { method: GET, path: /b }\n",
        );
        assert!(duplicate.is_err());
        let nothing = custom("name: mine\n").unwrap_err().to_string();
        assert_eq!(nothing, "unknown API `mine`; bundled: todo");
    }
}
