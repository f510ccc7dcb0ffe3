//! The scenario files as written in YAML (`scenarios/**/*.yaml`). Unknown keys are errors. Fields whose
//! semantic errors need a location are [`Spanned`]; fields with several accepted shapes have their own
//! `Deserialize` (and a hand-written JSON Schema describing the shapes).

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer, StrDeserializer};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
pub use serde_saphyr::{Location, Spanned};

use crate::api::OperationGroup;

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

/// How the token of a step is made.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenDoc {
    /// `valid`: a fresh valid token of the actor.
    Valid,
    /// `none`: no credentials at all.
    None,
    /// `previous`: exactly the token (and placement) the previous request of the case sent.
    Previous,
    /// A recipe.
    Recipe(TokenRecipeDoc),
}

/// A token recipe: a valid token of `from`, claims edited and re-signed, then a catalog mutation.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRecipeDoc {
    /// Principal whose token it starts from (default: the step's `as`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub from: Option<Spanned<String>>,
    /// Catalog mutation ids (at most one for now), or `"{mutation}"` from a matrix.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub mutate: Vec<Spanned<String>>,
    /// Claims to set (re-signed with the issuer key).
    #[serde(default)]
    #[schemars(with = "OrderedMap<JsonNode>")]
    pub claims: OrderedMap<Spanned<JsonNode>>,
    /// Claims to remove (re-signed).
    #[serde(default)]
    pub remove_claims: Vec<String>,
}

impl<'de> Deserialize<'de> for TokenDoc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TokenVisitor;
        impl<'de> Visitor<'de> for TokenVisitor {
            type Value = TokenDoc;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "`valid`, `none`, `previous`, or a recipe mapping { from, mutate, claims, remove_claims }",
                )
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<TokenDoc, E> {
                match value {
                    "valid" => Ok(TokenDoc::Valid),
                    "none" => Ok(TokenDoc::None),
                    "previous" => Ok(TokenDoc::Previous),
                    other => Err(E::custom(format!(
                        "unknown token `{other}`: expected `valid`, `none`, `previous`, or a recipe mapping {{ from, mutate, claims, remove_claims }}"
                    ))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TokenDoc, A::Error> {
                TokenRecipeDoc::deserialize(MapAccessDeserializer::new(map)).map(TokenDoc::Recipe)
            }
        }
        deserializer.deserialize_any(TokenVisitor)
    }
}

impl JsonSchema for TokenDoc {
    fn schema_name() -> Cow<'static, str> {
        "Token".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let recipe = generator.subschema_for::<TokenRecipeDoc>();
        json_schema!({
            "description": "`valid` (a fresh valid token of `as`), `none` (no credentials), `previous` (the token the previous request of the case sent), or a recipe.",
            "oneOf": [
                {"type": "string", "enum": ["valid", "none", "previous"]},
                recipe
            ]
        })
    }
}

/// Expectations on an answer: `from_mutation`, or checks.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpectDoc {
    /// Derived from the expected answer of the step's mutation.
    FromMutation,
    /// Explicit checks.
    Checks(ExpectChecksDoc),
}

/// Explicit expectations.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectChecksDoc {
    /// One code, a list of codes, or a class (`2xx`, `4xx`).
    #[serde(default)]
    pub status: Option<StatusDoc>,
    /// Header name -> regular expression one of its values must match (names are case-insensitive).
    #[serde(default)]
    #[schemars(with = "OrderedMap<String>")]
    pub headers: OrderedMap<Spanned<String>>,
    /// Headers that must be absent.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub headers_absent: Vec<Spanned<String>>,
    /// JSON pointer -> expected value (placeholders allowed in strings).
    #[serde(default)]
    #[schemars(with = "OrderedMap<JsonNode>")]
    pub json: OrderedMap<Spanned<JsonNode>>,
    /// Principals whose canaries must not appear anywhere in the answer (headers included).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub no_leak: Vec<Spanned<String>>,
    /// Literal strings (after placeholder expansion) that must not appear in the body.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub body_not_contains: Vec<Spanned<String>>,
    /// Also derive status and challenge checks from the step's mutation (like `expect: from_mutation`).
    #[serde(default)]
    pub from_mutation: bool,
    /// Accept a 5xx answer (every step fails on a 5xx otherwise).
    #[serde(default)]
    pub allow_5xx: bool,
}

