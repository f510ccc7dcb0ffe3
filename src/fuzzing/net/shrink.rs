//! Shrinking a finding to a minimal request: greedy delta debugging over the parts of a case (no token,
//! plain placement, own path, first route, strict encodings, each header and claim member removed or set
//! back to its valid value, empty signature), then over the token's characters (chunks of halving size)
//! when the token is raw text or the finding is a crash. A candidate is kept only if the target still
//! answers with the same finding kind and status.

use serde_json::{Map, Value};

use super::case::{Encoding, FuzzCase, Signature, TokenForm};
use crate::token::mint::IssuerSettings;
use crate::token::mutation::Placement;

/// Simpler variants of `case`, most radical first; each differs from `case` in one respect.
pub fn structural_candidates(
    case: &FuzzCase,
    valid_header: &Map<String, Value>,
    valid_claims: &Map<String, Value>,
) -> Vec<FuzzCase> {
    let mut out = Candidates {
        case,
        out: Vec::new(),
    };
    out.push(&|c| {
        c.token = TokenForm::Absent;
        c.placement = Placement::None;
    });
    out.push(&|c| {
        if !matches!(c.placement, Placement::None) {
            c.placement = Placement::Bearer;
        }
    });
    out.push(&|c| c.path_user = c.actor);
    out.push(&|c| c.resource_owner = c.path_user);
    out.push(&|c| c.route = 0);
    let TokenForm::Parts(parts) = &case.token else {
        return out.out;
    };
    // A kept signature stops verifying as soon as a member changes: signing afresh lets the member
    // edits below be judged on their own (it is refused when the finding needs a bad signature).
    if matches!(parts.signature, Signature::Keep(_)) {
        out.push(&|c| {
            if let TokenForm::Parts(p) = &mut c.token {
                p.signature = Signature::Resign;
            }
        });
    }
    out.push(&|c| {
        if let TokenForm::Parts(p) = &mut c.token {
            p.header_encoding = Encoding::Strict;
            p.payload_encoding = Encoding::Strict;
        }
    });
    member_candidates(&mut out, &parts.header, valid_header, true);
    member_candidates(&mut out, &parts.claims, valid_claims, false);
    if !matches!(&parts.signature, Signature::Bytes(b) if b.is_empty()) {
        out.push(&|c| {
            if let TokenForm::Parts(p) = &mut c.token {
                p.signature = Signature::Bytes(Vec::new());
            }
        });
    }
    out.out
}

/// The variants of one case, each kept only when it differs from the case.
struct Candidates<'a> {
    case: &'a FuzzCase,
    out: Vec<FuzzCase>,
}

impl Candidates<'_> {
    /// Adds the case changed by `change`, unless that changes nothing.
    fn push(&mut self, change: &dyn Fn(&mut FuzzCase)) {
        let mut candidate = self.case.clone();
        change(&mut candidate);
        if candidate != *self.case {
            self.out.push(candidate);
        }
    }
}

/// Each member of the token's header (`header`) or claims removed, then each one that differs from
/// its `valid` value set back to it.
fn member_candidates(
    out: &mut Candidates<'_>,
    members: &[(String, Value)],
    valid: &Map<String, Value>,
    header: bool,
) {
    for i in 0..members.len() {
        out.push(&|c| {
            if let TokenForm::Parts(p) = &mut c.token {
                if header {
                    p.header.remove(i);
                    p.header_changed();
                } else {
                    p.claims.remove(i);
                    p.claims_changed();
                }
            }
        });
    }
    for (i, (name, value)) in members.iter().enumerate() {
        if let Some(good) = valid.get(name).filter(|good| *good != value) {
            out.push(&|c| {
                if let TokenForm::Parts(p) = &mut c.token {
                    if header {
                        p.header[i].1 = good.clone();
                        p.header_changed();
                    } else {
                        p.claims[i].1 = good.clone();
                        p.claims_changed();
                    }
                }
            });
        }
    }
}

/// The case with its token frozen as raw text (for character-level shrinking).
pub fn as_raw(case: &FuzzCase, issuer: &IssuerSettings) -> FuzzCase {
    let mut raw = case.clone();
    if let TokenForm::Parts(_) = &case.token {
        raw.token = TokenForm::Raw(case.token.render(issuer).unwrap_or_default());
    }
    raw
}

/// Variants of a raw-token case with one chunk of the token removed: the empty token first, then chunks
/// of half, a quarter, ... down to single characters (ddmin's complement step).
pub fn raw_candidates(case: &FuzzCase) -> Vec<FuzzCase> {
    let TokenForm::Raw(text) = &case.token else {
        return Vec::new();
    };
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut with = |kept: String| {
        let mut candidate = case.clone();
        candidate.token = TokenForm::Raw(kept);
        if candidate != *case {
            out.push(candidate);
        }
    };
    if chars.is_empty() {
        return out;
    }
    with(String::new());
    let mut size = chars.len() / 2;
    while size >= 1 {
        let mut start = 0;
        while start < chars.len() {
            let end = (start + size).min(chars.len());
            with(chars[..start].iter().chain(&chars[end..]).collect());
            start = end;
        }
        size /= 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzing::fixture::{ISSUER, NOW, fixture};
    use crate::token::mint::{Principal, mint_at};
    use serde_json::json;

    fn case(token: TokenForm) -> FuzzCase {
        FuzzCase {
            actor: 0,
            path_user: 1,
            resource_owner: 1,
            route: 2,
            token,
            placement: Placement::Scheme("Token".into()),
            origin: "test".into(),
            steps: vec![],
        }
    }

    #[test]
    fn structural_candidates_each_change_one_thing() {
        let issuer = IssuerSettings::new(fixture().unwrap().keys[0].clone(), ISSUER, ISSUER);
        let alice = Principal::new("alice", "alice");
        let token = mint_at(&alice, &issuer, NOW).unwrap();
        let mut c = case(TokenForm::from_token(&token));
        if let TokenForm::Parts(p) = &mut c.token {
            p.header[0].1 = json!("none");
            p.header_changed();
        }
        let candidates = structural_candidates(&c, &issuer.header(), &issuer.claims(&alice, NOW));
        assert_eq!(candidates[0].token, TokenForm::Absent);
        assert_eq!(candidates[1].placement, Placement::Bearer);
        let restored = candidates
            .iter()
            .any(|k| matches!(&k.token, TokenForm::Parts(p) if p.alg() == Some("EdDSA")));
        assert!(restored, "alg set back to its valid value");
        let removals = candidates
            .iter()
            .filter(|k| matches!(&k.token, TokenForm::Parts(p) if p.claims.len() == 4))
            .count();
        assert_eq!(removals, 5, "each claim removed once");
        assert!(candidates.iter().all(|k| k != &c));
    }

    #[test]
    fn raw_candidates_halve_then_single_out() {
        let c = case(TokenForm::Raw("abcd".into()));
        let texts: Vec<String> = raw_candidates(&c)
            .into_iter()
            .filter_map(|k| match k.token {
                TokenForm::Raw(t) => Some(t),
                _ => None,
            })
            .collect();
        assert_eq!(texts, ["", "cd", "ab", "bcd", "acd", "abd", "abc"]);
        assert!(raw_candidates(&case(TokenForm::Absent)).is_empty());
        let issuer = IssuerSettings::new(fixture().unwrap().keys[0].clone(), ISSUER, ISSUER);
        let parts = case(TokenForm::from_token("e30.e30.sig"));
        assert_eq!(
            as_raw(&parts, &issuer).token,
            TokenForm::Raw("e30.e30.sig".into())
        );
    }
}
