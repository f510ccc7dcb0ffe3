//! The JSON report (`--report json:PATH`): every case with its requests, tokens, answers, verdict and
//! reason. Schema (version 1):
//!
//! ```text
//! { "schema": "authconform-report/1", "target": str, "gate_passed": bool, "duration_ms": int,
//!   "criteria": [{ "criterion": str, "passed": int, "notes": int, "failed": int, "errors": int, "skipped": int, "percent": float }],
//!   "weaknesses": [{ "id": str, "cwe": int|null, "criterion": str, "cases": [case id...] }],
//!   "notes": [{ "id": str, "cwe": int|null, "criterion": str, "cases": [case id...] }],
//!   "conditions": { "embedded": bool, "jobs": int, "load_5xx": int,
//!                   "controls": [{ "operation": str, "principal": str, "status": int|null, "problem": str }] },
//!   "cases": [{ "id": str, "scenario": str, "file": str, "line": int, "criterion": str,
//!               "requirements": [str], "weakness": str, "cwe": int|null, "verdict": "pass"|"note"|"fail"|"error"|"skipped",
//!               "reason": str, "duration_ms": int,
//!               "exchanges": [{ "phase": "setup"|"step"|"verify", "index": int, "actor": str,
//!                               "mutation": str|null, "token": str|null,
//!                               "request": { "method": str, "url": str, "headers": [[name, value]], "body": str|null },
//!                               "response": { "status": int, "headers": [[name, value]], "body": str,
//!                                             "body_truncated": bool, "elapsed_ms": int } | null,
//!                               "error": str|null }] }] }
//! ```
//!
//! A passing case keeps, of each request, its phase, actor, method, URL, mutation, status and timing:
//! its token, headers and bodies are dropped when the case is judged (so that memory does not grow
//! with the run). Any other case keeps everything, bodies cut at 64 KiB and followed by the whole's
//! length and SHA-256.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value, json};

use crate::outcome::{CaseResult, ExchangeRecord, RunResult};
use crate::verdict::group::{WeaknessGroup, notes, weaknesses};

/// The report as a JSON value.
pub fn report(run: &RunResult) -> Value {
    let mut report = head(run);
    let cases: Vec<Value> = run.cases.iter().map(|c| case(run, c)).collect();
    report["cases"] = Value::Array(cases);
    report
}

/// Writes the report (pretty-printed, the same document as [`report`]), one case at a time: the
/// whole report is never held in memory.
pub fn write(run: &RunResult, out: impl std::io::Write) -> serde_json::Result<()> {
    let head = head(run);
    let mut serializer = serde_json::Serializer::pretty(out);
    let mut map = serializer.serialize_map(None)?;
    map.serialize_entry("cases", &Cases(run))?;
    for (key, value) in head.as_object().into_iter().flatten() {
        map.serialize_entry(key, value)?;
    }
    map.end()
}

/// The cases, serialised as they are made.
struct Cases<'a>(&'a RunResult);

impl Serialize for Cases<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.cases.iter().map(|c| case(self.0, c)))
    }
}

/// Everything but the cases.
fn head(run: &RunResult) -> Value {
    let criteria: Vec<Value> = run
        .tallies()
        .into_iter()
        .map(|(category, tally)| {
            json!({
                "criterion": category.as_str(),
                "passed": tally.passed,
                "notes": tally.notes,
                "failed": tally.failed,
                "errors": tally.errors,
                "skipped": tally.skipped,
                "percent": tally.percent(),
            })
        })
        .collect();
    let group = |group: WeaknessGroup| {
        let cases: Vec<&str> = group
            .cases
            .iter()
            .map(|index| run.cases[*index].id.as_str())
            .collect();
        json!({ "id": group.weakness.id, "cwe": group.weakness.cwe, "criterion": group.category.as_str(), "cases": cases })
    };
    let weaknesses: Vec<Value> = weaknesses(run).into_iter().map(group).collect();
    let notes: Vec<Value> = notes(run).into_iter().map(group).collect();
    let conditions = &run.conditions;
    let controls: Vec<Value> = conditions
        .controls
        .iter()
        .map(|control| {
            json!({ "operation": control.operation, "principal": control.principal, "status": control.status, "problem": control.problem })
        })
        .collect();
    json!({
        "schema": "authconform-report/1",
        "target": run.target,
        "gate_passed": run.gate_passed(),
        "duration_ms": run.duration.as_millis() as u64,
        "criteria": criteria,
        "weaknesses": weaknesses,
        "notes": notes,
        "conditions": {
            "embedded": conditions.embedded,
            "jobs": conditions.jobs,
            "load_5xx": conditions.load_5xx,
            "controls": controls,
        },
    })
}

fn case(run: &RunResult, case: &CaseResult) -> Value {
    let scenario = &run.scenarios[case.scenario];
    json!({
        "id": case.id,
        "scenario": scenario.id,
        "file": scenario.file.display().to_string(),
        "line": scenario.line,
        "criterion": case.category.as_str(),
        "requirements": scenario.requirements,
        "weakness": case.weakness.id,
        "cwe": case.weakness.cwe,
        "verdict": case.verdict.as_str(),
        "reason": case.reason,
        "duration_ms": case.duration.as_millis() as u64,
        "exchanges": case.exchanges.iter().map(exchange).collect::<Vec<_>>(),
    })
}

fn exchange(record: &ExchangeRecord) -> Value {
    json!({
        "phase": record.phase.as_str(),
        "index": record.index,
        "actor": record.actor,
        "mutation": record.mutation,
        "token": record.token,
        "request": {
            "method": record.request.method,
            "url": record.request.url,
            "headers": record.request.headers,
            "body": record.request.body,
        },
        "response": record.response.as_ref().map(|response| json!({
            "status": response.status,
            "headers": response.headers,
            "body": response.body,
            "body_truncated": response.body_truncated,
            "elapsed_ms": response.elapsed.as_millis() as u64,
        })),
        "error": record.error,
    })
}
