//! The runner: executes the expanded cases of a suite against a target with bounded concurrency and
//! hands each case, its verdict final, to a [`Sink`] in case order, whatever the concurrency (see
//! [`fold`] for why the fact cases run first); [`run`] collects them in a [`RunResult`].

pub mod attribution;
pub mod cleanup;
pub mod controls;
pub mod created;
mod element;
pub mod execute;
pub mod filter;
pub mod fold;
pub mod halt;
pub mod instances;
pub mod limit;
pub mod partition;
pub mod sample;
mod schedule;
pub mod sessions;
pub mod sink;
pub mod tokens;
pub mod users;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

pub use instances::Instances;
pub use sink::{Collect, Sink};

use crate::outcome::{CaseResult, Load, LoadLimits, RunConditions, RunResult};
use crate::profile::Profile;
use crate::scenario::plan::Suite;
use crate::token::keys::KeySet;
use crate::token::mint::{Clock, SystemClock};
use crate::verdict::gate::Gate;
use crate::wire::attacker::AttackerHost;
use crate::wire::{HttpClient, RequestSpec, SendError, TargetSettings};
use execute::RunShared;
use tokens::TokenFactory;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Base URL of the target.
    pub base_url: String,
    /// Cases in flight at once: the fixed number, or the most when `adaptive`.
    pub jobs: usize,
    /// Start low and adapt the concurrency to the target (no `--jobs`).
    pub adaptive: bool,
    /// Stop starting cases after the first failure that fails the gate (its verdict final; see
    /// [`RunEnvironment::gate`]).
    pub fail_fast: bool,
    /// Seed for anything random (canary nonce).
    pub seed: u64,
    /// Notes fail the gate too (`--strict`, or the profile's `policy.level: strict`).
    pub strict: bool,
    /// The target is the embedded reference server.
    pub embedded: bool,
    /// Keep the principals' valid tokens in the results (by default, replaced by a placeholder that
    /// names the principal: they are live credentials, and reports get uploaded).
    pub reveal_tokens: bool,
    /// The rate and budgets the run keeps (`--rate`, `--max-requests`, `--time-budget`).
    pub load: LoadLimits,
    /// Run one shard of the plan (`--partition`): its own cases and every fact case, reporting its own.
    pub partition: Option<partition::Partition>,
}

/// The run could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The target did not answer at all.
    #[error("target {url} is unreachable: {reason}")]
    Unreachable {
        /// The URL tried.
        url: String,
        /// Why.
        reason: String,
    },
    /// The target answers in TLS: its URL must be `https://`.
    #[error("target {url} speaks TLS, not plain HTTP: use {https} (https://, not http://)")]
    SpeaksTls {
        /// The URL tried.
        url: String,
        /// The same target over TLS, which answered.
        https: String,
    },
    /// The target answered, but not in HTTP.
    #[error("target {url} does not speak HTTP: {reason}")]
    NotHttp {
        /// The URL tried.
        url: String,
        /// What the HTTP parser found.
        reason: String,
    },
    /// Something on the harness side failed (attacker host, keys, client).
    #[error("{0}")]
    Harness(String),
}

/// Receives each case result as it finishes (for progress display).
pub type OnCase = Arc<dyn Fn(&CaseResult) + Send + Sync>;

/// What the run can do besides sending requests to its target.
#[derive(Debug, Clone, Default)]
pub struct RunEnvironment {
    /// The embedded reference server's instances (second instance, restarts); `None` for an external
    /// target, whose cases that need them are skipped.
    pub instances: Option<Arc<dyn Instances>>,
    /// Keep what the run creates in the target (`--keep-data`): no cleanup at the end.
    pub keep_data: bool,
    /// Set (by Ctrl-C) to stop starting cases: the cases in flight finish, the cleanup runs, and the
    /// result says the run was interrupted.
    pub interrupt: Option<Arc<AtomicBool>>,
    /// The waivers and baseline the run is gated with (`--waivers`, `--baseline`): `--fail-fast`
    /// stops only on a failure they do not accept ([`Gate::fails`]). `None`: on any failure.
    pub gate: Option<Arc<Gate>>,
}

/// Runs `suite` against the target. Fails before any verdict when the target is unreachable.
pub async fn run(
    suite: &Suite,
    profile: Arc<Profile>,
    options: &RunOptions,
    on_case: OnCase,
) -> Result<RunResult, RunError> {
    run_with(suite, profile, options, on_case, RunEnvironment::default()).await
}

