//! The runner: executes the expanded cases of a suite against a target with bounded concurrency and
//! collects a [`RunResult`] in case order, whatever the concurrency.

pub mod attribution;
pub mod controls;
mod element;
pub mod execute;
pub mod filter;
pub mod instances;
pub mod limit;
pub mod sample;
pub mod sessions;
pub mod tokens;
pub mod users;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

pub use instances::Instances;

use crate::outcome::{CaseResult, RunConditions, RunResult, Verdict};
use crate::profile::Profile;
use crate::scenario::plan::Suite;
use crate::token::keys::KeySet;
use crate::token::mint::{Clock, SystemClock};
use crate::wire::attacker::AttackerHost;
use crate::wire::{HttpClient, RequestSpec, SendError};
use execute::{RunShared, run_case};
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
    /// Stop starting cases after the first failure.
    pub fail_fast: bool,
    /// Seed for anything random (canary nonce).
    pub seed: u64,
    /// Notes fail the gate too (`--strict`, or the profile's `policy.level: strict`).
    pub strict: bool,
    /// The target is the embedded reference server.
    pub embedded: bool,
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
/// time after all the others, so that a restart never cuts another case short.
pub async fn run_with(
    suite: &Suite,
    profile: Arc<Profile>,
    options: &RunOptions,
    on_case: OnCase,
    environment: RunEnvironment,
) -> Result<RunResult, RunError> {
    let started = Instant::now();
    let base_url = options.base_url.trim_end_matches('/').to_string();
    let shared = Arc::new(prepare(profile, options, &base_url, environment).await?);
    let controls = controls::run(&shared.client, &base_url, &shared.profile, &shared.tokens).await;
    let limit = Arc::new(if options.adaptive {
        limit::Limit::adaptive(options.jobs)
    } else {
        limit::Limit::fixed(options.jobs)
    });
    let mut cases = run_cases(suite, &shared, &limit, options, on_case).await;
    shared.sessions.close(&shared.client).await;
    let bindings: Vec<_> = suite
        .cases
        .iter()
        .map(|case| case.bindings.clone())
        .collect();
    attribution::fold(&mut cases, &bindings, &shared.profile.issuer);
    let refused_in_run = controls::refused_in_run(&cases, &bindings);
    if let Some(refused) = controls::refused(&controls, refused_in_run) {
        refused.withdraw(&mut cases, &bindings);
    }
    Ok(RunResult {
        target: base_url,
        scenarios: suite.scenarios.clone(),
        cases,
        duration: started.elapsed(),
        conditions: RunConditions {
            embedded: options.embedded,
            jobs: limit.peak(),
            first_fault_at: limit.first_fault_at(),
            load_5xx: shared.load_5xx.load(Ordering::Relaxed),
            controls,
        },
    })
}

/// Everything the cases share: the client (after a probe of the target), the target keys, the
/// attacker host and keys, the token factory and the MCP sessions.
async fn prepare(
    profile: Arc<Profile>,
    options: &RunOptions,
    base_url: &str,
    environment: RunEnvironment,
) -> Result<RunShared, RunError> {
    // The attacker keys (an RSA key among them, tens of milliseconds) are made while the target is probed.
    let attacker_keys = tokio::task::spawn_blocking(|| KeySet::generate("attacker"));
    let client = HttpClient::new(profile.target_settings.clone())
        .map_err(|err| RunError::Harness(err.to_string()))?;
    probe(&client, base_url).await?;
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
    Ok(RunShared {
        client,
        base_url: base_url.to_string(),
        tokens,
        sessions,
        strict: options.strict || shared_strict(&profile),
        profile,
        attacker,
        nonce: nonce(options.seed),
        instances: environment.instances,
        quiet: tokio::sync::RwLock::new(()),
        load_5xx: std::sync::atomic::AtomicUsize::new(0),
    })
}

