//! Case generation and structure-aware mutation: start from a fresh valid token or a catalog attack, then
//! apply a few operators to the header and claims JSON (values of every type, removal, duplication), the
//! encodings, the signature, the raw text, the placement and the route.

use std::sync::Arc;

use serde_json::{Value, json};

use super::case::{Encoding, FuzzCase, Signature, TokenForm, TokenParts};
use crate::fuzzing::members::Members;
use crate::fuzzing::vocab::{
    self, ALG_NAMES, CLAIM_NAMES, HEADER_NAMES, KID_VALUES, RAW_BYTES, SCHEMES, VALUE_COUNT,
};
use crate::rng::Rng;
use crate::token::b64;
use crate::token::keys::{KeySet, PublicKey};
use crate::token::mint::{FixedClock, IssuerSettings, Principal, mint_at};
use crate::token::mutation::{AttackRequest, MutationContext, Placement, catalog};

/// Longest raw token the mutators build.
const MAX_RAW_LEN: usize = 32 * 1024;

/// A catalog attack usable as a starting point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogSeed {
    /// The mutation id.
    pub id: &'static str,
    /// The request it makes.
    pub attack: AttackRequest,
}

/// Catalog attacks against each principal as victim (the next principal as the other user), minted at
/// `now`; attacks that need the attacker host are left out.
pub fn catalog_seeds(
    issuer: &IssuerSettings,
    principals: &[Principal],
    target_key: Option<&PublicKey>,
    leeway_secs: u64,
    attacker: &KeySet,
    now: u64,
) -> Vec<Vec<CatalogSeed>> {
    (0..principals.len())
        .map(|i| {
            let other = &principals[(i + 1) % principals.len()];
            let mut ctx = MutationContext::new(
                issuer.clone(),
                principals[i].clone(),
                other.clone(),
                attacker.clone(),
                Arc::new(FixedClock(now)),
            );
            if let Some(key) = target_key {
                ctx.target_key = Some(key.clone());
            }
            ctx.leeway_secs = leeway_secs;
            catalog()
                .iter()
                .filter_map(|m| {
                    let attack = m.apply(&ctx).ok()?;
                    attack
                        .hosted
                        .is_empty()
                        .then_some(CatalogSeed { id: m.id, attack })
                })
                .collect()
        })
        .collect()
}

/// What generation and mutation draw on.
#[derive(Debug, Clone, Copy)]
pub struct CaseContext<'a> {
    /// The issuer the target trusts.
    pub issuer: &'a IssuerSettings,
    /// The principals, sorted by name.
    pub principals: &'a [Principal],
    /// Number of routes.
    pub routes: usize,
    /// Catalog attacks per victim principal.
    pub catalog: &'a [Vec<CatalogSeed>],
    /// The target's public key as SPKI PEM, for key confusion.
    pub public_pem: Option<&'a str>,
    /// Expected leeway in seconds.
    pub leeway_secs: u64,
    /// Now, Unix seconds.
    pub now: u64,
}

impl CaseContext<'_> {
    fn valid_token(&self, principal: usize) -> Option<String> {
        mint_at(self.principals.get(principal)?, self.issuer, self.now).ok()
    }

    fn principal_index(&self, sub: &str) -> Option<usize> {
        self.principals.iter().position(|p| p.sub == sub)
    }
}

/// Case number `index` of a run seeded with `seed`.
pub fn generate(ctx: &CaseContext<'_>, seed: u64, index: u64) -> FuzzCase {
    let mut rng = Rng::for_case(seed, index);
    let n = ctx.principals.len().max(1);
    let actor = rng.below(n);
    let seeds = ctx
        .catalog
        .get(actor)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let from_catalog = !seeds.is_empty() && rng.chance(2, 5);
    let mut case = if let (true, Some(seed)) = (from_catalog, rng.pick(seeds)) {
        let path_user = seed
            .attack
            .path_user
            .as_deref()
            .and_then(|sub| ctx.principal_index(sub))
            .unwrap_or(actor);
        FuzzCase {
            actor,
            path_user,
            resource_owner: path_user,
            route: 0,
            token: seed
                .attack
                .token
                .as_deref()
                .map_or(TokenForm::Absent, TokenForm::from_token),
            placement: seed.attack.placement.clone(),
            origin: format!("catalog {}", seed.id),
            steps: Vec::new(),
        }
    } else {
        FuzzCase {
            actor,
            path_user: actor,
            resource_owner: actor,
            route: 0,
            token: ctx
                .valid_token(actor)
                .map_or(TokenForm::Absent, |t| TokenForm::from_token(&t)),
            placement: Placement::Bearer,
            origin: format!(
                "valid token of {}",
                ctx.principals.get(actor).map_or("?", |p| p.name.as_str())
            ),
            steps: Vec::new(),
        }
    };
    case.route = rng.below(ctx.routes);
    if rng.chance(1, 5) {
        case.path_user = rng.below(n);
    }
    case.resource_owner = if rng.chance(1, 4) {
        rng.below(n)
    } else {
        case.path_user
    };
    let count = if from_catalog {
        rng.below(3)
    } else {
        1 + rng.below(4)
    };
    for _ in 0..count {
        mutate(&mut case, &mut rng, ctx);
    }
    case
}

