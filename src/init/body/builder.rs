//! The synthesis of a body template from a schema, by the rules of [`super`].

use std::collections::BTreeSet;

use serde_json::{Number, Value};

use super::{Body, MAX_DEPTH, ResourceNames};
use crate::init::vocab::{escape_template, is_tenant_name};
use crate::openapi::model::{Schema, SchemaObject};
use crate::openapi::refs::{Resolved, Resolver};

#[derive(Debug, Default)]
struct Flat<'a> {
    types: Vec<String>,
    format: Option<&'a str>,
    properties: Vec<(&'a str, &'a Schema)>,
    required: Vec<String>,
    items: Option<&'a Schema>,
    enumeration: Option<&'a Vec<Value>>,
    constant: Option<&'a Value>,
    example: Option<&'a Value>,
    default: Option<&'a Value>,
    minimum: Option<&'a Value>,
    exclusive_minimum: Option<&'a Value>,
    maximum: Option<&'a Value>,
    min_items: Option<&'a Value>,
    max_length: Option<&'a Value>,
    pattern: Option<&'a Value>,
    alternatives: Vec<&'a Schema>,
}

impl<'a> Flat<'a> {
    fn absorb(&mut self, object: &'a SchemaObject) {
        if self.types.is_empty() {
            self.types = object.types();
        }
        self.format = self.format.or(object.format());
        for (name, schema) in object.properties.iter() {
            if !self.properties.iter().any(|(known, _)| *known == name) {
                self.properties.push((name, schema));
            }
        }
        for name in object.required_names() {
            if !self.required.contains(&name) {
                self.required.push(name);
            }
        }
        self.items = self.items.or(object.items.as_ref());
        self.enumeration = self.enumeration.or(object.enumeration.as_ref());
        self.constant = self.constant.or(object.constant.as_ref());
        self.example = self.example.or(object.first_example());
        self.default = self.default.or(object.default.as_ref());
        self.minimum = self.minimum.or(object.minimum.as_ref());
        self.exclusive_minimum = self.exclusive_minimum.or(object.exclusive_minimum.as_ref());
        self.maximum = self.maximum.or(object.maximum.as_ref());
        self.min_items = self.min_items.or(object.min_items.as_ref());
        self.max_length = self.max_length.or(object.max_length.as_ref());
        self.pattern = self.pattern.or(object.pattern.as_ref());
        self.alternatives
            .extend(object.any_of.iter().chain(object.one_of.iter()));
    }

    /// The first non-null type, or one implied by other keywords.
    fn kind(&self) -> Option<&str> {
        if let Some(kind) = self.types.iter().find(|t| *t != "null") {
            return Some(kind);
        }
        if self.types.iter().any(|t| t == "null") {
            return Some("null");
        }
        if !self.properties.is_empty() {
            Some("object")
        } else if self.items.is_some() {
            Some("array")
        } else {
            None
        }
    }

    fn sample(&self) -> Option<&'a Value> {
        self.example.or(self.default)
    }
}

/// Builds body templates for one operation, collecting notes and the placeholders used.
#[derive(Debug)]
pub struct BodyBuilder<'a> {
    resolver: Resolver<'a>,
    resources: &'a ResourceNames,
    strings: usize,
    stack: Vec<String>,
    /// Notes for the operation's comments (problems start with `TODO:`).
    pub notes: Vec<String>,
    /// Capture placeholders the body uses (not `user_id` or `canary`).
    pub captures: BTreeSet<String>,
}

impl<'a> BodyBuilder<'a> {
    /// A builder for one body.
    pub fn new(resolver: Resolver<'a>, resources: &'a ResourceNames) -> Self {
        BodyBuilder {
            resolver,
            resources,
            strings: 0,
            stack: Vec::new(),
            notes: Vec::new(),
            captures: BTreeSet::new(),
        }
    }

    /// The template for a whole body described by `schema` (`None` when nothing can be made).
    pub fn build(&mut self, schema: &'a Schema) -> Option<Body> {
        self.value(schema, None)
    }

