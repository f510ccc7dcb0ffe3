//! The terminal summary: totals per criterion, skipped cases, and each weakness once with its count,
//! reason and reproducer.

use std::fmt::Write;

use console::Style;

use super::reproducer;
use crate::outcome::{BaselineState, Phase, RunResult, Verdict};
use crate::token::mutation::{Expected, find};
use crate::verdict::group::{waived, weaknesses};

/// Renders the summary. `colors` adds ANSI styles (only on a terminal).
pub fn summary(run: &RunResult, colors: bool) -> String {
    let paint = Paint { colors };
    let mut out = String::new();
    header(&mut out, run, &paint);
    criteria(&mut out, run, &paint);
    skipped(&mut out, run, &paint);
    unjudged(&mut out, run, &paint);
    capacity(&mut out, run, &paint);
    load(&mut out, run);
    cleanup(&mut out, run, &paint);
    informational(&mut out, run);
    weakness_list(&mut out, run, &paint);
    waived_list(&mut out, run, &paint);
    note_list(&mut out, run, &paint);
    gate_findings(&mut out, run, &paint);
    gate(&mut out, run, &paint);
    out
}

/// The summary's styles, applied only when `colors` is set.
struct Paint {
    colors: bool,
}

impl Paint {
    fn apply(&self, style: Style, text: &str) -> String {
        if self.colors {
            style.apply_to(text).to_string()
        } else {
            text.to_string()
        }
    }

    fn red(&self, text: &str) -> String {
        self.apply(Style::new().red().bold(), text)
    }

    fn green(&self, text: &str) -> String {
        self.apply(Style::new().green().bold(), text)
    }

    fn yellow(&self, text: &str) -> String {
        self.apply(Style::new().yellow(), text)
    }

    fn dim(&self, text: &str) -> String {
        self.apply(Style::new().dim(), text)
    }
}

/// The first line (cases judged, target) and any failed positive control.
fn header(out: &mut String, run: &RunResult, paint: &Paint) {
    let judged = run
        .cases
        .iter()
        .filter(|case| case.verdict != Verdict::Skipped)
        .count();
    let embedded = if run.conditions.embedded {
        " (the embedded reference server)"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "authconform: {judged} cases judged against {}{embedded}",
        run.target
    );
    for control in run.conditions.controls.iter().filter(|c| !c.passed()) {
        let _ = writeln!(
            out,
            "{}",
            paint.red(&format!(
                "positive control failed on {} ({}): {}",
                control.operation, control.principal, control.problem
            ))
        );
    }
}

/// The table of totals per criterion.
fn criteria(out: &mut String, run: &RunResult, paint: &Paint) {
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<15} {:>7} {:>7} {:>7} {:>7} {:>8}",
        "criterion", "passed", "notes", "failed", "errors", "percent"
    );
    for (category, tally) in run.tallies() {
        let percent = if tally.total() == 0 {
            "-".to_string()
        } else {
            format!("{:.1}%", tally.percent())
        };
        let line = format!(
            "{:<15} {:>7} {:>7} {:>7} {:>7} {:>8}",
            category.as_str(),
            tally.passed,
            tally.notes,
            tally.failed,
            tally.errors,
            percent
        );
        let line = if tally.total() == 0 {
            paint.dim(&line)
        } else if tally.is_complete() {
            paint.green(&line)
        } else {
            paint.red(&line)
        };
        let _ = writeln!(out, "{line}");
    }
}

/// The skipped cases, counted per reason.
fn skipped(out: &mut String, run: &RunResult, paint: &Paint) {
    let skipped = run
        .cases
        .iter()
        .filter(|case| case.verdict == Verdict::Skipped)
        .count();
    if skipped == 0 {
        return;
    }
    heading(out, paint.yellow(&format!("{} skipped:", cases(skipped))));
    for (reason, count) in run.skipped_reasons() {
        let _ = writeln!(out, "  {count:>4} x {reason}");
    }
}

