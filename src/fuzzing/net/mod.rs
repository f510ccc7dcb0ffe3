//! `authconform fuzz`: structure-aware token mutation fired at a live target's routes, judged by three
//! oracles (see [`judge`]), each finding shrunk to a minimal request and saved with a curl reproducer.
//!
//! A run plants one canary task and conversation per principal, then draws cases (a fresh valid token or
//! a catalog attack, plus a few mutations), sends them `jobs` at a time, and judges every answer. The
//! first finding of each kind and status is shrunk and saved; later ones are counted. It stops after
//! `duration` or `max_cases`, whichever comes first. Case `i` depends only on the seed and `i`.

pub mod case;
pub mod judge;
pub mod mutate;
pub mod routes;
pub mod save;
mod session;
pub mod shrink;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use self::judge::{Judge, Verdict};
use self::mutate::{CaseContext, CatalogSeed, catalog_seeds};
use self::session::{Attempt, Session, excerpt, sent_request};
use super::oracle::{ClaimRules, TrustedKeys};
use crate::outcome::SentRequest;
use crate::profile::Profile;
use crate::report::curl::{Remint, reproducer};
use crate::token::keys::KeySet;
use crate::token::mint::{Clock, Principal, SystemClock};
use crate::wire::{HttpClient, SendError};

pub use self::judge::FindingKind;

/// How long catalog attack tokens are reused before they are minted again.
const CATALOG_REFRESH_SECS: u64 = 300;
/// The most that shrinking findings and requests in flight may run past `duration`.
pub const MAX_FINISH_GRACE: Duration = Duration::from_secs(5);

/// How long a run of `duration` may go on past it, shrinking findings and finishing requests in
/// flight: a tenth of it, at most [`MAX_FINISH_GRACE`]. Requests still in flight then are abandoned.
pub fn finish_grace(duration: Duration) -> Duration {
    (duration / 10).min(MAX_FINISH_GRACE)
}

/// What to fuzz and for how long.
#[derive(Debug, Clone)]
pub struct FuzzOptions {
    /// Base URL of the target.
    pub base_url: String,
    /// The target profile.
    pub profile: Arc<Profile>,
    /// Stop after this long.
    pub duration: Duration,
    /// Stop after this many cases.
    pub max_cases: Option<u64>,
    /// The seed every case is drawn from.
    pub seed: u64,
    /// Requests in flight at once.
    pub jobs: usize,
    /// Also fuzz write operations (create, update, complete, chat); deletions never.
    pub writes: bool,
    /// Where findings are saved; `None` keeps them in memory only.
    pub findings_dir: Option<PathBuf>,
    /// Most requests spent shrinking one finding.
    pub shrink_budget: usize,
    /// Attacker keys for catalog attacks; `None` generates a fresh set.
    pub attacker: Option<Arc<KeySet>>,
}

impl FuzzOptions {
    /// Defaults: 60 s, no case limit, seed 0, 8 jobs, read-only routes, no findings folder, 300 shrink
    /// requests.
    pub fn new(base_url: impl Into<String>, profile: Arc<Profile>) -> Self {
        FuzzOptions {
            base_url: base_url.into(),
            profile,
            duration: Duration::from_secs(60),
            max_cases: None,
            seed: 0,
            jobs: 8,
            writes: false,
            findings_dir: None,
            shrink_budget: 300,
            attacker: None,
        }
    }
}

/// A fuzz run could not start.
#[derive(Debug, thiserror::Error)]
pub enum FuzzError {
    /// The profile or options cannot be fuzzed with.
    #[error("{0}")]
    Config(String),
    /// The target did not answer during setup.
    #[error("{0}")]
    Unreachable(String),
}

/// One finding, shrunk.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The broken requirement.
    pub kind: FindingKind,
    /// The status (`None`: no answer).
    pub status: Option<u16>,
    /// Why the minimal request is a finding.
    pub reason: String,
    /// The operation of the minimal request.
    pub operation: String,
    /// Where the case came from.
    pub origin: String,
    /// The mutation operators of the original case.
    pub steps: Vec<&'static str>,
    /// The run seed.
    pub seed: u64,
    /// The case number (replay with the same seed).
    pub case_index: u64,
    /// How many cases hit this kind and status.
    pub occurrences: u64,
    /// The minimal token.
    pub token: Option<String>,
    /// The minimal request.
    pub request: SentRequest,
    /// The token before shrinking.
    pub original_token: Option<String>,
    /// The request before shrinking.
    pub original_request: SentRequest,
    /// The start of the minimal request's answer.
    pub response_excerpt: String,
    /// Requests spent shrinking.
    pub shrink_attempts: usize,
    /// Simplifications kept.
    pub shrink_steps: usize,
    /// Where it was saved.
    pub saved_to: Option<PathBuf>,
}

