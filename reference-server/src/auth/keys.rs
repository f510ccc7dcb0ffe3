//! Verification keys: a [`KeyStore`] built from a JWKS (RFC 7517) or an HS256 secret, key selection by
//! `kid`, and the algorithms each key may verify.

use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyOperations, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use super::AuthError;

/// Smallest RSA modulus accepted (RFC 7518 §3.3).
const MIN_RSA_BITS: usize = 2048;

/// Why a JWKS (or a single JWK) cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Not a JSON object with a `keys` array.
    #[error("not a JWKS: expected a JSON object with a \"keys\" array")]
    NotAJwks,
    /// The JWKS holds no key usable for signature verification.
    #[error("the JWKS holds no usable signature-verification key")]
    NoUsableKey,
    /// One JWK that cannot be used (skipped when it is part of a JWKS).
    #[error("unusable JWK: {0}")]
    UnusableJwk(&'static str),
    /// Reading the JWKS file failed.
    #[error("failed to read the JWKS file: {0}")]
    Io(#[from] std::io::Error),
    /// Fetching the JWKS URL failed.
    #[error("failed to fetch the JWKS: {0}")]
    Fetch(String),
}

/// One key with the `alg` values it may verify.
#[derive(Clone)]
pub struct VerificationKey {
    kid: Option<String>,
    algorithms: Vec<Algorithm>,
    key: DecodingKey,
    /// DER SubjectPublicKeyInfo of a public key; only read by the `hs-key-confusion` flaw.
    spki_der: Option<Vec<u8>>,
}

impl std::fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerificationKey")
            .field("kid", &self.kid)
            .field("algorithms", &self.algorithms)
            .finish_non_exhaustive()
    }
}

impl VerificationKey {
    /// An HS256 shared secret (no `kid`).
    pub fn hs256(secret: &[u8]) -> Self {
        VerificationKey {
            kid: None,
            algorithms: vec![Algorithm::HS256],
            key: DecodingKey::from_secret(secret),
            spki_der: None,
        }
    }

    /// A public JWK. Refuses symmetric keys, keys not meant for signatures (`use` other than `sig`,
    /// `key_ops` without `verify`), RSA keys under 2048 bits, and an `alg` that does not fit the key type.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, KeyError> {
        if let Some(public_key_use) = &jwk.common.public_key_use
            && *public_key_use != PublicKeyUse::Signature
        {
            return Err(KeyError::UnusableJwk("use is not \"sig\""));
        }
        if let Some(ops) = &jwk.common.key_operations
            && !ops.contains(&KeyOperations::Verify)
        {
            return Err(KeyError::UnusableJwk("key_ops lacks \"verify\""));
        }
        let (family_algorithms, spki_der) = family_of(&jwk.algorithm)?;
        let algorithms = match &jwk.common.key_algorithm {
            None => family_algorithms,
            Some(declared) => {
                let alg = Algorithm::from_str(&declared.to_string())
                    .map_err(|_| KeyError::UnusableJwk("unsupported alg"))?;
                if !family_algorithms.contains(&alg) {
                    return Err(KeyError::UnusableJwk("alg does not fit the key type"));
                }
                vec![alg]
            }
        };
        let key = DecodingKey::from_jwk(jwk)
            .map_err(|_| KeyError::UnusableJwk("rejected by jsonwebtoken"))?;
        Ok(VerificationKey {
            kid: jwk.common.key_id.clone(),
            algorithms,
            key,
            spki_der: Some(spki_der),
        })
    }

    /// Parses and checks one JWK given as JSON.
    pub fn from_jwk_value(value: &Value) -> Result<Self, KeyError> {
        let jwk: Jwk = serde_json::from_value(value.clone())
            .map_err(|_| KeyError::UnusableJwk("not a JWK"))?;
        Self::from_jwk(&jwk)
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Whether a token signed with `alg` may be verified with this key.
    pub fn accepts(&self, alg: Algorithm) -> bool {
        self.algorithms.contains(&alg)
    }

    /// The `alg` values this key may verify.
    pub fn algorithms(&self) -> &[Algorithm] {
        &self.algorithms
    }

    pub(crate) fn decoding_key(&self) -> &DecodingKey {
        &self.key
    }

    /// The public key as SPKI PEM text (64-column base64, LF line ends, trailing LF: the form written
    /// by rcgen and `openssl pkey -pubout`). `None` for a shared secret.
    pub fn spki_pem(&self) -> Option<String> {
        self.spki_der.as_deref().map(spki_der::to_pem)
    }

    /// The public key as DER SubjectPublicKeyInfo. `None` for a shared secret.
    pub fn spki_der(&self) -> Option<&[u8]> {
        self.spki_der.as_deref()
    }
}