/// The cases that could not be judged: transport errors first, then one line per distinct reason.
fn unjudged(out: &mut String, run: &RunResult, paint: &Paint) {
    let errors: Vec<_> = run
        .cases
        .iter()
        .filter(|case| case.verdict == Verdict::Error)
        .collect();
    let unstable = errors
        .iter()
        .filter(|case| case.reason.contains("transport error"))
        .count();
    if unstable > 0 {
        heading(
            out,
            paint.red(&format!(
                "target unstable: {} met a transport error (reset, timeout or broken answer) and could not be judged; no weakness is named for them",
                cases(unstable)
            )),
        );
    }
    if errors.is_empty() {
        return;
    }
    heading(
        out,
        paint.red(&format!("{} could not be judged:", cases(errors.len()))),
    );
    // One line per distinct reason, with its count and first case: an unstable target or a
    // refused valid token reads as one line, not hundreds.
    let mut reasons: Vec<(&str, &str, usize)> = Vec::new();
    for case in &errors {
        match reasons
            .iter_mut()
            .find(|(reason, ..)| *reason == case.reason)
        {
            Some((_, _, count)) => *count += 1,
            None => reasons.push((&case.reason, &case.id, 1)),
        }
    }
    for (reason, first, count) in reasons.iter().take(10) {
        let _ = writeln!(out, "  {count:>4} x {reason} (first: {first})");
    }
    if reasons.len() > 10 {
        let _ = writeln!(out, "  ... and {} more reasons", reasons.len() - 10);
    }
}

/// The 5xx answers that a replay alone did not repeat: the target's capacity.
fn capacity(out: &mut String, run: &RunResult, paint: &Paint) {
    if run.conditions.load_5xx == 0 {
        return;
    }
    heading(
        out,
        paint.yellow(&format!(
            "capacity: {} answer(s) were 5xx under load and not when replayed alone (load, not a weakness); the target first faltered with {} cases in flight",
            run.conditions.load_5xx,
            run.conditions.first_fault_at.unwrap_or(run.conditions.jobs)
        )),
    );
}

/// The load limits in force and the rate measured while the cases ran, when a limit was set.
fn load(out: &mut String, run: &RunResult) {
    let load = &run.conditions.load;
    let limits = &load.limits;
    if !limits.any() {
        return;
    }
    let mut kept = Vec::new();
    if let Some(rate) = limits.rate {
        kept.push(format!("--rate {rate}"));
    }
    if let Some(max) = limits.max_requests {
        kept.push(format!("--max-requests {max}"));
    }
    if let Some(budget) = limits.time_budget {
        kept.push(format!(
            "--time-budget {}",
            humantime::format_duration(budget)
        ));
    }
    heading(
        out,
        format!(
            "load ({}): {} requests sent to the target, {} of them in {:.1} s of cases ({:.1} requests/s)",
            kept.join(", "),
            load.requests,
            load.case_requests,
            load.case_time.as_secs_f64(),
            load.measured_rate()
        ),
    );
}

/// What the cleanup of the run's objects did, and each object it could not delete (the first 10).
fn cleanup(out: &mut String, run: &RunResult, paint: &Paint) {
    if run.conditions.interrupted {
        heading(
            out,
            paint.yellow("interrupted (Ctrl-C): the cases not started are not run"),
        );
    }
    let Some(cleanup) = &run.conditions.cleanup else {
        return;
    };
    if cleanup.recorded == 0 {
        return;
    }
    if let Some(reason) = &cleanup.skipped {
        heading(
            out,
            format!(
                "cleanup: not run ({reason}): the {} object(s) the run created are kept",
                cleanup.recorded
            ),
        );
        return;
    }
    let line = format!(
        "cleanup: deleted {} of the {} object(s) the run created ({} already gone)",
        cleanup.deleted, cleanup.recorded, cleanup.gone
    );
    heading(
        out,
        if cleanup.left_behind() == 0 {
            line
        } else {
            paint.yellow(&line)
        },
    );
    for (kind, count) in &cleanup.not_deletable {
        let _ = writeln!(
            out,
            "  {count} `{kind}` object(s) kept: not deletable (no delete operation)"
        );
    }
    for object in cleanup.failed.iter().take(10) {
        let _ = writeln!(
            out,
            "  not deleted: `{}` {} of {} (case {}): {}",
            object.kind, object.id, object.owner, object.case, object.reason
        );
    }
    if cleanup.failed.len() > 10 {
        let _ = writeln!(
            out,
            "  ... and {} more not deleted",
            cleanup.failed.len() - 10
        );
    }
}

/// The answers to mutations the spec does not rule on (see [`information`]).
fn informational(out: &mut String, run: &RunResult) {
    let observations = information(run);
    if observations.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "information (behaviour the spec does not rule on; never a failure):"
    );
    for (mutation, answers) in observations {
        let answers: Vec<String> = answers
            .iter()
            .map(|(status, count)| format!("{status} x{count}"))
            .collect();
        let _ = writeln!(out, "  {mutation}: answered {}", answers.join(", "));
    }
}

