//! A compact-JWS parser for inspection and mutation (RFC 7515 §7.1), and [`Forge`], a builder for raw
//! tokens from arbitrary header and payload text.
//!
//! [`CompactJws::parse`] takes any bytes and never fails or panics: it splits on `.`, keeps the exact
//! input, decodes the first segments as base64url (strictly, falling back to a lenient decoder and noting
//! it) and parses header and claims as JSON where possible. `CompactJws::parse(&t.serialize()) == t`.

use serde_json::Value;

use crate::token::keys::{KeyError, SigningKey};
use crate::token::{Alg, b64, sign};

/// Only the first segments are decoded (a JWE has five); the rest are kept as text.
const DECODED_SEGMENTS: usize = 5;

/// How one segment decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// Canonical, unpadded base64url, as RFC 7515 requires.
    Strict(Vec<u8>),
    /// Only a lenient decoder accepts it (padding, `+`/`/`, whitespace or non-canonical trailing bits).
    Lenient(Vec<u8>),
    /// Not base64 at all.
    Invalid,
}

impl Decoded {
    fn of(text: &[u8]) -> Self {
        if let Some(bytes) = b64::decode_strict(text) {
            Decoded::Strict(bytes)
        } else if let Some(bytes) = b64::decode_lenient(text) {
            Decoded::Lenient(bytes)
        } else {
            Decoded::Invalid
        }
    }

    /// The bytes, however they decoded.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Decoded::Strict(b) | Decoded::Lenient(b) => Some(b),
            Decoded::Invalid => None,
        }
    }

    /// The bytes only if the encoding was strict base64url.
    pub fn strict(&self) -> Option<&[u8]> {
        match self {
            Decoded::Strict(b) => Some(b),
            _ => None,
        }
    }
}

/// A parsed compact serialization (or anything that was offered as one).
#[derive(Debug, Clone, PartialEq)]
pub struct CompactJws {
    raw: Vec<u8>,
    /// Byte ranges of each `.`-separated segment in `raw`.
    bounds: Vec<(usize, usize)>,
    decoded: Vec<Decoded>,
    header: Option<Value>,
    claims: Option<Value>,
}

impl CompactJws {
    /// Parses any bytes; never panics. Header and claims are JSON-parsed from the first two segments
    /// (strictly or leniently decoded); invalid JSON leaves them `None`.
    pub fn parse(input: &[u8]) -> Self {
        let mut bounds = Vec::new();
        let mut start = 0;
        for (i, &b) in input.iter().enumerate() {
            if b == b'.' {
                bounds.push((start, i));
                start = i + 1;
            }
        }
        bounds.push((start, input.len()));
        let decoded: Vec<Decoded> = bounds
            .iter()
            .take(DECODED_SEGMENTS)
            .map(|&(s, e)| Decoded::of(&input[s..e]))
            .collect();
        let json = |i: usize| {
            decoded
                .get(i)
                .and_then(Decoded::bytes)
                .and_then(|b| serde_json::from_slice::<Value>(b).ok())
        };
        let header = json(0);
        let claims = if bounds.len() >= 2 { json(1) } else { None };
        CompactJws {
            raw: input.to_vec(),
            bounds,
            decoded,
            header,
            claims,
        }
    }

    /// The exact bytes that were parsed.
    pub fn serialize(&self) -> Vec<u8> {
        self.raw.clone()
    }

    /// The exact input as text (lossy for non-UTF-8 input).
    pub fn to_text(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }

    /// Number of `.`-separated segments (an empty input has one empty segment).
    pub fn segment_count(&self) -> usize {
        self.bounds.len()
    }

    /// The raw text of segment `i`.
    pub fn segment(&self, i: usize) -> Option<&[u8]> {
        self.bounds.get(i).map(|&(s, e)| &self.raw[s..e])
    }

    /// How segment `i` decoded (only the first five are decoded).
    pub fn decoded(&self, i: usize) -> Option<&Decoded> {
        self.decoded.get(i)
    }

    /// The header as JSON, if it decoded and parsed.
    pub fn header(&self) -> Option<&Value> {
        self.header.as_ref()
    }

    /// The claims (payload) as JSON, if it decoded and parsed.
    pub fn claims(&self) -> Option<&Value> {
        self.claims.as_ref()
    }

    /// A header parameter, if the header is a JSON object holding it.
    pub fn header_param(&self, name: &str) -> Option<&Value> {
        self.header.as_ref()?.as_object()?.get(name)
    }

    /// A claim, if the claims are a JSON object holding it.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.claims.as_ref()?.as_object()?.get(name)
    }

    /// The decoded header bytes.
    pub fn header_bytes(&self) -> Option<&[u8]> {
        self.decoded(0).and_then(Decoded::bytes)
    }

    /// The decoded payload bytes.
    pub fn payload_bytes(&self) -> Option<&[u8]> {
        if self.segment_count() < 2 {
            return None;
        }
        self.decoded(1).and_then(Decoded::bytes)
    }

    /// The decoded signature bytes (third segment).
    pub fn signature(&self) -> Option<&[u8]> {
        if self.segment_count() < 3 {
            return None;
        }
        self.decoded(2).and_then(Decoded::bytes)
    }

    /// The JWS signing input: the raw text of the first two segments with the dot between them.
    pub fn signing_input(&self) -> Option<&[u8]> {
        if self.segment_count() < 2 {
            return None;
        }
        Some(&self.raw[..self.bounds[1].1])
    }

    /// True if some decoded segment needed the lenient decoder.
    pub fn uses_lenient_encoding(&self) -> bool {
        self.decoded
            .iter()
            .any(|d| matches!(d, Decoded::Lenient(_)))
    }

    /// True for a well-formed compact JWS: exactly three strict base64url segments whose header and
    /// claims are JSON objects.
    pub fn is_well_formed(&self) -> bool {
        self.segment_count() == 3
            && self.decoded.iter().all(|d| matches!(d, Decoded::Strict(_)))
            && self.header.as_ref().is_some_and(Value::is_object)
            && self.claims.as_ref().is_some_and(Value::is_object)
    }
}

