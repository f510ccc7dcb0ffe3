//! Public keys and every encoding an attacker might feed an HMAC with: JWK (RFC 7517), SPKI DER/PEM,
//! PKCS#1 DER/PEM, raw bytes and OpenSSH lines.

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, UintRef};
use der::{Decode, Encode, SliceReader};
use pkcs1::RsaPublicKey;
use serde_json::{Map, Value, json};
use spki::{AlgorithmIdentifier, SubjectPublicKeyInfoRef};

use super::{KeyError, KeyKind, pem};
use crate::token::{Alg, b64};

/// rsaEncryption (RFC 8017 §A.1).
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-ecPublicKey (RFC 5480 §2.1.1).
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// prime256v1 / P-256.
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// secp384r1 / P-384.
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// id-Ed25519 (RFC 8410 §3).
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// A non-negative DER INTEGER from big-endian magnitude bytes (leading zeros dropped); an empty or
/// all-zero magnitude is the INTEGER 0 (`02 01 00`), where `UintRef` alone would write no content byte.
pub(crate) fn der_uint(magnitude: &[u8]) -> der::Result<UintRef<'_>> {
    if magnitude.iter().all(|&b| b == 0) {
        UintRef::new(&[0])
    } else {
        UintRef::new(magnitude)
    }
}

/// Decodes one DER value from the front of `bytes`; bytes after it are ignored.
fn decode_prefix<'a, T: Decode<'a, Error = der::Error>>(bytes: &'a [u8]) -> Option<T> {
    let mut reader = SliceReader::new(bytes).ok()?;
    T::decode(&mut reader).ok()
}

/// A NIST curve the forge supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Curve {
    /// P-256 (secp256r1).
    P256,
    /// P-384 (secp384r1).
    P384,
}

impl Curve {
    /// The JWK `crv` name.
    pub fn jwk_name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
        }
    }

    /// Length in bytes of one coordinate (and of `r` and `s` in a signature).
    pub fn coordinate_len(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
        }
    }

    /// The JWS algorithm for this curve.
    pub fn alg(self) -> Alg {
        match self {
            Curve::P256 => Alg::Es256,
            Curve::P384 => Alg::Es384,
        }
    }

    fn oid(self) -> ObjectIdentifier {
        match self {
            Curve::P256 => OID_P256,
            Curve::P384 => OID_P384,
        }
    }

    fn ssh_name(self) -> &'static str {
        match self {
            Curve::P256 => "nistp256",
            Curve::P384 => "nistp384",
        }
    }
}

/// The key-type-specific public values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicParams {
    /// An Ed25519 public key (RFC 8037 `x`).
    Ed25519 {
        /// The 32-byte public key.
        x: [u8; 32],
    },
    /// An RSA public key.
    Rsa {
        /// Modulus, big-endian, no leading zeros.
        n: Vec<u8>,
        /// Public exponent, big-endian, no leading zeros.
        e: Vec<u8>,
    },
    /// An ECDSA public key.
    Ec {
        /// The curve.
        curve: Curve,
        /// X coordinate, fixed length.
        x: Vec<u8>,
        /// Y coordinate, fixed length.
        y: Vec<u8>,
    },
}

/// A public verification key with its JWK metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// The key id published in the JWK.
    pub kid: Option<String>,
    /// The algorithm published in the JWK.
    pub alg: Alg,
    /// The key values.
    pub params: PublicParams,
}

impl PublicKey {
    /// Builds a key with the default algorithm of its type (EdDSA, RS256, ES256, ES384).
    pub fn new(params: PublicParams, kid: Option<String>) -> Self {
        let alg = match &params {
            PublicParams::Ed25519 { .. } => Alg::EdDsa,
            PublicParams::Rsa { .. } => Alg::Rs256,
            PublicParams::Ec { curve, .. } => curve.alg(),
        };
        PublicKey { kid, alg, params }
    }

    /// The key type.
    pub fn kind(&self) -> KeyKind {
        match &self.params {
            PublicParams::Ed25519 { .. } => KeyKind::Ed25519,
            PublicParams::Rsa { .. } => KeyKind::Rsa,
            PublicParams::Ec {
                curve: Curve::P256, ..
            } => KeyKind::EcP256,
            PublicParams::Ec {
                curve: Curve::P384, ..
            } => KeyKind::EcP384,
        }
    }

