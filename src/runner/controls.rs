//! Positive controls: before any attack is judged, a valid token is sent to each operation that lists
//! the acting user's data. When the target refuses it, a refusal of an attack proves nothing, so the
//! cases on that operation (on every operation, when no control passes) are not judged, and the
//! summary says why, with the claims the token carried and the profile keys that change them.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Method;

use super::tokens::TokenFactory;
use crate::api::Api;
use crate::outcome::{CaseResult, Control, Verdict};
use crate::profile::Profile;
use crate::template;
use crate::verdict::form::Form;
use crate::wire::placement::place;
use crate::wire::{HttpClient, RequestSpec};

/// Most controls sent: the list operations of an API are few.
const MAX_CONTROLS: usize = 8;

/// The principal controls act as: `alice` when the profile has one, else the first by name.
fn control_principal(profile: &Profile) -> Option<&str> {
    if profile.principals.contains_key("alice") {
        return Some("alice");
    }
    profile.principals.keys().next().map(String::as_str)
}

/// Sends a valid token to each list operation of the profile's API and records how it was answered.
pub async fn run(
    client: &HttpClient,
    base_url: &str,
    profile: &Profile,
    tokens: &TokenFactory,
) -> Vec<Control> {
    let Ok(api) = Api::from_selection(&profile.api) else {
        return Vec::new();
    };
    let Some(actor) = control_principal(profile) else {
        return Vec::new();
    };
    let mut controls = Vec::new();
    let users = super::users::CaseUsers::shared(profile);
    // A `GET` needs no body; a list that is a `POST` (an MCP tool) has its control in the suite
    // (`api-valid-token-accepted`, see [`refused_in_run`]).
    for operation in api
        .operations
        .iter()
        .filter(|op| op.is_list() && op.method == "GET")
        .take(MAX_CONTROLS)
    {
        let control = |status, problem: String| Control {
            operation: operation.name.clone(),
            principal: actor.to_string(),
            status,
            problem,
        };
        let user_id = profile.principals[actor].sub.clone();
        let lookup = |name: &str| (name == "user_id").then(|| user_id.clone());
        let located = api.located(operation, &operation.path, &profile.services);
        let Ok(path) = template::render(&located, &lookup) else {
            continue;
        };
        let made = match tokens.make(&crate::scenario::plan::TokenPlan::Valid, &users, actor, "") {
            Ok(made) => made,
            Err(err) => {
                controls.push(control(None, format!("cannot mint the token: {err}")));
                continue;
            }
        };
        let mut spec = RequestSpec::new(Method::GET, super::execute::join(base_url, &path));
        for (name, value) in &profile.extra_headers {
            spec = spec.header(name.clone(), value.clone());
        }
        for (name, value) in &operation.headers {
            let Ok(value) = template::render(value, &lookup) else {
                continue;
            };
            spec = spec.header(name.clone(), value);
        }
        let spec = place(spec, &made.attack, &profile.presentation);
        let token = made.attack.token.as_deref().unwrap_or_default();
        controls.push(match client.send(&spec).await {
            Ok(answer) if (200..300).contains(&answer.status) => {
                control(Some(answer.status), String::new())
            }
            Ok(answer) => control(
                Some(answer.status),
                diagnosis(
                    answer.status,
                    &answer.body_text(),
                    answer.header("www-authenticate"),
                    token,
                ),
            ),
            Err(err) => control(None, format!("the request failed: {err}")),
        });
    }
    controls
}

/// Why a valid token may have been refused: what the target said, what the token carried, and the
/// profile keys that shape it.
fn diagnosis(status: u16, body: &str, challenge: Option<&str>, token: &str) -> String {
    let body: String = body.chars().take(200).collect();
    let mut text = format!("a valid token was answered {status}");
    if let Some(challenge) = challenge {
        text.push_str(&format!(" (WWW-Authenticate: {challenge})"));
    }
    if !body.trim().is_empty() {
        text.push_str(&format!(", body {:?}", body.trim()));
    }
    if let Some(claims) = token_claims(token) {
        text.push_str(&format!(". The token carried {claims}"));
    }
    text.push_str(
        ". Check the profile's issuer (alg, key, kid, iss, aud, user_claim) and principals (sub, claims) against what the target verifies",
    );
    text
}

/// The claims of a compact JWS, as one line of JSON.
fn token_claims(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    Some(claims.to_string())
}

/// The operations whose control failed (every operation when none passed), with `also`: operations
/// whose own positive-control case failed during the run (see [`refused_in_run`]).
pub fn refused(controls: &[Control], also: BTreeSet<String>) -> Option<Refused> {
    if controls.iter().all(Control::passed) && also.is_empty() {
        return None;
    }
    let everywhere = !controls.is_empty() && !controls.iter().any(Control::passed);
    let mut operations = also;
    operations.extend(
        controls
            .iter()
            .filter(|control| !control.passed())
            .map(|control| control.operation.clone()),
    );
    Some(Refused {
        operations,
        everywhere,
    })
}

