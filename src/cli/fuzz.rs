//! `authconform fuzz`: structure-aware token fuzzing of a live target (or of the embedded reference
//! server), with findings shrunk and saved as curl reproducers.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;

use super::run::{load_profile, obtain_tokens};
use super::{CliError, exit};
use crate::embedded;
use crate::fuzzing::net::{self, Finding, FuzzError, FuzzEvent, FuzzOptions, FuzzReport};
use crate::profile::Profile;

/// Longest run when only `--cases` bounds it.
const CASES_ONLY_LIMIT: Duration = Duration::from_secs(3600);

/// Fuzz a target's routes with mutated tokens; report what it wrongly accepts, crashes on, or leaks.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    authconform fuzz                                        (embedded reference server, 60 s)\n  \
    authconform fuzz --reference-flaw alg-none-accepted     (prove the fuzzer finds a flaw)\n  \
    authconform fuzz --target https://staging.example --profile staging.yaml --duration 5m --seed 7\n  \
    authconform fuzz --cases 5000 --findings out/findings\n\n\
    Oracles: a 2xx to credentials that are not one validly signed token with valid claims is an\n\
    enforcement finding; a 5xx, timeout or broken answer a robustness finding; another user's canary\n\
    in an answer (or a 2xx on another user's path) an isolation finding.\n\
    Exit codes: 0 no finding, 1 findings, 2 usage error, 3 target unreachable.")]
pub struct FuzzArgs {
    /// Base URL of the target (default: the profile's `base_url`; with neither, the bundled reference
    /// server is started in-process).
    #[arg(long, value_name = "URL")]
    target: Option<String>,
    /// Target profile (default: the embedded reference-server profile).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Stop after this long: `60s`, `5m`, `1h`, `500ms` or plain seconds (default 60s). It bounds the
    /// whole command from its start: no case starts after it; shrinking findings and requests in
    /// flight get a tenth of it more (5 s at most), and requests still unanswered then are abandoned.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Stop after this many cases (with --duration, whichever comes first).
    #[arg(long, value_name = "N")]
    cases: Option<u64>,
    /// Seed of the case generator; the same seed draws the same cases (default: from the clock, printed).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Folder findings are saved under, as <kind>-<n>/{token.txt,request.txt,curl.sh,finding.json}.
    #[arg(long, value_name = "DIR", default_value = "authconform-findings")]
    findings: PathBuf,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    jobs: usize,
    /// Also fuzz write operations (create, update, complete, chat); deletions are never fuzzed.
    #[arg(long)]
    writes: bool,
    /// Switch on one flaw of the embedded reference server (only without --target).
    #[arg(long, value_name = "FLAW", value_parser = super::values::flaw())]
    reference_flaw: Option<reference_server::Flaw>,
}

/// Parses `60s`, `5m`, `1h`, `500ms` or plain seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("`{text}`: expected a number with an optional unit (ms, s, m, h)"))?;
    let duration = match unit {
        "" | "s" => Duration::from_secs(value),
        "ms" => Duration::from_millis(value),
        "m" => Duration::from_secs(value.saturating_mul(60)),
        "h" => Duration::from_secs(value.saturating_mul(3600)),
        other => {
            return Err(format!(
                "`{text}`: unknown unit `{other}` (use ms, s, m or h)"
            ));
        }
    };
    if duration.is_zero() {
        return Err("the duration must be positive".into());
    }
    Ok(duration)
}

/// Runs `fuzz`.
pub fn run(args: FuzzArgs) -> Result<u8, CliError> {
    let started = Instant::now();
    check_args(&args)?;
    let profile = load_profile(args.profile.as_deref())?;
    let duration = match (args.duration, args.cases) {
        (Some(duration), _) => duration,
        (None, Some(_)) => CASES_ONLY_LIMIT,
        (None, None) => Duration::from_secs(60),
    };
    let seed = args.seed.unwrap_or_else(clock_seed);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| CliError::Unreachable(format!("cannot start the async runtime: {err}")))?;
    let named = args.target.clone().or_else(|| {
        let from_profile = args.profile.is_some() && args.reference_flaw.is_none();
        from_profile.then(|| profile.base_url.clone()).flatten()
    });
    let profile = Arc::new(obtain_tokens(&runtime, profile, named.as_deref())?);
    let report = runtime.block_on(fuzz(&args, named, profile, (started, duration), seed))?;
    let report = match report {
        Ok(report) => report,
        Err(problem) => {
            println!("positive control failed: {problem}");
            println!("nothing was fuzzed: a refusal proves nothing while valid tokens are refused");
            return Ok(exit::GATE_FAILED);
        }
    };
    print!("{}", summary(&report, console::colors_enabled()));
    Ok(if report.findings.is_empty() {
        exit::OK
    } else {
        exit::GATE_FAILED
    })
}

