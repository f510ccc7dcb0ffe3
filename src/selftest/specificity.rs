//! Specificity: each flaw of the reference server must be named as itself and nothing else (tokens
//! that no trusted key signed, accepted where broken signatures are accepted, are already folded into
//! `signature-not-verified` by the runner's attribution). Its
//! declared set is its own weakness plus the manifestations specs/flaws.md lists for it, each with the
//! reason the same fault shows under that name too. A clean server, in every key mode and with every
//! legitimate presentation style, must be named nothing.

use std::collections::BTreeSet;

use reference_server::Flaw;

/// (weakness id, why this flaw shows it). The first entry is the flaw's own weakness.
type Declared = &'static [(&'static str, &'static str)];

const OWN: &str = "the flaw itself";

/// The weaknesses a run against `flaw` must name, exactly.
// A data table (one arm per flaw): longer than 80 lines on purpose.
pub fn declared(flaw: Flaw) -> Declared {
    match flaw.id() {
        "alg-none-accepted" => &[("alg-none-accepted", OWN)],
        "signature-not-verified" => &[
            ("signature-not-verified", OWN),
            (
                "kid-not-validated",
                "a verifier that never checks the signature never looks its key up either, so a validly signed token naming an unknown or injected kid is accepted",
            ),
        ],
        "exp-not-checked" | "exp-not-required" => &[("expiry-not-enforced", OWN)],
        "nbf-ignored" => &[("time-claims-not-enforced", OWN)],
        "iss-ignored" => &[("issuer-not-validated", OWN)],
        "aud-ignored" => &[("audience-not-validated", OWN)],
        "huge-leeway" => &[
            ("expiry-not-enforced", OWN),
            (
                "time-claims-not-enforced",
                "the same leeway applies to nbf (FR-033), so a token not yet valid is accepted",
            ),
            (
                "future-iat-accepted",
                "the same leeway applies to iat, so a token issued in the future is accepted (a note)",
            ),
        ],
        "hs-key-confusion" => &[("key-confusion-accepted", OWN)],
        "kid-path-traversal" => &[("kid-not-validated", OWN)],
        "jku-trusted" => &[
            ("remote-key-url-trusted", OWN),
            (
                "claims-url-processed",
                "the URL-in-claims probes carry a jku header too, which the flaw fetches",
            ),
        ],
        "embedded-jwk-trusted" => &[("embedded-key-trusted", OWN)],
        "token-in-query-accepted" | "any-auth-scheme-accepted" => {
            &[("token-accepted-outside-bearer-header", OWN)]
        }
        "malformed-token-500" => &[("server-error", OWN)],
        "missing-www-authenticate" => &[("missing-www-authenticate", OWN)],
        "forbidden-instead-of-401" => &[("forbidden-instead-of-401", OWN)],
        "path-user-not-checked" => &[("path-user-not-checked", OWN)],
        "task-read-idor" => &[
            ("task-read-idor", OWN),
            (
                "object-read-idor",
                "the generic-API scenario names the same read of another user's object",
            ),
            (
                "existence-oracle",
                "another user's id answers 200 where a missing one answers 404, so ids' existence shows",
            ),
        ],
        "task-write-idor" => &[
            ("task-write-idor", OWN),
            (
                "object-write-idor",
                "the generic-API scenario names the same write to another user's object",
            ),
            (
                "existence-oracle",
                "another user's id answers 2xx to a write where a missing one answers 404",
            ),
        ],
        "list-leaks-other-users" => &[
            ("list-leaks-other-users", OWN),
            (
                "mcp-tool-acts-for-another-user",
                "the MCP list_tasks tool reads the same unfiltered list, so it shows other users' tasks",
            ),
            (
                "owner-field-injection",
                "its effect check reads the victim's list, which now shows the attacker's task",
            ),
        ],
        "mcp-trusts-user-id" => &[
            ("mcp-tool-acts-for-another-user", OWN),
            (
                "request-user-not-checked",
                "the generic-API scenario's name for the same fault: a user named in the body is trusted",
            ),
        ],
        "chat-continues-foreign-conversation" => &[
            ("conversation-idor", OWN),
            (
                "object-write-idor",
                "the generic-API scenario names the same write to another user's conversation",
            ),
        ],
        // Only the generic-API scenario reaches it: the Todo contract has no conversation delete.
        "conversation-delete-idor" => &[("object-write-idor", OWN)],
        "agent-acts-as-named-user" => &[("agent-confused-deputy", OWN)],
        "session-cookie-accepted" => &[("session-cookie-accepted", OWN)],
        _ => &[],
    }
}

/// The conformance notes the correct server must be shown with in a legitimate style, and nothing
/// else: a bare `Bearer` challenge is a note (`invalid-token-error-missing`), never a failure.
pub fn style_notes(style: &str) -> BTreeSet<String> {
    let notes: &[&str] = match style {
        "bare-challenge" => &["invalid-token-error-missing"],
        _ => &[],
    };
    notes.iter().map(|id| (*id).to_string()).collect()
}

/// The declared set of `flaw`, as ids.
pub fn declared_ids(flaw: Flaw) -> BTreeSet<String> {
    declared(flaw)
        .iter()
        .map(|(id, _)| (*id).to_string())
        .collect()
}

/// How a named set differs from the declared one: (named but not declared, declared but not named).
pub fn difference(
    named: &BTreeSet<String>,
    declared: &BTreeSet<String>,
) -> (Vec<String>, Vec<String>) {
    (
        named.difference(declared).cloned().collect(),
        declared.difference(named).cloned().collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flaw_declares_its_own_weakness_first() {
        for flaw in Flaw::ALL {
            let declared = declared(*flaw);
            assert!(!declared.is_empty(), "{}", flaw.id());
            assert_eq!(declared[0].1, OWN, "{}", flaw.id());
            for (id, reason) in &declared[1..] {
                assert!(!reason.is_empty(), "{} {id}", flaw.id());
            }
        }
    }

    #[test]
    fn every_declared_weakness_is_registered() {
        for flaw in Flaw::ALL {
            for (id, _) in declared(*flaw) {
                assert!(crate::weakness::find(id).is_some(), "{}: {id}", flaw.id());
            }
        }
    }

    #[test]
    fn specs_flaws_md_lists_every_manifestation() {
        let doc = include_str!("../../specs/flaws.md");
        let section = doc
            .split("## What each flaw is named")
            .nth(1)
            .expect("the specificity section");
        for flaw in Flaw::ALL {
            for (id, _) in &declared(*flaw)[1..] {
                assert!(
                    section.contains(&format!("`{id}`")),
                    "{}: {id} missing",
                    flaw.id()
                );
            }
        }
    }

    #[test]
    fn differences_go_both_ways() {
        let named: BTreeSet<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        let declared: BTreeSet<String> = ["b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            difference(&named, &declared),
            (vec!["a".to_string()], vec!["c".to_string()])
        );
    }
}
