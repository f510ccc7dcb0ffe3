//! Turns a [`ProfileFile`] into a [`Profile`]: paths resolved against the profile's folder, keys loaded,
//! algorithms checked, principals built.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::api::ApiSelection;
use crate::profile::model::{
    IssuerFile, KeySourceFile, LoginFile, PolicyFile, Preset, PrincipalFile, ProfileFile,
    SigningKeyFile, TokenSourceFile,
};
use crate::token::Alg;
use crate::token::identity::{IdClaim, IdType};
use crate::token::keys::{HsSecret, KeyError, PublicKey, SigningKey};
use crate::token::mint::{IssuerSettings, Principal};
use crate::wire::TargetSettings;
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
            None => issuer
                .key
                .as_ref()
                .and_then(SigningKey::public_key)
                .into_iter()
                .collect(),
        };
        let target_settings = self.target_settings(&file)?;
        let services = self.services(&file)?;
        let mcp_sessions = self.mcp_sessions(&file, &services)?;
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
        let mut token_sources = BTreeMap::new();
        let mut principals = BTreeMap::new();
        for (name, principal) in file.principals {
            let (value, source) = self.principal(&name, principal, &file.issuer, &file.logins)?;
            if let Some(source) = source {
                token_sources.insert(name.clone(), source);
            }
            principals.insert(name, value);
        }
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

    /// `per_case_users` needs ids the harness can derive and tokens it mints for them.
    fn check_per_case_users(
        &self,
        issuer: &IssuerSettings,
        token_sources: &BTreeMap<String, TokenSource>,
        mcp_sessions: &BTreeMap<String, String>,
    ) -> Result<(), ProfileError> {
        let field = "per_case_users";
        if issuer.id_type == IdType::Integer {
            return Err(self.invalid(
                field,
                "integer user ids name rows of the target's user table: a case cannot make its own",
            ));
        }
        if let Some(name) = token_sources.keys().next() {
            return Err(self.invalid(
                field,
                format!("the harness mints each case's users' tokens, but principal `{name}` gets its token from the real issuer"),
            ));
        }
        if let Some(service) = mcp_sessions.keys().next() {
            return Err(self.invalid(
                field,
                format!("each principal opens one MCP session per run (services.{service}.mcp_session), so cases cannot act as their own users"),
            ));
        }
        Ok(())
    }

    /// The session endpoints of stateful MCP services, checked.
    fn mcp_sessions(
        &self,
        file: &ProfileFile,
        services: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, ProfileError> {
        let mut sessions = BTreeMap::new();
        for (name, service) in &file.services {
            let Some(path) = &service.mcp_session else {
                continue;
            };
            if !path.starts_with('/') || path.contains(['?', '#', '{', '}']) {
                return Err(self.invalid(
                    &format!("services.{name}.mcp_session"),
                    format!("{path:?} must be a path that starts with `/`, e.g. /mcp"),
                ));
            }
            sessions.insert(name.clone(), format!("{}{path}", services[name]));
        }
        Ok(sessions)
    }

    /// The services' base URLs, checked, and every operation's `service` among them.
    fn services(&self, file: &ProfileFile) -> Result<BTreeMap<String, String>, ProfileError> {
        let mut services = BTreeMap::new();
        for (name, service) in &file.services {
            match url::Url::parse(&service.base_url) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
                _ => {
                    return Err(self.invalid(
                        &format!("services.{name}.base_url"),
                        format!("{:?} is not an http(s) URL", service.base_url),
                    ));
                }
            }
            services.insert(
                name.clone(),
                service.base_url.trim_end_matches('/').to_string(),
            );
        }
        for (op, change) in file.api.operations.iter() {
            if let Some(service) = &change.service
                && !services.contains_key(service)
            {
                let known: Vec<&str> = services.keys().map(String::as_str).collect();
                let hint = crate::suggest::did_you_mean(service, &known).unwrap_or_default();
                return Err(self.invalid(
                    &format!("api.operations.{op}.service"),
                    format!("no service `{service}` in `services` {hint}"),
                ));
            }
        }
        Ok(services)
    }

    /// One principal: its claims (preset defaults, then its own; `null` omits) and where its token
    /// comes from, if not from the harness.
    fn principal(
        &self,
        name: &str,
        principal: PrincipalFile,
        issuer: &IssuerFile,
        logins: &BTreeMap<String, LoginFile>,
    ) -> Result<(Principal, Option<TokenSource>), ProfileError> {
        let field = format!("principals.{name}");
        let source = match &principal.token {
            Some(token) => Some(self.token_source(&field, token, logins)?),
            None if issuer.key.is_none() => {
                return Err(self.invalid(
                    &format!("{field}.token"),
                    "the issuer's key is not given, so this user's token must come from the real issuer: set `token` (login, env or command)",
                ));
            }
            None => None,
        };
        if source.is_some() && !principal.claims.is_empty() {
            return Err(self.invalid(
                &format!("{field}.claims"),
                "the real issuer makes this user's tokens; their claims cannot be set here",
            ));
        }
        let sub = match (principal.sub, &source) {
            (Some(sub), _) => sub,
            (None, Some(_)) => String::new(),
            (None, None) => {
                return Err(self.invalid(&format!("{field}.sub"), "give the user id"));
            }
        };
        if !sub.is_empty() {
            issuer
                .user_id_type
                .value(&sub)
                .map_err(|reason| self.invalid(&format!("{field}.sub"), reason))?;
        }
        let mut value = Principal::new(name, sub);
        if source.is_none() {
            value.extra = preset_claims(issuer, name, &value.sub);
            for (claim, claim_value) in principal.claims {
                if claim_value.is_null() {
                    value.extra.remove(&claim);
                    value.omit.push(claim);
                } else {
                    value.extra.insert(claim, claim_value);
                }
            }
        }
        Ok((value, source))
    }

    fn token_source(
        &self,
        field: &str,
        token: &TokenSourceFile,
        logins: &BTreeMap<String, LoginFile>,
    ) -> Result<TokenSource, ProfileError> {
        let field = format!("{field}.token");
        let source = match (&token.login, &token.env, &token.command) {
            (Some(login), None, None) => {
                if !logins.contains_key(login) {
                    let known: Vec<&str> = logins.keys().map(String::as_str).collect();
                    let hint = crate::suggest::did_you_mean(login, &known).unwrap_or_default();
                    return Err(self.invalid(
                        &format!("{field}.login"),
                        format!("no login flow `{login}` in `logins` {hint}"),
                    ));
                }
                TokenSource::Login {
                    flow: login.clone(),
                    vars: token.vars.clone(),
                }
            }
            (None, Some(var), None) => TokenSource::Env(var.clone()),
            (None, None, Some(command)) if !command.is_empty() => {
                TokenSource::Command(command.clone())
            }
            _ => {
                return Err(self.invalid(
                    &field,
                    "give exactly one of `login`, `env`, `command` (a non-empty list)",
                ));
            }
        };
        if !token.vars.is_empty() && !matches!(source, TokenSource::Login { .. }) {
            return Err(self.invalid(&format!("{field}.vars"), "`vars` go with `login`"));
        }
        Ok(source)
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
        let mut settings = IssuerSettings::without_key(alg);
        if let Some(key) = &issuer.key {
            settings.key = Some(self.signing_key(key, alg, issuer.kid.clone())?);
        }
        for (name, value) in [("iss", &issuer.iss), ("aud", &issuer.aud)] {
            if value.as_deref() == Some("") {
                return Err(self.invalid(
                    &format!("issuer.{name}"),
                    "empty; leave it out for tokens without it",
                ));
            }
        }
        settings.iss = issuer.iss.clone();
        settings.aud = issuer.aud.clone();
        settings.kid = issuer.kid.clone();
        settings.lifetime_secs = issuer.lifetime_secs;
        settings.user_id_claim = IdClaim::parse(&issuer.user_claim)
            .map_err(|reason| self.invalid("issuer.user_claim", reason))?;
        settings.id_type = issuer.user_id_type;
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

/// The claims a preset adds for a principal (its own `claims` override them).
fn preset_claims(
    issuer: &IssuerFile,
    name: &str,
    sub: &str,
) -> serde_json::Map<String, serde_json::Value> {
    let mut claims = serde_json::Map::new();
    let email = format!("{name}@example.test");
    match issuer.preset {
        Some(Preset::BetterAuth) => {
            let mut display = name.to_string();
            if let Some(first) = display.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            let created = "2026-01-01T00:00:00.000Z";
            claims.insert("id".into(), sub.into());
            claims.insert("email".into(), email.into());
            claims.insert("name".into(), display.into());
            claims.insert("emailVerified".into(), false.into());
            claims.insert("image".into(), serde_json::Value::Null);
            claims.insert("createdAt".into(), created.into());
            claims.insert("updatedAt".into(), created.into());
        }
        Some(Preset::SharedSecret) => {
            claims.insert("email".into(), email.into());
        }
        None => {}
    }
    claims
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

    /// Writes `text` as a profile beside an HS256 secret file and loads it.
    fn load_text(name: &str, text: &str) -> Result<Profile, ProfileError> {
        let dir = std::env::temp_dir().join(format!("authconform-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("s"), "0123456789abcdef0123456789abcdef").unwrap();
        let path = dir.join("p.yaml");
        std::fs::write(&path, text).unwrap();
        let loaded = Profile::load(&path);
        std::fs::remove_dir_all(&dir).unwrap();
        loaded
    }

    fn claims_of(profile: &Profile, name: &str) -> serde_json::Value {
        let principal = &profile.principals[name];
        serde_json::Value::Object(profile.issuer.claims(principal, 100))
    }

    #[test]
    fn claims_are_shaped_as_the_issuer_makes_them() {
        // No iss/aud given: none in the token; `null` leaves a claim out; integer ids are numbers.
        let profile = load_text(
            "claims",
            "issuer:\n  alg: HS256\n  key: { secret_file: s }\n  user_claim: user_id\n  user_id_type: integer\n  preset: shared-secret\nprincipals:\n  alice: { sub: \"7\", claims: { iat: null, role: admin } }\n",
        )
        .unwrap();
        assert_eq!(
            claims_of(&profile, "alice"),
            serde_json::json!({"user_id": 7, "exp": 1000, "email": "alice@example.test", "role": "admin"})
        );
        // Better Auth's payload; a nested identity claim.
        let profile = load_text(
            "preset",
            "issuer:\n  alg: HS256\n  key: { secret_file: s }\n  preset: better-auth\n  iss: http://a\n  aud: http://a\n  user_claim: /user/id\nprincipals:\n  bob: { sub: u-2 }\n",
        )
        .unwrap();
        let claims = claims_of(&profile, "bob");
        assert_eq!(claims["user"], serde_json::json!({"id": "u-2"}));
        assert_eq!(claims["id"], "u-2");
        assert_eq!(claims["name"], "Bob");
        assert_eq!(claims["email"], "bob@example.test");
        assert_eq!(claims["image"], serde_json::Value::Null);
        assert_eq!(claims["iss"], "http://a");
    }

    #[test]
    fn ids_and_claims_are_checked() {
        let base = "issuer:\n  alg: HS256\n  key: { secret_file: s }\n";
        let err = load_text(
            "int",
            &format!("{base}  user_id_type: integer\nprincipals:\n  a: {{ sub: abc }}\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("principals.a.sub: \"abc\" is not an integer"),
            "{err}"
        );
        let err = load_text(
            "iss",
            &format!("{base}  iss: \"\"\nprincipals:\n  a: {{ sub: a }}\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("issuer.iss: empty"), "{err}");
        let err = load_text(
            "nosub",
            &format!("{base}principals:\n  a: {{ claims: {{ x: 1 }} }}\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("principals.a.sub: give the user id"), "{err}");
    }

    #[test]
    fn per_case_users_need_minted_tokens_and_derivable_ids() {
        let base = "per_case_users: true\nissuer:\n  alg: HS256\n  key: { secret_file: s }\n";
        let ok = load_text("pcu-ok", &format!("{base}principals:\n  a: {{ sub: a }}\n")).unwrap();
        assert!(ok.per_case_users);
        let err = |name: &str, text: String| load_text(name, &text).unwrap_err().to_string();
        let int = err(
            "pcu-int",
            format!("{base}  user_id_type: integer\nprincipals:\n  a: {{ sub: \"7\" }}\n"),
        );
        assert!(int.contains("per_case_users: integer user ids"), "{int}");
        let env = err(
            "pcu-env",
            format!("{base}principals:\n  a: {{ sub: a, token: {{ env: A_TOKEN }} }}\n"),
        );
        assert!(
            env.contains("principal `a` gets its token from the real issuer"),
            "{env}"
        );
        let mcp = err(
            "pcu-mcp",
            format!(
                "{base}services:\n  tools: {{ base_url: \"http://127.0.0.1:9\", mcp_session: /mcp }}\nprincipals:\n  a: {{ sub: a }}\n"
            ),
        );
        assert!(mcp.contains("services.tools.mcp_session"), "{mcp}");
    }

    #[test]
    fn tokens_from_the_real_issuer_need_no_key() {
        let keyless = "issuer:\n  alg: EdDSA\nlogins:\n  ba:\n    steps:\n      - path: /api/auth/token\n        extract: { token: { json: /token } }\n";
        let profile = load_text(
            "keyless",
            &format!("{keyless}principals:\n  a: {{ token: {{ login: ba, vars: {{ email: a@x }} }} }}\n  b: {{ token: {{ env: B_TOKEN }} }}\n"),
        )
        .unwrap();
        assert!(!profile.holds_issuer_key());
        assert!(profile.target_keys.is_empty());
        assert_eq!(
            profile.token_sources["b"],
            TokenSource::Env("B_TOKEN".into())
        );
        let err = load_text(
            "nokey",
            &format!("{keyless}principals:\n  a: {{ sub: a }}\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("principals.a.token: the issuer's key is not given"),
            "{err}"
        );
        let err = load_text(
            "badlogin",
            &format!("{keyless}principals:\n  a: {{ token: {{ login: bb }} }}\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("no login flow `bb`") && err.contains("did you mean `ba`"),
            "{err}"
        );
        let err = load_text(
            "claimsset",
            &format!("{keyless}principals:\n  a: {{ token: {{ env: A }}, claims: {{ x: 1 }} }}\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("their claims cannot be set here"), "{err}");
        let err = load_text(
            "two",
            &format!("{keyless}principals:\n  a: {{ token: {{ env: A, command: [x] }} }}\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("give exactly one of `login`, `env`, `command`"),
            "{err}"
        );
    }
}
