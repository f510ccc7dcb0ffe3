//! Private signing keys: PKCS#8 loading with type detection, HMAC secrets, generation with rcgen, and
//! signing with aws-lc-rs. `Debug` shows the kid, algorithm and kind, never key bytes.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use aws_lc_rs::signature::{self as sig, KeyPair as _};

use super::public::{Curve, PublicKey, PublicParams, ec_params};
use super::{HsSecret, KeyError, pem};
use crate::token::{Alg, AlgFamily};

/// The type of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// Ed25519 (EdDSA).
    Ed25519,
    /// RSA (RS*/PS*).
    Rsa,
    /// ECDSA on P-256 (ES256).
    EcP256,
    /// ECDSA on P-384 (ES384).
    EcP384,
    /// A shared HMAC secret (HS*).
    Hmac,
}

impl KeyKind {
    /// The default JWS algorithm for this kind.
    pub fn default_alg(self) -> Alg {
        match self {
            KeyKind::Ed25519 => Alg::EdDsa,
            KeyKind::Rsa => Alg::Rs256,
            KeyKind::EcP256 => Alg::Es256,
            KeyKind::EcP384 => Alg::Es384,
            KeyKind::Hmac => Alg::Hs256,
        }
    }

    /// The kind of key that signs with `alg`.
    pub fn of_alg(alg: Alg) -> KeyKind {
        match alg.family() {
            AlgFamily::Hmac => KeyKind::Hmac,
            AlgFamily::Rsa => KeyKind::Rsa,
            _ if alg == Alg::EdDsa => KeyKind::Ed25519,
            _ if alg == Alg::Es384 => KeyKind::EcP384,
            _ => KeyKind::EcP256,
        }
    }

    /// Whether a key of this kind can sign with `alg`.
    pub fn supports(self, alg: Alg) -> bool {
        match self {
            KeyKind::Ed25519 => alg == Alg::EdDsa,
            KeyKind::Rsa => alg.family() == AlgFamily::Rsa,
            KeyKind::EcP256 => alg == Alg::Es256,
            KeyKind::EcP384 => alg == Alg::Es384,
            KeyKind::Hmac => alg.family() == AlgFamily::Hmac,
        }
    }
}

impl KeyKind {
    /// The kind with its indefinite article, as read aloud: "an Ed25519 key", "a P-256 key".
    pub fn a_key(self) -> String {
        let article = match self {
            KeyKind::Ed25519 | KeyKind::Rsa | KeyKind::Hmac => "an",
            KeyKind::EcP256 | KeyKind::EcP384 => "a",
        };
        format!("{article} {self} key")
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyKind::Ed25519 => "Ed25519",
            KeyKind::Rsa => "RSA",
            KeyKind::EcP256 => "P-256",
            KeyKind::EcP384 => "P-384",
            KeyKind::Hmac => "HMAC",
        })
    }
}

#[derive(Clone)]
enum Material {
    Hmac(HsSecret),
    Asymmetric {
        kind: KeyKind,
        pkcs8: Vec<u8>,
        public: PublicParams,
        /// Parsed once at load and shared by the key's clones: parsing an Ed25519 key derives its
        /// public point, which costs as much as a signature.
        pair: Arc<Pair>,
    },
}

/// A private key parsed by aws-lc-rs, ready to sign.
enum Pair {
    Ed25519(sig::Ed25519KeyPair),
    Ecdsa(sig::EcdsaKeyPair),
    Rsa(sig::RsaKeyPair),
}

/// A key that signs JWS: an algorithm, an optional `kid`, and either a PKCS#8 private key or an HMAC
/// secret.
#[derive(Clone)]
pub struct SigningKey {
    kid: Option<String>,
    alg: Alg,
    material: Material,
}

