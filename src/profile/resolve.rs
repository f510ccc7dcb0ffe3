//! Turns a [`ProfileFile`] into a [`Profile`]: paths resolved against the profile's folder, keys loaded,
//! algorithms checked, principals built.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::api::ApiSelection;
use crate::profile::model::{IssuerFile, KeySourceFile, PolicyFile, ProfileFile, SigningKeyFile};
use crate::target::TargetSettings;
use crate::token::Alg;
use crate::token::keys::{HsSecret, KeyError, PublicKey, SigningKey};
use crate::token::mint::{IssuerSettings, Principal};
use crate::yaml::{self, YamlError};

/// The profile of the bundled reference server with the issuer's Ed25519 fixture key, embedded in the
/// binary so that `authconform` runs from any folder. Its key paths are relative to `fixtures/profiles/`.
pub const EMBEDDED_REFERENCE_PROFILE: &str = include_str!("../../fixtures/profiles/reference.yaml");

/// The reference agent's wording of each chat phrase a scenario can send as `{chat.NAME}`. A
/// scenario appends the arguments: `"{chat.delete_task} {task_id}"`.
pub const DEFAULT_CHAT_PHRASES: &[(&str, &str)] = &[
    ("add_task", "add task"),
    ("list_tasks", "list tasks"),
    ("list_pending", "list pending tasks"),
    ("list_completed", "list completed tasks"),
    ("complete_task", "complete task"),
    ("delete_task", "delete task"),
    ("update_task", "update task"),
    ("update_to", "to"),
    ("show_history", "show history"),
    ("claim_identity", "as user"),
];

/// The public keys of a JWKS document (`{"keys": [...]}`).
pub fn public_keys_from_jwks(text: &str) -> Result<Vec<PublicKey>, String> {
    let jwks: serde_json::Value =
        serde_json::from_str(text).map_err(|err| format!("not JSON: {err}"))?;
    let keys = jwks
        .get("keys")
        .and_then(|keys| keys.as_array())
        .ok_or("no `keys` array")?;
    keys.iter()
        .map(|jwk| PublicKey::from_jwk(jwk).map_err(|err| err.to_string()))
        .collect()
}

/// Embedded copies of the fixture files the embedded profile names, by their path relative to
/// `fixtures/profiles/`.
const EMBEDDED_FILES: &[(&str, &str)] = &[
    (
        "../keys/issuer/ed25519.pem",
        include_str!("../../fixtures/keys/issuer/ed25519.pem"),
    ),
    (
        "../keys/issuer/jwks-ed25519.json",
        include_str!("../../fixtures/keys/issuer/jwks-ed25519.json"),
    ),
];

/// A profile could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The YAML itself is wrong (syntax, unknown key, wrong type).
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// A value is wrong in a way YAML typing cannot see.
    #[error("{file}: {field}: {message}")]
    Invalid {
        /// The profile file.
        file: PathBuf,
        /// Dotted path of the offending field, e.g. `issuer.key`.
        field: String,
        /// What is wrong.
        message: String,
    },
}

/// How a token is presented: header name and scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presentation {
    /// Header name, `Authorization` by default.
    pub header: String,
    /// Scheme, `Bearer` by default.
    pub scheme: String,
}

