//! Claim mutations, validly signed with the trusted key so that only the claim logic is under test
//! (RFC 7519 §4.1, RFC 8725 §3.8-3.11).

use serde_json::{Map, Value, json};

use super::context::MutationContext;
use super::types::{AttackRequest, MutationError};
use super::util::{confusable, swap_case};
use crate::token::identity::IdType;

type Claims = Map<String, Value>;
type Outcome = Result<AttackRequest, MutationError>;

/// An issuer URL that is not the target's.
pub(super) const FOREIGN_ISSUER: &str = "https://issuer.attacker.invalid";
/// An audience that is not the target's.
pub(super) const FOREIGN_AUDIENCE: &str = "https://other-service.invalid";
/// Appended to `iss`/`aud` for partial-match probes.
pub(super) const PARTIAL_SUFFIX: &str = ".attacker.invalid";
const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

fn signed(
    ctx: &MutationContext,
    edit: impl FnOnce(&mut Claims, &MutationContext) -> Result<(), MutationError>,
) -> Outcome {
    let mut claims = ctx.claims();
    edit(&mut claims, ctx)?;
    Ok(AttackRequest::bearer(ctx.sign_claims(&claims)?))
}

fn set_times(claims: &mut Claims, ctx: &MutationContext, exp: u64) {
    claims.insert("exp".into(), exp.into());
    claims.insert(
        "iat".into(),
        exp.saturating_sub(ctx.issuer.lifetime_secs).into(),
    );
}

pub(super) fn expired(ctx: &MutationContext) -> Outcome {
    signed(ctx, |c, ctx| {
        set_times(c, ctx, ctx.now().saturating_sub(HOUR));
        Ok(())
    })
}

/// The largest clock-skew leeway the spec allows (FR-033): a token expired for longer must be refused
/// whatever leeway the target chose; within it, accepting or refusing is the target's choice.
pub const MAX_LEEWAY_SECS: u64 = 60;

pub(super) fn expired_beyond_leeway(ctx: &MutationContext) -> Outcome {
    signed(ctx, |c, ctx| {
        let leeway = ctx.leeway_secs.max(MAX_LEEWAY_SECS);
        set_times(c, ctx, ctx.now().saturating_sub(leeway + 1));
        Ok(())
    })
}

pub(super) fn expired_within_leeway(ctx: &MutationContext) -> Outcome {
    if ctx.leeway_secs < 2 {
        return Err(MutationError::NotApplicable(
            "the target declares (almost) no leeway".into(),
        ));
    }
    signed(ctx, |c, ctx| {
        set_times(c, ctx, ctx.now() - ctx.leeway_secs / 2);
        Ok(())
    })
}

fn remove(
    name: &'static str,
) -> impl FnOnce(&mut Claims, &MutationContext) -> Result<(), MutationError> {
    move |c, _| {
        c.remove(name);
        Ok(())
    }
}

fn set(
    name: &'static str,
    value: Value,
) -> impl FnOnce(&mut Claims, &MutationContext) -> Result<(), MutationError> {
    move |c, _| {
        c.insert(name.into(), value);
        Ok(())
    }
}

pub(super) fn missing_exp(ctx: &MutationContext) -> Outcome {
    signed(ctx, remove("exp"))
}

pub(super) fn exp_as_string(ctx: &MutationContext) -> Outcome {
    let exp = (ctx.now() + ctx.issuer.lifetime_secs).to_string();
    signed(ctx, set("exp", exp.into()))
}

pub(super) fn exp_null(ctx: &MutationContext) -> Outcome {
    signed(ctx, set("exp", Value::Null))
}

pub(super) fn exp_lifetime_excessive(ctx: &MutationContext) -> Outcome {
    signed(ctx, set("exp", (ctx.now() + 3650 * DAY).into()))
}

pub(super) fn nbf_future(ctx: &MutationContext) -> Outcome {
    signed(ctx, set("nbf", (ctx.now() + HOUR).into()))
}

