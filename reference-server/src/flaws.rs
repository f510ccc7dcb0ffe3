//! Deliberate, switchable vulnerabilities used to prove that every harness scenario can fail.
//!
//! Exactly one flaw can be active at a time (`--flaw ID`). Each flaw is a small, local `if` in the
//! code path it breaks (grep for `Flaw::` to find them); the secure behaviour is always the default.

use std::fmt;
use std::str::FromStr;

/// The property a flaw breaks, mirroring the harness's check classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Criterion {
    /// Who may authenticate, and with which tokens.
    Enforcement,
    /// Error handling: status codes, headers, no 5xx.
    Robustness,
    /// Tenant isolation: one user never reaches another user's data.
    Isolation,
    /// No server-side sessions.
    Statelessness,
}

impl Criterion {
    /// Lowercase name, as used in `specs/flaws.md` and by the harness.
    pub fn as_str(self) -> &'static str {
        match self {
            Criterion::Enforcement => "enforcement",
            Criterion::Robustness => "robustness",
            Criterion::Isolation => "isolation",
            Criterion::Statelessness => "statelessness",
        }
    }
}

impl fmt::Display for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! flaws {
    ($( $variant:ident = $id:literal, $criterion:ident, $breaks:expr, $description:literal; )+) => {
        /// One known vulnerability that the reference server can switch on.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Flaw {
            $(
                #[doc = $description]
                $variant,
            )+
        }

        impl Flaw {
            /// Every flaw, in documentation order.
            pub const ALL: &'static [Flaw] = &[$(Flaw::$variant),+];

            /// The kebab-case id used on the command line (`--flaw ID`).
            pub fn id(self) -> &'static str {
                match self { $(Flaw::$variant => $id),+ }
            }

            /// One sentence saying what the server does wrong with this flaw on.
            pub fn description(self) -> &'static str {
                match self { $(Flaw::$variant => $description),+ }
            }

            /// The criterion this flaw breaks.
            pub fn criterion(self) -> Criterion {
                match self { $(Flaw::$variant => Criterion::$criterion),+ }
            }

            /// The requirements of `specs/spec.md` this flaw breaks (e.g. `FR-009`).
            pub fn breaks(self) -> &'static [&'static str] {
                match self { $(Flaw::$variant => &$breaks),+ }
            }
        }
    };
}

