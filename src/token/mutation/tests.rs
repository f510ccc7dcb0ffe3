//! Structural checks: every catalog id has an arm in [`check`], and every mutation is applied and checked
//! for every issuer key type of the fixtures (Ed25519, RSA, P-256, P-384, HS256).

use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde_json::{Value, json};

use super::algorithm::{ED25519_L, curve_order, sub_be};
use super::*;
use crate::token::jws::{CompactJws, Decoded};
use der::Decode as _;
use der::asn1::UintRef;

use crate::token::keys::{KeyKind, KeySet, PublicKey, SigningKey};
use crate::token::mint::{FixedClock, IssuerSettings, Principal};
use crate::token::{Alg, AlgFamily, b64, sign};

const NOW: u64 = 1_750_000_000;
const ISS: &str = "http://localhost:3000";
const ATTACKER: &str = "http://127.0.0.1:4000";
const KINDS: [KeyKind; 5] = [
    KeyKind::Ed25519,
    KeyKind::Rsa,
    KeyKind::EcP256,
    KeyKind::EcP384,
    KeyKind::Hmac,
];

fn fixtures() -> &'static (KeySet, KeySet) {
    static SETS: OnceLock<(KeySet, KeySet)> = OnceLock::new();
    SETS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/keys");
        (
            KeySet::load(&dir.join("issuer")).unwrap(),
            KeySet::load(&dir.join("attacker")).unwrap(),
        )
    })
}

fn ctx_for(kind: KeyKind) -> MutationContext {
    let (issuer, attacker) = fixtures();
    let key = issuer
        .by_kind(kind)
        .cloned()
        .unwrap_or_else(|| issuer.hs256_key());
    let settings = IssuerSettings::new(key, ISS, ISS);
    let mut ctx = MutationContext::new(
        settings,
        Principal::new("alice", "user-alice"),
        Principal::new("bob", "user-bob"),
        attacker.clone(),
        Arc::new(FixedClock(NOW)),
    );
    ctx.attacker_base_url = Some(ATTACKER.into());
    ctx
}

/// When a mutation must answer `NotApplicable` for an issuer kind.
fn not_applicable(id: &str, kind: KeyKind) -> bool {
    let hmac = kind == KeyKind::Hmac;
    let ec = matches!(kind, KeyKind::EcP256 | KeyKind::EcP384);
    if id.contains("-with-public-key-") {
        return hmac || (id.contains("pkcs1") && kind != KeyKind::Rsa);
    }
    match id {
        "ecdsa-psychic-signature"
        | "ecdsa-psychic-signature-der"
        | "ecdsa-psychic-signature-es384" => hmac,
        "kid-unknown" | "kid-number" | "kid-null" | "kid-empty" | "kid-oversized" => hmac,
        "alg-hs384-same-secret" | "alg-hs512-same-secret" => !hmac,
        "alg-rs512-same-key" | "alg-ps256-same-key" => kind != KeyKind::Rsa,
        "ecdsa-signature-der-encoded"
        | "ecdsa-signature-extra-byte"
        | "ecdsa-signature-r-equals-order"
        | "ecdsa-high-s" => !ec,
        "eddsa-noncanonical-s" => kind != KeyKind::Ed25519,
        "jwe-encrypted-to-public-key" => matches!(kind, KeyKind::Hmac | KeyKind::Ed25519),
        // A 96-byte ES384 signature has no unused base64 bits.
        "base64-noncanonical-signature" => kind == KeyKind::EcP384,
        _ => false,
    }
}

/// What one produced request looks like, with helpers.
struct Probe<'a> {
    ctx: &'a MutationContext,
    req: &'a AttackRequest,
    jws: CompactJws,
}

