//! The HTML report (`--report html:PATH`): one self-contained file (inline CSS and a few lines of
//! inline JS, no external resource) to send to someone: the gate, a bar per criterion, each weakness
//! with its failing cases (collapsible), skipped and unjudged cases, and buttons that filter by
//! criterion. Every piece of run data is HTML-escaped.

use std::fmt::Write;

use super::explain::explain;
use super::reproducer;
use super::terminal::information;
use crate::outcome::{CaseResult, RunResult, Verdict};
use crate::scenario::plan::Category;
use crate::verdict::group::{WeaknessGroup, weaknesses};

/// At most this many failing cases are shown in full under a weakness.
const MAX_CASES_SHOWN: usize = 50;
/// Response bodies are cut to this many characters.
const MAX_BODY_CHARS: usize = super::SHOWN_BODY_CHARS;

/// Renders the report.
pub fn report(run: &RunResult) -> String {
    let groups = weaknesses(run);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>authconform report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&run.target)
    );
    header(&mut out, run, &groups);
    criteria(&mut out, run);
    filters(&mut out, &groups);
    weakness_list(&mut out, run, &groups);
    waivers_and_baseline(&mut out, run);
    others(&mut out, run);

    let _ = write!(
        out,
        "</main>\n<footer>authconform {}</footer>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    out
}

/// Header: target and gate.
fn header(out: &mut String, run: &RunResult, groups: &[WeaknessGroup]) {
    let gate_class = if run.gate_passed() { "pass" } else { "fail" };
    let judged = run
        .cases
        .iter()
        .filter(|case| case.verdict != Verdict::Skipped)
        .count();
    let gate = if run.gate_passed() && run.criteria_below_full().is_empty() {
        "Gate passed: 100% on every criterion".to_string()
    } else if run.gate_passed() {
        "Gate passed: every failure is waived or was in the baseline".to_string()
    } else {
        let below = run.criteria_below_full();
        format!("Gate failed: {}", below.join(", "))
    };
    let _ = write!(
        out,
        "<header class=\"gate {gate_class}\">\n<h1>authconform report</h1>\n\
         <p class=\"verdict\">{}</p>\n<p class=\"meta\">Target <code>{}</code> · {judged} {} judged · \
         {} {} · {:.1} s</p>\n</header>\n<main>\n",
        escape(&gate),
        escape(&run.target),
        plural(judged, "case", "cases"),
        groups.len(),
        plural(groups.len(), "weakness", "weaknesses"),
        run.duration.as_secs_f64()
    );
}

/// One bar per criterion.
fn criteria(out: &mut String, run: &RunResult) {
    let _ = writeln!(
        out,
        "<section id=\"criteria\">\n<h2>Criteria</h2>\n<div class=\"bars\">"
    );
    for (category, tally) in run.tallies() {
        let (state, label) = if tally.total() == 0 {
            ("none", "no case judged".to_string())
        } else {
            (
                if tally.is_complete() { "pass" } else { "fail" },
                format!(
                    "{}/{} passed · {:.1}%",
                    tally.passed,
                    tally.total(),
                    tally.percent()
                ),
            )
        };
        let width = if tally.total() == 0 {
            0.0
        } else {
            tally.percent()
        };
        let mut extra = Vec::new();
        if tally.failed > 0 {
            extra.push(format!("{} failed", tally.failed));
        }
        if tally.errors > 0 {
            extra.push(format!("{} unjudged", tally.errors));
        }
        if tally.skipped > 0 {
            extra.push(format!("{} skipped", tally.skipped));
        }
        let _ = writeln!(
            out,
            "<div class=\"criterion {state}\" data-criterion=\"{name}\">\
             <span class=\"name\">{name}</span>\
             <div class=\"bar\" role=\"progressbar\" aria-valuemin=\"0\" aria-valuemax=\"100\" \
             aria-valuenow=\"{width:.1}\"><div class=\"fill\" style=\"width: {width:.1}%\"></div></div>\
             <span class=\"label\">{label}</span><span class=\"extra\">{}</span></div>",
            escape(&extra.join(" · ")),
            name = category.as_str(),
        );
    }
    let _ = writeln!(out, "</div>\n</section>");
}

