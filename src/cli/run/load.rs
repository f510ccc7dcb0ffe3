//! `--rate`, `--max-requests` and `--time-budget`: the load a run may put on its target, and how a
//! run that a budget cut short ends.

use std::num::NonZeroU32;
use std::time::Duration;

use clap::Args;

use crate::outcome::{Halted, LoadLimits};
use crate::wire::MAX_RATE;

/// The most `--max-requests` accepts.
const MAX_REQUESTS: u64 = 1_000_000_000;
/// The longest `--time-budget` accepts.
const LONGEST_BUDGET: Duration = Duration::from_secs(7 * 24 * 3600);

/// The load limits of a run.
#[derive(Debug, Args, Default, Clone)]
pub struct LoadArgs {
    /// At most N requests a second to the target, one every 1/N s, shared by everything the run sends
    /// there (cases, controls, session set-up); 1 to 10000 (default: no limit).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_RATE)))]
    rate: Option<u32>,
    /// Start no case once N requests were sent to the target (cases in flight finish). A run cut
    /// short does not pass the gate: it exits 3, or 1 when a case that ran found a weakness.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_REQUESTS))]
    max_requests: Option<u64>,
    /// Start no case once DURATION has passed since the run started (`90s`, `10m`, `1h 30m`; 1 s to
    /// 7 days). Cut short, the run ends as with --max-requests.
    #[arg(long, value_name = "DURATION", value_parser = parse_time_budget)]
    time_budget: Option<Duration>,
}

impl LoadArgs {
    /// The limits these flags set.
    pub fn limits(&self) -> LoadLimits {
        LoadLimits {
            rate: self.rate.and_then(NonZeroU32::new),
            max_requests: self.max_requests,
            time_budget: self.time_budget,
        }
    }
}

/// A `--time-budget`: a duration in words (`90s`, `10m`, `1h 30m`), from 1 s to 7 days.
fn parse_time_budget(text: &str) -> Result<Duration, String> {
    let budget = humantime::parse_duration(text.trim())
        .map_err(|err| format!("{err}: expected a duration such as 90s, 10m or 1h 30m"))?;
    if budget < Duration::from_secs(1) {
        return Err("must be at least 1s".into());
    }
    if budget > LONGEST_BUDGET {
        return Err("must be at most 7 days".into());
    }
    Ok(budget)
}

/// What a run cut short by a budget says: which budget, and how far the run got; `None` for a run
/// that stopped for another reason.
pub(super) fn budget_message(halted: &Halted) -> Option<String> {
    let budget = halted.cause.budget()?;
    Some(format!(
        "the run stopped early: {budget} ran out.\n\
         {} of {} cases were run; the other {} are reported as not run, neither passed nor failed.\n\
         A run cut short by a budget does not pass the gate (what it covers would depend on the target's speed)",
        halted.cases_run,
        halted.cases_total,
        halted.cases_total - halted.cases_run,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_budget_is_a_duration_in_words() {
        assert_eq!(parse_time_budget("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_time_budget("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_time_budget("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_time_budget(" 2min "), Ok(Duration::from_secs(120)));
        assert_eq!(parse_time_budget("7days"), Ok(LONGEST_BUDGET));
    }

    #[test]
    fn a_time_budget_out_of_range_or_not_a_duration_is_refused() {
        assert_eq!(parse_time_budget("0s"), Err("must be at least 1s".into()));
        assert_eq!(
            parse_time_budget("500ms"),
            Err("must be at least 1s".into())
        );
        assert_eq!(
            parse_time_budget("8days"),
            Err("must be at most 7 days".into())
        );
        for text in ["", "90", "-5s", "ten minutes", "1x"] {
            let err = parse_time_budget(text).expect_err(text);
            assert!(
                err.contains("expected a duration such as 90s"),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn the_flags_make_the_limits() {
        let args = LoadArgs {
            rate: Some(200),
            max_requests: Some(5000),
            time_budget: Some(Duration::from_secs(90)),
        };
        let limits = args.limits();
        assert_eq!(limits.rate.map(NonZeroU32::get), Some(200));
        assert_eq!(limits.max_requests, Some(5000));
        assert_eq!(limits.time_budget, Some(Duration::from_secs(90)));
        assert!(limits.any());
        assert!(!LoadArgs::default().limits().any());
    }
}
