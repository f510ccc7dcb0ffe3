//! The vocabulary of structure-aware token mutation, shared by the differential fuzz target and the
//! network fuzzer: `alg` names, header parameter and claim names, values of every JSON type, time offsets
//! around the leeway, and bytes that confuse base64url and HTTP parsers. `fuzz/jwt.dict` holds the same
//! words for libFuzzer.

use serde_json::{Value, json};

/// `alg` values: the registered ones, `none` in several spellings, and near misses.
pub const ALG_NAMES: &[&str] = &[
    "EdDSA",
    "RS256",
    "ES256",
    "ES384",
    "HS256",
    "HS384",
    "HS512",
    "PS256",
    "RS384",
    "RS512",
    "none",
    "None",
    "NONE",
    "nOnE",
    "",
    "ES512",
    "Ed25519",
    "eddsa",
    "EdDSA ",
    "HS256\u{0}",
    "dir",
    "RSA-OAEP",
];

/// Header parameter names, the dangerous ones first.
pub const HEADER_NAMES: &[&str] = &[
    "alg", "kid", "typ", "crit", "b64", "cty", "jku", "jwk", "x5u", "x5c", "x5t", "enc", "zip",
    "nonce", "url", "iss", "sub",
];

/// Claim names, the registered ones first.
pub const CLAIM_NAMES: &[&str] = &[
    "sub", "exp", "nbf", "iat", "iss", "aud", "jti", "user_id", "id", "role", "roles", "scope",
    "admin", "email", "azp", "tenant", "org_id",
];

/// `kid` values: path traversal, injection, empty, huge numbers.
pub const KID_VALUES: &[&str] = &[
    "",
    "../../../../../../dev/null",
    "/dev/null",
    "' OR '1'='1",
    "unknown-kid",
    "0",
    "test-ed25519\u{0}",
    "%00",
    "http://127.0.0.1:9/jwks.json",
];

/// Offsets from "now" in seconds for `exp`, `nbf`, `iat`, around a leeway `l` (taken as 30 when the
/// caller has none): boundaries, minutes, days, far past and future.
pub fn time_offsets(leeway: i64) -> [i64; 17] {
    [
        0,
        1,
        -1,
        leeway,
        -leeway,
        leeway + 1,
        -leeway - 1,
        leeway - 1,
        -leeway + 1,
        60,
        -60,
        900,
        -900,
        86_400,
        -86_400,
        i64::from(i32::MAX),
        -i64::from(i32::MAX),
    ]
}

/// A value of some JSON type: `index` selects it (modulo the pool size). `near` is a string that makes
/// sense for the member being mutated (e.g. the issuer), used for near-miss variants.
pub fn value(index: usize, near: &str) -> Value {
    const POOL: usize = 26;
    match index % POOL {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(false),
        3 => json!(0),
        4 => json!(-1),
        5 => json!(1.5),
        6 => json!(1e300),
        7 => json!(u64::MAX),
        8 => json!(i64::MIN),
        9 => json!(""),
        10 => json!(" "),
        11 => json!("none"),
        12 => json!([]),
        13 => json!({}),
        14 => json!([near]),
        15 => json!([near, near]),
        16 => json!({"": near}),
        17 => json!(format!("{near} ")),
        18 => json!(format!(" {near}")),
        19 => json!(near.to_uppercase()),
        20 => json!(format!("{near}\u{0}")),
        21 => json!(format!("{near}/")),
        22 => json!("x".repeat(4096)),
        23 => json!(near.get(..near.len() / 2).unwrap_or_default()),
        24 => json!(format!("{near}\u{202e}")),
        _ => json!([[[[[[[[[[[[[[[[near]]]]]]]]]]]]]]]]),
    }
}

/// Number of distinct values [`value`] returns.
pub const VALUE_COUNT: usize = 26;

/// Bytes that break base64url, segment splitting and header parsing.
pub const RAW_BYTES: &[&str] = &[
    ".", "..", "=", "==", "+", "/", " ", "\t", "%2e", "%00", "\\", "\"", "{", "}", "*", "-", "_",
    "A", "eyJ", "\u{ff}", "\u{feff}",
];

/// Authorization schemes other than `Bearer`.
pub const SCHEMES: &[&str] = &[
    "bearer", "BEARER", "Token", "JWT", "Basic", "Bearer ", "Bearer\t", "DPoP",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_are_usable() {
        let distinct: std::collections::BTreeSet<String> = (0..VALUE_COUNT)
            .map(|i| value(i, "iss").to_string())
            .collect();
        assert_eq!(distinct.len(), VALUE_COUNT);
        assert_eq!(value(VALUE_COUNT, "x"), Value::Null);
        assert!(time_offsets(30).contains(&-31));
        assert!(ALG_NAMES.contains(&"none") && HEADER_NAMES[0] == "alg");
    }
}
