//! `authconform run` (also what `authconform` with no command does): load the profile and scenarios,
//! start the embedded reference server when no target is given, run, report, and gate.

mod conclude;
mod gate;
mod load;
mod reports;

pub(super) use conclude::conclude;
pub(super) use reports::{ReportSpec, Reports};

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Args;
use reference_server::config::IdMode;
use reference_server::{Flaw, RouteLayout, Style};

use super::{CliError, exit, values};
use crate::embedded;
use crate::outcome::{RunResult, Verdict};
use crate::profile::Profile;
use crate::runner::filter::CaseFilter;
use crate::runner::{self, OnCase, RunError, RunOptions};
use crate::scenario::{self, LoadOptions, SuiteSources};
use crate::verdict::gate::Gate;
use crate::verdict::waiver::KnownNames;
pub use gate::GateArgs;

/// Run scenarios against a target and gate on 100% per criterion.
#[derive(Debug, Args, Default)]
#[command(after_help = "Examples:\n  \
    authconform run                                   (embedded reference server, bundled suite)\n  \
    authconform run --target https://staging.example --profile staging.yaml\n  \
    authconform run --filter 'category:isolation' --report junit:auth.xml --report json:auth.json\n  \
    authconform run --reference-flaw alg-none-accepted   (prove the suite catches a flaw)\n  \
    authconform run --reference-mode rs256             (RS256; profile reference-rs256.yaml)\n  \
    authconform run --reference-style mcp-http-403     (a correct variant: no false alarm)")]
pub struct RunArgs {
    /// Base URL of the target (default: the profile's `base_url`; with neither, the bundled reference
    /// server is started in-process).
    #[arg(long, value_name = "URL")]
    target: Option<String>,
    /// Test the embedded reference server even when the profile names a `base_url`.
    #[arg(long, conflicts_with = "target")]
    reference: bool,
    /// Notes (deviations that give an attacker nothing) fail the gate too.
    #[arg(long)]
    strict: bool,
    /// Target profile (default: the embedded reference-server profile).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    #[command(flatten)]
    scenarios: ScenarioArgs,
    /// Cases in flight at once (default: adaptive, from 4 up to 16 x cores: doubles while the target
    /// answers cleanly, halves on resets, timeouts and 5xx that a replay alone does not repeat, then
    /// grows by one).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    #[command(flatten)]
    load: load::LoadArgs,
    /// Write a report: json, junit, sarif, markdown or html, as FORMAT:PATH (repeatable). With none,
    /// Markdown is appended to $GITHUB_STEP_SUMMARY when that is set.
    #[arg(long = "report", value_name = "FORMAT:PATH")]
    reports: Vec<String>,
    /// Only cases matching: an id glob (`token-mutations*`), `category:NAME` or `tag:NAME` (repeatable, OR).
    #[arg(long = "filter", value_name = "FILTER")]
    filters: Vec<String>,
    /// Stop starting new cases after the first failure that fails the gate (one that --waivers or
    /// --baseline accepts does not stop the run).
    #[arg(long)]
    fail_fast: bool,
    /// Run at most N cases of each scenario, drawn with the seed (printed, so the draw can be repeated).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    sample: Option<u64>,
    /// Seed for anything random (canaries, the --sample draw).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Run shard K of N (`hash:K/N`: by a stable hash of each case id; `count:K/N`: every Nth case),
    /// after --filter and --sample; needs --seed, the same in every shard. `authconform merge` makes
    /// one run of the shards' JSON reports.
    #[arg(long, value_name = "SCHEME:K/N")]
    partition: Option<runner::partition::Partition>,
    /// Keep the principals' valid tokens in reports. By default each is replaced by
    /// `[valid token of NAME]` (they are live credentials, and CI uploads reports), and reproducers
    /// mint an equivalent one (`authconform mint --as NAME --case ID`); forged tokens always stay.
    #[arg(long)]
    reveal_tokens: bool,
    /// Keep what the run creates in the target. By default, at the end (and on Ctrl-C), every object
    /// the run created is deleted through the API's delete operations, as its owner, and what could
    /// not be deleted is reported; objects the run did not create are never touched.
    #[arg(long)]
    keep_data: bool,
    /// Switch on one flaw of the embedded reference server (only without --target).
    #[arg(long, value_name = "FLAW", value_parser = values::flaw())]
    reference_flaw: Option<Flaw>,
    /// Key mode of the embedded reference server (default eddsa-jwks); the profile defaults to
    /// fixtures/profiles/reference-MODE.yaml (built into the binary).
    #[arg(long, value_name = "MODE", value_parser = values::mode())]
    reference_mode: Option<embedded::ReferenceMode>,
    /// Switch on a legitimate presentation style of the embedded reference server (repeatable).
    #[arg(long = "reference-style", value_name = "STYLE", value_parser = values::style())]
    reference_styles: Vec<Style>,
    /// Task and conversation ids of the embedded reference server (default sequential).
    #[arg(long, value_name = "IDS", value_enum)]
    reference_ids: Option<IdMode>,
    /// Routes of the embedded reference server (default contract; with items, use a profile made by
    /// `authconform init`).
    #[arg(long, value_name = "LAYOUT", value_parser = values::routes())]
    reference_routes: Option<RouteLayout>,
    #[command(flatten)]
    gate: GateArgs,
}

