//! One cause, one name. When the target accepts tokens whose signature was merely broken (a flipped
//! bit, an empty or truncated signature, an attacker's key), every token it accepted that no trusted
//! key signed is explained by that: it is named `signature-not-verified`, not after the mechanism its
//! probe tried (alg none, an embedded key, an HMAC keyed with the public key, ...). And where an
//! operation answers a request with no token at all, every token it accepted is explained by that:
//! it is named `missing-token-accepted`. Where another user's plain, valid token already reaches the
//! victim's data on an operation, the ambiguous identity tokens that reach it there too add nothing:
//! they are named as that plain access is (`object-read-idor`, `path-user-not-checked`, ...).

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::outcome::{CaseResult, Verdict};
use crate::scenario::plan::{Case, Category, StepPlan, TokenPlan, Weakness};
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

/// The probe whose acceptance shows that an operation needs no token at all.
const NO_CREDENTIALS: &str = "no-credentials";

/// The weakness that explains every accepted token on such an operation.
const MISSING_TOKEN_ACCEPTED: &str = "missing-token-accepted";

/// What the fact cases established, operation by operation: the facts the renames read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// Operations that accepted a plain forgery ([`PLAIN_FORGERIES`]).
    unverified: BTreeSet<String>,
    /// Operations that answered a request with no token at all.
    open: BTreeSet<String>,
    /// Operations where another user's plain token got in, with the first such weakness in case order.
    plain: BTreeMap<String, Weakness>,
}

/// Renames the failures explained by unverified signatures, then by an operation that needs no
/// token, then by another user's plain access, operation by operation, and returns those facts.
/// `bindings` are the cases' matrix values, in the same order as `cases`. Each fact is read from the
/// cases once the previous renames are done, so a case named by one rename may show the next fact.
pub fn fold(
    cases: &mut [CaseResult],
    bindings: &[Vec<(String, String)>],
    issuer: &IssuerSettings,
) -> Facts {
    let mut facts = Facts {
        unverified: operations_where(cases, bindings, shows_unverified),
        ..Facts::default()
    };
    for (case, bindings) in cases.iter_mut().zip(bindings) {
        facts.rename_unverified(case, bindings, issuer);
    }
    facts.open = operations_where(cases, bindings, shows_open);
    for (case, bindings) in cases.iter_mut().zip(bindings) {
        facts.rename_open(case, bindings);
    }
    for (case, bindings) in cases.iter().zip(bindings) {
        if shows_plain_access(case)
            && let Some(op) = operation(bindings)
        {
            facts
                .plain
                .entry(op.to_string())
                .or_insert_with(|| case.weakness.clone());
        }
    }
    for (case, bindings) in cases.iter_mut().zip(bindings) {
        facts.rename_plain(case, bindings);
    }
    facts
}

/// Whether the case, once folded, would add a fact: a fact case, which [`fold`] must see with the
/// others (the runner runs those first, see [`is_fact`]).
pub fn shows_a_fact(case: &CaseResult) -> bool {
    shows_unverified(case) || shows_open(case) || shows_plain_access(case)
}

/// Whether a case of the plan may show a fact that [`fold`] reads: it probes a plain forgery or no
/// credentials, or it is an isolation case whose first attack step sends no catalog mutation.
pub fn is_fact(case: &Case, category: Category) -> bool {
    let probes = |step: &StepPlan| match &step.token {
        TokenPlan::Recipe {
            mutation: Some(mutation),
            ..
        } => Some(mutation.id),
        _ => None,
    };
    let probes_a_fact = case
        .all_steps()
        .filter_map(probes)
        .any(|id| id == NO_CREDENTIALS || PLAIN_FORGERIES.contains(&id));
    let first_mutated = case.steps.first().and_then(probes).is_some();
    probes_a_fact || (category == Category::Isolation && !first_mutated)
}

impl Facts {
    /// Renames one case as [`fold`] would, given the facts of the others: its verdict is final then.
    pub fn fold_one(
        &self,
        case: &mut CaseResult,
        bindings: &[(String, String)],
        issuer: &IssuerSettings,
    ) {
        self.rename_unverified(case, bindings, issuer);
        self.rename_open(case, bindings);
        self.rename_plain(case, bindings);
    }