/// Detects the kind of an unencrypted PKCS#8 DER private key and parses it.
fn parse_pkcs8(der: &[u8]) -> Result<(KeyKind, PublicParams, Pair), KeyError> {
    if let Ok(kp) = sig::Ed25519KeyPair::from_pkcs8(der) {
        let x: [u8; 32] = kp
            .public_key()
            .as_ref()
            .try_into()
            .map_err(|_| KeyError::Unsupported("Ed25519 public key length".into()))?;
        return Ok((
            KeyKind::Ed25519,
            PublicParams::Ed25519 { x },
            Pair::Ed25519(kp),
        ));
    }
    for (kind, curve, signing) in [
        (
            KeyKind::EcP256,
            Curve::P256,
            &sig::ECDSA_P256_SHA256_FIXED_SIGNING,
        ),
        (
            KeyKind::EcP384,
            Curve::P384,
            &sig::ECDSA_P384_SHA384_FIXED_SIGNING,
        ),
    ] {
        if let Ok(kp) = sig::EcdsaKeyPair::from_pkcs8(signing, der) {
            let params = ec_params(curve, kp.public_key().as_ref())
                .ok_or_else(|| KeyError::Unsupported(format!("{kind} public point")))?;
            return Ok((kind, params, Pair::Ecdsa(kp)));
        }
    }
    if let Ok(kp) = sig::RsaKeyPair::from_pkcs8(der) {
        let public = kp.public_key();
        let n = public.modulus().big_endian_without_leading_zero().to_vec();
        let e = public.exponent().big_endian_without_leading_zero().to_vec();
        return Ok((KeyKind::Rsa, PublicParams::Rsa { n, e }, Pair::Rsa(kp)));
    }
    Err(KeyError::Unsupported(
        "not an unencrypted PKCS#8 Ed25519, P-256, P-384 or RSA (>= 2048 bit) private key".into(),
    ))
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("kind", &self.kind())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Loads an unencrypted PKCS#8 DER private key, detecting Ed25519, P-256, P-384 or RSA. The algorithm
    /// is the kind's default (EdDSA, ES256, ES384, RS256).
    pub fn from_pkcs8_der(der: &[u8], kid: Option<String>) -> Result<Self, KeyError> {
        let (kind, public, pair) = parse_pkcs8(der)?;
        Ok(SigningKey {
            kid,
            alg: kind.default_alg(),
            material: Material::Asymmetric {
                kind,
                pkcs8: der.to_vec(),
                public,
                pair: Arc::new(pair),
            },
        })
    }

    /// Loads a `PRIVATE KEY` (PKCS#8) PEM text.
    pub fn from_pkcs8_pem(text: &str, kid: Option<String>) -> Result<Self, KeyError> {
        let block = pem::decode_first(text).ok_or(KeyError::NoPem)?;
        if block.label != "PRIVATE KEY" {
            return Err(KeyError::UnexpectedPemLabel {
                found: block.label,
                expected: "PRIVATE KEY (PKCS#8; convert with `openssl pkcs8 -topk8 -nocrypt`)",
            });
        }
        Self::from_pkcs8_der(&block.der, kid)
    }

    /// Loads a PKCS#8 PEM file.
    pub fn from_pem_file(path: &Path, kid: Option<String>) -> Result<Self, KeyError> {
        let text = crate::yaml::read_limited(path, crate::yaml::MAX_KEY_FILE_BYTES)
            .map_err(|reason| KeyError::read(path, reason))?;
        Self::from_pkcs8_pem(&text, kid)
    }

    /// An HS256 key over a shared secret.
    pub fn hs256(secret: HsSecret, kid: Option<String>) -> Self {
        SigningKey {
            kid,
            alg: Alg::Hs256,
            material: Material::Hmac(secret),
        }
    }

    /// An HMAC key; `alg` must be HS256, HS384 or HS512.
    pub fn hmac(secret: HsSecret, alg: Alg, kid: Option<String>) -> Result<Self, KeyError> {
        Self::hs256(secret, kid).with_alg(alg)
    }

    /// Generates a fresh asymmetric key with rcgen (RSA is 2048 bits). `Hmac` generates a random secret.
    pub fn generate(kind: KeyKind, kid: Option<String>) -> Result<Self, KeyError> {
        let alg = match kind {
            KeyKind::Ed25519 => &rcgen::PKCS_ED25519,
            KeyKind::Rsa => &rcgen::PKCS_RSA_SHA256,
            KeyKind::EcP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyKind::EcP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            KeyKind::Hmac => return Ok(Self::hs256(HsSecret::generate()?, kid)),
        };
        let pair =
            rcgen::KeyPair::generate_for(alg).map_err(|e| KeyError::Generate(e.to_string()))?;
        if kind == KeyKind::Ed25519 {
            // rcgen writes PKCS#8 v2 (with the public key); OpenSSL 3.0 and jsonwebtoken's
            // `Jwk::from_encoding_key` only read v1, so store the portable form.
            let generate = |what: &str| KeyError::Generate(format!("Ed25519 PKCS#8 v1 {what}"));
            let kp = sig::Ed25519KeyPair::from_pkcs8(&pair.serialize_der())
                .map_err(|_| generate("parse"))?;
            let v1 = kp.to_pkcs8v1().map_err(|_| generate("encoding"))?;
            return Self::from_pkcs8_der(v1.as_ref(), kid);
        }
        Self::from_pkcs8_der(&pair.serialize_der(), kid)
    }

    /// The same key used with another algorithm of its family (e.g. RS384, PS256 or HS512).
    pub fn with_alg(mut self, alg: Alg) -> Result<Self, KeyError> {
        if !self.kind().supports(alg) {
            return Err(KeyError::AlgMismatch {
                alg,
                kind: self.kind(),
            });
        }
        self.alg = alg;
        Ok(self)
    }

    /// The same key under another `kid`.
    pub fn with_kid(mut self, kid: Option<String>) -> Self {
        self.kid = kid;
        self
    }

    /// The key id.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The algorithm this key signs with.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The key type.
    pub fn kind(&self) -> KeyKind {
        match &self.material {
            Material::Hmac(_) => KeyKind::Hmac,
            Material::Asymmetric { kind, .. } => *kind,
        }
    }

    /// The public key (with this key's kid and alg); `None` for HMAC secrets.
    pub fn public_key(&self) -> Option<PublicKey> {
        match &self.material {
            Material::Hmac(_) => None,
            Material::Asymmetric { public, .. } => Some(PublicKey {
                kid: self.kid.clone(),
                alg: self.alg,
                params: public.clone(),
            }),
        }
    }

    /// The HMAC secret; `None` for asymmetric keys.
    pub fn hmac_secret(&self) -> Option<&HsSecret> {
        match &self.material {
            Material::Hmac(secret) => Some(secret),
            Material::Asymmetric { .. } => None,
        }
    }

    /// The PKCS#8 private key DER; `None` for HMAC secrets.
    pub fn pkcs8_der(&self) -> Option<&[u8]> {
        match &self.material {
            Material::Hmac(_) => None,
            Material::Asymmetric { pkcs8, .. } => Some(pkcs8),
        }
    }

    /// The PKCS#8 private key as a `PRIVATE KEY` PEM; `None` for HMAC secrets.
    pub fn pkcs8_pem(&self) -> Option<String> {
        self.pkcs8_der().map(|der| pem::encode("PRIVATE KEY", der))
    }

    /// Signs `message` with this key's algorithm (JWS signature bytes: raw Ed25519, fixed `r || s` ECDSA).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.sign_as(self.alg, message)
    }

    /// Signs `message` with another algorithm of this key's family.
    pub fn sign_as(&self, alg: Alg, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let kind = self.kind();
        if !kind.supports(alg) {
            return Err(KeyError::AlgMismatch { alg, kind });
        }
        let failed = |_| KeyError::Generate(format!("{alg} signing failed"));
        let rng = aws_lc_rs::rand::SystemRandom::new();
        match &self.material {
            Material::Hmac(secret) => Ok(crate::token::sign::hmac(alg, secret.expose(), message)),
            Material::Asymmetric { pair, .. } => match &**pair {
                Pair::Ed25519(kp) => Ok(kp.sign(message).as_ref().to_vec()),
                Pair::Ecdsa(kp) => Ok(kp.sign(&rng, message).map_err(failed)?.as_ref().to_vec()),
                Pair::Rsa(kp) => {
                    let padding: &'static dyn sig::RsaEncoding = match alg {
                        Alg::Rs256 => &sig::RSA_PKCS1_SHA256,
                        Alg::Rs384 => &sig::RSA_PKCS1_SHA384,
                        Alg::Rs512 => &sig::RSA_PKCS1_SHA512,
                        Alg::Ps256 => &sig::RSA_PSS_SHA256,
                        Alg::Ps384 => &sig::RSA_PSS_SHA384,
                        _ => &sig::RSA_PSS_SHA512,
                    };
                    let mut out = vec![0u8; kp.public_modulus_len()];
                    kp.sign(padding, &rng, message, &mut out).map_err(failed)?;
                    Ok(out)
                }
            },
        }
    }

    /// A `jsonwebtoken` decoding key for the public half (or the secret).
    pub fn decoding_key(&self) -> Result<jsonwebtoken::DecodingKey, KeyError> {
        use jsonwebtoken::DecodingKey;
        let bad = |e: jsonwebtoken::errors::Error| KeyError::Unsupported(e.to_string());
        match (&self.material, self.public_key()) {
            (Material::Hmac(secret), _) => Ok(DecodingKey::from_secret(secret.expose())),
            (_, Some(public)) => match &public.params {
                PublicParams::Ed25519 { x } => {
                    DecodingKey::from_ed_components(&crate::token::b64::encode(x)).map_err(bad)
                }
                PublicParams::Rsa { n, e } => Ok(DecodingKey::from_rsa_raw_components(n, e)),
                PublicParams::Ec { .. } => {
                    DecodingKey::from_ec_pem(public.spki_pem().as_bytes()).map_err(bad)
                }
            },
            (_, None) => Err(KeyError::Unsupported("no public key".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::sign;

    #[test]
    fn generated_keys_round_trip_and_sign() {
        for kind in [
            KeyKind::Ed25519,
            KeyKind::EcP256,
            KeyKind::EcP384,
            KeyKind::Rsa,
        ] {
            let key = SigningKey::generate(kind, Some(format!("k-{kind}"))).unwrap();
            assert_eq!(key.kind(), kind);
            assert_eq!(key.alg(), kind.default_alg());
            let pem_text = key.pkcs8_pem().unwrap();
            let loaded =
                SigningKey::from_pkcs8_pem(&pem_text, key.kid().map(str::to_string)).unwrap();
            assert_eq!(loaded.public_key(), key.public_key());
            if kind == KeyKind::Ed25519 {
                // PKCS#8 v1: version 0 and no public key, 48 bytes.
                assert_eq!(key.pkcs8_der().unwrap().len(), 48);
            }
            let public = key.public_key().unwrap();
            let signature = key.sign(b"msg").unwrap();
            assert!(sign::verify(key.alg(), &public, b"msg", &signature));
            assert!(!sign::verify(key.alg(), &public, b"other", &signature));
            let debug = format!("{key:?}");
            assert!(debug.contains("k-") && !debug.contains("pkcs8"), "{debug}");
        }
    }

    #[test]
    fn spki_matches_aws_lc_and_rcgen() {
        for alg in [
            &rcgen::PKCS_ED25519,
            &rcgen::PKCS_ECDSA_P256_SHA256,
            &rcgen::PKCS_ECDSA_P384_SHA384,
        ] {
            let pair = rcgen::KeyPair::generate_for(alg).unwrap();
            let key = SigningKey::from_pkcs8_der(&pair.serialize_der(), None).unwrap();
            assert_eq!(key.public_key().unwrap().spki_pem(), pair.public_key_pem());
        }
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let key = SigningKey::from_pkcs8_der(&pair.serialize_der(), None).unwrap();
        assert_eq!(key.public_key().unwrap().spki_pem(), pair.public_key_pem());
    }

    #[test]
    fn alg_compatibility_and_errors() {
        let secret = HsSecret::new(b"0123456789abcdef0123456789abcdef".to_vec()).unwrap();
        let hs = SigningKey::hmac(secret, Alg::Hs512, None).unwrap();
        assert_eq!(hs.alg(), Alg::Hs512);
        assert!(hs.public_key().is_none());
        assert!(format!("{hs:?}").contains("Hmac") && !format!("{hs:?}").contains("0123"));
        assert!(matches!(
            hs.clone().with_alg(Alg::Rs256),
            Err(KeyError::AlgMismatch { .. })
        ));
        assert!(hs.sign_as(Alg::EdDsa, b"m").is_err());
        assert!(SigningKey::from_pkcs8_der(b"garbage", None).is_err());
        assert!(matches!(
            SigningKey::from_pkcs8_pem(
                "-----BEGIN EC PRIVATE KEY-----\nAA==\n-----END EC PRIVATE KEY-----\n",
                None
            ),
            Err(KeyError::UnexpectedPemLabel { .. })
        ));
    }
}
