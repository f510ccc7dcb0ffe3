//! Values kept as written: a YAML mapping in file order and any JSON value, each with locations.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::{Location, Spanned};

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
