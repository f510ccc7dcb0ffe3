//! Key sets: the four asymmetric keys plus an HS256 secret, generated, written to and loaded from a
//! directory in the fixture layout (`<name>.pem`, `<name>.pub.pem`, `jwks.json`, `jwks-<name>.json`,
//! `hs256.secret`).

use std::path::Path;

use serde_json::Value;

use super::{HsSecret, KeyError, KeyKind, PublicKey, SigningKey, jwks};

/// The file stems of a key set, in JWKS order.
pub const KEY_NAMES: [&str; 4] = ["ed25519", "rsa2048", "p256", "p384"];

/// Four asymmetric signing keys (kids `<prefix>-<name>`) and an HS256 secret.
#[derive(Debug, Clone)]
pub struct KeySet {
    /// Ed25519, alg EdDSA.
    pub ed25519: SigningKey,
    /// RSA 2048, alg RS256.
    pub rsa2048: SigningKey,
    /// P-256, alg ES256.
    pub p256: SigningKey,
    /// P-384, alg ES384.
    pub p384: SigningKey,
    /// A 64-character ASCII HS256 secret.
    pub hs256: HsSecret,
}

impl KeySet {
    /// Generates a fresh set with kids `<kid_prefix>-ed25519`, `-rsa2048`, `-p256`, `-p384`.
    pub fn generate(kid_prefix: &str) -> Result<Self, KeyError> {
        let kid = |name: &str| Some(format!("{kid_prefix}-{name}"));
        Ok(KeySet {
            ed25519: SigningKey::generate(KeyKind::Ed25519, kid("ed25519"))?,
            rsa2048: SigningKey::generate(KeyKind::Rsa, kid("rsa2048"))?,
            p256: SigningKey::generate(KeyKind::EcP256, kid("p256"))?,
            p384: SigningKey::generate(KeyKind::EcP384, kid("p384"))?,
            hs256: HsSecret::generate()?,
        })
    }

