//! Shared fixtures of the mutation tests: key sets, a context per key kind, a request probe.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::token::jws::CompactJws;
use crate::token::keys::{KeyKind, KeySet, SigningKey};
use crate::token::mint::{FixedClock, IssuerSettings, Principal};
use crate::token::mutation::{AttackRequest, MutationContext};
use crate::token::{Alg, AlgFamily, b64, sign};

pub(super) const NOW: u64 = 1_750_000_000;
pub(super) const ISS: &str = "http://localhost:3000";
pub(super) const ATTACKER: &str = "http://127.0.0.1:4000";
pub(super) const KINDS: [KeyKind; 5] = [
    KeyKind::Ed25519,
    KeyKind::Rsa,
    KeyKind::EcP256,
    KeyKind::EcP384,
    KeyKind::Hmac,
];

pub(super) fn fixtures() -> &'static (KeySet, KeySet) {
    static SETS: OnceLock<(KeySet, KeySet)> = OnceLock::new();
    SETS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/keys");
        (
            KeySet::load(&dir.join("issuer")).unwrap(),
            KeySet::load(&dir.join("attacker")).unwrap(),
        )
    })
}

pub(super) fn ctx_for(kind: KeyKind) -> MutationContext {
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

/// What one produced request looks like, with helpers.
pub(super) struct Probe<'a> {
    pub(super) ctx: &'a MutationContext,
    pub(super) req: &'a AttackRequest,
    pub(super) jws: CompactJws,
}

impl Probe<'_> {
    pub(super) fn token(&self) -> &str {
        self.req.token.as_deref().expect("a token")
    }
    pub(super) fn h(&self, name: &str) -> Option<&Value> {
        self.jws.header_param(name)
    }
    pub(super) fn c(&self, name: &str) -> Option<&Value> {
        self.jws.claim(name)
    }
    pub(super) fn sig(&self) -> Vec<u8> {
        self.jws.signature().unwrap_or_default().to_vec()
    }
    pub(super) fn input(&self) -> &[u8] {
        self.jws.signing_input().unwrap_or_default()
    }
    pub(super) fn seg(&self, i: usize) -> &str {
        std::str::from_utf8(self.jws.segment(i).unwrap_or_default()).unwrap()
    }
    /// The signature verifies under the trusted key and the issuer's algorithm.
    pub(super) fn trusted(&self) -> bool {
        verifies(
            self.ctx.issuer.key.as_ref().unwrap(),
            self.ctx.issuer.alg,
            self.input(),
            &self.sig(),
        )
    }
    pub(super) fn valid(&self) -> String {
        self.ctx.valid_token().unwrap()
    }
    pub(super) fn valid_parts(&self) -> (String, String, String) {
        let valid = self.valid();
        let mut parts = valid.split('.').map(str::to_string);
        (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        )
    }
    /// The signing input of a fresh valid token for `principal` (deterministic text).
    pub(super) fn input_of(&self, principal: &Principal) -> String {
        let valid = self.ctx.valid_token_of(principal).unwrap();
        valid.rsplit_once('.').unwrap().0.to_string()
    }
    /// `segment` is a trusted-key signature over the valid signing input of `principal`.
    pub(super) fn signs(&self, segment: &str, principal: &Principal) -> bool {
        let sig = b64::decode_strict(segment.as_bytes()).unwrap_or_default();
        verifies(
            self.ctx.issuer.key.as_ref().unwrap(),
            self.ctx.issuer.alg,
            self.input_of(principal).as_bytes(),
            &sig,
        )
    }
    /// `token` is a valid token for `principal` (ECDSA signatures differ from call to call).
    pub(super) fn is_valid_of(&self, token: &str, principal: &Principal) -> bool {
        let input = self.input_of(principal);
        token
            .strip_prefix(&format!("{input}."))
            .is_some_and(|s| self.signs(s, principal))
    }
    pub(super) fn valid_claims(&self) -> Value {
        Value::Object(self.ctx.claims())
    }
    pub(super) fn valid_header(&self) -> Value {
        Value::Object(self.ctx.header())
    }
    /// Claims equal the victim's valid claims except the listed ones, which have the given values
    /// (`None`: absent).
    pub(super) fn claims_with(&self, changes: &[(&str, Option<Value>)]) {
        let mut expected = self.ctx.claims();
        for (name, value) in changes {
            match value {
                Some(v) => expected.insert(name.to_string(), v.clone()),
                None => expected.remove(*name),
            };
        }
        assert_eq!(self.jws.claims(), Some(&Value::Object(expected)));
    }
    pub(super) fn header_with(&self, changes: &[(&str, Option<Value>)]) {
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

pub(super) fn verifies(key: &SigningKey, alg: Alg, input: &[u8], signature: &[u8]) -> bool {
    match key.hmac_secret() {
        Some(secret) => {
            alg.family() == AlgFamily::Hmac
                && sign::hmac_verify(alg, secret.expose(), input, signature)
        }
        None => sign::verify(alg, &key.public_key().unwrap(), input, signature),
    }
}

pub(super) fn is_trusted_token(ctx: &MutationContext, token: &str) -> bool {
    let jws = CompactJws::parse(token.as_bytes());
    jws.segment_count() == 3
        && verifies(
            ctx.issuer.key.as_ref().unwrap(),
            ctx.issuer.alg,
            jws.signing_input().unwrap(),
            jws.signature().unwrap_or_default(),
        )
}

pub(super) fn parse_alg(text: &str) -> Alg {
    text.parse().unwrap()
}
