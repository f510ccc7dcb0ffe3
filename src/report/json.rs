//! The JSON report (`--report json:PATH`): every case with its requests, tokens, answers, verdict and
//! reason, and all that the other reports need, so that [`read`] makes the run again from it
//! (`authconform merge` rebuilds one run of a partitioned run's shards). Schema (version 2):
//!
//! ```text
//! { "schema": "authconform-report/2", "target": str, "gate_passed": bool, "duration_ms": int,
//!   "criteria": [{ "criterion": str, "passed": int, "notes": int, "failed": int, "errors": int, "skipped": int, "percent": float }],
//!   "weaknesses": [{ "id": str, "cwe": int|null, "criterion": str, "cases": [case id...] }],
//!   "notes": [{ "id": str, "cwe": int|null, "criterion": str, "cases": [case id...] }],
//!   "scenarios": [{ "id": str, "title": str, "criterion": str, "requirements": [str], "tags": [str],
//!                   "file": str, "line": int, "note": str|null }],
//!   "conditions": { "embedded": bool, "profile": str|null, "jobs": int, "first_fault_at": int|null,
//!                   "load_5xx": int, "seed": int, "strict": bool,
//!                   "controls": [{ "operation": str, "principal": str, "status": int|null, "problem": str }],
//!                   "halted": null | { "cause": "target-stopped-answering"|"max-requests"|"time-budget",
//!                                      "failures": int|null, "last_failure": str|null,
//!                                      "cases_run": int, "cases_total": int,
//!                                      "last_answer": null | { "answer": str, "after_ms": int } },
//!                   "load": { "rate": int|null, "max_requests": int|null, "time_budget_ms": int|null,
//!                             "requests": int, "case_requests": int, "case_phase_ms": int,
//!                             "measured_rate": float },
//!                   "interrupted": bool,
//!                   "cleanup": null | { "skipped": str|null, "recorded": int, "deleted": int, "gone": int,
//!                                       "failed": [{ "kind": str, "id": str, "owner": str, "case": str, "reason": str }],
//!                                       "not_deletable": [{ "kind": str, "count": int, "reason": str }] },
//!                   "partition": null | { "scheme": "hash"|"count", "shard": int, "total": int,
//!                                         "plan_cases": int, "plan_sha256": str, "positions": [int] } },
//!   "cases": [{ "id": str, "scenario": str, "file": str, "line": int, "criterion": str,
//!               "requirements": [str], "weakness": str, "cwe": int|null, "verdict": "pass"|"note"|"fail"|"error"|"skipped",
//!               "reason": str, "culprit": int|null, "duration_ms": int,
//!               "exchanges": [{ "phase": "setup"|"step"|"verify", "index": int, "actor": str,
//!                               "mutation": str|null, "token": str|null,
//!                               "request": { "method": str, "url": str, "headers": [[name, value]], "body": str|null },
//!                               "response": { "status": int, "headers": [[name, value]], "body": str,
//!                                             "body_truncated": bool, "elapsed_ms": int } | null,
//!                               "error": str|null }],
//!               "waiver"?: WAIVER, "baseline"?: "new"|"unchanged" }],
//!   // Only with --waivers or --baseline:
//!   "waived"?: [{ "id": str, "cwe": int|null, "criterion": str, "cases": [case id...], "waiver": WAIVER }],
//!   "gate"?: { "waivers": str|null, "stale_waivers": [WAIVER], "expired_waivers": [WAIVER],
//!              "baseline": str|null, "new": int, "unchanged": int,
//!              "absent": [{ "weakness": str, "case": str }] } }
//! WAIVER = { "weakness": str, "operation": str|null, "scenario": str|null, "reason": str,
//!            "owner": str, "expires": "YYYY-MM-DD", "expired": bool }
//! ```
//!
//! Version 2 added `scenarios`, the case's `culprit` (the index in `exchanges` of the request its
//! reason is about) and the conditions' `profile`, `first_fault_at`, `seed`, `strict` and
//! `partition` (one shard of a `--partition` run: the plan position of each case it reports).
//! Durations are whole milliseconds.
//!
//! With a waiver file, a failing case a live waiver covers is in `waived`, not `weaknesses`; a
//! case's `waiver` is the one that matched it, live or expired (an expired one fails the gate). With
//! a baseline, each failing case and note says whether it is new since, and `absent` lists the
//! baseline's failures whose case ran again and did not fail so. Without either, none of these keys
//! is written.
//!
//! Each request keeps its phase, actor, method, URL, mutation, status, timing and error: its token,
//! headers and bodies are dropped when the case is judged (so that memory does not grow with the
//! run), except in the culprit request of a case that did not pass (the one its reason is about),
//! which keeps everything: tokens, header values and bodies cut at 64 KiB while the run's evidence
//! budget lasts (16 MiB), at 1 KiB after, each cut followed by the whole's length and SHA-256.
//!
//! `halted` says why a run stopped before its last case: the target stopped answering (`failures`
//! transport failures in a row, the last in words), or a budget ran out (the two are then null).
//! `load` gives the limits in force (`--rate` in requests a second, `--max-requests`,
//! `--time-budget`; null when not set), the requests sent to the target in the whole run and while
//! the cases ran, and that phase's wall time and measured rate (its requests a second).