    /// An accepted token no trusted key signed, on an operation that accepts broken signatures, is
    /// named `signature-not-verified`.
    fn rename_unverified(
        &self,
        case: &mut CaseResult,
        bindings: &[(String, String)],
        issuer: &IssuerSettings,
    ) {
        let on_unverified = operation(bindings).is_some_and(|op| self.unverified.contains(op));
        if case.verdict != Verdict::Fail
            || !on_unverified
            || case.weakness.id == SIGNATURE_NOT_VERIFIED
        {
            return;
        }
        let forged = culprit_token(case).is_some_and(|token| !signed_by_issuer(token, issuer));
        if forged && accepted_probe(case).is_some() {
            let weakness = Weakness {
                id: SIGNATURE_NOT_VERIFIED.to_string(),
                cwe: Some(347),
            };
            let why = "a token no trusted key signed; this operation accepts broken signatures";
            rename(case, weakness, why);
        }
    }

    /// Every accepted token on an operation that answers without one is named
    /// `missing-token-accepted`.
    fn rename_open(&self, case: &mut CaseResult, bindings: &[(String, String)]) {
        let on_open = operation(bindings).is_some_and(|op| self.open.contains(op));
        // A conformance note there (a lenient library default) is the same open door.
        if !matches!(case.verdict, Verdict::Fail | Verdict::Note)
            || !on_open
            || case.weakness.id == MISSING_TOKEN_ACCEPTED
            || accepted_probe(case).is_none()
        {
            return;
        }
        let weakness = Weakness {
            id: MISSING_TOKEN_ACCEPTED.to_string(),
            cwe: Some(306),
        };
        rename(case, weakness, "this operation answers without any token");
    }

    /// Isolation failures by a token mutation, on an operation where a plain request of another user
    /// (no mutation) already failed, take that plain failure's name.
    fn rename_plain(&self, case: &mut CaseResult, bindings: &[(String, String)]) {
        let Some(weakness) = operation(bindings).and_then(|op| self.plain.get(op)) else {
            return;
        };
        if case.verdict != Verdict::Fail
            || case.category != Category::Isolation
            || !mutated(case)
            || case.weakness == *weakness
        {
            return;
        }
        let why = format!(
            "another user's plain token already reaches this operation: {}",
            weakness.id
        );
        rename(case, weakness.clone(), &why);
    }
}

/// A plain forgery accepted: signatures are not verified on the case's operation.
fn shows_unverified(case: &CaseResult) -> bool {
    case.verdict == Verdict::Fail
        && accepted_probe(case).is_some_and(|id| PLAIN_FORGERIES.contains(&id))
}

/// A request with no token at all (not one that carried a cookie or another credential) accepted.
fn shows_open(case: &CaseResult) -> bool {
    case.verdict == Verdict::Fail
        && accepted_probe(case) == Some(NO_CREDENTIALS)
        && case.weakness.id == MISSING_TOKEN_ACCEPTED
}

/// Another user's plain token (no mutation) got in.
fn shows_plain_access(case: &CaseResult) -> bool {
    case.verdict == Verdict::Fail && case.category == Category::Isolation && !mutated(case)
}

/// Whether an attack step of the case sent a mutated token (its failure may show in a later re-read).
fn mutated(case: &CaseResult) -> bool {
    case.exchanges.iter().any(|exchange| {
        exchange.phase == crate::outcome::Phase::Step && exchange.mutation.is_some()
    })
}

/// The `operation` values of the cases that show something.
fn operations_where(
    cases: &[CaseResult],
    bindings: &[Vec<(String, String)>],
    shows: fn(&CaseResult) -> bool,
) -> BTreeSet<String> {
    cases
        .iter()
        .zip(bindings)
        .filter(|(case, _)| shows(case))
        .filter_map(|(_, bindings)| operation(bindings).map(str::to_string))
        .collect()
}