/// The algorithms a public JWK's key type allows, and its SubjectPublicKeyInfo (DER): Ed25519, P-256,
/// P-384 and RSA of at least [`MIN_RSA_BITS`]; a symmetric or other key is unusable.
fn family_of(parameters: &AlgorithmParameters) -> Result<(Vec<Algorithm>, Vec<u8>), KeyError> {
    let b64 = |s: &str| {
        URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| KeyError::UnusableJwk("bad base64url"))
    };
    Ok(match parameters {
        AlgorithmParameters::OctetKeyPair(p) => {
            if p.curve != EllipticCurve::Ed25519 {
                return Err(KeyError::UnusableJwk("OKP curve is not Ed25519"));
            }
            let x = b64(&p.x)?;
            if x.len() != 32 {
                return Err(KeyError::UnusableJwk("Ed25519 x is not 32 bytes"));
            }
            (vec![Algorithm::EdDSA], spki_der::ed25519(&x))
        }
        AlgorithmParameters::EllipticCurve(p) => {
            let (alg, size) = match p.curve {
                EllipticCurve::P256 => (Algorithm::ES256, 32),
                EllipticCurve::P384 => (Algorithm::ES384, 48),
                _ => return Err(KeyError::UnusableJwk("unsupported EC curve")),
            };
            let (x, y) = (b64(&p.x)?, b64(&p.y)?);
            if x.len() != size || y.len() != size {
                return Err(KeyError::UnusableJwk("EC coordinates have the wrong size"));
            }
            (
                vec![alg],
                spki_der::ec(p.curve == EllipticCurve::P256, &x, &y),
            )
        }
        AlgorithmParameters::RSA(p) => {
            let (n, e) = (b64(&p.n)?, b64(&p.e)?);
            let bits = n.iter().skip_while(|b| **b == 0).count() * 8;
            if bits < MIN_RSA_BITS {
                return Err(KeyError::UnusableJwk("RSA modulus under 2048 bits"));
            }
            let algorithms = vec![
                Algorithm::RS256,
                Algorithm::RS384,
                Algorithm::RS512,
                Algorithm::PS256,
                Algorithm::PS384,
                Algorithm::PS512,
            ];
            (algorithms, spki_der::rsa(&n, &e))
        }
        AlgorithmParameters::OctetKey(_) => {
            return Err(KeyError::UnusableJwk(
                "symmetric keys are not accepted from a JWKS",
            ));
        }
        _ => return Err(KeyError::UnusableJwk("unsupported key type")),
    })
}

/// The keys the verifier currently trusts.
#[derive(Debug, Clone, Default)]
pub struct KeyStore {
    keys: Vec<VerificationKey>,
}

impl KeyStore {
    /// A store holding exactly these keys.
    pub fn new(keys: Vec<VerificationKey>) -> Self {
        KeyStore { keys }
    }

    /// A store holding one HS256 secret.
    pub fn from_hs256_secret(secret: &[u8]) -> Self {
        KeyStore::new(vec![VerificationKey::hs256(secret)])
    }

