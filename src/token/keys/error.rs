//! Errors of the key module.

use std::path::PathBuf;

/// Loading, exporting, generating or writing keys failed.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A key file could not be read: missing, not a regular file, over the size limit, not text.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why, in words.
        reason: String,
    },
    /// A file could not be read or written.
    #[error("failed to access {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The text holds no PEM block, or its body is not base64.
    #[error("no valid PEM block found")]
    NoPem,
    /// A PEM block with a label this loader does not take.
    #[error("unexpected PEM label {found:?}, expected {expected}")]
    UnexpectedPemLabel {
        /// The label in the file.
        found: String,
        /// What was expected.
        expected: &'static str,
    },
    /// The DER is not an Ed25519, RSA, P-256 or P-384 key of the expected form.
    #[error("unsupported or malformed key: {0}")]
    Unsupported(String),
    /// A JWK is missing a member or holds a bad value.
    #[error("invalid JWK: {0}")]
    InvalidJwk(String),
    /// The named environment variable is not set (or not Unicode).
    #[error("environment variable {0} is not set")]
    MissingEnv(String),
    /// An HMAC secret is empty.
    #[error("the HMAC secret is empty")]
    EmptySecret,
    /// The algorithm does not fit the key.
    #[error("algorithm {alg} cannot be used with {}", kind.a_key())]
    AlgMismatch {
        /// The requested algorithm.
        alg: crate::token::Alg,
        /// The key kind.
        kind: super::KeyKind,
    },
    /// Key generation or certificate creation failed.
    #[error("key generation failed: {0}")]
    Generate(String),
    /// A JSON document could not be parsed or written.
    #[error("invalid JSON in {path}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
}

impl KeyError {
    /// A key file read refused by [`crate::yaml::read_limited`] (kind and size checked first).
    pub(crate) fn read(path: impl Into<PathBuf>, reason: String) -> Self {
        KeyError::Read {
            path: path.into(),
            reason,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        KeyError::Io {
            path: path.into(),
            source,
        }
    }
}
