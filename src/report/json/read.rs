//! The JSON report read back into the run it was written from ([`read`]): the scenarios, every case
//! with its exchanges and culprit, and the conditions, so that every report can be written again from
//! it (`authconform merge`). Durations come back in whole milliseconds, as written; the parts of the
//! report that are functions of the run (criteria, weaknesses, notes, the gate) are not read.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use std::num::NonZeroU32;

use crate::outcome::{
    CaseResult, Cleanup, Control, ExchangeRecord, HaltCause, Halted, Load, LoadLimits, NotDeleted,
    Phase, ReceivedResponse, RunConditions, RunResult, SentRequest, Shard, Verdict,
};
use crate::scenario::plan::{Category, ScenarioInfo, Weakness};

/// Why a report could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not JSON, or not the shape of the report.
    #[error("not an authconform JSON report: {0}")]
    Json(#[from] serde_json::Error),
    /// Another version of the report.
    #[error(
        "report schema `{found}`, this authconform reads `{}` (write it again with this version)",
        super::SCHEMA
    )]
    Schema {
        /// The schema the report names.
        found: String,
    },
    /// A value the report cannot hold.
    #[error("{0}")]
    Invalid(String),
}

/// The run a JSON report of [`super::SCHEMA`] was written from.
pub fn read(text: &str) -> Result<RunResult, ReadError> {
    let document: Document =
        serde_json::from_str(text).map_err(|err| {
            match serde_json::from_str::<Versioned>(text) {
                Ok(versioned) if versioned.schema != super::SCHEMA => ReadError::Schema {
                    found: versioned.schema,
                },
                _ => ReadError::Json(err),
            }
        })?;
    if document.schema != super::SCHEMA {
        return Err(ReadError::Schema {
            found: document.schema,
        });
    }
    let scenarios = document
        .scenarios
        .into_iter()
        .map(ScenarioDoc::into_info)
        .collect::<Result<Vec<_>, _>>()?;
    let cases = document
        .cases
        .into_iter()
        .map(|case| case.into_result(&scenarios))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RunResult {
        target: document.target,
        scenarios,
        cases,
        duration: millis(document.duration_ms),
        conditions: document.conditions.into_conditions()?,
        gate: Default::default(),
    })
}

/// Only the schema, to say which version a report is when it is not this one.
#[derive(Deserialize)]
struct Versioned {
    schema: String,
}

#[derive(Deserialize)]
struct Document {
    schema: String,
    target: String,
    duration_ms: u64,
    scenarios: Vec<ScenarioDoc>,
    conditions: ConditionsDoc,
    cases: Vec<CaseDoc>,
}

#[derive(Deserialize)]
struct ScenarioDoc {
    id: String,
    title: String,
    criterion: String,
    requirements: Vec<String>,
    tags: Vec<String>,
    file: String,
    line: u64,
    note: Option<String>,
}

impl ScenarioDoc {
    fn into_info(self) -> Result<ScenarioInfo, ReadError> {
        Ok(ScenarioInfo {
            category: category(&self.criterion)?,
            id: self.id,
            title: self.title,
            requirements: self.requirements,
            tags: self.tags,
            file: PathBuf::from(self.file),
            line: self.line,
            note: self.note,
        })
    }
}

#[derive(Deserialize)]
struct ConditionsDoc {
    embedded: bool,
    profile: Option<String>,
    jobs: usize,
    first_fault_at: Option<usize>,
    load_5xx: usize,
    seed: u64,
    strict: bool,
    controls: Vec<ControlDoc>,
    halted: Option<HaltedDoc>,
    load: LoadDoc,
    interrupted: bool,
    cleanup: Option<CleanupDoc>,
    partition: Option<ShardDoc>,
}