/// A loaded, checked profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Where it came from (for messages).
    pub source: PathBuf,
    /// Base URL of the target, if the profile names one.
    pub base_url: Option<String>,
    /// How tokens are presented.
    pub presentation: Presentation,
    /// Extra headers for every request.
    pub extra_headers: Vec<(String, String)>,
    /// Timeouts and body cap.
    pub target_settings: TargetSettings,
    /// How valid tokens are minted.
    pub issuer: IssuerSettings,
    /// Clock leeway the target is expected to allow.
    pub leeway_secs: u64,
    /// The target's public keys (for key-confusion attacks); empty when unknown or still to fetch.
    pub target_keys: Vec<PublicKey>,
    /// A JWKS URL to fetch the target's public keys from when a run starts.
    pub target_keys_url: Option<String>,
    /// Named principals.
    pub principals: BTreeMap<String, Principal>,
    /// Which API description the target implements, with overrides.
    pub api: ApiSelection,
    /// Stated relaxations or tightenings of the expectations.
    pub policy: PolicyFile,
    /// Chat phrases by name (`{chat.NAME}` in scenarios): the defaults, overridden by the profile.
    pub chat_phrases: BTreeMap<String, String>,
    /// Where to serve the issuer's public JWKS during a run, if the profile asks for it.
    pub hosted_issuer: Option<std::net::SocketAddr>,
}

impl Profile {
    /// Loads and resolves a profile file.
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let file: ProfileFile = yaml::load_file(path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        Resolver {
            file: path,
            files: FileSource::Disk(base),
        }
        .resolve(file)
    }

    /// The embedded profile of the bundled reference server (Ed25519 fixture keys).
    pub fn embedded_reference() -> Result<Profile, ProfileError> {
        let path = Path::new("<embedded>/fixtures/profiles/reference.yaml");
        let file: ProfileFile = yaml::parse_str(path, EMBEDDED_REFERENCE_PROFILE)?;
        Resolver {
            file: path,
            files: FileSource::Embedded,
        }
        .resolve(file)
    }

    /// A principal by name, with a did-you-mean hint in the error.
    pub fn principal(&self, name: &str) -> Result<&Principal, String> {
        self.principals.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.principals.keys().map(String::as_str).collect();
            format!(
                "unknown principal `{name}`; the profile defines: {}",
                known.join(", ")
            )
        })
    }
}

enum FileSource<'a> {
    Disk(&'a Path),
    Embedded,
}

struct Resolver<'a> {
    file: &'a Path,
    files: FileSource<'a>,
}