/// Each weakness once: its count, scenario, first case's reason and reproducer.
fn weakness_list(out: &mut String, run: &RunResult, paint: &Paint) {
    let groups = weaknesses(run);
    if groups.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let title = if groups.len() == 1 {
        "1 weakness:".to_string()
    } else {
        format!("{} weaknesses:", groups.len())
    };
    let _ = writeln!(out, "{}", paint.red(&title));
    for (number, group) in groups.iter().enumerate() {
        let case = &run.cases[group.representative()];
        let cwe = group
            .weakness
            .cwe
            .map(|cwe| format!(" (CWE-{cwe})"))
            .unwrap_or_default();
        let count = if group.cases.len() == 1 {
            "1 failing case".to_string()
        } else {
            format!("{} failing cases", group.cases.len())
        };
        let _ = writeln!(
            out,
            "  {}. {}{cwe}, {}: {count}{}",
            number + 1,
            paint.red(&group.weakness.id),
            group.category.as_str(),
            baseline_note(run, group)
        );
        if let Some(waiver) = case.gate.waiver.as_ref().filter(|w| w.expired) {
            let _ = writeln!(
                out,
                "     {}",
                paint.red(&format!("waiver expired: {}", waiver.describe()))
            );
        }
        let scenario = &run.scenarios[case.scenario];
        let _ = writeln!(out, "     {}", scenario.title);
        let _ = writeln!(out, "     {}: {}", case.id, case.reason);
        if let Some(exchange) = case.culprit.and_then(|index| case.exchanges.get(index)) {
            let _ = writeln!(
                out,
                "     {}",
                paint.dim(&format!(
                    "reproduce: {}",
                    reproducer(run, case, exchange).replace('\n', "\n                ")
                ))
            );
        }
        let _ = writeln!(
            out,
            "     {}",
            paint.dim(&format!(
                "scenario: {}:{}",
                scenario.file.display(),
                scenario.line
            ))
        );
    }
}

/// ` (new)`, ` (unchanged since the baseline)` or ` (2 new, 1 unchanged)` with a baseline.
fn baseline_note(run: &RunResult, group: &crate::verdict::group::WeaknessGroup) -> String {
    match group.baseline(run) {
        None => String::new(),
        Some(Some(BaselineState::New)) => " (new)".to_string(),
        Some(Some(BaselineState::Unchanged)) => " (unchanged since the baseline)".to_string(),
        Some(None) => {
            let new = group
                .cases
                .iter()
                .filter(|index| run.cases[**index].gate.baseline == Some(BaselineState::New))
                .count();
            format!(" ({new} new, {} unchanged)", group.cases.len() - new)
        }
    }
}

/// The weaknesses a live waiver covers: shown, not failing the gate.
fn waived_list(out: &mut String, run: &RunResult, paint: &Paint) {
    let groups = waived(run);
    if groups.is_empty() {
        return;
    }
    heading(
        out,
        paint.yellow(&format!(
            "{} waived (known weaknesses accepted until a date; they do not fail the gate):",
            if groups.len() == 1 {
                "1 weakness".to_string()
            } else {
                format!("{} weaknesses", groups.len())
            }
        )),
    );
    for group in &groups {
        let case = &run.cases[group.representative()];
        let Some(waiver) = &case.gate.waiver else {
            continue;
        };
        let mut scope = String::new();
        if let Some(operation) = &waiver.operation {
            scope.push_str(&format!(" on {operation}"));
        }
        if let Some(scenario) = &waiver.scenario {
            scope.push_str(&format!(" in scenario {scenario}"));
        }
        let _ = writeln!(
            out,
            "  - {}{scope}: {}, waived until {} (owner {}): {}",
            group.weakness.id,
            cases(group.cases.len()),
            waiver.expires,
            waiver.owner,
            waiver.reason
        );
    }
}

