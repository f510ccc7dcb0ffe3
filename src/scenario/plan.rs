//! Expanded, checked cases: what the runner executes. This is the interface between loading/expansion
//! (pure) and the runner (I/O). Matrix variables and principal names (`{alice}`) are already
//! substituted here; the run-time placeholders (`{user_id}`, captures, `{canary}`, `{token}`,
//! `{attacker_url}`) remain as `{name}` and are rendered by the runner with [`crate::template`].

use std::path::PathBuf;
use std::sync::Arc;

use regex::{Regex, RegexBuilder};
use reqwest::Method;
use serde_json::Value;

use crate::token::mutation::Mutation;

/// The four criteria of the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// Every request authenticated; bad tokens refused.
    Enforcement,
    /// No user reaches another's data.
    Isolation,
    /// JWT only: no cookies, no sessions, any instance.
    Statelessness,
    /// No 5xx, no hang, no leak whatever the input.
    Robustness,
}

impl Category {
    /// All criteria, in report order.
    pub const ALL: [Category; 4] = [
        Category::Enforcement,
        Category::Isolation,
        Category::Statelessness,
        Category::Robustness,
    ];

    /// Lower-case name, as in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Enforcement => "enforcement",
            Category::Isolation => "isolation",
            Category::Statelessness => "statelessness",
            Category::Robustness => "robustness",
        }
    }
}

/// A loaded scenario's descriptive part (shared by all of its cases).
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioInfo {
    /// Stable id.
    pub id: String,
    /// One-line title.
    pub title: String,
    /// Criterion it counts towards.
    pub category: Category,
    /// Spec requirement ids (FR-nnn).
    pub requirements: Vec<String>,
    /// Free tags for `--filter`.
    pub tags: Vec<String>,
    /// The file it came from.
    pub file: PathBuf,
    /// 1-based line of its `id:` in that file.
    pub line: u64,
    /// Optional note.
    pub note: Option<String>,
}

/// The weakness a failing case reveals.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Weakness {
    /// Stable kebab-case id, e.g. `alg-none-accepted`.
    pub id: String,
    /// CWE number, when one fits.
    pub cwe: Option<u32>,
}

impl Weakness {
    /// A registered weakness, with the registry's CWE.
    pub fn registered(id: &'static str) -> Weakness {
        let known = crate::weakness::known(id);
        Weakness {
            id: known.id.to_string(),
            cwe: known.cwe,
        }
    }
}

/// A section of a case's steps, shared by the cases of a scenario where they are equal.
pub type Steps = std::sync::Arc<[StepPlan]>;

/// One expanded case: one combination of the matrix of one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// `<scenario id>[var=value,...]`.
    pub id: String,
    /// Index into [`Suite::scenarios`].
    pub scenario: usize,
    /// The matrix values of this case, in matrix order.
    pub bindings: Vec<(String, String)>,
    /// What a failure of this case means.
    pub weakness: Weakness,
    /// Requests that plant data first (a step that names no status expects any 2xx, set when loading).
    pub setup: Steps,
    /// The attack requests.
    pub steps: Steps,
    /// Re-reads afterwards that prove the attack had no effect.
    pub verify: Steps,
    /// Why the scenario does not apply to this API (no operation of a group it needs); such a case
    /// has no steps and is reported as skipped with this reason.
    pub not_applicable: Option<String>,
}

/// A loaded suite: scenarios and their expanded cases, in a stable order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Suite {
    /// Scenarios in load order (files sorted by path, scenarios in file order).
    pub scenarios: Vec<ScenarioInfo>,
    /// Cases in scenario order, then matrix order.
    pub cases: Vec<Case>,
    /// Scenarios not loaded for this target, with the reason (written for another API).
    pub set_aside: Vec<SetAside>,
}

/// A scenario the load left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    /// Its id.
    pub id: String,
    /// The API description it is written for.
    pub api: String,
}

/// One request of a case, with its token recipe and expectations.
#[derive(Debug, Clone, PartialEq)]
pub struct StepPlan {
    /// The principal whose token is sent (profile principal name).
    pub actor: String,
    /// The principal whose user id fills `{user_id}` (default: the actor). A mutation may override it
    /// (e.g. a token of bob sent on alice's path).
    pub path_user: String,
    /// The token to send.
    pub token: TokenPlan,
    /// The request (run-time placeholders still in it).
    pub request: RequestTemplate,
    /// Values to capture from the JSON response: (name, JSON pointer).
    pub captures: Vec<(String, String)>,
    /// What the answer must look like.
    pub expect: ExpectPlan,
    /// Where the step goes and what else it does (instance, restart, body padding).
    pub options: StepOptions,
}

/// The most bytes `body_bytes:` may pad a request body to (16 MiB).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The less common parts of a step; the default is a plain request to the run's target.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StepOptions {
    /// The server instance the step talks to.
    pub instance: Instance,
    /// Instead of sending the request, do this to the instance.
    pub action: Option<StepAction>,
    /// Pad the request body with trailing spaces to exactly this many bytes.
    pub body_bytes: Option<usize>,
    /// The case needs the embedded reference server (a second instance or a restart); against another
    /// target it is skipped.
    pub needs_embedded: bool,
}

/// A server instance of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Instance {
    /// The run's target.
    #[default]
    Primary,
    /// A second instance of the embedded reference server (same keys, its own database).
    Second,
}

impl Instance {
    /// Lower-case name, as in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            Instance::Primary => "primary",
            Instance::Second => "second",
        }
    }
}