/// Applies one random operator.
pub fn mutate(case: &mut FuzzCase, rng: &mut Rng, ctx: &CaseContext<'_>) {
    let choice = rng.below(20);
    let step = match (&mut case.token, choice) {
        (TokenForm::Parts(parts), 0..=2) => header_set(parts, rng, ctx),
        (TokenForm::Parts(parts), 3) => remove_member(parts, rng, true),
        (TokenForm::Parts(parts), 4) => duplicate_member(parts, rng, true),
        (TokenForm::Parts(parts), 5..=7) => claim_set(parts, rng, ctx, case.actor),
        (TokenForm::Parts(parts), 8) => remove_member(parts, rng, false),
        (TokenForm::Parts(parts), 9) => duplicate_member(parts, rng, false),
        (TokenForm::Parts(parts), 10) => {
            parts.signature = Signature::Resign;
            "resign"
        }
        (TokenForm::Parts(parts), 11) => damage_signature(parts, rng, ctx, case.actor),
        (TokenForm::Parts(parts), 12) => key_confusion(parts, rng, ctx),
        (TokenForm::Parts(parts), 13) => encoding(parts, rng),
        (_, 17) => placement(case, rng, ctx),
        (_, 18) => {
            case.path_user = rng.below(ctx.principals.len());
            "path-user"
        }
        (_, 19) => {
            case.route = rng.below(ctx.routes);
            case.resource_owner = rng.below(ctx.principals.len());
            "route"
        }
        (TokenForm::Absent, _) => placement(case, rng, ctx),
        _ => raw_edit(case, rng, ctx),
    };
    case.steps.push(step);
}

fn set_member(members: &mut Members, name: &str, value: Value) {
    match members.iter_mut().rev().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = value,
        None => members.push((name.to_string(), value)),
    }
}

fn header_set(parts: &mut TokenParts, rng: &mut Rng, ctx: &CaseContext<'_>) -> &'static str {
    let name = if rng.chance(2, 5) {
        "alg"
    } else if rng.chance(1, 3) {
        "kid"
    } else {
        rng.pick(HEADER_NAMES).copied().unwrap_or("typ")
    };
    let value = match name {
        "alg" if rng.chance(3, 4) => json!(rng.pick(ALG_NAMES).copied().unwrap_or("none")),
        "alg" => vocab::value(rng.below(VALUE_COUNT), ctx.issuer.alg.as_str()),
        "kid" if rng.chance(1, 2) => json!(rng.pick(KID_VALUES).copied().unwrap_or("")),
        "kid" => vocab::value(
            rng.below(VALUE_COUNT),
            ctx.issuer.kid.as_deref().unwrap_or("kid"),
        ),
        "jku" | "x5u" => json!("http://127.0.0.1:9/.well-known/jwks.json"),
        other => vocab::value(rng.below(VALUE_COUNT), other),
    };
    set_member(&mut parts.header, name, value);
    parts.header_changed();
    "header-set"
}

fn claim_set(
    parts: &mut TokenParts,
    rng: &mut Rng,
    ctx: &CaseContext<'_>,
    actor: usize,
) -> &'static str {
    let user_claim = ctx.issuer.user_id_claim.top();
    let name = match rng.below(10) {
        0 | 1 => "exp",
        2 => "nbf",
        3 => "iat",
        4 | 5 => user_claim,
        6 => "iss",
        7 => "aud",
        _ => rng.pick(CLAIM_NAMES).copied().unwrap_or("jti"),
    };
    let offsets = vocab::time_offsets(ctx.leeway_secs as i64);
    let now = ctx.now as i64;
    let value = match name {
        "exp" | "nbf" | "iat" if rng.chance(3, 4) => {
            json!(now.saturating_add(rng.pick(&offsets).copied().unwrap_or(0)))
        }
        "exp" | "nbf" | "iat" if rng.chance(1, 2) => {
            json!(now.saturating_add(rng.pick(&offsets).copied().unwrap_or(0)) as f64 + 0.5)
        }
        n if n == user_claim && rng.chance(1, 3) => {
            json!(ctx.principals[rng.below(ctx.principals.len())].sub)
        }
        n if n == user_claim => vocab::value(
            rng.below(VALUE_COUNT),
            ctx.principals.get(actor).map_or("user", |p| p.sub.as_str()),
        ),
        "iss" => vocab::value(
            rng.below(VALUE_COUNT),
            ctx.issuer.iss.as_deref().unwrap_or(""),
        ),
        "aud" => vocab::value(
            rng.below(VALUE_COUNT),
            ctx.issuer.aud.as_deref().unwrap_or(""),
        ),
        other => vocab::value(rng.below(VALUE_COUNT), other),
    };
    set_member(&mut parts.claims, name, value);
    parts.claims_changed();
    if rng.chance(1, 2) {
        parts.signature = Signature::Resign;
    }
    "claim-set"
}