impl Probe<'_> {
    fn token(&self) -> &str {
        self.req.token.as_deref().expect("a token")
    }
    fn h(&self, name: &str) -> Option<&Value> {
        self.jws.header_param(name)
    }
    fn c(&self, name: &str) -> Option<&Value> {
        self.jws.claim(name)
    }
    fn sig(&self) -> Vec<u8> {
        self.jws.signature().unwrap_or_default().to_vec()
    }
    fn input(&self) -> &[u8] {
        self.jws.signing_input().unwrap_or_default()
    }
    fn seg(&self, i: usize) -> &str {
        std::str::from_utf8(self.jws.segment(i).unwrap_or_default()).unwrap()
    }
    /// The signature verifies under the trusted key and the issuer's algorithm.
    fn trusted(&self) -> bool {
        verifies(
            self.ctx.issuer.key.as_ref().unwrap(),
            self.ctx.issuer.alg,
            self.input(),
            &self.sig(),
        )
    }
    fn valid(&self) -> String {
        self.ctx.valid_token().unwrap()
    }
    fn valid_parts(&self) -> (String, String, String) {
        let valid = self.valid();
        let mut parts = valid.split('.').map(str::to_string);
        (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        )
    }
    /// The signing input of a fresh valid token for `principal` (deterministic text).
    fn input_of(&self, principal: &Principal) -> String {
        let valid = self.ctx.valid_token_of(principal).unwrap();
        valid.rsplit_once('.').unwrap().0.to_string()
    }
    /// `segment` is a trusted-key signature over the valid signing input of `principal`.
    fn signs(&self, segment: &str, principal: &Principal) -> bool {
        let sig = b64::decode_strict(segment.as_bytes()).unwrap_or_default();
        verifies(
            self.ctx.issuer.key.as_ref().unwrap(),
            self.ctx.issuer.alg,
            self.input_of(principal).as_bytes(),
            &sig,
        )
    }
    /// `token` is a valid token for `principal` (ECDSA signatures differ from call to call).
    fn is_valid_of(&self, token: &str, principal: &Principal) -> bool {
        let input = self.input_of(principal);
        token
            .strip_prefix(&format!("{input}."))
            .is_some_and(|s| self.signs(s, principal))
    }
    fn valid_claims(&self) -> Value {
        Value::Object(self.ctx.claims())
    }
    fn valid_header(&self) -> Value {
        Value::Object(self.ctx.header())
    }
    /// Claims equal the victim's valid claims except the listed ones, which have the given values
    /// (`None`: absent).
    fn claims_with(&self, changes: &[(&str, Option<Value>)]) {
        let mut expected = self.ctx.claims();
        for (name, value) in changes {
            match value {
                Some(v) => expected.insert(name.to_string(), v.clone()),
                None => expected.remove(*name),
            };
        }
        assert_eq!(self.jws.claims(), Some(&Value::Object(expected)));
    }
    fn header_with(&self, changes: &[(&str, Option<Value>)]) {
        let mut expected = self.ctx.header();
        for (name, value) in changes {
            match value {
                Some(v) => expected.insert(name.to_string(), v.clone()),
                None => expected.remove(*name),
            };
        }
        assert_eq!(self.jws.header(), Some(&Value::Object(expected)));
    }
}

fn verifies(key: &SigningKey, alg: Alg, input: &[u8], signature: &[u8]) -> bool {
    match key.hmac_secret() {
        Some(secret) => {
            alg.family() == AlgFamily::Hmac
                && sign::hmac_verify(alg, secret.expose(), input, signature)
        }
        None => sign::verify(alg, &key.public_key().unwrap(), input, signature),
    }
}

fn is_trusted_token(ctx: &MutationContext, token: &str) -> bool {
    let jws = CompactJws::parse(token.as_bytes());
    jws.segment_count() == 3
        && verifies(
            ctx.issuer.key.as_ref().unwrap(),
            ctx.issuer.alg,
            jws.signing_input().unwrap(),
            jws.signature().unwrap_or_default(),
        )
}

fn parse_alg(text: &str) -> Alg {
    text.parse().unwrap()
}

