//! JWS algorithm names (RFC 7518 §3.1) that the forge can sign with.

use std::fmt;
use std::str::FromStr;

/// A JWS `alg` the forge can produce a real signature for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alg {
    /// HMAC with SHA-256.
    Hs256,
    /// HMAC with SHA-384.
    Hs384,
    /// HMAC with SHA-512.
    Hs512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// RSASSA-PSS with SHA-384.
    Ps384,
    /// RSASSA-PSS with SHA-512.
    Ps512,
    /// ECDSA P-256 with SHA-256, raw `r || s` signature.
    Es256,
    /// ECDSA P-384 with SHA-384, raw `r || s` signature.
    Es384,
    /// Ed25519 (RFC 8037).
    EdDsa,
}

/// The key family an algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlgFamily {
    /// A shared secret.
    Hmac,
    /// An RSA key (PKCS#1 v1.5 or PSS).
    Rsa,
    /// An ECDSA key on the curve named by the algorithm.
    Ecdsa,
    /// An Ed25519 key.
    EdDsa,
}

impl Alg {
    /// Every algorithm, in a stable order.
    pub const ALL: [Alg; 12] = [
        Alg::Hs256,
        Alg::Hs384,
        Alg::Hs512,
        Alg::Rs256,
        Alg::Rs384,
        Alg::Rs512,
        Alg::Ps256,
        Alg::Ps384,
        Alg::Ps512,
        Alg::Es256,
        Alg::Es384,
        Alg::EdDsa,
    ];

    /// The registered `alg` header value, e.g. `"EdDSA"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::Hs256 => "HS256",
            Alg::Hs384 => "HS384",
            Alg::Hs512 => "HS512",
            Alg::Rs256 => "RS256",
            Alg::Rs384 => "RS384",
            Alg::Rs512 => "RS512",
            Alg::Ps256 => "PS256",
            Alg::Ps384 => "PS384",
            Alg::Ps512 => "PS512",
            Alg::Es256 => "ES256",
            Alg::Es384 => "ES384",
            Alg::EdDsa => "EdDSA",
        }
    }

    /// The key family this algorithm signs with.
    pub fn family(self) -> AlgFamily {
        match self {
            Alg::Hs256 | Alg::Hs384 | Alg::Hs512 => AlgFamily::Hmac,
            Alg::Rs256 | Alg::Rs384 | Alg::Rs512 | Alg::Ps256 | Alg::Ps384 | Alg::Ps512 => {
                AlgFamily::Rsa
            }
            Alg::Es256 | Alg::Es384 => AlgFamily::Ecdsa,
            Alg::EdDsa => AlgFamily::EdDsa,
        }
    }

    /// The matching `jsonwebtoken` algorithm.
    pub fn to_jsonwebtoken(self) -> jsonwebtoken::Algorithm {
        use jsonwebtoken::Algorithm as J;
        match self {
            Alg::Hs256 => J::HS256,
            Alg::Hs384 => J::HS384,
            Alg::Hs512 => J::HS512,
            Alg::Rs256 => J::RS256,
            Alg::Rs384 => J::RS384,
            Alg::Rs512 => J::RS512,
            Alg::Ps256 => J::PS256,
            Alg::Ps384 => J::PS384,
            Alg::Ps512 => J::PS512,
            Alg::Es256 => J::ES256,
            Alg::Es384 => J::ES384,
            Alg::EdDsa => J::EdDSA,
        }
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `alg` string is not one the forge can sign with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unsupported algorithm {0:?} (expected one of HS256/384/512, RS256/384/512, PS256/384/512, ES256, ES384, EdDSA)"
)]
pub struct UnknownAlg(pub String);

impl FromStr for Alg {
    type Err = UnknownAlg;

    /// Parses the exact, case-sensitive registered name (RFC 7515 §4.1.1).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Alg::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownAlg(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_case_sensitive() {
        for alg in Alg::ALL {
            assert_eq!(alg.as_str().parse::<Alg>(), Ok(alg));
            assert_eq!(alg.to_string(), alg.as_str());
        }
        assert!("eddsa".parse::<Alg>().is_err());
        assert!("none".parse::<Alg>().is_err());
    }

    #[test]
    fn families() {
        assert_eq!(Alg::Hs384.family(), AlgFamily::Hmac);
        assert_eq!(Alg::Ps256.family(), AlgFamily::Rsa);
        assert_eq!(Alg::Es384.family(), AlgFamily::Ecdsa);
        assert_eq!(Alg::EdDsa.family(), AlgFamily::EdDsa);
    }
}
