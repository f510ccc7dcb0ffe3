//! The bundled reference server, started in-process with the embedded TEST ONLY fixture keys, so that
//! `authconform` with no target runs anywhere. It can run in each key mode the suite supports
//! ([`ReferenceMode`]), with one flaw, with legitimate presentation styles, and it provides the run with
//! a second instance and restarts ([`crate::runner::Instances`]) for the statelessness scenarios.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};

use reference_server::config::{IdMode, KeySource, ServerConfig};
use reference_server::{Flaw, RunningServer, Style};
use tokio::sync::Mutex;

use crate::profile::Profile;
use crate::runner::instances::{BoxFuture, Instances};
use crate::scenario::plan::Instance;
use crate::wire::issuer::HostedIssuer;

/// The issuer's public JWKS (Ed25519 only), as the embedded profile expects.
pub const EMBEDDED_JWKS: &str = include_str!("../fixtures/keys/issuer/jwks-ed25519.json");
/// The issuer's four public keys (Ed25519, RSA 2048, P-256, P-384): the spec's multi-key server.
const MULTI_KEY_JWKS: &str = include_str!("../fixtures/keys/issuer/jwks.json");
/// The issuer's TEST ONLY HS256 secret.
const HS256_SECRET: &str = include_str!("../fixtures/keys/issuer/hs256.secret");
/// A JWKS the issuer's tokens do not verify against (the attacker's Ed25519 key), for the
/// self-validation's "new key at every start" mutant.
const FOREIGN_JWKS: &str = include_str!("../fixtures/keys/attacker/jwks-ed25519.json");

/// Starts the reference server on an ephemeral loopback port, with one flaw switched on if asked.
pub async fn start_reference_server(flaw: Option<&str>) -> Result<RunningServer, String> {
    let mut config = ServerConfig::new(KeySource::JwksJson(EMBEDDED_JWKS.to_string()));
    if let Some(id) = flaw {
        let flaw: Flaw = id
            .parse()
            .map_err(|err| format!("--reference-flaw: {err}"))?;
        config.flaw = Some(flaw);
    }
    reference_server::start(config)
        .await
        .map_err(|err| format!("cannot start the embedded reference server: {err}"))
}

/// How the embedded reference server gets its keys. Each mode has a matching example profile,
/// `fixtures/profiles/reference-<mode>.yaml`; the suite runs unchanged in every mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum ReferenceMode {
    /// EdDSA, the Ed25519 JWKS given as a file (Better Auth's default algorithm; the spec's default
    /// server). Profile `reference.yaml` (= `reference-eddsa-jwks.yaml` plus the
    /// server's `conversations.delete`).
    #[default]
    EddsaJwks,
    /// EdDSA, the JWKS fetched from a URL: the harness's hosted issuer (Better Auth's
    /// `/api/auth/jwks`). The profile needs `hosted_issuer`.
    EddsaJwksUrl,
    /// RS256 tokens, verified against the multi-key JWKS (EdDSA, RS256, ES256, ES384 allowed).
    Rs256,
    /// ES256 tokens, verified against the multi-key JWKS (EdDSA, RS256, ES256, ES384 allowed).
    Es256,
    /// HS256 with a shared secret (the hackathon's `BETTER_AUTH_SECRET` variant).
    Hs256,
}

impl ReferenceMode {
    /// Every mode.
    pub const ALL: [ReferenceMode; 5] = [
        ReferenceMode::EddsaJwks,
        ReferenceMode::EddsaJwksUrl,
        ReferenceMode::Rs256,
        ReferenceMode::Es256,
        ReferenceMode::Hs256,
    ];