mod case;
pub mod read;

use serde_json::{Value, json};

use super::Reporter;
use crate::outcome::{CaseResult, HaltCause, Load, RunResult, WaiverMark};
use crate::scenario::plan::ScenarioInfo;
use crate::verdict::group::{WeaknessGroup, notes, waived, weaknesses};

/// The schema name and version the report carries.
pub const SCHEMA: &str = "authconform-report/2";

/// The report as a JSON value.
pub fn report(run: &RunResult) -> Value {
    let mut report = head(run);
    let cases: Vec<Value> = run.cases.iter().map(|c| case(run, c)).collect();
    report["cases"] = Value::Array(cases);
    report
}

/// Writes the report (pretty-printed, the same document as [`report`]) with the [`Streaming`]
/// reporter, one case at a time: the whole report is never held in memory.
pub fn write(run: &RunResult, out: impl std::io::Write) -> std::io::Result<()> {
    let mut streaming = Streaming::new(out);
    for case in &run.cases {
        streaming.case(case, &run.scenarios[case.scenario])?;
    }
    streaming.finish(run)
}

/// The report written as the run goes, byte for byte what [`write`] writes: the cases come first in
/// the document (its keys are in order), each written as it arrives, and the rest at the end.
pub struct Streaming<W: std::io::Write> {
    out: W,
    cases: usize,
    /// The text of the case being written, before it is indented into `out`.
    scratch: Vec<u8>,
}

impl<W: std::io::Write> Streaming<W> {
    /// A report written to `out`.
    pub fn new(out: W) -> Self {
        Streaming {
            out,
            cases: 0,
            scratch: Vec::new(),
        }
    }

    /// The writer, once the report is finished.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: std::io::Write> Reporter for Streaming<W> {
    fn case(&mut self, case: &CaseResult, scenario: &ScenarioInfo) -> std::io::Result<()> {
        let start: &[u8] = if self.cases == 0 {
            b"{\n  \"cases\": [\n    "
        } else {
            b",\n    "
        };
        self.out.write_all(start)?;
        self.cases += 1;
        // The case pretty-printed alone, then indented to its depth in the document.
        self.scratch.clear();
        serde_json::to_writer_pretty(&mut self.scratch, &case::Case::new(case, scenario))?;
        case::indented(&self.scratch, b"    ", &mut self.out)?;
        // A buffer is kept for the next case unless a large one held it (its memory goes back).
        if self.scratch.capacity() > case::KEPT_SCRATCH {
            self.scratch = Vec::new();
        }
        Ok(())
    }