/// The flags that cannot go together, and the bounds of `--cases` and `--jobs`.
fn check_args(args: &FuzzArgs) -> Result<(), CliError> {
    if args.target.is_some() && args.reference_flaw.is_some() {
        return Err(CliError::usage(
            "--reference-flaw only applies to the embedded reference server (no --target)",
        ));
    }
    if args.cases == Some(0) {
        return Err(CliError::usage("--cases must be at least 1"));
    }
    if args.jobs == 0 || args.jobs > 256 {
        return Err(CliError::usage("--jobs must be between 1 and 256"));
    }
    Ok(())
}

/// Starts the embedded reference server when no target is named, checks that the target takes a
/// valid token (`Ok(Err(problem))` when it refuses one), fuzzes it with progress, and stops the
/// server.
async fn fuzz(
    args: &FuzzArgs,
    named: Option<String>,
    profile: Arc<Profile>,
    (started, duration): (Instant, Duration),
    seed: u64,
) -> Result<Result<FuzzReport, String>, CliError> {
    let (embedded, base_url) = match named {
        Some(target) => (None, target),
        None => {
            let server =
                embedded::start_reference_server(args.reference_flaw.map(|flaw| flaw.id()))
                    .await
                    .map_err(CliError::usage)?;
            let base_url = server.base_url();
            (Some(server), base_url)
        }
    };
    if let Some(problem) = refused_control(&base_url, &profile).await? {
        if let Some(server) = embedded {
            server.shutdown().await;
        }
        return Ok(Err(problem));
    }
    let mut options = FuzzOptions::new(base_url, profile);
    // The bound counts from the command's start: start-up and the control are inside it.
    options.duration = duration.saturating_sub(started.elapsed());
    options.max_cases = args.cases;
    options.seed = seed;
    options.jobs = args.jobs;
    options.writes = args.writes;
    options.findings_dir = Some(args.findings.clone());
    eprintln!(
        "authconform fuzz: {} with seed {seed}, {}",
        options.base_url,
        match args.cases {
            Some(n) if args.duration.is_none() => format!("{n} cases"),
            Some(n) => format!("{n} cases or {}", seconds(duration)),
            None => seconds(duration),
        }
    );
    let mut printer = Printer::new();
    let outcome = net::run(&options, &mut |event| printer.event(event)).await;
    printer.finish();
    if let Some(server) = embedded {
        server.shutdown().await;
    }
    outcome.map(Ok).map_err(|err| match err {
        FuzzError::Config(message) => CliError::Usage(message),
        FuzzError::Unreachable(message) => CliError::Unreachable(message),
    })
}

/// The positive control of `run`: a valid token on each list operation. `Some(problem)` when the
/// target refuses it; a target that does not answer at all is unreachable.
async fn refused_control(
    base_url: &str,
    profile: &Arc<Profile>,
) -> Result<Option<String>, CliError> {
    let client = crate::wire::HttpClient::new(profile.target_settings.clone())
        .map_err(|err| CliError::Unreachable(err.to_string()))?;
    let attacker = crate::token::keys::KeySet::generate("attacker")
        .map_err(|err| CliError::Unreachable(format!("cannot generate attacker keys: {err}")))?;
    let tokens = crate::runner::tokens::TokenFactory {
        profile: Arc::clone(profile),
        attacker: Arc::new(attacker),
        clock: Arc::new(crate::token::mint::SystemClock),
    };
    let controls = crate::runner::controls::run(&client, base_url, profile, &tokens).await;
    if !controls.is_empty() && controls.iter().all(|c| c.status.is_none()) {
        return Err(CliError::Unreachable(format!(
            "target {base_url} is unreachable: {}",
            controls[0].problem
        )));
    }
    Ok(controls
        .iter()
        .find(|control| !control.passed())
        .map(|control| {
            format!(
                "{} ({}): {}",
                control.operation, control.principal, control.problem
            )
        }))
}

/// A duration in words: `60 s`, `0.5 s`.
fn seconds(duration: Duration) -> String {
    format!("{} s", duration.as_secs_f64())
}

fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Progress on stderr: one rewritten line on a terminal, a plain line every 5 s otherwise.
struct Printer {
    terminal: bool,
    last_plain: Option<Instant>,
    line_open: bool,
}

impl Printer {
    fn new() -> Self {
        Printer {
            terminal: std::io::stderr().is_terminal() && std::env::var_os("CI").is_none(),
            last_plain: None,
            line_open: false,
        }
    }