impl RunArgs {
    /// Whether a flag asks for the embedded reference server.
    fn names_embedded(&self) -> bool {
        self.reference
            || self.reference_flaw.is_some()
            || self.reference_mode.is_some()
            || !self.reference_styles.is_empty()
            || self.reference_ids.is_some()
            || self.reference_routes.is_some()
    }

    /// The target the user named: `--target`, else the `base_url` of the profile given with
    /// `--profile`; `None` means the embedded reference server.
    fn named_target(&self, profile: &Profile) -> Option<(String, &'static str)> {
        if let Some(target) = &self.target {
            return Some((target.clone(), "--target"));
        }
        if self.names_embedded() || self.profile.is_none() {
            return None;
        }
        profile
            .base_url
            .clone()
            .map(|url| (url, "the profile's base_url"))
    }

    /// The embedded reference server's options from the `--reference-*` flags.
    fn reference_options(&self) -> Result<embedded::ReferenceOptions, CliError> {
        if self.target.is_some() && self.names_embedded() {
            return Err(CliError::usage(
                "--reference-flaw, --reference-mode, --reference-style, --reference-ids and --reference-routes only apply to the embedded reference server (no --target)",
            ));
        }
        Ok(embedded::ReferenceOptions {
            mode: self.reference_mode.unwrap_or_default(),
            flaw: self.reference_flaw,
            styles: self.reference_styles.clone(),
            ids: self.reference_ids.unwrap_or_default(),
            routes: self.reference_routes.unwrap_or_default(),
            ..embedded::ReferenceOptions::default()
        })
    }

    /// The profile to load: `--profile`, else the bundled example profile of a non-default
    /// `--reference-mode` or of `--reference-routes items`, else the embedded reference profile.
    fn profile_source(
        &self,
        reference: &embedded::ReferenceOptions,
    ) -> Result<ProfileSource, CliError> {
        if let Some(path) = &self.profile {
            return Ok(ProfileSource::File(path.clone()));
        }
        let default_mode = reference.mode == embedded::ReferenceMode::default();
        let items = reference.routes == reference_server::RouteLayout::Items;
        Ok(ProfileSource::Bundled(match (default_mode, items) {
            (true, false) => PathBuf::from(crate::profile::REFERENCE_PROFILE_PATH),
            (true, true) => PathBuf::from(ITEMS_PROFILE),
            (false, false) => reference.mode.profile_path(),
            (false, true) => {
                return Err(CliError::usage(format!(
                    "--reference-mode {} with --reference-routes items: pass --profile (a profile made by `authconform init --openapi specs/openapi-items.json` with that mode's keys)",
                    reference.mode.id()
                )));
            }
        }))
    }
}