/// Filter buttons.
fn filters(out: &mut String, groups: &[WeaknessGroup]) {
    let _ = write!(
        out,
        "<nav class=\"filters\" aria-label=\"Filter by criterion\">\
         <button type=\"button\" class=\"filter\" data-filter=\"all\" aria-pressed=\"true\">All</button>"
    );
    for category in Category::ALL {
        let count = groups
            .iter()
            .filter(|group| group.category == category)
            .count();
        let _ = write!(
            out,
            "<button type=\"button\" class=\"filter\" data-filter=\"{name}\" aria-pressed=\"false\">\
             {name} <span class=\"count\">{count}</span></button>",
            name = category.as_str()
        );
    }
    let _ = writeln!(out, "</nav>");
}

/// Weaknesses.
fn weakness_list(out: &mut String, run: &RunResult, groups: &[WeaknessGroup]) {
    let _ = writeln!(out, "<section id=\"weaknesses\">");
    if groups.is_empty() {
        let _ = writeln!(
            out,
            "<h2>Weaknesses</h2>\n<p class=\"empty\">No weakness found: every judged case passed.</p>"
        );
    } else {
        let _ = writeln!(
            out,
            "<h2>{} {}</h2>",
            groups.len(),
            plural(groups.len(), "weakness", "weaknesses")
        );
        for group in groups {
            weakness(out, run, group);
        }
        let _ = writeln!(
            out,
            "<p class=\"empty filter-empty hidden\">No weakness in this criterion.</p>"
        );
    }
    let _ = writeln!(out, "</section>");
}

