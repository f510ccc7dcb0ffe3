//! The typed subset of OpenAPI 3.0 / 3.1 that `authconform init` reads.
//!
//! One set of types serves both versions: the differences that matter here are absorbed by lenient
//! fields (`type` is a string in 3.0 and a string or a list in 3.1; `nullable` is 3.0 only;
//! `exclusiveMinimum` is a boolean in 3.0 and a number in 3.1; schemas may be `true`/`false` in 3.1).
//! Unknown fields are ignored, and values this tool only looks at (examples, defaults, limits) are kept
//! as [`serde_json::Value`] so that an odd value never makes a whole document unreadable. Maps whose
//! order matters (paths, properties, responses, content) keep document order ([`Ordered`]); `x-`
//! extension keys in them are skipped.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

/// A map that keeps document order; keys may be any scalar (YAML `200:` is a number).
#[derive(Debug, Clone, PartialEq)]
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<T> Ordered<T> {
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Entries in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A map key written as any scalar, read as text.
struct ScalarKey(String);

impl<'de> Deserialize<'de> for ScalarKey {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = ScalarKey;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ScalarKey, E> {
                Ok(ScalarKey(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ScalarKey, E> {
                Ok(ScalarKey(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ScalarKey, E> {
                Ok(ScalarKey(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ScalarKey, E> {
                Ok(ScalarKey(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ScalarKey, E> {
                Ok(ScalarKey(v.to_string()))
            }
        }
        deserializer.deserialize_any(KeyVisitor)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for MapVisitor<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Ordered<T>, E> {
                Ok(Ordered::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered<T>, A::Error> {
                let mut entries = Vec::new();
                while let Some(ScalarKey(key)) = map.next_key()? {
                    if key.starts_with("x-") {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                    entries.push((key, map.next_value()?));
                }
                Ok(Ordered(entries))
            }
        }
        deserializer.deserialize_any(MapVisitor(PhantomData))
    }
}

/// An OpenAPI document (or anything claiming to be one: `swagger` is read to refuse 2.0).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Document {
    /// `openapi` version (a string, or a number when YAML was written unquoted).
    pub openapi: Option<Value>,
    /// `swagger` (2.0 documents).
    pub swagger: Option<Value>,
    /// `info`.
    pub info: Info,
    /// `servers`.
    pub servers: Vec<Server>,
    /// `paths`, in document order.
    pub paths: Option<Ordered<PathItem>>,
    /// `components`.
    pub components: Components,
    /// Global `security`.
    pub security: Option<Vec<SecurityRequirement>>,
}

/// A security requirement: scheme name -> scopes; `{}` means "no credentials needed".
pub type SecurityRequirement = Ordered<Value>;

/// `info`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Info {
    /// `title`.
    pub title: Option<String>,
    /// `version`.
    pub version: Option<Value>,
    /// `description` (kept as any value: only read when it is text).
    pub description: Option<Value>,
}

/// A `servers` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Server {
    /// `url`, possibly relative, possibly with `{variables}`.
    pub url: String,
    /// `variables` with their defaults.
    pub variables: Ordered<ServerVariable>,
}

/// A server URL variable.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ServerVariable {
    /// `default`.
    pub default: Option<Value>,
}

/// `components` (only the kinds `$ref`s are resolved in).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Components {
    /// `schemas`.
    pub schemas: Ordered<Schema>,
    /// `parameters`.
    pub parameters: Ordered<Parameter>,
    /// `requestBodies`.
    #[serde(rename = "requestBodies")]
    pub request_bodies: Ordered<RequestBody>,
    /// `responses`.
    pub responses: Ordered<Response>,
    /// `securitySchemes`.
    #[serde(rename = "securitySchemes")]
    pub security_schemes: Ordered<SecurityScheme>,
}

/// A path item.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PathItem {
    /// `$ref` (not followed: reported).
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    /// Parameters shared by the operations.
    pub parameters: Vec<Parameter>,
    /// `get`.
    pub get: Option<Operation>,
    /// `put`.
    pub put: Option<Operation>,
    /// `post`.
    pub post: Option<Operation>,
    /// `delete`.
    pub delete: Option<Operation>,
    /// `options`.
    pub options: Option<Operation>,
    /// `head`.
    pub head: Option<Operation>,
    /// `patch`.
    pub patch: Option<Operation>,
    /// `trace`.
    pub trace: Option<Operation>,
}

impl PathItem {
    /// The operations as (upper-case method, operation), in a fixed order: GET, POST, PUT, PATCH,
    /// DELETE, then the rest.
    pub fn operations(&self) -> Vec<(&'static str, &Operation)> {
        [
            ("GET", &self.get),
            ("POST", &self.post),
            ("PUT", &self.put),
            ("PATCH", &self.patch),
            ("DELETE", &self.delete),
            ("HEAD", &self.head),
            ("OPTIONS", &self.options),
            ("TRACE", &self.trace),
        ]
        .into_iter()
        .filter_map(|(method, op)| op.as_ref().map(|op| (method, op)))
        .collect()
    }
}

/// An operation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Operation {
    /// `operationId`.
    #[serde(rename = "operationId")]
    pub operation_id: Option<String>,
    /// `summary`.
    pub summary: Option<String>,
    /// Its own parameters (they override the path item's by name and location).
    pub parameters: Vec<Parameter>,
    /// `requestBody`.
    #[serde(rename = "requestBody")]
    pub request_body: Option<RequestBody>,
    /// `responses`, by status code, in document order.
    pub responses: Ordered<Response>,
    /// `security` (overrides the global one when present).
    pub security: Option<Vec<SecurityRequirement>>,
}

/// A parameter, or a `$ref` to one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Parameter {
    /// `$ref`.
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `in`: path, query, header or cookie.
    #[serde(rename = "in")]
    pub location: Option<String>,
    /// `required`.
    pub required: Option<Value>,
    /// `schema`.
    pub schema: Option<Schema>,
    /// `example`.
    pub example: Option<Value>,
}

impl Parameter {
    /// Whether `required: true`.
    pub fn is_required(&self) -> bool {
        self.required == Some(Value::Bool(true))
    }
}

/// A request body, or a `$ref` to one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RequestBody {
    /// `$ref`.
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    /// `required`.
    pub required: Option<Value>,
    /// `content`, by media type.
    pub content: Ordered<MediaType>,
}

/// A response, or a `$ref` to one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Response {
    /// `$ref`.
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    /// `content`, by media type.
    pub content: Ordered<MediaType>,
}

/// A media type entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MediaType {
    /// `schema`.
    pub schema: Option<Schema>,
}

/// A security scheme, or a `$ref` to one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SecurityScheme {
    /// `$ref`.
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    /// `type`: http, apiKey, oauth2, openIdConnect, mutualTLS.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `scheme` of an http scheme (bearer, basic, ...).
    pub scheme: Option<String>,
    /// `name` of an apiKey.
    pub name: Option<String>,
    /// `in` of an apiKey: header, query or cookie.
    #[serde(rename = "in")]
    pub location: Option<String>,
    /// `bearerFormat` of an http bearer scheme (a hint, e.g. `JWT`).
    #[serde(rename = "bearerFormat")]
    pub bearer_format: Option<Value>,
    /// `description`.
    pub description: Option<Value>,
    /// `openIdConnectUrl`: the discovery document of an openIdConnect scheme.
    #[serde(rename = "openIdConnectUrl")]
    pub open_id_connect_url: Option<Value>,
}

/// A schema: `true`/`false` (3.1) or a schema object.
#[derive(Debug, Clone, PartialEq)]
pub enum Schema {
    /// `true` (anything) or `false` (nothing).
    Bool(bool),
    /// A schema object.
    Object(Box<SchemaObject>),
}

impl<'de> Deserialize<'de> for Schema {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SchemaVisitor;
        impl<'de> Visitor<'de> for SchemaVisitor {
            type Value = Schema;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a schema (a mapping, or true/false)")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Schema, E> {
                Ok(Schema::Bool(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Schema, E> {
                Ok(Schema::Bool(true))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Schema, A::Error> {
                let object = SchemaObject::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Schema::Object(Box::new(object)))
            }
        }
        deserializer.deserialize_any(SchemaVisitor)
    }
}

/// A schema object (the keywords this tool uses).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SchemaObject {
    /// `$ref`.
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    /// `type`: a string, or a list of strings (3.1).
    #[serde(rename = "type")]
    pub kind: Option<Value>,
    /// `format`.
    pub format: Option<Value>,
    /// `properties`, in document order.
    pub properties: Ordered<Schema>,
    /// `required` property names.
    pub required: Option<Value>,
    /// `items`.
    pub items: Option<Schema>,
    /// `enum`.
    #[serde(rename = "enum")]
    pub enumeration: Option<Vec<Value>>,
    /// `const`.
    #[serde(rename = "const")]
    pub constant: Option<Value>,
    /// `example` (3.0 style).
    pub example: Option<Value>,
    /// `examples` (3.1: a list).
    pub examples: Option<Value>,
    /// `default`.
    pub default: Option<Value>,
    /// `minimum`.
    pub minimum: Option<Value>,
    /// `exclusiveMinimum`: a boolean (3.0) or a number (3.1).
    #[serde(rename = "exclusiveMinimum")]
    pub exclusive_minimum: Option<Value>,
    /// `maximum`.
    pub maximum: Option<Value>,
    /// `minItems`.
    #[serde(rename = "minItems")]
    pub min_items: Option<Value>,
    /// `maxLength`.
    #[serde(rename = "maxLength")]
    pub max_length: Option<Value>,
    /// `pattern`.
    pub pattern: Option<Value>,
    /// `nullable` (3.0).
    pub nullable: Option<Value>,
    /// `allOf`.
    #[serde(rename = "allOf")]
    pub all_of: Vec<Schema>,
    /// `anyOf`.
    #[serde(rename = "anyOf")]
    pub any_of: Vec<Schema>,
    /// `oneOf`.
    #[serde(rename = "oneOf")]
    pub one_of: Vec<Schema>,
}

impl SchemaObject {
    /// The `type` names (a 3.0 string or a 3.1 list), `null` included.
    pub fn types(&self) -> Vec<String> {
        match &self.kind {
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Array(many)) => many
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The `required` property names.
    pub fn required_names(&self) -> Vec<String> {
        match &self.required {
            Some(Value::Array(names)) => names
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// `format` as text.
    pub fn format(&self) -> Option<&str> {
        self.format.as_ref().and_then(Value::as_str)
    }

    /// The first example: `example`, else the first of `examples` (when a list).
    pub fn first_example(&self) -> Option<&Value> {
        self.example.as_ref().or_else(|| match &self.examples {
            Some(Value::Array(list)) => list.first(),
            _ => None,
        })
    }
}
