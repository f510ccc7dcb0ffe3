//! Where a token carries the user id, and in what form: a top-level claim (`sub`, `user_id`, `id`) or a
//! nested one (a JSON pointer such as `/user/id`), as a string, a UUID or an integer.

use std::fmt;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The claim that carries the user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdClaim {
    /// A top-level claim, by name.
    Name(String),
    /// A nested claim: the JSON pointer's segments below the payload (`/user/id` -> `user`, `id`).
    Nested(Vec<String>),
}

impl IdClaim {
    /// Parses `sub`, `user_id`, ... or a JSON pointer (`/user/id`).
    pub fn parse(text: &str) -> Result<IdClaim, String> {
        if text.is_empty() {
            return Err("the user claim is empty".into());
        }
        let Some(pointer) = text.strip_prefix('/') else {
            return Ok(IdClaim::Name(text.to_string()));
        };
        let segments: Vec<String> = pointer
            .split('/')
            .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
            .collect();
        if segments.iter().any(String::is_empty) {
            return Err(format!("{text:?} has an empty segment"));
        }
        Ok(match <[String; 1]>::try_from(segments) {
            Ok([name]) => IdClaim::Name(name),
            Err(segments) => IdClaim::Nested(segments),
        })
    }

    /// The top-level claim that holds the id (the first segment of a nested one).
    pub fn top(&self) -> &str {
        match self {
            IdClaim::Name(name) => name,
            IdClaim::Nested(segments) => &segments[0],
        }
    }

    /// The id's value in `claims`, if present.
    pub fn get<'c>(&self, claims: &'c Map<String, Value>) -> Option<&'c Value> {
        match self {
            IdClaim::Name(name) => claims.get(name),
            IdClaim::Nested(segments) => {
                let (last, path) = segments.split_last()?;
                let mut object = claims;
                for segment in path {
                    object = object.get(segment)?.as_object()?;
                }
                object.get(last)
            }
        }
    }

    /// Sets the id in `claims`, creating (or replacing non-object) parents of a nested claim.
    pub fn set(&self, claims: &mut Map<String, Value>, value: Value) {
        match self {
            IdClaim::Name(name) => {
                claims.insert(name.clone(), value);
            }
            IdClaim::Nested(segments) => {
                let (last, path) = segments.split_last().expect("nested claims have segments");
                let mut object = claims;
                for segment in path {
                    let entry = object
                        .entry(segment.clone())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if !entry.is_object() {
                        *entry = Value::Object(Map::new());
                    }
                    object = entry.as_object_mut().expect("made an object above");
                }
                object.insert(last.clone(), value);
            }
        }
    }

    /// Removes the id from `claims` (parents of a nested claim stay).
    pub fn remove(&self, claims: &mut Map<String, Value>) {
        match self {
            IdClaim::Name(name) => {
                claims.remove(name);
            }
            IdClaim::Nested(segments) => {
                let (last, path) = segments.split_last().expect("nested claims have segments");
                let mut object = claims;
                for segment in path {
                    match object.get_mut(segment).and_then(Value::as_object_mut) {
                        Some(inner) => object = inner,
                        None => return,
                    }
                }
                object.remove(last);
            }
        }
    }

    /// Whether this is the top-level claim `name`.
    pub fn is(&self, name: &str) -> bool {
        matches!(self, IdClaim::Name(own) if own == name)
    }
}

impl fmt::Display for IdClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdClaim::Name(name) => f.write_str(name),
            IdClaim::Nested(segments) => {
                for segment in segments {
                    write!(f, "/{}", segment.replace('~', "~0").replace('/', "~1"))?;
                }
                Ok(())
            }
        }
    }
}

impl Default for IdClaim {
    fn default() -> Self {
        IdClaim::Name("sub".into())
    }
}

/// The form of a user id in the token (and in paths).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum IdType {
    /// A JSON string (Better Auth's ids, most backends).
    #[default]
    String,
    /// A JSON string holding a UUID.
    Uuid,
    /// A JSON integer (backends with an integer primary key for users).
    Integer,
}

/// The form's name as `issuer.user_id_type` spells it: `string`, `uuid`, `integer`.
impl std::fmt::Display for IdType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IdType::String => "string",
            IdType::Uuid => "uuid",
            IdType::Integer => "integer",
        })
    }
}

/// A user id no account has, in each form.
const UNKNOWN_STRING: &str = "authconform-unknown-user";
const UNKNOWN_UUID: &str = "00000000-0000-4000-8000-00000000a7c0";
const UNKNOWN_INTEGER: u64 = 987_654_321;

