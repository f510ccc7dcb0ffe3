//! Structural checks of the encoding family: base64, JSON, bytes, segments, JWE and serializations.

use serde_json::{Value, json};

use super::fixtures::Probe;
use crate::token::jws::{CompactJws, Decoded};
use crate::token::keys::{KeyKind, PublicKey};
use crate::token::mutation::Placement;

/// Base64 variants.
/// `false` when `id` is none of them.
pub(super) fn base64(id: &str, p: &Probe<'_>) -> bool {
    let ctx = p.ctx;
    match id {
        "base64-padded" => {
            assert!(p.seg(0).ends_with('=') && p.seg(1).ends_with('='));
            assert!(matches!(p.jws.decoded(0), Some(Decoded::Lenient(_))));
            assert_eq!(p.jws.header(), Some(&p.valid_header()));
            assert_eq!(p.jws.claims(), Some(&p.valid_claims()));
            assert!(p.trusted());
        }
        "base64-standard-alphabet" => {
            assert!(p.seg(1).contains('/') && p.seg(1).contains('+'));
            p.claims_with(&[("x-b64", Some(json!("??????>>>>>>")))]);
            assert!(p.trusted());
        }
        "base64-whitespace" | "base64-illegal-character" => {
            let inserted = if id == "base64-whitespace" { ' ' } else { '!' };
            assert_eq!(p.seg(1).matches(inserted).count(), 1);
            let cleaned = p.seg(1).replace(inserted, "");
            assert_eq!(cleaned, p.valid_parts().1);
            assert!(p.trusted(), "signed over the altered text");
        }
        "base64-noncanonical-signature" => {
            assert!(matches!(p.jws.decoded(2), Some(Decoded::Lenient(_))));
            assert!(
                !p.signs(p.seg(2), &ctx.principal),
                "not canonical base64url"
            );
            assert!(
                p.trusted(),
                "the same valid signature bytes under a lenient decoder"
            );
        }
        _ => return false,
    }
    true
}

/// Parts that are not a JSON object, byte order marks, trailing or invalid bytes.
/// `false` when `id` is none of them.
pub(super) fn json_and_bytes(id: &str, p: &Probe<'_>) -> bool {
    match id {
        "header-not-json" | "payload-not-json" => {
            let i = usize::from(id == "payload-not-json");
            assert_eq!(
                p.jws.decoded(i).unwrap().strict().unwrap(),
                b"authconform: not json"
            );
            assert!(if i == 0 {
                p.jws.header().is_none()
            } else {
                p.jws.claims().is_none()
            });
            assert!(p.trusted());
        }
        "header-json-array" => {
            assert_eq!(p.jws.header(), Some(&json!([p.valid_header()])));
            assert!(p.trusted());
        }
        "payload-json-array" => {
            assert_eq!(p.jws.claims(), Some(&json!([p.valid_claims()])));
            assert!(p.trusted());
        }
        "header-bom" | "payload-bom" => {
            let bytes = if id == "header-bom" {
                p.jws.header_bytes()
            } else {
                p.jws.payload_bytes()
            }
            .unwrap();
            let rest = bytes.strip_prefix(&[0xef, 0xbb, 0xbf][..]).expect("BOM");
            let value: Value = serde_json::from_slice(rest).unwrap();
            assert_eq!(
                value,
                if id == "header-bom" {
                    p.valid_header()
                } else {
                    p.valid_claims()
                }
            );
            assert!(p.trusted());
        }
        "payload-trailing-bytes" => {
            let bytes = p.jws.payload_bytes().unwrap();
            let text = std::str::from_utf8(bytes).unwrap();
            let (json_part, rest) = text.split_at(text.len() - " trailing".len());
            assert_eq!(rest, " trailing");
            assert_eq!(
                serde_json::from_str::<Value>(json_part).unwrap(),
                p.valid_claims()
            );
            assert!(p.jws.claims().is_none() && p.trusted());
        }
        "payload-invalid-utf8" => {
            let bytes = p.jws.payload_bytes().unwrap();
            assert!(std::str::from_utf8(bytes).is_err());
            assert!(bytes.windows(2).any(|w| w == [0xff, 0xfe]));
            assert!(p.trusted());
        }
        _ => return false,
    }
    true
}