fn members(parts: &mut TokenParts, header: bool) -> &mut Members {
    if header {
        parts.header_changed();
        &mut parts.header
    } else {
        parts.claims_changed();
        &mut parts.claims
    }
}

fn remove_member(parts: &mut TokenParts, rng: &mut Rng, header: bool) -> &'static str {
    let members = members(parts, header);
    if !members.is_empty() {
        members.remove(rng.below(members.len()));
    }
    if header {
        "header-remove"
    } else {
        "claim-remove"
    }
}

fn duplicate_member(parts: &mut TokenParts, rng: &mut Rng, header: bool) -> &'static str {
    let members = members(parts, header);
    if let Some((name, _)) = rng.pick(members).cloned() {
        let value = vocab::value(rng.below(VALUE_COUNT), &name);
        members.push((name, value));
    }
    if header {
        "header-duplicate"
    } else {
        "claim-duplicate"
    }
}

fn current_signature(parts: &TokenParts) -> Vec<u8> {
    match &parts.signature {
        Signature::Keep(text) => b64::decode_lenient(text.as_bytes()).unwrap_or_default(),
        Signature::Bytes(bytes) => bytes.clone(),
        _ => vec![0; 64],
    }
}

fn damage_signature(
    parts: &mut TokenParts,
    rng: &mut Rng,
    ctx: &CaseContext<'_>,
    actor: usize,
) -> &'static str {
    let mut signature = current_signature(parts);
    match rng.below(6) {
        0 => {
            let bit = rng.below(signature.len().saturating_mul(8));
            if let Some(byte) = signature.get_mut(bit / 8) {
                *byte ^= 1 << (bit % 8);
            }
            parts.signature = Signature::Bytes(signature);
            "signature-flip"
        }
        1 => {
            signature.truncate(rng.below(signature.len()));
            parts.signature = Signature::Bytes(signature);
            "signature-truncate"
        }
        2 => {
            parts.signature = Signature::Bytes(Vec::new());
            "signature-empty"
        }
        3 => {
            parts.signature = Signature::Missing;
            "signature-missing"
        }
        4 => {
            let other =
                (actor + 1 + rng.below(ctx.principals.len().max(1))) % ctx.principals.len().max(1);
            let swapped = ctx
                .valid_token(other)
                .and_then(|t| t.rsplit('.').next().map(str::to_string))
                .unwrap_or_default();
            parts.signature = Signature::Keep(swapped);
            "signature-swap"
        }
        _ => {
            let len = signature.len().max(1);
            parts.signature = Signature::Bytes((0..len).map(|_| rng.next_u64() as u8).collect());
            "signature-random"
        }
    }
}

fn key_confusion(parts: &mut TokenParts, rng: &mut Rng, ctx: &CaseContext<'_>) -> &'static str {
    let alg = rng
        .pick(&["HS256", "HS384", "HS512"])
        .copied()
        .unwrap_or("HS256");
    set_member(&mut parts.header, "alg", json!(alg));
    parts.header_changed();
    let key = match (ctx.public_pem, rng.below(3)) {
        (Some(pem), 0 | 1) => pem.as_bytes().to_vec(),
        (_, 0) => Vec::new(),
        _ => b"secret".to_vec(),
    };
    parts.signature = Signature::HmacWith(key);
    "key-confusion"
}

fn encoding(parts: &mut TokenParts, rng: &mut Rng) -> &'static str {
    let choice = *rng
        .pick(&[Encoding::Padded, Encoding::Standard, Encoding::Spaced])
        .unwrap_or(&Encoding::Padded);
    if rng.chance(1, 2) {
        parts.header_encoding = choice;
    } else {
        parts.payload_encoding = choice;
    }
    "encoding"
}