fn weakness(out: &mut String, run: &RunResult, group: &WeaknessGroup) {
    let case = &run.cases[group.representative()];
    let scenario = &run.scenarios[case.scenario];
    let text = explain(run, group);
    let count = group.cases.len();
    let cwe = group
        .weakness
        .cwe
        .map(|cwe| format!("<span class=\"badge cwe\">CWE-{cwe}</span>"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "<section class=\"weakness\" data-criterion=\"{criterion}\" id=\"weakness-{id}\">\n\
         <h3><span class=\"wid\">{id}</span> <span class=\"badge criterion-badge\">{criterion}</span>{cwe}\
         <span class=\"badge severity {severity}\">{severity}</span></h3>\n\
         <p class=\"wname\">{name}</p>\n<p>{summary}</p>\n<p class=\"fix\"><b>How to fix:</b> {fix}</p>\n\
         <p class=\"scenario\">Scenario <code>{file}:{line}</code> {title}</p>",
        criterion = group.category.as_str(),
        id = escape(&group.weakness.id),
        severity = text.severity.as_str(),
        name = escape(&text.name),
        summary = rich(&text.summary),
        fix = rich(&text.fix),
        file = escape(&scenario.file.display().to_string()),
        line = scenario.line,
        title = escape(&scenario.title),
    );
    let _ = writeln!(
        out,
        "<details class=\"cases\"{}>\n<summary>{count} failing {}</summary>",
        if count <= 3 { " open" } else { "" },
        plural(count, "case", "cases")
    );
    for index in group.cases.iter().take(MAX_CASES_SHOWN) {
        failing_case(out, run, &run.cases[*index]);
    }
    if count > MAX_CASES_SHOWN {
        let _ = writeln!(
            out,
            "<p class=\"more\">… and {} more (see the JSON report for all of them)</p>",
            count - MAX_CASES_SHOWN
        );
    }
    let _ = writeln!(out, "</details>\n</section>");
}

fn failing_case(out: &mut String, run: &RunResult, case: &CaseResult) {
    let _ = writeln!(
        out,
        "<div class=\"case\">\n<p class=\"case-id\"><code>{}</code></p>\n<p class=\"reason\">{}</p>",
        escape(&case.id),
        escape(&case.reason)
    );
    if let Some(exchange) = case.culprit.and_then(|index| case.exchanges.get(index)) {
        let answer = match (&exchange.response, &exchange.error) {
            (Some(response), _) => {
                let mut body: String = response.body.chars().take(MAX_BODY_CHARS).collect();
                if response.body_truncated || response.body.chars().count() > MAX_BODY_CHARS {
                    body.push('…');
                }
                format!(
                    "<span class=\"status\">{}</span> {}",
                    response.status,
                    escape(&body)
                )
            }
            (None, Some(error)) => format!("no answer: {}", escape(error)),
            (None, None) => "no answer".to_string(),
        };
        let _ = writeln!(
            out,
            "<p class=\"exchange\"><code>{} {}</code> as <b>{}</b>{} → {answer}</p>\n\
             <pre class=\"repro\"><code>{}</code></pre>",
            escape(&exchange.request.method),
            escape(&exchange.request.url),
            escape(&exchange.actor),
            exchange
                .mutation
                .as_ref()
                .map(|m| format!(", mutation <code>{}</code>", escape(m)))
                .unwrap_or_default(),
            escape(&reproducer(run, case, exchange))
        );
    }
    let _ = writeln!(out, "</div>");
}

/// With a waiver file or a baseline: waived weaknesses, expired and stale waivers, new and unchanged
/// failures.
fn waivers_and_baseline(out: &mut String, run: &RunResult) {
    if !run.gate.is_active() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"gate\">\n<h2>Waivers and baseline</h2>\n<ul>"
    );
    for group in crate::verdict::group::waived(run) {
        if let Some(waiver) = &run.cases[group.representative()].gate.waiver {
            let _ = writeln!(
                out,
                "<li class=\"waived\"><b>waived</b> <code>{}</code> ({}): {} <span class=\"meta\">{}</span></li>",
                escape(&group.weakness.id),
                count_of(group.cases.len(), "case", "cases"),
                escape(&waiver.reason),
                escape(&waiver.describe())
            );
        }
    }
    for waiver in run.expired_waivers() {
        let _ = writeln!(
            out,
            "<li class=\"expired\"><b>expired waiver</b> (fails the gate): {}</li>",
            escape(&waiver.describe())
        );
    }
    for waiver in &run.gate.stale {
        let _ = writeln!(
            out,
            "<li class=\"stale\"><b>stale waiver</b> (matches no failing case): {}</li>",
            escape(&waiver.describe())
        );
    }
    if let Some(baseline) = &run.gate.baseline {
        let (new, unchanged) = run.baseline_counts();
        let _ = writeln!(
            out,
            "<li class=\"baseline\">Baseline <code>{}</code>: {new} new, {unchanged} unchanged, {} fixed since</li>",
            escape(baseline),
            run.gate.absent.len()
        );
    }
    let _ = writeln!(out, "</ul>\n</section>");
}

/// Skipped (grouped by reason) and unjudged cases.
fn others(out: &mut String, run: &RunResult) {
    let skipped: Vec<&CaseResult> = run
        .cases
        .iter()
        .filter(|case| case.verdict == Verdict::Skipped)
        .collect();
    let errors: Vec<&CaseResult> = run
        .cases
        .iter()
        .filter(|case| case.verdict == Verdict::Error)
        .collect();
    let observations = information(run);
    if skipped.is_empty() && errors.is_empty() && observations.is_empty() {
        return;
    }
    let _ = writeln!(out, "<section id=\"others\">");
    errors_list(out, &errors);
    skipped_list(out, &skipped);
    information_list(out, observations);
    let _ = writeln!(out, "</section>");
}

