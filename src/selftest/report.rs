//! The self-validation's result and the text report that shows it.

use std::fmt::Write as _;

use super::{Broken, LARGE_SCENARIO, Outcome, REDUCED_OPERATIONS, specificity};
use crate::scenario::plan::Category;

/// The result of a self-validation.
#[derive(Debug, Clone)]
pub struct SelftestReport {
    /// Scenario ids of the suite, in order.
    pub scenarios: Vec<String>,
    /// Cases of the full suite.
    pub cases: usize,
    /// The clean run.
    pub clean: Outcome,
    /// One outcome per broken target, in [`Broken::all`] order.
    pub broken: Vec<Outcome>,
    /// Whether the broken-target runs used reduced matrices.
    pub reduced: bool,
    /// The correct server with each legitimate presentation style and in each other key mode:
    /// (`style ID` or `mode ID`, outcome).
    pub styles: Vec<(String, Outcome)>,
}

impl SelftestReport {
    /// The clean reference server passes every case (skips with a stated reason are allowed).
    pub fn clean_passed(&self) -> bool {
        self.clean.failed_total() == 0 && self.clean.errors == 0
    }

    /// (caught, total) broken targets.
    pub fn mutation_score(&self) -> (usize, usize) {
        let caught = self.broken.iter().filter(|o| o.caught()).count();
        (caught, self.broken.len())
    }

    /// For each scenario, the broken targets that made one of its cases fail.
    pub fn killers(&self) -> Vec<(String, Vec<&'static str>)> {
        self.scenarios
            .iter()
            .map(|scenario| {
                let killers = self
                    .broken
                    .iter()
                    .filter(|o| o.failed_scenarios.contains(scenario))
                    .filter_map(|o| o.broken.map(Broken::id))
                    .collect();
                (scenario.clone(), killers)
            })
            .collect()
    }

    /// Scenarios no broken target made fail: checks that cannot fail.
    pub fn survivors(&self) -> Vec<String> {
        self.killers()
            .into_iter()
            .filter(|(_, killers)| killers.is_empty())
            .map(|(scenario, _)| scenario)
            .collect()
    }

    /// The confusion matrix is diagonal: every flaw names exactly its declared set, and the clean
    /// server names nothing, in every key mode and style (a style shows only its declared notes).
    pub fn specific(&self) -> bool {
        let exact =
            |(extra, missing): (Vec<String>, Vec<String>)| extra.is_empty() && missing.is_empty();
        self.clean.named.is_empty()
            && self
                .styles
                .iter()
                .all(|(style, outcome)| exact(style_difference(style, outcome)))
            && self
                .broken
                .iter()
                .all(|outcome| exact(outcome.off_diagonal()))
    }

    /// Every check passed: clean at 100%, every broken target caught, every scenario killed, the
    /// confusion matrix diagonal. With `--only`, the scenarios are not all expected to be killed.
    pub fn passed(&self, all_targets: bool) -> bool {
        let (caught, total) = self.mutation_score();
        self.clean_passed()
            && caught == total
            && (!all_targets || self.survivors().is_empty())
            && self.specific()
    }

