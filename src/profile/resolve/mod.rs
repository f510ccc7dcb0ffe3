//! Turns a [`ProfileFile`] into a [`Profile`]: paths resolved against the profile's folder, keys loaded,
//! algorithms checked, principals built.

mod issuer;
mod logins;
mod principals;
mod services;
mod settings;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::api::ApiSelection;
use crate::profile::model::{LoginFile, PolicyFile, ProfileFile};
use crate::token::keys::{PublicKey, SigningKey};
use crate::token::mint::{IssuerSettings, Principal};
use crate::wire::TargetSettings;
use crate::wire::placement::Presentation;
use crate::yaml::{self, Position, YamlError};
pub use issuer::public_keys_from_jwks;

/// The profile of the bundled reference server with the issuer's Ed25519 fixture key, by its path in
/// the repository: built into the binary ([`crate::bundled`]), so that `authconform` runs from any
/// folder. Its key paths are relative to `fixtures/profiles/`.
pub const REFERENCE_PROFILE_PATH: &str = "fixtures/profiles/reference.yaml";

/// A profile could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The YAML itself is wrong (syntax, unknown key, wrong type).
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// A value is wrong in a way YAML typing cannot see.
    #[error("{}: {field}: {message}", located(.file, .position))]
    Invalid {
        /// The profile file.
        file: PathBuf,
        /// Where the field is in the file, when it could be found.
        position: Option<Position>,
        /// Dotted path of the offending field, e.g. `issuer.key`.
        field: String,
        /// What is wrong.
        message: String,
    },
}

impl ProfileError {
    /// The error with the place of its field in `text`, the profile's YAML, when it can be found.
    fn located_in(self, text: &str) -> ProfileError {
        match self {
            ProfileError::Invalid {
                file,
                position: None,
                field,
                message,
            } => ProfileError::Invalid {
                position: yaml::locate(text, &field),
                file,
                field,
                message,
            },
            other => other,
        }
    }
}

/// `file`, or `file:line:column`.
fn located(file: &Path, position: &Option<Position>) -> String {
    match position {
        Some(Position { line, column }) => format!("{}:{line}:{column}", file.display()),
        None => file.display().to_string(),
    }
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
    /// Principals whose tokens come from the real issuer, and from where.
    pub token_sources: BTreeMap<String, TokenSource>,
    /// The login flows those sources name.
    pub logins: BTreeMap<String, LoginFile>,
    /// Other services' base URLs (no trailing slash), by name.
    pub services: BTreeMap<String, String>,
    /// The MCP endpoint URLs where each principal opens a session, by service name.
    pub mcp_sessions: BTreeMap<String, String>,
    /// Each case acts as its own users (ids derived from the case: `IdType::per_case`).
    pub per_case_users: bool,
}

/// Where a principal's token comes from when the harness does not mint it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// A login flow of the profile, with this principal's template values.
    Login {
        /// The flow's name in `logins`.
        flow: String,
        /// Template values.
        vars: BTreeMap<String, String>,
    },
    /// An environment variable.
    Env(String),
    /// A program and its arguments; stdout is the token.
    Command(Vec<String>),
}

impl Profile {
    /// Whether the harness holds the issuer's signing key (else only issued tokens are valid).
    pub fn holds_issuer_key(&self) -> bool {
        self.issuer.key.is_some()
    }
}