impl Finding {
    /// A curl command that replays the minimal request.
    pub fn curl(&self) -> String {
        // A fuzzing request carries no redacted token, so nothing is minted again.
        let remint = Remint {
            case: "",
            profile: None,
        };
        reproducer(&self.request, remint)
    }
}

/// Counters at some point of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Time since the start.
    pub elapsed: Duration,
    /// Cases judged.
    pub cases: u64,
    /// Requests sent (cases, setup and shrinking).
    pub requests: u64,
    /// Distinct findings.
    pub findings: usize,
}

impl Progress {
    /// Requests per second so far.
    pub fn requests_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.requests as f64 / secs
        } else {
            0.0
        }
    }
}

/// What a run reports as it goes.
#[derive(Debug)]
pub enum FuzzEvent<'a> {
    /// Setup is done.
    Started {
        /// Routes fuzzed.
        routes: usize,
        /// Principals with canaries.
        principals: usize,
        /// Catalog attacks used as starting points.
        catalog: usize,
        /// Setup problems.
        notes: &'a [String],
    },
    /// About once a second.
    Progress(Progress),
    /// A new finding, already shrunk (and saved, if a folder was given).
    Finding(&'a Finding),
}

/// The result of a run.
#[derive(Debug, Clone)]
pub struct FuzzReport {
    /// The target base URL.
    pub target: String,
    /// The seed.
    pub seed: u64,
    /// Final counters.
    pub progress: Progress,
    /// Distinct findings in the order found.
    pub findings: Vec<Finding>,
    /// Setup notes and why the run stopped early, if it did.
    pub notes: Vec<String>,
}

/// The keys and claim rules a correct target applies, from the profile.
pub fn trust_of(profile: &Profile) -> (TrustedKeys, ClaimRules) {
    let issuer = &profile.issuer;
    let mut public = profile.target_keys.clone();
    if let Some(own) = issuer.key.as_ref().and_then(|key| key.public_key())
        && !public.contains(&own)
    {
        public.push(own);
    }
    let keys = TrustedKeys {
        algorithms: vec![issuer.alg],
        public,
        hmac_secret: issuer
            .key
            .as_ref()
            .and_then(|key| key.hmac_secret())
            .map(|s| s.expose().to_vec()),
    };
    let rules = ClaimRules {
        issuer: issuer.iss.clone(),
        audience: issuer.aud.clone(),
        user_claim: issuer.user_id_claim.to_string(),
        leeway_secs: profile.leeway_secs,
    };
    (keys, rules)
}

