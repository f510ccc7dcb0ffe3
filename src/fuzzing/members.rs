//! JSON objects as ordered member lists: duplicates and order kept, so that a mutated header or claims
//! object can say `{"alg":"EdDSA","alg":"none"}` and be written back exactly as built.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

/// The members of a JSON object, in order, duplicates allowed.
pub type Members = Vec<(String, Value)>;

/// Parses a top-level JSON object into its members (order and duplicates kept); `None` if `bytes` is not
/// a JSON object.
pub fn parse_members(bytes: &[u8]) -> Option<Members> {
    serde_json::from_slice::<Ordered>(bytes).ok().map(|o| o.0)
}

/// Compact JSON text of the members, in order (duplicates written as they are).
pub fn render_members(members: &[(String, Value)]) -> String {
    let mut out = String::from("{");
    for (i, (name, value)) in members.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Value::String(name.clone()).to_string());
        out.push(':');
        out.push_str(&value.to_string());
    }
    out.push('}');
    out
}

struct Ordered(Members);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor;
        impl<'de> Visitor<'de> for OrderedVisitor {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Ordered, A::Error> {
                let mut members = Vec::new();
                while let Some(entry) = access.next_entry::<String, Value>()? {
                    members.push(entry);
                }
                Ok(Ordered(members))
            }
        }
        deserializer.deserialize_map(OrderedVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn duplicates_and_order_survive_a_round_trip() {
        let text = r#"{"b":1,"a":"x","b":[true,null]}"#;
        let members = parse_members(text.as_bytes()).unwrap();
        assert_eq!(members.len(), 3);
        assert_eq!(render_members(&members), text);
        assert_eq!(members[2], ("b".to_string(), json!([true, null])));
        assert_eq!(parse_members(b"[1]"), None);
        assert_eq!(parse_members(b"{"), None);
        assert_eq!(render_members(&[]), "{}");
    }
}
