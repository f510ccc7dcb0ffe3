//! The scenario files as written in YAML (`scenarios/**/*.yaml`). Unknown keys are errors. Fields whose
//! semantic errors need a location are [`Spanned`]; fields with several accepted shapes have their own
//! `Deserialize` (and a hand-written JSON Schema describing the shapes).

mod expect;
mod matrix;
mod shapes;
#[cfg(test)]
mod tests;
mod token;
mod values;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
pub use serde_saphyr::{Location, Spanned};

pub use expect::{ExpectChecksDoc, ExpectDoc, StatusDoc};
pub use matrix::{
    ClassName, ExpectedName, FamilyName, MatrixSource, MutationFilterDoc, MutationSelector,
    OneOrMany, OperationSelector, PrincipalSelector,
};
pub use token::{TokenDoc, TokenRecipeDoc};
pub use values::{JsonNode, OrderedMap};

/// A scenario file: one key, `scenarios`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "authconform scenarios",
    description = "authconform security conformance scenarios: a mapping with one key, `scenarios`, holding a list."
)]
pub struct ScenarioFile {
    /// The scenarios of this file.
    pub scenarios: Vec<ScenarioDoc>,
}

/// One scenario.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioDoc {
    /// Stable kebab-case id, unique across all loaded files.
    #[schemars(with = "String", regex(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub id: Spanned<String>,
    /// One line: what is checked.
    pub title: String,
    /// The criterion it counts towards.
    #[schemars(schema_with = "category_schema")]
    pub category: Spanned<String>,
    /// Spec requirement ids, e.g. `FR-041`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub requirements: Vec<Spanned<String>>,
    /// Free tags for `--filter`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The API description whose operations the scenario names (e.g. `todo`). Against a profile whose
    /// API is another one, the scenario is set aside (not run, with the reason). Without it, the
    /// scenario must work on any API: it names operations only through groups and matrix variables.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub api: Option<Spanned<String>>,
    /// What the run must provide: `embedded-reference` (a second instance of the bundled reference
    /// server, or restarting it). Against another target the cases are skipped, with the reason.
    #[serde(default)]
    #[schemars(with = "Vec<Need>")]
    pub requires: Vec<Spanned<Need>>,
    /// What a failure means.
    pub weakness: WeaknessDoc,
    /// Free text: why this check exists.
    #[serde(default)]
    pub note: Option<String>,
    /// One case per combination of these variables (cartesian product, in file order).
    #[serde(default)]
    pub matrix: OrderedMap<MatrixSource>,
    /// Requests that plant data first (default expectation: any 2xx).
    #[serde(default)]
    #[schemars(with = "Vec<StepDoc>")]
    pub setup: Vec<Spanned<StepDoc>>,
    /// The attack requests (one or more).
    #[schemars(with = "Vec<StepDoc>", length(min = 1))]
    pub steps: Vec<Spanned<StepDoc>>,
    /// Re-reads afterwards that prove the attack had no effect.
    #[serde(default)]
    #[schemars(with = "Vec<StepDoc>")]
    pub verify: Vec<Spanned<StepDoc>>,
}

fn category_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "description": "The criterion the scenario counts towards.",
        "type": "string",
        "enum": ["enforcement", "isolation", "statelessness", "robustness"]
    })
}

/// Something a scenario needs from the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    /// The target is the bundled reference server started by the harness, which can start a second
    /// instance (same keys, its own database) and restart an instance.
    EmbeddedReference,
}

/// Which server instance a step talks to (only with `requires: [embedded-reference]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum InstanceName {
    /// The target of the run (default).
    Primary,
    /// A second instance of the reference server: same keys and settings, its own database file.
    Second,
}

/// A step that does something to the target instead of sending a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ActionName {
    /// Stop the instance and start it again with the same configuration (and database file).
    Restart,
}

/// The weakness a failing case reveals.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WeaknessDoc {
    /// Stable kebab-case id, e.g. `task-read-idor`; may use matrix placeholders (`{mutation}-accepted`),
    /// and `{VAR.weakness}` for the weakness of the catalog mutation bound to `VAR` (its CWE is used
    /// when `cwe` is not given).
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// CWE number.
    #[serde(default)]
    pub cwe: Option<u32>,
}