fn raw_edit(case: &mut FuzzCase, rng: &mut Rng, ctx: &CaseContext<'_>) -> &'static str {
    let mut text = case.token.render(ctx.issuer).unwrap_or_default();
    let at = |rng: &mut Rng, text: &str| {
        let mut i = rng.below(text.len() + 1);
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let step = match rng.below(8) {
        0 | 1 => {
            let i = at(rng, &text);
            text.insert_str(i, rng.pick(RAW_BYTES).copied().unwrap_or("."));
            "raw-insert"
        }
        2 => {
            let start = at(rng, &text);
            let mut end = (start + 1 + rng.below(8)).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.replace_range(start..end.max(start), "");
            "raw-delete"
        }
        3 => {
            let i = at(rng, &text);
            text.truncate(i);
            "raw-truncate"
        }
        4 => {
            let mut segments: Vec<String> = text.split('.').map(str::to_string).collect();
            let i = rng.below(segments.len());
            let copy = segments[i].clone();
            segments.insert(i, copy);
            text = segments.join(".");
            "raw-duplicate-segment"
        }
        5 => {
            let mut segments: Vec<String> = text.split('.').map(str::to_string).collect();
            if segments.len() > 1 {
                segments.remove(rng.below(segments.len()));
            }
            text = segments.join(".");
            "raw-drop-segment"
        }
        6 => {
            let i = at(rng, &text);
            let c = char::from(b'!' + (rng.below(94) as u8));
            text.insert(i, c);
            "raw-char"
        }
        _ => {
            let times = 1 + rng.below(64);
            text = text.repeat(times);
            "raw-repeat"
        }
    };
    text.truncate(MAX_RAW_LEN);
    while !text.is_char_boundary(text.len()) {
        text.pop();
    }
    case.token = TokenForm::Raw(text);
    step
}

fn placement(case: &mut FuzzCase, rng: &mut Rng, ctx: &CaseContext<'_>) -> &'static str {
    let other = ctx
        .valid_token(rng.below(ctx.principals.len()))
        .unwrap_or_default();
    case.placement = match rng.below(10) {
        0 => Placement::Bearer,
        1 | 2 => Placement::Scheme(rng.pick(SCHEMES).copied().unwrap_or("bearer").to_string()),
        3 => Placement::Bare,
        4 => Placement::Query {
            param: "access_token".into(),
        },
        5 => Placement::Cookie {
            name: rng
                .pick(&["token", "access_token", "session"])
                .copied()
                .unwrap_or("token")
                .into(),
        },
        6 => Placement::Header {
            name: "X-Access-Token".into(),
        },
        7 => Placement::TwoAuthorization { second: other },
        8 => Placement::BearerAndQuery {
            param: "access_token".into(),
            query_token: other,
        },
        _ => {
            case.token = TokenForm::Absent;
            Placement::None
        }
    };
    "placement"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzing::fixture::{ISSUER, NOW, fixture};

    fn context<'a>(
        issuer: &'a IssuerSettings,
        principals: &'a [Principal],
        catalog: &'a [Vec<CatalogSeed>],
    ) -> CaseContext<'a> {
        CaseContext {
            issuer,
            principals,
            routes: 3,
            catalog,
            public_pem: Some("-----BEGIN PUBLIC KEY-----"),
            leeway_secs: 30,
            now: NOW,
        }
    }

    #[test]
    fn generation_is_deterministic_and_varied() {
        let issuer = IssuerSettings::new(fixture().unwrap().keys[0].clone(), ISSUER, ISSUER);
        let principals = [
            Principal::new("alice", "alice"),
            Principal::new("bob", "bob"),
        ];
        let ctx = context(&issuer, &principals, &[]);
        let a: Vec<FuzzCase> = (0..200).map(|i| generate(&ctx, 9, i)).collect();
        let b: Vec<FuzzCase> = (0..200).map(|i| generate(&ctx, 9, i)).collect();
        assert_eq!(a, b);
        let steps: std::collections::BTreeSet<&str> =
            a.iter().flat_map(|c| c.steps.iter().copied()).collect();
        for expected in [
            "header-set",
            "claim-set",
            "raw-insert",
            "placement",
            "key-confusion",
        ] {
            assert!(
                steps.contains(expected),
                "{expected} never drawn: {steps:?}"
            );
        }
        assert!(
            a.iter()
                .all(|c| c.route < 3 && c.actor < 2 && c.path_user < 2)
        );
        for case in &a {
            if let Some(token) = case.token.render(&issuer) {
                assert!(token.len() <= MAX_RAW_LEN * 2, "bounded");
            }
        }
    }

    #[test]
    fn catalog_seeds_start_cases() {
        let issuer = IssuerSettings::new(fixture().unwrap().keys[0].clone(), ISSUER, ISSUER);
        let principals = [
            Principal::new("alice", "alice"),
            Principal::new("bob", "bob"),
        ];
        let attacker = KeySet::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/keys/attacker"),
        )
        .unwrap();
        let seeds = catalog_seeds(&issuer, &principals, None, 30, &attacker, NOW);
        assert_eq!(seeds.len(), 2);
        assert!(seeds[0].len() > 40, "{}", seeds[0].len());
        assert!(seeds[0].iter().any(|s| s.id == "alg-none"));
        let ctx = context(&issuer, &principals, &seeds);
        assert!((0..100).any(|i| generate(&ctx, 1, i).origin.starts_with("catalog ")));
    }
}
