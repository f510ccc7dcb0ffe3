//! The reports of a run: `--report FORMAT:PATH` parsed and written, and the GitHub job summary.

use std::path::{Path, PathBuf};

use super::CliError;
use crate::outcome::RunResult;
use crate::report;

/// `FORMAT:PATH` of `--report`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ReportSpec {
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
    pub(super) fn parse(spec: &str) -> Result<ReportSpec, CliError> {
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
                return Err(CliError::usage(format!(
                    "--report: unknown format {other:?} (known: json, junit, sarif, markdown, html)"
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

    pub(super) fn write(&self, result: &RunResult) -> Result<(), CliError> {
        let cannot = |err: std::io::Error| {
            CliError::usage(format!(
                "cannot write report {}: {err}",
                self.path.display()
            ))
        };
        let text = match self.format {
            // JSON goes straight to the file: the report holds every exchange, so no second copy as
            // one string.
            ReportFormat::Json => {
                return write_with(&self.path, |out| report::json::write(result, out))
                    .map_err(cannot);
            }
            ReportFormat::Sarif => {
                return write_json(&self.path, &report::sarif::report(result)).map_err(cannot);
            }
            ReportFormat::Junit => report::junit::report(result)
                .map_err(|err| CliError::usage(format!("junit report: {err}")))?,
            ReportFormat::Markdown => report::markdown::report(result),
            ReportFormat::Html => report::html::report(result),
        };
        std::fs::write(&self.path, text).map_err(cannot)
    }
}

/// Writes `value` as pretty JSON and a final newline, streamed through a buffer.
fn write_json(path: &Path, value: &serde_json::Value) -> std::io::Result<()> {
    write_with(path, |out| serde_json::to_writer_pretty(out, value))
}

/// Writes a JSON document to `path` with `write`, buffered, with a final newline.
fn write_with(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> serde_json::Result<()>,
) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    write(&mut out)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// With no `--report`, the Markdown report is appended to the GitHub job summary when
/// `$GITHUB_STEP_SUMMARY` names one; a failure to write it is a warning, not a failed run.
pub(super) fn append_step_summary(result: &RunResult) {
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
