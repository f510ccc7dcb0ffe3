//! The fuzz target bodies. Each takes any bytes, never panics, and returns a [`Violation`] when a
//! property fails; `fuzz/fuzz_targets/<name>.rs` panics on it, `tests/fuzz_corpus_replay.rs` asserts it
//! never happens for the committed corpus.

use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

use super::fixture::{NOW, fixture};
use super::oracle::{self, ClaimTime, Refusal};
use super::structured::{KeyMode, decode_differential};
use crate::profile::Profile;
use crate::profile::model::ProfileFile;
use crate::scenario::{self, LoadOptions};
use crate::token::b64;
use crate::token::jws::CompactJws;
use crate::token::keys::PublicKey;
use reference_server::auth::KeyStore;

/// A property of a fuzz target that did not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{target}: {message}")]
pub struct Violation {
    /// The target's name.
    pub target: &'static str,
    /// What went wrong, with the offending input where short enough.
    pub message: String,
}

fn violation(target: &'static str, message: impl Into<String>) -> Violation {
    Violation {
        target,
        message: message.into(),
    }
}

/// A fuzz target: its name (the `fuzz/fuzz_targets/<name>.rs` file and `fuzz/corpus/<name>/` folder)
/// and its body.
pub type Target = (&'static str, fn(&[u8]) -> Result<(), Violation>);

/// Every target, by name.
pub const TARGETS: &[Target] = &[
    ("jws_parser", jws_parser),
    ("verifier_differential", verifier_differential),
    ("jwks_parser", jwks_parser),
    ("scenario_loader", scenario_loader),
    ("profile_loader", profile_loader),
];

/// The forge's compact-JWS parser: exact round trip, segment bookkeeping, and strict re-encoding of
/// well-formed tokens.
pub fn jws_parser(data: &[u8]) -> Result<(), Violation> {
    const T: &str = "jws_parser";
    let jws = CompactJws::parse(data);
    if jws.serialize() != data {
        return Err(violation(T, "serialize() differs from the input"));
    }
    if CompactJws::parse(&jws.serialize()) != jws {
        return Err(violation(T, "parse(serialize(x)) != x"));
    }
    let dots = data.iter().filter(|&&b| b == b'.').count();
    if jws.segment_count() != dots + 1 {
        return Err(violation(T, "segment count is not dots + 1"));
    }
    let rejoined: Vec<&[u8]> = (0..jws.segment_count())
        .filter_map(|i| jws.segment(i))
        .collect();
    if rejoined.join(&b'.') != data {
        return Err(violation(T, "segments do not rejoin to the input"));
    }
    if let Some(input) = jws.signing_input()
        && !data.starts_with(input)
    {
        return Err(violation(T, "signing input is not a prefix of the input"));
    }
    if jws.is_well_formed() {
        let objects = jws.header().is_some_and(Value::is_object)
            && jws.claims().is_some_and(Value::is_object);
        let canonical = (0..3).all(|i| {
            let decoded = jws.decoded(i).and_then(|d| d.strict());
            decoded.map(b64::encode).as_deref().map(str::as_bytes) == jws.segment(i)
        });
        if !objects || !canonical || jws.uses_lenient_encoding() || jws.signature().is_none() {
            return Err(violation(T, "well-formed token without canonical parts"));
        }
    }
    let _ = jws.to_text();
    Ok(())
}

/// The reference server's full verification (header, key selection, signature, claims) against the
/// independent oracle: any token the reference accepts must be validly signed by a trusted key and carry
/// valid claims for the same user id.
pub fn verifier_differential(data: &[u8]) -> Result<(), Violation> {
    const T: &str = "verifier_differential";
    let Some(f) = fixture() else {
        return Err(violation(T, "the embedded fixture keys do not load"));
    };
    let input = decode_differential(data, f);
    let (verifier, keys) = match input.mode {
        KeyMode::Asymmetric => (&f.asymmetric, &f.asymmetric_keys),
        KeyMode::Hmac => (&f.hmac, &f.hmac_keys),
    };
    let reference = verifier.verify_token(&input.token, NOW).map(|id| id.sub);
    let independent = oracle::verify(input.token.as_bytes(), keys, &f.rules, ClaimTime::at(NOW));
    differential_verdict(reference.ok().as_deref(), &independent, &input.token)
}

/// The differential's decision: a reference acceptance (`Some(user id)`) must be matched by an oracle
/// acceptance of the same user id.
pub(crate) fn differential_verdict(
    reference: Option<&str>,
    independent: &Result<String, Refusal>,
    token: &str,
) -> Result<(), Violation> {
    const T: &str = "verifier_differential";
    match (reference, independent) {
        (Some(sub), Ok(user)) if sub != user => Err(violation(
            T,
            format!("identities differ: reference {sub:?}, oracle {user:?}; token {token}"),
        )),
        (Some(_), Err(refusal)) => Err(violation(
            T,
            format!(
                "the reference verifier accepted a token the oracle refuses ({refusal}): {token}"
            ),
        )),
        _ => Ok(()),
    }
}

/// The reference server's JWKS parser and the forge's JWK reader: never panic; every key the store keeps
/// is selectable by its kid and verifies some algorithm; every JWK the forge reads survives
/// `to_jwk`/`from_jwk`.
pub fn jwks_parser(data: &[u8]) -> Result<(), Violation> {
    const T: &str = "jwks_parser";
    if let Ok(store) = KeyStore::from_jwks_json(data) {
        for key in store.keys() {
            if key.algorithms().is_empty() {
                return Err(violation(T, "a kept key verifies no algorithm"));
            }
            if let Some(kid) = key.kid()
                && store.select(Some(kid)).map(|k| k.kid()) != Ok(Some(kid))
            {
                return Err(violation(T, format!("key {kid:?} is not selectable")));
            }
            let _ = key.spki_pem();
        }
        let _ = store.select(None);
    }
    if let Ok(document) = serde_json::from_slice::<Value>(data) {
        let entries = match document.get("keys") {
            Some(Value::Array(keys)) => keys.clone(),
            _ => vec![document],
        };
        for entry in &entries {
            if let Ok(key) = PublicKey::from_jwk(entry) {
                let again = PublicKey::from_jwk(&key.to_jwk()).ok();
                if again.as_ref() != Some(&key) {
                    return Err(violation(
                        T,
                        format!("JWK does not survive to_jwk/from_jwk: {entry}"),
                    ));
                }
                let _ = (key.spki_pem(), key.openssh());
            }
        }
    }
    Ok(())
}

/// The scenario loader: parse any text; a file that parses is then checked and expanded against the
/// embedded reference profile through [`scenario::load_suite`]. Errors are fine, panics are not.
pub fn scenario_loader(data: &[u8]) -> Result<(), Violation> {
    const T: &str = "scenario_loader";
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(());
    };
    let path = Path::new("fuzz.yaml");
    match scenario::parse_file(path, text) {
        Err(err) => {
            let _ = err.to_string();
        }
        Ok(_) => {
            let Some(profile) = embedded_profile() else {
                return Err(violation(T, "the embedded profile does not load"));
            };
            let file = scratch_file();
            if std::fs::write(&file, text).is_ok() {
                let options = LoadOptions::for_profile(profile);
                if let Err(errors) =
                    scenario::load_suite(std::slice::from_ref(&file), profile, &options)
                {
                    let _: Vec<String> = errors.iter().map(ToString::to_string).collect();
                }
            }
        }
    }
    Ok(())
}

