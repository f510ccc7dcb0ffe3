//! Judging one answer against a step's expectations.

use std::sync::LazyLock;

use serde_json::Value;

use super::form::{self, Form};
use crate::outcome::ReceivedResponse;
use crate::profile::model::PolicyFile;
use crate::scenario::plan::{ExpectPlan, HeaderPattern, StatusMatcher};
use crate::token::mutation::{Expected, Mutation};

/// The challenge of an invalid-token refusal (RFC 6750 §3.1); extra parameters such as `realm` or
/// `error_description` are allowed.
pub const INVALID_TOKEN_CHALLENGE: &str = r#"(?i)^\s*Bearer\b.*\berror\s*=\s*"?invalid_token"?"#;
/// Any Bearer challenge.
pub const BEARER_CHALLENGE: &str = r"(?i)^\s*Bearer\b";

/// [`INVALID_TOKEN_CHALLENGE`] and [`BEARER_CHALLENGE`], compiled once.
static CHALLENGES: LazyLock<[HeaderPattern; 2]> = LazyLock::new(|| {
    [INVALID_TOKEN_CHALLENGE, BEARER_CHALLENGE]
        .map(|pattern| HeaderPattern::new(pattern).expect("a valid built-in pattern"))
});

/// The expectation for a catalog mutation under the target's policy.
pub fn for_mutation(mutation: &Mutation, policy: &PolicyFile) -> ExpectPlan {
    let mut plan = ExpectPlan::default();
    let expected = if mutation.id == "iat-future" && !policy.reject_future_iat {
        Expected::Info
    } else {
        mutation.expected
    };
    match expected {
        Expected::Reject => {
            // A bare Bearer challenge is a form of its own (`invalid-token-error-missing`), whose
            // level the policy sets.
            plan.status = Some(StatusMatcher::Codes(vec![401]));
            plan.headers
                .push(("www-authenticate".into(), CHALLENGES[0].clone()));
        }
        Expected::RejectNoCredentials => {
            plan.status = Some(StatusMatcher::Codes(policy.missing_token_status.clone()));
            if policy.missing_token_status == [401] {
                plan.headers
                    .push(("www-authenticate".into(), CHALLENGES[1].clone()));
            }
        }
        Expected::BadRequest => plan.status = Some(StatusMatcher::Codes(vec![400, 401])),
        Expected::Accept => plan.status = Some(StatusMatcher::Class(2)),
        Expected::Forbidden => plan.status = Some(StatusMatcher::Codes(vec![403, 404])),
        Expected::NotAccepted => plan.status = Some(StatusMatcher::Class(4)),
        Expected::Info => {}
    }
    plan
}

/// Merges `extra` into `base`: `base` keeps its status unless it has none; lists are joined.
pub fn merged(mut base: ExpectPlan, extra: &ExpectPlan) -> ExpectPlan {
    if base.status.is_none() {
        base.status = extra.status.clone();
    }
    base.headers.extend(extra.headers.iter().cloned());
    base.headers_absent
        .extend(extra.headers_absent.iter().cloned());
    base.json.extend(extra.json.iter().cloned());
    base.no_leak.extend(extra.no_leak.iter().cloned());
    base.no_leak_in_case
        .extend(extra.no_leak_in_case.iter().cloned());
    base.body_not_contains
        .extend(extra.body_not_contains.iter().cloned());
    base.allow_5xx |= extra.allow_5xx;
    base
}

/// Why an answer broke its expectations: either the outcome the case feared (an attack accepted, data
/// revealed, an effect seen), named as the case's weakness, or a refusal in another form, named as
/// that form and never as the attack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broken {
    /// The feared outcome was observed.
    Feared(String),
    /// Refused, but not in the form the spec says.
    Form(Form, String),
    /// The answer was cut at the body cap before it could be checked: nothing was observed.
    Unread(String),
}

impl Broken {
    /// The one-line reason.
    pub fn reason(&self) -> &str {
        match self {
            Broken::Feared(reason) | Broken::Form(_, reason) | Broken::Unread(reason) => reason,
        }
    }
}

/// Why a 5xx answer fails its step, unless the step allows one: whatever it probed, the target broke.
/// Checked first, before anything else of the answer is read (then [`check`]).
pub fn server_error(expect: &ExpectPlan, status: u16) -> Option<String> {
    (status >= 500 && !expect.allow_5xx)
        .then(|| format!("server error {status}: no input may make the target fail"))
}