/// The unjudged cases, each with its reason.
fn errors_list(out: &mut String, errors: &[&CaseResult]) {
    if errors.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<details class=\"errors\">\n<summary>{} could not be judged</summary>\n<ul>",
        count_of(errors.len(), "case", "cases")
    );
    for case in errors {
        let _ = writeln!(
            out,
            "<li data-criterion=\"{}\"><code>{}</code>: {}</li>",
            case.category.as_str(),
            escape(&case.id),
            escape(&case.reason)
        );
    }
    let _ = writeln!(out, "</ul>\n</details>");
}

/// The skipped cases, counted per reason and criterion.
fn skipped_list(out: &mut String, skipped: &[&CaseResult]) {
    if skipped.is_empty() {
        return;
    }
    let mut reasons: Vec<(&str, Category, usize)> = Vec::new();
    for case in skipped {
        match reasons
            .iter_mut()
            .find(|(reason, category, _)| *reason == case.reason && *category == case.category)
        {
            Some((_, _, count)) => *count += 1,
            None => reasons.push((&case.reason, case.category, 1)),
        }
    }
    let _ = writeln!(
        out,
        "<details class=\"skipped\">\n<summary>{} skipped</summary>\n<ul>",
        count_of(skipped.len(), "case", "cases")
    );
    for (reason, category, count) in reasons {
        let _ = writeln!(
            out,
            "<li data-criterion=\"{}\">{count} × {}</li>",
            category.as_str(),
            escape(reason)
        );
    }
    let _ = writeln!(out, "</ul>\n</details>");
}

/// The answers to mutations the spec does not rule on.
fn information_list(out: &mut String, observations: Vec<(String, Vec<(u16, usize)>)>) {
    if observations.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<details class=\"information\">\n<summary>Information: answers the spec does not rule on \
         (never a failure)</summary>\n<ul>"
    );
    for (mutation, answers) in observations {
        let answers: Vec<String> = answers
            .iter()
            .map(|(status, count)| format!("{status} × {count}"))
            .collect();
        let _ = writeln!(
            out,
            "<li data-criterion=\"enforcement\"><code>{}</code>: answered {}</li>",
            escape(&mutation),
            answers.join(", ")
        );
    }
    let _ = writeln!(out, "</ul>\n</details>");
}

fn plural<'a>(count: usize, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 { one } else { many }
}

fn count_of(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", plural(count, one, many))
}