    /// The confusion matrix: what each flaw and each style was named, against what it must be.
    fn render_specificity(&self, out: &mut String) {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "confusion matrix: weaknesses named (failing or noted) against each flaw's declared set (specs/flaws.md)"
        );
        let mut rows: Vec<(String, &Outcome, Difference)> =
            vec![("clean".to_string(), &self.clean, self.clean.off_diagonal())];
        rows.extend(
            self.styles
                .iter()
                .map(|(label, outcome)| (label.clone(), outcome, style_difference(label, outcome))),
        );
        rows.extend(
            self.broken
                .iter()
                .filter(|o| matches!(o.broken, Some(Broken::Flaw(_))))
                .filter_map(|o| {
                    o.broken
                        .map(|b| (format!("flaw {}", b.id()), o, o.off_diagonal()))
                }),
        );
        for (name, outcome, (extra, missing)) in rows {
            let named: Vec<&str> = outcome.named.iter().map(String::as_str).collect();
            let named = if named.is_empty() {
                "nothing".to_string()
            } else {
                named.join(", ")
            };
            let verdict = if extra.is_empty() && missing.is_empty() {
                "exact".to_string()
            } else {
                let mut parts = Vec::new();
                if !extra.is_empty() {
                    parts.push(format!("OFF-DIAGONAL {}", extra.join(", ")));
                }
                if !missing.is_empty() {
                    parts.push(format!("MISSING {}", missing.join(", ")));
                }
                parts.join("; ")
            };
            let _ = writeln!(out, "  {name:<44} {named}: {verdict}");
        }
        let _ = writeln!(
            out,
            "specificity: {}",
            if self.specific() {
                "diagonal"
            } else {
                "NOT DIAGONAL"
            }
        );
    }

    /// The report: the clean run, the broken target x criterion matrix, the mutation score and the
    /// scenarios with their killers.
    pub fn render(&self, all_targets: bool) -> String {
        let mut out = String::new();
        self.render_header(&mut out);
        self.render_clean(&mut out);
        self.render_matrix(&mut out);
        if !all_targets {
            self.render_first_failures(&mut out);
        }
        self.render_score(&mut out);
        self.render_specificity(&mut out);
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "selftest: {}",
            if self.passed(all_targets) {
                "PASSED"
            } else {
                "FAILED"
            }
        );
        out
    }

    /// What ran against what, and whether the matrices were reduced.
    fn render_header(&self, out: &mut String) {
        let flaws = self
            .broken
            .iter()
            .filter(|o| matches!(o.broken, Some(Broken::Flaw(_))))
            .count();
        let _ = writeln!(
            out,
            "authconform selftest: {} scenarios, {} cases, against the reference server clean and broken {} ways ({} flaws, {} HTTP-level mutants)",
            self.scenarios.len(),
            self.cases,
            self.broken.len(),
            flaws,
            self.broken.len() - flaws
        );
        if self.reduced {
            let _ = writeln!(
                out,
                "(broken-target runs send scenarios of more than {LARGE_SCENARIO} cases through {} only; --full lifts this)",
                REDUCED_OPERATIONS.join(", ")
            );
        }
        let _ = writeln!(out);
    }

    /// The clean run, with its first failures.
    fn render_clean(&self, out: &mut String) {
        let clean = &self.clean;
        let _ = writeln!(
            out,
            "clean: {} cases, {} failed, {} errors, {} skipped with a stated reason ({:.1} s): {}",
            clean.cases,
            clean.failed_total(),
            clean.errors,
            clean.skipped,
            clean.duration.as_secs_f64(),
            if self.clean_passed() {
                "PASS (100% on every criterion)"
            } else {
                "FAIL"
            }
        );
        for example in &clean.examples {
            let _ = writeln!(out, "  {example}");
        }
        let _ = writeln!(out);
    }

    /// Failing cases per criterion for each broken target, its own criterion in brackets.
    fn render_matrix(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "failing cases per criterion; [n] is the broken target's own criterion"
        );
        let _ = writeln!(
            out,
            "{:<44} {:>11} {:>11} {:>13} {:>11}  caught",
            "broken target", "enforcement", "isolation", "statelessness", "robustness"
        );
        for outcome in &self.broken {
            let Some(broken) = outcome.broken else {
                continue;
            };
            let cells: Vec<String> = Category::ALL
                .iter()
                .map(|category| {
                    let n = outcome.failed_in(*category);
                    if *category == broken.criterion() {
                        format!("[{n}]")
                    } else if n == 0 {
                        ".".to_string()
                    } else {
                        n.to_string()
                    }
                })
                .collect();
            let _ = writeln!(
                out,
                "{:<44} {:>11} {:>11} {:>13} {:>11}  {}",
                format!("{} {}", broken.kind(), broken.id()),
                cells[0],
                cells[1],
                cells[2],
                cells[3],
                if outcome.caught() { "yes" } else { "NO" }
            );
        }
    }

    /// Each broken target's first failures.
    fn render_first_failures(&self, out: &mut String) {
        for outcome in &self.broken {
            let Some(broken) = outcome.broken else {
                continue;
            };
            let _ = writeln!(out, "\n{} {}, first failures:", broken.kind(), broken.id());
            for example in &outcome.examples {
                let _ = writeln!(out, "  {example}");
            }
        }
    }

    /// The mutation score, and each scenario with the broken targets that killed it.
    fn render_score(&self, out: &mut String) {
        let (caught, total) = self.mutation_score();
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "mutation score: {caught}/{total} broken targets caught under their own criterion ({:.1}%)",
            percent(caught, total)
        );
        let killers = self.killers();
        let killed = killers.iter().filter(|(_, k)| !k.is_empty()).count();
        let _ = writeln!(
            out,
            "scenarios killed: {killed}/{} ({:.1}%)",
            killers.len(),
            percent(killed, killers.len())
        );
        for (scenario, by) in &killers {
            let shown: Vec<&str> = by.iter().take(4).copied().collect();
            let more = by.len().saturating_sub(shown.len());
            let by = match (by.is_empty(), more) {
                (true, _) => "NOT KILLED: a check that cannot fail".to_string(),
                (false, 0) => shown.join(", "),
                (false, more) => format!("{} (+{more})", shown.join(", ")),
            };
            let _ = writeln!(out, "  {scenario:<36} {by}");
        }
    }
}

/// `n` of `d` as a percentage (100 when `d` is 0).
fn percent(n: usize, d: usize) -> f64 {
    if d == 0 {
        100.0
    } else {
        n as f64 * 100.0 / d as f64
    }
}

/// Weaknesses named but not declared, and declared but not named.
type Difference = (Vec<String>, Vec<String>);

/// How a style's named set differs from the notes it must be shown with.
fn style_difference(label: &str, outcome: &Outcome) -> Difference {
    let style = label.strip_prefix("style ").unwrap_or(label);
    specificity::difference(&outcome.named, &specificity::style_notes(style))
}