/// The structural check of one mutation's output. Every catalog id must have an arm.
fn check(id: &str, ctx: &MutationContext, req: &AttackRequest) {
    let jws = CompactJws::parse(req.token.as_deref().unwrap_or_default().as_bytes());
    let p = Probe { ctx, req, jws };
    let kind = ctx.issuer.kind();
    let alice = json!("user-alice");
    if req.placement == Placement::Bearer && !id.starts_with("duplicate-authorization") {
        assert!(req.token.is_some(), "bearer without token");
    }
    match id {
        // ---- claims ----
        "expired" => {
            p.claims_with(&[
                ("exp", Some(json!(NOW - 3600))),
                ("iat", Some(json!(NOW - 3600 - 900))),
            ]);
            assert!(p.trusted());
        }
        "expired-beyond-leeway-by-1s" => {
            p.claims_with(&[
                ("exp", Some(json!(NOW - 61))),
                ("iat", Some(json!(NOW - 61 - 900))),
            ]);
            assert!(p.trusted());
        }
        "expired-within-leeway" => {
            p.claims_with(&[
                ("exp", Some(json!(NOW - 15))),
                ("iat", Some(json!(NOW - 15 - 900))),
            ]);
            assert!(p.trusted());
        }
        "missing-exp" => p.claims_with(&[("exp", None)]),
        "exp-as-string" => p.claims_with(&[("exp", Some(json!((NOW + 900).to_string())))]),
        "exp-null" => p.claims_with(&[("exp", Some(Value::Null))]),
        "exp-lifetime-excessive" => p.claims_with(&[("exp", Some(json!(NOW + 3650 * 86400)))]),
        "nbf-future" => p.claims_with(&[("nbf", Some(json!(NOW + 3600)))]),
        "nbf-as-string" => p.claims_with(&[("nbf", Some(json!((NOW + 3600).to_string())))]),
        "iat-future" => p.claims_with(&[
            ("iat", Some(json!(NOW + 3600))),
            ("exp", Some(json!(NOW + 3600 + 900))),
        ]),
        "iat-max-age" => p.claims_with(&[("iat", Some(json!(NOW - 30 * 86400)))]),
        "wrong-iss" => p.claims_with(&[("iss", Some(json!("https://issuer.attacker.invalid")))]),
        "missing-iss" => p.claims_with(&[("iss", None)]),
        "iss-case-changed" => p.claims_with(&[("iss", Some(json!("HTTP://LOCALHOST:3000")))]),
        "iss-trailing-slash" => p.claims_with(&[("iss", Some(json!("http://localhost:3000/")))]),
        "iss-partial-match" => {
            p.claims_with(&[("iss", Some(json!("http://localhost:3000.attacker.invalid")))])
        }
        "iss-as-array" => p.claims_with(&[("iss", Some(json!([ISS])))]),
        "iss-unicode-confusable" => {
            p.claims_with(&[("iss", Some(json!("htt\u{440}://localhost:3000")))])
        }
        "wrong-aud" => p.claims_with(&[("aud", Some(json!("https://other-service.invalid")))]),
        "aud-missing" => p.claims_with(&[("aud", None)]),
        "aud-array-without-ours" => {
            p.claims_with(&[("aud", Some(json!(["https://other-service.invalid"])))])
        }
        "aud-array-with-ours" => {
            p.claims_with(&[("aud", Some(json!(["https://other-service.invalid", ISS])))])
        }
        "aud-empty-array" => p.claims_with(&[("aud", Some(json!([])))]),
        "aud-partial-match" => {
            p.claims_with(&[("aud", Some(json!("http://localhost:3000.attacker.invalid")))])
        }
        "missing-sub" => p.claims_with(&[("sub", None)]),
        "empty-sub" => p.claims_with(&[("sub", Some(json!("")))]),
        "sub-number" => p.claims_with(&[("sub", Some(json!(12345)))]),
        "sub-array" => p.claims_with(&[("sub", Some(json!(["user-bob", "user-alice"])))]),
        "sub-object" => p.claims_with(&[("sub", Some(json!({"id": "user-alice"})))]),
        "sub-null" => p.claims_with(&[("sub", Some(Value::Null))]),
        "sub-case-changed" => p.claims_with(&[("sub", Some(json!("USER-ALICE")))]),
        "sub-leading-space" => p.claims_with(&[("sub", Some(json!(" user-alice")))]),
        "sub-unicode-confusable" => p.claims_with(&[("sub", Some(json!("u\u{455}er-alice")))]),
        "other-principal-sub" => {
            assert_eq!(p.c("sub"), Some(&json!("user-bob")));
            assert_eq!(
                p.jws.claims(),
                Some(&Value::Object(ctx.claims_of(&ctx.other)))
            );
            assert!(req.path_user.is_none(), "must target the victim's path");
        }
        "sub-unknown-user" => {
            p.claims_with(&[("sub", Some(json!("authconform-unknown-user")))]);
            assert_eq!(req.path_user.as_deref(), Some("authconform-unknown-user"));
        }
        "claim-precedence-confusion" => {
            assert_eq!(p.c("sub"), Some(&json!("user-bob")));
            for name in ["user_id", "userId", "id", "uid", "email", "tenant_id"] {
                assert_eq!(p.c(name), Some(&alice), "{name}");
            }
        }
        "typ-not-access-token" => {
            p.header_with(&[("typ", Some(json!("logout+jwt")))]);
            p.claims_with(&[]);
        }
        "cross-jwt-session-shape" => {
            for absent in ["sub", "iss", "aud"] {
                assert!(p.c(absent).is_none(), "{absent}");
            }
            assert_eq!(p.c("session").unwrap()["userId"], alice);
            assert_eq!(p.c("user").unwrap()["id"], alice);
            assert_eq!(p.c("exp"), Some(&json!(NOW + 900)));
        }
        // ---- algorithm ----
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
        // ---- signature ----
        "signature-empty" => {
            let (h, pl, _) = p.valid_parts();
            assert_eq!(p.token(), format!("{h}.{pl}."));
        }
        "signature-truncated" => {
            let (h, pl, s) = p.valid_parts();
            assert_eq!((p.seg(0), p.seg(1)), (h.as_str(), pl.as_str()));
            assert_eq!(p.seg(2).len(), s.len() - 4);
            assert!(!p.trusted());
        }
        "signature-bit-flipped" => {
            let (h, pl, s) = p.valid_parts();
            assert_eq!((p.seg(0), p.seg(1)), (h.as_str(), pl.as_str()));
            let mut sig = p.sig();
            assert_eq!(sig.len(), b64::decode_strict(s.as_bytes()).unwrap().len());
            assert!(!p.trusted());
            sig[0] ^= 1;
            assert!(
                verifies(
                    ctx.issuer.key.as_ref().unwrap(),
                    ctx.issuer.alg,
                    p.input(),
                    &sig
                ),
                "one bit away from valid"
            );
        }
        "signature-from-another-token" => {
            let (h, pl, _) = p.valid_parts();
            assert_eq!((p.seg(0), p.seg(1)), (h.as_str(), pl.as_str()));
            assert!(
                p.signs(p.seg(2), &ctx.other),
                "the attacker's valid signature"
            );
            assert!(!p.trusted());
        }
        "signed-with-attacker-key" => {
            assert_eq!(p.jws.header(), Some(&p.valid_header()));
            p.claims_with(&[]);
            let attacker = ctx
                .attacker
                .by_kind(kind)
                .cloned()
                .unwrap_or_else(|| ctx.attacker.hs256_key());
            assert!(verifies(&attacker, ctx.issuer.alg, p.input(), &p.sig()));
            assert!(!p.trusted());
        }
        "payload-tampered" => {
            let other = ctx.valid_token_of(&ctx.other).unwrap();
            assert_eq!(p.seg(0), other.split('.').next().unwrap());
            assert!(
                p.signs(p.seg(2), &ctx.other),
                "the attacker's valid signature"
            );
            let mut expected = ctx.claims_of(&ctx.other);
            expected.insert("sub".into(), alice.clone());
            assert_eq!(p.jws.claims(), Some(&Value::Object(expected)));
            assert!(!p.trusted());
        }
        "header-tampered" => {
            p.header_with(&[("x-authconform", Some(json!("tampered")))]);
            assert_eq!(p.seg(1), p.valid_parts().1);
            assert!(p.signs(p.seg(2), &ctx.principal));
        }
        "claims-canary-unsigned" | "claims-null-unsigned" => {
            let claims = p.jws.claims().unwrap().as_object().unwrap();
            assert_eq!(claims.len(), ctx.claims().len());
            for (name, value) in claims {
                let expected = if id == "claims-null-unsigned" {
                    Value::Null
                } else {
                    json!(format!("authconform-canary-{name}"))
                };
                assert_eq!(value, &expected);
            }
            assert!(p.signs(p.seg(2), &ctx.principal));
        }
        "expired-plus-forged" => {
            p.claims_with(&[
                ("exp", Some(json!(NOW - 3600))),
                ("iat", Some(json!(NOW - 3600 - 900))),
            ]);
            assert!(!p.trusted());
            let mut sig = p.sig();
            sig[0] ^= 1;
            assert!(
                verifies(
                    ctx.issuer.key.as_ref().unwrap(),
                    ctx.issuer.alg,
                    p.input(),
                    &sig
                ),
                "one bit away from valid"
            );
        }
        // ---- header ----
        "kid-unknown" | "kid-number" | "kid-null" | "kid-empty" | "kid-oversized" => {
            let kid = match id {
                "kid-unknown" => json!("authconform-unknown-kid"),
                "kid-number" => json!(12345),
                "kid-null" => Value::Null,
                "kid-empty" => json!(""),
                _ => json!("k".repeat(100 * 1024)),
            };
            p.header_with(&[("kid", Some(kid))]);
            assert!(p.trusted());
        }
        "kid-path-traversal" | "kid-dev-null" | "kid-sql-injection" => {
            let (kid, secret): (&str, &[u8]) = match id {
                "kid-path-traversal" => ("../../../../../../../dev/null", b""),
                "kid-dev-null" => ("/dev/null", b""),
                _ => ("x' UNION SELECT '1';--", b"1"),
            };
            assert_eq!(p.jws.header(), Some(&json!({"alg": "HS256", "kid": kid})));
            assert!(sign::hmac_verify(Alg::Hs256, secret, p.input(), &p.sig()));
        }
        "kid-command-injection" | "kid-command-injection-subshell" => {
            let kid = if id.ends_with("subshell") {
                "$(sleep 10)"
            } else {
                "|sleep 10"
            };
            p.header_with(&[("kid", Some(json!(kid)))]);
            let attacker = ctx
                .attacker
                .by_kind(kind)
                .cloned()
                .unwrap_or_else(|| ctx.attacker.hs256_key());
            assert!(verifies(&attacker, ctx.issuer.alg, p.input(), &p.sig()));
            assert!(!p.trusted());
        }
        "jku-to-attacker-jwks" | "jku-userinfo-bypass" | "jku-path-bypass" => {
            let (url, path) = match id {
                "jku-to-attacker-jwks" => (format!("{ATTACKER}/jwks.json"), "/jwks.json"),
                "jku-userinfo-bypass" => (
                    "http://localhost:3000@127.0.0.1:4000/jwks.json".to_string(),
                    "/jwks.json",
                ),
                _ => (
                    format!("{ATTACKER}/localhost:3000/jwks.json"),
                    "/localhost:3000/jwks.json",
                ),
            };
            assert_eq!(p.h("jku"), Some(&json!(url)));
            assert_eq!(req.hosted.len(), 1);
            assert_eq!(req.hosted[0].path, path);
            let jwks: Value = serde_json::from_str(&req.hosted[0].body).unwrap();
            let hosted = PublicKey::from_jwk(&jwks["keys"][0]).unwrap();
            assert_eq!(p.h("kid").and_then(Value::as_str), hosted.kid.as_deref());
            assert_eq!(
                p.h("kid").and_then(Value::as_str),
                ctx.issuer.kid.as_deref().or(Some("attacker-ed25519"))
            );
            let alg = parse_alg(p.h("alg").unwrap().as_str().unwrap());
            assert!(
                sign::verify(alg, &hosted, p.input(), &p.sig()),
                "signed by the hosted key"
            );
            assert!(!p.trusted());
        }
        "x5u-to-attacker-cert" | "x5c-self-signed-chain" => {
            let cert_der = if id.starts_with("x5u") {
                assert_eq!(p.h("x5u"), Some(&json!(format!("{ATTACKER}/x5u.pem"))));
                assert_eq!(req.hosted[0].path, "/x5u.pem");
                crate::token::keys::pem::decode_first(&req.hosted[0].body)
                    .unwrap()
                    .der
            } else {
                let entries = p.h("x5c").unwrap().as_array().unwrap();
                assert_eq!(entries.len(), 1);
                b64::decode_standard(entries[0].as_str().unwrap().as_bytes()).unwrap()
            };
            let key = ctx.attacker_injection_key();
            let spki = key.public_key().unwrap().spki_der();
            assert!(
                cert_der.windows(spki.len()).any(|w| w == spki.as_slice()),
                "certificate holds the signing key"
            );
            assert!(verifies(
                &key,
                parse_alg(p.h("alg").unwrap().as_str().unwrap()),
                p.input(),
                &p.sig()
            ));
            assert!(!p.trusted());
        }
        id if id.starts_with("embedded-jwk-") => {
            let embedded = PublicKey::from_jwk(p.h("jwk").unwrap()).unwrap();
            let expected_kind = match id {
                "embedded-jwk-attacker-rsa" => KeyKind::Rsa,
                "embedded-jwk-attacker-ec" => KeyKind::EcP256,
                "embedded-jwk-attacker-okp" => KeyKind::Ed25519,
                _ if kind == KeyKind::Hmac => KeyKind::Ed25519,
                _ => kind,
            };
            assert_eq!(embedded.kind(), expected_kind);
            let alg = parse_alg(p.h("alg").unwrap().as_str().unwrap());
            assert!(
                sign::verify(alg, &embedded, p.input(), &p.sig()),
                "signed by the embedded key"
            );
            assert_ne!(Some(&embedded), ctx.target_key.as_ref());
        }
        "crit-unknown-extension" => {
            p.header_with(&[
                ("crit", Some(json!(["x-authconform"]))),
                ("x-authconform", Some(json!(true))),
            ]);
            assert!(p.trusted());
        }
        "crit-empty-array" => p.header_with(&[("crit", Some(json!([])))]),
        "crit-lists-registered-header" => p.header_with(&[("crit", Some(json!(["alg"])))]),
        "b64-false" => {
            p.header_with(&[("b64", Some(json!(false))), ("crit", Some(json!(["b64"])))]);
            let payload: Value =
                serde_json::from_str(p.seg(1)).expect("unencoded JSON payload inline");
            assert_eq!(payload, p.valid_claims());
            assert!(p.trusted(), "signed over header.<raw payload>");
        }
        "b64-false-without-crit" => {
            p.header_with(&[("b64", Some(json!(false)))]);
            p.claims_with(&[]);
            assert!(p.trusted());
        }
        "nested-jwt-unsigned-outer" | "nested-jwt-attacker-outer" | "nested-jwt-forged-inner" => {
            assert_eq!(p.h("cty"), Some(&json!("JWT")));
            let inner = std::str::from_utf8(p.jws.payload_bytes().unwrap()).unwrap();
            let inner_jws = CompactJws::parse(inner.as_bytes());
            assert_eq!(inner_jws.claims(), Some(&p.valid_claims()));
            let attacker = ctx.attacker_same_alg().unwrap();
            match id {
                "nested-jwt-unsigned-outer" => {
                    assert_eq!(p.h("alg"), Some(&json!("none")));
                    assert_eq!(p.seg(2), "");
                    assert!(is_trusted_token(ctx, inner));
                }
                "nested-jwt-attacker-outer" => {
                    assert!(verifies(&attacker, ctx.issuer.alg, p.input(), &p.sig()));
                    assert!(!p.trusted() && is_trusted_token(ctx, inner));
                }
                _ => {
                    assert!(p.trusted());
                    assert!(!is_trusted_token(ctx, inner));
                    let ij = CompactJws::parse(inner.as_bytes());
                    assert!(verifies(
                        &attacker,
                        ctx.issuer.alg,
                        ij.signing_input().unwrap(),
                        ij.signature().unwrap()
                    ));
                }
            }
        }
        "cty-xml-payload" => {
            p.header_with(&[("cty", Some(json!("text/xml")))]);
            let payload = std::str::from_utf8(p.jws.payload_bytes().unwrap()).unwrap();
            assert!(
                payload.starts_with("<?xml")
                    && payload.contains("<!ENTITY x SYSTEM \"file:///etc/passwd\">")
            );
            assert!(p.trusted());
        }
        "url-claims-callback" => {
            p.header_with(&[
                ("jku", Some(json!(format!("{ATTACKER}/callback/jku")))),
                ("x5u", Some(json!(format!("{ATTACKER}/callback/x5u")))),
            ]);
            p.claims_with(&[("iss", Some(json!(format!("{ATTACKER}/callback/iss"))))]);
            assert!(p.trusted());
        }
        "common-claims-url-injected" => {
            for name in ["typ", "jku", "kid", "x5u", "x5t"] {
                assert_eq!(
                    p.h(name),
                    Some(&json!(format!("{ATTACKER}/callback/header/{name}")))
                );
            }
            for name in ["iss", "sub", "aud", "jti", "email", "redirect_uri"] {
                assert_eq!(
                    p.c(name),
                    Some(&json!(format!("{ATTACKER}/callback/claim/{name}")))
                );
            }
            assert!(p.signs(p.seg(2), &ctx.principal));
        }
        // ---- encoding ----
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
        // ---- transport ----
        "no-credentials" => assert_eq!(*req, AttackRequest::placed(None, Placement::None)),
        "token-in-query"
        | "token-in-form-body"
        | "token-in-cookie"
        | "token-in-x-access-token"
        | "token-in-x-auth-token"
        | "lowercase-bearer"
        | "uppercase-bearer"
        | "scheme-token"
        | "scheme-jwt"
        | "bare-token" => {
            let placement = match id {
                "token-in-query" => Placement::Query {
                    param: "access_token".into(),
                },
                "token-in-form-body" => Placement::FormBody {
                    field: "access_token".into(),
                },
                "token-in-cookie" => Placement::Cookie {
                    name: "access_token".into(),
                },
                "token-in-x-access-token" => Placement::Header {
                    name: "X-Access-Token".into(),
                },
                "token-in-x-auth-token" => Placement::Header {
                    name: "X-Auth-Token".into(),
                },
                "lowercase-bearer" => Placement::Scheme("bearer".into()),
                "uppercase-bearer" => Placement::Scheme("BEARER".into()),
                "scheme-token" => Placement::Scheme("Token".into()),
                "scheme-jwt" => Placement::Scheme("JWT".into()),
                _ => Placement::Bare,
            };
            assert_eq!(req.placement, placement);
            assert!(p.is_valid_of(p.token(), &ctx.principal));
        }
        "scheme-basic" => {
            let Placement::RawAuthorization(value) = &req.placement else {
                panic!("raw Authorization")
            };
            let decoded =
                b64::decode_standard(value.strip_prefix("Basic ").unwrap().as_bytes()).unwrap();
            let decoded = String::from_utf8(decoded).unwrap();
            let token = decoded.strip_prefix("user-alice:").unwrap();
            assert!(p.is_valid_of(token, &ctx.principal) && token == p.token());
        }
        "duplicate-authorization-header" | "duplicate-authorization-header-reversed" => {
            let (first, second) = if id.ends_with("reversed") {
                (&ctx.principal, &ctx.other)
            } else {
                (&ctx.other, &ctx.principal)
            };
            let Placement::TwoAuthorization {
                second: second_token,
            } = &req.placement
            else {
                panic!("two lines")
            };
            assert!(p.is_valid_of(p.token(), first) && p.is_valid_of(second_token, second));
        }
        "multiple-token-methods" => {
            assert!(p.is_valid_of(p.token(), &ctx.other));
            let Placement::BearerAndQuery { param, query_token } = &req.placement else {
                panic!("query")
            };
            assert_eq!(param, "access_token");
            assert!(p.is_valid_of(query_token, &ctx.principal));
        }
        "invalid-bearer-with-valid-cookie" => {
            assert!(!p.trusted());
            let Placement::BearerAndCookie { name, cookie_token } = &req.placement else {
                panic!("cookie")
            };
            assert_eq!(name, "access_token");
            assert!(p.is_valid_of(cookie_token, &ctx.principal));
        }
        other => panic!("no structural check for mutation {other}"),
    }
}

