//! The weakness registry: the one place that says what each weakness is: its id, title, CWE, OWASP
//! API Security Top 10 (2023) category, severity, whether it fails the gate or is a note (and why),
//! what it means and how to fix it. Mutations, scenarios, verdicts, selftest and every reporter read
//! it; nothing else defines a weakness.

mod table;

use serde::Serialize;

/// How bad a weakness is (drives SARIF's `security-severity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Forgery, impersonation or another user's data.
    High,
    /// Widens the attack surface or breaks a stated policy.
    Medium,
    /// Interoperability or hygiene.
    Low,
}

impl Severity {
    /// GitHub code scanning's `security-severity` score (0.0 to 10.0).
    pub fn score(self) -> &'static str {
        match self {
            Severity::High => "8.8",
            Severity::Medium => "5.3",
            Severity::Low => "3.1",
        }
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// The OWASP API Security Top 10 (2023) categories authconform's weaknesses fall in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Owasp {
    /// API1:2023 Broken Object Level Authorization.
    Api1,
    /// API2:2023 Broken Authentication.
    Api2,
    /// API3:2023 Broken Object Property Level Authorization.
    Api3,
    /// API4:2023 Unrestricted Resource Consumption.
    Api4,
    /// API7:2023 Server Side Request Forgery.
    Api7,
    /// API8:2023 Security Misconfiguration.
    Api8,
}

impl Owasp {
    /// `API1:2023`, ...
    pub fn code(self) -> &'static str {
        match self {
            Owasp::Api1 => "API1:2023",
            Owasp::Api2 => "API2:2023",
            Owasp::Api3 => "API3:2023",
            Owasp::Api4 => "API4:2023",
            Owasp::Api7 => "API7:2023",
            Owasp::Api8 => "API8:2023",
        }
    }

    /// The category's name.
    pub fn title(self) -> &'static str {
        match self {
            Owasp::Api1 => "Broken Object Level Authorization",
            Owasp::Api2 => "Broken Authentication",
            Owasp::Api3 => "Broken Object Property Level Authorization",
            Owasp::Api4 => "Unrestricted Resource Consumption",
            Owasp::Api7 => "Server Side Request Forgery",
            Owasp::Api8 => "Security Misconfiguration",
        }
    }
}

/// How much a weakness weighs in the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Fails the gate.
    Gate,
    /// Shown and counted; fails the gate only at the strict level.
    Note,
}

impl Level {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Gate => "gate",
            Level::Note => "note",
        }
    }
}

/// One weakness.
#[derive(Debug, PartialEq, Eq)]
pub struct WeaknessDef {
    /// Stable kebab-case id, e.g. `alg-none-accepted`.
    pub id: &'static str,
    /// A short title.
    pub title: &'static str,
    /// CWE number.
    pub cwe: Option<u32>,
    /// OWASP API Security Top 10 category; `None` for an interoperability finding.
    pub owasp: Option<Owasp>,
    /// How bad it is.
    pub severity: Severity,
    /// Why it is a note (gives an attacker nothing, and who shows it); `None`: it fails the gate.
    pub note: Option<&'static str>,
    /// What the target did wrong and why it matters.
    pub summary: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

impl WeaknessDef {
    /// Whether it fails the gate or is a note, at the default level.
    pub fn level(&self) -> Level {
        if self.note.is_some() {
            Level::Note
        } else {
            Level::Gate
        }
    }
}

/// Every registered weakness.
pub fn all() -> &'static [WeaknessDef] {
    table::REGISTRY
}

/// The weakness called `id`, if registered.
pub fn find(id: &str) -> Option<&'static WeaknessDef> {
    table::REGISTRY.iter().find(|known| known.id == id)
}

/// A weakness the code names by id; the tests prove each such id is registered.
pub fn known(id: &'static str) -> &'static WeaknessDef {
    find(id).unwrap_or_else(|| panic!("weakness `{id}` is not in the registry"))
}

/// The level of a weakness id at the default level: an unregistered id (a custom scenario's) gates.
pub fn level_of(id: &str) -> Level {
    find(id).map_or(Level::Gate, WeaknessDef::level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_texts_are_sentences() {
        let mut ids: Vec<&str> = all().iter().map(|w| w.id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), before, "duplicate id in the registry");
        for w in all() {
            assert!(
                w.id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                w.id
            );
            assert!(
                !w.title.ends_with('.'),
                "{}: a title is not a sentence",
                w.id
            );
            assert!(w.summary.ends_with('.') && w.fix.ends_with('.'), "{}", w.id);
        }
    }

    #[test]
    fn attacks_gate_and_library_defaults_are_notes() {
        assert_eq!(level_of("alg-none-accepted"), Level::Gate);
        assert_eq!(level_of("missing-www-authenticate"), Level::Gate);
        assert_eq!(level_of("critical-header-ignored"), Level::Note);
        assert_eq!(level_of("a-custom-scenario-weakness"), Level::Gate);
        assert!(known("future-iat-accepted").note.is_some());
        // A note gives an attacker nothing: it is never of high severity.
        for w in all().iter().filter(|w| w.note.is_some()) {
            assert_ne!(w.severity, Severity::High, "{}", w.id);
        }
    }
}