/// One request: who sends it, with which token, what, and what must come back.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepDoc {
    /// The principal whose token is sent (and, by default, whose id fills `{user_id}`); required
    /// unless the step is an `action`.
    #[serde(rename = "as", default)]
    #[schemars(with = "Option<String>")]
    pub actor: Option<Spanned<String>>,
    /// An operation of the API description (exclusive with `request`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub call: Option<Spanned<String>>,
    /// A raw request (exclusive with `call`).
    #[serde(default)]
    #[schemars(with = "Option<RequestDoc>")]
    pub request: Option<Spanned<RequestDoc>>,
    /// In `setup` (or `steps`, to judge the creations too), instead of a request: create what this
    /// operation needs. For each resource id it
    /// uses, the operation that `creates` it is called (after what that one needs), capturing the id,
    /// then each such object is read once so that `reread` can compare. Takes only `as`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub prepare: Option<Spanned<String>>,
    /// In `verify`, instead of a request: re-read, as `as`, what this operation could have changed.
    /// Each object it uses must read exactly as `prepare` read it, and the user's lists (reads that use
    /// no resource id) must show no other principal's canary. Takes only `as`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub reread: Option<Spanned<String>>,
    /// The principal whose id fills `{user_id}` (default: `as`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub path_user: Option<Spanned<String>>,
    /// The token: `valid` (default), `none`, or a recipe.
    #[serde(default)]
    #[schemars(with = "Option<TokenDoc>")]
    pub token: Option<Spanned<TokenDoc>>,
    /// With `call`: replaces the operation's JSON body.
    #[serde(default)]
    #[schemars(with = "Option<JsonNode>")]
    pub json: Option<Spanned<JsonNode>>,
    /// With `call` of a chat operation (one with `prompt:`): the message, put at the operation's
    /// `prompt` pointer in its own body (exclusive with `json`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub prompt: Option<Spanned<String>>,
    /// With `call`: extra query parameters.
    #[serde(default)]
    #[schemars(with = "OrderedMap<String>")]
    pub query: OrderedMap<Spanned<String>>,
    /// With `call`: extra headers.
    #[serde(default)]
    #[schemars(with = "OrderedMap<String>")]
    pub headers: OrderedMap<Spanned<String>>,
    /// Values to capture from the JSON answer: name -> JSON pointer, e.g. `{ task_id: /id }`.
    #[serde(default)]
    #[schemars(with = "OrderedMap<String>")]
    pub capture: OrderedMap<Spanned<String>>,
    /// What the answer must look like.
    #[serde(default)]
    #[schemars(with = "Option<ExpectDoc>")]
    pub expect: Option<Spanned<ExpectDoc>>,
    /// Instead of a request: `restart` the instance (needs `requires: [embedded-reference]`).
    #[serde(default)]
    #[schemars(with = "Option<ActionName>")]
    pub action: Option<Spanned<ActionName>>,
    /// The server instance the step talks to: `primary` (default) or `second` (needs
    /// `requires: [embedded-reference]`).
    #[serde(default)]
    #[schemars(with = "Option<InstanceName>")]
    pub instance: Option<Spanned<InstanceName>>,
    /// Pads the request body with trailing spaces to exactly this many bytes (JSON stays valid), e.g.
    /// to send a body one byte over a size limit.
    #[serde(default)]
    #[schemars(with = "Option<usize>")]
    pub body_bytes: Option<Spanned<usize>>,
}

/// A raw request.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestDoc {
    /// HTTP method.
    #[schemars(with = "String")]
    pub method: Spanned<String>,
    /// Path (and query), e.g. `/api/{user_id}/tasks?status=all`; the profile prefix is prepended.
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// Extra query parameters.
    #[serde(default)]
    #[schemars(with = "OrderedMap<String>")]
    pub query: OrderedMap<Spanned<String>>,
    /// Headers.
    #[serde(default)]
    #[schemars(with = "OrderedMap<String>")]
    pub headers: OrderedMap<Spanned<String>>,
    /// A JSON body (exclusive with `body`).
    #[serde(default)]
    #[schemars(with = "Option<JsonNode>")]
    pub json: Option<Spanned<JsonNode>>,
    /// A text body (exclusive with `json`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub body: Option<Spanned<String>>,
}
