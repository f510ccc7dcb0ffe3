//! The API description format (`apis/<name>.yaml`) and the profile's `api:` section that selects one and
//! adapts it to a target.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use serde_json::Value;

/// The profile's `api:` section: the API the target implements. Either a bundled description (`todo`)
/// with a prefix and per-operation overrides, or, under any other name, a custom API whose operations
/// are all defined here in full (what `authconform init` writes). Every field is optional; the default
/// is the `todo` API with no prefix.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiSelection {
    /// Name of a bundled API description (`todo`), or of a custom API defined by `operations`.
    #[serde(default = "default_api_name")]
    pub name: String,
    /// Prepended to every request path, e.g. `/v1`.
    #[serde(default)]
    pub prefix: String,
    /// By operation name: overrides of a bundled description's operations (e.g. `tasks.list: { path:
    /// "/api/users/{user_id}/tasks" }`) and operations it lacks (each with `method` and `path`), or
    /// every operation of a custom API (each with `method` and `path`), in order.
    #[serde(default)]
    pub operations: OverrideMap,
}

impl Default for ApiSelection {
    fn default() -> Self {
        ApiSelection {
            name: default_api_name(),
            prefix: String::new(),
            operations: OverrideMap::default(),
        }
    }
}

/// Operations of a profile's `api:` section by name, in file order (duplicates are errors).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OverrideMap(pub Vec<(String, OperationOverride)>);

impl OverrideMap {
    /// Adds or replaces one entry.
    pub fn insert(&mut self, name: String, operation: OperationOverride) {
        match self.0.iter_mut().find(|(known, _)| *known == name) {
            Some(entry) => entry.1 = operation,
            None => self.0.push((name, operation)),
        }
    }

    /// Whether it has no entry.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &OperationOverride)> {
        self.0.iter().map(|(name, op)| (name, op))
    }
}

impl<'de> Deserialize<'de> for OverrideMap {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ordered_map(deserializer).map(OverrideMap)
    }
}

impl JsonSchema for OverrideMap {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "OperationMap".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let operation = generator.subschema_for::<OperationOverride>();
        schemars::json_schema!({
            "description": "Operations by name (letters, digits, `.`, `_`, `-`), in order.",
            "type": "object",
            "additionalProperties": operation
        })
    }
}

/// A mapping read in file order; a repeated key is an error.
fn ordered_map<'de, D: de::Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Vec<(String, T)>, D::Error> {
    struct MapVisitor<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for MapVisitor<T> {
        type Value = Vec<(String, T)>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a mapping from operation name to operation")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut entries: Vec<(String, T)> = Vec::new();
            while let Some(name) = map.next_key::<String>()? {
                if entries.iter().any(|(known, _)| *known == name) {
                    return Err(de::Error::custom(format!("duplicate operation `{name}`")));
                }
                entries.push((name, map.next_value()?));
            }
            Ok(entries)
        }
    }
    deserializer.deserialize_map(MapVisitor(std::marker::PhantomData))
}

fn default_api_name() -> String {
    "todo".to_string()
}

/// One operation in a profile: what it changes in a bundled operation, or (for a custom API) the whole
/// operation, where `method` and `path` are required.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationOverride {
    /// HTTP method.
    #[serde(default)]
    pub method: Option<String>,
    /// Path template (and query), before the prefix. Placeholders: `{user_id}` (the acting user's id),
    /// `{canary}`, and any capture some operation `creates` (e.g. `{task_id}`).
    #[serde(default)]
    pub path: Option<String>,
    /// JSON body template (same placeholders; a string that is exactly `"{name}"` becomes the captured
    /// value itself, so numbers stay numbers).
    #[serde(default)]
    pub json: Option<Value>,
    /// Whether the operation needs a token (default true for a custom operation).
    #[serde(default)]
    pub auth: Option<bool>,
    /// What a 2xx answer returns: capture name -> JSON pointer into the body (e.g. `{ item_id: /id }`).
    #[serde(default)]
    pub creates: Option<BTreeMap<String, String>>,
    /// The documented success status.
    #[serde(default)]
    pub status: Option<u16>,
    /// Headers every request of this operation carries (e.g. an MCP server's `Accept:
    /// application/json, text/event-stream`, or a tenant header); values may hold the same
    /// placeholders. Never a token.
    #[serde(default)]
    pub headers: Option<BTreeMap<String, String>>,
    /// The service of `services` it is sent to (default: the target's base URL); its path is then
    /// relative to that service, without the API prefix.
    #[serde(default)]
    pub service: Option<String>,
    /// Whether it only reads (default: a `GET` or `HEAD` does). `true` for a read that is a `POST`,
    /// such as an MCP tool that lists or gets: it then serves as a list (no id) or an object read.
    #[serde(default)]
    pub reads: Option<bool>,
    /// For a chat operation: the JSON pointer of the message in its body (e.g. `/message`), where the
    /// agent checks put their prompts.
    #[serde(default)]
    pub prompt: Option<String>,
}