    /// The public JWK: `kty` and its members, plus `kid` (when known), `alg` and `use: "sig"`.
    pub fn to_jwk(&self) -> Value {
        let mut jwk = Map::new();
        match &self.params {
            PublicParams::Ed25519 { x } => {
                jwk.insert("kty".into(), "OKP".into());
                jwk.insert("crv".into(), "Ed25519".into());
                jwk.insert("x".into(), b64::encode(x).into());
            }
            PublicParams::Rsa { n, e } => {
                jwk.insert("kty".into(), "RSA".into());
                jwk.insert("n".into(), b64::encode(n).into());
                jwk.insert("e".into(), b64::encode(e).into());
            }
            PublicParams::Ec { curve, x, y } => {
                jwk.insert("kty".into(), "EC".into());
                jwk.insert("crv".into(), curve.jwk_name().into());
                jwk.insert("x".into(), b64::encode(x).into());
                jwk.insert("y".into(), b64::encode(y).into());
            }
        }
        if let Some(kid) = &self.kid {
            jwk.insert("kid".into(), kid.clone().into());
        }
        jwk.insert("alg".into(), self.alg.as_str().into());
        jwk.insert("use".into(), "sig".into());
        Value::Object(jwk)
    }

    /// The JWK as compact JSON text (what a naive verifier might use as an HMAC secret).
    pub fn jwk_json(&self) -> String {
        self.to_jwk().to_string()
    }

    /// SubjectPublicKeyInfo DER (RFC 5280 §4.1.2.7).
    pub fn spki_der(&self) -> Vec<u8> {
        let curve_oid;
        let (oid, parameters, key) = match &self.params {
            PublicParams::Ed25519 { x } => (OID_ED25519, None, x.to_vec()),
            PublicParams::Rsa { .. } => (
                OID_RSA,
                Some(AnyRef::NULL),
                self.pkcs1_der().unwrap_or_default(),
            ),
            PublicParams::Ec { curve, .. } => {
                curve_oid = curve.oid();
                (
                    OID_EC_PUBLIC_KEY,
                    Some(AnyRef::from(&curve_oid)),
                    self.raw(),
                )
            }
        };
        let algorithm = AlgorithmIdentifier { oid, parameters };
        // Encoding fails only past 4 GiB, which no key comes near.
        BitStringRef::from_bytes(&key)
            .and_then(|subject_public_key| {
                SubjectPublicKeyInfoRef {
                    algorithm,
                    subject_public_key,
                }
                .to_der()
            })
            .unwrap_or_default()
    }

    /// SPKI as a `PUBLIC KEY` PEM, `\n` line endings and a trailing newline.
    pub fn spki_pem(&self) -> String {
        pem::encode("PUBLIC KEY", &self.spki_der())
    }

    /// PKCS#1 `RSAPublicKey` DER; `None` for non-RSA keys.
    pub fn pkcs1_der(&self) -> Option<Vec<u8>> {
        match &self.params {
            PublicParams::Rsa { n, e } => RsaPublicKey {
                modulus: der_uint(n).ok()?,
                public_exponent: der_uint(e).ok()?,
            }
            .to_der()
            .ok(),
            _ => None,
        }
    }

    /// PKCS#1 as an `RSA PUBLIC KEY` PEM; `None` for non-RSA keys.
    pub fn pkcs1_pem(&self) -> Option<String> {
        self.pkcs1_der().map(|d| pem::encode("RSA PUBLIC KEY", &d))
    }

    /// Raw public bytes: Ed25519 `x` (32 bytes), EC uncompressed point `04 || x || y`, RSA modulus `n`.
    pub fn raw(&self) -> Vec<u8> {
        match &self.params {
            PublicParams::Ed25519 { x } => x.to_vec(),
            PublicParams::Rsa { n, .. } => n.clone(),
            PublicParams::Ec { x, y, .. } => [&[0x04][..], x, y].concat(),
        }
    }

