//! Judging one answer against a step's expectations.

use regex::RegexBuilder;
use serde_json::Value;

use crate::profile::model::PolicyFile;
use crate::runner::result::ReceivedResponse;
use crate::scenario::plan::{ExpectPlan, StatusMatcher};
use crate::token::mutation::{Expected, Mutation};

/// The challenge of an invalid-token refusal (RFC 6750 §3.1); extra parameters such as `realm` or
/// `error_description` are allowed.
pub const INVALID_TOKEN_CHALLENGE: &str = r#"(?i)^\s*Bearer\b.*\berror\s*=\s*"?invalid_token"?"#;
/// Any Bearer challenge.
pub const BEARER_CHALLENGE: &str = r"(?i)^\s*Bearer\b";

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
            plan.status = Some(StatusMatcher::Codes(vec![401]));
            let challenge = if policy.require_invalid_token_error {
                INVALID_TOKEN_CHALLENGE
            } else {
                BEARER_CHALLENGE
            };
            plan.headers
                .push(("www-authenticate".into(), challenge.into()));
        }
        Expected::RejectNoCredentials => {
            plan.status = Some(StatusMatcher::Codes(policy.missing_token_status.clone()));
            if policy.missing_token_status == [401] {
                plan.headers
                    .push(("www-authenticate".into(), BEARER_CHALLENGE.into()));
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

/// Checks `response` against `expect` (whose placeholders are already rendered). `leaked` are the
/// canaries that must not appear (those of the principals named in `no_leak`). Returns the first
/// broken expectation as one line.
pub fn check(
    expect: &ExpectPlan,
    response: &ReceivedResponse,
    leaked: &[String],
) -> Result<(), String> {
    if response.status >= 500 && !expect.allow_5xx {
        return Err(format!(
            "server error {}: no input may make the target fail",
            response.status
        ));
    }
    if let Some(status) = &expect.status
        && !status.matches(response.status)
    {
        return Err(format!(
            "expected status {}, got {}",
            describe_status(status),
            response.status
        ));
    }
    for (name, pattern) in &expect.headers {
        let regex = RegexBuilder::new(pattern)
            .size_limit(1 << 20)
            .build()
            .map_err(|err| format!("bad header regex for {name}: {err}"))?;
        let mut values = response
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v);
        let Some(first) = values.next() else {
            return Err(format!(
                "expected header {name} matching /{pattern}/, but it is missing"
            ));
        };
        if !regex.is_match(first) && !values.any(|value| regex.is_match(value)) {
            return Err(format!(
                "header {name}: {first:?} does not match /{pattern}/"
            ));
        }
    }
    for name in &expect.headers_absent {
        if let Some((_, value)) = response
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            return Err(format!("header {name} must be absent, got {value:?}"));
        }
    }
    if !expect.json.is_empty() {
        let body: Value = serde_json::from_str(&response.body)
            .map_err(|_| "expected a JSON body, got something else".to_string())?;
        for (pointer, wanted) in &expect.json {
            match body.pointer(pointer) {
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
    }
    for canary in leaked {
        if response.body.contains(canary.as_str()) {
            return Err(format!(
                "response body leaks another user's data (canary {canary})"
            ));
        }
        if let Some((name, _)) = response
            .headers
            .iter()
            .find(|(_, value)| value.contains(canary.as_str()))
        {
            return Err(format!(
                "response header {name} leaks another user's data (canary {canary})"
            ));
        }
    }
    for text in &expect.body_not_contains {
        if !text.is_empty() && response.body.contains(text.as_str()) {
            return Err(format!("response body contains {}", abbreviate(text)));
        }
    }
    Ok(())
}

fn describe_status(status: &StatusMatcher) -> String {
    match status {
        StatusMatcher::Codes(codes) => {
            let codes: Vec<String> = codes.iter().map(u16::to_string).collect();
            codes.join(" or ")
        }
        StatusMatcher::Class(class) => format!("{class}xx"),
    }
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
        assert!(
            check(&plan, &bare, &[])
                .unwrap_err()
                .contains("does not match")
        );
        let missing = response(401, &[], "");
        assert!(check(&plan, &missing, &[]).unwrap_err().contains("missing"));
        let accepted = response(200, &[], "[]");
        assert_eq!(
            check(&plan, &accepted, &[]).unwrap_err(),
            "expected status 401, got 200"
        );
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

        let lax = PolicyFile {
            require_invalid_token_error: false,
            ..PolicyFile::default()
        };
        let bare = response(401, &[("www-authenticate", "Bearer")], "");
        assert_eq!(
            check(&for_mutation(find("expired").unwrap(), &lax), &bare, &[]),
            Ok(())
        );
        assert!(check(&plan_for("expired"), &bare, &[]).is_err());

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
            check(&plan, &response(500, &[], ""), &[])
                .unwrap_err()
                .starts_with("server error 500")
        );
        assert_eq!(check(&plan, &response(418, &[], ""), &[]), Ok(()));
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
    fn absent_headers_and_forbidden_text() {
        let mut plan = ExpectPlan::default();
        plan.headers_absent.push("set-cookie".into());
        plan.body_not_contains.push("secret.token.value".into());
        assert!(check(&plan, &response(200, &[("Set-Cookie", "s=1")], ""), &[]).is_err());
        assert!(check(&plan, &response(401, &[], "bad secret.token.value"), &[]).is_err());
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
