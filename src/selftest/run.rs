//! One run of the suite against the embedded reference server, and the reduced suite.

use std::sync::Arc;

use super::mutants::{Mutant, MutantProxy};
use super::{LARGE_SCENARIO, Outcome, REDUCED_OPERATIONS, SelftestOptions};
use crate::embedded::{self, EmbeddedReference, ReferenceMode, ReferenceOptions};
use crate::outcome::RunResult;
use crate::profile::Profile;
use crate::scenario::plan::Suite;
use crate::scenario::{self, LoadOptions};

/// The profile a style is declared in: FastAPI's legacy 403 for a missing token is legitimate only
/// where the profile says so (`policy.missing_token_status: [401, 403]`).
pub fn profile_for_style(style: reference_server::Style, profile: &Profile) -> Profile {
    let mut profile = profile.clone();
    if style == reference_server::Style::MissingToken403 {
        profile.policy.missing_token_status = vec![401, 403];
    }
    profile
}

/// The reduced suite against the correct server in another key mode, with that mode's example
/// profile (and its hosted issuer, for a JWKS URL).
pub(super) async fn run_mode(
    mode: ReferenceMode,
    options: &SelftestOptions,
) -> Result<Outcome, String> {
    let path = mode.profile_path();
    let profile =
        Arc::new(Profile::bundled(&path).map_err(|err| format!("{}: {err}", path.display()))?);
    let suite = scenario::load_sources(
        &options.scenarios,
        &profile,
        &LoadOptions::for_profile(&profile),
    )
    .map_err(|errors| format!("{} error(s) in scenario files", errors.len()))?;
    let suite = if options.full { suite } else { reduce(&suite) };
    let issuer = embedded::start_hosted_issuer(&profile).await?;
    let reference = ReferenceOptions {
        mode,
        ..ReferenceOptions::default()
    }
    .with_issuer(issuer.as_ref());
    let result = run_target(
        &suite,
        &profile,
        options.jobs,
        options.seed,
        reference,
        None,
    )
    .await?;
    drop(issuer);
    Ok(Outcome::of(None, &result))
}

/// Keeps the cases of large scenarios whose `operation` is one of [`REDUCED_OPERATIONS`].
pub fn reduce(suite: &Suite) -> Suite {
    let mut counts = vec![0usize; suite.scenarios.len()];
    for case in &suite.cases {
        counts[case.scenario] += 1;
    }
    let cases = suite
        .cases
        .iter()
        .filter(|case| {
            counts[case.scenario] <= LARGE_SCENARIO
                || case
                    .bindings
                    .iter()
                    .find(|(name, _)| name == "operation")
                    .is_none_or(|(_, op)| REDUCED_OPERATIONS.contains(&op.as_str()))
        })
        .cloned()
        .collect();
    Suite {
        scenarios: suite.scenarios.clone(),
        cases,
        set_aside: suite.set_aside.clone(),
    }
}

/// Runs `suite` against a fresh embedded reference server, behind `mutant`'s proxy if it is one.
pub(super) async fn run_once(
    suite: &Suite,
    profile: &Arc<Profile>,
    options: &SelftestOptions,
    reference: ReferenceOptions,
    mutant: Option<Mutant>,
) -> Result<RunResult, String> {
    let jobs = options.jobs;
    let seed = options.seed;
    run_target(suite, profile, jobs, seed, reference, mutant).await
}

/// Runs `suite` against a fresh embedded reference server (behind `mutant`'s proxy if it is one)
/// with `jobs` cases in flight and canaries from `seed`.
pub(super) async fn run_target(
    suite: &Suite,
    profile: &Arc<Profile>,
    jobs: usize,
    seed: u64,
    reference: ReferenceOptions,
    mutant: Option<Mutant>,
) -> Result<RunResult, String> {
    let server = EmbeddedReference::start(reference).await?;
    let proxy = match mutant.filter(|m| m.is_proxy()) {
        Some(mutant) => Some(MutantProxy::start(mutant, &server.base_url()).await?),
        None => None,
    };
    let base_url = proxy
        .as_ref()
        .map_or_else(|| server.base_url(), MutantProxy::base_url);
    let result = server
        .run_suite(suite, Arc::clone(profile), base_url, jobs, seed)
        .await
        .map_err(|err| err.to_string());
    drop(proxy);
    server.shutdown().await;
    result
}