/// Something a step does to an instance instead of sending a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepAction {
    /// Stop the instance and start it again with the same configuration and database.
    Restart,
}

impl Case {
    /// Whether the case needs the embedded reference server (see [`StepOptions::needs_embedded`]).
    pub fn needs_embedded(&self) -> bool {
        self.all_steps().any(|step| step.options.needs_embedded)
    }

    /// Whether the case restarts an instance or talks to the second one: such cases run one at a time,
    /// after the others.
    pub fn is_exclusive(&self) -> bool {
        self.all_steps()
            .any(|step| step.options.action.is_some() || step.options.instance != Instance::Primary)
    }

    /// Setup, attack and verify steps, in order.
    pub fn all_steps(&self) -> impl Iterator<Item = &StepPlan> {
        self.setup
            .iter()
            .chain(self.steps.iter())
            .chain(self.verify.iter())
    }
}

/// How the token of a step is made.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenPlan {
    /// A fresh valid token of the actor.
    Valid,
    /// No credentials at all.
    None,
    /// Exactly the token (and placement) of the previous request of the case.
    Previous,
    /// A valid token of `from` with edited claims (re-signed with the issuer key), then at most one
    /// catalog mutation applied to it.
    Recipe {
        /// Principal whose token it starts from.
        from: String,
        /// Claims to set (re-signed).
        claims: serde_json::Map<String, Value>,
        /// Claims to remove (re-signed).
        remove_claims: Vec<String>,
        /// The catalog mutation, resolved when loading (reports show its id).
        mutation: Option<&'static Mutation>,
    },
}

/// A request with placeholders left for run time.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestTemplate {
    /// HTTP method, parsed when loading.
    pub method: Method,
    /// Path (and query) relative to the target's base URL, profile prefix already applied.
    pub path: String,
    /// Extra query parameters.
    pub query: Vec<(String, String)>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Body, if any.
    pub body: Option<BodyTemplate>,
}

/// A request body template.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyTemplate {
    /// A JSON body; string values may hold placeholders, and a string that is exactly `"{name}"` is
    /// replaced by the captured JSON value itself (so numbers stay numbers).
    Json(Value),
    /// A text body.
    Text(String),
}

/// Which statuses pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusMatcher {
    /// Any of these codes.
    Codes(Vec<u16>),
    /// Any code of this class: 2 for 2xx, 4 for 4xx.
    Class(u16),
}

impl StatusMatcher {
    /// Whether `status` passes.
    pub fn matches(&self, status: u16) -> bool {
        match self {
            StatusMatcher::Codes(codes) => codes.contains(&status),
            StatusMatcher::Class(class) => status / 100 == *class,
        }
    }
}

/// Expectations on one answer. Every step also fails on a 5xx unless `allow_5xx`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExpectPlan {
    /// Allowed statuses; `None` means any (non-5xx).
    pub status: Option<StatusMatcher>,
    /// (lower-case header name, pattern) pairs: the header must exist and one of its values match.
    pub headers: Vec<(String, HeaderPattern)>,
    /// Lower-case header names that must be absent.
    pub headers_absent: Vec<String>,
    /// (JSON pointer, expected value) pairs; string values may hold placeholders.
    pub json: Vec<(String, Value)>,
    /// Principal names whose canaries, as planted in this case, must not appear anywhere in the
    /// answer (another case's successful attack is never charged to this one).
    pub no_leak: Vec<String>,
    /// The same as `no_leak` (canaries are always those of the case); kept for scenario files that
    /// name it.
    pub no_leak_in_case: Vec<String>,
    /// Strings that must not appear in the body (placeholders allowed, e.g. `{token}`).
    pub body_not_contains: Vec<String>,
    /// Derive status and header expectations from the step's mutation (see the catalog's `Expected`).
    pub from_mutation: bool,
    /// Accept 5xx (no bundled scenario does).
    pub allow_5xx: bool,
}

/// A header expectation's regular expression, compiled when loading and shared by every step that
/// checks it (a clone of a `Regex` would start with an empty search cache). Header patterns are not
/// templates: nothing in them waits for run time.
#[derive(Debug, Clone)]
pub struct HeaderPattern(Arc<Regex>);

impl HeaderPattern {
    /// Compiles `pattern`, with at most 1 MiB of compiled program.
    pub fn new(pattern: &str) -> Result<HeaderPattern, regex::Error> {
        let regex = RegexBuilder::new(pattern).size_limit(1 << 20).build()?;
        Ok(HeaderPattern(Arc::new(regex)))
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Whether `value` matches.
    pub fn is_match(&self, value: &str) -> bool {
        self.0.is_match(value)
    }

    /// Whether both are the one compiled regex.
    #[cfg(test)]
    pub(crate) fn shares(&self, other: &HeaderPattern) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Two patterns are equal when they are written the same.
impl PartialEq for HeaderPattern {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

/// The prefix of an element pointer (a form only the expansion writes; a scenario's pointers start
/// with `/`).
const ELEMENT_PREFIX: &str = "@element:";

/// A pointer to the element of the answer's list whose `id_pointer` equals the capture `capture`: how
/// an object is read back when the API has a list but no single-object read.
pub fn element_pointer(capture: &str, id_pointer: &str) -> String {
    format!("{ELEMENT_PREFIX}{capture}:{id_pointer}")
}

/// The capture and id pointer of an element pointer; `None` for a plain JSON pointer.
pub fn parse_element_pointer(pointer: &str) -> Option<(&str, &str)> {
    pointer.strip_prefix(ELEMENT_PREFIX)?.split_once(':')
}
