//! The reports of a run: `--report FORMAT:PATH` parsed and written as the run goes (the run's sink),
//! and the GitHub job summary.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::CliError;
use crate::outcome::{CaseResult, RunResult};
use crate::report::{self, AtTheEnd, Reporter};
use crate::runner::Sink;
use crate::scenario::plan::ScenarioInfo;
use crate::verdict::gate::Gate;

/// `FORMAT:PATH` of `--report`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::cli) struct ReportSpec {
    format: ReportFormat,
    path: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReportFormat {
    Json,
    Junit,
    Sarif,
    Markdown,
    Html,
}

impl ReportSpec {
    pub(in crate::cli) fn parse(spec: &str) -> Result<ReportSpec, CliError> {
        let (format, path) = spec.split_once(':').ok_or_else(|| {
            CliError::usage(format!(
                "--report {spec}: expected FORMAT:PATH, e.g. junit:report.xml"
            ))
        })?;
        let format = match format {
            "json" => ReportFormat::Json,
            "junit" => ReportFormat::Junit,
            "sarif" => ReportFormat::Sarif,
            "markdown" | "md" => ReportFormat::Markdown,
            "html" => ReportFormat::Html,
            other => {
                const KNOWN: [&str; 5] = ["json", "junit", "sarif", "markdown", "html"];
                let hint = crate::suggest::did_you_mean(other, KNOWN)
                    .map(|hint| format!("; {hint}"))
                    .unwrap_or_default();
                return Err(CliError::usage(format!(
                    "--report: unknown format `{other}` (known: {}){hint}",
                    KNOWN.join(", ")
                )));
            }
        };
        if path.is_empty() {
            return Err(CliError::usage(format!(
                "--report {spec}: the path is empty"
            )));
        }
        Ok(ReportSpec {
            format,
            path: PathBuf::from(path),
        })
    }

    /// The reporter writing this report to its file, created now.
    fn open(&self) -> Result<Box<dyn Reporter + Send>, CliError> {
        let out = BufWriter::new(File::create(&self.path).map_err(|err| self.cannot(err))?);
        Ok(match self.format {
            ReportFormat::Json => Box::new(JsonFile(Some(report::json::Streaming::new(out)))),
            ReportFormat::Sarif => Box::new(AtTheEnd::new(out, |run| {
                let mut bytes = serde_json::to_vec_pretty(&report::sarif::report(run))?;
                bytes.push(b'\n');
                Ok(bytes)
            })),
            ReportFormat::Junit => Box::new(AtTheEnd::new(out, |run| {
                report::junit::report(run)
                    .map(String::into_bytes)
                    .map_err(|err| std::io::Error::other(format!("junit report: {err}")))
            })),
            ReportFormat::Markdown => Box::new(AtTheEnd::new(out, |run| {
                Ok(report::markdown::report(run).into_bytes())
            })),
            ReportFormat::Html => Box::new(AtTheEnd::new(out, |run| {
                Ok(report::html::report(run).into_bytes())
            })),
        })
    }

    fn cannot(&self, err: std::io::Error) -> CliError {
        CliError::usage(format!(
            "cannot write report {}: {err}",
            self.path.display()
        ))
    }
}

/// The JSON report, written as the run goes, with a final newline.
struct JsonFile(Option<report::json::Streaming<BufWriter<File>>>);

impl Reporter for JsonFile {
    fn case(&mut self, case: &CaseResult, scenario: &ScenarioInfo) -> std::io::Result<()> {
        match &mut self.0 {
            Some(json) => json.case(case, scenario),
            None => Ok(()),
        }
    }

    fn finish(&mut self, summary: &RunResult) -> std::io::Result<()> {
        let Some(mut json) = self.0.take() else {
            return Ok(());
        };
        json.finish(summary)?;
        let mut out = json.into_inner();
        out.write_all(b"\n")?;
        out.flush()
    }
}

/// The sink of `authconform run`: writes every report as the run goes and keeps what the terminal
/// summary, the reports' ends and the gate need of each case once every report has it
/// ([`report::gone_by`]): a passing case as one line, a case that did not pass with its requests whole
/// and an excerpt of each answer.
pub(in crate::cli) struct Reports<'a> {
    specs: &'a [ReportSpec],
    scenarios: &'a [ScenarioInfo],
    /// The reporters, opened with the first case (a run that never starts writes no report).
    open: Option<Vec<Box<dyn Reporter + Send>>>,
    kept: Vec<CaseResult>,
    /// The first report that could not be written, and why.
    failed: Option<CliError>,
    /// The waivers and baseline that mark each case before it is written.
    gate: Option<Gate>,
}