/// Duplicate members and the number of segments.
/// `false` when `id` is none of them.
pub(super) fn duplicates_and_segments(id: &str, p: &Probe<'_>) -> bool {
    let ctx = p.ctx;
    match id {
        "duplicate-alg-none-last" => {
            let text = std::str::from_utf8(p.jws.header_bytes().unwrap()).unwrap();
            assert!(
                text.starts_with(&format!("{{\"alg\":\"{}\"", ctx.issuer.alg)),
                "{text}"
            );
            assert!(text.ends_with(",\"alg\":\"none\"}"));
            assert_eq!(
                p.h("alg"),
                Some(&json!("none")),
                "a last-wins parser sees none"
            );
            assert!(p.trusted());
        }
        "duplicate-sub-victim-first" | "duplicate-sub-victim-last" => {
            let (first, last) = if id.ends_with("first") {
                ("user-alice", "user-bob")
            } else {
                ("user-bob", "user-alice")
            };
            let text = std::str::from_utf8(p.jws.payload_bytes().unwrap()).unwrap();
            assert!(
                text.starts_with(&format!("{{\"sub\":\"{first}\",")),
                "{text}"
            );
            assert!(text.ends_with(&format!(",\"sub\":\"{last}\"}}")), "{text}");
            assert_eq!(text.matches("\"sub\"").count(), 2);
            assert!(p.trusted());
        }
        "segments-one" => assert_eq!(p.token(), p.valid_parts().0),
        "segments-two" => {
            let (h, pl, _) = p.valid_parts();
            assert_eq!(p.token(), format!("{h}.{pl}"));
        }
        "segments-four" => {
            assert_eq!(p.jws.segment_count(), 4);
            assert!(p.is_valid_of(p.token().rsplit_once('.').unwrap().0, &ctx.principal));
            assert_eq!(p.jws.decoded(3).unwrap().strict(), Some(&b"extra"[..]));
        }
        "segments-trailing-dot" => {
            let token = p.token().strip_suffix('.').unwrap();
            assert!(p.is_valid_of(token, &ctx.principal));
        }
        "segments-only-dots" => assert_eq!(p.token(), ".."),
        "segments-five-jwe-shaped" => {
            assert_eq!(p.jws.segment_count(), 5);
            assert_eq!(
                p.jws.header(),
                Some(&json!({"alg": "dir", "enc": "A256GCM"}))
            );
            assert_eq!(p.seg(1), "");
            let ciphertext = p.jws.decoded(3).unwrap().strict().unwrap();
            assert_eq!(
                serde_json::from_slice::<Value>(ciphertext).unwrap(),
                p.valid_claims()
            );
        }
        _ => return false,
    }
    true
}

/// JWE-shaped tokens.
/// `false` when `id` is none of them.
pub(super) fn jwe(id: &str, p: &Probe<'_>) -> bool {
    let ctx = p.ctx;
    let kind = p.ctx.issuer.kind();
    match id {
        "jwe-encrypted-to-public-key" => {
            assert_eq!(p.jws.segment_count(), 5);
            assert_eq!(p.h("enc"), Some(&json!("A256GCM")));
            assert_eq!(
                p.h("kid").and_then(Value::as_str),
                ctx.issuer.kid.as_deref()
            );
            let pkcs8 = ctx.issuer.key.as_ref().unwrap().pkcs8_der().unwrap();
            let decoded = |i: usize| p.jws.decoded(i).unwrap().strict().unwrap().to_vec();
            let cek = if kind == KeyKind::Rsa {
                use aws_lc_rs::rsa::{
                    OAEP_SHA256_MGF1SHA256, OaepPrivateDecryptingKey, PrivateDecryptingKey,
                };
                assert_eq!(p.h("alg"), Some(&json!("RSA-OAEP-256")));
                let private =
                    OaepPrivateDecryptingKey::new(PrivateDecryptingKey::from_pkcs8(pkcs8).unwrap())
                        .unwrap();
                let mut out = vec![0u8; private.min_output_size()];
                private
                    .decrypt(&OAEP_SHA256_MGF1SHA256, &decoded(1), &mut out, None)
                    .unwrap()
                    .to_vec()
            } else {
                use aws_lc_rs::agreement::{
                    ECDH_P256, ECDH_P384, PrivateKey, UnparsedPublicKey, agree,
                };
                assert_eq!(p.h("alg"), Some(&json!("ECDH-ES")));
                assert_eq!(p.seg(1), "", "direct key agreement has no encrypted key");
                let algorithm = if kind == KeyKind::EcP384 {
                    &ECDH_P384
                } else {
                    &ECDH_P256
                };
                let epk = PublicKey::from_jwk(p.h("epk").unwrap()).unwrap();
                let private = PrivateKey::from_private_key_der(algorithm, pkcs8).unwrap();
                agree(
                    &private,
                    UnparsedPublicKey::new(algorithm, epk.raw()),
                    (),
                    |z| Ok(super::jwe::concat_kdf_a256gcm(z)),
                )
                .unwrap()
            };
            use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
            let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &cek).unwrap());
            let mut sealed = [decoded(3), decoded(4)].concat();
            let nonce = Nonce::try_assume_unique_for_key(&decoded(2)).unwrap();
            let plaintext = key
                .open_in_place(nonce, Aad::from(p.seg(0).as_bytes()), &mut sealed)
                .unwrap();
            assert_eq!(
                serde_json::from_slice::<Value>(plaintext).unwrap(),
                p.valid_claims()
            );
        }
        "jwe-pbes2-huge-p2c" => {
            assert_eq!(p.jws.segment_count(), 5);
            assert_eq!(p.h("alg"), Some(&json!("PBES2-HS256+A128KW")));
            assert_eq!(p.h("p2c"), Some(&json!(2_000_000_000u64)));
        }
        _ => return false,
    }
    true
}

