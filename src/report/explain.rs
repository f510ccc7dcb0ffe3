//! Human text for a weakness: a short name, what it means, how to fix it and how severe it is. Used by
//! the SARIF (rule help), Markdown and HTML reports. Weakness ids come from scenario files, so the
//! table below covers the known ones (the forge's weaknesses, the reference server's flaws, the
//! runner's `server-error`); any other id is explained through the catalog mutation that revealed it,
//! or generically from its scenario.

use crate::runner::result::RunResult;
use crate::token::mutation;
use crate::verdict::group::WeaknessGroup;

/// How bad a weakness is (drives SARIF's `security-severity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// What a report says about one weakness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// A short title.
    pub name: String,
    /// What the target did wrong and why it matters.
    pub summary: String,
    /// How to fix it.
    pub fix: String,
    /// How bad it is.
    pub severity: Severity,
}

/// Explains a group of a run: its id in the table, else (for an id derived from a mutation id)
/// through the catalog mutation of its representative case, else from its scenario.
pub fn explain(run: &RunResult, group: &WeaknessGroup) -> Explanation {
    if let Some(known) = lookup(&group.weakness.id) {
        return known;
    }
    let case = &run.cases[group.representative()];
    let probe = case
        .culprit
        .and_then(|index| case.exchanges.get(index))
        .and_then(|exchange| exchange.mutation.as_deref())
        .and_then(|id| mutation::find(id).ok());
    // A weakness id made from the mutation (`{mutation}-accepted`, `-refused`, `-mishandled`) is
    // explained by the weakness the catalog names for that mutation.
    if let Some(probe) = probe
        && group
            .weakness
            .id
            .strip_prefix(probe.id)
            .is_some_and(|rest| rest.starts_with('-'))
        && let Some(mut known) = lookup(probe.weakness().id)
    {
        known.summary = format!(
            "{} Probe `{}`: {}.",
            known.summary,
            probe.id,
            probe.description.trim_end_matches('.')
        );
        return known;
    }
    let scenario = &run.scenarios[case.scenario];
    let mut summary = format!("A check failed: {}.", scenario.title.trim_end_matches('.'));
    if let Some(note) = &scenario.note {
        summary.push(' ');
        summary.push_str(note.trim());
    }
    Explanation {
        name: humanise(&group.weakness.id),
        summary,
        fix: format!(
            "Make the target answer as scenario `{}` expects ({}:{}).",
            scenario.id,
            scenario.file.display(),
            scenario.line
        ),
        severity: Severity::Medium,
    }
}

/// The table entry for `id`, if any.
pub fn lookup(id: &str) -> Option<Explanation> {
    KNOWN
        .iter()
        .find(|(known, ..)| *known == id)
        .map(|(_, name, severity, summary, fix)| Explanation {
            name: (*name).to_string(),
            summary: (*summary).to_string(),
            fix: (*fix).to_string(),
            severity: *severity,
        })
}