/// Names a failing case `weakness`, saying why on its reason line.
fn rename(case: &mut CaseResult, weakness: Weakness, why: &str) {
    case.reason = format!("{} ({why})", case.reason);
    case.verdict = Verdict::Fail;
    case.weakness = weakness;
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

/// Whether `token` is a compact JWS whose signature verifies under the issuer's key and algorithm (a
/// principal's valid token left out of the record is one).
pub fn signed_by_issuer(token: &str, issuer: &IssuerSettings) -> bool {
    if crate::outcome::is_redacted(token) {
        return true;
    }
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
    use crate::outcome::{ExchangeRecord, Phase, ReceivedResponse, SentRequest};

    use crate::token::keys::{KeyKind, SigningKey};
    use crate::token::mint::{FixedClock, Principal, mint};

    fn issuer() -> IssuerSettings {
        let key = SigningKey::generate(KeyKind::Ed25519, None).unwrap();
        IssuerSettings::new(key, "iss", "aud")
    }

    /// A valid token of alice, signed by `issuer`.
    fn alices_token(issuer: &IssuerSettings) -> String {
        mint(
            &Principal::new("alice", "alice"),
            issuer,
            &FixedClock(1_000),
        )
        .unwrap()
    }

    /// The bindings of a case on operation `op`.
    fn on(op: &str) -> Vec<(String, String)> {
        vec![("operation".to_string(), op.to_string())]
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
            gate: Default::default(),
        }
    }

    #[test]
    fn only_the_issuers_signature_counts_as_signed() {
        let issuer = issuer();
        let token = alices_token(&issuer);
        assert!(signed_by_issuer(&token, &issuer));
        assert!(signed_by_issuer(
            &crate::outcome::redacted_token("alice"),
            &issuer
        ));
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
        let signed = alices_token(&issuer);
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

    #[test]
    fn every_token_accepted_where_no_token_is_needed_is_named_missing_token_accepted() {
        let issuer = issuer();
        let signed = alices_token(&issuer);
        let mut cases = vec![
            accepted("open", "missing-token-accepted", "no-credentials", ""),
            accepted("expired", "expiry-not-enforced", "expired", &signed),
            accepted(
                "flip",
                "signature-not-verified",
                "signature-bit-flipped",
                "x.y.z",
            ),
            accepted("elsewhere", "expiry-not-enforced", "expired", &signed),
            accepted("lenient", "json-bom-accepted", "payload-bom", &signed),
        ];
        cases[0].exchanges[0].token = None;
        cases[4].verdict = Verdict::Note;
        let bindings = vec![
            on("legacy"),
            on("legacy"),
            on("legacy"),
            on("tasks.get"),
            on("legacy"),
        ];
        fold(&mut cases, &bindings, &issuer);
        let names: Vec<&str> = cases.iter().map(|c| c.weakness.id.as_str()).collect();
        assert_eq!(
            names,
            [
                "missing-token-accepted",
                "missing-token-accepted",
                "missing-token-accepted",
                "expiry-not-enforced",
                "missing-token-accepted"
            ]
        );
        assert_eq!(cases[4].verdict, Verdict::Fail);
        assert!(cases[1].reason.contains("answers without any token"));
    }

    #[test]
    fn ambiguous_tokens_where_a_plain_token_of_another_user_already_gets_in_take_its_name() {
        let isolation = |id: &str, weakness: &str, mutation: Option<&str>| {
            let mut case = accepted(id, weakness, mutation.unwrap_or("x"), "t");
            case.category = Category::Isolation;
            case.exchanges[0].mutation = mutation.map(str::to_string);
            case
        };
        let mut cases = vec![
            isolation("plain", "object-read-idor", None),
            isolation(
                "bob-token",
                "identity-confusion",
                Some("other-principal-sub"),
            ),
            isolation(
                "dup",
                "duplicate-members-accepted",
                Some("duplicate-sub-victim-last"),
            ),
            isolation(
                "other-op",
                "identity-confusion",
                Some("other-principal-sub"),
            ),
        ];
        let bindings = vec![
            on("tasks.get"),
            on("tasks.get"),
            on("tasks.get"),
            on("chat.send"),
        ];
        fold(&mut cases, &bindings, &issuer());
        let names: Vec<&str> = cases.iter().map(|c| c.weakness.id.as_str()).collect();
        assert_eq!(
            names,
            [
                "object-read-idor",
                "object-read-idor",
                "object-read-idor",
                "identity-confusion"
            ]
        );
        assert!(cases[1].reason.contains("plain token already reaches"));
    }
}
