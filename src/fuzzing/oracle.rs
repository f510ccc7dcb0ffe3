//! The independent verification path: decides whether a token is validly signed by a trusted key and
//! carries valid claims, with the forge's own parser ([`CompactJws`]) and signature code
//! ([`crate::token::sign`]), never with the reference server's verifier or `jsonwebtoken`'s validation.
//!
//! It is deliberately *lenient* where the specification allows a choice (it ignores `kid`, `typ`, `cty`,
//! duplicate members, non-numeric `nbf`/`iat`): it must accept every token a correct verifier accepts,
//! so that "the reference accepted it but the oracle did not" is always a bug, and "a target answered 2xx
//! to a token the oracle refuses" is always a finding.

use std::fmt;

use serde_json::{Map, Value};

use crate::token::jws::CompactJws;
use crate::token::keys::PublicKey;
use crate::token::{Alg, AlgFamily, sign};

/// The keys and algorithms a verifier trusts.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    /// The `alg` values allowed (the allowlist).
    pub algorithms: Vec<Alg>,
    /// Public keys for asymmetric algorithms.
    pub public: Vec<PublicKey>,
    /// The shared secret for HMAC algorithms.
    pub hmac_secret: Option<Vec<u8>>,
}

/// The claim rules of the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRules {
    /// Required `iss`, if the verifier checks one.
    pub issuer: Option<String>,
    /// Required audience (`aud` string, or array containing it), if checked.
    pub audience: Option<String>,
    /// The claim carrying the user id (`sub` by default): a non-empty string.
    pub user_claim: String,
    /// Clock leeway in seconds for `exp`, `nbf`, `iat`.
    pub leeway_secs: u64,
}

/// When the verification happened: the target read its clock at some instant between `earliest` (just
/// before the request was sent) and `latest` (just after the answer). `exp` is judged at `earliest` and
/// `nbf`/`iat` at `latest`, so that a token the target may have accepted is never called invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimTime {
    /// Unix seconds, lower bound.
    pub earliest: u64,
    /// Unix seconds, upper bound.
    pub latest: u64,
}

impl ClaimTime {
    /// One exact instant.
    pub fn at(now: u64) -> Self {
        ClaimTime {
            earliest: now,
            latest: now,
        }
    }
}

/// Why the oracle refuses a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not three strict base64url segments with JSON-object header and claims.
    Malformed,
    /// `alg` missing, not a string, or not in the allowlist.
    Algorithm,
    /// A header parameter that forbids acceptance (`crit`, `b64` other than `true`).
    Header(&'static str),
    /// No trusted key verifies the signature.
    Signature,
    /// A claim is missing, mistyped, or out of its time window.
    Claim(&'static str),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Malformed => f.write_str("malformed"),
            Refusal::Algorithm => f.write_str("algorithm not allowed"),
            Refusal::Header(name) => write!(f, "header parameter {name}"),
            Refusal::Signature => f.write_str("no trusted key verifies the signature"),
            Refusal::Claim(name) => write!(f, "claim {name} invalid"),
        }
    }
}

/// Verifies `token` and returns its user id, or why it must be refused.
pub fn verify(
    token: &[u8],
    keys: &TrustedKeys,
    rules: &ClaimRules,
    time: ClaimTime,
) -> Result<String, Refusal> {
    let jws = CompactJws::parse(token);
    if !jws.is_well_formed() {
        return Err(Refusal::Malformed);
    }
    let (Some(Value::Object(header)), Some(Value::Object(claims))) = (jws.header(), jws.claims())
    else {
        return Err(Refusal::Malformed);
    };
    let alg = match header.get("alg") {
        Some(Value::String(name)) => name.parse::<Alg>().map_err(|_| Refusal::Algorithm)?,
        _ => return Err(Refusal::Algorithm),
    };
    if !keys.algorithms.contains(&alg) {
        return Err(Refusal::Algorithm);
    }
    if header.contains_key("crit") {
        return Err(Refusal::Header("crit"));
    }
    if header.get("b64").is_some_and(|b| *b != Value::Bool(true)) {
        return Err(Refusal::Header("b64"));
    }
    let (Some(input), Some(signature)) = (jws.signing_input(), jws.signature()) else {
        return Err(Refusal::Malformed);
    };
    if !signature_verifies(alg, keys, input, signature) {
        return Err(Refusal::Signature);
    }
    check_claims(claims, rules, time)
}