impl Resolver<'_> {
    fn resolve(&self, file: ProfileFile) -> Result<Profile, ProfileError> {
        let issuer = self.issuer(&file.issuer)?;
        let target_keys = match &file.target_keys {
            Some(source) => self.target_keys(source)?,
            None => issuer.key.public_key().into_iter().collect(),
        };
        let target_settings = self.target_settings(&file)?;
        let mut chat_phrases: BTreeMap<String, String> = DEFAULT_CHAT_PHRASES
            .iter()
            .map(|(name, text)| (name.to_string(), text.to_string()))
            .collect();
        for (name, text) in &file.chat_phrases {
            if !DEFAULT_CHAT_PHRASES.iter().any(|(known, _)| known == name) {
                let known: Vec<&str> = DEFAULT_CHAT_PHRASES
                    .iter()
                    .map(|(known, _)| *known)
                    .collect();
                let hint = crate::suggest::did_you_mean(name, &known).unwrap_or_default();
                return Err(self.invalid(
                    &format!("chat_phrases.{name}"),
                    format!("unknown phrase {hint} (known: {})", known.join(", ")),
                ));
            }
            chat_phrases.insert(name.clone(), text.clone());
        }
        if file.policy.missing_token_status.is_empty()
            || file
                .policy
                .missing_token_status
                .iter()
                .any(|status| !(400..500).contains(status))
        {
            return Err(self.invalid(
                "policy.missing_token_status",
                "list one or more 4xx statuses",
            ));
        }
        if file.principals.is_empty() {
            return Err(self.invalid("principals", "define at least one principal"));
        }
        let principals = file
            .principals
            .into_iter()
            .map(|(name, principal)| {
                let value = Principal {
                    name: name.clone(),
                    sub: principal.sub,
                    extra: principal.claims,
                };
                (name, value)
            })
            .collect();
        Ok(Profile {
            source: self.file.to_path_buf(),
            base_url: file.base_url,
            presentation: Presentation {
                header: file.presentation.header,
                scheme: file.presentation.scheme,
            },
            extra_headers: file.headers.into_iter().collect(),
            api: file.api,
            policy: file.policy,
            chat_phrases,
            hosted_issuer: file.hosted_issuer.map(|hosted| hosted.listen),
            target_settings,
            leeway_secs: file.issuer.leeway_secs,
            issuer,
            target_keys,
            target_keys_url: file
                .target_keys
                .as_ref()
                .and_then(|keys| keys.jwks_url.clone()),
            principals,
        })
    }

    fn target_settings(&self, file: &ProfileFile) -> Result<TargetSettings, ProfileError> {
        let timeouts = &file.timeouts;
        if timeouts.request_secs == 0 || timeouts.request_secs > 600 {
            return Err(self.invalid("timeouts.request_secs", "must be between 1 and 600"));
        }
        if timeouts.connect_secs == 0 || timeouts.connect_secs > 600 {
            return Err(self.invalid("timeouts.connect_secs", "must be between 1 and 600"));
        }
        if file.max_body_kib == 0 || file.max_body_kib > 64 * 1024 {
            return Err(self.invalid("max_body_kib", "must be between 1 and 65536"));
        }
        Ok(TargetSettings {
            request_timeout: Duration::from_secs(timeouts.request_secs),
            connect_timeout: Duration::from_secs(timeouts.connect_secs),
            max_body_bytes: file.max_body_kib * 1024,
        })
    }

    fn issuer(&self, issuer: &IssuerFile) -> Result<IssuerSettings, ProfileError> {
        let alg: Alg = issuer
            .alg
            .parse()
            .map_err(|err| self.invalid("issuer.alg", err))?;
        let key = self.signing_key(&issuer.key, alg, issuer.kid.clone())?;
        let mut settings = IssuerSettings::new(
            key,
            issuer.iss.clone().unwrap_or_default(),
            issuer.aud.clone().unwrap_or_default(),
        );
        settings.alg = alg;
        settings.kid = issuer.kid.clone();
        settings.lifetime_secs = issuer.lifetime_secs;
        settings.user_id_claim = issuer.user_claim.clone();
        if issuer.leeway_secs > 3600 {
            return Err(self.invalid(
                "issuer.leeway_secs",
                "a leeway above one hour is not a leeway",
            ));
        }
        Ok(settings)
    }

    fn signing_key(
        &self,
        key: &SigningKeyFile,
        alg: Alg,
        kid: Option<String>,
    ) -> Result<SigningKey, ProfileError> {
        let field = "issuer.key";
        let loaded = match (&key.pem, &key.secret_env, &key.secret_file) {
            (Some(pem), None, None) => {
                let text = self
                    .read(pem)
                    .map_err(|message| self.invalid("issuer.key.pem", message))?;
                SigningKey::from_pkcs8_pem(&text, kid).and_then(|key| key.with_alg(alg))
            }
            (None, Some(var), None) => {
                HsSecret::from_env(var).and_then(|secret| SigningKey::hmac(secret, alg, kid))
            }
            (None, None, Some(path)) => {
                let text = self
                    .read(path)
                    .map_err(|message| self.invalid("issuer.key.secret_file", message))?;
                HsSecret::new(text.into_bytes())
                    .and_then(|secret| SigningKey::hmac(secret, alg, kid))
            }
            _ => {
                return Err(self.invalid(
                    field,
                    "give exactly one of `pem`, `secret_env`, `secret_file`",
                ));
            }
        };
        loaded.map_err(|err: KeyError| self.invalid(field, err))
    }

    fn target_keys(&self, source: &KeySourceFile) -> Result<Vec<PublicKey>, ProfileError> {
        match (&source.jwks_file, &source.pem, &source.jwks_url) {
            (Some(path), None, None) => {
                let text = self
                    .read(path)
                    .map_err(|message| self.invalid("target_keys.jwks_file", message))?;
                public_keys_from_jwks(&text).map_err(|message| {
                    self.invalid("target_keys.jwks_file", format!("{path}: {message}"))
                })
            }
            (None, Some(path), None) => {
                let text = self
                    .read(path)
                    .map_err(|message| self.invalid("target_keys.pem", message))?;
                let key = PublicKey::from_pem(&text, None)
                    .map_err(|err| self.invalid("target_keys.pem", err))?;
                Ok(vec![key])
            }
            (None, None, Some(url)) => match url::Url::parse(url) {
                Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Ok(Vec::new()),
                _ => Err(self.invalid(
                    "target_keys.jwks_url",
                    format!("{url:?} is not an http(s) URL"),
                )),
            },
            _ => Err(self.invalid(
                "target_keys",
                "give exactly one of `jwks_file`, `pem`, `jwks_url`",
            )),
        }
    }

    fn read(&self, relative: &str) -> Result<String, String> {
        match self.files {
            FileSource::Disk(base) => {
                let path = base.join(relative);
                std::fs::read_to_string(&path)
                    .map_err(|err| format!("cannot read {}: {err}", path.display()))
            }
            FileSource::Embedded => EMBEDDED_FILES
                .iter()
                .find(|(name, _)| *name == relative)
                .map(|(_, text)| text.to_string())
                .ok_or_else(|| format!("{relative} is not embedded in the binary")),
        }
    }

    fn invalid(&self, field: &str, message: impl std::fmt::Display) -> ProfileError {
        ProfileError::Invalid {
            file: self.file.to_path_buf(),
            field: field.to_string(),
            message: message.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_reference_profile_loads() {
        let profile = Profile::embedded_reference().unwrap();
        assert_eq!(profile.issuer.alg, Alg::EdDsa);
        assert_eq!(profile.issuer.kid.as_deref(), Some("test-ed25519"));
        assert!(profile.principals.contains_key("alice"));
        assert!(profile.principals.contains_key("bob"));
        assert_eq!(profile.target_keys.len(), 1);
    }

    #[test]
    fn unknown_principal_lists_the_known_ones() {
        let profile = Profile::embedded_reference().unwrap();
        let err = profile.principal("mallory").unwrap_err();
        assert!(err.contains("alice") && err.contains("bob"), "{err}");
    }

    #[test]
    fn chat_phrases_default_to_the_reference_agent_and_can_be_reworded() {
        let profile = Profile::embedded_reference().unwrap();
        assert_eq!(profile.chat_phrases["delete_task"], "delete task");
        let dir = std::env::temp_dir().join(format!("authconform-phrases-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.yaml");
        let base = "issuer:\n  alg: HS256\n  key: { secret_file: s }\nprincipals:\n  alice: { sub: alice }\n";
        std::fs::write(dir.join("s"), "0123456789abcdef0123456789abcdef").unwrap();
        std::fs::write(
            &path,
            format!("{base}chat_phrases:\n  delete_task: remove the task\n"),
        )
        .unwrap();
        let profile = Profile::load(&path).unwrap();
        assert_eq!(profile.chat_phrases["delete_task"], "remove the task");
        assert_eq!(profile.chat_phrases["add_task"], "add task");
        std::fs::write(&path, format!("{base}chat_phrases:\n  delete_tsak: x\n")).unwrap();
        let err = Profile::load(&path).unwrap_err().to_string();
        assert!(err.contains("did you mean `delete_task`"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn key_with_two_sources_is_refused() {
        let dir = std::env::temp_dir().join(format!("authconform-profile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.yaml");
        std::fs::write(
            &path,
            "issuer:\n  alg: HS256\n  key: { secret_env: A, secret_file: b }\nprincipals:\n  alice: { sub: alice }\n",
        )
        .unwrap();
        let err = Profile::load(&path).unwrap_err().to_string();
        assert!(err.contains("issuer.key: give exactly one of"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
