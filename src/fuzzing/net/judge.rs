//! The oracles of a fuzz request: a 2xx to credentials that are not a single, validly signed token with
//! valid claims is an enforcement finding; a 5xx, a timeout or a broken answer is a robustness finding;
//! another principal's canary in an answer, or a 2xx for someone else's `{user_id}`, is an isolation
//! finding.

use std::fmt;

use crate::fuzzing::oracle::{self, ClaimRules, ClaimTime, TrustedKeys};
use crate::token::mutation::Placement;
use crate::wire::placement::Presentation;
use crate::wire::{Exchange, SendError};

/// The requirement a finding breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A request without valid credentials was served.
    Enforcement,
    /// The target crashed, hung or broke the connection.
    Robustness,
    /// One principal saw or reached another's data.
    Isolation,
}

impl FindingKind {
    /// Lower-case name (also the findings folder prefix).
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Enforcement => "enforcement",
            FindingKind::Robustness => "robustness",
            FindingKind::Isolation => "isolation",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one answer proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The broken requirement.
    pub kind: FindingKind,
    /// The status, `None` when no answer came.
    pub status: Option<u16>,
    /// One line on why.
    pub reason: String,
}

impl Verdict {
    /// Findings are deduplicated (and shrinking must keep) this key.
    pub fn key(&self) -> (FindingKind, Option<u16>) {
        (self.kind, self.status)
    }
}

/// What the judge needs to know about the target's trust.
#[derive(Debug, Clone)]
pub struct Judge {
    /// The keys and algorithms the target should trust.
    pub keys: TrustedKeys,
    /// The claim rules it should apply.
    pub rules: ClaimRules,
    /// How it expects a token.
    pub presentation: Presentation,
    /// Each principal's user id and canary, by principal index.
    pub principals: Vec<(String, String)>,
}

/// One sent request, as the judge sees it.
#[derive(Debug, Clone, Copy)]
pub struct Sent<'a> {
    /// The token text, if any.
    pub token: Option<&'a str>,
    /// Where it went.
    pub placement: &'a Placement,
    /// The principal index whose id was in `{user_id}`.
    pub path_user: usize,
    /// Whether the route has `{user_id}` in its path.
    pub user_in_path: bool,
    /// When it was sent and answered.
    pub time: ClaimTime,
    /// Bytes of the request line and header section (URL plus header names and values).
    pub head_bytes: usize,
}

/// Above this many bytes of request head, a server may close the connection instead of answering 431
/// (RFC 9110 §15.5.20 allows it): a broken connection is then a refusal, not a finding.
pub const LARGE_HEAD_BYTES: usize = 8 * 1024;

impl Judge {
    /// The user id the request authenticates as, if its `Authorization` credentials are one validly
    /// signed token with valid claims in the expected scheme. The scheme is compared case-insensitively
    /// (RFC 9110 §11.1) and whitespace around the token is ignored (RFC 6750 §2.1 allows several spaces
    /// after the scheme; RFC 9110 §5.5 strips trailing whitespace). A token also sent in a cookie or the
    /// query does not change who the header authenticates; two `Authorization` lines authenticate only
    /// when both carry valid tokens of the same user.
    pub fn authenticated(&self, sent: &Sent<'_>) -> Option<String> {
        let verify = |token: &str| {
            let token = token.trim_matches([' ', '\t']);
            oracle::verify(token.as_bytes(), &self.keys, &self.rules, sent.time).ok()
        };
        let token = sent.token?;
        match sent.placement {
            Placement::Bearer
            | Placement::BearerAndCookie { .. }
            | Placement::BearerAndQuery { .. } => verify(token),
            Placement::Scheme(scheme)
                if scheme
                    .trim_matches([' ', '\t'])
                    .eq_ignore_ascii_case(&self.presentation.scheme) =>
            {
                verify(token)
            }
            Placement::TwoAuthorization { second } => {
                let user = verify(token)?;
                (verify(second).as_ref() == Some(&user)).then_some(user)
            }
            _ => None,
        }
    }

