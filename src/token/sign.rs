//! Raw JWS signing and verification over arbitrary bytes (RFC 7515 §5, RFC 7518 §3): the forge signs
//! whatever header and payload text it built, including text no JOSE library would produce.

use aws_lc_rs::{hmac as lc_hmac, signature as sig};

use crate::token::keys::{KeyError, PublicKey, PublicParams, SigningKey};
use crate::token::{Alg, AlgFamily, b64};

/// HMAC of `message` under any key bytes, including empty or public-key bytes. For a non-HMAC `alg`
/// HS256 is used.
pub fn hmac(alg: Alg, key: &[u8], message: &[u8]) -> Vec<u8> {
    let algorithm = match alg {
        Alg::Hs384 => lc_hmac::HMAC_SHA384,
        Alg::Hs512 => lc_hmac::HMAC_SHA512,
        _ => lc_hmac::HMAC_SHA256,
    };
    lc_hmac::sign(&lc_hmac::Key::new(algorithm, key), message)
        .as_ref()
        .to_vec()
}

/// Verifies an HMAC in constant time.
pub fn hmac_verify(alg: Alg, key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let algorithm = match alg {
        Alg::Hs384 => lc_hmac::HMAC_SHA384,
        Alg::Hs512 => lc_hmac::HMAC_SHA512,
        _ => lc_hmac::HMAC_SHA256,
    };
    lc_hmac::verify(&lc_hmac::Key::new(algorithm, key), message, signature).is_ok()
}

/// Verifies an asymmetric JWS signature (raw Ed25519, fixed `r || s` ECDSA, RSA PKCS#1 v1.5 or PSS)
/// against a public key. False on any mismatch of algorithm and key type.
pub fn verify(alg: Alg, key: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
    match (&key.params, alg.family()) {
        (PublicParams::Ed25519 { x }, AlgFamily::EdDsa) => {
            sig::UnparsedPublicKey::new(&sig::ED25519, x)
                .verify(message, signature)
                .is_ok()
        }
        (PublicParams::Ec { .. }, AlgFamily::Ecdsa) => {
            let algorithm = match (key.kind(), alg) {
                (crate::token::keys::KeyKind::EcP256, Alg::Es256) => &sig::ECDSA_P256_SHA256_FIXED,
                (crate::token::keys::KeyKind::EcP384, Alg::Es384) => &sig::ECDSA_P384_SHA384_FIXED,
                _ => return false,
            };
            sig::UnparsedPublicKey::new(algorithm, key.raw())
                .verify(message, signature)
                .is_ok()
        }
        (PublicParams::Rsa { n, e }, AlgFamily::Rsa) => {
            let params = match alg {
                Alg::Rs256 => &sig::RSA_PKCS1_2048_8192_SHA256,
                Alg::Rs384 => &sig::RSA_PKCS1_2048_8192_SHA384,
                Alg::Rs512 => &sig::RSA_PKCS1_2048_8192_SHA512,
                Alg::Ps256 => &sig::RSA_PSS_2048_8192_SHA256,
                Alg::Ps384 => &sig::RSA_PSS_2048_8192_SHA384,
                _ => &sig::RSA_PSS_2048_8192_SHA512,
            };
            sig::RsaPublicKeyComponents {
                n: n.as_slice(),
                e: e.as_slice(),
            }
            .verify(params, message, signature)
            .is_ok()
        }
        _ => false,
    }
}

/// Signs `header_json` and `payload` as a compact JWS with `key` under `alg`: both parts are base64url
/// encoded verbatim (duplicate keys, BOMs, non-JSON all kept).
pub fn sign_compact(
    key: &SigningKey,
    alg: Alg,
    header_json: &[u8],
    payload: &[u8],
) -> Result<String, KeyError> {
    let input = format!("{}.{}", b64::encode(header_json), b64::encode(payload));
    let signature = key.sign_as(alg, input.as_bytes())?;
    Ok(format!("{input}.{}", b64::encode(&signature)))
}

/// Signs an already encoded signing input (`<header>.<payload>` text, however it was encoded) and
/// appends the base64url signature.
pub fn sign_input(key: &SigningKey, alg: Alg, signing_input: &str) -> Result<String, KeyError> {
    let signature = key.sign_as(alg, signing_input.as_bytes())?;
    Ok(format!("{signing_input}.{}", b64::encode(&signature)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_known_answer() {
        // RFC 4231 test case 2.
        let mac = hmac(Alg::Hs256, b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            mac.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(hmac_verify(
            Alg::Hs256,
            b"Jefe",
            b"what do ya want for nothing?",
            &mac
        ));
        assert_eq!(hmac(Alg::Hs384, b"", b"").len(), 48);
        assert_eq!(hmac(Alg::Hs512, b"", b"").len(), 64);
    }

    #[test]
    fn ecdsa_signatures_are_fixed_length() {
        for (kind, len) in [
            (crate::token::keys::KeyKind::EcP256, 64),
            (crate::token::keys::KeyKind::EcP384, 96),
        ] {
            let key = SigningKey::generate(kind, None).unwrap();
            let token = sign_compact(&key, key.alg(), br#"{"alg":"x"}"#, b"{}").unwrap();
            let signature =
                b64::decode_strict(token.rsplit('.').next().unwrap().as_bytes()).unwrap();
            assert_eq!(signature.len(), len);
        }
    }
}