/// Runs a fuzz campaign against `options.base_url`; `on_event` hears about progress and findings.
pub async fn run(
    options: &FuzzOptions,
    on_event: &mut (dyn FnMut(&FuzzEvent<'_>) + Send),
) -> Result<FuzzReport, FuzzError> {
    let started = Instant::now();
    let (session, attacker, notes, now) = start(options).await?;
    let mut catalog = Catalog::new(&session, &attacker, now);
    on_event(&FuzzEvent::Started {
        routes: session.routes.len(),
        principals: session.principals.len(),
        catalog: catalog.seeds.first().map_or(0, Vec::len),
        notes: &notes,
    });
    let mut campaign = Campaign {
        options,
        session: Arc::clone(&session),
        deadline: started + options.duration,
        end: started + options.duration + finish_grace(options.duration),
        findings: Vec::new(),
        notes,
        cases: 0,
    };
    let jobs = options.jobs.clamp(1, 256) as u64;
    let mut next_index = 0u64;
    let mut last_progress = Instant::now();
    let progress = |cases: u64, findings: usize| Progress {
        elapsed: started.elapsed(),
        cases,
        requests: session.requests.load(Ordering::Relaxed),
        findings,
    };
    loop {
        let remaining = options.max_cases.map(|max| max.saturating_sub(next_index));
        if remaining == Some(0) || Instant::now() >= campaign.deadline {
            break;
        }
        let now = SystemClock.now_unix();
        catalog.refresh(&session, &attacker, now);
        let batch = remaining.map_or(jobs, |r| r.min(jobs));
        let target_down = campaign
            .batch(&catalog.seeds, now, next_index, batch, on_event)
            .await;
        next_index += batch;
        if target_down {
            break;
        }
        if last_progress.elapsed() >= Duration::from_secs(1) {
            last_progress = Instant::now();
            on_event(&FuzzEvent::Progress(progress(
                campaign.cases,
                campaign.findings.len(),
            )));
        }
    }
    let progress = progress(campaign.cases, campaign.findings.len());
    on_event(&FuzzEvent::Progress(progress));
    Ok(FuzzReport {
        target: options.base_url.clone(),
        seed: options.seed,
        progress,
        findings: campaign.findings,
        notes: campaign.notes,
    })
}

/// The catalog attacks, minted again every [`CATALOG_REFRESH_SECS`] so that their time claims stay
/// what each attack means.
struct Catalog {
    seeds: Vec<Vec<CatalogSeed>>,
    minted: u64,
}

impl Catalog {
    fn new(session: &Session, attacker: &KeySet, now: u64) -> Catalog {
        Catalog {
            seeds: make_catalog(session, attacker, now),
            minted: now,
        }
    }

    /// Mints the catalog again when it is [`CATALOG_REFRESH_SECS`] old at `now`.
    fn refresh(&mut self, session: &Session, attacker: &KeySet, now: u64) {
        if now >= self.minted + CATALOG_REFRESH_SECS {
            *self = Catalog::new(session, attacker, now);
        }
    }
}

/// Sets a campaign up: routes, client, attacker keys, one planted canary set per principal, and the
/// judge. Returns the session, the attacker keys, setup notes and the time the canaries were planted.
async fn start(
    options: &FuzzOptions,
) -> Result<(Arc<Session>, Arc<KeySet>, Vec<String>, u64), FuzzError> {
    let profile = Arc::clone(&options.profile);
    let principals: Vec<Principal> = profile.principals.values().cloned().collect();
    if principals.is_empty() {
        return Err(FuzzError::Config("the profile defines no principal".into()));
    }
    let routes = routes::routes(&profile, options.writes).map_err(FuzzError::Config)?;
    let client = HttpClient::new(profile.target_settings.clone())
        .map_err(|err| FuzzError::Config(err.to_string()))?;
    let attacker =
        match &options.attacker {
            Some(keys) => Arc::clone(keys),
            None => Arc::new(KeySet::generate("attacker").map_err(|err| {
                FuzzError::Config(format!("cannot generate attacker keys: {err}"))
            })?),
        };
    let now = SystemClock.now_unix();
    let (planted, notes) = routes::plant(
        &client,
        &options.base_url,
        &profile,
        &principals,
        options.seed,
        now,
    )
    .await
    .map_err(|err| FuzzError::Unreachable(err.to_string()))?;
    let (keys, rules) = trust_of(&profile);
    let judge = Judge {
        keys,
        rules,
        presentation: profile.presentation.clone(),
        principals: principals
            .iter()
            .zip(&planted)
            .map(|(p, planted)| (p.sub.clone(), planted.canary.clone()))
            .collect(),
    };
    let session = Arc::new(Session {
        base_url: options.base_url.clone(),
        client,
        public_pem: profile.target_keys.first().map(|k| k.spki_pem()),
        profile: Arc::clone(&profile),
        principals,
        routes,
        planted,
        judge,
        requests: AtomicU64::new(0),
    });
    Ok((session, attacker, notes, now))
}

/// The catalog attacks minted at `now`, per principal.
fn make_catalog(session: &Session, attacker: &KeySet, now: u64) -> Vec<Vec<CatalogSeed>> {
    let profile = &session.profile;
    catalog_seeds(
        &profile.issuer,
        &session.principals,
        profile.target_keys.first(),
        profile.leeway_secs,
        attacker,
        now,
    )
}

/// Draws cases `first..first + batch` and sends them at once: the attempts in index order, how many
/// cases could not be built into a request (counted, never sent), and how many requests were still
/// in flight at `end` (abandoned: neither judged nor counted).
async fn send_batch(
    session: &Arc<Session>,
    ctx: &CaseContext<'_>,
    seed: u64,
    first: u64,
    batch: u64,
    end: Instant,
) -> (Vec<Attempt>, u64, usize) {
    let mut unbuilt = 0;
    let mut in_flight = JoinSet::new();
    for index in first..first + batch {
        let case = mutate::generate(ctx, seed, index);
        let Some((token, spec)) = session.build(&case, index) else {
            unbuilt += 1;
            continue;
        };
        let session = Arc::clone(session);
        in_flight.spawn(async move { session.send(index, case, token, spec).await });
    }
    let mut attempts = Vec::with_capacity(in_flight.len());
    while let Ok(Some(joined)) = tokio::time::timeout_at(end.into(), in_flight.join_next()).await {
        attempts.extend(joined.ok());
    }
    let abandoned = in_flight.len();
    in_flight.abort_all();
    attempts.sort_by_key(|a| a.index);
    (attempts, unbuilt, abandoned)
}

/// A campaign's findings, notes and case count between batches.
struct Campaign<'a> {
    options: &'a FuzzOptions,
    session: Arc<Session>,
    /// When drawing new cases stops.
    deadline: Instant,
    /// When shrinking and requests in flight stop ([`finish_grace`] after `deadline`).
    end: Instant,
    findings: Vec<Finding>,
    notes: Vec<String>,
    cases: u64,
}

impl Campaign<'_> {
    /// Sends `batch` cases from index `first`, with the catalog minted at `now`, and judges them.
    /// Returns whether the target stopped accepting connections.
    async fn batch(
        &mut self,
        catalog: &[Vec<CatalogSeed>],
        now: u64,
        first: u64,
        batch: u64,
        on_event: &mut (dyn FnMut(&FuzzEvent<'_>) + Send),
    ) -> bool {
        let session = Arc::clone(&self.session);
        let profile = &session.profile;
        let ctx = CaseContext {
            issuer: &profile.issuer,
            principals: &session.principals,
            routes: session.routes.len(),
            catalog,
            public_pem: session.public_pem.as_deref(),
            leeway_secs: profile.leeway_secs,
            now,
        };
        let (attempts, unbuilt, abandoned) =
            send_batch(&session, &ctx, self.options.seed, first, batch, self.end).await;
        self.cases += unbuilt;
        if abandoned > 0 {
            self.notes.push(format!(
                "{abandoned} request(s) still in flight at the end of the time bound were abandoned (not judged)"
            ));
        }
        self.judge(attempts, on_event).await
    }

    /// Judges a batch's attempts in index order: a finding of a new kind and status is shrunk, saved
    /// and announced, a known one counted. Returns whether the target stopped accepting connections
    /// (the run then stops).
    async fn judge(
        &mut self,
        attempts: Vec<Attempt>,
        on_event: &mut (dyn FnMut(&FuzzEvent<'_>) + Send),
    ) -> bool {
        let mut target_down = false;
        for attempt in attempts {
            self.cases += 1;
            let down = matches!(attempt.outcome, Err(SendError::Connect(_)));
            target_down |= down;
            let Some(verdict) = self.session.verdict(&attempt) else {
                continue;
            };
            if let Some(known) = self
                .findings
                .iter_mut()
                .find(|f| (f.kind, f.status) == verdict.key())
            {
                known.occurrences += 1;
                continue;
            }
            let finding = self.finding(attempt, verdict).await;
            on_event(&FuzzEvent::Finding(&finding));
            self.findings.push(finding);
            if down {
                self.notes
                    .push("the target stopped accepting connections; run stopped".into());
                break;
            }
        }
        target_down
    }

    /// A new finding from its first attempt: shrunk to a minimal request, and saved when a findings
    /// folder is set.
    async fn finding(&mut self, attempt: Attempt, verdict: Verdict) -> Finding {
        let options = self.options;
        let session = &self.session;
        // A hung or dead target cannot be shrunk against.
        let budget = if verdict.status.is_none() {
            0
        } else {
            options.shrink_budget
        };
        let original_token = attempt.token.clone();
        let original_request = sent_request(&attempt.spec);
        let steps = attempt.case.steps.clone();
        let origin = attempt.case.origin.clone();
        let case_index = attempt.index;
        let (minimal, verdict, shrink_attempts, shrink_steps) =
            session.shrink(attempt, &verdict, budget, self.end).await;
        let mut finding = Finding {
            kind: verdict.kind,
            status: verdict.status,
            reason: verdict.reason.clone(),
            operation: session
                .routes
                .get(minimal.case.route)
                .map_or(String::new(), |r| r.name.clone()),
            origin,
            steps,
            seed: options.seed,
            case_index,
            occurrences: 1,
            token: minimal.token.clone(),
            request: sent_request(&minimal.spec),
            original_token,
            original_request,
            response_excerpt: excerpt(&minimal.outcome),
            shrink_attempts,
            shrink_steps,
            saved_to: None,
        };
        if let Some(dir) = &options.findings_dir {
            match save::save(dir, &finding) {
                Ok(folder) => finding.saved_to = Some(folder),
                Err(err) => self.notes.push(format!(
                    "cannot save a finding under {}: {err}",
                    dir.display()
                )),
            }
        }
        finding
    }
}