/// The profile loader (YAML into [`ProfileFile`]): errors are fine, panics are not; an error must carry
/// the file name.
pub fn profile_loader(data: &[u8]) -> Result<(), Violation> {
    const T: &str = "profile_loader";
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(());
    };
    let path = Path::new("fuzz-profile.yaml");
    if let Err(err) = crate::yaml::parse_str::<ProfileFile>(path, text)
        && !err.to_string().starts_with("fuzz-profile.yaml")
    {
        return Err(violation(T, format!("error without the file name: {err}")));
    }
    Ok(())
}

fn embedded_profile() -> Option<&'static Profile> {
    static PROFILE: OnceLock<Option<Profile>> = OnceLock::new();
    PROFILE
        .get_or_init(|| Profile::embedded_reference().ok())
        .as_ref()
}

/// A per-process scratch file for [`scenario_loader`] (`load_suite` reads files).
fn scratch_file() -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "authconform-fuzz-scenario-{}.yaml",
        std::process::id()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_accept_trivial_inputs() {
        for (name, target) in TARGETS {
            for input in [
                &b""[..],
                b"\x00",
                b"\x01",
                b"\x02",
                b"{}",
                b"a.b.c",
                b"\xff\xfe",
            ] {
                assert_eq!(target(input), Ok(()), "{name} on {input:?}");
            }
        }
    }

    #[test]
    fn differential_decision_table() {
        assert_eq!(verifier_differential(&[0]), Ok(()));
        assert_eq!(
            differential_verdict(None, &Err(Refusal::Malformed), "t"),
            Ok(())
        );
        assert_eq!(differential_verdict(None, &Ok("a".into()), "t"), Ok(()));
        assert_eq!(
            differential_verdict(Some("a"), &Ok("a".into()), "t"),
            Ok(())
        );
        assert!(differential_verdict(Some("a"), &Ok("b".into()), "t").is_err());
        let err = differential_verdict(Some("a"), &Err(Refusal::Signature), "t.o.k").unwrap_err();
        assert!(
            err.message.contains("t.o.k") && err.message.contains("signature"),
            "{err}"
        );
    }
}