    fn note(&mut self, note: String) {
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    /// `schema` resolved and merged; `Err(())` when it cannot be (noted) or is a cycle.
    fn flatten(&mut self, schema: &'a Schema, pushed: &mut Vec<String>) -> Result<Flat<'a>, ()> {
        let mut flat = Flat::default();
        self.absorb(schema, &mut flat, pushed, 0)?;
        Ok(flat)
    }

    fn absorb(
        &mut self,
        schema: &'a Schema,
        flat: &mut Flat<'a>,
        pushed: &mut Vec<String>,
        depth: usize,
    ) -> Result<(), ()> {
        if depth > MAX_DEPTH {
            return Err(());
        }
        let (object, reference) = match self.resolver.schema(schema) {
            Ok(Resolved::Bool(true)) => return Ok(()),
            Ok(Resolved::Bool(false)) => return Err(()),
            Ok(Resolved::Object(object, reference)) => (object, reference),
            Err(problem) => {
                self.note(format!(
                    "TODO: {problem}; fill in that part of `json:` by hand"
                ));
                return Err(());
            }
        };
        if let Some(reference) = reference {
            if self.stack.iter().any(|r| r == reference) {
                self.note(format!(
                    "{reference} contains itself; the recursive part is left out"
                ));
                return Err(());
            }
            self.stack.push(reference.to_string());
            pushed.push(reference.to_string());
        }
        flat.absorb(object);
        for member in &object.all_of {
            self.absorb(member, flat, pushed, depth + 1)?;
        }
        Ok(())
    }

    fn release(&mut self, pushed: Vec<String>) {
        for _ in pushed {
            self.stack.pop();
        }
    }

    /// The kind a value of `schema` would have, without generating it.
    fn kind_of(&mut self, schema: &'a Schema) -> Option<String> {
        let mut pushed = Vec::new();
        let notes = self.notes.len();
        let kind = match self.flatten(schema, &mut pushed) {
            Ok(flat) => match flat.kind() {
                Some(kind) => Some(kind.to_string()),
                None if flat.constant.is_some() || flat.enumeration.is_some() => {
                    Some("enum".into())
                }
                None => match flat.alternatives.iter().find(|alt| !is_null(alt)) {
                    Some(alt) => self.kind_of(alt),
                    None => Some("any".into()),
                },
            },
            Err(()) => None,
        };
        self.notes.truncate(notes);
        self.release(pushed);
        kind
    }

    fn value(&mut self, schema: &'a Schema, name: Option<&str>) -> Option<Body> {
        if self.stack.len() > MAX_DEPTH {
            return None;
        }
        let mut pushed = Vec::new();
        let flat = self.flatten(schema, &mut pushed).ok();
        let body = flat.and_then(|flat| self.value_of(&flat, name));
        self.release(pushed);
        body
    }

    fn value_of(&mut self, flat: &Flat<'a>, name: Option<&str>) -> Option<Body> {
        if let Some(constant) = flat.constant {
            return Some(literal(constant));
        }
        if let Some(first) = flat
            .enumeration
            .and_then(|values| values.iter().find(|v| !v.is_null()))
        {
            return Some(literal(first));
        }
        let kind = match flat.kind() {
            Some(kind) => kind.to_string(),
            None => {
                if let Some(alt) = flat.alternatives.iter().find(|alt| !is_null(alt)) {
                    return self.value(alt, name);
                }
                if let Some(sample) = flat.sample() {
                    return Some(literal(sample));
                }
                "string".to_string()
            }
        };
        Some(match kind.as_str() {
            "object" => self.object(flat),
            "array" => {
                let count = flat.min_items.and_then(Value::as_u64).unwrap_or(0).min(3);
                let mut items = Vec::new();
                for _ in 0..count {
                    match flat.items {
                        Some(item) => items.extend(self.value(item, name)),
                        None => items.push(self.string(&Flat::default(), name)),
                    }
                }
                Body::Array(items)
            }
            "integer" | "number" => Body::Value(number(flat, kind == "integer")),
            "boolean" => Body::Value(
                flat.sample()
                    .filter(|v| v.is_boolean())
                    .cloned()
                    .unwrap_or(Value::Bool(false)),
            ),
            "null" => Body::Value(Value::Null),
            _ => self.string(flat, name),
        })
    }

    fn object(&mut self, flat: &Flat<'a>) -> Body {
        let mut fields = Vec::new();
        for &(property, schema) in &flat.properties {
            let required = flat.required.iter().any(|r| r == property);
            if let Some(capture) = self.resources.capture_for(property) {
                if required {
                    let capture = capture.to_string();
                    fields.push((
                        escape_template(property),
                        Body::Value(Value::String(format!("{{{capture}}}"))),
                    ));
                    self.captures.insert(capture);
                }
                continue;
            }
            if is_tenant_name(property) {
                if required {
                    fields.push((
                        escape_template(property),
                        Body::Value(Value::String("{user_id}".into())),
                    ));
                }
                continue;
            }
            if !required && self.kind_of(schema).as_deref() != Some("string") {
                continue;
            }
            if let Some(value) = self.value(schema, Some(property)) {
                fields.push((escape_template(property), value));
            }
        }
        Body::Object(fields)
    }

    fn string(&mut self, flat: &Flat<'a>, name: Option<&str>) -> Body {
        let sample = flat
            .sample()
            .filter(|v| v.is_string())
            .map(|v| escape_template(v.as_str().unwrap_or_default()));
        let label = name.unwrap_or("value");
        let fixed = |text: &str| Some(sample.clone().unwrap_or_else(|| text.to_string()));
        let formatted = match flat.format {
            Some("date-time") => fixed("2030-01-01T00:00:00Z"),
            Some("date") => fixed("2030-01-01"),
            Some("time") => fixed("12:00:00"),
            Some("uuid") => fixed("00000000-0000-4000-8000-000000000000"),
            Some("uri" | "url") => {
                self.strings += 1;
                fixed("https://example.com/{canary}")
            }
            Some("email" | "idn-email") => {
                self.strings += 1;
                fixed("{canary}@example.com")
            }
            _ => None,
        };
        let text = match formatted {
            Some(text) => text,
            None => {
                let pattern = flat.pattern.and_then(Value::as_str);
                let first = self.strings == 0;
                self.strings += 1;
                match (&sample, pattern) {
                    (Some(sample), Some(_)) => sample.clone(),
                    (None, Some(pattern)) => {
                        self.note(format!(
                            "TODO: `{label}` must match the pattern {pattern}, which the canary may not; \
                             put a matching value in `json:`"
                        ));
                        if first {
                            "{canary}".into()
                        } else {
                            format!("{{canary}} {label}")
                        }
                    }
                    _ if first => "{canary}".into(),
                    (Some(sample), None) => sample.clone(),
                    (None, None) => format!("{{canary}} {label}"),
                }
            }
        };
        if text.contains("{canary}")
            && let Some(max) = flat.max_length.and_then(Value::as_u64)
            && max < 40
        {
            self.note(format!(
                "TODO: `{label}` allows at most {max} characters; the canary is about 30: shorten the \
                 text around it, or the API may answer 422"
            ));
        }
        Body::Value(Value::String(text))
    }
}

/// Whether a schema is (literally) `type: null`.
fn is_null(schema: &Schema) -> bool {
    matches!(schema, Schema::Object(object) if object.types() == ["null"])
}

/// A value copied from the document, with its text escaped for the template.
fn literal(value: &Value) -> Body {
    fn escape(value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(escape_template(s)),
            Value::Array(items) => Value::Array(items.iter().map(escape).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (escape_template(k), escape(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    Body::Value(escape(value))
}

fn number(flat: &Flat<'_>, integer: bool) -> Value {
    if let Some(sample) = flat.sample().filter(|v| v.is_number()) {
        return sample.clone();
    }
    let minimum = flat.minimum.and_then(Value::as_f64);
    let value = match (flat.exclusive_minimum, minimum) {
        (Some(Value::Number(exclusive)), _) => exclusive.as_f64().map(|m| m + 1.0),
        (Some(Value::Bool(true)), Some(min)) => Some(min + 1.0),
        (_, Some(min)) => Some(min),
        _ => None,
    };
    let value = value.unwrap_or_else(|| match flat.maximum.and_then(Value::as_f64) {
        Some(max) if max < 1.0 => max,
        _ => 1.0,
    });
    if integer || value.fract() == 0.0 {
        Value::Number(Number::from(value.ceil() as i64))
    } else {
        Number::from_f64(value).map_or(Value::Null, Value::Number)
    }
}

/// The top-level property names of an object schema (after `$ref`, `allOf`; else those of the first
/// `anyOf`/`oneOf` alternative that has some).
pub fn property_names(resolver: Resolver<'_>, schema: &Schema) -> Vec<String> {
    let resources = ResourceNames::default();
    let mut builder = BodyBuilder::new(resolver, &resources);
    names_of(&mut builder, schema, 0)
}

fn names_of<'a>(builder: &mut BodyBuilder<'a>, schema: &'a Schema, depth: usize) -> Vec<String> {
    let mut pushed = Vec::new();
    let names = match builder.flatten(schema, &mut pushed) {
        Ok(flat) if !flat.properties.is_empty() => {
            flat.properties.iter().map(|(n, _)| n.to_string()).collect()
        }
        Ok(flat) if depth < 3 => flat
            .alternatives
            .iter()
            .map(|alt| names_of(builder, alt, depth + 1))
            .find(|names| !names.is_empty())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    builder.release(pushed);
    names
}