    fn finish(&mut self, summary: &RunResult) -> std::io::Result<()> {
        let open: &[u8] = if self.cases == 0 {
            b"{\n  \"cases\": []"
        } else {
            b"\n  ]"
        };
        self.out.write_all(open)?;
        // The other keys, at the same depth as in the head alone: its text after the opening brace.
        let head = serde_json::to_string_pretty(&head(summary))?;
        let rest = head.strip_prefix('{').unwrap_or(&head);
        if rest != "}" {
            self.out.write_all(b",")?;
            self.out.write_all(rest.as_bytes())?;
        } else {
            self.out.write_all(b"\n}")?;
        }
        self.out.flush()
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
    let waived: Vec<Value> = waived(run)
        .into_iter()
        .map(|waived| {
            let waiver = run.cases[waived.representative()]
                .gate
                .waiver
                .as_ref()
                .map(waiver);
            let mut value = group(waived);
            value["waiver"] = json!(waiver);
            value
        })
        .collect();
    let conditions = &run.conditions;
    let controls: Vec<Value> = conditions
        .controls
        .iter()
        .map(|control| {
            json!({ "operation": control.operation, "principal": control.principal, "status": control.status, "problem": control.problem })
        })
        .collect();
    let mut head = json!({
        "schema": SCHEMA,
        "target": run.target,
        "gate_passed": run.gate_passed(),
        "duration_ms": run.duration.as_millis() as u64,
        "criteria": criteria,
        "weaknesses": weaknesses,
        "notes": notes,
        "scenarios": run.scenarios.iter().map(scenario).collect::<Vec<_>>(),
        "conditions": {
            "embedded": conditions.embedded,
            "profile": conditions.profile,
            "jobs": conditions.jobs,
            "first_fault_at": conditions.first_fault_at,
            "load_5xx": conditions.load_5xx,
            "seed": conditions.seed,
            "strict": conditions.strict,
            "controls": controls,
            "halted": conditions.halted.as_ref().map(halted),
            "load": load(&conditions.load),
            "interrupted": conditions.interrupted,
            "cleanup": conditions.cleanup.as_ref().map(cleanup),
            "partition": conditions.partition.as_ref().map(shard),
        },
    });
    if run.gate.is_active() {
        head["waived"] = Value::Array(waived);
        head["gate"] = gate(run);
    }
    head
}

/// What the waiver file and the baseline said of the run.
fn gate(run: &RunResult) -> Value {
    let (new, unchanged) = run.baseline_counts();
    json!({
        "waivers": run.gate.waivers,
        "stale_waivers": run.gate.stale.iter().map(waiver).collect::<Vec<_>>(),
        "expired_waivers": run.expired_waivers().into_iter().map(waiver).collect::<Vec<_>>(),
        "baseline": run.gate.baseline,
        "new": new,
        "unchanged": unchanged,
        "absent": run.gate.absent_findings(),
    })
}

/// A waiver, as the report shows it.
fn waiver(waiver: &WaiverMark) -> Value {
    json!({
        "weakness": waiver.weakness,
        "operation": waiver.operation,
        "scenario": waiver.scenario,
        "reason": waiver.reason,
        "owner": waiver.owner,
        "expires": waiver.expires,
        "expired": waiver.expired,
    })
}

/// A scenario of the run: what reports show of it.
fn scenario(scenario: &ScenarioInfo) -> Value {
    json!({
        "id": scenario.id,
        "title": scenario.title,
        "criterion": scenario.category.as_str(),
        "requirements": scenario.requirements,
        "tags": scenario.tags,
        "file": scenario.file.display().to_string(),
        "line": scenario.line,
        "note": scenario.note,
    })
}

/// Which shard of a partitioned run this is.
fn shard(shard: &crate::outcome::Shard) -> Value {
    json!({
        "scheme": shard.scheme,
        "shard": shard.shard,
        "total": shard.total,
        "plan_cases": shard.plan_cases,
        "plan_sha256": shard.plan_sha256,
        "positions": shard.positions,
    })
}

/// Why the run stopped early: the target stopped answering, or a budget ran out.
fn halted(halted: &crate::outcome::Halted) -> Value {
    let last_answer = halted
        .last_answer
        .as_ref()
        .map(|(answer, after)| json!({ "answer": answer, "after_ms": after.as_millis() as u64 }));
    let (failures, last_failure) = match &halted.cause {
        HaltCause::TargetSilent {
            failures,
            last_failure,
        } => (Some(*failures), Some(last_failure)),
        HaltCause::MaxRequests(_) | HaltCause::TimeBudget(_) => (None, None),
    };
    json!({
        "cause": halted.cause.as_str(),
        "failures": failures,
        "last_failure": last_failure,
        "cases_run": halted.cases_run,
        "cases_total": halted.cases_total,
        "last_answer": last_answer,
    })
}

/// The load limits in force and the load the run put on its target.
fn load(load: &Load) -> Value {
    let limits = &load.limits;
    // Two decimals: a rate, not a clock reading.
    let measured = (load.measured_rate() * 100.0).round() / 100.0;
    json!({
        "rate": limits.rate.map(|rate| rate.get()),
        "max_requests": limits.max_requests,
        "time_budget_ms": limits.time_budget.map(|budget| budget.as_millis() as u64),
        "requests": load.requests,
        "case_requests": load.case_requests,
        "case_phase_ms": load.case_time.as_millis() as u64,
        "measured_rate": measured,
    })
}

/// What the cleanup of the run's objects did.
fn cleanup(cleanup: &crate::outcome::Cleanup) -> Value {
    let failed: Vec<Value> = cleanup
        .failed
        .iter()
        .map(|object| {
            json!({ "kind": object.kind, "id": object.id, "owner": object.owner, "case": object.case, "reason": object.reason })
        })
        .collect();
    let not_deletable: Vec<Value> = cleanup
        .not_deletable
        .iter()
        .map(|(kind, count)| json!({ "kind": kind, "count": count, "reason": "no delete operation" }))
        .collect();
    json!({
        "skipped": cleanup.skipped,
        "recorded": cleanup.recorded,
        "deleted": cleanup.deleted,
        "gone": cleanup.gone,
        "failed": failed,
        "not_deletable": not_deletable,
    })
}

fn case(run: &RunResult, result: &CaseResult) -> Value {
    case_of(result, &run.scenarios[result.scenario])
}

fn case_of(case: &CaseResult, scenario: &ScenarioInfo) -> Value {
    // A record of strings, numbers and lists: always a JSON value.
    serde_json::to_value(case::Case::new(case, scenario)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;
    use std::time::Duration;

    use super::*;
    use crate::outcome::{HaltCause, Halted, LoadLimits};

    fn conditions(run: &RunResult) -> Value {
        head(run)["conditions"].clone()
    }

    fn run() -> RunResult {
        RunResult {
            target: "http://127.0.0.1:8000".into(),
            scenarios: Vec::new(),
            cases: Vec::new(),
            duration: Duration::from_secs(3),
            conditions: Default::default(),
            gate: Default::default(),
        }
    }

    #[test]
    fn the_load_gives_the_limits_in_force_and_the_measured_rate() {
        let mut run = run();
        assert_eq!(
            conditions(&run)["load"],
            json!({ "rate": null, "max_requests": null, "time_budget_ms": null, "requests": 0,
                    "case_requests": 0, "case_phase_ms": 0, "measured_rate": 0.0 })
        );
        run.conditions.load = Load {
            limits: LoadLimits {
                rate: NonZeroU32::new(200),
                max_requests: Some(5000),
                time_budget: Some(Duration::from_secs(90)),
            },
            requests: 1210,
            case_requests: 1200,
            case_time: Duration::from_millis(6100),
        };
        assert_eq!(
            conditions(&run)["load"],
            json!({ "rate": 200, "max_requests": 5000, "time_budget_ms": 90000, "requests": 1210,
                    "case_requests": 1200, "case_phase_ms": 6100, "measured_rate": 196.72 })
        );
    }

    #[test]
    fn halted_names_its_cause() {
        let mut run = run();
        let halted = |cause| Halted {
            cause,
            cases_run: 3,
            cases_total: 9,
            last_answer: Some(("GET / answered 200".into(), Duration::from_millis(1500))),
        };
        run.conditions.halted = Some(halted(HaltCause::TimeBudget(Duration::from_secs(90))));
        assert_eq!(
            conditions(&run)["halted"],
            json!({ "cause": "time-budget", "failures": null, "last_failure": null, "cases_run": 3,
                    "cases_total": 9, "last_answer": { "answer": "GET / answered 200", "after_ms": 1500 } })
        );
        run.conditions.halted = Some(halted(HaltCause::TargetSilent {
            failures: 20,
            last_failure: "cannot connect: refused".into(),
        }));
        let silent = &conditions(&run)["halted"];
        assert_eq!(silent["cause"], "target-stopped-answering");
        assert_eq!(silent["failures"], 20);
        assert_eq!(silent["last_failure"], "cannot connect: refused");
        run.conditions.halted = Some(halted(HaltCause::MaxRequests(500)));
        assert_eq!(conditions(&run)["halted"]["cause"], "max-requests");
    }
}
