//! Authentication: where the token comes from ([`credentials`]), how it is verified ([`Verifier`]),
//! where the keys come from ([`keys`], [`jwks`]) and the axum extractor that ties them together
//! ([`AuthUser`]).

pub mod credentials;
pub mod extractor;
pub(crate) mod jose;
pub mod jwks;
pub mod keys;
pub mod verifier;

pub use extractor::{AuthRejection, AuthUser, Authenticator};
pub use keys::{KeyError, KeyStore, VerificationKey};
pub use verifier::{FlawKeys, Verifier, VerifierSettings};

/// The authenticated principal: the token's `sub`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The user id (`sub` claim).
    pub sub: String,
}

/// Why a presented token was refused. All variants produce the same 401 answer; the reason is only
/// logged (at debug level) and used by tests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Not three base64url segments of JSON objects, or too long.
    #[error("malformed token")]
    Malformed,
    /// `alg` missing or not a string, or `kid` not a string.
    #[error("invalid protected header")]
    InvalidHeader,
    /// `alg` outside the allowlist (including `none`).
    #[error("algorithm not allowed")]
    AlgorithmNotAllowed,
    /// `crit` is present.
    #[error("critical header parameters are not supported")]
    CriticalHeader,
    /// `b64` is present and not `true`.
    #[error("unencoded payloads are not supported")]
    UnencodedPayload,
    /// `cty` is present (nested or non-JWT content).
    #[error("content type header is not supported")]
    ContentType,
    /// No key with this `kid`.
    #[error("unknown key id")]
    UnknownKid,
    /// Several keys are configured and the token has no `kid`.
    #[error("key id required")]
    KidRequired,
    /// The selected key cannot verify this `alg`.
    #[error("algorithm does not match the key")]
    AlgorithmKeyMismatch,
    /// The signature does not verify.
    #[error("bad signature")]
    BadSignature,
    /// A required claim is absent.
    #[error("missing claim {0}")]
    MissingClaim(&'static str),
    /// A claim has the wrong type or an empty value.
    #[error("invalid claim {0}")]
    InvalidClaim(&'static str),
    /// `exp` is in the past (beyond the leeway).
    #[error("token expired")]
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    #[error("token not yet valid")]
    NotYetValid,
    /// `iat` is in the future (beyond the leeway).
    #[error("token issued in the future")]
    IssuedInFuture,
    /// `iss` differs from the configured issuer.
    #[error("wrong issuer")]
    WrongIssuer,
    /// `aud` does not name the configured audience.
    #[error("wrong audience")]
    WrongAudience,
    /// Any other refusal (e.g. by jsonwebtoken's own validation).
    #[error("token rejected")]
    Rejected,
}
