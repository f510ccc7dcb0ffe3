//! Tests of body templates synthesized from schemas.

use super::*;
use crate::openapi::Document;
use crate::openapi::refs::Resolver;
use serde_json::json;

/// A document with these component schemas (JSON text: property order matters).
fn doc(schemas: &str) -> Document {
    serde_json::from_str(&format!(
        r#"{{"openapi": "3.1.0", "paths": {{}}, "components": {{"schemas": {schemas}}}}}"#
    ))
    .unwrap()
}

fn body_of(doc: &Document, name: &str, resources: &ResourceNames) -> (Option<Body>, Vec<String>) {
    let schema = doc.components.schemas.get(name).unwrap();
    let mut builder = BodyBuilder::new(Resolver::new(doc), resources);
    let body = builder.build(schema);
    (body, builder.notes)
}

#[test]
fn required_and_optional_string_properties_carry_the_canary() {
    let d = doc(
        r##"{"ItemCreate": {"type": "object", "required": ["title", "priority"],
        "properties": {
            "title": {"type": "string", "maxLength": 200},
            "description": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "priority": {"type": "integer", "minimum": 1, "maximum": 5},
            "done": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "due": {"type": "string", "format": "date-time"},
            "kind": {"type": "string", "enum": ["work", "home"]},
            "owner_email": {"type": "string", "format": "email"}}}}"##,
    );
    let (body, notes) = body_of(&d, "ItemCreate", &ResourceNames::default());
    let body = body.unwrap();
    assert_eq!(
        body.to_flow(),
        r#"{"title": "{canary}", "description": "{canary} description", "priority": 1, "due": "2030-01-01T00:00:00Z", "kind": "work", "owner_email": "{canary}@example.com"}"#
    );
    assert!(notes.is_empty(), "{notes:?}");
}

#[test]
fn resource_and_tenant_properties_are_placeholders_only_when_required() {
    let d = doc(r##"{
        "ChatRequest": {"type": "object", "required": ["message"], "properties": {
            "conversation_id": {"type": "integer"}, "message": {"type": "string"}}},
        "Move": {"type": "object", "required": ["item_id", "owner_id"], "properties": {
            "itemId": {"type": "integer"}, "item_id": {"type": "integer"}, "owner_id": {"type": "string"}}}}"##);
    let resources = ResourceNames(vec![
        ("conversationid".into(), "conversation_id".into()),
        ("itemid".into(), "item_id".into()),
    ]);
    let (body, _) = body_of(&d, "ChatRequest", &resources);
    assert_eq!(body.unwrap().to_flow(), r#"{"message": "{canary}"}"#);
    let schema = d.components.schemas.get("Move").unwrap();
    let mut builder = BodyBuilder::new(Resolver::new(&d), &resources);
    let body = builder.build(schema).unwrap();
    assert_eq!(
        body.to_flow(),
        r#"{"item_id": "{item_id}", "owner_id": "{user_id}"}"#
    );
    assert_eq!(
        builder.captures.into_iter().collect::<Vec<_>>(),
        ["item_id"]
    );
}

#[test]
fn refs_all_of_and_examples_are_used() {
    let d = doc(r##"{
        "Base": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
        "Extended": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object",
            "required": ["size", "colour", "code"], "properties": {
            "size": {"type": "number", "example": 2.5},
            "colour": {"type": "string", "default": "blue {x}"},
            "code": {"type": "string", "pattern": "^[A-Z]{3}$", "example": "ABC"}}}]}}"##);
    let (body, _) = body_of(&d, "Extended", &ResourceNames::default());
    assert_eq!(
        body.unwrap().to_flow(),
        r#"{"name": "{canary}", "size": 2.5, "colour": "blue {{x}", "code": "ABC"}"#
    );
}

#[test]
fn cycles_are_cut_and_noted() {
    let d = doc(
        r##"{"Node": {"type": "object", "required": ["name", "child", "children"],
        "properties": {"name": {"type": "string"},
            "child": {"$ref": "#/components/schemas/Node"},
            "children": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Node"}}}},
        "Wrapper": {"type": "object", "required": ["node"], "properties": {"node": {"$ref": "#/components/schemas/Node"}}}}"##,
    );
    let (body, notes) = body_of(&d, "Wrapper", &ResourceNames::default());
    assert_eq!(
        body.unwrap().to_flow(),
        r#"{"node": {"name": "{canary}", "children": []}}"#
    );
    assert!(
        notes.iter().any(|n| n.contains("contains itself")),
        "{notes:?}"
    );
}

#[test]
fn external_refs_become_todo_notes() {
    let d = doc(
        r##"{"Outer": {"type": "object", "required": ["a", "b"], "properties": {
        "a": {"type": "string"}, "b": {"$ref": "common.yaml#/components/schemas/B"}}}}"##,
    );
    let (body, notes) = body_of(&d, "Outer", &ResourceNames::default());
    assert_eq!(body.unwrap().to_flow(), r#"{"a": "{canary}"}"#);
    assert!(notes[0].starts_with("TODO: $ref common.yaml#"), "{notes:?}");
}

#[test]
fn short_and_patterned_strings_are_flagged() {
    let d = doc(
        r##"{"S": {"type": "object", "required": ["code", "tag"], "properties": {
        "code": {"type": "string", "pattern": "^[0-9]+$"},
        "tag": {"type": "string", "maxLength": 10}}}}"##,
    );
    let (_, notes) = body_of(&d, "S", &ResourceNames::default());
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes[0].contains("pattern"), "{notes:?}");
    assert!(notes[1].contains("at most 10"), "{notes:?}");
}

#[test]
fn numbers_respect_limits() {
    let d = doc(
        r##"{"N": {"type": "object", "required": ["a", "b", "c", "d"], "properties": {
        "a": {"type": "integer", "minimum": 5},
        "b": {"type": "integer", "minimum": 0, "exclusiveMinimum": true},
        "c": {"type": "number", "exclusiveMinimum": 0.5},
        "d": {"type": "integer", "maximum": -3}}}}"##,
    );
    let (body, _) = body_of(&d, "N", &ResourceNames::default());
    assert_eq!(
        body.unwrap().to_json(),
        json!({"a": 5, "b": 1, "c": 1.5, "d": -3})
    );
}

#[test]
fn property_names_follow_refs_and_alternatives() {
    let d = doc(
        r##"{"Item": {"type": "object", "properties": {"id": {}, "title": {}}},
        "Either": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Item"}]}}"##,
    );
    let names = property_names(
        Resolver::new(&d),
        d.components.schemas.get("Either").unwrap(),
    );
    assert_eq!(names, ["id", "title"]);
}