impl ConditionsDoc {
    fn into_conditions(self) -> Result<RunConditions, ReadError> {
        let limits = self.load.limits()?;
        Ok(RunConditions {
            embedded: self.embedded,
            profile: self.profile,
            jobs: self.jobs,
            first_fault_at: self.first_fault_at,
            load_5xx: self.load_5xx,
            controls: self
                .controls
                .into_iter()
                .map(|control| Control {
                    operation: control.operation,
                    principal: control.principal,
                    status: control.status,
                    problem: control.problem,
                })
                .collect(),
            halted: self
                .halted
                .map(|halted| halted.into_halted(&limits))
                .transpose()?,
            load: self.load.into_load(limits),
            interrupted: self.interrupted,
            cleanup: self.cleanup.map(CleanupDoc::into_cleanup),
            seed: self.seed,
            strict: self.strict,
            partition: self.partition.map(|shard| Shard {
                scheme: shard.scheme,
                shard: shard.shard,
                total: shard.total,
                plan_cases: shard.plan_cases,
                plan_sha256: shard.plan_sha256,
                positions: shard.positions,
            }),
        })
    }
}

#[derive(Deserialize)]
struct ControlDoc {
    operation: String,
    principal: String,
    status: Option<u16>,
    problem: String,
}

#[derive(Deserialize)]
struct HaltedDoc {
    cause: String,
    failures: Option<usize>,
    last_failure: Option<String>,
    cases_run: usize,
    cases_total: usize,
    last_answer: Option<LastAnswerDoc>,
}

impl HaltedDoc {
    /// The stop, its budget's value from the run's `limits`.
    fn into_halted(self, limits: &LoadLimits) -> Result<Halted, ReadError> {
        let missing = |what: &str| ReadError::Invalid(format!("halted: {what} is missing"));
        let cause = match self.cause.as_str() {
            "target-stopped-answering" => HaltCause::TargetSilent {
                failures: self.failures.ok_or_else(|| missing("failures"))?,
                last_failure: self.last_failure.ok_or_else(|| missing("last_failure"))?,
            },
            "max-requests" => HaltCause::MaxRequests(
                limits
                    .max_requests
                    .ok_or_else(|| missing("load.max_requests"))?,
            ),
            "time-budget" => HaltCause::TimeBudget(
                limits
                    .time_budget
                    .ok_or_else(|| missing("load.time_budget_ms"))?,
            ),
            other => {
                return Err(ReadError::Invalid(format!(
                    "halted: unknown cause `{other}`"
                )));
            }
        };
        Ok(Halted {
            cause,
            cases_run: self.cases_run,
            cases_total: self.cases_total,
            last_answer: self
                .last_answer
                .map(|last| (last.answer, millis(last.after_ms))),
        })
    }
}

#[derive(Deserialize)]
struct LoadDoc {
    rate: Option<u32>,
    max_requests: Option<u64>,
    time_budget_ms: Option<u64>,
    requests: u64,
    case_requests: u64,
    case_phase_ms: u64,
}

impl LoadDoc {
    fn limits(&self) -> Result<LoadLimits, ReadError> {
        let rate = match self.rate {
            None => None,
            Some(rate) => Some(
                NonZeroU32::new(rate)
                    .ok_or_else(|| ReadError::Invalid("load: a rate of 0".into()))?,
            ),
        };
        Ok(LoadLimits {
            rate,
            max_requests: self.max_requests,
            time_budget: self.time_budget_ms.map(millis),
        })
    }

    fn into_load(self, limits: LoadLimits) -> Load {
        Load {
            limits,
            requests: self.requests,
            case_requests: self.case_requests,
            case_time: millis(self.case_phase_ms),
        }
    }
}

#[derive(Deserialize)]
struct CleanupDoc {
    skipped: Option<String>,
    recorded: usize,
    deleted: usize,
    gone: usize,
    failed: Vec<NotDeletedDoc>,
    not_deletable: Vec<NotDeletableDoc>,
}

#[derive(Deserialize)]
struct NotDeletedDoc {
    kind: String,
    id: String,
    owner: String,
    case: String,
    reason: String,
}

#[derive(Deserialize)]
struct NotDeletableDoc {
    kind: String,
    count: usize,
}

impl CleanupDoc {
    fn into_cleanup(self) -> Cleanup {
        Cleanup {
            skipped: self.skipped,
            recorded: self.recorded,
            deleted: self.deleted,
            gone: self.gone,
            failed: self
                .failed
                .into_iter()
                .map(|object| NotDeleted {
                    kind: object.kind,
                    id: object.id,
                    owner: object.owner,
                    case: object.case,
                    reason: object.reason,
                })
                .collect(),
            not_deletable: self
                .not_deletable
                .into_iter()
                .map(|kind| (kind.kind, kind.count))
                .collect(),
        }
    }
}