/// Where a run's profile comes from.
enum ProfileSource {
    /// `--profile FILE`.
    File(PathBuf),
    /// A profile built into the binary, by its path in the repository.
    Bundled(PathBuf),
}

/// The example profile of the reference server's `items` route layout (written by `authconform init`).
const ITEMS_PROFILE: &str = "fixtures/profiles/reference-items.yaml";

/// Runs `run`.
pub fn run(args: RunArgs) -> Result<u8, CliError> {
    let reference = args.reference_options()?;
    let reports = args
        .reports
        .iter()
        .map(|spec| ReportSpec::parse(spec))
        .collect::<Result<Vec<_>, _>>()?;
    let profile = match args.profile_source(&reference)? {
        ProfileSource::File(path) => Profile::load(&path),
        ProfileSource::Bundled(path) => Profile::bundled(&path),
    }
    .map_err(CliError::usage)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| CliError::Unreachable(format!("cannot start the async runtime: {err}")))?;
    let named = args.named_target(&profile).map(|(target, _)| target);
    // Checked before any request (a login flow's included), as `validate` checks them.
    let suite = load_scenarios(&args.scenarios.sources(), &profile)?;
    let profile = Arc::new(obtain_tokens(&runtime, profile, named.as_deref())?);
    note_set_aside(&suite, &profile);
    let gate = args.gate.gate(&known_names(&suite, &profile))?;
    let filter = CaseFilter::parse(&args.filters).map_err(CliError::usage)?;
    let suite = filter.apply(suite);
    if args.partition.is_some() && args.seed.is_none() {
        return Err(CliError::usage(
            "--partition needs --seed S, the same in every shard (e.g. the CI pipeline's id): canaries and the --sample draw come from it",
        ));
    }
    let seed = args.seed.unwrap_or_else(random_seed);
    let suite = selected(suite, args.sample, seed)?;
    // `--fail-fast` asks the gate whether a failure counts; the reports' copy marks the cases.
    let judge = gate.clone().map(Arc::new);
    // The reports are written as the run goes; what the run keeps is the summary (see `Reports`).
    let mut written = Reports::new(&reports, &suite.scenarios, gate);
    let mut result = runtime.block_on(execute(
        &args,
        reference,
        &profile,
        &suite,
        seed,
        judge,
        &mut written,
    ))?;
    result.cases = written.take_cases();
    conclude(result, written, reports.is_empty())
}

/// The names a waiver may use: the loaded scenarios' ids and weaknesses, the profile's operations.
fn known_names(suite: &scenario::plan::Suite, profile: &Profile) -> KnownNames {
    let mut weaknesses: Vec<String> = suite.cases.iter().map(|c| c.weakness.id.clone()).collect();
    weaknesses.sort_unstable();
    weaknesses.dedup();
    KnownNames {
        weaknesses,
        scenarios: Some(suite.scenarios.iter().map(|s| s.id.clone()).collect()),
        operations: crate::api::Api::from_selection(&profile.api)
            .ok()
            .map(|api| api.names().into_iter().map(String::from).collect()),
    }
}

/// The cases left to run: a sample of `suite` when `--sample` asks for one; none is an error.
fn selected(
    suite: scenario::plan::Suite,
    sample: Option<u64>,
    seed: u64,
) -> Result<scenario::plan::Suite, CliError> {
    let suite = match sample {
        Some(per_scenario) => {
            let per_scenario = usize::try_from(per_scenario).unwrap_or(usize::MAX);
            let (suite, sampled) = runner::sample::sample(suite, per_scenario, seed);
            eprintln!(
                "sampled {} of {} cases (at most {per_scenario} per scenario); repeat this draw with --sample {per_scenario} --seed {seed}",
                sampled.kept, sampled.total
            );
            suite
        }
        None => suite,
    };
    if suite.cases.is_empty() {
        return Err(CliError::usage(
            "no case to run (check --filter and --scenarios)",
        ));
    }
    Ok(suite)
}