#[test]
fn every_mutation_produces_the_expected_bytes_for_every_issuer_kind() {
    for kind in KINDS {
        let ctx = ctx_for(kind);
        for mutation in catalog() {
            let outcome = mutation.apply(&ctx);
            if not_applicable(mutation.id, kind) {
                assert!(
                    matches!(outcome, Err(MutationError::NotApplicable(_))),
                    "{} with a {kind} issuer should be not applicable, got {outcome:?}",
                    mutation.id
                );
                continue;
            }
            let request =
                outcome.unwrap_or_else(|e| panic!("{} with a {kind} issuer: {e}", mutation.id));
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                check(mutation.id, &ctx, &request)
            }));
            if result.is_err() {
                panic!(
                    "structural check of {} failed with a {kind} issuer",
                    mutation.id
                );
            }
        }
    }
}

#[test]
fn ids_are_unique_kebab_case_and_well_described() {
    let mut seen = std::collections::HashSet::new();
    for m in catalog() {
        assert!(seen.insert(m.id), "duplicate id {}", m.id);
        let kebab = !m.id.is_empty()
            && !m.id.starts_with('-')
            && !m.id.ends_with('-')
            && !m.id.contains("--")
            && m.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        assert!(kebab, "not kebab-case: {}", m.id);
        assert!(
            !m.description.is_empty() && !m.description.contains('\n'),
            "{}",
            m.id
        );
        assert!(!m.reference.is_empty(), "{}", m.id);
    }
    assert!(catalog().len() >= 150, "catalog has {}", catalog().len());
}