    /// Parses a JWKS document. Unusable keys (see [`VerificationKey::from_jwk`]) are skipped with a
    /// warning; the result may be empty.
    pub fn from_jwks_json(bytes: &[u8]) -> Result<Self, KeyError> {
        let document: Value = serde_json::from_slice(bytes).map_err(|_| KeyError::NotAJwks)?;
        let Some(Value::Array(entries)) = document.get("keys") else {
            return Err(KeyError::NotAJwks);
        };
        let mut keys = Vec::with_capacity(entries.len());
        for entry in entries {
            match VerificationKey::from_jwk_value(entry) {
                Ok(key) => keys.push(key),
                Err(err) => {
                    let kid = entry.get("kid").and_then(Value::as_str).unwrap_or("<none>");
                    tracing::warn!(kid, error = %err, "skipping JWKS entry");
                }
            }
        }
        Ok(KeyStore { keys })
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the store holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys, in JWKS order.
    pub fn keys(&self) -> &[VerificationKey] {
        &self.keys
    }

    /// Picks the key for a token: by `kid` when the token names one; a store with a single key that
    /// has no `kid` (a shared secret) is used whatever the token's `kid`. A token without `kid` is
    /// only accepted when the store holds exactly one key.
    pub fn select(&self, kid: Option<&str>) -> Result<&VerificationKey, AuthError> {
        match kid {
            Some(kid) => {
                if let Some(key) = self.keys.iter().find(|k| k.kid() == Some(kid)) {
                    return Ok(key);
                }
                match self.keys.as_slice() {
                    [only] if only.kid().is_none() => Ok(only),
                    _ => Err(AuthError::UnknownKid),
                }
            }
            None => match self.keys.as_slice() {
                [only] => Ok(only),
                [] => Err(AuthError::UnknownKid),
                _ => Err(AuthError::KidRequired),
            },
        }
    }
}

/// DER SubjectPublicKeyInfo encodings of public keys (for the `hs-key-confusion` flaw), written with
/// RustCrypto's `spki`, `pkcs1` and `der`, and their PEM armour with the `pem` crate.
mod spki_der {
    use der::Encode;
    use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, UintRef};
    use pkcs1::RsaPublicKey;
    use spki::{AlgorithmIdentifier, SubjectPublicKeyInfoRef};

    /// id-Ed25519 (RFC 8410 §3).
    const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
    /// id-ecPublicKey (RFC 5480 §2.1.1).
    const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
    /// prime256v1 / P-256.
    const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
    /// secp384r1 / P-384.
    const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
    /// rsaEncryption (RFC 8017 §A.1).
    const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

    /// `SEQUENCE { SEQUENCE { oid, parameters? }, BIT STRING key }`. Encoding fails only past 4 GiB,
    /// which no JWK comes near.
    fn encode(oid: ObjectIdentifier, parameters: Option<AnyRef<'_>>, key: &[u8]) -> Vec<u8> {
        BitStringRef::from_bytes(key)
            .and_then(|subject_public_key| {
                SubjectPublicKeyInfoRef {
                    algorithm: AlgorithmIdentifier { oid, parameters },
                    subject_public_key,
                }
                .to_der()
            })
            .unwrap_or_default()
    }

    pub(super) fn ed25519(x: &[u8]) -> Vec<u8> {
        encode(OID_ED25519, None, x)
    }

    pub(super) fn ec(p256: bool, x: &[u8], y: &[u8]) -> Vec<u8> {
        let curve = if p256 { OID_P256 } else { OID_P384 };
        let point = [&[0x04][..], x, y].concat();
        encode(OID_EC_PUBLIC_KEY, Some(AnyRef::from(&curve)), &point)
    }

    pub(super) fn rsa(n: &[u8], e: &[u8]) -> Vec<u8> {
        let rsa_public_key = uint(n)
            .and_then(|modulus| {
                RsaPublicKey {
                    modulus,
                    public_exponent: uint(e)?,
                }
                .to_der()
            })
            .unwrap_or_default();
        encode(OID_RSA, Some(AnyRef::NULL), &rsa_public_key)
    }

