//! The TEST ONLY issuer fixture keys (`fixtures/keys/issuer/`), embedded so that the fuzz targets run
//! anywhere (ClusterFuzzLite runners have no checkout), with the reference server's verifier and the
//! independent [`oracle`](super::oracle) configured over the same keys.

use std::sync::OnceLock;
use std::time::Duration;

use jsonwebtoken::Algorithm;
use reference_server::auth::{KeyStore, Verifier, VerifierSettings};

use super::oracle::{ClaimRules, TrustedKeys};
use crate::token::Alg;
use crate::token::keys::{PublicKey, SigningKey};

/// The fixed "now" of the fuzz targets and seeds (Unix seconds).
pub const NOW: u64 = 1_750_000_000;
/// Issuer and audience of the fixture tokens (the reference server's defaults).
pub const ISSUER: &str = "http://localhost:3000";
/// Clock leeway of the fixture verifiers, in seconds.
pub const LEEWAY_SECS: u64 = 30;
/// Issuer kids, in JWKS order.
pub const KIDS: [&str; 4] = ["test-ed25519", "test-rsa2048", "test-p256", "test-p384"];

const PEMS: [&str; 4] = [
    include_str!("../../fixtures/keys/issuer/ed25519.pem"),
    include_str!("../../fixtures/keys/issuer/rsa2048.pem"),
    include_str!("../../fixtures/keys/issuer/p256.pem"),
    include_str!("../../fixtures/keys/issuer/p384.pem"),
];
/// The issuer's public JWKS (all four keys).
pub const JWKS_JSON: &str = include_str!("../../fixtures/keys/issuer/jwks.json");
const HS256_SECRET: &str = include_str!("../../fixtures/keys/issuer/hs256.secret");

/// Keys, verifiers and rules shared by the fuzz targets.
#[derive(Debug)]
pub struct Fixture {
    /// The issuer's signing keys: Ed25519, RSA 2048, P-256, P-384 (kids [`KIDS`]).
    pub keys: Vec<SigningKey>,
    /// The issuer's HS256 secret.
    pub hs256_secret: Vec<u8>,
    /// The reference verifier over `jwks.json`, allowing EdDSA, RS256, ES256 and ES384.
    pub asymmetric: Verifier,
    /// The reference verifier over the HS256 secret, allowing HS256.
    pub hmac: Verifier,
    /// The oracle's view of `asymmetric`.
    pub asymmetric_keys: TrustedKeys,
    /// The oracle's view of `hmac`.
    pub hmac_keys: TrustedKeys,
    /// The claim rules both verifiers apply.
    pub rules: ClaimRules,
}

impl Fixture {
    /// The issuer key that signs `alg` honestly (HMAC is not a [`SigningKey`] here: see
    /// [`Fixture::hs256_secret`]).
    pub fn key_for(&self, alg: Alg) -> Option<&SigningKey> {
        self.keys.iter().find(|k| k.kind().supports(alg))
    }

    /// The public keys as SPKI PEM text (what a key-confusion attack HMACs with).
    pub fn public_pems(&self) -> Vec<String> {
        self.keys
            .iter()
            .filter_map(SigningKey::public_key)
            .map(|k| k.spki_pem())
            .collect()
    }
}

/// The shared fixture, loaded once; `None` only if the embedded keys cannot be read (a broken build).
pub fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();
    FIXTURE.get_or_init(load).as_ref()
}

fn load() -> Option<Fixture> {
    let keys = PEMS
        .iter()
        .zip(KIDS)
        .map(|(pem, kid)| SigningKey::from_pkcs8_pem(pem, Some(kid.to_string())).ok())
        .collect::<Option<Vec<_>>>()?;
    let hs256_secret = HS256_SECRET.as_bytes().to_vec();
    let settings = |algorithms| VerifierSettings {
        issuer: ISSUER.into(),
        audience: ISSUER.into(),
        algorithms,
        leeway: Duration::from_secs(LEEWAY_SECS),
        flaw: None,
    };
    let store = KeyStore::from_jwks_json(JWKS_JSON.as_bytes()).ok()?;
    let asymmetric = Verifier::new(
        settings(vec![
            Algorithm::EdDSA,
            Algorithm::RS256,
            Algorithm::ES256,
            Algorithm::ES384,
        ]),
        store,
    );
    let hmac = Verifier::new(
        settings(vec![Algorithm::HS256]),
        KeyStore::from_hs256_secret(&hs256_secret),
    );
    let public: Vec<PublicKey> = keys.iter().filter_map(SigningKey::public_key).collect();
    let asymmetric_keys = TrustedKeys {
        algorithms: vec![Alg::EdDsa, Alg::Rs256, Alg::Es256, Alg::Es384],
        public,
        hmac_secret: None,
    };
    let hmac_keys = TrustedKeys {
        algorithms: vec![Alg::Hs256],
        public: Vec::new(),
        hmac_secret: Some(hs256_secret.clone()),
    };
    Some(Fixture {
        keys,
        hs256_secret,
        asymmetric,
        hmac,
        asymmetric_keys,
        hmac_keys,
        rules: ClaimRules {
            issuer: Some(ISSUER.into()),
            audience: Some(ISSUER.into()),
            user_claim: "sub".into(),
            leeway_secs: LEEWAY_SECS,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_fixture_loads() {
        let f = fixture().expect("fixture keys load");
        assert_eq!(f.keys.len(), 4);
        assert_eq!(f.asymmetric.keys().len(), 4);
        assert_eq!(f.hs256_secret.len(), 64);
        assert_eq!(f.key_for(Alg::Es384).and_then(|k| k.kid()), Some(KIDS[3]));
        assert!(f.key_for(Alg::Hs256).is_none());
        assert_eq!(f.public_pems().len(), 4);
    }
}
