//! Structural checks of the algorithm family: `alg` edits, key confusion and curve edge values.

use serde_json::{Value, json};

use super::fixtures::{Probe, parse_alg, verifies};
use der::Decode as _;
use der::asn1::UintRef;

use crate::token::keys::{KeyKind, PublicKey};
use crate::token::mutation::algorithm::{ED25519_L, curve_order, sub_be};
use crate::token::{Alg, sign};

/// The `alg` header: `none` spellings, missing, unknown, mismatched or sibling algorithms.
/// `false` when `id` is none of them.
pub(super) fn alg_header(id: &str, p: &Probe<'_>) -> bool {
    let ctx = p.ctx;
    let kind = p.ctx.issuer.kind();
    match id {
        id if id.starts_with("alg-none") => {
            let (name, kept) = match id {
                "alg-none" => ("none", false),
                "alg-none-capitalized" => ("None", false),
                "alg-none-uppercase" => ("NONE", false),
                "alg-none-mixed-case" => ("nOnE", false),
                "alg-none-signature-kept" => ("none", true),
                "alg-none-capitalized-signature-kept" => ("None", true),
                "alg-none-uppercase-signature-kept" => ("NONE", true),
                "alg-none-mixed-case-signature-kept" => ("nOnE", true),
                "alg-none-trailing-space" => ("none ", false),
                "alg-none-nul" => ("none\u{0}", false),
                other => panic!("no check for {other}"),
            };
            assert_eq!(p.h("alg"), Some(&json!(name)));
            assert_eq!(p.h("kid"), ctx.header().get("kid"));
            p.claims_with(&[]);
            assert_eq!(p.jws.segment_count(), 3);
            if kept {
                assert!(p.signs(p.seg(2), &ctx.principal), "the original signature");
            } else {
                assert_eq!(p.seg(2), "");
            }
        }
        "alg-missing" => {
            p.header_with(&[("alg", None)]);
            assert!(p.trusted());
        }
        "alg-null" => p.header_with(&[("alg", Some(Value::Null))]),
        "alg-empty" => p.header_with(&[("alg", Some(json!("")))]),
        "alg-unknown" => p.header_with(&[("alg", Some(json!("XS256")))]),
        "alg-lowercase" => {
            let lower = ctx.issuer.alg.as_str().to_ascii_lowercase();
            assert_ne!(lower, ctx.issuer.alg.as_str());
            p.header_with(&[("alg", Some(json!(lower)))]);
        }
        "alg-mismatch" => {
            let expected = if kind == KeyKind::Hmac {
                "EdDSA"
            } else {
                "HS256"
            };
            p.header_with(&[("alg", Some(json!(expected)))]);
            assert!(
                p.trusted(),
                "signed by the trusted key under its real algorithm"
            );
        }
        "alg-hs384-same-secret"
        | "alg-hs512-same-secret"
        | "alg-rs512-same-key"
        | "alg-ps256-same-key" => {
            let alg = parse_alg(&id[4..9].to_ascii_uppercase());
            p.header_with(&[("alg", Some(json!(alg.as_str())))]);
            assert!(verifies(
                ctx.issuer.key.as_ref().unwrap(),
                alg,
                p.input(),
                &p.sig()
            ));
            assert!(!p.trusted());
        }
        _ => return false,
    }
    true
}

/// HMAC tokens keyed with the public key, in every encoding.
/// `false` when `id` is none of them.
pub(super) fn public_key_as_secret(id: &str, p: &Probe<'_>) -> bool {
    let ctx = p.ctx;
    let kind = p.ctx.issuer.kind();
    match id {
        id if id.contains("-with-public-key-") => {
            let alg = parse_alg(&id[..5].to_ascii_uppercase());
            let public = ctx.target_key.as_ref().unwrap();
            let encoding = &id["hs256-with-public-key-".len()..];
            let pem = public.spki_pem();
            let secret: Vec<u8> = match encoding {
                "pem" => {
                    assert!(pem.ends_with("-----END PUBLIC KEY-----\n"));
                    pem.into_bytes()
                }
                "pem-no-newline" => pem.strip_suffix('\n').unwrap().as_bytes().to_vec(),
                "pem-crlf" => {
                    let crlf = pem.replace('\n', "\r\n");
                    assert!(
                        crlf.ends_with("-----\r\n") && !crlf.replace("\r\n", "").contains('\n')
                    );
                    crlf.into_bytes()
                }
                "pkcs1-pem" => {
                    let text = public.pkcs1_pem().unwrap();
                    assert!(text.starts_with("-----BEGIN RSA PUBLIC KEY-----\n"));
                    text.into_bytes()
                }
                "der" => public.spki_der(),
                "pkcs1-der" => public.pkcs1_der().unwrap(),
                "jwk-json" => {
                    let text = public.jwk_json();
                    assert_eq!(
                        PublicKey::from_jwk(&serde_json::from_str(&text).unwrap()).unwrap(),
                        *public
                    );
                    text.into_bytes()
                }
                "raw" => {
                    let raw = public.raw();
                    let expected_len = match kind {
                        KeyKind::Ed25519 => 32,
                        KeyKind::EcP256 => 65,
                        KeyKind::EcP384 => 97,
                        _ => 256,
                    };
                    assert_eq!(raw.len(), expected_len);
                    raw
                }
                "openssh" => {
                    let line = public.openssh();
                    assert!(line.starts_with("ssh-") || line.starts_with("ecdsa-sha2-nistp"));
                    line.into_bytes()
                }
                other => panic!("no check for encoding {other}"),
            };
            p.header_with(&[("alg", Some(json!(alg.as_str())))]);
            p.claims_with(&[]);
            assert_eq!(
                p.sig().len(),
                alg.as_str()[2..].parse::<usize>().unwrap() / 8
            );
            assert!(
                sign::hmac_verify(alg, &secret, p.input(), &p.sig()),
                "HMAC under the exact key bytes"
            );
        }
        _ => return false,
    }
    true
}

