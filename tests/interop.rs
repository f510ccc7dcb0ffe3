//! The bundled suite against independent, correct servers written with the libraries real backends
//! use (interop/: FastAPI + PyJWT or python-jose, express + jsonwebtoken or jose): each passes with no
//! weakness named (conformance notes allowed: they are the libraries' defaults), and each switched
//! flaw is named as exactly its weaknesses. The servers run on ephemeral loopback ports, driven through
//! the `authconform` binary as a user would, and are stopped by pid.
//!
//! `interop/setup.sh` (idempotent) installs their pinned dependencies; CI runs it first, and the first
//! test here runs it too.

mod binary;
mod servers;

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard};

use servers::{Server, setup};

#[derive(Debug, Clone, Copy)]
enum Stack {
    Python,
    Node,
}

/// One server configuration and the profile that drives it (interop/profiles/NAME.yaml).
#[derive(Debug, Clone, Copy)]
struct Config {
    profile: &'static str,
    stack: Stack,
    env: &'static [(&'static str, &'static str)],
}

const PYJWT_EDDSA: Config = Config {
    profile: "pyjwt-eddsa-jwks-file",
    stack: Stack::Python,
    env: &[
        ("VERIFIER", "pyjwt"),
        ("ALGS", "EdDSA"),
        ("JWKS_FILE", "fixtures/keys/issuer/jwks-ed25519.json"),
    ],
};

const PYJWT_RS256_URL: Config = Config {
    profile: "pyjwt-rs256-jwks-url",
    stack: Stack::Python,
    env: &[
        ("VERIFIER", "pyjwt"),
        ("ALGS", "RS256"),
        ("JWKS_URL", "http://127.0.0.1:3101/api/auth/jwks"),
    ],
};

const PYJWT_ES256: Config = Config {
    profile: "pyjwt-es256",
    stack: Stack::Python,
    env: &[
        ("VERIFIER", "pyjwt"),
        ("ALGS", "EdDSA,RS256,ES256,ES384"),
        ("JWKS_FILE", "fixtures/keys/issuer/jwks.json"),
    ],
};

const PYTHON_JOSE_HS256: Config = Config {
    profile: "jose-hs256",
    stack: Stack::Python,
    env: &[
        ("VERIFIER", "python-jose"),
        ("SECRET_FILE", "fixtures/keys/issuer/hs256.secret"),
    ],
};

const EXPRESS_HS256: Config = Config {
    profile: "express-jsonwebtoken-hs256",
    stack: Stack::Node,
    env: &[
        ("VERIFIER", "jsonwebtoken"),
        ("ALG", "HS256"),
        ("SECRET_FILE", "fixtures/keys/issuer/hs256.secret"),
    ],
};

const EXPRESS_RS256: Config = Config {
    profile: "express-jsonwebtoken-rs256",
    stack: Stack::Node,
    env: &[
        ("VERIFIER", "jsonwebtoken"),
        ("ALG", "RS256"),
        ("PUBLIC_KEY_FILE", "fixtures/keys/issuer/rsa2048.pub.pem"),
    ],
};

const NODE_JOSE_EDDSA_URL: Config = Config {
    profile: "node-jose-eddsa-jwks-url",
    stack: Stack::Node,
    env: &[
        ("VERIFIER", "jose"),
        ("ALGS", "EdDSA"),
        ("JWKS_URL", "http://127.0.0.1:3102/api/auth/jwks"),
    ],
};

const ALL: [Config; 7] = [
    PYJWT_EDDSA,
    PYJWT_RS256_URL,
    PYJWT_ES256,
    PYTHON_JOSE_HS256,
    EXPRESS_HS256,
    EXPRESS_RS256,
    NODE_JOSE_EDDSA_URL,
];

/// One run at a time: the JWKS-URL profiles host the issuer on fixed ports, and two runs on two
/// cores would measure each other.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Starts the server of `config`, with `flaw` switched on.
fn start(config: Config, flaw: Option<&str>) -> Server {
    let (program, script) = match config.stack {
        Stack::Python => ("interop/.venv/bin/python", "interop/python/serve.py"),
        Stack::Node => ("node", "interop/node/server.js"),
    };
    let mut env = config.env.to_vec();
    if let Some(flaw) = flaw {
        env.push(("INTEROP_FLAW", flaw));
    }
    Server::start(program, script, &env)
}

/// What a run named: the failing weaknesses and the conformance notes, from the summary.
struct Named {
    code: i32,
    weaknesses: BTreeSet<String>,
    notes: BTreeSet<String>,
    stdout: String,
}