impl<'de> Deserialize<'de> for ExpectDoc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ExpectVisitor;
        impl<'de> Visitor<'de> for ExpectVisitor {
            type Value = ExpectDoc;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`from_mutation` or a mapping of checks { status, headers, json, no_leak, ... }")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<ExpectDoc, E> {
                match value {
                    "from_mutation" => Ok(ExpectDoc::FromMutation),
                    other => Err(E::custom(format!(
                        "unknown expectation `{other}`: expected `from_mutation` or a mapping of checks {{ status, headers, json, no_leak, ... }}"
                    ))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ExpectDoc, A::Error> {
                ExpectChecksDoc::deserialize(MapAccessDeserializer::new(map)).map(ExpectDoc::Checks)
            }
        }
        deserializer.deserialize_any(ExpectVisitor)
    }
}

impl JsonSchema for ExpectDoc {
    fn schema_name() -> Cow<'static, str> {
        "Expect".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let checks = generator.subschema_for::<ExpectChecksDoc>();
        json_schema!({
            "description": "`from_mutation` (derived from the step's mutation), or explicit checks.",
            "oneOf": [
                {"type": "string", "const": "from_mutation"},
                checks
            ]
        })
    }
}

/// Which statuses pass: one code, a list of codes, or a class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusDoc {
    /// Any of these codes.
    Codes(Vec<u16>),
    /// A class: 2 for `2xx`.
    Class(u16),
}

fn status_code<E: de::Error>(code: u64) -> Result<u16, E> {
    u16::try_from(code)
        .ok()
        .filter(|code| (100..=599).contains(code))
        .ok_or_else(|| E::custom(format!("bad status {code}: a status code is 100 to 599")))
}

fn status_text<E: de::Error>(text: &str) -> Result<StatusDoc, E> {
    let bytes = text.as_bytes();
    if bytes.len() == 3
        && bytes[1..].eq_ignore_ascii_case(b"xx")
        && (b'1'..=b'5').contains(&bytes[0])
    {
        return Ok(StatusDoc::Class(u16::from(bytes[0] - b'0')));
    }
    if let Ok(code) = text.parse::<u64>() {
        return status_code(code).map(|code| StatusDoc::Codes(vec![code]));
    }
    Err(E::custom(format!(
        "bad status `{text}`: expected a code (401), a list of codes ([400, 422]) or a class from `1xx` to `5xx`"
    )))
}

impl<'de> Deserialize<'de> for StatusDoc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CodeVisitor;
        impl Visitor<'_> for CodeVisitor {
            type Value = u16;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a status code from 100 to 599")
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<u16, E> {
                status_code(value)
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<u16, E> {
                status_code(u64::try_from(value).unwrap_or(0))
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<u16, E> {
                match value.parse::<u64>() {
                    Ok(code) => status_code(code),
                    Err(_) => Err(E::custom(format!(
                        "bad status `{value}` in a list: a list holds codes from 100 to 599"
                    ))),
                }
            }
        }
        struct Code(u16);
        impl<'de> Deserialize<'de> for Code {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(CodeVisitor).map(Code)
            }
        }
        struct StatusVisitor;
        impl<'de> Visitor<'de> for StatusVisitor {
            type Value = StatusDoc;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a status code (401), a list of codes ([400, 422]) or a class (`2xx`)")
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<StatusDoc, E> {
                status_code(value).map(|code| StatusDoc::Codes(vec![code]))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<StatusDoc, E> {
                self.visit_u64(u64::try_from(value).unwrap_or(0))
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<StatusDoc, E> {
                status_text(value)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StatusDoc, A::Error> {
                let mut codes = Vec::new();
                while let Some(Code(code)) = seq.next_element()? {
                    if !codes.contains(&code) {
                        codes.push(code);
                    }
                }
                if codes.is_empty() {
                    return Err(de::Error::custom(
                        "an empty status list matches nothing; give at least one code",
                    ));
                }
                Ok(StatusDoc::Codes(codes))
            }
        }
        deserializer.deserialize_any(StatusVisitor)
    }
}

impl JsonSchema for StatusDoc {
    fn schema_name() -> Cow<'static, str> {
        "Status".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "One status code, a list of codes, or a class such as `2xx`.",
            "oneOf": [
                {"type": "integer", "minimum": 100, "maximum": 599},
                {"type": "array", "items": {"type": "integer", "minimum": 100, "maximum": 599}, "minItems": 1},
                {"type": "string", "pattern": "^[1-5][xX][xX]$"}
            ]
        })
    }
}