#[test]
fn issue_ids_are_present() {
    let required = [
        "expired",
        "expired-beyond-leeway-by-1s",
        "expired-within-leeway",
        "nbf-future",
        "iat-future",
        "missing-exp",
        "missing-sub",
        "empty-sub",
        "sub-number",
        "sub-array",
        "sub-object",
        "sub-null",
        "wrong-iss",
        "iss-case-changed",
        "iss-trailing-slash",
        "wrong-aud",
        "aud-array-without-ours",
        "aud-missing",
        "other-principal-sub",
        "alg-none",
        "alg-mismatch",
        "ecdsa-psychic-signature",
        "alg-unknown",
        "signature-empty",
        "signature-truncated",
        "signature-bit-flipped",
        "signature-from-another-token",
        "signed-with-attacker-key",
        "payload-tampered",
        "header-tampered",
        "kid-unknown",
        "kid-path-traversal",
        "kid-sql-injection",
        "kid-command-injection",
        "jku-to-attacker-jwks",
        "x5u-to-attacker-cert",
        "embedded-jwk-attacker-key",
        "x5c-self-signed-chain",
        "crit-unknown-extension",
        "b64-false",
        "token-in-query",
        "lowercase-bearer",
        "bare-token",
        "token-in-cookie",
        "empty-token",
        "hs256-with-public-key-pem",
        "hs384-with-public-key-der",
        "hs512-with-public-key-jwk-json",
    ];
    for id in required {
        assert!(find(id).is_ok(), "missing {id}");
    }
    assert_eq!(find("lowercase-bearer").unwrap().expected, Expected::Accept);
    assert_eq!(
        find("expired-within-leeway").unwrap().expected,
        Expected::Accept
    );
    assert_eq!(
        find("other-principal-sub").unwrap().expected,
        Expected::Forbidden
    );
    assert_eq!(
        find("token-in-query").unwrap().expected,
        Expected::RejectNoCredentials
    );
}

