//! What the gate makes of a failing case besides its verdict: a waiver that matched it (a known,
//! accepted weakness with an owner and an expiry date) and its state against a baseline report. The
//! marks are set by `verdict::gate` after each case is judged; reporters and [`super::RunResult`]'s
//! gate read them. With neither a waiver file nor a baseline every mark is empty and nothing changes.

/// The gate's marks on one case.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaseGate {
    /// The waiver that matched this failing case (the first live one, else the first expired one).
    pub waiver: Option<WaiverMark>,
    /// New or unchanged since the baseline, for a failing case when a baseline was given.
    pub baseline: Option<BaselineState>,
}

impl CaseGate {
    /// Whether a live (not expired) waiver covers the case: it stays in every report, marked waived,
    /// and does not fail the gate.
    pub fn waived(&self) -> bool {
        self.waiver.as_ref().is_some_and(|waiver| !waiver.expired)
    }

    /// Whether the case, though failing, does not fail the gate: a live waiver covers it, or it was
    /// already failing in the baseline. A case an expired waiver matched always fails the gate.
    pub fn accepted(&self) -> bool {
        match &self.waiver {
            Some(waiver) => !waiver.expired,
            None => self.baseline == Some(BaselineState::Unchanged),
        }
    }
}

/// A waiver, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaiverMark {
    /// The weakness id it waives.
    pub weakness: String,
    /// The operation it is narrowed to, if any.
    pub operation: Option<String>,
    /// The scenario it is narrowed to, if any.
    pub scenario: Option<String>,
    /// Why the weakness is accepted.
    pub reason: String,
    /// Who answers for it.
    pub owner: String,
    /// Its last valid day, `YYYY-MM-DD`.
    pub expires: String,
    /// Whether that day has passed: an expired waiver waives nothing and fails the gate.
    pub expired: bool,
}

impl WaiverMark {
    /// `tenant-isolation-read on tasks.get (owner team@example.com, expires 2027-03-31)`.
    pub fn describe(&self) -> String {
        let mut scope = String::new();
        if let Some(operation) = &self.operation {
            scope.push_str(&format!(" on {operation}"));
        }
        if let Some(scenario) = &self.scenario {
            scope.push_str(&format!(" in scenario {scenario}"));
        }
        let when = if self.expired { "expired" } else { "expires" };
        format!(
            "{}{scope} (owner {}, {when} {})",
            self.weakness, self.owner, self.expires
        )
    }
}

/// A failing case against the baseline (SARIF's `baselineState` of the same name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaselineState {
    /// Not failing in the baseline: fails the gate.
    New,
    /// Failing in the baseline with the same weakness: does not fail the gate.
    Unchanged,
}

impl BaselineState {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
        }
    }
}

/// The gate's run-wide findings: what the waiver file and the baseline said of the run as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunGate {
    /// The waiver file, when one was given.
    pub waivers: Option<String>,
    /// Waivers that matched no failing case (reported, never failing the gate).
    pub stale: Vec<WaiverMark>,
    /// The baseline report, when one was given.
    pub baseline: Option<String>,
    /// Failures of the baseline (weakness id, case id) whose case ran again and did not fail so.
    pub absent: Vec<(String, String)>,
}

impl RunGate {
    /// Whether a waiver file or a baseline was given.
    pub fn is_active(&self) -> bool {
        self.waivers.is_some() || self.baseline.is_some()
    }

    /// The baseline's failures fixed since ([`RunGate::absent`]), each as the reports list it:
    /// `{ "weakness": id, "case": id }`.
    pub fn absent_findings(&self) -> Vec<AbsentFinding<'_>> {
        self.absent
            .iter()
            .map(|(weakness, case)| AbsentFinding { weakness, case })
            .collect()
    }
}

/// A failure of the baseline that its case, run again, no longer has (the JSON report's `absent`,
/// SARIF's `baselineAbsent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct AbsentFinding<'a> {
    /// The weakness id it failed with.
    pub weakness: &'a str,
    /// The case id.
    pub case: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(expired: bool) -> WaiverMark {
        WaiverMark {
            weakness: "task-read-idor".into(),
            operation: Some("tasks.get".into()),
            scenario: None,
            reason: "legacy".into(),
            owner: "team@example.com".into(),
            expires: "2027-03-31".into(),
            expired,
        }
    }

    #[test]
    fn a_live_waiver_accepts_an_expired_one_never_does() {
        let live = CaseGate {
            waiver: Some(mark(false)),
            baseline: Some(BaselineState::New),
        };
        assert!(live.waived() && live.accepted());
        let expired = CaseGate {
            waiver: Some(mark(true)),
            baseline: Some(BaselineState::Unchanged),
        };
        assert!(!expired.waived() && !expired.accepted());
        let unchanged = CaseGate {
            waiver: None,
            baseline: Some(BaselineState::Unchanged),
        };
        assert!(!unchanged.waived() && unchanged.accepted());
        assert!(!CaseGate::default().accepted());
    }

    #[test]
    fn absent_findings_name_each_fixed_failure_in_order() {
        let gate = RunGate {
            absent: vec![
                ("task-read-idor".into(), "s[operation=tasks.get]".into()),
                ("no-set-cookie".into(), "t".into()),
            ],
            ..RunGate::default()
        };
        let found = gate.absent_findings();
        assert_eq!(
            found,
            [
                AbsentFinding {
                    weakness: "task-read-idor",
                    case: "s[operation=tasks.get]"
                },
                AbsentFinding {
                    weakness: "no-set-cookie",
                    case: "t"
                },
            ]
        );
        assert_eq!(
            serde_json::to_value(found[1]).unwrap(),
            serde_json::json!({ "weakness": "no-set-cookie", "case": "t" })
        );
    }

    #[test]
    fn a_waiver_describes_its_scope_owner_and_expiry() {
        assert_eq!(
            mark(true).describe(),
            "task-read-idor on tasks.get (owner team@example.com, expired 2027-03-31)"
        );
    }
}