    /// The id used on the command line and in profile file names.
    pub fn id(self) -> &'static str {
        match self {
            ReferenceMode::EddsaJwks => "eddsa-jwks",
            ReferenceMode::EddsaJwksUrl => "eddsa-jwks-url",
            ReferenceMode::Rs256 => "rs256",
            ReferenceMode::Es256 => "es256",
            ReferenceMode::Hs256 => "hs256",
        }
    }

    /// One line saying how the server gets its keys (the `--reference-mode` help).
    pub fn description(self) -> &'static str {
        match self {
            ReferenceMode::EddsaJwks => "EdDSA, the Ed25519 JWKS from a file (default)",
            ReferenceMode::EddsaJwksUrl => "EdDSA, the JWKS fetched from the hosted issuer's URL",
            ReferenceMode::Rs256 => "RS256 tokens, a JWKS of four keys",
            ReferenceMode::Es256 => "ES256 tokens, a JWKS of four keys",
            ReferenceMode::Hs256 => "HS256 with a shared secret",
        }
    }

    /// The example profile of this mode, by its path in the repository (built into the binary:
    /// [`crate::profile::Profile::bundled`]).
    pub fn profile_path(self) -> PathBuf {
        PathBuf::from(format!("fixtures/profiles/reference-{}.yaml", self.id()))
    }
}

impl FromStr for ReferenceMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReferenceMode::ALL
            .into_iter()
            .find(|mode| mode.id() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = ReferenceMode::ALL.iter().map(|m| m.id()).collect();
                format!("unknown reference mode `{s}` (known: {})", known.join(", "))
            })
    }
}

/// How to start the embedded reference server.
#[derive(Debug, Clone, Default)]
pub struct ReferenceOptions {
    /// Key mode.
    pub mode: ReferenceMode,
    /// The one flaw switched on, if any.
    pub flaw: Option<Flaw>,
    /// Legitimate presentation choices switched on.
    pub styles: Vec<Style>,
    /// Sequential or random (unguessable) ids.
    pub ids: IdMode,
    /// Where the API is mounted: the contract's routes, or the FastAPI-style `items` layout (another
    /// prefix, renamed parameters, `/openapi.json`) that proves the generic-API scenarios.
    pub routes: reference_server::RouteLayout,
    /// The JWKS URL of [`ReferenceMode::EddsaJwksUrl`] (the hosted issuer's).
    pub jwks_url: Option<String>,
    /// Self-validation only: instances that trust another key, as a server that makes its signing key
    /// at start-up would. Tokens then stop working across instances or restarts, which the
    /// statelessness scenarios must notice.
    pub key_drift: KeyDrift,
}

/// When an instance of the embedded reference server trusts another key than the issuer's
/// (self-validation only; the default, [`KeyDrift::None`], is the correct server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyDrift {
    /// Every instance trusts the issuer's key.
    #[default]
    None,
    /// The second instance trusts a key of its own.
    PerInstance,
    /// A restarted instance trusts a new key.
    PerRestart,
}

impl ReferenceOptions {
    /// The server configuration of these options (listen address and database left at their defaults:
    /// ephemeral loopback port, in memory).
    pub fn config(&self) -> Result<ServerConfig, String> {
        use jsonwebtoken::Algorithm;
        let mut config = match self.mode {
            ReferenceMode::EddsaJwks => {
                ServerConfig::new(KeySource::JwksJson(EMBEDDED_JWKS.to_string()))
            }
            ReferenceMode::EddsaJwksUrl => {
                let url = self.jwks_url.clone().ok_or_else(|| {
                    "reference mode eddsa-jwks-url needs the hosted issuer's JWKS URL (a profile with `hosted_issuer`)".to_string()
                })?;
                ServerConfig::new(KeySource::JwksUrl(url))
            }
            ReferenceMode::Rs256 | ReferenceMode::Es256 => {
                let mut config = ServerConfig::new(KeySource::JwksJson(MULTI_KEY_JWKS.to_string()));
                config.algorithms = vec![
                    Algorithm::EdDSA,
                    Algorithm::RS256,
                    Algorithm::ES256,
                    Algorithm::ES384,
                ];
                config
            }
            ReferenceMode::Hs256 => ServerConfig::new(KeySource::Hs256Secret(
                HS256_SECRET.trim_end().as_bytes().to_vec(),
            )),
        };
        config.flaw = self.flaw;
        config.styles = self.styles.clone();
        config.ids = self.ids;
        config.routes = self.routes;
        Ok(config)
    }
}

impl ReferenceOptions {
    /// These options, with the JWKS URL of the hosted issuer when the mode fetches its keys by URL.
    pub fn with_issuer(mut self, issuer: Option<&HostedIssuer>) -> Self {
        if self.mode == ReferenceMode::EddsaJwksUrl
            && let Some(issuer) = issuer
        {
            self.jwks_url = Some(issuer.jwks_url());
        }
        self
    }
}