/// Runs every case and returns their results in case order. Phase 1: every case that leaves the
/// instances alone, in parallel; phase 2: the others, in order. A case is copied into its task only
/// once the limit lets it start, so that only the cases in flight are held twice.
async fn run_cases(
    suite: &Suite,
    shared: &Arc<RunShared>,
    limit: &Arc<limit::Limit>,
    options: &RunOptions,
    on_case: OnCase,
) -> Vec<CaseResult> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut results: Vec<Option<CaseResult>> = vec![None; suite.cases.len()];
    for exclusive in [false, true] {
        // Finished tasks are collected as others start: a finished task's memory is freed at once.
        let mut running = tokio::task::JoinSet::new();
        let mut indexes = std::collections::HashMap::new();
        for (index, case) in suite.cases.iter().enumerate() {
            let needs_instances = case.needs_embedded() && shared.instances.is_some();
            if (needs_instances && case.is_exclusive()) != exclusive {
                continue;
            }
            let permit = limit.acquire().await;
            while let Some(joined) = running.try_join_next_with_id() {
                collect(joined, &indexes, &mut results, suite);
            }
            let task = one_case(CaseTask {
                shared: Arc::clone(shared),
                limit: Arc::clone(limit),
                stop: Arc::clone(&stop),
                on_case: Arc::clone(&on_case),
                category: suite.scenarios[case.scenario].category,
                case: case.clone(),
                index,
                fail_fast: options.fail_fast,
                permit,
            });
            if exclusive {
                results[index] = Some(task.await);
            } else {
                indexes.insert(running.spawn(task).id(), index);
            }
        }
        while let Some(joined) = running.join_next_with_id().await {
            collect(joined, &indexes, &mut results, suite);
        }
    }
    results
        .into_iter()
        .enumerate()
        .map(|(index, result)| {
            result.unwrap_or_else(|| {
                harness_error(
                    suite,
                    index,
                    "harness error: the case was never scheduled".into(),
                )
            })
        })
        .collect()
}

/// Puts a finished task's result in its case's place; a task that panicked is a harness error.
fn collect(
    joined: Result<(tokio::task::Id, CaseResult), tokio::task::JoinError>,
    indexes: &std::collections::HashMap<tokio::task::Id, usize>,
    results: &mut [Option<CaseResult>],
    suite: &Suite,
) {
    match joined {
        Ok((id, result)) => results[indexes[&id]] = Some(result),
        Err(err) => {
            let index = indexes[&err.id()];
            results[index] = Some(harness_error(
                suite,
                index,
                format!("harness task failed: {err}"),
            ));
        }
    }
}

/// One case to run, with what it shares with the others and the room the limit gave it.
struct CaseTask {
    shared: Arc<RunShared>,
    limit: Arc<limit::Limit>,
    stop: Arc<AtomicBool>,
    on_case: OnCase,
    category: crate::scenario::plan::Category,
    case: crate::scenario::plan::Case,
    index: usize,
    fail_fast: bool,
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// Runs (or skips) one case, judges it, keeps what reports need and hands its room back.
async fn one_case(task: CaseTask) -> CaseResult {
    let CaseTask {
        shared,
        case,
        category,
        ..
    } = &task;
    let mut fault = false;
    let result = if task.stop.load(Ordering::Relaxed) {
        skipped(
            case,
            *category,
            "not run: --fail-fast stopped the run after a failure",
        )
    } else if let Some(reason) = &case.not_applicable {
        skipped(case, *category, reason)
    } else if case.needs_embedded() && shared.instances.is_none() {
        skipped(case, *category, instances::NEEDS_EMBEDDED)
    } else {
        let (mut result, faltered) = run_case(shared, case, task.index, *category).await;
        result.retain();
        fault = faltered;
        result
    };
    task.limit.release(task.permit, fault);
    if task.fail_fast && result.verdict == Verdict::Fail {
        task.stop.store(true, Ordering::Relaxed);
    }
    (task.on_case)(&result);
    result
}

/// The result of a case the harness failed to run.
fn harness_error(suite: &Suite, index: usize, reason: String) -> CaseResult {
    let case = &suite.cases[index];
    let mut result = skipped(case, suite.scenarios[case.scenario].category, "");
    result.verdict = Verdict::Error;
    result.reason = reason;
    result
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

/// Any HTTP answer means reachable; a connection failure means exit 3 before any verdict.
async fn probe(client: &HttpClient, base_url: &str) -> Result<(), RunError> {
    let url = format!("{base_url}/");
    match client
        .send(&RequestSpec::new(reqwest::Method::GET, url.clone()))
        .await
    {
        Ok(_) => Ok(()),
        Err(err @ (SendError::Connect(_) | SendError::Timeout(_) | SendError::Build(_))) => {
            Err(RunError::Unreachable {
                url,
                reason: err.to_string(),
            })
        }
        Err(SendError::Broken(_)) => Ok(()),
    }
}

fn skipped(
    case: &crate::scenario::plan::Case,
    category: crate::scenario::plan::Category,
    reason: &str,
) -> CaseResult {
    CaseResult {
        id: case.id.clone(),
        scenario: case.scenario,
        category,
        weakness: case.weakness.clone(),
        verdict: Verdict::Skipped,
        reason: reason.to_string(),
        culprit: None,
        exchanges: Vec::new(),
        duration: std::time::Duration::ZERO,
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