impl<'a> Reports<'a> {
    pub(in crate::cli) fn new(
        specs: &'a [ReportSpec],
        scenarios: &'a [ScenarioInfo],
        gate: Option<Gate>,
    ) -> Self {
        Reports {
            specs,
            scenarios,
            open: None,
            kept: Vec::new(),
            failed: None,
            gate,
        }
    }

    /// Sets the run-wide findings of the waivers and baseline (stale waivers, failures gone since).
    pub(super) fn finish_gate(&self, summary: &mut RunResult) {
        if let Some(gate) = &self.gate {
            gate.finish(summary);
        }
    }

    /// The reporters, opened on first use.
    fn reporters(&mut self) -> Result<&mut Vec<Box<dyn Reporter + Send>>, CliError> {
        if self.open.is_none() {
            let opened = self
                .specs
                .iter()
                .map(ReportSpec::open)
                .collect::<Result<_, _>>()?;
            self.open = Some(opened);
        }
        Ok(self.open.get_or_insert_with(Vec::new))
    }

    /// Writes `case` to every report.
    fn write(&mut self, case: &CaseResult) -> Result<(), CliError> {
        let scenario = &self.scenarios[case.scenario];
        let specs = self.specs;
        for (spec, reporter) in specs.iter().zip(self.reporters()?) {
            reporter
                .case(case, scenario)
                .map_err(|err| spec.cannot(err))?;
        }
        Ok(())
    }

    /// The cases kept, in case order: the run's summary.
    pub(in crate::cli) fn take_cases(&mut self) -> Vec<CaseResult> {
        std::mem::take(&mut self.kept)
    }

    /// Ends every report with `summary` (the run with the cases kept); the first report that could not
    /// be written is the error.
    pub(in crate::cli) fn finish(mut self, summary: &RunResult) -> Result<(), CliError> {
        if let Some(failed) = self.failed.take() {
            return Err(failed);
        }
        let specs = self.specs;
        for (spec, reporter) in specs.iter().zip(self.reporters()?) {
            reporter.finish(summary).map_err(|err| spec.cannot(err))?;
        }
        Ok(())
    }
}

impl Sink for Reports<'_> {
    fn case(&mut self, _index: usize, mut case: CaseResult) {
        if let Some(gate) = &mut self.gate {
            let scenario = &self.scenarios[case.scenario];
            gate.mark(&mut case, scenario);
        }
        if self.failed.is_none()
            && let Err(err) = self.write(&case)
        {
            self.failed = Some(err);
        }
        report::gone_by(&mut case);
        self.kept.push(case);
    }
}

/// With no `--report`, the Markdown report is appended to the GitHub job summary when
/// `$GITHUB_STEP_SUMMARY` names one; a failure to write it is a warning, not a failed run.
pub(in crate::cli) fn append_step_summary(result: &RunResult) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|path| !path.is_empty()) else {
        return;
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| {
            std::io::Write::write_all(&mut file, report::markdown::report(result).as_bytes())
        });
    if let Err(err) = written {
        eprintln!(
            "warning: cannot append to $GITHUB_STEP_SUMMARY ({}): {err}",
            Path::new(&path).display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_specs_parse() {
        assert_eq!(
            ReportSpec::parse("junit:out.xml").unwrap().format,
            ReportFormat::Junit
        );
        assert_eq!(
            ReportSpec::parse("json:a:b.json").unwrap().path,
            PathBuf::from("a:b.json")
        );
        assert!(
            ReportSpec::parse("xml:out.xml")
                .unwrap_err()
                .to_string()
                .contains("unknown format")
        );
        for (spec, format) in [
            ("sarif:a.sarif", ReportFormat::Sarif),
            ("markdown:a.md", ReportFormat::Markdown),
            ("md:a.md", ReportFormat::Markdown),
            ("html:a.html", ReportFormat::Html),
        ] {
            assert_eq!(ReportSpec::parse(spec).unwrap().format, format, "{spec}");
        }
        assert!(ReportSpec::parse("junit").is_err());
        assert!(ReportSpec::parse("junit:").is_err());
    }
}