/// Builds raw compact tokens from header and payload bytes taken verbatim (so duplicate keys, a BOM or
/// non-JSON can be produced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forge {
    header: Vec<u8>,
    payload: Vec<u8>,
}

impl Forge {
    /// A forge over exact header and payload bytes.
    pub fn new(header: impl Into<Vec<u8>>, payload: impl Into<Vec<u8>>) -> Self {
        Forge {
            header: header.into(),
            payload: payload.into(),
        }
    }

    /// A forge over compact JSON serializations of two values.
    pub fn from_json(header: &Value, claims: &Value) -> Self {
        Forge::new(header.to_string(), claims.to_string())
    }

    /// `base64url(header) "." base64url(payload)`.
    pub fn signing_input(&self) -> String {
        format!(
            "{}.{}",
            b64::encode(&self.header),
            b64::encode(&self.payload)
        )
    }

    /// The token with the given signature bytes.
    pub fn with_signature(&self, signature: &[u8]) -> String {
        format!("{}.{}", self.signing_input(), b64::encode(signature))
    }

    /// The token with an empty signature segment: `h.p.`.
    pub fn unsigned(&self) -> String {
        format!("{}.", self.signing_input())
    }

    /// Signed with the key's own algorithm.
    pub fn sign(&self, key: &SigningKey) -> Result<String, KeyError> {
        sign::sign_input(key, key.alg(), &self.signing_input())
    }

    /// Signed with `alg` (which must fit the key).
    pub fn sign_as(&self, key: &SigningKey, alg: Alg) -> Result<String, KeyError> {
        sign::sign_input(key, alg, &self.signing_input())
    }

    /// HMAC-signed under arbitrary key bytes (empty, a public key, a guessed secret).
    pub fn hmac(&self, alg: Alg, key: &[u8]) -> String {
        let input = self.signing_input();
        let mac = sign::hmac(alg, key, input.as_bytes());
        format!("{input}.{}", b64::encode(&mac))
    }
}

/// Joins base64url encodings of each part with dots (any number of segments).
pub fn compact(parts: &[&[u8]]) -> String {
    parts
        .iter()
        .map(|p| b64::encode(p))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_a_token() {
        let token =
            Forge::from_json(&json!({"alg": "HS256"}), &json!({"sub": "a"})).hmac(Alg::Hs256, b"k");
        let jws = CompactJws::parse(token.as_bytes());
        assert!(jws.is_well_formed());
        assert_eq!(jws.header_param("alg"), Some(&json!("HS256")));
        assert_eq!(jws.claim("sub"), Some(&json!("a")));
        assert_eq!(jws.signature().map(<[u8]>::len), Some(32));
        assert_eq!(
            jws.signing_input().unwrap(),
            token.rsplit_once('.').unwrap().0.as_bytes()
        );
        assert!(sign::hmac_verify(
            Alg::Hs256,
            b"k",
            jws.signing_input().unwrap(),
            jws.signature().unwrap()
        ));
        assert_eq!(jws.serialize(), token.as_bytes());
        assert_eq!(CompactJws::parse(&jws.serialize()), jws);
    }

    #[test]
    fn odd_inputs() {
        let empty = CompactJws::parse(b"");
        assert_eq!(empty.segment_count(), 1);
        assert!(
            empty.header().is_none() && empty.claims().is_none() && empty.signature().is_none()
        );
        let dots = CompactJws::parse(&[b'.'; 10_000]);
        assert_eq!(dots.segment_count(), 10_001);
        assert!(!dots.is_well_formed());
        let padded = CompactJws::parse(b"eyJhIjoxfQ==.e30.");
        assert!(padded.uses_lenient_encoding());
        assert_eq!(padded.header_param("a"), Some(&json!(1)));
        assert!(!padded.is_well_formed());
        let binary = CompactJws::parse(&[0xff, 0x00, b'.', 0x80]);
        assert_eq!(binary.segment(1), Some(&[0x80][..]));
        assert_eq!(binary.decoded(0), Some(&Decoded::Invalid));
    }

    #[test]
    fn forge_keeps_bytes_verbatim() {
        let forge = Forge::new("\u{feff}{\"alg\":\"none\",\"alg\":\"none\"}", "not json");
        let jws = CompactJws::parse(forge.unsigned().as_bytes());
        assert_eq!(
            jws.header_bytes().unwrap(),
            "\u{feff}{\"alg\":\"none\",\"alg\":\"none\"}".as_bytes()
        );
        assert!(jws.header().is_none(), "a BOM is not JSON");
        assert_eq!(jws.payload_bytes().unwrap(), b"not json");
        assert_eq!(jws.segment(2), Some(&b""[..]));
        assert_eq!(compact(&[b"a", b"", b"b"]), "YQ..Yg");
    }
}