/// What the waiver file and the baseline say of the run: stale waivers, new and unchanged failures.
fn gate_findings(out: &mut String, run: &RunResult, paint: &Paint) {
    if !run.gate.stale.is_empty() {
        heading(
            out,
            paint.yellow(&format!(
                "{} stale waiver(s) in {} (they match no failing case: remove them):",
                run.gate.stale.len(),
                run.gate.waivers.as_deref().unwrap_or("the waiver file")
            )),
        );
        for waiver in &run.gate.stale {
            let _ = writeln!(out, "  - {}", waiver.describe());
        }
    }
    if let Some(baseline) = &run.gate.baseline {
        let (new, unchanged) = run.baseline_counts();
        heading(
            out,
            format!(
                "baseline {baseline}: {new} new, {unchanged} unchanged, {} fixed since",
                run.gate.absent.len()
            ),
        );
    }
}

/// The conformance notes, each once with its first case's reason.
fn note_list(out: &mut String, run: &RunResult, paint: &Paint) {
    let notes = crate::verdict::group::notes(run);
    if notes.is_empty() {
        return;
    }
    heading(
        out,
        paint.yellow(&format!(
            "{} conformance note(s) (no gain for an attacker; they fail the gate only with --strict):",
            notes.len()
        )),
    );
    for group in &notes {
        let case = &run.cases[group.representative()];
        let _ = writeln!(
            out,
            "  - {}: {} ({})",
            group.weakness.id,
            case.reason,
            cases(group.cases.len())
        );
    }
}

/// The last line: whether the gate passed, and why not.
fn gate(out: &mut String, run: &RunResult, paint: &Paint) {
    let _ = writeln!(out);
    let refused_everywhere =
        !run.conditions.controls.is_empty() && !run.conditions.controls.iter().any(|c| c.passed());
    let gate = if refused_everywhere {
        paint.red("gate: FAILED (the target refuses a valid token: no attack could be judged)")
    } else if run.conditions.interrupted {
        paint.red("gate: FAILED (interrupted: not every case ran)")
    } else if run.gate_passed() && run.criteria_below_full().is_empty() {
        paint.green("gate: PASSED (100% on every criterion)")
    } else if run.gate_passed() {
        paint.green("gate: PASSED (every failure is waived or was in the baseline)")
    } else {
        let mut why = run.criteria_below_full();
        if let Some(halted) = &run.conditions.halted {
            let cause = halted
                .cause
                .budget()
                .map_or("the target stopped answering".to_string(), |budget| {
                    format!("{budget} ran out")
                });
            why.push(format!(
                "the run stopped early, {} of {} cases run: {cause}",
                halted.cases_run, halted.cases_total
            ));
        }
        let expired = run.expired_waivers();
        if !expired.is_empty() {
            why.push(format!("{} expired waiver(s)", expired.len()));
        }
        paint.red(&format!("gate: FAILED ({})", why.join(", ")))
    };
    let _ = writeln!(out, "{gate}");
    for waiver in run.expired_waivers() {
        let _ = writeln!(
            out,
            "{}",
            paint.red(&format!(
                "  expired waiver: {}: renew it or fix the weakness",
                waiver.describe()
            ))
        );
    }
}

/// A blank line, then a section's first line.
fn heading(out: &mut String, line: String) {
    let _ = writeln!(out);
    let _ = writeln!(out, "{line}");
}

/// "1 case" / "N cases".
fn cases(count: usize) -> String {
    if count == 1 {
        "1 case".to_string()
    } else {
        format!("{count} cases")
    }
}

/// Answers to mutations whose expected answer is "information": per mutation, each status seen and
/// how often, in catalog order of first appearance.
pub fn information(run: &RunResult) -> Vec<(String, Vec<(u16, usize)>)> {
    let mut seen: Vec<(String, Vec<(u16, usize)>)> = Vec::new();
    let exchanges = run.cases.iter().flat_map(|case| case.exchanges.iter());
    for exchange in exchanges.filter(|exchange| exchange.phase == Phase::Step) {
        let (Some(id), Some(response)) = (&exchange.mutation, &exchange.response) else {
            continue;
        };
        if find(id).map(|m| m.expected) != Ok(Expected::Info) {
            continue;
        }
        let index = match seen.iter().position(|(known, _)| known == id) {
            Some(index) => index,
            None => {
                seen.push((id.clone(), Vec::new()));
                seen.len() - 1
            }
        };
        let answers = &mut seen[index].1;
        match answers
            .iter_mut()
            .find(|(status, _)| *status == response.status)
        {
            Some((_, count)) => *count += 1,
            None => answers.push((response.status, 1)),
        }
    }
    seen
}

#[cfg(test)]
mod tests;
