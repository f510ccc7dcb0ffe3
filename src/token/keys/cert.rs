//! Self-signed X.509 certificates (rcgen) for `x5c` / `x5u` header-injection attacks (RFC 7515 §4.1.5-6).

use rcgen::{CertificateParams, DnType, KeyPair};

use super::{KeyError, SigningKey, pem};
use crate::token::b64;

/// A DER certificate and its PEM form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// The DER encoding.
    pub der: Vec<u8>,
    /// The `CERTIFICATE` PEM.
    pub pem: String,
}

impl Certificate {
    /// The `x5c` array entry: standard (not URL-safe) padded base64 of the DER (RFC 7515 §4.1.6).
    pub fn x5c_entry(&self) -> String {
        b64::encode_standard(&self.der)
    }
}

/// A self-signed certificate for `key` with the given common name. Validity dates are rcgen's fixed
/// defaults (1975 to 4096), so no clock is read. Fails for HMAC keys.
pub fn self_signed_certificate(
    key: &SigningKey,
    common_name: &str,
) -> Result<Certificate, KeyError> {
    let pkcs8 = key
        .pkcs8_der()
        .ok_or_else(|| KeyError::Unsupported("an HMAC secret has no certificate".into()))?;
    let generate = |e: rcgen::Error| KeyError::Generate(e.to_string());
    let pair = KeyPair::try_from(pkcs8).map_err(generate)?;
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(generate)?;
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    let cert = params.self_signed(&pair).map_err(generate)?;
    let der = cert.der().to_vec();
    Ok(Certificate {
        pem: pem::encode("CERTIFICATE", &der),
        der,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::keys::KeyKind;

    #[test]
    fn certificate_embeds_the_public_key() {
        for kind in [KeyKind::Ed25519, KeyKind::EcP256, KeyKind::Rsa] {
            let key = SigningKey::generate(kind, None).unwrap();
            let cert = self_signed_certificate(&key, "authconform attacker").unwrap();
            let spki = key.public_key().unwrap().spki_der();
            assert!(
                cert.der.windows(spki.len()).any(|w| w == spki.as_slice()),
                "{kind}"
            );
            assert!(cert.pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
            assert_eq!(
                b64::decode_standard(cert.x5c_entry().as_bytes()).unwrap(),
                cert.der
            );
        }
        let hs = SigningKey::generate(KeyKind::Hmac, None).unwrap();
        assert!(self_signed_certificate(&hs, "x").is_err());
    }
}