/// Where the values of a matrix variable come from.
#[derive(Debug, Clone, PartialEq)]
pub enum MatrixSource {
    /// A literal list.
    Values(Vec<Spanned<String>>),
    /// `{ operations: ... }`: operation names of the API description.
    Operations(OperationSelector),
    /// `{ mutations: ... }`: catalog mutation ids.
    Mutations(MutationSelector),
    /// `{ principals: ... }`: principal names of the profile.
    Principals(PrincipalSelector),
}

const MATRIX_SOURCE_HELP: &str =
    "a list of values, or one of { operations: ... }, { mutations: ... }, { principals: ... }";

impl<'de> Deserialize<'de> for MatrixSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SourceVisitor;
        impl<'de> Visitor<'de> for SourceVisitor {
            type Value = MatrixSource;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(MATRIX_SOURCE_HELP)
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<MatrixSource, E> {
                Err(E::custom(format!(
                    "matrix values `{value}`: expected {MATRIX_SOURCE_HELP}"
                )))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<MatrixSource, A::Error> {
                Vec::<Spanned<String>>::deserialize(SeqAccessDeserializer::new(seq))
                    .map(MatrixSource::Values)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MatrixSource, A::Error> {
                let Some(key) = map.next_key::<String>()? else {
                    return Err(de::Error::custom(format!(
                        "empty matrix source: expected {MATRIX_SOURCE_HELP}"
                    )));
                };
                let source = match key.as_str() {
                    "operations" => MatrixSource::Operations(map.next_value()?),
                    "mutations" => MatrixSource::Mutations(map.next_value()?),
                    "principals" => MatrixSource::Principals(map.next_value()?),
                    other => {
                        return Err(de::Error::custom(format!(
                            "unknown matrix source `{other}`: expected `operations`, `mutations` or `principals`"
                        )));
                    }
                };
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(de::Error::custom(format!(
                        "a matrix source has exactly one key (`{key}`), found `{extra}` too"
                    )));
                }
                Ok(source)
            }
        }
        deserializer.deserialize_any(SourceVisitor)
    }
}

impl JsonSchema for MatrixSource {
    fn schema_name() -> Cow<'static, str> {
        "MatrixSource".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let operations = generator.subschema_for::<OperationSelector>();
        let mutations = generator.subschema_for::<MutationSelector>();
        let principals = generator.subschema_for::<PrincipalSelector>();
        json_schema!({
            "description": "The values of one matrix variable.",
            "oneOf": [
                {"type": "array", "items": {"type": "string"}, "minItems": 1},
                {"type": "object", "properties": {"operations": operations}, "required": ["operations"], "additionalProperties": false},
                {"type": "object", "properties": {"mutations": mutations}, "required": ["mutations"], "additionalProperties": false},
                {"type": "object", "properties": {"principals": principals}, "required": ["principals"], "additionalProperties": false}
            ]
        })
    }
}

/// Operations of the API description: a named group or a list of names.
#[derive(Debug, Clone, PartialEq)]
pub enum OperationSelector {
    /// `protected`, `public`, `with_user`, `user_in_path`, `with_task`, `with_conversation`,
    /// `with_resource`, `owned`, `user_in_body`, `creates`, `lists`, `resource_reads`, `resource_writes`.
    Group(OperationGroup),
    /// Operation names.
    Names(Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for OperationSelector {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SelectorVisitor;
        impl<'de> Visitor<'de> for SelectorVisitor {
            type Value = OperationSelector;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("protected, public, with_user, user_in_path, with_task, with_conversation, with_resource, owned, user_in_body, creates, lists, resource_reads, resource_writes, or a list of operation names")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<OperationSelector, E> {
                OperationGroup::deserialize(StrDeserializer::<E>::new(value))
                    .map(OperationSelector::Group)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<OperationSelector, A::Error> {
                Vec::<Spanned<String>>::deserialize(SeqAccessDeserializer::new(seq))
                    .map(OperationSelector::Names)
            }
        }
        deserializer.deserialize_any(SelectorVisitor)
    }
}

impl JsonSchema for OperationSelector {
    fn schema_name() -> Cow<'static, str> {
        "OperationSelector".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let group = generator.subschema_for::<OperationGroup>();
        json_schema!({
            "description": "A group of operations of the API description, or a list of operation names.",
            "oneOf": [group, {"type": "array", "items": {"type": "string"}, "minItems": 1}]
        })
    }
}

/// Catalog mutations: a filter or a list of ids.
#[derive(Debug, Clone, PartialEq)]
pub enum MutationSelector {
    /// Every mutation matching all given fields (each a value or a list of values, OR-ed).
    Filter(MutationFilterDoc),
    /// Mutation ids.
    Ids(Vec<Spanned<String>>),
}

/// A filter over the catalog: fields are AND-ed, the values of a list OR-ed; absent fields match all.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MutationFilterDoc {
    /// Requirement class.
    #[serde(default)]
    pub class: OneOrMany<ClassName>,
    /// Expected answer.
    #[serde(default)]
    pub expected: OneOrMany<ExpectedName>,
    /// Catalog family.
    #[serde(default)]
    pub family: OneOrMany<FamilyName>,
}

