//! Waiver files (`--waivers FILE`): known, accepted weaknesses, each with a reason, an owner and an
//! expiry date. A failing case whose weakness (and operation or scenario, when the waiver names one)
//! matches a live waiver stays in every report, marked waived, and does not fail the gate; an expired
//! waiver waives nothing and fails the gate by name; one that matches no failing case is stale.
//! Matching is [`Waiver::matches`]; applying the file to a run is `verdict::gate`.
//!
//! ```yaml
//! waivers:
//!   - weakness: task-read-idor          # a registry id (or a custom scenario's)
//!     operation: tasks.get              # optional: cases whose matrix names this operation
//!     scenario: task-bola               # optional: cases of this scenario
//!     reason: "legacy endpoint, fix tracked in JIRA-123"
//!     owner: team-tasks@example.com
//!     expires: 2027-03-31               # the last day it holds
//! ```

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;
use time::{Date, Month};

use crate::outcome::WaiverMark;
use crate::yaml::{self, YamlError};

/// A waiver file, as read from YAML. Unknown keys are errors.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "authconform waivers",
    description = "Known weaknesses accepted until a date (`authconform run --waivers FILE`): a mapping with one key, `waivers`, holding a list."
)]
pub struct WaiverFile {
    /// The known weaknesses accepted for now.
    pub waivers: Vec<WaiverEntry>,
}

/// One waiver, as written.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaiverEntry {
    /// The weakness id it waives (see `authconform list weaknesses` or a report), e.g.
    /// `task-read-idor`.
    pub weakness: String,
    /// Only cases whose matrix names this operation (`[operation=tasks.get]` in the case id).
    #[serde(default)]
    pub operation: Option<String>,
    /// Only cases of this scenario (its id).
    #[serde(default)]
    pub scenario: Option<String>,
    /// Why the weakness is accepted (shown in every report, and as the SARIF suppression's
    /// justification).
    pub reason: String,
    /// Who answers for it (a person or a team address).
    pub owner: String,
    /// The last day the waiver holds, `YYYY-MM-DD` (UTC); from the day after, it fails the gate.
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub expires: String,
}

/// A checked waiver, ready to match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// The weakness id.
    pub weakness: String,
    /// The operation it is narrowed to.
    pub operation: Option<String>,
    /// The scenario it is narrowed to.
    pub scenario: Option<String>,
    /// Why.
    pub reason: String,
    /// Who.
    pub owner: String,
    /// Its last valid day.
    pub expires: Date,
}

/// The waivers of one file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Waivers {
    /// The file they came from (shown in reports).
    pub file: PathBuf,
    /// In file order.
    pub waivers: Vec<Waiver>,
}

/// The names a waiver may use, to catch typos: `None` leaves that field unchecked.
#[derive(Debug, Clone, Default)]
pub struct KnownNames {
    /// Weakness ids besides the registry's (the loaded scenarios' own).
    pub weaknesses: Vec<String>,
    /// Scenario ids.
    pub scenarios: Option<Vec<String>>,
    /// Operation names.
    pub operations: Option<Vec<String>>,
}

impl Waiver {
    /// Whether this waiver is about `weakness` failing in case `case_id` of scenario `scenario`.
    pub fn matches(&self, weakness: &str, case_id: &str, scenario: &str) -> bool {
        self.weakness == weakness
            && self
                .scenario
                .as_deref()
                .is_none_or(|wanted| wanted == scenario)
            && self
                .operation
                .as_deref()
                .is_none_or(|wanted| operation_of(case_id) == Some(wanted))
    }

    /// Whether it no longer holds on `today` (it holds through its `expires` day).
    pub fn expired(&self, today: Date) -> bool {
        today > self.expires
    }

    /// The waiver as reports show it, expired or not on `today`.
    pub fn mark(&self, today: Date) -> WaiverMark {
        WaiverMark {
            weakness: self.weakness.clone(),
            operation: self.operation.clone(),
            scenario: self.scenario.clone(),
            reason: self.reason.clone(),
            owner: self.owner.clone(),
            expires: self.expires.to_string(),
            expired: self.expired(today),
        }
    }
}