/// Starts the hosted issuer and, without a named target, the embedded reference server; runs the
/// suite against the target with progress (`--fail-fast` stopping on a failure `gate` counts);
/// stops what it started.
async fn execute(
    args: &RunArgs,
    reference: embedded::ReferenceOptions,
    profile: &Arc<Profile>,
    suite: &scenario::plan::Suite,
    seed: u64,
    gate: Option<Arc<Gate>>,
    sink: &mut dyn runner::Sink,
) -> Result<RunResult, CliError> {
    let issuer = embedded::start_hosted_issuer(profile)
        .await
        .map_err(CliError::usage)?;
    let (embedded, base_url) = match args.named_target(profile) {
        Some((target, source)) => {
            println!("target: {target} (from {source})");
            (None, target)
        }
        None => {
            let server = embedded::EmbeddedReference::start(reference.with_issuer(issuer.as_ref()))
                .await
                .map_err(CliError::usage)?;
            let base_url = server.base_url();
            println!("target: {base_url} (the embedded reference server)");
            (Some(server), base_url)
        }
    };
    let interrupt = Arc::new(AtomicBool::new(false));
    tokio::spawn(on_interrupt(Arc::clone(&interrupt)));
    let environment = runner::RunEnvironment {
        instances: embedded
            .clone()
            .map(|server| server as Arc<dyn runner::Instances>),
        keep_data: args.keep_data,
        interrupt: Some(interrupt),
        gate,
    };
    let options = RunOptions {
        base_url,
        jobs: args.jobs.unwrap_or_else(runner::default_jobs),
        adaptive: args.jobs.is_none(),
        fail_fast: args.fail_fast,
        seed,
        strict: args.strict,
        embedded: embedded.is_some(),
        reveal_tokens: args.reveal_tokens,
        load: args.load.limits(),
        partition: args.partition,
    };
    let progress = Progress::new(shard_cases(suite, args.partition));
    let outcome = runner::run_into(
        suite,
        Arc::clone(profile),
        &options,
        progress.callback(),
        environment,
        sink,
    )
    .await;
    progress.finish();
    if let Some(server) = embedded {
        server.shutdown().await;
    }
    drop(issuer);
    outcome.map_err(|err| match err {
        RunError::Unreachable { .. }
        | RunError::SpeaksTls { .. }
        | RunError::NotHttp { .. }
        | RunError::Harness(_) => CliError::Unreachable(err.to_string()),
    })
}

/// The first Ctrl-C stops starting cases: the cases in flight finish, the cleanup runs, the reports
/// are written and the run exits 130. The second exits at once.
async fn on_interrupt(interrupt: Arc<AtomicBool>) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    interrupt.store(true, Ordering::Relaxed);
    eprintln!(
        "interrupted: no new case starts; the cases in flight finish, then the cleanup and the reports (Ctrl-C again to exit at once)"
    );
    if tokio::signal::ctrl_c().await.is_ok() {
        std::process::exit(exit::INTERRUPTED.into());
    }
}

/// How many cases the run runs; for a shard, says on stderr how many it runs and reports.
fn shard_cases(
    suite: &scenario::plan::Suite,
    partition: Option<runner::partition::Partition>,
) -> usize {
    let Some(partition) = partition else {
        return suite.cases.len();
    };
    let positions = 0..suite.cases.len();
    let runs = positions
        .clone()
        .filter(|&at| partition.runs(suite, at))
        .count();
    let owns = positions
        .filter(|&at| partition.owns(at, &suite.cases[at].id))
        .count();
    eprintln!(
        "shard {partition}: reports {owns} of the plan's {} cases; runs {runs} (its own and every case whose result judges others)",
        suite.cases.len()
    );
    runs
}

