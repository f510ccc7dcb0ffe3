//! Request body templates synthesized from JSON schemas.
//!
//! Rules (each one is also stated in the comments `init` writes):
//! - `$ref`s inside the document are followed; a schema that is reached again while it is being
//!   expanded (a cycle such as `Node.children: [Node]`) is left out, as is anything nested deeper than
//!   [`MAX_DEPTH`]; a reference outside the document is not followed and becomes a TODO note.
//! - `allOf` members are merged; of `anyOf`/`oneOf`, the first alternative that is not `null` is used.
//! - An object gets its required properties plus its optional string properties. A property named
//!   like a resource path parameter (e.g. `conversation_id`) is left out unless required, and then is
//!   `"{conversation_id}"` (the captured id itself, a number stays a number). A property named like the
//!   tenant (`user_id`, `owner_id`, ...) is left out unless required, and then is `"{user_id}"`.
//! - `const`, then the first non-null `enum` value, win over everything.
//! - Strings: the body's first free-text string is `"{canary}"` (the acting user's marker, echoed back
//!   so cross-tenant leaks show); later ones are their `example`/`default` when given, else
//!   `"{canary} <property>"`. Formats: `date-time` -> `2030-01-01T00:00:00Z`, `date` -> `2030-01-01`,
//!   `time` -> `12:00:00`, `uuid` -> a fixed UUID, `uri`/`url` -> `https://example.com/{canary}`,
//!   `email` -> `{canary}@example.com` (the canary is letters, digits and `-`, a valid local part;
//!   `example.com` because validators such as email-validator, behind pydantic's `EmailStr`, refuse
//!   the special-use `.test` domain); `example`/`default` win for these formats. A string with a
//!   `pattern` takes its `example`/`default`, else the canary with a TODO note; a `maxLength` under 40
//!   gets a TODO note (the canary is about 30 characters).
//! - Integers and numbers: `example`, `default`, `minimum` (plus one when exclusive), else 1 (or
//!   `maximum` when that is below 1). Booleans: `example`, `default`, else `false`. Arrays: `[]`, or
//!   `minItems` (at most 3) copies of an item. Untyped values: `example`/`default`, else a string.
//! - Literal text taken from the document is escaped for the template (`{` becomes `{{`).

mod builder;
#[cfg(test)]
mod tests;

use serde_json::Value;

use super::vocab::norm;

pub use builder::{BodyBuilder, property_names};

/// Deepest nesting of objects and arrays generated.
pub const MAX_DEPTH: usize = 8;

/// A JSON body template that keeps property order.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A scalar (or a literal example value).
    Value(Value),
    /// An array.
    Array(Vec<Body>),
    /// An object, properties in schema order.
    Object(Vec<(String, Body)>),
}

impl Body {
    /// As a `serde_json::Value` (property order is lost).
    pub fn to_json(&self) -> Value {
        match self {
            Body::Value(v) => v.clone(),
            Body::Array(items) => Value::Array(items.iter().map(Body::to_json).collect()),
            Body::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// JSON text with `", "` and `": "` separators: a valid YAML flow collection, in schema order.
    pub fn to_flow(&self) -> String {
        let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
        match self {
            Body::Value(v) => serde_json::to_string(v).unwrap_or_default(),
            Body::Array(items) => {
                let items: Vec<String> = items.iter().map(Body::to_flow).collect();
                format!("[{}]", items.join(", "))
            }
            Body::Object(fields) => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{}: {}", quote(k), v.to_flow()))
                    .collect();
                format!("{{{}}}", fields.join(", "))
            }
        }
    }
}

/// Which property names are resource ids: normalized name -> capture name.
#[derive(Debug, Clone, Default)]
pub struct ResourceNames(pub Vec<(String, String)>);

impl ResourceNames {
    /// The capture name a property called `name` stands for, if any.
    pub fn capture_for(&self, name: &str) -> Option<&str> {
        let name = norm(name);
        self.0
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, capture)| capture.as_str())
    }
}