/// JSON serializations, empty and literal tokens, oversized and deeply nested ones.
/// `false` when `id` is none of them.
pub(super) fn serializations_and_literals(id: &str, p: &Probe<'_>) -> bool {
    let ctx = p.ctx;
    let req = p.req;
    match id {
        "json-serialization-flattened" => {
            let doc: Value = serde_json::from_str(p.token()).unwrap();
            let (h, pl, _) = p.valid_parts();
            assert_eq!(
                (&doc["protected"], &doc["payload"]),
                (&json!(h), &json!(pl))
            );
            assert!(p.signs(doc["signature"].as_str().unwrap(), &ctx.principal));
            assert_eq!(doc.as_object().unwrap().len(), 3);
        }
        "json-compact-polyglot" => {
            let doc: Value = serde_json::from_str(p.token()).unwrap();
            let joined = format!(
                "{}.{}.{}",
                doc["protected"].as_str().unwrap(),
                doc["payload"].as_str().unwrap(),
                doc["signature"].as_str().unwrap()
            );
            assert!(p.is_valid_of(&joined, &ctx.other));
            // Split on dots, the text starts with a header and the victim's claims.
            let compact_view = CompactJws::parse(p.token().trim_start_matches("{\"").as_bytes());
            assert_eq!(compact_view.claims(), Some(&p.valid_claims()));
        }
        "empty-token" | "bearer-without-token" => {
            let value = if id == "empty-token" {
                "Bearer "
            } else {
                "Bearer"
            };
            assert_eq!(req.placement, Placement::RawAuthorization(value.into()));
            assert!(req.token.is_none());
        }
        "token-null-literal" => assert_eq!(p.token(), "null"),
        "token-undefined-literal" => assert_eq!(p.token(), "undefined"),
        "token-empty-quotes" => assert_eq!(p.token(), "\"\""),
        "oversized-token-8k" | "oversized-token-64k" | "oversized-token-1m" => {
            let size = match id {
                "oversized-token-8k" => 8 * 1024,
                "oversized-token-64k" => 64 * 1024,
                _ => 1024 * 1024,
            };
            p.claims_with(&[("x-pad", Some(json!("A".repeat(size))))]);
            assert!(p.signs(p.seg(2), &ctx.principal));
            assert!(p.token().len() > size * 4 / 3);
        }
        "many-dots" => {
            assert_eq!(p.token().len(), 1024 * 1024);
            assert!(p.token().bytes().all(|b| b == b'.'));
        }
        "deep-nesting-unsigned" | "deep-nesting-signed" => {
            let text = std::str::from_utf8(p.jws.payload_bytes().unwrap()).unwrap();
            let deep = format!("\"x-deep\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
            assert!(text.ends_with(&deep));
            assert!(
                p.jws.claims().is_none(),
                "beyond serde_json's recursion limit, parsed without a crash"
            );
            if id.ends_with("signed") && !id.ends_with("unsigned") {
                assert!(p.trusted());
            } else {
                assert!(p.signs(p.seg(2), &ctx.principal));
            }
        }
        _ => return false,
    }
    true
}

#[test]
fn the_padding_goes_where_the_claims_text_holds_it() {
    use crate::token::mutation::encoding::padding_at;
    use crate::token::mutation::util::json_text;
    let claims = super::fixtures::ctx_for(KeyKind::Ed25519).claims();
    let (text, at) = padding_at(claims.clone());
    for size in [0, 1, 255, 256, 257, 8 * 1024] {
        let mut padded = claims.clone();
        padded.insert("x-pad".into(), "A".repeat(size).into());
        let spliced = format!("{}{}{}", &text[..at], "A".repeat(size), &text[at..]);
        assert_eq!(spliced, json_text(&padded), "{size}");
    }
}
