//! Query and header parameters: the values sent for required ones, and variants for enum ones.

use std::collections::BTreeSet;

use serde_json::Value;

use super::Op;
use super::raw::RawOp;
use crate::init::body::ResourceNames;
use crate::init::vocab::{escape_template, is_tenant_name};
use crate::openapi::Resolver;
use crate::openapi::model::{Parameter, SchemaObject};

/// Most variants written for one operation.
const MAX_VARIANTS: usize = 8;

/// A `GET` once more per documented value of each optional enum query parameter (`?status=pending`):
/// a leak may hide behind one value, and the isolation checks then cover each.
pub(super) fn query_variants(op: &Op, raw: &RawOp<'_>, resolver: Resolver<'_>) -> Vec<Op> {
    if raw.method != "GET" {
        return Vec::new();
    }
    let mut variants = Vec::new();
    for param in &raw.params {
        let name = param.name.as_deref().unwrap_or("");
        if param.location.as_deref() != Some("query") || param.is_required() || name.is_empty() {
            continue;
        }
        let values = param
            .schema
            .as_ref()
            .and_then(|schema| match resolver.schema(schema) {
                Ok(crate::openapi::refs::Resolved::Object(object, _)) => object.enumeration.clone(),
                _ => None,
            })
            .unwrap_or_default();
        for value in values
            .iter()
            .take(MAX_VARIANTS.saturating_sub(variants.len()))
        {
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Null => continue,
                other => other.to_string(),
            };
            let separator = if op.path.contains('?') { '&' } else { '?' };
            let suffix: String = text
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            variants.push(Op {
                name: format!("{}.{suffix}", op.name),
                path: format!("{}{separator}{}={}", op.path, encode(name), encode(&text)),
                json: None,
                creates: Vec::new(),
                notes: vec![format!(
                    "a variant: `{name}={text}`, one of the documented values (a leak may hide behind one)"
                )],
                ..op.clone()
            });
        }
    }
    variants
}

/// The value of a required query parameter.
pub(super) fn query_value(
    param: &Parameter,
    resources: &ResourceNames,
    resolver: Resolver<'_>,
    uses: &mut BTreeSet<String>,
) -> String {
    let name = param.name.as_deref().unwrap_or("");
    if is_tenant_name(name) {
        return "{user_id}".into();
    }
    if let Some(capture) = resources.capture_for(name) {
        uses.insert(capture.to_string());
        return format!("{{{capture}}}");
    }
    let literal = |v: &Value| match v {
        Value::String(s) => encode(s),
        other => encode(&other.to_string()),
    };
    if let Some(example) = &param.example {
        return literal(example);
    }
    let Some(object) = param_schema(param, resolver) else {
        return "{canary}".into();
    };
    if let Some(v) = object.first_example().or(object.default.as_ref()) {
        return literal(v);
    }
    if let Some(v) = object.enumeration.as_ref().and_then(|e| e.first()) {
        return literal(v);
    }
    match object
        .types()
        .iter()
        .find(|t| *t != "null")
        .map(String::as_str)
    {
        Some("integer" | "number") => "1".into(),
        Some("boolean") => "false".into(),
        _ => "{canary}".into(),
    }
}

/// A parameter's schema, resolved, when it is a schema object.
pub(super) fn param_schema<'a>(
    param: &'a Parameter,
    resolver: Resolver<'a>,
) -> Option<&'a SchemaObject> {
    match resolver.schema(param.schema.as_ref()?) {
        Ok(crate::openapi::refs::Resolved::Object(object, _)) => Some(object),
        _ => None,
    }
}

/// A parameter's value as its document gives it (`example`, the schema's example or `default`, the
/// first `enum` value), as header text with braces escaped; `None` when it gives none.
pub(super) fn documented_value(param: &Parameter, resolver: Resolver<'_>) -> Option<String> {
    let object = param_schema(param, resolver);
    let value = param.example.as_ref().or_else(|| {
        object.and_then(|o| {
            o.first_example()
                .or(o.default.as_ref())
                .or_else(|| o.enumeration.as_ref().and_then(|e| e.first()))
        })
    })?;
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Null | Value::Array(_) | Value::Object(_) => return None,
        other => other.to_string(),
    };
    (!text.contains(['\r', '\n'])).then(|| escape_template(&text))
}

/// Form-encodes text for a query string (no braces survive, so it is also template-safe).
pub(super) fn encode(text: &str) -> String {
    escape_template(&url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>())
}