/// An HMAC token keyed with an empty secret.
/// `false` when `id` is none of them.
pub(super) fn empty_secret(id: &str, p: &Probe<'_>) -> bool {
    match id {
        "hmac-empty-secret"
        | "hmac-weak-secret-secret"
        | "hmac-weak-secret-your-256-bit-secret"
        | "hmac-weak-secret-changeme" => {
            let secret: &[u8] = match id {
                "hmac-empty-secret" => b"",
                "hmac-weak-secret-secret" => b"secret",
                "hmac-weak-secret-changeme" => b"changeme",
                _ => b"your-256-bit-secret",
            };
            p.header_with(&[("alg", Some(json!("HS256")))]);
            assert!(sign::hmac_verify(Alg::Hs256, secret, p.input(), &p.sig()));
        }
        _ => return false,
    }
    true
}

/// ECDSA signatures: psychic (zero) signatures, DER encoding and an extra byte.
/// `false` when `id` is none of them.
pub(super) fn ecdsa_signatures(id: &str, p: &Probe<'_>) -> bool {
    let ctx = p.ctx;
    let kind = p.ctx.issuer.kind();
    match id {
        "ecdsa-psychic-signature" | "ecdsa-psychic-signature-es384" => {
            let (alg, len) = if id.ends_with("es384") {
                ("ES384", 96)
            } else {
                ("ES256", 64)
            };
            p.header_with(&[("alg", Some(json!(alg)))]);
            let sig = p.sig();
            assert_eq!(sig.len(), len);
            let (r, s) = sig.split_at(len / 2);
            assert!(
                r.iter().all(|&b| b == 0) && s.iter().all(|&b| b == 0),
                "r = s = 0"
            );
        }
        "ecdsa-psychic-signature-der" => {
            p.header_with(&[("alg", Some(json!("ES256")))]);
            assert_eq!(p.seg(2), "MAYCAQACAQA");
            let sig = p.sig();
            let ints = Vec::<UintRef<'_>>::from_der(&sig).unwrap();
            let [r, s] = ints[..] else {
                panic!("two INTEGERs")
            };
            assert_eq!(r.as_bytes(), [0], "r = 0");
            assert_eq!(s.as_bytes(), [0], "s = 0");
        }
        "ecdsa-signature-der-encoded" => {
            let sig = p.sig();
            let ints = Vec::<UintRef<'_>>::from_der(&sig).unwrap();
            let [r, s] = ints[..] else {
                panic!("two INTEGERs")
            };
            let pad = |v: &[u8], n: usize| [vec![0u8; n - v.len()], v.to_vec()].concat();
            let n = if kind == KeyKind::EcP384 { 48 } else { 32 };
            let raw = [pad(r.as_bytes(), n), pad(s.as_bytes(), n)].concat();
            assert!(
                verifies(
                    ctx.issuer.key.as_ref().unwrap(),
                    ctx.issuer.alg,
                    p.input(),
                    &raw
                ),
                "DER of a valid r||s"
            );
            assert!(!p.trusted());
        }
        "ecdsa-signature-extra-byte" => {
            let sig = p.sig();
            let n = if kind == KeyKind::EcP384 { 96 } else { 64 };
            assert_eq!(sig.len(), n + 1);
            assert_eq!(sig[n], 0);
            assert!(verifies(
                ctx.issuer.key.as_ref().unwrap(),
                ctx.issuer.alg,
                p.input(),
                &sig[..n]
            ));
        }
        _ => return false,
    }
    true
}

/// Signature values at the edges of the curve: `r` equal to the order, high `s`, non-canonical EdDSA `s`.
/// `false` when `id` is none of them.
pub(super) fn curve_edge_values(id: &str, p: &Probe<'_>) -> bool {
    let ctx = p.ctx;
    match id {
        "ecdsa-signature-r-equals-order" => {
            let sig = p.sig();
            let (r, s_part) = sig.split_at(sig.len() / 2);
            assert_eq!(r, curve_order(ctx.issuer.alg));
            assert_eq!(s_part.len(), r.len());
            assert!(!p.trusted());
        }
        "ecdsa-high-s" => {
            let sig = p.sig();
            let (r, s_high) = sig.split_at(sig.len() / 2);
            let order = curve_order(ctx.issuer.alg);
            let s_low = sub_be(order, s_high);
            assert!(s_high > s_low.as_slice(), "s is the high twin");
            assert!(verifies(
                ctx.issuer.key.as_ref().unwrap(),
                ctx.issuer.alg,
                p.input(),
                &[r, &s_low].concat()
            ));
        }
        "eddsa-noncanonical-s" => {
            let sig = p.sig();
            let mut s = sig[32..].to_vec();
            // S' - L (little-endian) restores the canonical S.
            let mut borrow = 0i16;
            for (i, l) in ED25519_L.iter().enumerate() {
                let mut d = i16::from(s[i]) - i16::from(*l) - borrow;
                borrow = i16::from(d < 0);
                if d < 0 {
                    d += 256;
                }
                s[i] = d as u8;
            }
            assert_eq!(borrow, 0);
            assert!(verifies(
                ctx.issuer.key.as_ref().unwrap(),
                Alg::EdDsa,
                p.input(),
                &[&sig[..32], &s].concat()
            ));
            assert!(!p.trusted(), "aws-lc rejects S >= L");
        }
        _ => return false,
    }
    true
}
