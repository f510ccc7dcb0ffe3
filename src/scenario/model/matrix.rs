//! Where a matrix variable's values come from: values, operations, mutations or principals.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::shapes::{KeywordOrMap, OneOrList};
use crate::api::OperationGroup;

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
        deserializer.deserialize_any(OneOrList {
            expecting: "protected, public, with_user, user_in_path, with_task, with_conversation, with_resource, owned, user_in_body, creates, lists, resource_reads, resource_writes, or a list of operation names",
            one: OperationSelector::Group,
            many: OperationSelector::Names,
        })
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
        deserializer.deserialize_any(OneOrList {
            expecting: "a name or a list of names",
            one: |one| OneOrMany(vec![one]),
            many: OneOrMany,
        })
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
        deserializer.deserialize_any(KeywordOrMap {
            expecting: "`all` or { others_of: <principal> }",
            keyword: |value| match value {
                "all" => Ok(PrincipalSelector::All),
                other => Err(format!(
                    "unknown principal selector `{other}`: expected `all` or {{ others_of: <principal> }}"
                )),
            },
            map: |doc: OthersOfDoc| PrincipalSelector::OthersOf(doc.others_of),
        })
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