fn run(config: Config, flaw: Option<&str>, filter: Option<&str>) -> Named {
    let server = start(config, flaw);
    let profile = format!("interop/profiles/{}.yaml", config.profile);
    let mut args = vec![
        "run".to_string(),
        "--target".to_string(),
        server.url.clone(),
        "--profile".to_string(),
        profile,
        "--seed".to_string(),
        "1".to_string(),
    ];
    if let Some(filter) = filter {
        args.extend(["--filter".to_string(), filter.to_string()]);
    }
    let out = binary::run(&args);
    drop(server);
    named(out.code, &out.stdout)
}

/// Parses `  N. id (CWE-n), criterion: ...` and `  - id: ...` lines of the summary.
fn named(code: i32, stdout: &str) -> Named {
    let mut weaknesses = BTreeSet::new();
    let mut notes = BTreeSet::new();
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("  - ")
            && let Some((id, _)) = rest.split_once(':')
        {
            notes.insert(id.to_string());
        }
        let trimmed = line.trim_start();
        if line.starts_with("  ")
            && let Some((number, rest)) = trimmed.split_once(". ")
            && number.chars().all(|c| c.is_ascii_digit())
            && let Some(id) = rest.split([' ', ',']).next()
        {
            weaknesses.insert(id.to_string());
        }
    }
    Named {
        code,
        weaknesses,
        notes,
        stdout: stdout.to_string(),
    }
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|id| (*id).to_string()).collect()
}

#[test]
fn every_interop_server_passes_with_no_weakness() {
    let _serial = serial();
    setup();
    for config in ALL {
        let named = run(config, None, None);
        assert!(
            named.weaknesses.is_empty() && named.code == 0,
            "{}: exit {}, weaknesses {:?}\n{}",
            config.profile,
            named.code,
            named.weaknesses,
            named.stdout
        );
        assert!(
            named.stdout.contains("gate: PASSED"),
            "{}\n{}",
            config.profile,
            named.stdout
        );
        // Whatever the libraries do by default is at most a note.
        for note in &named.notes {
            assert!(
                authconform::weakness::find(note).is_some_and(|known| known.note.is_some()),
                "{}: {note}",
                config.profile
            );
        }
    }
}

#[test]
fn each_switched_flaw_is_named_as_exactly_its_weaknesses() {
    let _serial = serial();
    setup();
    // (configuration, flaw, the scenarios it concerns, the weaknesses it must be named as). The
    // manifestations are the same fault under another probe: the generic-API and existence
    // scenarios' names for reading another user's task, or for a tool trusting the `user_id` it is
    // given (the identity probes that reach the victim's data where another user's plain token
    // already does take that plain access's name). python-jose told not to verify the signature never
    // reads `alg` either, so a validly signed token with a lower-case or duplicated `alg` passes too;
    // every token no trusted key signed is folded into `signature-not-verified`.
    let cases: [(Config, &str, &str, &[&str]); 7] = [
        (
            PYTHON_JOSE_HS256,
            "signature-not-verified",
            "category:enforcement",
            &[
                "signature-not-verified",
                "alg-header-not-validated",
                "duplicate-members-accepted",
            ],
        ),
        (
            PYJWT_EDDSA,
            "exp-not-checked",
            "category:enforcement",
            &["expiry-not-enforced"],
        ),
        (
            PYJWT_EDDSA,
            "task-read-idor",
            "category:isolation",
            &["task-read-idor", "object-read-idor", "existence-oracle"],
        ),
        (
            PYJWT_EDDSA,
            "path-user-not-checked",
            "category:isolation",
            &["path-user-not-checked"],
        ),
        (
            PYJWT_EDDSA,
            "mcp-trusts-user-id",
            "category:isolation",
            &["mcp-tool-acts-for-another-user", "request-user-not-checked"],
        ),
        (
            EXPRESS_HS256,
            "aud-ignored",
            "category:enforcement",
            &["audience-not-validated"],
        ),
        (
            NODE_JOSE_EDDSA_URL,
            "exp-not-checked",
            "category:enforcement",
            &["expiry-not-enforced"],
        ),
    ];
    for (config, flaw, filter, expected) in cases {
        let named = run(config, Some(flaw), Some(filter));
        assert_eq!(
            named.weaknesses,
            set(expected),
            "{} with {flaw}\n{}",
            config.profile,
            named.stdout
        );
        assert_eq!(named.code, 1, "{} with {flaw}", config.profile);
    }
}
