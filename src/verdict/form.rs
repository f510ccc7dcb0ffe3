//! Refusals in another form than the spec's: the attack was refused, so the attack's weakness is not
//! named; what is named is the form of the refusal, with the words of what was observed.

use crate::scenario::plan::{StatusMatcher, Weakness};

/// How a refusal differed from the form the spec asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    /// 401 without a `WWW-Authenticate: Bearer` challenge (FR-034, FR-035; RFC 9110 §15.5.2).
    NoBearerChallenge,
    /// 401 with a Bearer challenge but no `error="invalid_token"` where a token was presented (FR-035).
    NoInvalidTokenError,
    /// 403 where 401 belongs: missing or bad credentials (FR-034, FR-035).
    ForbiddenInsteadOf401,
    /// Another refusal status (404, 405, a redirect, ...) than the one the spec names.
    OtherRefusalStatus,
    /// 400, 413, 415 or 422: the request was refused as malformed before its token was judged
    /// (FastAPI and express validate bodies and path parameters before an auth dependency runs).
    ValidationBeforeAuth,
    /// A refusal whose body echoes the token or shows internals (FR-037).
    ErrorBodyLeak,
}

impl Form {
    /// Every form.
    pub const ALL: [Form; 6] = [
        Form::NoBearerChallenge,
        Form::NoInvalidTokenError,
        Form::ForbiddenInsteadOf401,
        Form::OtherRefusalStatus,
        Form::ValidationBeforeAuth,
        Form::ErrorBodyLeak,
    ];

    /// The weakness this form names.
    pub fn weakness(self) -> Weakness {
        let id = match self {
            Form::NoBearerChallenge => "missing-www-authenticate",
            Form::NoInvalidTokenError => "invalid-token-error-missing",
            Form::ForbiddenInsteadOf401 => "forbidden-instead-of-401",
            Form::OtherRefusalStatus => "unexpected-refusal-status",
            Form::ValidationBeforeAuth => "validation-before-auth",
            Form::ErrorBodyLeak => "error-body-leaks-detail",
        };
        Weakness::registered(id)
    }
}

/// A refusal expectation: every status it allows is a 4xx.
pub fn expects_refusal(status: &StatusMatcher) -> bool {
    match status {
        StatusMatcher::Codes(codes) => {
            !codes.is_empty() && codes.iter().all(|code| (400..500).contains(code))
        }
        StatusMatcher::Class(class) => *class == 4,
    }
}

/// The form of an answer `got` to a request whose expected refusal is `expected`, when `got` is not a
/// 2xx (an acceptance) and not a 5xx (a server error).
pub fn of_status(expected: &StatusMatcher, got: u16) -> (Form, String) {
    let wanted = describe(expected);
    let form = if got == 403 && expected.matches(401) {
        Form::ForbiddenInsteadOf401
    } else if matches!(got, 400 | 413 | 415 | 422) {
        Form::ValidationBeforeAuth
    } else {
        Form::OtherRefusalStatus
    };
    let how = if (300..400).contains(&got) {
        format!("refused with a redirect ({got})")
    } else if form == Form::ValidationBeforeAuth {
        format!("refused as a malformed request ({got})")
    } else {
        format!("refused with {got}")
    };
    (form, format!("{how} where {wanted} was expected"))
}

/// The form of a 401 whose `WWW-Authenticate` values are `challenges`, when the expectation's challenge
/// pattern did not match. `wants_error` says whether the pattern asked for `error="invalid_token"`.
pub fn of_challenge(challenges: &[&str], wants_error: bool) -> (Form, String) {
    let bearer = challenges.iter().find(|value| {
        value
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("bearer")
    });
    match (challenges.first(), bearer) {
        (None, _) => (
            Form::NoBearerChallenge,
            "refused with 401 but no WWW-Authenticate challenge".to_string(),
        ),
        (Some(first), None) => (
            Form::NoBearerChallenge,
            format!("refused with 401 but the challenge is not Bearer: {first:?}"),
        ),
        (_, Some(value)) if wants_error => (
            Form::NoInvalidTokenError,
            format!(
                "refused with 401 and a Bearer challenge without error=\"invalid_token\": {value:?}"
            ),
        ),
        (_, Some(value)) => (
            Form::NoBearerChallenge,
            format!("refused with 401 but the Bearer challenge is not as expected: {value:?}"),
        ),
    }
}

/// `401`, `403 or 404`, `4xx`.
pub fn describe(status: &StatusMatcher) -> String {
    match status {
        StatusMatcher::Codes(codes) => {
            let codes: Vec<String> = codes.iter().map(u16::to_string).collect();
            codes.join(" or ")
        }
        StatusMatcher::Class(class) => format!("{class}xx"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_expectation_allows_only_4xx() {
        assert!(expects_refusal(&StatusMatcher::Codes(vec![401])));
        assert!(expects_refusal(&StatusMatcher::Codes(vec![403, 404])));
        assert!(expects_refusal(&StatusMatcher::Class(4)));
        assert!(!expects_refusal(&StatusMatcher::Class(2)));
        assert!(!expects_refusal(&StatusMatcher::Codes(vec![200, 401])));
    }

    #[test]
    fn statuses_name_their_form() {
        let want_401 = StatusMatcher::Codes(vec![401]);
        assert_eq!(of_status(&want_401, 403).0, Form::ForbiddenInsteadOf401);
        let (form, text) = of_status(&want_401, 422);
        assert_eq!(form, Form::ValidationBeforeAuth);
        assert_eq!(
            text,
            "refused as a malformed request (422) where 401 was expected"
        );
        assert_eq!(of_status(&want_401, 404).0, Form::OtherRefusalStatus);
        assert!(of_status(&want_401, 302).1.contains("redirect"));
        let deny = StatusMatcher::Codes(vec![403, 404]);
        assert_eq!(of_status(&deny, 401).0, Form::OtherRefusalStatus);
    }

    #[test]
    fn challenges_name_what_is_missing() {
        assert_eq!(of_challenge(&[], true).0, Form::NoBearerChallenge);
        assert_eq!(
            of_challenge(&["Basic realm=\"x\""], false).0,
            Form::NoBearerChallenge
        );
        let (form, text) = of_challenge(&["Bearer"], true);
        assert_eq!(form, Form::NoInvalidTokenError);
        assert!(text.contains("without error=\"invalid_token\""));
    }

    #[test]
    fn forms_name_distinct_weaknesses() {
        let forms = Form::ALL;
        assert_eq!(forms.len(), 6);
        let mut ids: Vec<String> = forms.iter().map(|form| form.weakness().id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), forms.len());
    }
}