impl IdType {
    /// `id` as this form's JSON value, or why it does not fit.
    pub fn value(self, id: &str) -> Result<Value, String> {
        match self {
            IdType::String => Ok(id.into()),
            IdType::Uuid if is_uuid(id) => Ok(id.into()),
            IdType::Uuid => Err(format!("{id:?} is not a UUID")),
            IdType::Integer => id
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("{id:?} is not an integer")),
        }
    }

    /// A user id of this form that no account has.
    pub fn unknown_user(self) -> String {
        match self {
            IdType::String => UNKNOWN_STRING.into(),
            IdType::Uuid => UNKNOWN_UUID.into(),
            IdType::Integer => UNKNOWN_INTEGER.to_string(),
        }
    }

    /// The id of `base`'s own user in the case `case_id`: the same for every run and shard, and
    /// different in every case (`alice` -> `alice-3f2a9c1b04de`; a UUID derived from both). `None` for
    /// integer ids, which name rows of the target's user table.
    pub fn per_case(self, base: &str, case_id: &str) -> Option<String> {
        let mut rng =
            crate::rng::Rng::new(crate::rng::fnv1a(format!("{base}\0{case_id}").as_bytes()));
        match self {
            IdType::String => Some(format!("{base}-{:012x}", rng.next_u64() >> 16)),
            IdType::Uuid => {
                let (high, low) = (rng.next_u64(), rng.next_u64());
                // Version 4, RFC 4122 variant: what a random UUID looks like.
                let high = (high & !0xf000) | 0x4000;
                let low = (low & !(0b11 << 62)) | (0b10 << 62);
                Some(format!(
                    "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
                    high >> 32,
                    (high >> 16) & 0xffff,
                    high & 0xffff,
                    low >> 48,
                    low & 0xffff_ffff_ffff
                ))
            }
            IdType::Integer => None,
        }
    }

    /// The id a token carries, as text: a string as is, an integer in decimal.
    pub fn text(self, value: &Value) -> Option<String> {
        match (self, value) {
            (IdType::Integer, Value::Number(n)) => Some(n.to_string()),
            (_, Value::String(s)) => Some(s.clone()),
            _ => None,
        }
    }
}

/// Whether `text` is a UUID in its 8-4-4-4-12 hex form.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_and_pointers_parse() {
        assert_eq!(IdClaim::parse("sub").unwrap(), IdClaim::Name("sub".into()));
        assert_eq!(
            IdClaim::parse("/user_id").unwrap(),
            IdClaim::Name("user_id".into())
        );
        let nested = IdClaim::parse("/user/id").unwrap();
        assert_eq!(nested, IdClaim::Nested(vec!["user".into(), "id".into()]));
        assert_eq!(nested.to_string(), "/user/id");
        assert_eq!(nested.top(), "user");
        assert!(IdClaim::parse("").is_err());
        assert!(IdClaim::parse("/user//id").is_err());
        assert_eq!(
            IdClaim::parse("https://example.test/uid").unwrap(),
            IdClaim::Name("https://example.test/uid".into())
        );
    }

    #[test]
    fn nested_claims_are_set_read_and_removed() {
        let claim = IdClaim::parse("/user/id").unwrap();
        let mut claims = Map::new();
        claims.insert("user".into(), json!("not an object"));
        claim.set(&mut claims, json!("u-1"));
        assert_eq!(
            Value::Object(claims.clone()),
            json!({"user": {"id": "u-1"}})
        );
        assert_eq!(claim.get(&claims), Some(&json!("u-1")));
        claim.remove(&mut claims);
        assert_eq!(Value::Object(claims.clone()), json!({"user": {}}));
        assert_eq!(claim.get(&claims), None);
    }

    #[test]
    fn id_types_check_and_convert() {
        assert_eq!(IdType::Integer.value("42").unwrap(), json!(42));
        assert!(IdType::Integer.value("abc").is_err());
        assert!(IdType::Uuid.value("not-a-uuid").is_err());
        let uuid = "3f2b8c1e-9d4a-4e2b-8f7c-1a2b3c4d5e6f";
        assert_eq!(IdType::Uuid.value(uuid).unwrap(), json!(uuid));
        assert!(is_uuid(&IdType::Uuid.unknown_user()));
        assert!(IdType::Integer.unknown_user().parse::<u64>().is_ok());
        assert_eq!(IdType::Integer.text(&json!(7)).as_deref(), Some("7"));
        assert_eq!(IdType::String.text(&json!(7)), None);
    }

    #[test]
    fn per_case_ids_are_stable_distinct_and_of_their_form() {
        let a1 = IdType::String.per_case("alice", "scn/case-1").unwrap();
        assert_eq!(a1, IdType::String.per_case("alice", "scn/case-1").unwrap());
        assert!(
            a1.starts_with("alice-") && a1.len() == "alice-".len() + 12,
            "{a1}"
        );
        assert_ne!(a1, IdType::String.per_case("alice", "scn/case-2").unwrap());
        assert_ne!(a1, IdType::String.per_case("bob", "scn/case-1").unwrap());
        let uuid = IdType::Uuid
            .per_case("3f2b8c1e-9d4a-4e2b-8f7c-1a2b3c4d5e6f", "scn/case-1")
            .unwrap();
        assert!(is_uuid(&uuid), "{uuid}");
        assert_eq!(&uuid[14..15], "4");
        assert!(matches!(&uuid[19..20], "8" | "9" | "a" | "b"), "{uuid}");
        assert_eq!(IdType::Integer.per_case("7", "scn/case-1"), None);
    }
}