    /// An OpenSSH `authorized_keys` line without comment (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709).
    pub fn openssh(&self) -> String {
        fn string(out: &mut Vec<u8>, bytes: &[u8]) {
            out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            out.extend_from_slice(bytes);
        }
        fn mpint(out: &mut Vec<u8>, magnitude: &[u8]) {
            let start = magnitude
                .iter()
                .position(|&b| b != 0)
                .unwrap_or(magnitude.len());
            let trimmed = &magnitude[start..];
            if trimmed.first().is_some_and(|&b| b & 0x80 != 0) {
                string(out, &[&[0u8][..], trimmed].concat());
            } else {
                string(out, trimmed);
            }
        }
        let mut blob = Vec::new();
        let name = match &self.params {
            PublicParams::Ed25519 { x } => {
                string(&mut blob, b"ssh-ed25519");
                string(&mut blob, x);
                "ssh-ed25519".to_string()
            }
            PublicParams::Rsa { n, e } => {
                string(&mut blob, b"ssh-rsa");
                mpint(&mut blob, e);
                mpint(&mut blob, n);
                "ssh-rsa".to_string()
            }
            PublicParams::Ec { curve, .. } => {
                let name = format!("ecdsa-sha2-{}", curve.ssh_name());
                string(&mut blob, name.as_bytes());
                string(&mut blob, curve.ssh_name().as_bytes());
                string(&mut blob, &self.raw());
                name
            }
        };
        format!("{name} {}", b64::encode_standard(&blob))
    }

    /// Parses SPKI DER (Ed25519, RSA, P-256, P-384); bytes after the SubjectPublicKeyInfo are ignored.
    pub fn from_spki_der(spki: &[u8], kid: Option<String>) -> Result<Self, KeyError> {
        let bad = || {
            KeyError::Unsupported("not an Ed25519, RSA, P-256 or P-384 SubjectPublicKeyInfo".into())
        };
        let info: SubjectPublicKeyInfoRef<'_> = decode_prefix(spki).ok_or_else(bad)?;
        let key = info.subject_public_key.as_bytes().ok_or_else(bad)?;
        let oid = info.algorithm.oid;
        let params = if oid == OID_ED25519 {
            let x: [u8; 32] = key.try_into().map_err(|_| bad())?;
            PublicParams::Ed25519 { x }
        } else if oid == OID_RSA {
            return Self::from_pkcs1_der(key, kid);
        } else if oid == OID_EC_PUBLIC_KEY {
            let curve_oid = info.algorithm.parameters_oid().map_err(|_| bad())?;
            let curve = if curve_oid == OID_P256 {
                Curve::P256
            } else if curve_oid == OID_P384 {
                Curve::P384
            } else {
                return Err(bad());
            };
            ec_params(curve, key).ok_or_else(bad)?
        } else {
            return Err(bad());
        };
        Ok(PublicKey::new(params, kid))
    }