/// An API description file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiFile {
    /// Its name, as profiles select it.
    pub name: String,
    /// One line about it.
    #[serde(default)]
    pub description: Option<String>,
    /// The operations, in file order.
    pub operations: OperationMap,
}

/// Operations by name, in file order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OperationMap(pub Vec<(String, OperationFile)>);

impl<'de> Deserialize<'de> for OperationMap {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ordered_map(deserializer).map(OperationMap)
    }
}

/// One operation as written in an API description.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationFile {
    /// HTTP method.
    pub method: String,
    /// Path template (and query), without the profile prefix.
    pub path: String,
    /// Whether it needs a token (default true).
    #[serde(default = "default_auth")]
    pub auth: bool,
    /// JSON body template.
    #[serde(default)]
    pub json: Option<Value>,
    /// What a 2xx answer returns: capture name -> JSON pointer into the body.
    #[serde(default)]
    pub creates: BTreeMap<String, String>,
    /// The documented success status.
    #[serde(default)]
    pub status: Option<u16>,
    /// One line about it.
    #[serde(default)]
    pub description: Option<String>,
    /// Headers every request of this operation carries.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// For a chat operation: the JSON pointer of the message in its body.
    #[serde(default)]
    pub prompt: Option<String>,
}

fn default_auth() -> bool {
    true
}

/// Named groups of operations, for matrices (`{ operations: protected }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OperationGroup {
    /// Every operation that needs a token.
    Protected,
    /// Every operation that needs none.
    Public,
    /// Those whose request (path or body) uses `{user_id}`.
    WithUser,
    /// Those whose path (not only the body) uses `{user_id}`: the tenant is in the URL.
    UserInPath,
    /// Those whose request uses `{task_id}`.
    WithTask,
    /// Those whose request uses `{conversation_id}`.
    WithConversation,
    /// Those whose request uses a resource id: a capture that some operation `creates`.
    WithResource,
    /// Protected ones that name whose data they act on: the user's id (in the path or the body) or
    /// an object's id. Another user's token must not act there.
    Owned,
    /// Protected ones that name the user in their body but not in their path (an MCP tool's
    /// `user_id` argument, a legacy `{"user_id": ...}` field).
    UserInBody,
    /// Those that create something (`creates:`).
    Creates,
    /// Authenticated `GET`s of the acting user's data that use no resource id (lists).
    Lists,
    /// Protected chat operations: those with a `prompt` (the message an agent reads).
    Prompts,
    /// `GET` or `HEAD` operations that use a resource id (reading one object).
    ResourceReads,
    /// Other operations that use a resource id (changing or deleting one object, acting on it).
    ResourceWrites,
}

impl OperationGroup {
    /// Name as written in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationGroup::Protected => "protected",
            OperationGroup::Public => "public",
            OperationGroup::WithUser => "with_user",
            OperationGroup::UserInPath => "user_in_path",
            OperationGroup::WithTask => "with_task",
            OperationGroup::WithConversation => "with_conversation",
            OperationGroup::WithResource => "with_resource",
            OperationGroup::Owned => "owned",
            OperationGroup::UserInBody => "user_in_body",
            OperationGroup::Creates => "creates",
            OperationGroup::Lists => "lists",
            OperationGroup::Prompts => "prompts",
            OperationGroup::ResourceReads => "resource_reads",
            OperationGroup::ResourceWrites => "resource_writes",
        }
    }

    /// What an operation of this group does, completing "no operation ...".
    pub fn membership(self) -> &'static str {
        match self {
            OperationGroup::Protected => "needs a token",
            OperationGroup::Public => "is public",
            OperationGroup::WithUser => "uses the acting user's id (`{user_id}`)",
            OperationGroup::UserInPath => {
                "names the user in its path (the user comes from the token only)"
            }
            OperationGroup::WithTask => "uses `{task_id}`",
            OperationGroup::WithConversation => "uses `{conversation_id}`",
            OperationGroup::WithResource => "uses an id that another operation creates",
            OperationGroup::Owned => "names whose data it acts on (a user id or an object id)",
            OperationGroup::UserInBody => {
                "names the user in its body (a `user_id` argument or field)"
            }
            OperationGroup::Creates => "creates an object (`creates`)",
            OperationGroup::Lists => {
                "lists the acting user's data (an authenticated GET with no object id)"
            }
            OperationGroup::Prompts => "is a chat with an agent (`prompt:`, its message field)",
            OperationGroup::ResourceReads => "reads one object by its id (a GET with an object id)",
            OperationGroup::ResourceWrites => "changes, deletes or acts on one object by its id",
        }
    }
}
