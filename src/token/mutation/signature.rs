//! Signature mutations: stripped, truncated, damaged, transplanted, made by the attacker's key, or kept
//! while the signed parts change (RFC 7515 §5.2, RFC 8725 §3.3).

use serde_json::Value;

use super::context::MutationContext;
use super::types::{AttackRequest, MutationError};
use super::util::{flip_signature_bit, json_text, split3};
use crate::token::b64;
use crate::token::jws::Forge;

type Outcome = Result<AttackRequest, MutationError>;

/// Prefix of the canary strings put in place of every claim.
pub(super) const CANARY_PREFIX: &str = "authconform-canary-";

pub(super) fn signature_empty(ctx: &MutationContext) -> Outcome {
    let valid = ctx.valid_token()?;
    let (h, p, _) = split3(&valid);
    Ok(AttackRequest::bearer(format!("{h}.{p}.")))
}

pub(super) fn signature_truncated(ctx: &MutationContext) -> Outcome {
    let valid = ctx.valid_token()?;
    let cut = valid.len().saturating_sub(4);
    Ok(AttackRequest::bearer(valid[..cut].to_string()))
}

pub(super) fn signature_bit_flipped(ctx: &MutationContext) -> Outcome {
    Ok(AttackRequest::bearer(flip_signature_bit(
        &ctx.valid_token()?,
    )))
}

pub(super) fn signature_from_another_token(ctx: &MutationContext) -> Outcome {
    let victim = ctx.valid_token()?;
    let other = ctx.valid_token_of(&ctx.other)?;
    let (h, p, _) = split3(&victim);
    let (_, _, s) = split3(&other);
    Ok(AttackRequest::bearer(format!("{h}.{p}.{s}")))
}

pub(super) fn signed_with_attacker_key(ctx: &MutationContext) -> Outcome {
    let key = ctx.attacker_same_alg()?;
    let forge = Forge::new(json_text(&ctx.header()), json_text(&ctx.claims()));
    Ok(AttackRequest::bearer(forge.sign(&key)?))
}

pub(super) fn payload_tampered(ctx: &MutationContext) -> Outcome {
    let other = ctx.valid_token_of(&ctx.other)?;
    let (h, _, s) = split3(&other);
    let mut claims = ctx.claims_of(&ctx.other);
    ctx.id_claim().set(&mut claims, ctx.victim_id());
    Ok(AttackRequest::bearer(format!(
        "{h}.{}.{s}",
        b64::encode(json_text(&claims).as_bytes())
    )))
}

pub(super) fn header_tampered(ctx: &MutationContext) -> Outcome {
    let valid = ctx.valid_token()?;
    let (_, p, s) = split3(&valid);
    let mut header = ctx.header();
    header.insert("x-authconform".into(), "tampered".into());
    Ok(AttackRequest::bearer(format!(
        "{}.{p}.{s}",
        b64::encode(json_text(&header).as_bytes())
    )))
}

fn stale_signature(ctx: &MutationContext, claims: &serde_json::Map<String, Value>) -> Outcome {
    let valid = ctx.valid_token()?;
    let (h, _, s) = split3(&valid);
    Ok(AttackRequest::bearer(format!(
        "{h}.{}.{s}",
        b64::encode(json_text(claims).as_bytes())
    )))
}

pub(super) fn claims_canary_unsigned(ctx: &MutationContext) -> Outcome {
    let claims = ctx
        .claims()
        .into_iter()
        .map(|(name, _)| {
            let canary = format!("{CANARY_PREFIX}{name}");
            (name, Value::String(canary))
        })
        .collect();
    stale_signature(ctx, &claims)
}

pub(super) fn claims_null_unsigned(ctx: &MutationContext) -> Outcome {
    let claims = ctx
        .claims()
        .into_iter()
        .map(|(name, _)| (name, Value::Null))
        .collect();
    stale_signature(ctx, &claims)
}

pub(super) fn expired_plus_forged(ctx: &MutationContext) -> Outcome {
    let mut claims = ctx.claims();
    let exp = ctx.now().saturating_sub(3600);
    claims.insert("exp".into(), exp.into());
    claims.insert(
        "iat".into(),
        exp.saturating_sub(ctx.issuer.lifetime_secs).into(),
    );
    Ok(AttackRequest::bearer(flip_signature_bit(
        &ctx.sign_claims(&claims)?,
    )))
}