    /// Parses a PKCS#1 `RSAPublicKey` DER; bytes after it are ignored. `n` and `e` must not be zero.
    pub fn from_pkcs1_der(pkcs1: &[u8], kid: Option<String>) -> Result<Self, KeyError> {
        let bad = || KeyError::Unsupported("malformed RSAPublicKey".into());
        let key: RsaPublicKey<UintRef<'_>> = decode_prefix(pkcs1).ok_or_else(bad)?;
        let nonzero = |value: UintRef<'_>| match value.as_bytes() {
            [0] => None,
            bytes => Some(bytes.to_vec()),
        };
        let n = nonzero(key.modulus).ok_or_else(bad)?;
        let e = nonzero(key.public_exponent).ok_or_else(bad)?;
        Ok(PublicKey::new(PublicParams::Rsa { n, e }, kid))
    }

    /// Parses a `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY` (PKCS#1) PEM.
    pub fn from_pem(text: &str, kid: Option<String>) -> Result<Self, KeyError> {
        let block = pem::decode_first(text).ok_or(KeyError::NoPem)?;
        match block.label.as_str() {
            "PUBLIC KEY" => Self::from_spki_der(&block.der, kid),
            "RSA PUBLIC KEY" => Self::from_pkcs1_der(&block.der, kid),
            other => Err(KeyError::UnexpectedPemLabel {
                found: other.to_string(),
                expected: "PUBLIC KEY or RSA PUBLIC KEY",
            }),
        }
    }

    /// Parses a public JWK (OKP Ed25519, RSA, EC P-256/P-384); `kid` and `alg` are taken when present.
    pub fn from_jwk(jwk: &Value) -> Result<Self, KeyError> {
        let member = |name: &str| -> Result<&str, KeyError> {
            jwk.get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| KeyError::InvalidJwk(format!("missing string member {name:?}")))
        };
        let bytes = |name: &str| -> Result<Vec<u8>, KeyError> {
            b64::decode_strict(member(name)?.as_bytes())
                .ok_or_else(|| KeyError::InvalidJwk(format!("member {name:?} is not base64url")))
        };
        let params = match member("kty")? {
            "OKP" => {
                if member("crv")? != "Ed25519" {
                    return Err(KeyError::InvalidJwk(
                        "only the Ed25519 OKP curve is supported".into(),
                    ));
                }
                let x = bytes("x")?
                    .try_into()
                    .map_err(|_| KeyError::InvalidJwk("Ed25519 x must be 32 bytes".into()))?;
                PublicParams::Ed25519 { x }
            }
            "RSA" => PublicParams::Rsa {
                n: bytes("n")?,
                e: bytes("e")?,
            },
            "EC" => {
                let curve = match member("crv")? {
                    "P-256" => Curve::P256,
                    "P-384" => Curve::P384,
                    other => {
                        return Err(KeyError::InvalidJwk(format!("unsupported curve {other:?}")));
                    }
                };
                let (x, y) = (bytes("x")?, bytes("y")?);
                if x.len() != curve.coordinate_len() || y.len() != curve.coordinate_len() {
                    return Err(KeyError::InvalidJwk(
                        "EC coordinates have the wrong length".into(),
                    ));
                }
                PublicParams::Ec { curve, x, y }
            }
            other => return Err(KeyError::InvalidJwk(format!("unsupported kty {other:?}"))),
        };
        let kid = jwk.get("kid").and_then(Value::as_str).map(str::to_string);
        let mut key = PublicKey::new(params, kid);
        if let Some(alg) = jwk.get("alg").and_then(Value::as_str) {
            key.alg = alg
                .parse()
                .map_err(|e| KeyError::InvalidJwk(format!("{e}")))?;
        }
        Ok(key)
    }
}

/// Splits an uncompressed point `04 || x || y`.
pub(crate) fn ec_params(curve: Curve, point: &[u8]) -> Option<PublicParams> {
    let len = curve.coordinate_len();
    match point.split_first() {
        Some((0x04, xy)) if xy.len() == 2 * len => Some(PublicParams::Ec {
            curve,
            x: xy[..len].to_vec(),
            y: xy[len..].to_vec(),
        }),
        _ => None,
    }
}