/// Escaped text whose balanced `backtick` spans become `<code>` (the explanations use them).
fn rich(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return escape(text);
    }
    parts
        .iter()
        .enumerate()
        .map(|(index, part)| {
            if index % 2 == 1 {
                format!("<code>{}</code>", escape(part))
            } else {
                escape(part)
            }
        })
        .collect()
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { --fail: #c62828; --pass: #2e7d32; --none: #9e9e9e; --ink: #1f2328; --muted: #59636e;
  --line: #d1d9e0; --soft: #f6f8fa; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.45; }
header.gate { padding: 20px 32px; color: #fff; }
header.gate.fail { background: var(--fail); }
header.gate.pass { background: var(--pass); }
header h1 { margin: 0 0 4px; font-size: 15px; font-weight: 600; letter-spacing: .04em; text-transform: uppercase; opacity: .85; }
header .verdict { margin: 0; font-size: 26px; font-weight: 700; }
header .meta { margin: 6px 0 0; opacity: .92; }
header code { background: rgba(255,255,255,.18); color: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 8px 32px 32px; }
h2 { font-size: 20px; margin: 28px 0 12px; border-bottom: 1px solid var(--line); padding-bottom: 6px; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
code { background: var(--soft); padding: 1px 5px; border-radius: 4px; overflow-wrap: anywhere; }
.bars { display: grid; gap: 10px; }
.criterion { display: grid; grid-template-columns: 130px 1fr 250px; grid-template-rows: auto auto;
  align-items: center; column-gap: 14px; }
.criterion .name { font-weight: 600; }
.criterion .bar { height: 16px; border-radius: 8px; background: #f3d6d6; overflow: hidden; }
.criterion.pass .bar { background: #d7ecd8; }
.criterion.none .bar { background: #eee; }
.criterion .fill { height: 100%; background: var(--pass); }
.criterion.fail .label { color: var(--fail); font-weight: 600; }
.criterion .label { font-size: 14px; font-variant-numeric: tabular-nums; white-space: nowrap; }
.criterion .extra { grid-column: 2 / 4; font-size: 12px; color: var(--muted); }
.criterion.dim { opacity: .35; }
nav.filters { display: flex; flex-wrap: wrap; gap: 8px; margin: 24px 0 0; }
button.filter { font: inherit; font-size: 13px; padding: 5px 12px; border: 1px solid var(--line); border-radius: 16px;
  background: #fff; color: var(--ink); cursor: pointer; }
button.filter .count { display: inline-block; min-width: 18px; padding: 0 5px; border-radius: 9px; background: var(--soft);
  font-size: 12px; text-align: center; }
button.filter[aria-pressed="true"] { background: var(--ink); color: #fff; border-color: var(--ink); }
button.filter[aria-pressed="true"] .count { background: rgba(255,255,255,.2); }
section.weakness { border: 1px solid var(--line); border-left: 5px solid var(--fail); border-radius: 6px;
  padding: 12px 18px; margin: 14px 0; }
section.weakness h3 { margin: 0; font-size: 17px; display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.wid { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.wname { margin: 4px 0 8px; font-weight: 600; color: var(--muted); }
.badge { font-size: 11.5px; font-weight: 600; padding: 2px 8px; border-radius: 10px; background: var(--soft);
  border: 1px solid var(--line); color: var(--muted); }
.badge.severity.high { background: #fde7e7; border-color: #f4b4b4; color: var(--fail); }
.badge.severity.medium { background: #fff4e0; border-color: #f3d19e; color: #8a5300; }
.fix { background: #f1f8f1; border-radius: 4px; padding: 6px 10px; }
.scenario { color: var(--muted); font-size: 13.5px; }
details > summary { cursor: pointer; font-weight: 600; margin: 6px 0; }
.case { border-top: 1px dashed var(--line); padding: 8px 0 2px; }
.case p { margin: 2px 0; }
.case .reason { color: var(--fail); }
.case .exchange { font-size: 13px; color: var(--muted); overflow-wrap: anywhere; }
.status { font-weight: 700; color: var(--ink); }
pre.repro { background: #1f2328; color: #e6edf3; padding: 10px 12px; border-radius: 6px; white-space: pre-wrap;
  overflow-wrap: anywhere; margin: 6px 0 8px; }
pre.repro code { background: none; color: inherit; padding: 0; }
#others ul { margin: 4px 0 12px; }
.empty { color: var(--pass); font-weight: 600; }
.more { color: var(--muted); }
.hidden { display: none !important; }
footer { text-align: center; color: var(--muted); font-size: 12px; padding: 16px; }
"#;

const SCRIPT: &str = r##"
(function () {
  var buttons = document.querySelectorAll("button.filter");
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      var wanted = button.getAttribute("data-filter");
      buttons.forEach(function (other) {
        other.setAttribute("aria-pressed", other === button ? "true" : "false");
      });
      document.querySelectorAll("[data-criterion]").forEach(function (element) {
        var mine = element.getAttribute("data-criterion");
        var off = wanted !== "all" && mine !== wanted;
        element.classList.toggle(element.classList.contains("criterion") ? "dim" : "hidden", off);
      });
      var shown = document.querySelectorAll("section.weakness:not(.hidden)").length;
      document.querySelectorAll(".filter-empty").forEach(function (note) {
        note.classList.toggle("hidden", shown > 0);
      });
      document.querySelectorAll("#others details").forEach(function (block) {
        block.classList.toggle("hidden", !block.querySelector("li:not(.hidden)"));
      });
    });
  });
})();
"##;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backtick_spans_become_code_and_stay_escaped() {
        assert_eq!(rich("use `a<b` now"), "use <code>a&lt;b</code> now");
        assert_eq!(rich("odd ` <"), "odd ` &lt;");
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