/// The operation a case's matrix names: `tasks.get` of `isolation-read[operation=tasks.get,...]`.
pub fn operation_of(case_id: &str) -> Option<&str> {
    let (_, bindings) = case_id.strip_suffix(']')?.split_once('[')?;
    bindings
        .split(',')
        .find_map(|binding| binding.strip_prefix("operation="))
}

/// The JSON Schema of a waiver file, pretty-printed, with a final newline (`schemas/waivers.schema.json`).
pub fn waivers_schema() -> String {
    crate::schemas::render::<WaiverFile>()
}

/// Today's date, UTC, from the system clock.
pub fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// A `YYYY-MM-DD` calendar date; `None` for anything else (another form, a day that does not exist).
pub fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    let digits =
        |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some() || !digits(year, 4) || !digits(month, 2) || !digits(day, 2) {
        return None;
    }
    let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
}

impl Waivers {
    /// Reads and checks the waiver file `path`: YAML errors and unknown names are located
    /// (`file:line:column`), unknown names with a did-you-mean.
    pub fn load(path: &Path, known: &KnownNames) -> Result<Waivers, YamlError> {
        let text = yaml::read_limited(path, yaml::MAX_DOCUMENT_BYTES)
            .map_err(|message| YamlError::at(path, None, message))?;
        Waivers::parse(path, &text, known)
    }

    /// [`Waivers::load`] of `text`, which came from `path`.
    pub fn parse(path: &Path, text: &str, known: &KnownNames) -> Result<Waivers, YamlError> {
        let file: WaiverFile = yaml::parse_str(path, text)?;
        let at = |field: String, message: String| {
            YamlError::at(
                path,
                yaml::locate(text, &field),
                format!("{field}: {message}"),
            )
        };
        let mut waivers = Vec::with_capacity(file.waivers.len());
        for (index, entry) in file.waivers.into_iter().enumerate() {
            let field = |name: &str| format!("waivers[{index}].{name}");
            if let Some((name, message)) = unknown_name(&entry, known) {
                return Err(at(field(name), message));
            }
            for (name, value) in [("reason", &entry.reason), ("owner", &entry.owner)] {
                if value.trim().is_empty() {
                    return Err(at(field(name), "must not be empty".into()));
                }
            }
            let expires = parse_date(&entry.expires).ok_or_else(|| {
                at(
                    field("expires"),
                    format!("`{}` is not a date of the form YYYY-MM-DD", entry.expires),
                )
            })?;
            waivers.push(Waiver {
                weakness: entry.weakness,
                operation: entry.operation,
                scenario: entry.scenario,
                reason: entry.reason,
                owner: entry.owner,
                expires,
            });
        }
        Ok(Waivers {
            file: path.to_path_buf(),
            waivers,
        })
    }
}