/// [`run`] with instance control. Cases that restart an instance or talk to the second one run one at a
/// time, while no other case runs, so that a restart never cuts another case short.
pub async fn run_with(
    suite: &Suite,
    profile: Arc<Profile>,
    options: &RunOptions,
    on_case: OnCase,
    environment: RunEnvironment,
) -> Result<RunResult, RunError> {
    let mut collected = Collect::default();
    let mut result = run_into(
        suite,
        profile,
        options,
        on_case,
        environment,
        &mut collected,
    )
    .await?;
    result.cases = collected.0;
    Ok(result)
}

/// [`run_with`], handing each case to `sink` as soon as its verdict is final (in case order) instead
/// of keeping it: the result it returns holds no cases.
pub async fn run_into(
    suite: &Suite,
    profile: Arc<Profile>,
    options: &RunOptions,
    on_case: OnCase,
    environment: RunEnvironment,
    sink: &mut dyn Sink,
) -> Result<RunResult, RunError> {
    let started = Instant::now();
    let base_url = options.base_url.trim_end_matches('/').to_string();
    let keep_data = environment.keep_data;
    let gate = environment.gate.clone();
    let shared = Arc::new(prepare(profile, options, &base_url, environment, started).await?);
    let controls = controls::run(&shared.client, &base_url, &shared.profile, &shared.tokens).await;
    let pace = Arc::clone(shared.client.pace());
    let limit = Arc::new(if options.adaptive {
        limit::Limit::adaptive(options.jobs).paced(Arc::clone(&pace))
    } else {
        limit::Limit::fixed(options.jobs)
    });
    let cases = schedule::Cases {
        suite,
        shared: &shared,
        limit: &limit,
        options,
        on_case,
        stop: Arc::new(AtomicBool::new(false)),
        gate,
    };
    let (cases_started, sent_before) = (Instant::now(), pace.sent());
    cases.run(&controls, sink).await;
    let (case_requests, case_time) = (pace.sent() - sent_before, cases_started.elapsed());
    let cleanup = finish(&shared, options, keep_data).await;
    Ok(RunResult {
        target: base_url,
        scenarios: suite.scenarios.clone(),
        cases: Vec::new(),
        duration: started.elapsed(),
        conditions: RunConditions {
            embedded: options.embedded,
            profile: remint_profile(&shared.profile),
            jobs: limit.peak(),
            first_fault_at: limit.first_fault_at(),
            load_5xx: shared.load_5xx.load(Ordering::Relaxed),
            controls,
            load: Load {
                limits: options.load,
                requests: pace.sent(),
                case_requests,
                case_time,
            },
            interrupted: shared.interrupted.load(Ordering::Relaxed),
            cleanup: Some(cleanup),
            halted: shared.halt.outcome(cases.count()),
            seed: options.seed,
            strict: shared.strict,
            partition: options.partition.map(|partition| partition.shard(suite)),
        },
        gate: Default::default(),
    })
}

/// After the last case: the cleanup of what the run created (unless the data is kept, the target is
/// the embedded reference server, whose in-memory database goes with it, or the target stopped
/// answering), then the MCP sessions closed.
async fn finish(
    shared: &Arc<RunShared>,
    options: &RunOptions,
    keep_data: bool,
) -> crate::outcome::Cleanup {
    let recorded = shared.created.len();
    let skipped = if shared.halt.target_silent() {
        Some("the target stopped answering")
    } else if keep_data {
        Some("--keep-data")
    } else if options.embedded {
        Some("the embedded reference server's in-memory database goes with it")
    } else {
        None
    };
    let cleanup = match skipped {
        Some(reason) => crate::outcome::Cleanup::skipped(reason, recorded),
        None => cleanup::clean(Arc::clone(shared)).await,
    };
    if !shared.halt.target_silent() {
        shared.sessions.close(&shared.client).await;
    }
    cleanup
}