/// Starts the hosted issuer when the profile asks for one (`hosted_issuer:`), serving the issuer's
/// public JWKS for as long as the returned value lives.
pub async fn start_hosted_issuer(profile: &Profile) -> Result<Option<HostedIssuer>, String> {
    match profile.hosted_issuer {
        Some(listen) => HostedIssuer::for_issuer(&profile.issuer, listen)
            .await
            .map(Some)
            .map_err(|err| format!("{}: hosted_issuer: {err}", profile.source.display())),
        None => Ok(None),
    }
}

/// A private folder for the second instance's database, removed when dropped.
#[derive(Debug)]
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new() -> Result<ScratchDir, String> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "authconform-{}-{nanos:08x}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path)
            .map_err(|err| format!("cannot create {}: {err}", path.display()))?;
        Ok(ScratchDir(path))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One instance: its configuration (with its fixed address once started) and the running server.
#[derive(Debug)]
struct Slot {
    config: ServerConfig,
    server: Option<RunningServer>,
}

impl Slot {
    async fn start(&mut self, foreign_key: bool) -> Result<String, String> {
        let mut config = self.config.clone();
        if foreign_key {
            config.key_source = KeySource::JwksJson(FOREIGN_JWKS.to_string());
            config.algorithms = vec![jsonwebtoken::Algorithm::EdDSA];
        }
        let server = reference_server::start(config)
            .await
            .map_err(|err| format!("cannot start the embedded reference server: {err}"))?;
        // A restart binds the same address again, so that URLs stay valid.
        self.config.listen = server.addr();
        let url = server.base_url();
        self.server = Some(server);
        Ok(url)
    }

    async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }
}

/// The embedded reference server of a run: the primary instance (the target) and, on demand, a second
/// one with the same keys and settings but its own database file.
#[derive(Debug)]
pub struct EmbeddedReference {
    options: ReferenceOptions,
    primary_url: String,
    primary: Mutex<Slot>,
    second: Mutex<Option<Slot>>,
    scratch: StdMutex<Option<ScratchDir>>,
}

impl EmbeddedReference {
    /// Starts the primary instance (in memory, ephemeral loopback port).
    pub async fn start(options: ReferenceOptions) -> Result<Arc<EmbeddedReference>, String> {
        let config = options.config()?;
        let mut primary = Slot {
            config,
            server: None,
        };
        let primary_url = primary.start(false).await?;
        Ok(Arc::new(EmbeddedReference {
            options,
            primary_url,
            primary: Mutex::new(primary),
            second: Mutex::new(None),
            scratch: StdMutex::new(None),
        }))
    }

    /// `http://ADDR:PORT` of the primary instance.
    pub fn base_url(&self) -> String {
        self.primary_url.clone()
    }

    /// Runs `suite` as `profile` against `base_url` (this server, or a proxy in front of it) with a
    /// fixed `jobs` cases in flight and canaries from `seed`, with this server's instances for the
    /// cases that restart it or talk to a second one. No progress is shown.
    pub async fn run_suite(
        self: &Arc<Self>,
        suite: &crate::scenario::plan::Suite,
        profile: Arc<Profile>,
        base_url: String,
        jobs: usize,
        seed: u64,
    ) -> Result<crate::outcome::RunResult, crate::runner::RunError> {
        let options = crate::runner::RunOptions {
            base_url,
            jobs,
            fail_fast: false,
            seed,
            adaptive: false,
            strict: false,
            embedded: true,
            reveal_tokens: false,
            load: Default::default(),
            partition: None,
        };
        let environment = crate::runner::RunEnvironment {
            instances: Some(Arc::clone(self) as Arc<dyn Instances>),
            ..Default::default()
        };
        let quiet = Arc::new(|_: &crate::outcome::CaseResult| {});
        crate::runner::run_with(suite, profile, &options, quiet, environment).await
    }

    /// The options it was started with.
    pub fn options(&self) -> &ReferenceOptions {
        &self.options
    }

    /// Stops every instance and removes the second instance's database.
    pub async fn shutdown(&self) {
        self.primary.lock().await.stop().await;
        if let Some(second) = self.second.lock().await.as_mut() {
            second.stop().await;
        }
        if let Ok(mut scratch) = self.scratch.lock() {
            scratch.take();
        }
    }