    fn event(&mut self, event: &FuzzEvent<'_>) {
        let mut err = std::io::stderr().lock();
        match event {
            FuzzEvent::Started {
                routes,
                principals,
                catalog,
                notes,
            } => {
                for note in *notes {
                    let _ = writeln!(err, "note: {note}");
                }
                let _ = writeln!(
                    err,
                    "fuzzing {routes} routes as {principals} principals, {catalog} catalog attacks as seeds"
                );
            }
            FuzzEvent::Progress(p) => {
                let line = format!(
                    "{:>6.1}s {:>8} cases {:>8} requests {:>7.0} req/s {:>3} finding(s)",
                    p.elapsed.as_secs_f64(),
                    p.cases,
                    p.requests,
                    p.requests_per_second(),
                    p.findings
                );
                if self.terminal {
                    let _ = write!(err, "\r{line}");
                    self.line_open = true;
                } else if self
                    .last_plain
                    .is_none_or(|t| t.elapsed() >= Duration::from_secs(5))
                {
                    self.last_plain = Some(Instant::now());
                    let _ = writeln!(err, "{line}");
                }
            }
            FuzzEvent::Finding(finding) => {
                if self.line_open {
                    let _ = writeln!(err);
                    self.line_open = false;
                }
                let _ = writeln!(
                    err,
                    "finding: {} ({}) on {}: {}{}",
                    finding.kind,
                    status_text(finding),
                    finding.operation,
                    finding.reason,
                    finding
                        .saved_to
                        .as_ref()
                        .map(|p| format!(" [saved to {}]", p.display()))
                        .unwrap_or_default()
                );
            }
        }
        let _ = err.flush();
    }

    fn finish(&mut self) {
        if self.line_open {
            eprintln!();
            self.line_open = false;
        }
    }
}

fn status_text(finding: &Finding) -> String {
    finding
        .status
        .map_or("no answer".to_string(), |s| s.to_string())
}

/// The end-of-run report: totals, then each finding with its minimal token and reproducer.
pub fn summary(report: &FuzzReport, colors: bool) -> String {
    use std::fmt::Write as _;
    let red = console::Style::new().red().bold();
    let green = console::Style::new().green().bold();
    let paint = |style: &console::Style, text: &str| {
        if colors {
            style.apply_to(text).to_string()
        } else {
            text.to_string()
        }
    };
    let p = &report.progress;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "authconform fuzz: {} cases, {} requests in {:.1} s ({:.0} req/s) against {} (seed {})",
        p.cases,
        p.requests,
        p.elapsed.as_secs_f64(),
        p.requests_per_second(),
        report.target,
        report.seed
    );
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let _ = writeln!(out);
    if report.findings.is_empty() {
        let _ = writeln!(out, "{}", paint(&green, "no findings"));
        return out;
    }
    let _ = writeln!(
        out,
        "{}",
        paint(&red, &format!("{} finding(s):", report.findings.len()))
    );
    for f in &report.findings {
        let _ = writeln!(
            out,
            "  {} {} ({}): {}",
            paint(&red, "FAIL"),
            f.kind,
            status_text(f),
            f.reason
        );
        let mut origin = f.origin.clone();
        if !f.steps.is_empty() {
            origin.push_str(" + ");
            origin.push_str(&f.steps.join(", "));
        }
        let _ = writeln!(
            out,
            "      operation {}, seen {} time(s), first at case {} ({origin})",
            f.operation, f.occurrences, f.case_index
        );
        let size = |t: &Option<String>| t.as_ref().map_or(0, String::len);
        let _ = writeln!(
            out,
            "      minimal token ({} bytes, from {} in {} step(s) / {} request(s)): {}",
            size(&f.token),
            size(&f.original_token),
            f.shrink_steps,
            f.shrink_attempts,
            shorten(f.token.as_deref().unwrap_or("<none>"))
        );
        let _ = writeln!(out, "      reproduce: {}", shorten(&f.curl()));
        if let Some(dir) = &f.saved_to {
            let _ = writeln!(out, "      saved: {}", dir.display());
        }
    }
    out
}

/// At most 400 characters of `text`, with the full length noted when cut.
fn shorten(text: &str) -> String {
    const MAX: usize = 400;
    if text.chars().count() <= MAX {
        return text.to_string();
    }
    let head: String = text.chars().take(MAX).collect();
    format!(
        "{head}... ({} bytes in all, see the saved files)",
        text.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("10d").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("s").is_err());
    }

    #[test]
    fn long_tokens_are_shortened() {
        assert_eq!(shorten("abc"), "abc");
        let long = shorten(&"x".repeat(1000));
        assert!(
            long.starts_with(&"x".repeat(400))
                && long.ends_with("(1000 bytes in all, see the saved files)")
        );
    }
}