/// A JWKS document `{"keys": [...]}` holding the given keys in order.
pub fn jwks<'a>(keys: impl IntoIterator<Item = &'a PublicKey>) -> Value {
    json!({ "keys": keys.into_iter().map(PublicKey::to_jwk).collect::<Vec<_>>() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rsa_sample() -> PublicKey {
        PublicKey::new(
            PublicParams::Rsa {
                n: vec![0xc1; 256],
                e: vec![1, 0, 1],
            },
            Some("r".into()),
        )
    }

    #[test]
    fn rsa_encodings_parse_back() {
        let key = rsa_sample();
        assert_eq!(
            PublicKey::from_spki_der(&key.spki_der(), Some("r".into())).unwrap(),
            key
        );
        assert_eq!(
            PublicKey::from_pem(&key.spki_pem(), Some("r".into())).unwrap(),
            key
        );
        assert_eq!(
            PublicKey::from_pem(&key.pkcs1_pem().unwrap(), Some("r".into())).unwrap(),
            key
        );
        assert_eq!(PublicKey::from_jwk(&key.to_jwk()).unwrap(), key);
        assert!(
            key.pkcs1_pem()
                .unwrap()
                .starts_with("-----BEGIN RSA PUBLIC KEY-----\n")
        );
        // n has its high bit set, so the OpenSSH mpint carries a leading zero.
        assert!(
            key.openssh()
                .starts_with("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDB")
        );
    }

    #[test]
    fn jwk_members() {
        let key = PublicKey::new(PublicParams::Ed25519 { x: [7; 32] }, Some("k".into()));
        let jwk = key.to_jwk();
        assert_eq!(jwk["kty"], "OKP");
        assert_eq!(jwk["crv"], "Ed25519");
        assert_eq!(jwk["alg"], "EdDSA");
        assert_eq!(jwk["use"], "sig");
        assert_eq!(jwk["kid"], "k");
        assert_eq!(
            b64::decode_strict(jwk["x"].as_str().unwrap().as_bytes()).unwrap(),
            vec![7; 32]
        );
        assert_eq!(jwks([&key])["keys"][0], jwk);
        assert!(
            key.openssh()
                .starts_with("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI")
        );
        assert!(key.pkcs1_der().is_none());
    }

    #[test]
    fn rejects_garbage() {
        assert!(PublicKey::from_spki_der(&[0x30, 0x00], None).is_err());
        assert!(PublicKey::from_pem("nothing", None).is_err());
        assert!(PublicKey::from_jwk(&json!({"kty": "oct", "k": "AA"})).is_err());
        assert!(
            PublicKey::from_jwk(&json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}))
                .is_err()
        );
        assert!(ec_params(Curve::P256, &[4; 10]).is_none());
    }

    #[test]
    fn der_bytes_are_pinned() {
        // Long-form lengths, a sign byte before a high first byte, leading zeros dropped.
        let rsa = PublicKey::new(
            PublicParams::Rsa {
                n: [vec![0, 0], vec![0xff; 200]].concat(),
                e: vec![1, 0, 1],
            },
            None,
        );
        let pkcs1 = rsa.pkcs1_der().unwrap();
        assert_eq!(&pkcs1[..7], &[0x30, 0x81, 0xd1, 0x02, 0x81, 0xc9, 0x00]);
        assert_eq!(&pkcs1[207..], &[0x02, 0x03, 0x01, 0x00, 0x01]);
        let spki = rsa.spki_der();
        assert_eq!(
            &spki[..25],
            &[
                0x30, 0x81, 0xe7, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
                0x01, 0x01, 0x05, 0x00, 0x03, 0x81, 0xd5, 0x00, 0x30, 0x81, 0xd1
            ]
        );
        // A zero (or empty) magnitude is the INTEGER 0, with one content byte.
        let zero = PublicKey::new(
            PublicParams::Rsa {
                n: vec![],
                e: vec![0, 0],
            },
            None,
        );
        assert_eq!(
            zero.pkcs1_der().unwrap(),
            [0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]
        );
        assert!(PublicKey::from_pkcs1_der(&zero.pkcs1_der().unwrap(), None).is_err());
        let ed = PublicKey::new(PublicParams::Ed25519 { x: [9; 32] }, None).spki_der();
        assert_eq!(
            &ed[..12],
            &[
                0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
            ]
        );
        let ec = PublicKey::new(
            PublicParams::Ec {
                curve: Curve::P384,
                x: vec![1; 48],
                y: vec![2; 48],
            },
            None,
        );
        let ec_der = ec.spki_der();
        assert_eq!(
            &ec_der[..24],
            &[
                0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
                0x05, 0x2b, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00, 0x04
            ]
        );
        assert_eq!(PublicKey::from_spki_der(&ec_der, None).unwrap(), ec);
    }

    #[test]
    fn parsing_never_panics_and_ignores_trailing_bytes() {
        let key = rsa_sample();
        let spki = key.spki_der();
        let trailing = [spki.clone(), vec![0xde, 0xad]].concat();
        assert_eq!(
            PublicKey::from_spki_der(&trailing, Some("r".into())).unwrap(),
            key
        );
        for garbage in [
            &[][..],
            &[0x30],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x30, 0x82, 0xff, 0xff, 0],
            &[0x30, 0x80, 0x00, 0x00],
            &[0x02, 0x01, 0x80],
        ] {
            assert!(PublicKey::from_spki_der(garbage, None).is_err());
            assert!(PublicKey::from_pkcs1_der(garbage, None).is_err());
        }
        for len in 0..spki.len() {
            assert!(PublicKey::from_spki_der(&spki[..len], None).is_err());
        }
        // A negative modulus (high bit without a sign byte) is refused.
        assert!(
            PublicKey::from_pkcs1_der(&[0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x03], None)
                .is_err()
        );
    }
}
