//! The Markdown report (`--report markdown:PATH`, and the GitHub job summary when
//! `$GITHUB_STEP_SUMMARY` is set): a table per criterion, then each weakness in a collapsible block
//! with its reason, reproducer and scenario, then skipped and unjudged cases in short.

use std::fmt::Write;

use super::explain::explain;
use super::reproducer;
use super::terminal::information;
use crate::outcome::{CaseResult, RunResult, Verdict};
use crate::verdict::group::{WeaknessGroup, weaknesses};

/// At most this many other failing case ids are listed under a weakness.
const MAX_OTHER_CASES: usize = 20;
/// At most this many unjudged cases are listed.
const MAX_ERRORS: usize = 10;

/// Renders the report.
pub fn report(run: &RunResult) -> String {
    let mut out = String::new();
    header(&mut out, run);
    criteria(&mut out, run);
    weakness_blocks(&mut out, run);
    waiver_and_baseline(&mut out, run);
    note_list(&mut out, run);
    skipped(&mut out, run);
    unjudged(&mut out, run);
    informational(&mut out, run);
    // A trailing blank line keeps whatever is appended next (another step's summary) apart.
    blank_line(&mut out);
    out
}

/// The title with the gate, and the cases judged against the target.
fn header(out: &mut String, run: &RunResult) {
    let gate = if run.gate_passed() {
        "✅ gate passed"
    } else {
        "❌ gate failed"
    };
    let _ = writeln!(out, "## authconform: {gate}\n");
    let judged = run
        .cases
        .iter()
        .filter(|case| case.verdict != Verdict::Skipped)
        .count();
    let _ = writeln!(
        out,
        "Target {}: {judged} {} judged in {:.1} s.\n",
        code(&run.target),
        plural(judged, "case", "cases"),
        run.duration.as_secs_f64()
    );
}

/// The table of totals per criterion.
fn criteria(out: &mut String, run: &RunResult) {
    let _ = writeln!(out, "| Criterion | Passed | Total | Percent | |");
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | :---: |");
    for (category, tally) in run.tallies() {
        let (percent, mark) = if tally.total() == 0 {
            ("–".to_string(), "➖")
        } else if tally.is_complete() {
            (format!("{:.1}%", tally.percent()), "✅")
        } else {
            (format!("{:.1}%", tally.percent()), "❌")
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {percent} | {mark} |",
            category.as_str(),
            tally.passed,
            tally.total()
        );
    }
}

/// Each weakness in a collapsible block.
fn weakness_blocks(out: &mut String, run: &RunResult) {
    let groups = weaknesses(run);
    if groups.is_empty() {
        return;
    }
    blank_line(out);
    let _ = writeln!(
        out,
        "### {} {}\n",
        groups.len(),
        plural(groups.len(), "weakness", "weaknesses")
    );
    for group in &groups {
        weakness_block(out, run, group);
    }
}

/// One weakness: what it is, its first case's reason, scenario, fix and reproducer, the other cases.
fn weakness_block(out: &mut String, run: &RunResult, group: &WeaknessGroup) {
    let case = &run.cases[group.representative()];
    let scenario = &run.scenarios[case.scenario];
    let text = explain(run, group);
    let cwe = group
        .weakness
        .cwe
        .map(|cwe| {
            format!(", <a href=\"https://cwe.mitre.org/data/definitions/{cwe}.html\">CWE-{cwe}</a>")
        })
        .unwrap_or_default();
    let count = group.cases.len();
    let _ = writeln!(out, "<details>");
    let _ = writeln!(
        out,
        "<summary><b>{}</b> ({}{cwe}): {count} failing {}</summary>\n",
        html(&group.weakness.id),
        group.category.as_str(),
        plural(count, "case", "cases")
    );
    let _ = writeln!(
        out,
        "**{}.** {}\n",
        text_md(&text.name),
        text_md(&text.summary)
    );
    let _ = writeln!(out, "- First failing case: {}", code(&case.id));
    let _ = writeln!(out, "- Reason: {}", text_md(&case.reason));
    let _ = writeln!(
        out,
        "- Scenario: {} ({})",
        code(&format!("{}:{}", scenario.file.display(), scenario.line)),
        text_md(&scenario.title)
    );
    let _ = writeln!(out, "- How to fix: {}", text_md(&text.fix));
    if let Some(exchange) = case.culprit.and_then(|index| case.exchanges.get(index)) {
        let _ = writeln!(out, "\nReproduce:\n");
        let _ = writeln!(out, "{}", fence("sh", &reproducer(run, case, exchange)));
    }
    let others: Vec<&CaseResult> = group.cases[1..]
        .iter()
        .map(|index| &run.cases[*index])
        .collect();
    if !others.is_empty() {
        let listed: Vec<String> = others
            .iter()
            .take(MAX_OTHER_CASES)
            .map(|other| code(&other.id))
            .collect();
        let more = if others.len() > MAX_OTHER_CASES {
            format!(" and {} more", others.len() - MAX_OTHER_CASES)
        } else {
            String::new()
        };
        let _ = writeln!(out, "\nAlso failing: {}{more}.", listed.join(", "));
    }
    let _ = writeln!(out, "\n</details>\n");
}