#[derive(Deserialize)]
struct LastAnswerDoc {
    answer: String,
    after_ms: u64,
}

#[derive(Deserialize)]
struct ShardDoc {
    scheme: String,
    shard: usize,
    total: usize,
    plan_cases: usize,
    plan_sha256: String,
    positions: Vec<usize>,
}

#[derive(Deserialize)]
struct CaseDoc {
    id: String,
    scenario: String,
    criterion: String,
    weakness: String,
    cwe: Option<u32>,
    verdict: String,
    reason: String,
    culprit: Option<usize>,
    duration_ms: u64,
    exchanges: Vec<ExchangeDoc>,
}

impl CaseDoc {
    fn into_result(self, scenarios: &[ScenarioInfo]) -> Result<CaseResult, ReadError> {
        let scenario = scenarios
            .iter()
            .position(|scenario| scenario.id == self.scenario)
            .ok_or_else(|| {
                ReadError::Invalid(format!(
                    "case {}: scenario {} is not among the report's scenarios",
                    self.id, self.scenario
                ))
            })?;
        if self.culprit.is_some_and(|at| at >= self.exchanges.len()) {
            return Err(ReadError::Invalid(format!(
                "case {}: culprit past its exchanges",
                self.id
            )));
        }
        Ok(CaseResult {
            category: category(&self.criterion)?,
            verdict: named(&self.verdict, "verdict", &VERDICTS, |v| v.as_str())?,
            exchanges: self
                .exchanges
                .into_iter()
                .map(ExchangeDoc::into_record)
                .collect::<Result<_, _>>()?,
            id: self.id,
            scenario,
            weakness: Weakness {
                id: self.weakness,
                cwe: self.cwe,
            },
            reason: self.reason,
            culprit: self.culprit,
            duration: millis(self.duration_ms),
            // Waiver and baseline marks are not read: `merge` applies its own gate.
            gate: Default::default(),
        })
    }
}

#[derive(Deserialize)]
struct ExchangeDoc {
    phase: String,
    index: usize,
    actor: String,
    mutation: Option<String>,
    token: Option<String>,
    request: RequestDoc,
    response: Option<ResponseDoc>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct RequestDoc {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

#[derive(Deserialize)]
struct ResponseDoc {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    body_truncated: bool,
    elapsed_ms: u64,
}

impl ExchangeDoc {
    fn into_record(self) -> Result<ExchangeRecord, ReadError> {
        Ok(ExchangeRecord {
            phase: named(&self.phase, "phase", &PHASES, |p| p.as_str())?,
            index: self.index,
            actor: self.actor,
            token: self.token,
            mutation: self.mutation,
            request: SentRequest {
                method: self.request.method,
                url: self.request.url,
                headers: self.request.headers,
                body: self.request.body,
            },
            response: self.response.map(|response| ReceivedResponse {
                status: response.status,
                headers: response.headers,
                body: response.body,
                body_truncated: response.body_truncated,
                elapsed: millis(response.elapsed_ms),
            }),
            error: self.error,
        })
    }
}

const VERDICTS: [Verdict; 5] = [
    Verdict::Pass,
    Verdict::Fail,
    Verdict::Note,
    Verdict::Error,
    Verdict::Skipped,
];

const PHASES: [Phase; 3] = [Phase::Setup, Phase::Step, Phase::Verify];

/// The value of `values` whose name is `text`.
fn named<T: Copy>(
    text: &str,
    what: &str,
    values: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<T, ReadError> {
    values
        .iter()
        .copied()
        .find(|value| name(*value) == text)
        .ok_or_else(|| ReadError::Invalid(format!("unknown {what} `{text}`")))
}

fn category(text: &str) -> Result<Category, ReadError> {
    named(text, "criterion", &Category::ALL, Category::as_str)
}

fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

#[cfg(test)]
mod tests;
