//! Turns fuzzer bytes into a token for the verifier differential: either the bytes themselves, or a token
//! built from choices (header and claims members, their values, segment encodings, and how it is signed),
//! so that libFuzzer explores validly signed tokens with odd claims, not only broken signatures.
//!
//! Input layout: one control byte (bit 0: raw token, bit 1: HMAC verifier), then either the raw token or
//! the choices read by a [`ByteReader`]. Every choice 0 is the canonical valid one: the input `[0]` is a
//! valid EdDSA token, `[2]` a valid HS256 one.

use serde_json::{Value, json};

use super::bytes::ByteReader;
use super::fixture::{Fixture, ISSUER, KIDS, LEEWAY_SECS, NOW};
use super::members::{Members, render_members};
use super::vocab::{self, ALG_NAMES, CLAIM_NAMES, HEADER_NAMES, KID_VALUES, VALUE_COUNT};
use crate::token::{Alg, AlgFamily, b64, sign};

/// Which reference verifier judges the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMode {
    /// The JWKS of the four issuer keys; EdDSA, RS256, ES256, ES384 allowed.
    Asymmetric,
    /// The issuer's HS256 secret; HS256 allowed.
    Hmac,
}

/// A decoded differential input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DifferentialInput {
    /// Which verifier configuration.
    pub mode: KeyMode,
    /// The token text.
    pub token: String,
}

/// Decodes fuzzer bytes into a token and a verifier configuration.
pub fn decode_differential(data: &[u8], fixture: &Fixture) -> DifferentialInput {
    let mut r = ByteReader::new(data);
    let control = r.byte();
    let mode = if control & 2 == 0 {
        KeyMode::Asymmetric
    } else {
        KeyMode::Hmac
    };
    let token = if control & 1 == 1 {
        String::from_utf8_lossy(r.rest()).into_owned()
    } else {
        build(&mut r, mode, fixture)
    };
    DifferentialInput { mode, token }
}

fn build(r: &mut ByteReader<'_>, mode: KeyMode, fixture: &Fixture) -> String {
    let canonical: &[&str] = match mode {
        KeyMode::Asymmetric => &["EdDSA", "RS256", "ES256", "ES384"],
        KeyMode::Hmac => &["HS256"],
    };
    let mut header: Members = Vec::new();
    let alg_choice = r.below(32);
    let alg_name = match alg_choice {
        0..=7 => Some(json!(canonical[alg_choice % canonical.len()])),
        8..=29 => Some(json!(ALG_NAMES[(alg_choice - 8) % ALG_NAMES.len()])),
        30 => None,
        _ => Some(vocab::value(r.below(VALUE_COUNT), "EdDSA")),
    };
    let alg = alg_name
        .as_ref()
        .and_then(Value::as_str)
        .and_then(|name| name.parse::<Alg>().ok());
    if let Some(name) = alg_name {
        header.push(("alg".into(), name));
    }
    let own_kid = alg
        .and_then(|a| fixture.key_for(a))
        .and_then(|k| k.kid())
        .map(str::to_string);
    match r.below(16) {
        0..=7 => {
            if let Some(kid) = own_kid {
                header.push(("kid".into(), json!(kid)));
            }
        }
        8..=11 => header.push(("kid".into(), json!(KIDS[r.below(KIDS.len())]))),
        12 | 13 => header.push(("kid".into(), json!(KID_VALUES[r.below(KID_VALUES.len())]))),
        14 => header.push(("kid".into(), vocab::value(r.below(VALUE_COUNT), KIDS[0]))),
        _ => {}
    }
    for _ in 0..r.below(4) {
        let name = HEADER_NAMES[r.below(HEADER_NAMES.len())];
        header.push((name.into(), vocab::value(r.below(VALUE_COUNT), name)));
    }

    let claims = claims(r);
    let header_text = render_members(&header);
    let payload_text = render_members(&claims);
    let input = format!(
        "{}.{}",
        encode(r, header_text.as_bytes()),
        encode(r, payload_text.as_bytes())
    );
    let signature = signature(r, alg, &input, fixture);
    match r.below(16) {
        14 => input,
        15 => format!("{input}.{}.x", b64::encode(&signature)),
        _ => format!("{input}.{}", b64::encode(&signature)),
    }
}