/// The first name of `entry` that `known` does not hold: the field and what is wrong.
fn unknown_name(entry: &WaiverEntry, known: &KnownNames) -> Option<(&'static str, String)> {
    let registry = crate::weakness::all().iter().map(|w| w.id.to_string());
    let weaknesses: Vec<String> = registry.chain(known.weaknesses.iter().cloned()).collect();
    let checks = [
        ("weakness", Some(&entry.weakness), Some(&weaknesses)),
        (
            "operation",
            entry.operation.as_ref(),
            known.operations.as_ref(),
        ),
        (
            "scenario",
            entry.scenario.as_ref(),
            known.scenarios.as_ref(),
        ),
    ];
    checks.into_iter().find_map(|(field, value, names)| {
        let (value, names) = (value?, names?);
        if names.contains(value) {
            return None;
        }
        let hint = crate::suggest::did_you_mean(value, names)
            .map(|hint| format!("; {hint}"))
            .unwrap_or_default();
        Some((field, format!("unknown {field} `{value}`{hint}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::Position;

    const GOOD: &str = "waivers:\n  - weakness: task-read-idor\n    operation: tasks.get\n    reason: legacy\n    owner: team@example.com\n    expires: 2027-03-31\n";

    fn known() -> KnownNames {
        KnownNames {
            weaknesses: vec!["my-custom-weakness".into()],
            scenarios: Some(vec!["task-bola-read".into()]),
            operations: Some(vec!["tasks.get".into(), "tasks.list".into()]),
        }
    }

    fn parse(text: &str) -> Result<Waivers, YamlError> {
        Waivers::parse(Path::new("w.yaml"), text, &known())
    }

    #[test]
    fn a_waiver_file_loads() {
        let waivers = parse(GOOD).unwrap();
        let waiver = &waivers.waivers[0];
        assert_eq!(waiver.weakness, "task-read-idor");
        assert_eq!(waiver.expires.to_string(), "2027-03-31");
        assert!(parse(&GOOD.replace("task-read-idor", "my-custom-weakness")).is_ok());
    }

    #[test]
    fn dates_are_calendar_days_in_one_form() {
        assert_eq!(parse_date("2024-02-29").unwrap().to_string(), "2024-02-29");
        for bad in [
            "2023-02-29",
            "2027-3-31",
            "2027-13-01",
            "31.03.2027",
            "2027-03-31T00:00",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_waiver_holds_through_its_last_day() {
        let waiver = &parse(GOOD).unwrap().waivers[0];
        assert!(!waiver.expired(parse_date("2027-03-31").unwrap()));
        assert!(waiver.expired(parse_date("2027-04-01").unwrap()));
        assert!(waiver.mark(parse_date("2027-04-01").unwrap()).expired);
    }

    #[test]
    fn matching_is_by_weakness_then_operation_and_scenario() {
        let mut waiver = parse(GOOD).unwrap().waivers.remove(0);
        assert!(waiver.matches("task-read-idor", "s[operation=tasks.get,mutation=x]", "s"));
        assert!(!waiver.matches("task-read-idor", "s[operation=tasks.list]", "s"));
        assert!(!waiver.matches("task-read-idor", "task-bola-read", "task-bola-read"));
        assert!(!waiver.matches("object-read-idor", "s[operation=tasks.get]", "s"));
        waiver.operation = None;
        waiver.scenario = Some("task-bola-read".into());
        assert!(waiver.matches("task-read-idor", "task-bola-read", "task-bola-read"));
        assert!(!waiver.matches("task-read-idor", "s[operation=tasks.get]", "s"));
        waiver.scenario = None;
        assert!(waiver.matches("task-read-idor", "anything", "any"));
    }

    #[test]
    fn the_operation_is_read_from_the_case_ids_matrix() {
        assert_eq!(
            operation_of("a[mutation=m,operation=tasks.get]"),
            Some("tasks.get")
        );
        assert_eq!(operation_of("a[token_form=Bearer a, Bearer b]"), None);
        assert_eq!(operation_of("a"), None);
    }

    #[test]
    fn bad_files_are_located_with_a_did_you_mean() {
        let err = parse(&GOOD.replace("task-read-idor", "task-read-idorr")).unwrap_err();
        assert_eq!(err.position, Some(Position { line: 2, column: 5 }), "{err}");
        assert!(
            err.to_string().contains("did you mean `task-read-idor`?"),
            "{err}"
        );
        let err = parse(&GOOD.replace("tasks.get", "tasks.gte")).unwrap_err();
        assert_eq!(err.position.map(|p| p.line), Some(3), "{err}");
        let err = parse(&GOOD.replace("2027-03-31", "2027-02-30")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("w.yaml:6:5: waivers[0].expires"),
            "{err}"
        );
        let err = parse(&GOOD.replace("owner:", "ownr:")).unwrap_err();
        assert_eq!(err.position.map(|p| p.line), Some(5), "{err}");
        let err = parse(&GOOD.replace("reason: legacy", "reason: ' '")).unwrap_err();
        assert!(err.to_string().contains("must not be empty"), "{err}");
        let err = parse(&GOOD.replace("    expires: 2027-03-31\n", "")).unwrap_err();
        assert!(err.to_string().contains("expires"), "{err}");
    }

    #[test]
    fn waiver_schema_file_is_up_to_date() {
        crate::schemas::assert_committed("waivers.schema.json", &waivers_schema());
    }
}