#[test]
fn serializes_for_listings() {
    let value = serde_json::to_value(find("alg-none").unwrap()).unwrap();
    assert_eq!(value["id"], "alg-none");
    assert_eq!(value["family"], "algorithm");
    assert_eq!(value["class"], "enforcement");
    assert_eq!(value["expected"], "reject");
    assert_eq!(value.as_object().unwrap().len(), 6);
    let no_credentials = serde_json::to_value(find("token-in-query").unwrap()).unwrap();
    assert_eq!(no_credentials["expected"], "reject-no-credentials");
}

#[test]
fn find_suggests_close_ids() {
    let err = find("alg-nnoe").unwrap_err();
    assert_eq!(err.suggestion, Some("alg-none"));
    assert!(
        err.to_string().contains("did you mean \"alg-none\""),
        "{err}"
    );
    assert_eq!(
        find("zzzzzzzzzzzzzzzzzzzzzzzz").unwrap_err().suggestion,
        None
    );
}

#[test]
fn attacker_host_mutations_need_a_base_url() {
    let mut ctx = ctx_for(KeyKind::Ed25519);
    ctx.attacker_base_url = None;
    for id in [
        "jku-to-attacker-jwks",
        "jku-userinfo-bypass",
        "jku-path-bypass",
        "x5u-to-attacker-cert",
        "url-claims-callback",
        "common-claims-url-injected",
    ] {
        assert!(
            matches!(
                find(id).unwrap().apply(&ctx),
                Err(MutationError::NeedsAttackerUrl)
            ),
            "{id}"
        );
    }
}