    /// The asymmetric keys with their file stems, in JWKS order.
    pub fn named(&self) -> [(&'static str, &SigningKey); 4] {
        [
            (KEY_NAMES[0], &self.ed25519),
            (KEY_NAMES[1], &self.rsa2048),
            (KEY_NAMES[2], &self.p256),
            (KEY_NAMES[3], &self.p384),
        ]
    }

    /// The asymmetric key of the given kind; `None` for `Hmac`.
    pub fn by_kind(&self, kind: KeyKind) -> Option<&SigningKey> {
        match kind {
            KeyKind::Ed25519 => Some(&self.ed25519),
            KeyKind::Rsa => Some(&self.rsa2048),
            KeyKind::EcP256 => Some(&self.p256),
            KeyKind::EcP384 => Some(&self.p384),
            KeyKind::Hmac => None,
        }
    }

    /// An HS256 signing key over the set's secret (no kid).
    pub fn hs256_key(&self) -> SigningKey {
        SigningKey::hs256(self.hs256.clone(), None)
    }

    /// The public JWKS of the four asymmetric keys.
    pub fn jwks(&self) -> Value {
        let publics: Vec<PublicKey> = self
            .named()
            .iter()
            .filter_map(|(_, k)| k.public_key())
            .collect();
        jwks(&publics)
    }

    /// Writes the set into `dir` (created if needed): `<name>.pem` (PKCS#8), `<name>.pub.pem` (SPKI),
    /// `jwks.json`, `jwks-<name>.json` and `hs256.secret` (no trailing newline).
    pub fn write_to(&self, dir: &Path) -> Result<(), KeyError> {
        std::fs::create_dir_all(dir).map_err(|e| KeyError::io(dir, e))?;
        let write = |name: String, contents: &[u8]| -> Result<(), KeyError> {
            let path = dir.join(name);
            std::fs::write(&path, contents).map_err(|e| KeyError::io(&path, e))
        };
        for (name, key) in self.named() {
            let (Some(private), Some(public)) = (key.pkcs8_pem(), key.public_key()) else {
                return Err(KeyError::Unsupported(format!(
                    "{name} is not an asymmetric key"
                )));
            };
            write(format!("{name}.pem"), private.as_bytes())?;
            write(format!("{name}.pub.pem"), public.spki_pem().as_bytes())?;
            write(
                format!("jwks-{name}.json"),
                pretty(&jwks([&public])).as_bytes(),
            )?;
        }
        write("jwks.json".into(), pretty(&self.jwks()).as_bytes())?;
        write("hs256.secret".into(), self.hs256.expose())
    }

    /// Loads a set written by [`KeySet::write_to`]; each key's kid is read from its `jwks-<name>.json`.
    pub fn load(dir: &Path) -> Result<Self, KeyError> {
        let load = |name: &str| -> Result<SigningKey, KeyError> {
            let jwks_path = dir.join(format!("jwks-{name}.json"));
            let text = crate::yaml::read_limited(&jwks_path, crate::yaml::MAX_KEY_FILE_BYTES)
                .map_err(|reason| KeyError::read(&jwks_path, reason))?;
            let doc: Value = serde_json::from_str(&text).map_err(|source| KeyError::Json {
                path: jwks_path.clone(),
                source,
            })?;
            let kid = doc["keys"][0]["kid"].as_str().map(str::to_string);
            let key = SigningKey::from_pem_file(&dir.join(format!("{name}.pem")), kid)?;
            if key.public_key().map(|k| k.to_jwk()) != Some(doc["keys"][0].clone()) {
                return Err(KeyError::InvalidJwk(format!(
                    "{} does not match {name}.pem",
                    jwks_path.display()
                )));
            }
            Ok(key)
        };
        Ok(KeySet {
            ed25519: load(KEY_NAMES[0])?,
            rsa2048: load(KEY_NAMES[1])?,
            p256: load(KEY_NAMES[2])?,
            p384: load(KEY_NAMES[3])?,
            hs256: HsSecret::from_file(&dir.join("hs256.secret"))?,
        })
    }
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// Generates a key set (see [`KeySet::generate`]).
pub fn generate_key_set(kid_prefix: &str) -> Result<KeySet, KeyError> {
    KeySet::generate(kid_prefix)
}

/// Writes a key set into a directory (see [`KeySet::write_to`]).
pub fn write_key_set(set: &KeySet, dir: &Path) -> Result<(), KeyError> {
    set.write_to(dir)
}

/// The fixture README text.
pub const FIXTURE_README: &str = "\
# Test keys: TEST ONLY, never use in production

These keys are public test fixtures for authconform and its reference server. Anyone can read them, so
anything they sign proves nothing outside a test.

- `issuer/`: the trusted issuer. Kids `test-ed25519` (EdDSA), `test-rsa2048` (RS256), `test-p256` (ES256),
  `test-p384` (ES384); `hs256.secret` is an HS256 shared secret.
- `attacker/`: an untrusted attacker with the same layout and kids `attacker-ed25519`, `attacker-rsa2048`,
  `attacker-p256`, `attacker-p384`.

Each directory holds `<name>.pem` (PKCS#8 private key), `<name>.pub.pem` (SPKI public key), `jwks.json`
(public JWKS of all four keys, each JWK with `kid`, `alg` and `use: \"sig\"`), `jwks-<name>.json` (a JWKS
with that key only) and `hs256.secret` (64 ASCII characters, no trailing newline).

Regenerate (this replaces every key, so tokens and snapshots made with the old keys stop verifying):

```sh
cargo run -- keys generate --out fixtures/keys
```
";

/// Generates the issuer (`test-*`) and attacker (`attacker-*`) key sets and writes them, with a README,
/// under `dir` (`dir/issuer/`, `dir/attacker/`, `dir/README.md`).
pub fn write_fixture_keys(dir: &Path) -> Result<(), KeyError> {
    KeySet::generate("test")?.write_to(&dir.join("issuer"))?;
    KeySet::generate("attacker")?.write_to(&dir.join("attacker"))?;
    let readme = dir.join("README.md");
    std::fs::write(&readme, FIXTURE_README).map_err(|e| KeyError::io(&readme, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_load_round_trips() {
        let dir = std::env::temp_dir().join(format!("authconform-keyset-{}", std::process::id()));
        write_fixture_keys(&dir).unwrap();
        let issuer = KeySet::load(&dir.join("issuer")).unwrap();
        let attacker = KeySet::load(&dir.join("attacker")).unwrap();
        assert_eq!(issuer.ed25519.kid(), Some("test-ed25519"));
        assert_eq!(attacker.p384.kid(), Some("attacker-p384"));
        assert_ne!(issuer.hs256, attacker.hs256);
        let jwks: Value =
            serde_json::from_slice(&std::fs::read(dir.join("issuer/jwks.json")).unwrap()).unwrap();
        let kids: Vec<&str> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap())
            .collect();
        assert_eq!(
            kids,
            ["test-ed25519", "test-rsa2048", "test-p256", "test-p384"]
        );
        assert!(
            jwks["keys"]
                .as_array()
                .unwrap()
                .iter()
                .all(|k| k["use"] == "sig" && k["alg"].is_string())
        );
        let secret = std::fs::read(dir.join("issuer/hs256.secret")).unwrap();
        assert!(secret.len() >= 32 && !secret.ends_with(b"\n"));
        assert!(
            std::fs::read_to_string(dir.join("README.md"))
                .unwrap()
                .contains("TEST ONLY")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