impl<'de> Deserialize<'de> for MutationSelector {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SelectorVisitor;
        impl<'de> Visitor<'de> for SelectorVisitor {
            type Value = MutationSelector;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a filter { class, expected, family } or a list of mutation ids")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<MutationSelector, A::Error> {
                MutationFilterDoc::deserialize(MapAccessDeserializer::new(map))
                    .map(MutationSelector::Filter)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<MutationSelector, A::Error> {
                Vec::<Spanned<String>>::deserialize(SeqAccessDeserializer::new(seq))
                    .map(MutationSelector::Ids)
            }
        }
        deserializer.deserialize_any(SelectorVisitor)
    }
}

impl JsonSchema for MutationSelector {
    fn schema_name() -> Cow<'static, str> {
        "MutationSelector".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let filter = generator.subschema_for::<MutationFilterDoc>();
        json_schema!({
            "description": "A filter over the mutation catalog, or a list of mutation ids.",
            "oneOf": [filter, {"type": "array", "items": {"type": "string"}, "minItems": 1}]
        })
    }
}

/// Requirement class names of the mutation catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ClassName {
    /// `enforcement`.
    Enforcement,
    /// `robustness`.
    Robustness,
    /// `isolation`.
    Isolation,
}

/// Expected-answer names of the mutation catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ExpectedName {
    /// 401 with `error="invalid_token"`.
    Reject,
    /// 401 with no `error` parameter.
    RejectNoCredentials,
    /// 400 (401 tolerated).
    BadRequest,
    /// 2xx.
    Accept,
    /// 403 (404 tolerated).
    Forbidden,
    /// Any 4xx.
    NotAccepted,
    /// Reported only.
    Info,
}

/// Family names of the mutation catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FamilyName {
    /// `claims`.
    Claims,
    /// `algorithm`.
    Algorithm,
    /// `signature`.
    Signature,
    /// `header`.
    Header,
    /// `encoding`.
    Encoding,
    /// `transport`.
    Transport,
}

/// One value or a list of values (empty: no constraint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrManyVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrManyVisitor<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a name or a list of names")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<OneOrMany<T>, E> {
                T::deserialize(StrDeserializer::<E>::new(value)).map(|one| OneOrMany(vec![one]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<OneOrMany<T>, A::Error> {
                Vec::<T>::deserialize(SeqAccessDeserializer::new(seq)).map(OneOrMany)
            }
        }
        deserializer.deserialize_any(OneOrManyVisitor(PhantomData))
    }
}

impl<T: JsonSchema> JsonSchema for OneOrMany<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("OneOrMany_{}", T::schema_name()).into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let one = generator.subschema_for::<T>();
        json_schema!({"oneOf": [one.clone(), {"type": "array", "items": one}]})
    }
}