#[test]
fn leeway_and_custom_user_id_claim() {
    let mut ctx = ctx_for(KeyKind::Ed25519);
    ctx.leeway_secs = 0;
    assert!(matches!(
        find("expired-within-leeway").unwrap().apply(&ctx),
        Err(MutationError::NotApplicable(_))
    ));
    // Beyond the largest leeway the spec allows (60 s), or the declared one when larger.
    let beyond = |ctx: &MutationContext| {
        let token = find("expired-beyond-leeway-by-1s")
            .unwrap()
            .apply(ctx)
            .unwrap()
            .token
            .unwrap();
        CompactJws::parse(token.as_bytes()).claim("exp").cloned()
    };
    ctx.leeway_secs = 10;
    assert_eq!(beyond(&ctx), Some(json!(NOW - 61)));
    ctx.leeway_secs = 90;
    assert_eq!(beyond(&ctx), Some(json!(NOW - 91)));

    ctx.issuer.user_id_claim = crate::token::identity::IdClaim::Name("user_id".into());
    let token = find("missing-sub")
        .unwrap()
        .apply(&ctx)
        .unwrap()
        .token
        .unwrap();
    let jws = CompactJws::parse(token.as_bytes());
    assert!(jws.claim("user_id").is_none() && jws.claim("sub").is_none());
    let token = find("claim-precedence-confusion")
        .unwrap()
        .apply(&ctx)
        .unwrap()
        .token
        .unwrap();
    let jws = CompactJws::parse(token.as_bytes());
    assert_eq!(
        jws.claim("user_id"),
        Some(&json!("user-bob")),
        "the configured id claim names the attacker"
    );
    assert_eq!(jws.claim("userId"), Some(&json!("user-alice")));
}

