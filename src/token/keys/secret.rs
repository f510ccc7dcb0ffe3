//! HMAC shared secrets. `Debug` and `Display` never show the bytes.

use std::fmt;
use std::path::Path;

use super::KeyError;
use crate::token::b64;

/// An HMAC secret (HS256/384/512). Its bytes are only reachable through [`HsSecret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct HsSecret(Vec<u8>);

impl HsSecret {
    /// Wraps secret bytes; empty secrets are refused (use raw HMAC signing for empty-key attacks).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, KeyError> {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Err(KeyError::EmptySecret);
        }
        Ok(HsSecret(bytes))
    }

    /// Reads a secret file. One trailing `\n` or `\r\n` (as left by `echo` or editors) is removed; nothing
    /// else is changed.
    pub fn from_file(path: &Path) -> Result<Self, KeyError> {
        let mut bytes = crate::yaml::read_bytes_limited(path, crate::yaml::MAX_KEY_FILE_BYTES)
            .map_err(|reason| KeyError::read(path, reason))?;
        if bytes.ends_with(b"\n") {
            bytes.pop();
            if bytes.ends_with(b"\r") {
                bytes.pop();
            }
        }
        Self::new(bytes)
    }

    /// Reads the secret from an environment variable, taken verbatim.
    pub fn from_env(var: &str) -> Result<Self, KeyError> {
        let value = std::env::var(var).map_err(|_| KeyError::MissingEnv(var.to_string()))?;
        Self::new(value.into_bytes())
    }

    /// A fresh 64-character base64url (ASCII) secret from 48 random bytes.
    pub fn generate() -> Result<Self, KeyError> {
        let mut random = [0u8; 48];
        aws_lc_rs::rand::fill(&mut random)
            .map_err(|_| KeyError::Generate("random source failed".into()))?;
        Self::new(b64::encode(&random).into_bytes())
    }

    /// The secret bytes. Never log them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: empty secrets cannot be built.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for HsSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HsSecret(<redacted, {} bytes>)", self.0.len())
    }
}

impl fmt::Display for HsSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted HMAC secret, {} bytes>", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_device_or_a_folder_is_refused_before_it_is_read() {
        for path in ["/dev/zero", "/"] {
            let err = HsSecret::from_file(Path::new(path))
                .unwrap_err()
                .to_string();
            assert!(err.contains("not a regular file"), "{err}");
        }
        let err = crate::token::keys::SigningKey::from_pem_file(Path::new("/dev/zero"), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }

    #[test]
    fn never_printed() {
        let secret = HsSecret::new(b"super-secret-value".to_vec()).unwrap();
        for shown in [
            format!("{secret:?}"),
            format!("{secret}"),
            format!("{secret:#?}"),
        ] {
            assert!(!shown.contains("super"), "{shown}");
            assert!(shown.contains("18 bytes"));
        }
    }

    #[test]
    fn file_trailing_newline_and_empty() {
        let dir = std::env::temp_dir().join(format!("authconform-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s");
        std::fs::write(&path, b"abc\r\n").unwrap();
        assert_eq!(HsSecret::from_file(&path).unwrap().expose(), b"abc");
        std::fs::write(&path, b"a b \n\n").unwrap();
        assert_eq!(HsSecret::from_file(&path).unwrap().expose(), b"a b \n");
        std::fs::write(&path, b"\n").unwrap();
        assert!(matches!(
            HsSecret::from_file(&path),
            Err(KeyError::EmptySecret)
        ));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(
            HsSecret::from_env("AUTHCONFORM_SURELY_UNSET_VAR"),
            Err(KeyError::MissingEnv(_))
        ));
    }

    #[test]
    fn generated_is_ascii_and_long() {
        let a = HsSecret::generate().unwrap();
        assert_eq!(a.len(), 64);
        assert!(
            a.expose()
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        );
        assert_ne!(a, HsSecret::generate().unwrap());
    }
}