/// Principals of the profile.
#[derive(Debug, Clone, PartialEq)]
pub enum PrincipalSelector {
    /// `all`.
    All,
    /// `{ others_of: alice }`: every principal but this one.
    OthersOf(Spanned<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OthersOfDoc {
    others_of: Spanned<String>,
}

impl<'de> Deserialize<'de> for PrincipalSelector {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SelectorVisitor;
        impl<'de> Visitor<'de> for SelectorVisitor {
            type Value = PrincipalSelector;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`all` or { others_of: <principal> }")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<PrincipalSelector, E> {
                match value {
                    "all" => Ok(PrincipalSelector::All),
                    other => Err(E::custom(format!(
                        "unknown principal selector `{other}`: expected `all` or {{ others_of: <principal> }}"
                    ))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PrincipalSelector, A::Error> {
                OthersOfDoc::deserialize(MapAccessDeserializer::new(map))
                    .map(|doc| PrincipalSelector::OthersOf(doc.others_of))
            }
        }
        deserializer.deserialize_any(SelectorVisitor)
    }
}

impl JsonSchema for PrincipalSelector {
    fn schema_name() -> Cow<'static, str> {
        "PrincipalSelector".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "`all` principals of the profile, or every principal but one.",
            "oneOf": [
                {"type": "string", "const": "all"},
                {"type": "object", "properties": {"others_of": {"type": "string"}}, "required": ["others_of"], "additionalProperties": false}
            ]
        })
    }
}

/// A YAML mapping kept in file order, with the location of each key.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderedMap<V>(pub Vec<(Spanned<String>, V)>);

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<V> OrderedMap<V> {
    /// Whether it has no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &(Spanned<String>, V)> {
        self.0.iter()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedMap<V>, A::Error> {
                let mut entries: Vec<(Spanned<String>, V)> = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    if entries.iter().any(|(known, _)| known.value == key.value) {
                        return Err(de::Error::custom(format!(
                            "duplicate mapping key: {}",
                            key.value
                        )));
                    }
                    let value = map.next_value()?;
                    entries.push((key, value));
                }
                Ok(OrderedMap(entries))
            }
        }
        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

impl<V: JsonSchema> JsonSchema for OrderedMap<V> {
    fn schema_name() -> Cow<'static, str> {
        format!("Map_{}", V::schema_name()).into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let value = generator.subschema_for::<V>();
        json_schema!({"type": "object", "additionalProperties": value})
    }
}

/// Any JSON value written in YAML, with the location of every node (for placeholder errors).
#[derive(Debug, Clone, PartialEq)]
pub enum JsonNode {
    /// `null` / `~`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(serde_json::Number),
    /// A string (may hold placeholders).
    String(String),
    /// A list.
    Array(Vec<Spanned<JsonNode>>),
    /// A mapping, in file order.
    Object(Vec<(String, Spanned<JsonNode>)>),
}

impl JsonNode {
    /// The plain JSON value.
    pub fn to_value(&self) -> Value {
        match self {
            JsonNode::Null => Value::Null,
            JsonNode::Bool(b) => Value::Bool(*b),
            JsonNode::Number(n) => Value::Number(n.clone()),
            JsonNode::String(s) => Value::String(s.clone()),
            JsonNode::Array(items) => {
                Value::Array(items.iter().map(|item| item.value.to_value()).collect())
            }
            JsonNode::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(key, item)| (key.clone(), item.value.to_value()))
                    .collect(),
            ),
        }
    }

    /// Every string in it (keys and values) with the location of its node (a key: its mapping's).
    pub fn strings<'a>(&'a self, at: Location, out: &mut Vec<(&'a str, Location)>) {
        match self {
            JsonNode::String(s) => out.push((s, at)),
            JsonNode::Array(items) => {
                for item in items {
                    item.value.strings(item.referenced, out);
                }
            }
            JsonNode::Object(fields) => {
                for (key, item) in fields {
                    out.push((key, at));
                    item.value.strings(item.referenced, out);
                }
            }
            _ => {}
        }
    }
}