/// Checks `response`, which [`server_error`] let through, against `expect` (whose placeholders are
/// already rendered). `leaked` are the canaries that must not appear (those of the principals named
/// in `no_leak`). Harm seen in the answer comes first (leaks, set cookies), then the status, the
/// headers and the JSON body.
pub fn check(
    expect: &ExpectPlan,
    response: &ReceivedResponse,
    leaked: &[String],
) -> Result<(), Broken> {
    check_sent(expect, response, leaked, SentToken::default())
}

/// The token a request sent, where an expectation names it as the whole of a `body_not_contains`
/// text (`{token}`): the token may be a megabyte long, and is compared where it is rather than
/// copied into the expectation.
#[derive(Debug, Clone, Copy, Default)]
pub struct SentToken<'a> {
    /// The token sent ("" when none).
    pub token: &'a str,
    /// The positions in `body_not_contains` that stand for it (left empty in the plan).
    pub at: &'a [usize],
}

/// [`check`], where the texts of `body_not_contains` at `sent.at` are `sent.token`.
pub fn check_sent(
    expect: &ExpectPlan,
    response: &ReceivedResponse,
    leaked: &[String],
    sent: SentToken<'_>,
) -> Result<(), Broken> {
    check_harm(expect, response, leaked, sent)?;
    if let Some(status) = &expect.status
        && !status.matches(response.status)
    {
        return Err(status_broken(status, response.status));
    }
    check_headers(expect, response)?;
    check_json(expect, response)
}

/// A status outside the expectation: an acceptance of what should be refused is the feared outcome;
/// another refusal is a form.
fn status_broken(expected: &StatusMatcher, got: u16) -> Broken {
    if form::expects_refusal(expected) && !(200..300).contains(&got) {
        let (form, reason) = form::of_status(expected, got);
        return Broken::Form(form, reason);
    }
    if form::expects_refusal(expected) {
        return Broken::Feared(format!(
            "accepted: answered {got} where {} was expected",
            form::describe(expected)
        ));
    }
    Broken::Feared(format!(
        "expected status {}, got {got}",
        form::describe(expected)
    ))
}

/// Leaked canaries, reflected text and unwanted headers: seen in the answer whatever its status.
fn check_harm(
    expect: &ExpectPlan,
    response: &ReceivedResponse,
    leaked: &[String],
    sent: SentToken<'_>,
) -> Result<(), Broken> {
    for canary in leaked {
        if response.body.contains(canary.as_str()) {
            return Err(Broken::Feared(format!(
                "response body leaks another user's data (canary {canary})"
            )));
        }
        if let Some((name, _)) = response
            .headers
            .iter()
            .find(|(_, value)| value.contains(canary.as_str()))
        {
            return Err(Broken::Feared(format!(
                "response header {name} leaks another user's data (canary {canary})"
            )));
        }
    }
    for (at, text) in expect.body_not_contains.iter().enumerate() {
        let text = if sent.at.contains(&at) {
            sent.token
        } else {
            text.as_str()
        };
        if !text.is_empty() && response.body.contains(text) {
            let reason = format!("response body contains {}", abbreviate(text));
            // In a refusal, reflected text is an error-body leak, whatever the attack was.
            return Err(if (400..500).contains(&response.status) {
                Broken::Form(Form::ErrorBodyLeak, format!("refused, but the {reason}"))
            } else {
                Broken::Feared(reason)
            });
        }
    }
    for name in &expect.headers_absent {
        if let Some((_, value)) = response
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            return Err(Broken::Feared(format!(
                "header {name} must be absent, got {value:?}"
            )));
        }
    }
    Ok(())
}

/// Header expectations. A `WWW-Authenticate` that does not match on a 401 is a form of refusal.
fn check_headers(expect: &ExpectPlan, response: &ReceivedResponse) -> Result<(), Broken> {
    for (name, pattern) in &expect.headers {
        let values: Vec<&str> = response
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        if values.iter().any(|value| pattern.is_match(value)) {
            continue;
        }
        // A challenge belongs to a 401 (RFC 9110 §11.6.1): another refusal (a 400, a declared legacy
        // 403) is judged by its status alone.
        if name.eq_ignore_ascii_case("www-authenticate") && response.status != 401 {
            continue;
        }
        if name.eq_ignore_ascii_case("www-authenticate") && response.status == 401 {
            let (form, reason) =
                form::of_challenge(&values, pattern.as_str() == INVALID_TOKEN_CHALLENGE);
            return Err(Broken::Form(form, reason));
        }
        let pattern = pattern.as_str();
        return Err(Broken::Feared(match values.first() {
            None => format!("expected header {name} matching /{pattern}/, but it is missing"),
            Some(first) => format!("header {name}: {first:?} does not match /{pattern}/"),
        }));
    }
    Ok(())
}

