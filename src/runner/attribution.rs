//! One cause, one name. When the target accepts tokens whose signature was merely broken (a flipped
//! bit, an empty or truncated signature, an attacker's key), every token it accepted that no trusted
//! key signed is explained by that: it is named `signature-not-verified`, not after the mechanism its
//! probe tried (alg none, an embedded key, an HMAC keyed with the public key, ...).

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::result::{CaseResult, Verdict};
use crate::scenario::plan::Weakness;
use crate::token::mint::IssuerSettings;
use crate::token::sign;

/// The probes whose acceptance shows, by itself, that signatures are not verified.
const PLAIN_FORGERIES: &[&str] = &[
    "signature-bit-flipped",
    "signature-empty",
    "signature-truncated",
    "signature-from-another-token",
    "signed-with-attacker-key",
    "payload-tampered",
    "header-tampered",
];

/// The weakness that explains the others.
const SIGNATURE_NOT_VERIFIED: &str = "signature-not-verified";

/// Renames the failures explained by unverified signatures, operation by operation. `bindings` are
/// the cases' matrix values, in the same order as `cases`.
pub fn fold(cases: &mut [CaseResult], bindings: &[Vec<(String, String)>], issuer: &IssuerSettings) {
    let unverified: BTreeSet<&str> = cases
        .iter()
        .zip(bindings)
        .filter(|(case, _)| {
            case.verdict == Verdict::Fail
                && accepted_probe(case).is_some_and(|id| PLAIN_FORGERIES.contains(&id))
        })
        .filter_map(|(_, bindings)| operation(bindings))
        .collect();
    if unverified.is_empty() {
        return;
    }
    let unverified: BTreeSet<String> = unverified.into_iter().map(str::to_string).collect();
    for (case, bindings) in cases.iter_mut().zip(bindings) {
        let on_unverified = operation(bindings).is_some_and(|op| unverified.contains(op));
        if case.verdict != Verdict::Fail
            || !on_unverified
            || case.weakness.id == SIGNATURE_NOT_VERIFIED
        {
            continue;
        }
        let forged = culprit_token(case).is_some_and(|token| !signed_by_issuer(token, issuer));
        if forged && accepted_probe(case).is_some() {
            case.reason = format!(
                "{} (a token no trusted key signed; this operation accepts broken signatures)",
                case.reason
            );
            case.weakness = Weakness {
                id: SIGNATURE_NOT_VERIFIED.to_string(),
                cwe: Some(347),
            };
        }
    }
}

/// The `operation` matrix value of a case.
fn operation(bindings: &[(String, String)]) -> Option<&str> {
    bindings
        .iter()
        .find(|(name, _)| name == "operation")
        .map(|(_, value)| value.as_str())
}

/// The mutation whose token the target accepted, when a 2xx answer to it broke the case.
fn accepted_probe(case: &CaseResult) -> Option<&str> {
    let exchange = case.culprit.and_then(|index| case.exchanges.get(index))?;
    let accepted = exchange
        .response
        .as_ref()
        .is_some_and(|response| (200..300).contains(&response.status));
    accepted.then_some(exchange.mutation.as_deref()).flatten()
}

fn culprit_token(case: &CaseResult) -> Option<&str> {
    case.culprit
        .and_then(|index| case.exchanges.get(index))
        .and_then(|exchange| exchange.token.as_deref())
}

/// Whether `token` is a compact JWS whose signature verifies under the issuer's key and algorithm.
pub fn signed_by_issuer(token: &str, issuer: &IssuerSettings) -> bool {
    let mut parts = token.rsplitn(2, '.');
    let (Some(signature), Some(input)) = (parts.next(), parts.next()) else {
        return false;
    };
    if input.matches('.').count() != 1 {
        return false;
    }
    let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    let Some(key) = &issuer.key else {
        return false;
    };
    if let Some(secret) = key.hmac_secret() {
        return sign::hmac_verify(issuer.alg, secret.expose(), input.as_bytes(), &signature);
    }
    key.public_key()
        .is_some_and(|public| sign::verify(issuer.alg, &public, input.as_bytes(), &signature))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::runner::result::{ExchangeRecord, Phase, ReceivedResponse, SentRequest};
    use crate::scenario::plan::Category;
    use crate::token::keys::{KeyKind, SigningKey};
    use crate::token::mint::{FixedClock, Principal, mint};

    fn issuer() -> IssuerSettings {
        let key = SigningKey::generate(KeyKind::Ed25519, None).unwrap();
        IssuerSettings::new(key, "iss", "aud")
    }

    fn accepted(id: &str, weakness: &str, mutation: &str, token: &str) -> CaseResult {
        CaseResult {
            id: id.into(),
            scenario: 0,
            category: Category::Enforcement,
            weakness: Weakness {
                id: weakness.into(),
                cwe: None,
            },
            verdict: Verdict::Fail,
            reason: "accepted: answered 200 where 401 was expected".into(),
            culprit: Some(0),
            exchanges: vec![ExchangeRecord {
                phase: Phase::Step,
                index: 0,
                actor: "alice".into(),
                token: Some(token.into()),
                mutation: Some(mutation.into()),
                request: SentRequest {
                    method: "GET".into(),
                    url: "http://127.0.0.1:1/".into(),
                    headers: Vec::new(),
                    body: None,
                },
                response: Some(ReceivedResponse {
                    status: 200,
                    headers: Vec::new(),
                    body: "[]".into(),
                    body_truncated: false,
                    elapsed: Duration::ZERO,
                }),
                error: None,
            }],
            duration: Duration::ZERO,
        }
    }

    #[test]
    fn only_the_issuers_signature_counts_as_signed() {
        let issuer = issuer();
        let token = mint(
            &Principal::new("alice", "alice"),
            &issuer,
            &FixedClock(1_000),
        )
        .unwrap();
        assert!(signed_by_issuer(&token, &issuer));
        let mut flipped = token.clone();
        let last = flipped.pop().unwrap();
        flipped.push(if last == 'A' { 'B' } else { 'A' });
        assert!(!signed_by_issuer(&flipped, &issuer));
        assert!(!signed_by_issuer("a.b", &issuer));
        assert!(!signed_by_issuer("eyJhbGciOiJub25lIn0.e30.", &issuer));
    }

    #[test]
    fn forged_acceptances_on_an_unverifying_operation_are_named_signature_not_verified() {
        let issuer = issuer();
        let signed = mint(
            &Principal::new("alice", "alice"),
            &issuer,
            &FixedClock(1_000),
        )
        .unwrap();
        let on = |op: &str| vec![("operation".to_string(), op.to_string())];
        let mut cases = vec![
            accepted(
                "flip",
                "signature-not-verified",
                "signature-bit-flipped",
                "x.y.z",
            ),
            accepted(
                "none",
                "alg-none-accepted",
                "alg-none",
                "eyJhbGciOiJub25lIn0.e30.",
            ),
            accepted("expired", "expiry-not-enforced", "expired", &signed),
            accepted(
                "elsewhere",
                "alg-none-accepted",
                "alg-none",
                "eyJhbGciOiJub25lIn0.e30.",
            ),
        ];
        let bindings = vec![on("a"), on("a"), on("a"), on("b")];
        fold(&mut cases, &bindings, &issuer);
        let names: Vec<&str> = cases.iter().map(|c| c.weakness.id.as_str()).collect();
        assert_eq!(
            names,
            [
                "signature-not-verified",
                "signature-not-verified",
                "expiry-not-enforced",
                "alg-none-accepted"
            ]
        );
        assert!(cases[1].reason.contains("broken signatures"));
    }
}