impl Profile {
    /// Loads and resolves a profile file: a regular file of at most [`yaml::MAX_DOCUMENT_BYTES`].
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let text = yaml::read_limited(path, yaml::MAX_DOCUMENT_BYTES)
            .map_err(|message| YamlError::at(path, None, message))?;
        let file: ProfileFile = yaml::parse_str(path, &text)?;
        let base = path.parent().unwrap_or(Path::new("."));
        Resolver {
            file: path,
            files: FileSource::Disk(base),
        }
        .resolve(file)
        .map_err(|err| err.located_in(&text))
    }

    /// The embedded profile of the bundled reference server (Ed25519 fixture keys).
    pub fn embedded_reference() -> Result<Profile, ProfileError> {
        Profile::bundled(Path::new(REFERENCE_PROFILE_PATH))
    }

    /// A profile built into the binary, by its path in the repository (e.g.
    /// `fixtures/profiles/reference-rs256.yaml`); the key files it names are read from the bundled
    /// fixtures too. Messages name it `<embedded>/PATH`.
    pub fn bundled(path: &Path) -> Result<Profile, ProfileError> {
        let shown = Path::new("<embedded>").join(path);
        let text = crate::bundled::fixture(path)
            .ok_or_else(|| YamlError::at(&shown, None, "not built into this binary"))?;
        let file: ProfileFile = yaml::parse_str(&shown, text)?;
        Resolver {
            file: &shown,
            files: FileSource::Embedded(path.parent().unwrap_or(Path::new(""))),
        }
        .resolve(file)
        .map_err(|err| err.located_in(text))
    }

    /// A principal by name; the error lists the names the profile defines.
    pub fn principal(&self, name: &str) -> Result<&Principal, String> {
        principal_in(&self.principals, name)
    }
}

/// The principal called `name` among `principals`; the error lists the names there are.
pub fn principal_in<'a>(
    principals: &'a BTreeMap<String, Principal>,
    name: &str,
) -> Result<&'a Principal, String> {
    principals.get(name).ok_or_else(|| {
        let known: Vec<&str> = principals.keys().map(String::as_str).collect();
        format!(
            "unknown principal `{name}`; the profile defines: {}",
            known.join(", ")
        )
    })
}

enum FileSource<'a> {
    /// Files on disk, relative to this folder.
    Disk(&'a Path),
    /// Bundled fixtures, relative to this folder of the repository.
    Embedded(&'a Path),
}

struct Resolver<'a> {
    file: &'a Path,
    files: FileSource<'a>,
}

impl Resolver<'_> {
    /// The profile: issuer and keys, target settings, services, phrases and policy, principals, each
    /// checked in that order (the first error is the one reported).
    fn resolve(&self, file: ProfileFile) -> Result<Profile, ProfileError> {
        let issuer = self.issuer(&file.issuer)?;
        let target_keys = match &file.target_keys {
            Some(source) => self.target_keys(source)?,
            None => issuer
                .key
                .as_ref()
                .and_then(SigningKey::public_key)
                .into_iter()
                .collect(),
        };
        let target_settings = self.target_settings(&file)?;
        self.check_headers(&file)?;
        self.check_urls_and_logins(&file)?;
        let services = self.services(&file)?;
        let mcp_sessions = self.mcp_sessions(&file, &services)?;
        let chat_phrases = self.chat_phrases(&file.chat_phrases)?;
        self.check_policy(&file.policy)?;
        let principals::Principals {
            principals,
            token_sources,
        } = self.principals(file.principals, &file.issuer, &file.logins)?;
        if file.per_case_users {
            self.check_per_case_users(&issuer, &token_sources, &mcp_sessions)?;
        }
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
            token_sources,
            logins: file.logins,
            services,
            mcp_sessions,
            per_case_users: file.per_case_users,
        })
    }

    fn read(&self, relative: &str) -> Result<String, String> {
        match self.files {
            FileSource::Disk(base) => {
                let path = base.join(relative);
                crate::yaml::read_limited(&path, crate::yaml::MAX_KEY_FILE_BYTES)
                    .map_err(|message| format!("{}: {message}", path.display()))
            }
            FileSource::Embedded(base) => crate::bundled::fixture(&base.join(relative))
                .map(str::to_string)
                .ok_or_else(|| format!("{relative} is not embedded in the binary")),
        }
    }

    fn invalid(&self, field: &str, message: impl std::fmt::Display) -> ProfileError {
        ProfileError::Invalid {
            file: self.file.to_path_buf(),
            position: None,
            field: field.to_string(),
            message: message.to_string(),
        }
    }
}