fn check_json(expect: &ExpectPlan, response: &ReceivedResponse) -> Result<(), Broken> {
    if expect.json.is_empty() {
        return Ok(());
    }
    let body: Value = match crate::wire::body::parse(&response.body) {
        Some(body) => body,
        None if response.body_truncated => {
            return Err(Broken::Unread(cut_reason(&response.body)));
        }
        None => {
            return Err(Broken::Feared(
                "expected a JSON body, got something else".into(),
            ));
        }
    };
    check_pointers(expect, &body).map_err(Broken::Feared)
}

/// Why an answer cut at the body cap could not be read.
pub fn cut_reason(body: &str) -> String {
    format!(
        "the answer was cut at {} KiB before it could be read (raise max_body_kib)",
        body.len() / 1024
    )
}

fn check_pointers(expect: &ExpectPlan, body: &Value) -> Result<(), String> {
    for (pointer, wanted) in &expect.json {
        match crate::wire::body::pointer(body, pointer).as_deref() {
            Some(found) if found == wanted => {}
            Some(found) if pointer.is_empty() => {
                return Err(format!(
                    "the body is not what it was: expected {wanted}, got {found}"
                ));
            }
            Some(found) => {
                return Err(format!("JSON {pointer}: expected {wanted}, got {found}"));
            }
            None => {
                return Err(format!(
                    "JSON {pointer}: expected {wanted}, but it is absent"
                ));
            }
        }
    }
    Ok(())
}

