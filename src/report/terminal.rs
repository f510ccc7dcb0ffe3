//! The terminal summary: totals per criterion, skipped cases, and each weakness once with its count,
//! reason and reproducer.

use std::fmt::Write;

use console::Style;

use super::curl::reproducer;
use crate::runner::result::{Phase, RunResult, Verdict};
use crate::token::mutation::{Expected, find};
use crate::verdict::group::weaknesses;

/// Renders the summary. `colors` adds ANSI styles (only on a terminal).
pub fn summary(run: &RunResult, colors: bool) -> String {
    let paint = |style: Style, text: &str| {
        if colors {
            style.apply_to(text).to_string()
        } else {
            text.to_string()
        }
    };
    let red = Style::new().red().bold();
    let green = Style::new().green().bold();
    let yellow = Style::new().yellow();
    let dim = Style::new().dim();
    let mut out = String::new();

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
            paint(
                red.clone(),
                &format!(
                    "positive control failed on {} ({}): {}",
                    control.operation, control.principal, control.problem
                )
            )
        );
    }
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
        let style = if tally.total() == 0 {
            dim.clone()
        } else if tally.is_complete() {
            green.clone()
        } else {
            red.clone()
        };
        let _ = writeln!(out, "{}", paint(style, &line));
    }

    let skipped: Vec<_> = run
        .cases
        .iter()
        .filter(|case| case.verdict == Verdict::Skipped)
        .collect();
    if !skipped.is_empty() {
        heading(
            &mut out,
            paint(
                yellow.clone(),
                &format!("{} skipped:", cases(skipped.len())),
            ),
        );
        for (reason, count) in run.skipped_reasons() {
            let _ = writeln!(out, "  {count:>4} x {reason}");
        }
    }

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
            &mut out,
            paint(
                red.clone(),
                &format!(
                    "target unstable: {} met a transport error (reset, timeout or broken answer) and could not be judged; no weakness is named for them",
                    cases(unstable)
                ),
            ),
        );
    }
    if !errors.is_empty() {
        heading(
            &mut out,
            paint(
                red.clone(),
                &format!("{} could not be judged:", cases(errors.len())),
            ),
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

    if run.conditions.load_5xx > 0 {
        heading(
            &mut out,
            paint(
                yellow.clone(),
                &format!(
                    "capacity: {} answer(s) were 5xx under load and not when replayed alone (load, not a weakness); the target first faltered with {} cases in flight",
                    run.conditions.load_5xx,
                    run.conditions.first_fault_at.unwrap_or(run.conditions.jobs)
                ),
            ),
        );
    }

    let observations = information(run);
    if !observations.is_empty() {
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

    let groups = weaknesses(run);
    if !groups.is_empty() {
        let _ = writeln!(out);
        let title = if groups.len() == 1 {
            "1 weakness:".to_string()
        } else {
            format!("{} weaknesses:", groups.len())
        };
        let _ = writeln!(out, "{}", paint(red.clone(), &title));
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
                "  {}. {}{cwe}, {}: {count}",
                number + 1,
                paint(red.clone(), &group.weakness.id),
                group.category.as_str()
            );
            let scenario = &run.scenarios[case.scenario];
            let _ = writeln!(out, "     {}", scenario.title);
            let _ = writeln!(out, "     {}: {}", case.id, case.reason);
            if let Some(exchange) = case.culprit.and_then(|index| case.exchanges.get(index)) {
                let _ = writeln!(
                    out,
                    "     {}",
                    paint(
                        dim.clone(),
                        &format!("reproduce: {}", reproducer(&exchange.request))
                    )
                );
            }
            let _ = writeln!(
                out,
                "     {}",
                paint(
                    dim.clone(),
                    &format!("scenario: {}:{}", scenario.file.display(), scenario.line)
                )
            );
        }
    }

    let notes = crate::verdict::group::notes(run);
    if !notes.is_empty() {
        heading(
            &mut out,
            paint(
                yellow.clone(),
                &format!(
                    "{} conformance note(s) (no gain for an attacker; they fail the gate only with --strict):",
                    notes.len()
                ),
            ),
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

    let _ = writeln!(out);
    let refused_everywhere =
        !run.conditions.controls.is_empty() && !run.conditions.controls.iter().any(|c| c.passed());
    let gate = if refused_everywhere {
        paint(
            red,
            "gate: FAILED (the target refuses a valid token: no attack could be judged)",
        )
    } else if run.gate_passed() {
        paint(green, "gate: PASSED (100% on every criterion)")
    } else {
        let below = run.criteria_below_full();
        paint(red, &format!("gate: FAILED ({})", below.join(", ")))
    };
    let _ = writeln!(out, "{gate}");
    out
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