/// Operations on which the suite's own positive control (a case whose weakness is
/// `valid-token-refused`: a plain valid token on that operation) failed: the per-operation controls
/// of the operations that need objects, which the list controls cannot reach.
pub fn refused_in_run(
    cases: &[CaseResult],
    bindings: &[Vec<(String, String)>],
) -> BTreeSet<String> {
    cases
        .iter()
        .zip(bindings)
        .filter(|(case, _)| shows_refusal(case))
        .filter_map(|(_, bindings)| {
            bindings
                .iter()
                .find(|(name, _)| name == "operation")
                .map(|(_, value)| value.clone())
        })
        .collect()
}

/// Whether the case is a positive control of the suite that failed: a valid token refused on its
/// operation.
pub fn shows_refusal(case: &CaseResult) -> bool {
    case.verdict == Verdict::Fail
        && case.weakness.id == VALID_TOKEN_REFUSED
        && answered_outside_2xx(case)
}

/// The weakness of the suite's positive controls.
pub const VALID_TOKEN_REFUSED: &str = "valid-token-refused";

/// Whether the exchange that failed the case was answered, and not with a 2xx: a valid token refused.
/// A 2xx that failed for another reason (another user's data in the answer) refused nothing.
fn answered_outside_2xx(case: &CaseResult) -> bool {
    case.culprit
        .and_then(|index| case.exchanges.get(index))
        .and_then(|exchange| exchange.response.as_ref())
        .is_some_and(|response| !(200..300).contains(&response.status))
}

/// Where valid tokens were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// Operation names whose control failed.
    pub operations: BTreeSet<String>,
    /// No control passed: the target refuses valid tokens everywhere.
    pub everywhere: bool,
}

impl Refused {
    /// Marks the cases that the failed controls make meaningless as not judged: those that saw a
    /// refusal (a pass, a refusal in another form, a valid token refused). An acceptance stays a
    /// failure: an attack accepted is real whatever else is refused.
    pub fn withdraw(&self, cases: &mut [CaseResult], bindings: &[Vec<(String, String)>]) {
        for (case, bindings) in cases.iter_mut().zip(bindings) {
            self.withdraw_one(case, bindings);
        }
    }

    /// [`Refused::withdraw`] for one case.
    pub fn withdraw_one(&self, case: &mut CaseResult, bindings: &[(String, String)]) {
        let refusal = case.verdict == Verdict::Pass
            || (matches!(case.verdict, Verdict::Fail | Verdict::Note)
                && (Form::ALL
                    .iter()
                    .any(|form| form.weakness().id == case.weakness.id)
                    || (valid_token_refused(case) && !about_valid_tokens(case))));
        if !refusal {
            return;
        }
        let on_refused = bindings
            .iter()
            .any(|(name, value)| name == "operation" && self.operations.contains(value.as_str()));
        if self.everywhere || on_refused {
            case.verdict = Verdict::Error;
            case.reason =
                "not judged: the target refuses a valid token on this operation (positive control)"
                    .into();
        }
    }
}

/// Whether the case is itself a positive control (its weakness is a valid token refused): its failure
/// is the finding, not a consequence of it.
fn about_valid_tokens(case: &CaseResult) -> bool {
    matches!(
        case.weakness.id.as_str(),
        "valid-token-refused" | "token-variant-refused"
    )
}

/// Whether what broke the case is a valid token (unmutated, or a variant the spec accepts) answered
/// 401 or 403: the controls'
/// finding again, not the case's.
fn valid_token_refused(case: &CaseResult) -> bool {
    case.culprit
        .and_then(|index| case.exchanges.get(index))
        .is_some_and(|exchange| {
            let valid = match &exchange.mutation {
                None => true,
                Some(id) => crate::token::mutation::find(id)
                    .is_ok_and(|m| m.expected == crate::token::mutation::Expected::Accept),
            };
            valid
                && exchange.token.is_some()
                && exchange
                    .response
                    .as_ref()
                    .is_some_and(|response| matches!(response.status, 401 | 403))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn control(operation: &str, problem: &str) -> Control {
        Control {
            operation: operation.into(),
            principal: "alice".into(),
            status: Some(401),
            problem: problem.into(),
        }
    }

    #[test]
    fn refused_names_the_failed_operations() {
        let none = BTreeSet::new;
        assert_eq!(refused(&[control("tasks.list", "")], none()), None);
        let some = refused(&[control("a", ""), control("b", "401")], none()).unwrap();
        assert!(!some.everywhere);
        assert!(some.operations.contains("b"));
        assert!(refused(&[control("a", "401")], none()).unwrap().everywhere);
        let in_run = refused(&[control("a", "")], BTreeSet::from(["c".to_string()])).unwrap();
        assert!(!in_run.everywhere);
        assert!(in_run.operations.contains("c"));
    }

    #[test]
    fn the_diagnosis_shows_the_claims() {
        let token = format!(
            "e30.{}.sig",
            URL_SAFE_NO_PAD.encode(br#"{"sub":"alice","aud":"x"}"#)
        );
        let text = diagnosis(
            401,
            "{\"detail\":\"Invalid audience\"}",
            Some("Bearer"),
            &token,
        );
        assert!(text.contains("Invalid audience"), "{text}");
        assert!(text.contains(r#""aud":"x""#), "{text}");
        assert!(text.contains("issuer"), "{text}");
    }
}
