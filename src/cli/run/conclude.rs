//! The end of a run, or of a merge of shards: the terminal summary, the reports' ends, and the exit
//! code.

use super::reports::{Reports, append_step_summary};
use super::{CliError, exit, load};
use crate::outcome::{RunResult, Verdict};
use crate::report;

/// The end of a run (or of a merge of shards): the terminal summary, the reports' ends (the job
/// summary when no report is asked for), and the exit code: 3 when the run stopped early, else the
/// gate's.
pub(in crate::cli) fn conclude(
    mut result: RunResult,
    written: Reports<'_>,
    no_reports: bool,
) -> Result<u8, CliError> {
    written.finish_gate(&mut result);
    print!(
        "{}",
        report::terminal::summary(&result, console::colors_enabled())
    );
    written.finish(&result)?;
    if no_reports {
        append_step_summary(&result);
    }
    if result.conditions.interrupted {
        return Ok(exit::INTERRUPTED);
    }
    if let Some(halted) = &result.conditions.halted {
        // A run that stopped early does not pass; a weakness found before it stopped fails the gate.
        let message =
            load::budget_message(halted).unwrap_or_else(|| halted_message(&result.target, halted));
        if result
            .cases
            .iter()
            .any(|case| case.verdict == Verdict::Fail && !case.gate.accepted())
        {
            eprintln!("{message}\nA case that ran found a weakness.");
            return Ok(exit::GATE_FAILED);
        }
        return Err(CliError::Unreachable(message));
    }
    Ok(if result.gate_passed() {
        exit::OK
    } else {
        exit::GATE_FAILED
    })
}

/// What a run that gave up on its target says: why, and how far it got.
fn halted_message(target: &str, halted: &crate::outcome::Halted) -> String {
    let crate::outcome::HaltCause::TargetSilent {
        failures,
        last_failure,
    } = &halted.cause
    else {
        return format!("the run against {target} stopped early");
    };
    let last_answer = match &halted.last_answer {
        Some((answer, at)) => format!(
            "the last answer: {answer}, {:.1} s into the run",
            at.as_secs_f64()
        ),
        None => "no case got an answer".to_string(),
    };
    format!(
        "target {target} stopped answering: the run stopped after {} transport failures in a row (the last: {}).\n\
         {} of {} cases were run; the other {} are reported as not run, neither passed nor failed; {last_answer}.\n\
         (the number of failures in a row is the profile's timeouts.give_up_after)",
        failures,
        last_failure,
        halted.cases_run,
        halted.cases_total,
        halted.cases_total - halted.cases_run,
    )
}