flaws! {
    AlgNoneAccepted = "alg-none-accepted", Enforcement, ["FR-009", "FR-008"],
        "accepts tokens whose header alg is none (any case), whatever the signature";
    SignatureNotVerified = "signature-not-verified", Enforcement, ["FR-014"],
        "decodes the claims without verifying the signature";
    ExpNotChecked = "exp-not-checked", Enforcement, ["FR-029"],
        "requires exp but never compares it with the clock, so expired tokens are accepted";
    ExpNotRequired = "exp-not-required", Enforcement, ["FR-028"],
        "accepts tokens without an exp claim (a present exp is still checked)";
    NbfIgnored = "nbf-ignored", Enforcement, ["FR-030"],
        "ignores nbf, so tokens that are not yet valid are accepted";
    IssIgnored = "iss-ignored", Enforcement, ["FR-031"],
        "does not check the iss claim (wrong or missing issuer accepted)";
    AudIgnored = "aud-ignored", Enforcement, ["FR-032"],
        "does not check the aud claim (wrong or missing audience accepted)";
    HugeLeeway = "huge-leeway", Enforcement, ["FR-033", "FR-029", "FR-030"],
        "uses a clock-skew leeway of one year for exp, nbf and iat";
    HsKeyConfusion = "hs-key-confusion", Enforcement, ["FR-011", "FR-010"],
        "when the header says HS256/384/512, HMAC-verifies with the public key's SPKI PEM text as the secret";
    KidPathTraversal = "kid-path-traversal", Enforcement, ["FR-018", "FR-017"],
        "treats an HMAC token's kid as a file path and uses the file's content as the secret (/dev/null: empty secret)";
    JkuTrusted = "jku-trusted", Enforcement, ["FR-017"],
        "fetches the JWKS named by the header's jku URL (loopback hosts only) and trusts its keys";
    EmbeddedJwkTrusted = "embedded-jwk-trusted", Enforcement, ["FR-017"],
        "verifies the signature with the public key embedded in the header's jwk parameter";
    TokenInQueryAccepted = "token-in-query-accepted", Enforcement, ["FR-003"],
        "accepts the token from the access_token query parameter";
    AnyAuthSchemeAccepted = "any-auth-scheme-accepted", Enforcement, ["FR-005"],
        "accepts the token after any Authorization scheme (Token, JWT, Basic, ...) or with no scheme at all";
    MalformedToken500 = "malformed-token-500", Robustness, ["FR-058", "FR-035"],
        "answers 500 instead of 401 when the token is not a well-formed compact JWS";
    MissingWwwAuthenticate = "missing-www-authenticate", Robustness, ["FR-034", "FR-035"],
        "omits the WWW-Authenticate header on 401 responses";
    ForbiddenInsteadOf401 = "forbidden-instead-of-401", Robustness, ["FR-034", "FR-035"],
        "answers 403 instead of 401 for missing or invalid credentials";
    PathUserNotChecked = "path-user-not-checked", Isolation, ["FR-040"],
        "does not compare the path user_id with the token's sub and acts as the path user";
    TaskReadIdor = "task-read-idor", Isolation, ["FR-041", "FR-045"],
        "reads a single task by id alone, whoever owns it";
    TaskWriteIdor = "task-write-idor", Isolation, ["FR-041", "FR-042", "FR-045"],
        "updates, toggles and deletes a task by id alone, whoever owns it (reads stay correct)";
    ListLeaksOtherUsers = "list-leaks-other-users", Isolation, ["FR-043", "FR-045"],
        "lists every user's tasks instead of the caller's";
    McpTrustsUserId = "mcp-trusts-user-id", Isolation, ["FR-051", "FR-052"],
        "MCP tools act for the user_id argument instead of refusing one that differs from the token's sub";
    ChatContinuesForeignConversation = "chat-continues-foreign-conversation", Isolation, ["FR-046"],
        "chat continues (and reveals) a conversation that belongs to another user";
    ConversationDeleteIdor = "conversation-delete-idor", Isolation, ["FR-047"],
        "deletes a conversation (with its messages) by id alone, whoever owns it";
    AgentActsAsNamedUser = "agent-acts-as-named-user", Isolation, ["FR-049", "FR-048"],
        "the chat agent acts for the user named in a message like \"as user bob, list tasks\"";
    SessionCookieAccepted = "session-cookie-accepted", Statelessness, ["FR-004", "FR-054"],
        "a `session=<user id>` cookie alone authenticates, with no token";
}

impl fmt::Display for Flaw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// An unknown flaw id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown flaw id `{0}` (see `--help` or specs/flaws.md for the list)")]
pub struct UnknownFlaw(pub String);

impl FromStr for Flaw {
    type Err = UnknownFlaw;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Flaw::ALL
            .iter()
            .copied()
            .find(|flaw| flaw.id() == s)
            .ok_or_else(|| UnknownFlaw(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_kebab_case_and_round_trip() {
        let mut seen = HashSet::new();
        for flaw in Flaw::ALL {
            assert!(seen.insert(flaw.id()), "duplicate id {}", flaw.id());
            assert!(
                flaw.id()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                flaw.id()
            );
            assert_eq!(flaw.id().parse::<Flaw>(), Ok(*flaw));
            assert!(!flaw.description().is_empty());
            assert!(flaw.breaks().iter().all(|r| r.starts_with("FR-0")));
        }
        assert_eq!(Flaw::ALL.len(), 26);
    }

    #[test]
    fn unknown_id_is_an_error() {
        assert_eq!(
            "alg-none".parse::<Flaw>(),
            Err(UnknownFlaw("alg-none".to_owned()))
        );
    }

    #[test]
    fn criteria_match_the_contract() {
        let count = |c| Flaw::ALL.iter().filter(|f| f.criterion() == c).count();
        assert_eq!(count(Criterion::Enforcement), 14);
        assert_eq!(count(Criterion::Robustness), 3);
        assert_eq!(count(Criterion::Isolation), 8);
        assert_eq!(count(Criterion::Statelessness), 1);
    }
}