    async fn second_url(&self) -> Result<String, String> {
        let mut second = self.second.lock().await;
        if let Some(slot) = second.as_ref()
            && let Some(server) = &slot.server
        {
            return Ok(server.base_url());
        }
        let foreign = self.options.key_drift == KeyDrift::PerInstance;
        let slot = match second.as_mut() {
            Some(slot) => slot,
            None => {
                let dir = ScratchDir::new()?;
                let mut config = self.options.config()?;
                config.database = Some(dir.0.join("second.sqlite"));
                if let Ok(mut scratch) = self.scratch.lock() {
                    *scratch = Some(dir);
                }
                second.insert(Slot {
                    config,
                    server: None,
                })
            }
        };
        slot.start(foreign).await
    }

    async fn restart_instance(&self, instance: Instance) -> Result<(), String> {
        match instance {
            Instance::Primary => {
                let mut primary = self.primary.lock().await;
                primary.stop().await;
                let foreign = self.options.key_drift == KeyDrift::PerRestart;
                primary.start(foreign).await.map(|_| ())
            }
            Instance::Second => {
                self.second_url().await?;
                let mut second = self.second.lock().await;
                let Some(slot) = second.as_mut() else {
                    return Err("the second instance is not running".into());
                };
                slot.stop().await;
                let foreign = self.options.key_drift != KeyDrift::None;
                slot.start(foreign).await.map(|_| ())
            }
        }
    }
}

impl Instances for EmbeddedReference {
    fn base_url(&self, instance: Instance) -> BoxFuture<'_, Result<String, String>> {
        Box::pin(async move {
            match instance {
                Instance::Primary => Ok(self.primary_url.clone()),
                Instance::Second => self.second_url().await,
            }
        })
    }

    fn restart(&self, instance: Instance) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(self.restart_instance(instance))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_round_trip_and_name_their_profiles() {
        for mode in ReferenceMode::ALL {
            assert_eq!(mode.id().parse::<ReferenceMode>(), Ok(mode));
            assert!(
                mode.profile_path().exists(),
                "{} is missing",
                mode.profile_path().display()
            );
        }
        assert!(
            "rs512"
                .parse::<ReferenceMode>()
                .unwrap_err()
                .contains("eddsa-jwks-url")
        );
    }

    #[test]
    fn every_mode_but_the_url_one_has_a_valid_configuration() {
        for mode in ReferenceMode::ALL {
            let options = ReferenceOptions {
                mode,
                ..ReferenceOptions::default()
            };
            match mode {
                ReferenceMode::EddsaJwksUrl => assert!(options.config().is_err()),
                _ => options.config().unwrap().validate().unwrap(),
            }
        }
        assert!(HS256_SECRET.trim_end().len() >= 32);
    }

    #[tokio::test]
    async fn second_instance_and_restarts_keep_their_address_and_data() {
        let embedded = EmbeddedReference::start(ReferenceOptions::default())
            .await
            .unwrap();
        let second = Instances::base_url(embedded.as_ref(), Instance::Second)
            .await
            .unwrap();
        assert_ne!(second, embedded.base_url());
        let client = reqwest::Client::new();
        let health = |url: String| {
            let client = client.clone();
            async move {
                client
                    .get(format!("{url}/health"))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            }
        };
        assert_eq!(health(second.clone()).await.unwrap(), 200);
        embedded.restart(Instance::Second).await.unwrap();
        assert_eq!(
            Instances::base_url(embedded.as_ref(), Instance::Second)
                .await
                .unwrap(),
            second
        );
        assert_eq!(health(second.clone()).await.unwrap(), 200);
        embedded.restart(Instance::Primary).await.unwrap();
        assert_eq!(health(embedded.base_url()).await.unwrap(), 200);
        let scratch = embedded.scratch.lock().unwrap().as_ref().unwrap().0.clone();
        assert!(scratch.join("second.sqlite").exists());
        embedded.shutdown().await;
        assert!(
            !scratch.exists(),
            "the second instance's database is removed"
        );
        assert!(health(second).await.is_err());
    }
}
