//! API descriptions: named operations (`tasks.get`, `chat.send`, ...) that scenarios call instead of
//! writing methods and paths. The bundled `todo` description is embedded in the binary; a profile selects
//! it and may add a path prefix and per-operation overrides, or defines a custom API's operations in full
//! ([`ApiSelection`], what `authconform init` writes from an OpenAPI document).

mod checks;
mod load;
pub mod model;
mod operation;
#[cfg(test)]
mod tests;

pub use model::{ApiSelection, OperationGroup, OperationOverride};
pub use operation::{DEFAULT_CHAT_PHRASES, OPERATION_PLACEHOLDERS, Operation};

use crate::template;
use crate::yaml::YamlError;
pub(crate) use checks::{check_pointer, header_value_problem, is_method};

/// The bundled API descriptions: (name, YAML text).
const BUNDLED: &[(&str, &str)] = &[("todo", include_str!("../../apis/todo.yaml"))];

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

    /// The first operation that creates capture `name`.
    pub fn creator(&self, name: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|op| op.creates.iter().any(|(created, _)| created == name))
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