/// Everything the cases share: the client (paced, after a probe of the target), the target keys, the
/// attacker host and keys, the token factory, the MCP sessions and when to stop (`started`: the
/// start of the run, from which the time budget counts).
async fn prepare(
    profile: Arc<Profile>,
    options: &RunOptions,
    base_url: &str,
    environment: RunEnvironment,
    started: Instant,
) -> Result<RunShared, RunError> {
    // The attacker keys (an RSA key among them, tens of milliseconds) are made while the target is probed.
    let attacker_keys = tokio::task::spawn_blocking(|| KeySet::generate("attacker"));
    let client = HttpClient::new(profile.target_settings.clone())
        .map_err(|err| RunError::Harness(err.to_string()))?
        .with_rate(options.load.rate);
    probe(&client, base_url, &profile.target_settings).await?;
    let profile = with_fetched_target_keys(profile, &client).await?;
    let attacker = AttackerHost::start(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .map_err(|err| RunError::Harness(format!("cannot start the attacker host: {err}")))?;
    let attacker_keys = attacker_keys
        .await
        .map_err(|err| err.to_string())
        .and_then(|keys| keys.map_err(|err| err.to_string()))
        .map_err(|err| RunError::Harness(format!("cannot generate attacker keys: {err}")))?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let tokens = TokenFactory {
        profile: Arc::clone(&profile),
        attacker: Arc::new(attacker_keys),
        clock,
    };
    let sessions = sessions::McpSessions::open(&client, &profile, &tokens).await?;
    let halt =
        halt::Halt::new(profile.target_settings.give_up_after).with_budget(options.load, started);
    let created = created::Created::new(
        crate::api::Api::from_selection(&profile.api).ok(),
        profile.services.clone(),
    );
    Ok(RunShared {
        client,
        base_url: base_url.to_string(),
        tokens,
        sessions,
        strict: options.strict || shared_strict(&profile),
        reveal_tokens: options.reveal_tokens,
        profile,
        attacker,
        nonce: nonce(options.seed),
        instances: environment.instances,
        interrupted: environment.interrupt.unwrap_or_default(),
        created,
        quiet: tokio::sync::RwLock::new(()),
        load_5xx: std::sync::atomic::AtomicUsize::new(0),
        halt,
    })
}

/// The profile file that `authconform mint --profile` reads to make a principal's token again: `None`
/// for the embedded reference profile (mint's default); a profile built into the binary by its path in
/// the repository.
fn remint_profile(profile: &Profile) -> Option<String> {
    let source = profile
        .source
        .strip_prefix("<embedded>")
        .unwrap_or(&profile.source);
    (source != std::path::Path::new(crate::profile::REFERENCE_PROFILE_PATH))
        .then(|| source.display().to_string())
}

/// Whether the profile asks for the strict level.
fn shared_strict(profile: &Profile) -> bool {
    profile.policy.level == crate::profile::model::Level::Strict
}

/// The profile with its target keys fetched from `target_keys.jwks_url`, when it names one (no token
/// is sent with the fetch, and redirects are not followed).
async fn with_fetched_target_keys(
    profile: Arc<Profile>,
    client: &HttpClient,
) -> Result<Arc<Profile>, RunError> {
    let Some(url) = profile.target_keys_url.clone() else {
        return Ok(profile);
    };
    let failed =
        |reason: String| RunError::Harness(format!("target_keys.jwks_url {url}: {reason}"));
    let exchange = client
        .send(&RequestSpec::new(reqwest::Method::GET, url.clone()))
        .await
        .map_err(|err| failed(err.to_string()))?;
    if exchange.status != 200 {
        return Err(failed(format!("answered {}", exchange.status)));
    }
    let keys = crate::profile::public_keys_from_jwks(&exchange.body_text()).map_err(failed)?;
    let mut profile = profile.as_ref().clone();
    profile.target_keys = keys;
    Ok(Arc::new(profile))
}

/// Any HTTP answer means reachable; a connection failure, or an answer that is not HTTP, means exit
/// 3 before any verdict. An `http://` target that answers garbage, closes without a word, or answers
/// 400 with words about HTTPS (Go, nginx) is asked once over TLS: a TLS listener is named as such.
async fn probe(
    client: &HttpClient,
    base_url: &str,
    settings: &TargetSettings,
) -> Result<(), RunError> {
    let url = format!("{base_url}/");
    let outcome = client
        .send(&RequestSpec::new(reqwest::Method::GET, url.clone()))
        .await;
    let suspicious = match &outcome {
        Ok(exchange) => {
            exchange.status == 400 && exchange.body_text().to_ascii_lowercase().contains("https")
        }
        Err(err) => matches!(err, SendError::NotHttp(_) | SendError::Broken(_)),
    };
    if suspicious && let Some(https) = crate::wire::https_instead(base_url, settings).await {
        return Err(RunError::SpeaksTls { url, https });
    }
    match outcome {
        Ok(_) | Err(SendError::Broken(_)) => Ok(()),
        Err(SendError::NotHttp(reason)) => Err(RunError::NotHttp { url, reason }),
        Err(err) => Err(RunError::Unreachable {
            url,
            reason: err.to_string(),
        }),
    }
}

/// A 32-bit value from the seed (splitmix64), so canaries differ between runs with different seeds.
fn nonce(seed: u64) -> u32 {
    crate::rng::Rng::new(seed).next_u64() as u32
}

/// Default concurrency: a multiple of the cores (requests wait on the network, not the CPU); the most
/// the adaptive limit grows to.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get() * 16)
        .unwrap_or(32)
}