pub(super) fn nbf_as_string(ctx: &MutationContext) -> Outcome {
    signed(ctx, set("nbf", (ctx.now() + HOUR).to_string().into()))
}

pub(super) fn iat_future(ctx: &MutationContext) -> Outcome {
    signed(ctx, |c, ctx| {
        c.insert("iat".into(), (ctx.now() + HOUR).into());
        c.insert(
            "exp".into(),
            (ctx.now() + HOUR + ctx.issuer.lifetime_secs).into(),
        );
        Ok(())
    })
}

pub(super) fn iat_max_age(ctx: &MutationContext) -> Outcome {
    signed(ctx, set("iat", ctx.now().saturating_sub(30 * DAY).into()))
}

pub(super) fn wrong_iss(ctx: &MutationContext) -> Outcome {
    ctx.iss()?;
    signed(ctx, set("iss", FOREIGN_ISSUER.into()))
}

pub(super) fn missing_iss(ctx: &MutationContext) -> Outcome {
    ctx.iss()?;
    signed(ctx, remove("iss"))
}

pub(super) fn iss_case_changed(ctx: &MutationContext) -> Outcome {
    let iss = ctx.iss()?;
    let changed = swap_case(&iss);
    if changed == iss {
        return Err(MutationError::NotApplicable(
            "the issuer has no letters to change case".into(),
        ));
    }
    signed(ctx, set("iss", changed.into()))
}

pub(super) fn iss_trailing_slash(ctx: &MutationContext) -> Outcome {
    let iss = ctx.iss()?;
    let changed = match iss.strip_suffix('/') {
        Some(stripped) => stripped.to_string(),
        None => format!("{iss}/"),
    };
    signed(ctx, set("iss", changed.into()))
}

pub(super) fn iss_partial_match(ctx: &MutationContext) -> Outcome {
    let iss = ctx.iss()?;
    signed(ctx, set("iss", format!("{iss}{PARTIAL_SUFFIX}").into()))
}

pub(super) fn iss_as_array(ctx: &MutationContext) -> Outcome {
    let iss = ctx.iss()?;
    signed(ctx, set("iss", json!([iss])))
}

pub(super) fn iss_unicode_confusable(ctx: &MutationContext) -> Outcome {
    let iss = ctx.iss()?;
    signed(ctx, set("iss", confusable(&iss).into()))
}

pub(super) fn wrong_aud(ctx: &MutationContext) -> Outcome {
    ctx.aud()?;
    signed(ctx, set("aud", FOREIGN_AUDIENCE.into()))
}

pub(super) fn missing_aud(ctx: &MutationContext) -> Outcome {
    ctx.aud()?;
    signed(ctx, remove("aud"))
}

pub(super) fn aud_array_without_ours(ctx: &MutationContext) -> Outcome {
    ctx.aud()?;
    signed(ctx, set("aud", json!([FOREIGN_AUDIENCE])))
}

pub(super) fn aud_array_with_ours(ctx: &MutationContext) -> Outcome {
    let aud = ctx.aud()?;
    signed(ctx, set("aud", json!([FOREIGN_AUDIENCE, aud])))
}

pub(super) fn aud_empty_array(ctx: &MutationContext) -> Outcome {
    ctx.aud()?;
    signed(ctx, set("aud", json!([])))
}

pub(super) fn aud_partial_match(ctx: &MutationContext) -> Outcome {
    let aud = ctx.aud()?;
    signed(ctx, set("aud", format!("{aud}{PARTIAL_SUFFIX}").into()))
}

fn set_id(ctx: &MutationContext, value: Value) -> Outcome {
    signed(ctx, move |c, ctx| {
        ctx.id_claim().set(c, value);
        Ok(())
    })
}

pub(super) fn missing_sub(ctx: &MutationContext) -> Outcome {
    signed(ctx, move |c, ctx| {
        ctx.id_claim().remove(c);
        Ok(())
    })
}

pub(super) fn empty_sub(ctx: &MutationContext) -> Outcome {
    set_id(ctx, "".into())
}