#[test]
fn hs256_issuer_signs_same_alg_forgeries_with_the_attacker_secret() {
    let ctx = ctx_for(KeyKind::Hmac);
    let key: SigningKey = ctx.attacker_same_alg().unwrap();
    assert_eq!(key.kind(), KeyKind::Hmac);
    assert_ne!(
        key.hmac_secret(),
        ctx.issuer.key.as_ref().unwrap().hmac_secret()
    );
}

#[test]
fn claims_the_issuer_leaves_out_are_not_probed() {
    let mut ctx = ctx_for(KeyKind::Hmac);
    ctx.issuer.iss = None;
    ctx.issuer.aud = None;
    for id in [
        "wrong-iss",
        "missing-iss",
        "iss-as-array",
        "wrong-aud",
        "aud-missing",
    ] {
        let err = find(id).unwrap().apply(&ctx).unwrap_err();
        assert!(
            matches!(&err, MutationError::NotApplicable(reason) if reason.contains("carry no")),
            "{id}: {err}"
        );
    }
}

#[test]
fn without_the_issuer_key_only_keyless_attacks_are_made() {
    let mut ctx = ctx_for(KeyKind::Ed25519);
    let victim = ctx.valid_token().unwrap();
    let other = ctx.valid_token_of(&ctx.other.clone()).unwrap();
    ctx.principal.issued = Some(crate::token::mint::IssuedToken::parse(&victim).unwrap());
    ctx.other.issued = Some(crate::token::mint::IssuedToken::parse(&other).unwrap());
    ctx.issuer.key = None;
    assert_eq!(ctx.valid_token().unwrap(), victim);
    // Signed by the issuer: skipped, with the reason.
    let err = find("expired").unwrap().apply(&ctx).unwrap_err();
    assert!(
        matches!(&err, MutationError::NotApplicable(reason) if reason.contains("issuer's signing key")),
        "{err}"
    );
    // No key needed: alg none, a stripped signature, another user's real token, the attacker's key.
    for id in [
        "alg-none",
        "signature-empty",
        "other-principal-sub",
        "embedded-jwk-attacker-key",
        "payload-tampered",
    ] {
        let made = find(id).unwrap().apply(&ctx);
        assert!(made.is_ok(), "{id}: {:?}", made.err());
    }
    assert_eq!(
        find("other-principal-sub")
            .unwrap()
            .apply(&ctx)
            .unwrap()
            .token
            .as_deref(),
        Some(other.as_str())
    );
}