/// With a waiver file or a baseline: the waived weaknesses, expired and stale waivers, and the
/// failures new and unchanged since the baseline.
fn waiver_and_baseline(out: &mut String, run: &RunResult) {
    let waived = crate::verdict::group::waived(run);
    if !waived.is_empty() {
        blank_line(out);
        let _ = writeln!(
            out,
            "### {} waived {}
",
            waived.len(),
            plural(waived.len(), "weakness", "weaknesses")
        );
        let _ = writeln!(
            out,
            "Known weaknesses accepted until a date; they do not fail the gate.
"
        );
        for group in &waived {
            if let Some(waiver) = &run.cases[group.representative()].gate.waiver {
                let _ = writeln!(
                    out,
                    "- {} ({}): {} (owner {}, expires {})",
                    code(&group.weakness.id),
                    plural_count(group.cases.len(), "case", "cases"),
                    text_md(&waiver.reason),
                    text_md(&waiver.owner),
                    waiver.expires
                );
            }
        }
    }
    let expired = run.expired_waivers();
    let lists = [
        (
            "expired (they fail the gate: renew them or fix the weakness)",
            expired,
        ),
        (
            "stale (they match no failing case: remove them)",
            run.gate.stale.iter().collect(),
        ),
    ];
    for (what, waivers) in lists.into_iter().filter(|(_, waivers)| !waivers.is_empty()) {
        blank_line(out);
        let _ = writeln!(
            out,
            "### {} {what}
",
            plural_count(waivers.len(), "waiver", "waivers")
        );
        for waiver in waivers {
            let _ = writeln!(out, "- {}", text_md(&waiver.describe()));
        }
    }
    if let Some(baseline) = &run.gate.baseline {
        let (new, unchanged) = run.baseline_counts();
        blank_line(out);
        let _ = writeln!(
            out,
            "Baseline {}: {new} new, {unchanged} unchanged, {} fixed since.",
            code(baseline),
            run.gate.absent.len()
        );
    }
}

/// The conformance notes, each once with its first case's reason.
fn note_list(out: &mut String, run: &RunResult) {
    let notes = crate::verdict::group::notes(run);
    if notes.is_empty() {
        return;
    }
    blank_line(out);
    let _ = writeln!(
        out,
        "### {} conformance {}\n",
        notes.len(),
        plural(notes.len(), "note", "notes")
    );
    let _ = writeln!(
        out,
        "Deviations that give an attacker nothing; they fail the gate only with `--strict`.\n"
    );
    for group in &notes {
        let case = &run.cases[group.representative()];
        let _ = writeln!(
            out,
            "- {} ({} {}): {}",
            code(&group.weakness.id),
            group.cases.len(),
            plural(group.cases.len(), "case", "cases"),
            text_md(&case.reason)
        );
    }
}