/// The victim's id as a JSON number when it is numeric, else the number 12345; as a string when the
/// issuer's ids are integers (the other type).
pub(super) fn numeric_id(ctx: &MutationContext) -> Value {
    if ctx.issuer.id_type == IdType::Integer {
        return ctx.principal.sub.clone().into();
    }
    match ctx.principal.sub.parse::<u64>() {
        Ok(n) => n.into(),
        Err(_) => 12345.into(),
    }
}

pub(super) fn sub_number(ctx: &MutationContext) -> Outcome {
    set_id(ctx, numeric_id(ctx))
}

pub(super) fn sub_array(ctx: &MutationContext) -> Outcome {
    let other = ctx
        .issuer
        .id_type
        .value(&ctx.other.sub)
        .unwrap_or_else(|_| ctx.other.sub.clone().into());
    set_id(ctx, json!([other, ctx.victim_id()]))
}

pub(super) fn sub_object(ctx: &MutationContext) -> Outcome {
    set_id(ctx, json!({ "id": ctx.victim_id() }))
}

pub(super) fn sub_null(ctx: &MutationContext) -> Outcome {
    set_id(ctx, Value::Null)
}

pub(super) fn sub_case_changed(ctx: &MutationContext) -> Outcome {
    let changed = swap_case(&ctx.principal.sub);
    if changed == ctx.principal.sub {
        return Err(MutationError::NotApplicable(
            "the victim's id has no letters to change case".into(),
        ));
    }
    set_id(ctx, changed.into())
}

pub(super) fn sub_leading_space(ctx: &MutationContext) -> Outcome {
    set_id(ctx, format!(" {}", ctx.principal.sub).into())
}

pub(super) fn sub_unicode_confusable(ctx: &MutationContext) -> Outcome {
    set_id(ctx, confusable(&ctx.principal.sub).into())
}

pub(super) fn other_principal_sub(ctx: &MutationContext) -> Outcome {
    Ok(AttackRequest::bearer(ctx.valid_token_of(&ctx.other)?))
}

pub(super) fn sub_unknown_user(ctx: &MutationContext) -> Outcome {
    let unknown = ctx.issuer.id_type.unknown_user();
    let value = ctx
        .issuer
        .id_type
        .value(&unknown)
        .unwrap_or_else(|_| unknown.clone().into());
    let mut request = set_id(ctx, value)?;
    request.path_user = Some(unknown);
    Ok(request)
}

/// Secondary identity claims real backends read before (or instead of) `sub`.
pub(super) const SECONDARY_ID_CLAIMS: [&str; 6] =
    ["user_id", "userId", "id", "uid", "email", "tenant_id"];

pub(super) fn claim_precedence_confusion(ctx: &MutationContext) -> Outcome {
    let mut claims = ctx.claims_of(&ctx.other);
    for name in SECONDARY_ID_CLAIMS {
        if !ctx.id_claim().is(name) {
            claims.insert(name.into(), ctx.victim_id());
        }
    }
    Ok(AttackRequest::bearer(ctx.sign_claims(&claims)?))
}

pub(super) fn typ_not_access_token(ctx: &MutationContext) -> Outcome {
    let mut header = ctx.header();
    header.insert("typ".into(), "logout+jwt".into());
    Ok(AttackRequest::bearer(ctx.sign(&header, &ctx.claims())?))
}

pub(super) fn cross_jwt_session_shape(ctx: &MutationContext) -> Outcome {
    let now = ctx.now();
    let sub = &ctx.principal.sub;
    let mut claims = Claims::new();
    claims.insert(
        "session".into(),
        json!({ "id": "authconform-session", "userId": sub, "expiresAt": now + DAY }),
    );
    claims.insert(
        "user".into(),
        json!({ "id": sub, "email": format!("{sub}@example.invalid") }),
    );
    claims.insert("updatedAt".into(), now.into());
    claims.insert("iat".into(), now.into());
    claims.insert("exp".into(), (now + ctx.issuer.lifetime_secs).into());
    Ok(AttackRequest::bearer(ctx.sign_claims(&claims)?))
}
