//! The API description format (`apis/<name>.yaml`) and the profile's `api:` section that selects one and
//! adapts it to a target.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use serde_json::Value;

/// The profile's `api:` section: which bundled API description the target implements, and how its routes
/// differ. Every field is optional; the default is the `todo` API with no prefix.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiSelection {
    /// Name of a bundled API description (`todo`).
    #[serde(default = "default_api_name")]
    pub name: String,
    /// Prepended to every request path, e.g. `/v1`.
    #[serde(default)]
    pub prefix: String,
    /// Per-operation overrides, by operation name (e.g. `tasks.list: { path: "/api/users/{user_id}/tasks" }`).
    #[serde(default)]
    pub operations: BTreeMap<String, OperationOverride>,
}

impl Default for ApiSelection {
    fn default() -> Self {
        ApiSelection {
            name: default_api_name(),
            prefix: String::new(),
            operations: BTreeMap::new(),
        }
    }
}

fn default_api_name() -> String {
    "todo".to_string()
}

/// What a profile may change in one operation.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationOverride {
    /// HTTP method.
    #[serde(default)]
    pub method: Option<String>,
    /// Path template (with `{user_id}`, `{task_id}`, `{conversation_id}`), before the prefix.
    #[serde(default)]
    pub path: Option<String>,
    /// JSON body template.
    #[serde(default)]
    pub json: Option<Value>,
    /// Whether the operation needs a token.
    #[serde(default)]
    pub auth: Option<bool>,
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
        struct MapVisitor;
        impl<'de> Visitor<'de> for MapVisitor {
            type Value = OperationMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping from operation name to operation")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OperationMap, A::Error> {
                let mut entries: Vec<(String, OperationFile)> = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    if entries.iter().any(|(known, _)| *known == name) {
                        return Err(de::Error::custom(format!("duplicate operation `{name}`")));
                    }
                    entries.push((name, map.next_value()?));
                }
                Ok(OperationMap(entries))
            }
        }
        deserializer.deserialize_map(MapVisitor)
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
    /// Those whose request uses `{task_id}`.
    WithTask,
    /// Those whose request uses `{conversation_id}`.
    WithConversation,
}

impl OperationGroup {
    /// Name as written in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationGroup::Protected => "protected",
            OperationGroup::Public => "public",
            OperationGroup::WithUser => "with_user",
            OperationGroup::WithTask => "with_task",
            OperationGroup::WithConversation => "with_conversation",
        }
    }
}