/// `task-read-idor` -> `Task read idor`.
fn humanise(id: &str) -> String {
    let text = id.replace('-', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

use Severity::{High, Low, Medium};

/// (id, name, severity, summary, fix).
type Entry = (
    &'static str,
    &'static str,
    Severity,
    &'static str,
    &'static str,
);

const OWNER_FILTER: &str = "Scope every lookup by the authenticated owner (e.g. `WHERE id = ? AND user_id = ?`, \
     the user id taken from the verified token) and answer 404 for an object that is not the caller's, \
     exactly as for one that does not exist.";

const KNOWN: &[Entry] = &[
    (
        "alg-none-accepted",
        "Unsigned token accepted (alg \"none\")",
        High,
        "The target accepted a token whose header says `alg: none` (in some spelling) without a valid signature: anyone can forge a token for any user.",
        "Verify every token with the configured key and an explicit algorithm allowlist; never let the token header select \"none\" or skip verification.",
    ),
    (
        "algorithm-outside-allowlist-accepted",
        "Algorithm outside the allowlist accepted",
        High,
        "The target accepted a token signed under an algorithm its policy does not allow (e.g. HS512 with the HS256 secret, PS256 with an RS256 key).",
        "Bind each key to exactly one algorithm (RFC 8725 §3.1) and refuse any other `alg` before verifying.",
    ),
    (
        "alg-header-not-validated",
        "Missing or unknown alg accepted",
        High,
        "The target accepted a token whose `alg` header is missing, unknown or not a string.",
        "Refuse a token unless its `alg` is exactly one of the allowed algorithm names.",
    ),
    (
        "key-confusion-accepted",
        "Algorithm confusion: public key used as HMAC secret",
        High,
        "The target accepted an HS256/384/512 token MACed with its own public key (some encoding of it): whoever has the public key can forge tokens.",
        "Never take the algorithm from the token: an asymmetric key only verifies its own algorithm (RFC 8725 §2.1). Update the JWT library.",
    ),
    (
        "weak-hmac-secret-accepted",
        "Empty or well-known HMAC secret",
        High,
        "The target accepted a token MACed with an empty or publicly known secret (a sample or placeholder value).",
        "Use a random secret of at least the hash size (32 bytes for HS256) from a secret store, or an asymmetric algorithm.",
    ),
    (
        "psychic-signature-accepted",
        "ECDSA \"psychic signature\" accepted (r = s = 0)",
        High,
        "The target accepted an ECDSA signature whose r and s are zero (CVE-2022-21449): any payload verifies.",
        "Update the runtime or crypto library; refuse ECDSA signatures with r or s outside 1..n-1.",
    ),
    (
        "malformed-signature-accepted",
        "Malformed signature accepted",
        High,
        "The target accepted an ECDSA or EdDSA signature of the wrong length or in a non-canonical form (malleable tokens).",
        "Use a verifier that checks the signature length and canonical form (raw R||S for JWS ECDSA, S < L for Ed25519).",
    ),
    (
        "signature-not-verified",
        "Signature not verified",
        High,
        "The target accepted a token whose payload, header or signature was altered, or that an untrusted key signed: the claims are decoded but not verified.",
        "Verify the signature against the trusted key before reading any claim; never authenticate with a decode-only helper.",
    ),
    (
        "kid-not-validated",
        "Key id (kid) used unsafely",
        High,
        "The target used the token's `kid` header unsafely (as a file path, in a query, or accepting an unknown id) to pick the verification key.",
        "Treat `kid` as an opaque lookup key into the configured key set only, and refuse unknown ids.",
    ),
    (
        "remote-key-url-trusted",
        "Key fetched from a URL in the token (jku/x5u)",
        High,
        "The target fetched a key from a URL named in the token header (`jku` or `x5u`) and trusted it: the attacker chooses the verification key, and the fetch is a server-side request forgery.",
        "Ignore `jku` and `x5u` (or accept only exact, pre-configured URLs); keys come from the server's configuration.",
    ),
    (
        "embedded-key-trusted",
        "Key embedded in the token trusted (jwk/x5c)",
        High,
        "The target verified the signature with a key or certificate carried by the token itself (`jwk` or `x5c` header).",
        "Never verify with a key taken from the token; use only the configured key set.",
    ),
    (
        "critical-header-ignored",
        "Critical header ignored",
        Medium,
        "The target accepted a token with a `crit` header (or `b64: false`) it does not implement; RFC 7515 §4.1.11 requires refusing it.",
        "Refuse a token whose `crit` lists any extension the verifier does not understand.",
    ),
    (
        "nested-token-accepted",
        "Nested or encrypted token accepted",
        Medium,
        "The target accepted a nested token (`cty: JWT`) or an encrypted one where a plain signed access token is expected.",
        "Accept only signed JWTs of the expected type; refuse `cty: JWT` and JWE unless designed for.",
    ),
    (
        "claims-url-processed",
        "URL in a token fetched (SSRF)",
        Medium,
        "The target fetched a URL placed in a token header or claim: the attacker host recorded the request (server-side request forgery).",
        "Never dereference URLs found in token contents.",
    ),
    (
        "expiry-not-enforced",
        "Expired or non-expiring token accepted",
        High,
        "The target accepted a token expired beyond the leeway, or one without `exp`: a leaked token works forever.",
        "Require `exp` and compare it with the clock, with a small leeway (at most 60 s).",
    ),
    (
        "time-claims-not-enforced",
        "nbf / iat not enforced",
        Medium,
        "The target accepted a token that is not valid yet (`nbf` in the future) or claims to be issued in the future (`iat`).",
        "Honour `nbf`, and refuse `iat` further in the future than the leeway.",
    ),
    (
        "issuer-not-validated",
        "Issuer (iss) not validated",
        High,
        "The target accepted a token with a wrong or missing `iss`: tokens minted by another issuer are accepted.",
        "Require `iss` and compare it exactly with the configured issuer.",
    ),
    (
        "audience-not-validated",
        "Audience (aud) not validated",
        High,
        "The target accepted a token with a wrong or missing `aud`: a token issued for another service can be replayed here.",
        "Require `aud` and check that it is, or contains, this API's audience.",
    ),
    (
        "subject-not-validated",
        "Subject (sub) not validated",
        High,
        "The target accepted a token whose `sub` is missing, empty or not a string.",
        "Require a non-empty string `sub` before using it as the user id.",
    ),
    (
        "identity-confusion",
        "Identity confusion",
        High,
        "The target acted as a user other than the token's subject (a re-cased `sub`, another user's `sub` on the victim's path, or a competing identity claim).",
        "Take the user id only from the verified `sub`, compare it exactly (no case folding) and check it against the user in the path.",
    ),
    (
        "token-type-confusion",
        "Token of another type accepted",
        Medium,
        "The target accepted a token of another type (`typ`) or meant for another purpose, such as an ID token.",
        "Check `typ` (e.g. `at+jwt`) or a dedicated claim so that only access tokens are accepted.",
    ),
    (
        "non-canonical-encoding-accepted",
        "Non-canonical base64url accepted",
        Low,
        "The target accepted a token re-encoded with padding, standard-base64 characters or whitespace: deny lists keyed by the token string can be bypassed.",
        "Decode strict base64url only: no padding, no `+` or `/`, no whitespace.",
    ),
    (
        "ambiguous-credentials-accepted",
        "Ambiguous credentials accepted",
        High,
        "The target accepted a request with two credentials (two Authorization headers, or a header plus a query token), where middleware and handler may read different ones.",
        "Answer 400 `invalid_request` when more than one credential is present (RFC 6750 §3.1).",
    ),
    (
        "duplicate-members-accepted",
        "Duplicate JSON members accepted",
        Medium,
        "The target accepted a header or payload with duplicate member names (e.g. two `sub`), a parser differential between verifier and application.",
        "Refuse JOSE headers and claim sets with duplicate member names.",
    ),
    (
        "oversized-token-accepted",
        "Oversized or pathological token not refused",
        Low,
        "The target accepted, or spent unbounded effort on, a huge token, one with very many dots, or deeply nested JSON.",
        "Cap the Authorization header size and JSON depth, and refuse early with 400, 401 or 431.",
    ),
    (
        "missing-token-accepted",
        "Request without credentials accepted",
        High,
        "The target served a protected operation to a request without any credential.",
        "Require authentication on every route that is not on an explicit public allowlist (deny by default).",
    ),
    (
        "token-accepted-outside-bearer-header",
        "Token accepted outside the Bearer header",
        Medium,
        "The target accepted the token from a query parameter, another header, another scheme or with no scheme, where tokens leak into logs and Referer headers.",
        "Read the token only from `Authorization: Bearer` (scheme matched case-insensitively).",
    ),
    (
        "cookie-fallback-accepted",
        "Fallback to a cookie on an invalid token",
        High,
        "With an invalid bearer token, the target fell back to a cookie and authenticated the request.",
        "An invalid bearer token is a 401, whatever else the request carries; never fall back to cookies.",
    ),
    (
        "malformed-token-accepted",
        "Malformed token accepted",
        High,
        "The target accepted a token that is not a well-formed compact JWS.",
        "Parse strictly: exactly three base64url segments, JSON object header and payload, then verify.",
    ),
    (
        "token-variant-refused",
        "Correct token variant refused",
        Low,
        "The target refused a correct variant of a valid token or of its presentation (an expiry within the leeway, a lower-case `bearer` scheme, an `aud` array holding the audience). A conformance note: it locks users out but lets no attacker in.",
        "Match the Bearer scheme case-insensitively (RFC 9110 §11.1), apply the configured leeway, accept an `aud` array that contains the audience.",
    ),
    (
        "valid-token-refused",
        "Valid token refused",
        Low,
        "The target refused a correct token or presentation (e.g. within the clock-skew leeway, or a lower-case `bearer` scheme): an interoperability defect, not a vulnerability.",
        "Match the Bearer scheme case-insensitively (RFC 9110 §11.1) and apply the configured leeway.",
    ),
    (
        "server-error",
        "Server error (5xx) on hostile input",
        Medium,
        "The target answered 5xx: some input makes it fail instead of refusing cleanly, and error paths are where checks get skipped and details leak.",
        "Turn every parsing and verification error into a 4xx (401 for a bad token); never let an exception escape as a 500.",
    ),
    (
        "invalid-token-error-missing",
        "Bearer challenge without error=\"invalid_token\"",
        Low,
        "The target refused a bad token with 401 and a Bearer challenge, but without `error=\"invalid_token\"` (RFC 6750 §3.1, FR-035). A conformance note: clients still know to authenticate.",
        "Add `error=\"invalid_token\"` to the challenge of a 401 for a presented token.",
    ),
    (
        "validation-before-auth",
        "Request validated before its token",
        Low,
        "The target refused the request as malformed (400, 413, 415 or 422) before judging its token: nothing was accepted, but an anonymous caller learns the route's validation rules (FR-038). A conformance note: FastAPI and express do this by default.",
        "Run the authentication dependency before body and path validation (in FastAPI, a router-level dependency), so that a request without valid credentials always gets 401.",
    ),
    (
        "unexpected-refusal-status",
        "Refused with another status than the spec's",
        Low,
        "The target refused the request, but with another status than the spec names (e.g. 400, 404 or 422 where 401 belongs for a bad token, or a redirect): nothing was accepted, but clients cannot tell an authentication failure from other errors.",
        "Answer missing or invalid credentials with 401 and a Bearer challenge before any other check (FR-034, FR-035, FR-038); a valid token on another user's path gets 403 (FR-040).",
    ),
    (
        "numeric-date-as-string-accepted",
        "exp given as a string accepted",
        Low,
        "The target accepted a token whose `exp` is a numeric string instead of a NumericDate (RFC 7519 §2). A conformance note: the time is still compared with the clock.",
        "Refuse time claims that are not JSON numbers.",
    ),
    (
        "future-iat-accepted",
        "iat in the future accepted",
        Low,
        "The target accepted a token whose `iat` is in the future. A conformance note: `exp` still bounds its life.",
        "Refuse `iat` further in the future than the leeway.",
    ),
    (
        "json-bom-accepted",
        "Byte-order mark before the JSON accepted",
        Low,
        "The target accepted a token whose header or payload JSON starts with a UTF-8 byte-order mark (RFC 8259 §8.1 says MUST NOT add one). A conformance note: the signature still covers it.",
        "Parse token parts with a strict JSON parser that refuses a BOM.",
    ),
    (
        "invalid-utf8-accepted",
        "Invalid UTF-8 in the payload accepted",
        Low,
        "The target accepted a token whose payload is not valid UTF-8, decoding it leniently. A conformance note: the signature still covers it.",
        "Refuse token parts that are not valid UTF-8 JSON.",
    ),
    (
        "missing-www-authenticate",
        "401 without WWW-Authenticate",
        Low,
        "The target answered 401 without a `WWW-Authenticate: Bearer` challenge (RFC 9110 §15.5.2, RFC 6750 §3).",
        "Send `WWW-Authenticate: Bearer realm=\"...\"` on every 401, with `error=\"invalid_token\"` when a token was presented.",
    ),
    (
        "forbidden-instead-of-401",
        "403 instead of 401 for bad credentials",
        Low,
        "The target answered 403 to missing or invalid credentials; authentication failures are 401 (RFC 6750 §3.1).",
        "Answer 401 with a Bearer challenge for missing or invalid credentials; keep 403 for valid tokens without permission.",
    ),
    (
        "cookie-set",
        "Cookie set by a stateless API",
        Medium,
        "An answer set a cookie: the API keeps session state beside the JWT.",
        "Do not issue cookies from the API; authenticate every request by its bearer token alone.",
    ),
    (
        "session-cookie-accepted",
        "Session cookie authenticates",
        High,
        "A cookie alone authenticated a request, with no token.",
        "Ignore cookies for authentication; accept only the bearer token.",
    ),
    (
        "path-user-not-checked",
        "Path user not checked against the token",
        High,
        "A user acted on another user's path (`{user_id}`) with their own valid token.",
        "Compare the user id in the path with the token's `sub` on every request and answer 403 when they differ.",
    ),
    (
        "request-user-not-checked",
        "User named in the request body trusted over the token",
        High,
        "A user acted for another user by naming them in the request body (a `user_id` argument, e.g. of an MCP tool) with their own valid token.",
        "Take the acting user from the verified token only; refuse (or answer with an error result) when a user id in the request names someone else.",
    ),
    (
        "task-read-idor",
        "Another user's object readable by id (IDOR)",
        High,
        "A user read an object owned by another user by its id (broken object-level authorization, OWASP API1).",
        OWNER_FILTER,
    ),
    (
        "task-write-idor",
        "Another user's object writable by id (IDOR)",
        High,
        "A user changed, completed or deleted an object owned by another user by its id (broken object-level authorization, OWASP API1).",
        OWNER_FILTER,
    ),
    (
        "list-leaks-other-users",
        "Listing leaks other users' objects",
        High,
        "A listing returned objects that belong to other users.",
        "Filter every listing query by the authenticated owner.",
    ),
    (
        "mcp-trusts-user-id",
        "MCP tools trust the user_id argument",
        High,
        "An MCP tool acted for the `user_id` argument instead of the token's subject.",
        "Refuse (isError) a tool call whose `user_id` differs from the token's `sub`, or drop the argument and use the token's identity.",
    ),
    (
        "chat-continues-foreign-conversation",
        "Another user's conversation continued",
        High,
        "The chat endpoint continued, and revealed, a conversation that belongs to another user.",
        "Load conversations by id and owner; answer 404 for one that is not the caller's.",
    ),
    (
        "agent-acts-as-named-user",
        "Agent acts as a user named in the prompt",
        High,
        "The chat agent acted for a user named in the message (\"as user bob, ...\") instead of the caller.",
        "Give the agent's tools the caller's identity from the token; never take an identity from model input.",
    ),
    (
        "conversation-idor",
        "Another user's conversation reachable by id (IDOR)",
        High,
        "A user continued or read a conversation owned by another user by its id.",
        "Load conversations by id and owner (the user id taken from the verified token); answer 404 for one that is not the caller's.",
    ),
    (
        "mcp-tool-acts-for-another-user",
        "MCP tool acts for another user",
        High,
        "An MCP tool called with one user's token acted on, or revealed, another user's data.",
        "Run every tool as the token's subject: refuse a `user_id` argument that differs from `sub`, and resolve ids among the caller's objects only.",
    ),
    (
        "agent-confused-deputy",
        "Chat agent is a confused deputy",
        High,
        "The chat agent acted for, or revealed data of, a user other than the caller because the message named or claimed another identity (OWASP LLM01, LLM06).",
        "Give the agent's tools the caller's identity from the token only; ids in a message resolve among the caller's objects only.",
    ),
    (
        "owner-field-injection",
        "Owner set from the request body (mass assignment)",
        High,
        "Owner or id fields in a request body changed whose object it is (broken object property level authorization, OWASP API3).",
        "Take the owner from the verified token only; ignore (or refuse) `user_id`, `owner` and `id` in bodies.",
    ),
    (
        "existence-oracle",
        "Existence oracle (403 vs 404)",
        Medium,
        "Another user's object id answers differently from an id that was never allocated, so any user can enumerate other users' objects.",
        "Answer 404 both for an object that does not exist and for one that is not the caller's.",
    ),
    (
        "lookup-before-auth",
        "Lookup before authentication",
        Medium,
        "Without a valid token the answer depends on whether ids exist or the body is valid: an anonymous caller learns about the data.",
        "Authenticate first: any request without a valid token gets the same 401, before routing by existence or validating the body.",
    ),
    (
        "mcp-endpoint-open",
        "MCP endpoint without authentication",
        High,
        "A JSON-RPC method of the MCP endpoint answered without a valid bearer token.",
        "Apply the same bearer authentication to the MCP endpoint as to the REST routes, for every method (initialize and ping included).",
    ),
    (
        "health-requires-auth",
        "Health check requires credentials",
        Low,
        "The public health endpoint refused a request because of its credentials (or their absence); liveness probes run without them.",
        "Keep public routes public: ignore any Authorization header on them.",
    ),
    (
        "unauthenticated-answer-wrong",
        "Wrong answer to missing or invalid credentials",
        Low,
        "A request with missing or invalid credentials did not get a 401 with a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3, RFC 9110 §15.5.2).",
        "Answer 401 with `WWW-Authenticate: Bearer realm=\"...\"` (plus `error=\"invalid_token\"` when a token was presented); keep 403 for valid tokens without permission.",
    ),
    (
        "error-body-leaks-detail",
        "Error body leaks details",
        Medium,
        "A refusal echoed the token or showed a stack trace, a file path or a library name (OWASP API8).",
        "Return a fixed, generic error body (an error code and a short message) and log details server-side only.",
    ),
    (
        "malformed-header-mishandled",
        "Odd Authorization header mishandled",
        Medium,
        "An unusual Authorization header (binary bytes, a lone scheme, only spaces, several words) was not refused as missing or invalid credentials.",
        "Parse the header strictly (`Bearer` + one token) and answer 400 or 401 with a Bearer challenge for anything else.",
    ),
    (
        "invalid-body-accepted",
        "Invalid request body accepted",
        Medium,
        "A body that is not JSON or breaks the schema was not refused with 400, 415 or 422, or it changed data.",
        "Validate bodies against the schema before acting, and refuse invalid ones without side effects.",
    ),
    (
        "lenient-id-parsing",
        "Lenient id parsing",
        Medium,
        "An id that is not a plain integer (e.g. `1.5`, `1abc`, an overflowing number) reached an object or crashed the target.",
        "Parse path ids strictly (digits only, bounded) and answer 404 for anything else.",
    ),
    (
        "connection-session",
        "Authentication carried over the connection",
        High,
        "A request on a kept-alive connection was authenticated by an earlier request's token: the server keeps per-connection session state.",
        "Authenticate every request on its own token; never cache an identity per connection.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::mutation::catalog;

    #[test]
    fn every_weakness_of_the_catalog_is_explained() {
        for probe in catalog() {
            let id = probe.weakness().id;
            assert!(lookup(id).is_some(), "{id} (of {}) has no text", probe.id);
        }
    }

    #[test]
    fn every_reference_flaw_that_is_a_weakness_id_is_explained() {
        for id in [
            "alg-none-accepted",
            "signature-not-verified",
            "path-user-not-checked",
            "task-read-idor",
            "task-write-idor",
            "list-leaks-other-users",
            "mcp-trusts-user-id",
            "chat-continues-foreign-conversation",
            "agent-acts-as-named-user",
            "session-cookie-accepted",
            "missing-www-authenticate",
            "forbidden-instead-of-401",
            "server-error",
        ] {
            assert!(lookup(id).is_some(), "{id}");
        }
    }

    #[test]
    fn table_ids_are_unique_and_texts_are_sentences() {
        let mut ids: Vec<&str> = KNOWN.iter().map(|(id, ..)| *id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), before, "duplicate id in the table");
        for (id, name, _, summary, fix) in KNOWN {
            assert!(!name.ends_with('.'), "{id}: a name is not a sentence");
            assert!(summary.ends_with('.') && fix.ends_with('.'), "{id}");
        }
    }

    #[test]
    fn humanise_capitalises_and_spaces() {
        assert_eq!(humanise("cookie-set"), "Cookie set");
        assert_eq!(humanise(""), "");
    }
}