impl<'de> Deserialize<'de> for JsonNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NodeVisitor;
        impl<'de> Visitor<'de> for NodeVisitor {
            type Value = JsonNode;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<JsonNode, E> {
                Ok(JsonNode::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<JsonNode, E> {
                Ok(JsonNode::Null)
            }
            fn visit_some<D2: Deserializer<'de>>(
                self,
                deserializer: D2,
            ) -> Result<JsonNode, D2::Error> {
                JsonNode::deserialize(deserializer)
            }
            fn visit_bool<E: de::Error>(self, value: bool) -> Result<JsonNode, E> {
                Ok(JsonNode::Bool(value))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<JsonNode, E> {
                Ok(JsonNode::Number(value.into()))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<JsonNode, E> {
                Ok(JsonNode::Number(value.into()))
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<JsonNode, E> {
                serde_json::Number::from_f64(value)
                    .map(JsonNode::Number)
                    .ok_or_else(|| E::custom(format!("{value} is not a JSON number")))
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<JsonNode, E> {
                Ok(JsonNode::String(value.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JsonNode, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<JsonNode>>()? {
                    items.push(item);
                }
                Ok(JsonNode::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonNode, A::Error> {
                let mut fields: Vec<(String, Spanned<JsonNode>)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if fields.iter().any(|(known, _)| *known == key) {
                        return Err(de::Error::custom(format!("duplicate mapping key: {key}")));
                    }
                    fields.push((key, map.next_value()?));
                }
                Ok(JsonNode::Object(fields))
            }
        }
        deserializer.deserialize_any(NodeVisitor)
    }
}

impl JsonSchema for JsonNode {
    fn schema_name() -> Cow<'static, str> {
        "JsonValue".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"description": "Any JSON value; strings may hold `{placeholders}`."})
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
        serde_saphyr::from_str(text).map_err(|err| err.without_snippet().to_string())
    }

    #[test]
    fn status_shapes() {
        assert_eq!(parse::<StatusDoc>("401"), Ok(StatusDoc::Codes(vec![401])));
        assert_eq!(
            parse::<StatusDoc>("[400, 422, 400]"),
            Ok(StatusDoc::Codes(vec![400, 422]))
        );
        assert_eq!(parse::<StatusDoc>("2xx"), Ok(StatusDoc::Class(2)));
        assert_eq!(parse::<StatusDoc>("'4XX'"), Ok(StatusDoc::Class(4)));
        assert_eq!(parse::<StatusDoc>("'404'"), Ok(StatusDoc::Codes(vec![404])));
        assert!(
            parse::<StatusDoc>("6xx")
                .unwrap_err()
                .contains("bad status `6xx`")
        );
        assert!(
            parse::<StatusDoc>("99")
                .unwrap_err()
                .contains("bad status 99")
        );
        assert!(parse::<StatusDoc>("-1").is_err());
        assert!(
            parse::<StatusDoc>("[]")
                .unwrap_err()
                .contains("empty status list")
        );
        assert!(
            parse::<StatusDoc>("[200, 2xx]")
                .unwrap_err()
                .contains("in a list")
        );
        assert!(parse::<StatusDoc>("{a: 1}").is_err());
    }

    #[test]
    fn token_shapes() {
        assert_eq!(parse::<TokenDoc>("valid"), Ok(TokenDoc::Valid));
        assert_eq!(parse::<TokenDoc>("none"), Ok(TokenDoc::None));
        assert_eq!(parse::<TokenDoc>("previous"), Ok(TokenDoc::Previous));
        let TokenDoc::Recipe(recipe) =
            parse::<TokenDoc>("{ from: bob, mutate: [alg-none], remove_claims: [exp] }").unwrap()
        else {
            panic!("not a recipe");
        };
        assert_eq!(recipe.from.unwrap().value, "bob");
        assert_eq!(recipe.mutate[0].value, "alg-none");
        assert_eq!(recipe.mutate[0].referenced.column(), 23);
        assert_eq!(recipe.remove_claims, ["exp"]);
        assert!(
            parse::<TokenDoc>("forged")
                .unwrap_err()
                .contains("unknown token `forged`")
        );
        assert!(
            parse::<TokenDoc>("{ mutat: [x] }")
                .unwrap_err()
                .contains("unknown field `mutat`")
        );
    }

    #[test]
    fn expect_shapes() {
        assert_eq!(
            parse::<ExpectDoc>("from_mutation"),
            Ok(ExpectDoc::FromMutation)
        );
        let ExpectDoc::Checks(checks) =
            parse::<ExpectDoc>("status: 2xx\nheaders: { x-a: '^b' }\njson: { /a/0: { b: [1, '{canary}'] } }\nallow_5xx: true")
                .unwrap()
        else {
            panic!("not checks");
        };
        assert_eq!(checks.status, Some(StatusDoc::Class(2)));
        assert_eq!(checks.headers.0[0].0.value, "x-a");
        let (pointer, value) = &checks.json.0[0];
        assert_eq!(
            (pointer.value.as_str(), pointer.referenced.line()),
            ("/a/0", 3)
        );
        assert_eq!(value.value.to_value(), json!({"b": [1, "{canary}"]}));
        let mut strings = Vec::new();
        value.value.strings(value.referenced, &mut strings);
        let found: Vec<(&str, u64, u64)> = strings
            .iter()
            .map(|(s, at)| (*s, at.line(), at.column()))
            .collect();
        assert_eq!(found, [("b", 3, 15), ("{canary}", 3, 24)]);
        assert!(checks.allow_5xx);
        assert!(
            parse::<ExpectDoc>("from_mutatoin")
                .unwrap_err()
                .contains("unknown expectation")
        );
    }

    #[test]
    fn matrix_sources() {
        let map: OrderedMap<MatrixSource> = parse(
            "b: [x, y]\na: { operations: with_task }\nm: { mutations: { class: enforcement, expected: [reject, info] } }\np: { principals: { others_of: alice } }\nq: { principals: all }\nn: { operations: [tasks.get] }\nk: { mutations: [alg-none] }",
        )
        .unwrap();
        let names: Vec<&str> = map.iter().map(|(name, _)| name.value.as_str()).collect();
        assert_eq!(
            names,
            ["b", "a", "m", "p", "q", "n", "k"],
            "file order is kept"
        );
        assert!(matches!(&map.0[0].1, MatrixSource::Values(v) if v.len() == 2));
        assert_eq!(
            map.0[1].1,
            MatrixSource::Operations(OperationSelector::Group(OperationGroup::WithTask))
        );
        let MatrixSource::Mutations(MutationSelector::Filter(filter)) = &map.0[2].1 else {
            panic!()
        };
        assert_eq!(filter.class.0, [ClassName::Enforcement]);
        assert_eq!(
            filter.expected.0,
            [ExpectedName::Reject, ExpectedName::Info]
        );
        assert!(filter.family.0.is_empty());
        assert!(
            matches!(&map.0[3].1, MatrixSource::Principals(PrincipalSelector::OthersOf(p)) if p.value == "alice")
        );
        assert_eq!(map.0[4].1, MatrixSource::Principals(PrincipalSelector::All));

        let err = parse::<MatrixSource>("{ operations: protectd }").unwrap_err();
        assert!(err.contains("unknown variant `protectd`"), "{err}");
        assert!(
            parse::<MatrixSource>("{ mutation: [a] }")
                .unwrap_err()
                .contains("unknown matrix source `mutation`")
        );
        assert!(
            parse::<MatrixSource>("{ operations: public, mutations: [a] }")
                .unwrap_err()
                .contains("exactly one key")
        );
        assert!(
            parse::<MatrixSource>("{}")
                .unwrap_err()
                .contains("empty matrix source")
        );
        assert!(
            parse::<MatrixSource>("tasks.get")
                .unwrap_err()
                .contains("expected a list of values")
        );
        assert!(
            parse::<MatrixSource>("{ mutations: { colour: red } }")
                .unwrap_err()
                .contains("unknown field `colour`")
        );
        assert!(
            parse::<MatrixSource>("{ principals: some }")
                .unwrap_err()
                .contains("unknown principal selector")
        );
    }

    #[test]
    fn ordered_map_rejects_duplicates_and_keeps_key_locations() {
        let map: OrderedMap<Spanned<String>> = parse("a: x\nb: y\n").unwrap();
        assert_eq!(map.0[1].0.referenced.line(), 2);
        assert_eq!(map.0[1].1.value, "y");
        assert!(
            parse::<OrderedMap<String>>("a: x\na: y\n")
                .unwrap_err()
                .contains("duplicate")
        );
        assert!(parse::<OrderedMap<String>>("[a]").is_err());
    }

    #[test]
    fn json_nodes_keep_types() {
        let node: JsonNode =
            parse("{ n: 1, f: 1.5, neg: -2, t: true, z: null, s: 'x', l: [] }").unwrap();
        assert_eq!(
            node.to_value(),
            json!({"n": 1, "f": 1.5, "neg": -2, "t": true, "z": null, "s": "x", "l": []})
        );
    }

    #[test]
    fn a_full_scenario_parses() {
        let file: ScenarioFile = parse(
            "scenarios:\n  - id: a\n    title: T\n    category: isolation\n    weakness: { id: w }\n    steps:\n      - as: bob\n        call: tasks.list\n        token: { mutate: [alg-none] }\n        expect: from_mutation\n",
        )
        .unwrap();
        let scenario = &file.scenarios[0];
        assert_eq!(
            (scenario.id.value.as_str(), scenario.id.referenced.line()),
            ("a", 2)
        );
        assert_eq!(scenario.steps[0].referenced.line(), 7);
        assert_eq!(scenario.steps[0].value.actor.as_ref().unwrap().value, "bob");
    }
}