    /// Judges one answer (or the failure to get one); `None` when nothing is wrong. A request that could
    /// not even be built is not judged.
    pub fn judge(&self, sent: &Sent<'_>, outcome: &Result<Exchange, SendError>) -> Option<Verdict> {
        let exchange = match outcome {
            Ok(exchange) => exchange,
            Err(SendError::Build(_)) => return None,
            Err(SendError::Broken(_)) if sent.head_bytes > LARGE_HEAD_BYTES => return None,
            Err(err) => {
                return Some(Verdict {
                    kind: FindingKind::Robustness,
                    status: None,
                    reason: format!("no answer: {err}"),
                });
            }
        };
        let status = exchange.status;
        if status >= 500 {
            return Some(Verdict {
                kind: FindingKind::Robustness,
                status: Some(status),
                reason: format!("server error {status}"),
            });
        }
        let user = self.authenticated(sent);
        let success = (200..300).contains(&status);
        if success && user.is_none() {
            return Some(Verdict {
                kind: FindingKind::Enforcement,
                status: Some(status),
                reason: format!(
                    "{status} to credentials that are not one validly signed token with valid claims"
                ),
            });
        }
        let body = String::from_utf8_lossy(&exchange.body);
        for (sub, canary) in &self.principals {
            if user.as_deref() != Some(sub.as_str()) && body.contains(canary.as_str()) {
                return Some(Verdict {
                    kind: FindingKind::Isolation,
                    status: Some(status),
                    reason: format!(
                        "the answer contains the canary of user {sub:?} (request authenticated as {})",
                        user.as_deref()
                            .map_or("nobody".to_string(), |u| format!("{u:?}"))
                    ),
                });
            }
        }
        if success && sent.user_in_path {
            let path_sub = self.principals.get(sent.path_user).map(|(sub, _)| sub);
            if let (Some(user), Some(path_sub)) = (user, path_sub)
                && user != *path_sub
            {
                return Some(Verdict {
                    kind: FindingKind::Isolation,
                    status: Some(status),
                    reason: format!("{status} for user {user:?} on the path of user {path_sub:?}"),
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzing::fixture::{ISSUER, NOW, fixture};
    use crate::token::mint::{IssuerSettings, Principal, mint_at};
    use std::time::Duration;

    fn judge() -> Judge {
        let f = fixture().unwrap();
        Judge {
            keys: f.asymmetric_keys.clone(),
            rules: f.rules.clone(),
            presentation: Presentation {
                header: "Authorization".into(),
                scheme: "Bearer".into(),
            },
            principals: vec![
                ("alice".into(), "canary-a".into()),
                ("bob".into(), "canary-b".into()),
            ],
        }
    }

    fn answer(status: u16, body: &str) -> Result<Exchange, SendError> {
        Ok(Exchange {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            body_truncated: false,
            elapsed: Duration::ZERO,
        })
    }

    fn token(sub: &str) -> String {
        let issuer = IssuerSettings::new(fixture().unwrap().keys[0].clone(), ISSUER, ISSUER);
        mint_at(&Principal::new(sub, sub), &issuer, NOW).unwrap()
    }

    fn sent<'a>(token: Option<&'a str>, placement: &'a Placement, path_user: usize) -> Sent<'a> {
        Sent {
            token,
            placement,
            path_user,
            user_in_path: true,
            time: ClaimTime::at(NOW),
            head_bytes: 100,
        }
    }

    #[test]
    fn verdicts() {
        let j = judge();
        let alice = token("alice");
        let bearer = Placement::Bearer;
        let ok = sent(Some(&alice), &bearer, 0);
        assert_eq!(j.judge(&ok, &answer(200, "[canary-a]")), None);
        assert_eq!(j.judge(&ok, &answer(401, "")), None);
        let leak = j.judge(&ok, &answer(200, "canary-b")).unwrap();
        assert_eq!(leak.key(), (FindingKind::Isolation, Some(200)));
        let other_path = j
            .judge(&sent(Some(&alice), &bearer, 1), &answer(200, "[]"))
            .unwrap();
        assert_eq!(other_path.kind, FindingKind::Isolation);
        let forged = format!("{}A", &alice[..alice.len() - 1]);
        let bad = j
            .judge(&sent(Some(&forged), &bearer, 0), &answer(200, ""))
            .unwrap();
        assert_eq!(bad.key(), (FindingKind::Enforcement, Some(200)));
        let query = Placement::Query {
            param: "access_token".into(),
        };
        assert_eq!(
            j.judge(&sent(Some(&alice), &query, 0), &answer(204, ""))
                .map(|v| v.kind),
            Some(FindingKind::Enforcement)
        );
        let lower = Placement::Scheme("bearer".into());
        assert_eq!(
            j.judge(&sent(Some(&alice), &lower, 0), &answer(200, "")),
            None
        );
        let cookie = Placement::BearerAndCookie {
            name: "token".into(),
            cookie_token: "junk".into(),
        };
        assert_eq!(
            j.judge(&sent(Some(&alice), &cookie, 0), &answer(200, "")),
            None
        );
        let two = Placement::TwoAuthorization {
            second: token("bob"),
        };
        assert_eq!(
            j.judge(&sent(Some(&alice), &two, 0), &answer(200, ""))
                .map(|v| v.kind),
            Some(FindingKind::Enforcement)
        );
        let spaced = format!("  {alice}\t");
        assert_eq!(
            j.judge(&sent(Some(&spaced), &bearer, 0), &answer(200, "")),
            None
        );
        assert_eq!(
            j.judge(&ok, &answer(500, "")).map(|v| v.key()),
            Some((FindingKind::Robustness, Some(500)))
        );
        let timeout = Err(SendError::Timeout(Duration::from_secs(1)));
        assert_eq!(j.judge(&ok, &timeout).map(|v| v.status), Some(None));
        assert_eq!(j.judge(&ok, &Err(SendError::Build("x".into()))), None);
        let broken = Err(SendError::Broken("reset".into()));
        assert_eq!(
            j.judge(&ok, &broken).map(|v| v.kind),
            Some(FindingKind::Robustness)
        );
        let huge = Sent {
            head_bytes: LARGE_HEAD_BYTES + 1,
            ..ok
        };
        assert_eq!(
            j.judge(&huge, &broken),
            None,
            "a server may drop an oversized request"
        );
        assert_eq!(
            j.judge(&sent(None, &Placement::None, 0), &answer(401, "canary-a"))
                .map(|v| v.kind),
            Some(FindingKind::Isolation)
        );
    }
}