/// Says on stderr which scenarios were left out because they are written for another API.
pub fn note_set_aside(suite: &scenario::plan::Suite, profile: &Profile) {
    if suite.set_aside.is_empty() {
        return;
    }
    let mut apis: Vec<&str> = suite.set_aside.iter().map(|s| s.api.as_str()).collect();
    apis.sort_unstable();
    apis.dedup();
    eprintln!(
        "note: {} scenario(s) written for the `{}` API are not run: this profile's API is `{}`",
        suite.set_aside.len(),
        apis.join("`, `"),
        profile.api.name
    );
}

/// The profile with the tokens of its principals that the real issuer makes (login flows, environment,
/// commands); one line on stderr per principal. `target` is where flows without a `base_url` go.
pub fn obtain_tokens(
    runtime: &tokio::runtime::Runtime,
    profile: Profile,
    target: Option<&str>,
) -> Result<Profile, CliError> {
    if profile.token_sources.is_empty() {
        return Ok(profile);
    }
    let now = crate::token::mint::Clock::now_unix(&crate::token::mint::SystemClock);
    let (profile, obtained) = runtime
        .block_on(crate::login::obtain(profile, target, now))
        .map_err(|err| match err {
            crate::login::LoginError::Unreachable(reason) => {
                CliError::Unreachable(format!("cannot log in: {reason}"))
            }
            other => CliError::usage(format!("cannot log in: {other}")),
        })?;
    for token in &obtained {
        let expiry = token
            .expires_in
            .map(|secs| format!(", expires in {secs} s"))
            .unwrap_or_default();
        eprintln!(
            "{}: token from {} (user id {}{expiry})",
            token.principal, token.source, token.user_id
        );
    }
    if !profile.holds_issuer_key() {
        eprintln!(
            "the issuer's signing key is not in the profile: attacks that must be signed with it are skipped, with that reason"
        );
    }
    Ok(profile)
}

/// The profile named, or the embedded one.
pub fn load_profile(path: Option<&Path>) -> Result<Profile, CliError> {
    match path {
        Some(path) => Profile::load(path),
        None => Profile::embedded_reference(),
    }
    .map_err(CliError::usage)
}

/// Which scenarios to load: `--scenarios` (repeatable) replaces the bundled suite, `--with-bundled`
/// keeps it too.
#[derive(Debug, Args, Default, Clone)]
pub struct ScenarioArgs {
    /// Scenario files or folders (repeatable). Default: the bundled suite built into the binary; paths
    /// given here replace it (add --with-bundled to keep it).
    #[arg(long = "scenarios", value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Load the bundled suite as well as the --scenarios paths (a file whose path is that of a
    /// bundled one, `scenarios/...`, replaces it).
    #[arg(long)]
    with_bundled: bool,
}

impl ScenarioArgs {
    /// The files these flags name.
    pub fn sources(&self) -> SuiteSources {
        SuiteSources::from_flags(&self.paths, self.with_bundled)
    }
}

/// The scenario files `sources` names; all load errors at once.
pub fn load_scenarios(
    sources: &SuiteSources,
    profile: &Profile,
) -> Result<scenario::plan::Suite, CliError> {
    if let Some(path) = sources.paths.iter().find(|path| !path.exists()) {
        return Err(CliError::usage(format!(
            "{}: no such file or folder (without --scenarios, the bundled suite is used)",
            path.display()
        )));
    }
    let options = LoadOptions {
        known_requirements: None,
        api: profile.api.clone(),
    };
    scenario::load_sources(sources, profile, &options).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        CliError::usage(format!(
            "{} error(s) in scenario files:\n{}",
            errors.len(),
            lines.join("\n")
        ))
    })
}

fn random_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// A progress bar on a terminal; nothing otherwise (CI logs stay clean).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new(total: usize) -> Progress {
        let on_terminal = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bar = on_terminal.then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} cases {msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar }
    }

    fn callback(&self) -> OnCase {
        let bar = self.bar.clone();
        Arc::new(move |case| {
            if let Some(bar) = &bar {
                bar.inc(1);
                if case.verdict == Verdict::Fail {
                    bar.set_message(format!("last failure: {}", case.id));
                }
            }
        })
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