/// The skipped cases, counted per reason.
fn skipped(out: &mut String, run: &RunResult) {
    let skipped = run
        .cases
        .iter()
        .filter(|case| case.verdict == Verdict::Skipped)
        .count();
    if skipped == 0 {
        return;
    }
    blank_line(out);
    let _ = writeln!(
        out,
        "### {} skipped\n",
        plural_count(skipped, "case", "cases")
    );
    for (reason, count) in run.skipped_reasons() {
        let _ = writeln!(out, "- {count} × {}", text_md(reason));
    }
}

/// The first cases that could not be judged, with their reasons.
fn unjudged(out: &mut String, run: &RunResult) {
    let errors: Vec<&CaseResult> = run
        .cases
        .iter()
        .filter(|case| case.verdict == Verdict::Error)
        .collect();
    if errors.is_empty() {
        return;
    }
    blank_line(out);
    let _ = writeln!(
        out,
        "### {} could not be judged\n",
        plural_count(errors.len(), "case", "cases")
    );
    for case in errors.iter().take(MAX_ERRORS) {
        let _ = writeln!(out, "- {}: {}", code(&case.id), text_md(&case.reason));
    }
    if errors.len() > MAX_ERRORS {
        let _ = writeln!(out, "- … and {} more", errors.len() - MAX_ERRORS);
    }
}

/// The answers to mutations the spec does not rule on.
fn informational(out: &mut String, run: &RunResult) {
    let observations = information(run);
    if observations.is_empty() {
        return;
    }
    blank_line(out);
    let _ = writeln!(out, "### Information (never a failure)\n");
    for (mutation, answers) in observations {
        let answers: Vec<String> = answers
            .iter()
            .map(|(status, count)| format!("{status} × {count}"))
            .collect();
        let _ = writeln!(
            out,
            "- {}: answered {}",
            code(&mutation),
            answers.join(", ")
        );
    }
}

/// Ends `out` with exactly one blank line.
fn blank_line(out: &mut String) {
    while out.ends_with("\n\n") {
        out.pop();
    }
    while !out.ends_with("\n\n") {
        out.push('\n');
    }
}

fn plural<'a>(count: usize, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 { one } else { many }
}

fn plural_count(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", plural(count, one, many))
}

/// Inline code whose delimiter is longer than any backtick run inside (CommonMark).
fn code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let longest = longest_run(&text, '`');
    let ticks = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// A fenced code block whose fence is longer than any backtick run inside.
fn fence(language: &str, text: &str) -> String {
    let fence = "`".repeat((longest_run(text, '`') + 1).max(3));
    format!("{fence}{language}\n{text}\n{fence}")
}

fn longest_run(text: &str, wanted: char) -> usize {
    let (mut longest, mut current) = (0, 0);
    for c in text.chars() {
        if c == wanted {
            current += 1;
            longest = longest.max(current);
        } else {
            current = 0;
        }
    }
    longest
}

/// Plain text in Markdown: HTML-escaped, Markdown punctuation that could format or link escaped,
/// newlines flattened (one line per item). Text between balanced backticks stays a code span.
fn text_md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push('`');
            }
            '\n' | '\r' => out.push(' '),
            _ if in_code => out.push(c),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '*' | '_' | '[' | ']' | '|' | '\\' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    if in_code {
        // An unbalanced backtick would swallow the rest of the line: escape them all instead.
        return text_md(&text.replace('`', "'"));
    }
    out
}

/// Text inside an HTML element (the `<summary>` line).
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_outlast_backticks_inside() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
    }

    #[test]
    fn fences_outlast_backtick_runs_inside() {
        assert_eq!(fence("sh", "curl x"), "```sh\ncurl x\n```");
        assert_eq!(fence("sh", "a ```` b"), "`````sh\na ```` b\n`````");
    }

    #[test]
    fn plain_text_cannot_inject_html_or_links() {
        assert_eq!(
            text_md("<script>[x](y)*z*"),
            "&lt;script&gt;\\[x\\](y)\\*z\\*"
        );
        assert_eq!(text_md("keep `a*b` code"), "keep `a*b` code");
        assert_eq!(text_md("odd ` tick *"), "odd ' tick \\*");
    }
}