fn signature_verifies(alg: Alg, keys: &TrustedKeys, input: &[u8], signature: &[u8]) -> bool {
    if alg.family() == AlgFamily::Hmac {
        return keys
            .hmac_secret
            .as_deref()
            .is_some_and(|secret| sign::hmac_verify(alg, secret, input, signature));
    }
    keys.public
        .iter()
        .any(|key| sign::verify(alg, key, input, signature))
}

/// The claim rules alone: the user-id claim a non-empty string, `exp` a number not passed (with leeway),
/// numeric `nbf`/`iat` not in the future (with leeway), `iss` and `aud` as configured.
pub fn check_claims(
    claims: &Map<String, Value>,
    rules: &ClaimRules,
    time: ClaimTime,
) -> Result<String, Refusal> {
    let user = match claims.get(&rules.user_claim) {
        Some(Value::String(user)) if !user.is_empty() => user.clone(),
        _ => return Err(Refusal::Claim("user id")),
    };
    let leeway = rules.leeway_secs as f64;
    let number = |name: &str| claims.get(name).and_then(Value::as_f64);
    match number("exp") {
        Some(exp) if (time.earliest as f64) < exp + leeway => {}
        _ => return Err(Refusal::Claim("exp")),
    }
    if number("nbf").is_some_and(|nbf| nbf > time.latest as f64 + leeway) {
        return Err(Refusal::Claim("nbf"));
    }
    if number("iat").is_some_and(|iat| iat > time.latest as f64 + leeway) {
        return Err(Refusal::Claim("iat"));
    }
    if let Some(issuer) = &rules.issuer
        && claims.get("iss").and_then(Value::as_str) != Some(issuer.as_str())
    {
        return Err(Refusal::Claim("iss"));
    }
    if let Some(audience) = &rules.audience {
        let ok = match claims.get("aud") {
            Some(Value::String(aud)) => aud == audience,
            Some(Value::Array(items)) => items.iter().any(|a| a.as_str() == Some(audience)),
            _ => false,
        };
        if !ok {
            return Err(Refusal::Claim("aud"));
        }
    }
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzing::fixture::{ISSUER, NOW, fixture};
    use crate::token::jws::Forge;
    use serde_json::json;

    fn claims(exp: Value) -> Value {
        json!({"sub": "alice", "iss": ISSUER, "aud": [ISSUER, "x"], "exp": exp, "iat": NOW})
    }

    #[test]
    fn valid_token_and_refusals() {
        let f = fixture().unwrap();
        let header = json!({"alg": "EdDSA", "kid": "anything"});
        let key = &f.keys[0];
        let ok = Forge::from_json(&header, &claims(json!(NOW + 60)))
            .sign(key)
            .unwrap();
        let verify = |t: &str| {
            verify(
                t.as_bytes(),
                &f.asymmetric_keys,
                &f.rules,
                ClaimTime::at(NOW),
            )
        };
        assert_eq!(verify(&ok), Ok("alice".into()));
        let expired = Forge::from_json(&header, &claims(json!(NOW - 30)))
            .sign(key)
            .unwrap();
        assert_eq!(verify(&expired), Err(Refusal::Claim("exp")));
        let within = Forge::from_json(&header, &claims(json!(NOW as f64 - 29.5)))
            .sign(key)
            .unwrap();
        assert!(verify(&within).is_ok());
        let none = Forge::from_json(&json!({"alg": "none"}), &claims(json!(NOW + 60))).unsigned();
        assert_eq!(verify(&none), Err(Refusal::Algorithm));
        let crit = Forge::from_json(&json!({"alg": "EdDSA", "crit": []}), &claims(json!(NOW)))
            .sign(key)
            .unwrap();
        assert_eq!(verify(&crit), Err(Refusal::Header("crit")));
        let tampered = format!("{}x", &ok[..ok.len() - 1]);
        assert!(verify(&tampered).is_err());
        assert_eq!(verify("a.b"), Err(Refusal::Malformed));
    }

    #[test]
    fn time_window_is_lenient_on_both_ends() {
        let rules = &fixture().unwrap().rules;
        let c = claims(json!(NOW));
        let map = c.as_object().unwrap();
        let window = ClaimTime {
            earliest: NOW - 30 - 1,
            latest: NOW + 100,
        };
        assert!(check_claims(map, rules, window).is_ok());
        assert!(check_claims(map, rules, ClaimTime::at(NOW + 30)).is_err());
        let mut future = map.clone();
        future.insert("nbf".into(), json!(NOW + 31));
        assert!(check_claims(&future, rules, ClaimTime::at(NOW - 1)).is_err());
        assert!(check_claims(&future, rules, ClaimTime::at(NOW + 1)).is_ok());
    }
}
