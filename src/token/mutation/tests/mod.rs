//! Structural checks: every catalog id has an arm in [`check`], and every mutation is applied and checked
//! for every issuer key type of the fixtures (Ed25519, RSA, P-256, P-384, HS256).
//!
//! The arms of [`check`] are split by family into one module each (claims, algorithm, signature,
//! header, encoding, transport), in catalog order; the shared fixtures are in `fixtures`.

mod algorithm;
mod catalog;
mod claims;
mod context;
mod encoding;
mod fixtures;
mod header;
mod signature;
mod transport;

use fixtures::{KINDS, Probe, ctx_for};

use super::*;
use crate::token::jws::CompactJws;
use crate::token::keys::KeyKind;

/// When a mutation must answer `NotApplicable` for an issuer kind.
fn not_applicable(id: &str, kind: KeyKind) -> bool {
    let hmac = kind == KeyKind::Hmac;
    let ec = matches!(kind, KeyKind::EcP256 | KeyKind::EcP384);
    if id.contains("-with-public-key-") {
        return hmac || (id.contains("pkcs1") && kind != KeyKind::Rsa);
    }
    match id {
        "ecdsa-psychic-signature"
        | "ecdsa-psychic-signature-der"
        | "ecdsa-psychic-signature-es384" => hmac,
        "kid-unknown" | "kid-number" | "kid-null" | "kid-empty" | "kid-oversized" => hmac,
        "alg-hs384-same-secret" | "alg-hs512-same-secret" => !hmac,
        "alg-rs512-same-key" | "alg-ps256-same-key" => kind != KeyKind::Rsa,
        "ecdsa-signature-der-encoded"
        | "ecdsa-signature-extra-byte"
        | "ecdsa-signature-r-equals-order"
        | "ecdsa-high-s" => !ec,
        "eddsa-noncanonical-s" => kind != KeyKind::Ed25519,
        "jwe-encrypted-to-public-key" => matches!(kind, KeyKind::Hmac | KeyKind::Ed25519),
        // A 96-byte ES384 signature has no unused base64 bits.
        "base64-noncanonical-signature" => kind == KeyKind::EcP384,
        _ => false,
    }
}

/// The structural checks of each family, in catalog order: the first that knows an id checks it.
const FAMILIES: [fn(&str, &Probe<'_>) -> bool; 20] = [
    claims::times_issuer_audience,
    claims::subject_and_shape,
    algorithm::alg_header,
    algorithm::public_key_as_secret,
    algorithm::empty_secret,
    algorithm::ecdsa_signatures,
    algorithm::curve_edge_values,
    signature::stripped_and_foreign,
    signature::tampered,
    header::key_ids,
    header::key_urls,
    header::embedded_keys_and_critical,
    header::nested_and_url_claims,
    encoding::base64,
    encoding::json_and_bytes,
    encoding::duplicates_and_segments,
    encoding::jwe,
    encoding::serializations_and_literals,
    transport::placements,
    transport::schemes_and_duplicates,
];

/// The structural check of one mutation's output. Every catalog id must have an arm.
fn check(id: &str, ctx: &MutationContext, req: &AttackRequest) {
    let jws = CompactJws::parse(req.token.as_deref().unwrap_or_default().as_bytes());
    let p = Probe { ctx, req, jws };
    if req.placement == Placement::Bearer && !id.starts_with("duplicate-authorization") {
        assert!(req.token.is_some(), "bearer without token");
    }
    if !FAMILIES.iter().any(|family| family(id, &p)) {
        panic!("no structural check for mutation {id}");
    }
}

#[test]
fn every_mutation_produces_the_expected_bytes_for_every_issuer_kind() {
    for kind in KINDS {
        let ctx = ctx_for(kind);
        for mutation in catalog() {
            let outcome = mutation.apply(&ctx);
            if not_applicable(mutation.id, kind) {
                assert!(
                    matches!(outcome, Err(MutationError::NotApplicable(_))),
                    "{} with a {kind} issuer should be not applicable, got {outcome:?}",
                    mutation.id
                );
                continue;
            }
            let request =
                outcome.unwrap_or_else(|e| panic!("{} with a {kind} issuer: {e}", mutation.id));
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                check(mutation.id, &ctx, &request)
            }));
            if result.is_err() {
                panic!(
                    "structural check of {} failed with a {kind} issuer",
                    mutation.id
                );
            }
        }
    }
}
