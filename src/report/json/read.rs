//! The JSON report read back into the run it was written from ([`read`]): the scenarios, every case
//! with its exchanges and culprit, and the conditions, so that every report can be written again from
//! it (`authconform merge`). Durations come back in whole milliseconds, as written; the parts of the
//! report that are functions of the run (criteria, weaknesses, notes, the gate) are not read.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::outcome::{
    CaseResult, Control, ExchangeRecord, Halted, Phase, ReceivedResponse, RunConditions, RunResult,
    SentRequest, Shard, Verdict,
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
        conditions: document.conditions.into_conditions(),
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
    partition: Option<ShardDoc>,
}

impl ConditionsDoc {
    fn into_conditions(self) -> RunConditions {
        RunConditions {
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
            halted: self.halted.map(|halted| Halted {
                failures: halted.failures,
                last_failure: halted.last_failure,
                cases_run: halted.cases_run,
                cases_total: halted.cases_total,
                last_answer: halted
                    .last_answer
                    .map(|last| (last.answer, millis(last.after_ms))),
            }),
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
        }
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
    failures: usize,
    last_failure: String,
    cases_run: usize,
    cases_total: usize,
    last_answer: Option<LastAnswerDoc>,
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
mod tests {
    use super::*;
    use crate::outcome::ExchangeRecord;
    use crate::report::json;

    fn exchange(status: Option<u16>) -> ExchangeRecord {
        ExchangeRecord {
            phase: Phase::Verify,
            index: 1,
            actor: "alice".into(),
            token: Some("a.b.c".into()),
            mutation: Some("alg-none".into()),
            request: SentRequest {
                method: "POST".into(),
                url: "http://h/x".into(),
                headers: vec![("authorization".into(), "Bearer a.b.c".into())],
                body: Some("{}".into()),
            },
            response: status.map(|status| ReceivedResponse {
                status,
                headers: vec![("content-type".into(), "text/plain".into())],
                body: "no".into(),
                body_truncated: true,
                elapsed: Duration::from_millis(12),
            }),
            error: status.is_none().then(|| "timed out".to_string()),
        }
    }

    fn run() -> RunResult {
        let mut case = CaseResult::sample(Verdict::Fail, vec![exchange(Some(200)), exchange(None)]);
        case.reason = "accepted".into();
        case.culprit = Some(1);
        case.duration = Duration::from_millis(30);
        RunResult {
            target: "http://127.0.0.1:1".into(),
            scenarios: vec![ScenarioInfo {
                id: "s".into(),
                title: "A title".into(),
                category: Category::Enforcement,
                requirements: vec!["FR-001".into()],
                tags: vec!["t".into()],
                file: "scenarios/x.yaml".into(),
                line: 3,
                note: Some("a note".into()),
            }],
            cases: vec![case],
            duration: Duration::from_millis(1500),
            conditions: RunConditions {
                embedded: true,
                profile: Some("p.yaml".into()),
                jobs: 4,
                first_fault_at: Some(3),
                load_5xx: 1,
                controls: vec![Control {
                    operation: "tasks.list".into(),
                    principal: "alice".into(),
                    status: Some(401),
                    problem: "refused".into(),
                }],
                halted: Some(Halted {
                    failures: 5,
                    last_failure: "refused".into(),
                    cases_run: 1,
                    cases_total: 2,
                    last_answer: Some(("GET / answered 200".into(), Duration::from_millis(7))),
                }),
                seed: 42,
                strict: true,
                partition: Some(Shard {
                    scheme: "hash".into(),
                    shard: 2,
                    total: 4,
                    plan_cases: 9,
                    plan_sha256: "ab".into(),
                    positions: vec![4],
                }),
            },
        }
    }

    #[test]
    fn a_report_reads_back_into_its_run() {
        let mut run = run();
        run.cases[0].scenario = 0;
        run.cases[0].category = Category::Enforcement;
        let mut bytes = Vec::new();
        json::write(&run, &mut bytes).unwrap();
        let read = read(std::str::from_utf8(&bytes).unwrap()).unwrap();
        assert_eq!(read, run);
    }

    #[test]
    fn another_version_or_shape_is_refused_in_words() {
        let old = r#"{"schema": "authconform-report/1", "cases": []}"#;
        let err = read(old).unwrap_err().to_string();
        assert!(
            err.contains("authconform-report/1") && err.contains("authconform-report/2"),
            "{err}"
        );
        let err = read("[1, 2]").unwrap_err().to_string();
        assert!(err.contains("not an authconform JSON report"), "{err}");
        let mut value = json::report(&run());
        value["cases"][0]["verdict"] = "maybe".into();
        let err = read(&value.to_string()).unwrap_err().to_string();
        assert!(err.contains("unknown verdict `maybe`"), "{err}");
        value["cases"][0]["verdict"] = "fail".into();
        value["cases"][0]["scenario"] = "other".into();
        let err = read(&value.to_string()).unwrap_err().to_string();
        assert!(err.contains("scenario other"), "{err}");
    }
}