fn claims(r: &mut ByteReader<'_>) -> Members {
    let now = NOW as i64;
    let offsets = vocab::time_offsets(LEEWAY_SECS as i64);
    let time = |r: &mut ByteReader<'_>, base: i64| -> Value {
        let offset = offsets[r.below(offsets.len())];
        json!(base.saturating_add(offset))
    };
    let mut claims: Members = Vec::new();
    match r.below(16) {
        0..=9 => claims.push(("sub".into(), json!("alice"))),
        10 => {}
        11 => claims.push(("sub".into(), json!("bob"))),
        _ => claims.push(("sub".into(), vocab::value(r.below(VALUE_COUNT), "alice"))),
    }
    match r.below(24) {
        0..=5 => claims.push(("exp".into(), json!(now + 600))),
        6 => {}
        7..=20 => claims.push(("exp".into(), time(r, now))),
        21 | 22 => {
            let t = time(r, now).as_i64().unwrap_or(now) as f64 + 0.5;
            claims.push(("exp".into(), json!(t)));
        }
        _ => claims.push(("exp".into(), vocab::value(r.below(VALUE_COUNT), "exp"))),
    }
    match r.below(8) {
        0..=4 => {}
        5 | 6 => claims.push(("nbf".into(), time(r, now))),
        _ => claims.push(("nbf".into(), vocab::value(r.below(VALUE_COUNT), "nbf"))),
    }
    match r.below(8) {
        0..=3 => claims.push(("iat".into(), json!(now))),
        4 => {}
        5 | 6 => claims.push(("iat".into(), time(r, now))),
        _ => claims.push(("iat".into(), vocab::value(r.below(VALUE_COUNT), "iat"))),
    }
    match r.below(16) {
        0..=9 => claims.push(("iss".into(), json!(ISSUER))),
        10 => {}
        _ => claims.push(("iss".into(), vocab::value(r.below(VALUE_COUNT), ISSUER))),
    }
    match r.below(16) {
        0..=8 => claims.push(("aud".into(), json!(ISSUER))),
        9 => claims.push(("aud".into(), json!([ISSUER]))),
        10 => claims.push(("aud".into(), json!(["other", ISSUER]))),
        11 => {}
        12 => claims.push(("aud".into(), json!([ISSUER, 1]))),
        _ => claims.push(("aud".into(), vocab::value(r.below(VALUE_COUNT), ISSUER))),
    }
    for _ in 0..r.below(3) {
        let name = CLAIM_NAMES[r.below(CLAIM_NAMES.len())];
        claims.push((name.into(), vocab::value(r.below(VALUE_COUNT), name)));
    }
    claims
}

fn encode(r: &mut ByteReader<'_>, bytes: &[u8]) -> String {
    match r.below(16) {
        13 => b64::encode_padded(bytes),
        14 => b64::encode_standard_no_pad(bytes),
        15 => format!(" {}", b64::encode(bytes)),
        _ => b64::encode(bytes),
    }
}

fn signature(r: &mut ByteReader<'_>, alg: Option<Alg>, input: &str, fixture: &Fixture) -> Vec<u8> {
    let honest = |alg: Option<Alg>| -> Vec<u8> {
        match alg {
            Some(a) if a.family() == AlgFamily::Hmac => {
                sign::hmac(a, &fixture.hs256_secret, input.as_bytes())
            }
            Some(a) => fixture
                .key_for(a)
                .and_then(|k| k.sign_as(a, input.as_bytes()).ok())
                .unwrap_or_default(),
            None => Vec::new(),
        }
    };
    match r.below(16) {
        0..=9 => honest(alg),
        10 => {
            let key = &fixture.keys[r.below(fixture.keys.len())];
            key.sign(input.as_bytes()).unwrap_or_default()
        }
        11 => {
            let pems = fixture.public_pems();
            let pem = pems.get(r.below(pems.len())).cloned().unwrap_or_default();
            sign::hmac(Alg::Hs256, pem.as_bytes(), input.as_bytes())
        }
        12 => Vec::new(),
        13 => r.bytes(96).to_vec(),
        14 => {
            let mut sig = honest(alg);
            let bit = r.below(sig.len().saturating_mul(8));
            if let Some(byte) = sig.get_mut(bit / 8) {
                *byte ^= 1 << (bit % 8);
            }
            sig
        }
        _ => {
            let mut sig = honest(alg);
            sig.truncate(r.below(sig.len()));
            sig
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzing::fixture::fixture;

    #[test]
    fn zero_choices_make_valid_tokens() {
        let f = fixture().unwrap();
        let asym = decode_differential(&[0], f);
        assert_eq!(asym.mode, KeyMode::Asymmetric);
        assert_eq!(
            f.asymmetric.verify_token(&asym.token, NOW).map(|i| i.sub),
            Ok("alice".into())
        );
        let hmac = decode_differential(&[2], f);
        assert_eq!(hmac.mode, KeyMode::Hmac);
        assert!(
            f.hmac.verify_token(&hmac.token, NOW).is_ok(),
            "{}",
            hmac.token
        );
        let raw = decode_differential(b"\x01a.b.c", f);
        assert_eq!(raw.token, "a.b.c");
    }

    #[test]
    fn every_canonical_alg_is_signed_honestly() {
        let f = fixture().unwrap();
        for choice in 0..4u8 {
            let input = decode_differential(&[0, choice], f);
            assert!(
                f.asymmetric.verify_token(&input.token, NOW).is_ok(),
                "choice {choice}: {}",
                input.token
            );
        }
    }
}
