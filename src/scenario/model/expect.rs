//! What a step expects of the answer: `from_mutation` or checks, and the status shapes.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::shapes::KeywordOrMap;
use super::{JsonNode, OrderedMap};

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
        deserializer.deserialize_any(KeywordOrMap {
            expecting: "`from_mutation` or a mapping of checks { status, headers, json, no_leak, ... }",
            keyword: |value| match value {
                "from_mutation" => Ok(ExpectDoc::FromMutation),
                other => Err(format!(
                    "unknown expectation `{other}`: expected `from_mutation` or a mapping of checks {{ status, headers, json, no_leak, ... }}"
                )),
            },
            map: ExpectDoc::Checks,
        })
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
