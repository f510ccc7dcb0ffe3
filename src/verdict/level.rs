//! Whether a weakness fails the gate or is a conformance note: the one place that says so.
//!
//! The gate fails on what gives an attacker something and on what the auth plan demands outright
//! (401 versus 403, the Bearer challenge: FR-034, FR-035). A deviation that gives an attacker nothing
//! and that mainstream libraries show in their default, correct use is a *note*: shown and counted in
//! every report, failing the gate only at the strict level (`policy.level: strict` or `--strict`).

/// How much a weakness weighs in the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Fails the gate.
    Gate,
    /// Shown and counted; fails the gate only at the strict level.
    Note,
}

impl Level {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Gate => "gate",
            Level::Note => "note",
        }
    }
}

/// The weaknesses that are notes, each with the reason it gives an attacker nothing and who shows it.
pub const NOTES: &[(&str, &str)] = &[
    (
        "invalid-token-error-missing",
        "a bare `Bearer` challenge still tells the client to authenticate (RFC 6750 §3.1 `error` is a SHOULD in practice); FastAPI's HTTPBearer and most hand-written 401s send it",
    ),
    (
        "validation-before-auth",
        "the request was refused all the same; FastAPI and express validate bodies and path parameters (422, 400) before an auth dependency runs",
    ),
    (
        "non-canonical-encoding-accepted",
        "padding or non-canonical base64url bits do not change the signed claims; PyJWT accepts them",
    ),
    (
        "critical-header-ignored",
        "an ignored `crit` or `b64` header cannot change what the signature covers; node jsonwebtoken ignores `crit`",
    ),
    (
        "future-iat-accepted",
        "`iat` in the future grants no access `exp` does not already grant; node jsonwebtoken accepts it",
    ),
    (
        "numeric-date-as-string-accepted",
        "a string `exp` holding a valid future time is still compared with the clock; PyJWT converts it",
    ),
    (
        "json-bom-accepted",
        "a byte-order mark before the JSON of a signed part changes nothing the signature covers; PyJWT decodes it",
    ),
    (
        "invalid-utf8-accepted",
        "lenient UTF-8 decoding of a signed payload changes nothing the signature covers; node jsonwebtoken decodes it",
    ),
    (
        "token-variant-refused",
        "refusing a correct variant (a lower-case scheme, an expiry within the leeway) locks users out but lets no attacker in",
    ),
];

/// The level of a weakness id at the default level: a note when [`NOTES`] lists it.
pub fn of(id: &str) -> Level {
    if NOTES.iter().any(|(note, _)| *note == id) {
        Level::Note
    } else {
        Level::Gate
    }
}

/// Why `id` is a note, if it is one.
pub fn note_reason(id: &str) -> Option<&'static str> {
    NOTES
        .iter()
        .find(|(note, _)| *note == id)
        .map(|(_, reason)| *reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attacks_gate_and_library_defaults_are_notes() {
        assert_eq!(of("alg-none-accepted"), Level::Gate);
        assert_eq!(of("missing-www-authenticate"), Level::Gate);
        assert_eq!(of("critical-header-ignored"), Level::Note);
        assert!(note_reason("future-iat-accepted").is_some());
        assert!(note_reason("signature-not-verified").is_none());
    }

    #[test]
    fn notes_are_listed_once() {
        let mut ids: Vec<&str> = NOTES.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), NOTES.len());
    }
}
