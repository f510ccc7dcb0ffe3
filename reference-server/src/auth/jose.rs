//! Strict reading of a compact JWS: exactly three base64url segments, JSON objects without duplicate
//! members, and a typed view of the protected header. Nothing here verifies anything.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use super::AuthError;

/// Longest token accepted, in bytes. Better Auth tokens (whole user object, EdDSA) are well below 2 KiB.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// The three segments of a compact JWS, still base64url-encoded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CompactParts<'a> {
    pub header: &'a str,
    pub payload: &'a str,
}

/// Splits `token` into its segments: exactly three, header and payload non-empty, only base64url
/// characters (RFC 7515 §7.1; no JWE, no JSON serialisation, no padding).
pub(crate) fn split_compact(token: &str) -> Result<CompactParts<'_>, AuthError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(AuthError::Malformed);
    }
    let mut segments = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(AuthError::Malformed);
    };
    let is_b64url = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if header.is_empty()
        || payload.is_empty()
        || !is_b64url(header)
        || !is_b64url(payload)
        || !is_b64url(signature)
    {
        return Err(AuthError::Malformed);
    }
    Ok(CompactParts { header, payload })
}

/// Decodes one segment with the strict base64url decoder (no padding, canonical trailing bits).
pub(crate) fn decode_segment(segment: &str) -> Result<Vec<u8>, AuthError> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| AuthError::Malformed)
}

/// Parses a decoded segment as a JSON object, rejecting duplicate member names at the top level
/// (RFC 7515 §4 / RFC 7519 §4: a duplicate would let two readers see different values).
pub(crate) fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, AuthError> {
    serde_json::from_slice::<UniqueObject>(bytes)
        .map(|o| o.0)
        .map_err(|_| AuthError::Malformed)
}

/// A JSON object whose top-level member names are unique.
struct UniqueObject(Map<String, Value>);

impl<'de> Deserialize<'de> for UniqueObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = UniqueObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object with unique member names")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<UniqueObject, A::Error> {
                let mut map = Map::new();
                while let Some((key, value)) = access.next_entry::<String, Value>()? {
                    if map.contains_key(&key) {
                        return Err(serde::de::Error::custom("duplicate member"));
                    }
                    map.insert(key, value);
                }
                Ok(UniqueObject(map))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// The protected header members the verifier looks at.
#[derive(Debug, Clone)]
pub(crate) struct JoseHeader {
    /// `alg`, as written (not yet matched against any algorithm).
    pub alg: String,
    /// `kid`, if present (must be a string).
    pub kid: Option<String>,
    /// `jku` (only read by the `jku-trusted` flaw).
    pub jku: Option<String>,
    /// `jwk` (only read by the `embedded-jwk-trusted` flaw).
    pub jwk: Option<Value>,
    /// `crit` is present (any value).
    pub has_crit: bool,
    /// `b64` is present with any value other than `true` (RFC 7797 unencoded payload).
    pub unencoded_payload: bool,
    /// `cty` is present (nested JWTs and other content types are not accepted).
    pub has_cty: bool,
}

impl JoseHeader {
    /// Reads the header members from a parsed header object.
    pub(crate) fn from_object(object: &Map<String, Value>) -> Result<Self, AuthError> {
        let alg = match object.get("alg") {
            Some(Value::String(alg)) => alg.clone(),
            _ => return Err(AuthError::InvalidHeader),
        };
        let kid = match object.get("kid") {
            None => None,
            Some(Value::String(kid)) => Some(kid.clone()),
            Some(_) => return Err(AuthError::InvalidHeader),
        };
        let jku = object.get("jku").and_then(Value::as_str).map(str::to_owned);
        Ok(JoseHeader {
            alg,
            kid,
            jku,
            jwk: object.get("jwk").cloned(),
            has_crit: object.contains_key("crit"),
            unencoded_payload: object
                .get("b64")
                .is_some_and(|b64| b64 != &Value::Bool(true)),
            has_cty: object.contains_key("cty"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_count_and_alphabet_are_enforced() {
        assert!(split_compact("a.b.c").is_ok());
        assert!(
            split_compact("a.b.").is_ok(),
            "empty signature is a verification matter"
        );
        for bad in [
            "",
            "a",
            "a.b",
            "a.b.c.d",
            "a.b.c.d.e",
            ".b.c",
            "a..c",
            "a+b.c.d",
            "a.b.c=",
            "a b.c.d",
        ] {
            assert!(split_compact(bad).is_err(), "{bad:?} accepted");
        }
        assert!(split_compact(&"a".repeat(MAX_TOKEN_LEN + 1)).is_err());
    }

    #[test]
    fn base64_is_strict() {
        assert_eq!(decode_segment("eyJ9").unwrap(), b"{\"}".to_vec());
        assert!(decode_segment("eyJ9=").is_err());
        assert!(decode_segment("e").is_err());
        // Non-canonical trailing bits: "QQ" is "A", "QR" decodes to the same byte leniently.
        assert!(decode_segment("QR").is_err());
    }

    #[test]
    fn objects_reject_duplicates_and_non_objects() {
        assert!(parse_object(br#"{"alg":"EdDSA","kid":"k"}"#).is_ok());
        assert!(parse_object(br#"{"alg":"EdDSA","alg":"none"}"#).is_err());
        for bad in [
            &b"[]"[..],
            b"null",
            b"\"x\"",
            b"1",
            b"{",
            b"\xef\xbb\xbf{}",
            b"{} x",
        ] {
            assert!(parse_object(bad).is_err());
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse_object(deep.as_bytes()).is_err(), "recursion limit");
    }

    #[test]
    fn header_members_are_typed() {
        let header = |json: &str| JoseHeader::from_object(&parse_object(json.as_bytes()).unwrap());
        let h = header(r#"{"alg":"EdDSA","kid":"k","b64":true}"#).unwrap();
        assert_eq!(h.alg, "EdDSA");
        assert_eq!(h.kid.as_deref(), Some("k"));
        assert!(!h.unencoded_payload && !h.has_crit && !h.has_cty);
        assert!(
            header(r#"{"alg":"EdDSA","b64":false}"#)
                .unwrap()
                .unencoded_payload
        );
        assert!(header(r#"{"alg":"EdDSA","crit":[]}"#).unwrap().has_crit);
        for bad in [
            r#"{}"#,
            r#"{"alg":null}"#,
            r#"{"alg":1}"#,
            r#"{"alg":"EdDSA","kid":7}"#,
        ] {
            assert!(header(bad).is_err(), "{bad}");
        }
    }
}