/// A long string shortened for a one-line reason.
fn abbreviate(text: &str) -> String {
    const MAX: usize = 24;
    if text.chars().count() <= MAX {
        format!("{text:?}")
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("{head:?}... (the token sent)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use crate::token::mutation::find;

    fn plan_for(id: &str) -> ExpectPlan {
        for_mutation(find(id).unwrap(), &PolicyFile::default())
    }

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> ReceivedResponse {
        ReceivedResponse {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.to_string(),
            body_truncated: false,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn reject_needs_401_and_an_invalid_token_challenge() {
        let plan = plan_for("alg-none");
        let good = response(
            401,
            &[(
                "www-authenticate",
                r#"Bearer realm="todo", error="invalid_token""#,
            )],
            "",
        );
        assert_eq!(check(&plan, &good, &[]), Ok(()));
        let bare = response(401, &[("www-authenticate", "Bearer")], "");
        assert!(matches!(
            check(&plan, &bare, &[]),
            Err(Broken::Form(Form::NoInvalidTokenError, _))
        ));
        let missing = response(401, &[], "");
        assert_eq!(
            check(&plan, &missing, &[]),
            Err(Broken::Form(
                Form::NoBearerChallenge,
                "refused with 401 but no WWW-Authenticate challenge".into()
            ))
        );
        let accepted = response(200, &[], "[]");
        assert_eq!(
            check(&plan, &accepted, &[]),
            Err(Broken::Feared(
                "accepted: answered 200 where 401 was expected".into()
            ))
        );
        assert!(matches!(
            check(&plan, &response(403, &[], ""), &[]),
            Err(Broken::Form(Form::ForbiddenInsteadOf401, _))
        ));
        assert!(matches!(
            check(&plan, &response(422, &[], "{}"), &[]),
            Err(Broken::Form(Form::ValidationBeforeAuth, _))
        ));
        assert!(matches!(
            check(&plan, &response(404, &[], "{}"), &[]),
            Err(Broken::Form(Form::OtherRefusalStatus, _))
        ));
    }

    #[test]
    fn extra_challenge_parameters_are_fine() {
        let plan = plan_for("alg-none");
        let verbose = response(
            401,
            &[(
                "WWW-Authenticate",
                r#"Bearer error="invalid_token", error_description="expired", realm="api""#,
            )],
            "",
        );
        assert_eq!(check(&plan, &verbose, &[]), Ok(()));
    }

    #[test]
    fn policy_relaxes_stated_points() {
        let legacy = PolicyFile {
            missing_token_status: vec![401, 403],
            ..PolicyFile::default()
        };
        let plan = for_mutation(find("no-credentials").unwrap(), &legacy);
        assert_eq!(check(&plan, &response(403, &[], ""), &[]), Ok(()));
        assert!(check(&plan_for("no-credentials"), &response(403, &[], ""), &[]).is_err());

        let iat = PolicyFile {
            reject_future_iat: false,
            ..PolicyFile::default()
        };
        let accepted = response(200, &[], "[]");
        assert_eq!(
            check(
                &for_mutation(find("iat-future").unwrap(), &iat),
                &accepted,
                &[]
            ),
            Ok(())
        );
        assert!(check(&plan_for("iat-future"), &accepted, &[]).is_err());
    }

    #[test]
    fn server_errors_fail_every_expectation() {
        let plan = plan_for("ecdsa-high-s");
        assert!(
            server_error(&plan, 500).is_some_and(|reason| reason.starts_with("server error 500"))
        );
        assert_eq!(server_error(&plan, 418), None);
        assert_eq!(check(&plan, &response(418, &[], ""), &[]), Ok(()));
        let allowed = ExpectPlan {
            allow_5xx: true,
            ..plan
        };
        assert_eq!(server_error(&allowed, 503), None);
    }

    #[test]
    fn built_in_challenges_are_compiled_once_and_shared() {
        let plan = plan_for("alg-none");
        assert_eq!(plan.headers[0].1.as_str(), INVALID_TOKEN_CHALLENGE);
        assert_eq!(plan.headers[0].1, plan_for("alg-none").headers[0].1);
        let missing = plan_for("no-credentials");
        assert_eq!(missing.headers[0].1.as_str(), BEARER_CHALLENGE);
    }

    #[test]
    fn canaries_are_found_in_body_and_headers() {
        let plan = ExpectPlan::default();
        let leak = vec!["cnry-alice-1".to_string()];
        assert!(
            check(
                &plan,
                &response(200, &[], "[{\"title\":\"cnry-alice-1\"}]"),
                &leak
            )
            .is_err()
        );
        assert!(
            check(
                &plan,
                &response(200, &[("x-debug", "cnry-alice-1")], ""),
                &leak
            )
            .is_err()
        );
        assert_eq!(check(&plan, &response(200, &[], "[]"), &leak), Ok(()));
    }

    #[test]
    fn json_pointer_expectations() {
        let mut plan = ExpectPlan::default();
        plan.json.push(("/error".into(), Value::from("not_found")));
        assert_eq!(
            check(&plan, &response(404, &[], r#"{"error":"not_found"}"#), &[]),
            Ok(())
        );
        assert!(check(&plan, &response(404, &[], r#"{"error":"other"}"#), &[]).is_err());
        assert!(check(&plan, &response(404, &[], "not json"), &[]).is_err());
    }

    #[test]
    fn the_sent_token_is_compared_where_the_plan_names_it() {
        let mut plan = ExpectPlan::default();
        plan.body_not_contains.push(String::new());
        let echo = response(400, &[], "bad token a.b.c");
        let sent = SentToken {
            token: "a.b.c",
            at: &[0],
        };
        assert!(matches!(
            check_sent(&plan, &echo, &[], sent),
            Err(Broken::Form(Form::ErrorBodyLeak, _))
        ));
        assert_eq!(check(&plan, &echo, &[]), Ok(()));
        let none = SentToken {
            token: "",
            at: &[0],
        };
        assert_eq!(check_sent(&plan, &echo, &[], none), Ok(()));
    }

    #[test]
    fn absent_headers_and_forbidden_text() {
        let mut plan = ExpectPlan::default();
        plan.headers_absent.push("set-cookie".into());
        plan.body_not_contains.push("secret.token.value".into());
        assert!(matches!(
            check(&plan, &response(200, &[("Set-Cookie", "s=1")], ""), &[]),
            Err(Broken::Feared(_))
        ));
        assert!(matches!(
            check(&plan, &response(401, &[], "bad secret.token.value"), &[]),
            Err(Broken::Form(Form::ErrorBodyLeak, _))
        ));
        assert_eq!(check(&plan, &response(401, &[], "{}"), &[]), Ok(()));
    }

    #[test]
    fn status_classes_and_sets() {
        assert!(StatusMatcher::Class(2).matches(204));
        assert!(!StatusMatcher::Class(2).matches(301));
        assert!(StatusMatcher::Codes(vec![403, 404]).matches(404));
        assert!(!StatusMatcher::Codes(vec![403, 404]).matches(200));
    }
}
