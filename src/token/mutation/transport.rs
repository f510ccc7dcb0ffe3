//! Transport mutations: where and how a (valid) token travels (RFC 6750 §2-3, RFC 9110 §11).

use super::context::MutationContext;
use super::types::{AttackRequest, MutationError, Placement};
use super::util::flip_signature_bit;
use crate::token::b64;

type Outcome = Result<AttackRequest, MutationError>;

/// The RFC 6750 query / form parameter name.
pub(super) const ACCESS_TOKEN: &str = "access_token";

fn placed(ctx: &MutationContext, placement: Placement) -> Outcome {
    Ok(AttackRequest::placed(Some(ctx.valid_token()?), placement))
}

pub(super) fn no_credentials(_: &MutationContext) -> Outcome {
    Ok(AttackRequest::placed(None, Placement::None))
}

pub(super) fn token_in_query(ctx: &MutationContext) -> Outcome {
    placed(
        ctx,
        Placement::Query {
            param: ACCESS_TOKEN.into(),
        },
    )
}

pub(super) fn token_in_form_body(ctx: &MutationContext) -> Outcome {
    placed(
        ctx,
        Placement::FormBody {
            field: ACCESS_TOKEN.into(),
        },
    )
}

pub(super) fn token_in_cookie(ctx: &MutationContext) -> Outcome {
    placed(
        ctx,
        Placement::Cookie {
            name: ACCESS_TOKEN.into(),
        },
    )
}

pub(super) fn token_in_header(ctx: &MutationContext, name: &str) -> Outcome {
    placed(ctx, Placement::Header { name: name.into() })
}

pub(super) fn scheme(ctx: &MutationContext, scheme: &str) -> Outcome {
    placed(ctx, Placement::Scheme(scheme.into()))
}

pub(super) fn scheme_basic(ctx: &MutationContext) -> Outcome {
    let token = ctx.valid_token()?;
    let credentials = b64::encode_standard(format!("{}:{token}", ctx.principal.sub).as_bytes());
    Ok(AttackRequest::placed(
        Some(token),
        Placement::RawAuthorization(format!("Basic {credentials}")),
    ))
}

pub(super) fn bare_token(ctx: &MutationContext) -> Outcome {
    placed(ctx, Placement::Bare)
}

pub(super) fn duplicate_authorization(ctx: &MutationContext, victim_first: bool) -> Outcome {
    let victim = ctx.valid_token()?;
    let other = ctx.valid_token_of(&ctx.other)?;
    let (first, second) = if victim_first {
        (victim, other)
    } else {
        (other, victim)
    };
    Ok(AttackRequest::placed(
        Some(first),
        Placement::TwoAuthorization { second },
    ))
}

pub(super) fn multiple_token_methods(ctx: &MutationContext) -> Outcome {
    let other = ctx.valid_token_of(&ctx.other)?;
    let query_token = ctx.valid_token()?;
    Ok(AttackRequest::placed(
        Some(other),
        Placement::BearerAndQuery {
            param: ACCESS_TOKEN.into(),
            query_token,
        },
    ))
}

pub(super) fn invalid_bearer_with_valid_cookie(ctx: &MutationContext) -> Outcome {
    let valid = ctx.valid_token()?;
    Ok(AttackRequest::placed(
        Some(flip_signature_bit(&valid)),
        Placement::BearerAndCookie {
            name: ACCESS_TOKEN.into(),
            cookie_token: valid,
        },
    ))
}