    /// A non-negative INTEGER from big-endian bytes (leading zeros dropped); empty or all-zero bytes are
    /// the INTEGER 0 (`02 01 00`), where `UintRef` alone would write no content byte.
    fn uint(bytes: &[u8]) -> der::Result<UintRef<'_>> {
        if bytes.iter().all(|&b| b == 0) {
            UintRef::new(&[0])
        } else {
            UintRef::new(bytes)
        }
    }

    /// A `PUBLIC KEY` PEM: 64-column base64, LF line ends, trailing LF.
    pub(super) fn to_pem(der: &[u8]) -> String {
        let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
        pem::encode_config(&pem::Pem::new("PUBLIC KEY", der), config)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn der_lengths_and_integers() {
            // A 256-byte modulus with its high bit set: long-form lengths and a sign byte.
            let der = rsa(&[0xc1; 256], &[0x00, 0x01, 0x00, 0x01]);
            assert_eq!(
                &der[..33],
                &[
                    0x30, 0x82, 0x01, 0x22, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
                    0x0d, 0x01, 0x01, 0x01, 0x05, 0x00, 0x03, 0x82, 0x01, 0x0f, 0x00, 0x30, 0x82,
                    0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00
                ]
            );
            assert_eq!(&der[der.len() - 5..], &[0x02, 0x03, 0x01, 0x00, 0x01]);
            assert_eq!(
                &rsa(&[0xc1; 256], &[])[der.len() - 5..],
                &[0x02, 0x01, 0x00],
                "an empty exponent is the INTEGER 0"
            );
            assert_eq!(ed25519(&[7; 32]).len(), 44);
            assert_eq!(ec(true, &[1; 32], &[2; 32]).len(), 91);
            assert_eq!(ec(false, &[1; 48], &[2; 48]).len(), 120);
            assert_eq!(
                &ec(false, &[1; 48], &[2; 48])[..24],
                &[
                    0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
                    0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00, 0x04
                ]
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn okp(kid: &str) -> Value {
        json!({"kty":"OKP","crv":"Ed25519","x": URL_SAFE_NO_PAD.encode([9u8; 32]),"kid":kid,"alg":"EdDSA","use":"sig"})
    }

    #[test]
    fn selects_by_kid_and_requires_kid_with_several_keys() {
        let jwks = json!({"keys":[okp("a"), okp("b")]}).to_string();
        let store = KeyStore::from_jwks_json(jwks.as_bytes()).unwrap();
        assert_eq!(store.len(), 2);
        assert_eq!(store.select(Some("b")).unwrap().kid(), Some("b"));
        assert!(matches!(
            store.select(Some("c")),
            Err(AuthError::UnknownKid)
        ));
        assert!(matches!(store.select(None), Err(AuthError::KidRequired)));

        let single =
            KeyStore::from_jwks_json(json!({"keys":[okp("a")]}).to_string().as_bytes()).unwrap();
        assert!(single.select(None).is_ok());
        assert!(matches!(
            single.select(Some("x")),
            Err(AuthError::UnknownKid)
        ));

        let secret = KeyStore::from_hs256_secret(&[1; 32]);
        assert!(secret.select(Some("anything")).is_ok());
        assert!(KeyStore::default().select(None).is_err());
    }

    #[test]
    fn unusable_keys_are_skipped() {
        let mut enc = okp("enc");
        enc["use"] = json!("enc");
        let mut ops = okp("ops");
        ops["key_ops"] = json!(["sign"]);
        let mut wrong_alg = okp("wrong");
        wrong_alg["alg"] = json!("RS256");
        let oct = json!({"kty":"oct","k":"c2VjcmV0","kid":"oct"});
        let x25519 =
            json!({"kty":"OKP","crv":"X25519","x": URL_SAFE_NO_PAD.encode([9u8; 32]),"kid":"x"});
        let short_rsa =
            json!({"kty":"RSA","n": URL_SAFE_NO_PAD.encode([0xc1u8; 128]),"e":"AQAB","kid":"r"});
        let jwks = json!({"keys":[enc, ops, wrong_alg, oct, x25519, short_rsa, 42, okp("good")]});
        let store = KeyStore::from_jwks_json(jwks.to_string().as_bytes()).unwrap();
        let kids: Vec<_> = store.keys().iter().map(|k| k.kid()).collect();
        assert_eq!(kids, vec![Some("good")]);
        assert!(KeyStore::from_jwks_json(b"[]").is_err());
        assert!(KeyStore::from_jwks_json(b"{\"keys\":{}}").is_err());
    }

    #[test]
    fn algorithms_follow_the_key() {
        let rsa = json!({"kty":"RSA","n": URL_SAFE_NO_PAD.encode([0xc1u8; 256]),"e":"AQAB"});
        let key = VerificationKey::from_jwk_value(&rsa).unwrap();
        assert!(key.accepts(Algorithm::RS256) && key.accepts(Algorithm::PS512));
        assert!(!key.accepts(Algorithm::HS256));
        let mut rs256 = rsa.clone();
        rs256["alg"] = json!("RS256");
        let key = VerificationKey::from_jwk_value(&rs256).unwrap();
        assert_eq!(key.algorithms(), &[Algorithm::RS256]);
        assert!(key.spki_pem().unwrap().starts_with(
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwcHB"
        ));
    }

    #[test]
    fn ed25519_spki_has_the_fixed_prefix() {
        let key = VerificationKey::from_jwk_value(&okp("a")).unwrap();
        let der = key.spki_der().unwrap();
        assert_eq!(
            &der[..12],
            &[
                0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
            ]
        );
        assert_eq!(&der[12..], &[9u8; 32]);
        assert!(
            key.spki_pem()
                .unwrap()
                .ends_with("-----END PUBLIC KEY-----\n")
        );
        assert!(VerificationKey::hs256(b"x").spki_pem().is_none());
    }
}
