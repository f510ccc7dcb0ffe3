//! Tokens from a real issuer: a real Better Auth server (interop/better-auth: `better-auth` with its JWT
//! plugin, EdDSA keys it makes and keeps itself) signs alice and bob up and in through the login flow
//! of `interop/profiles/better-auth-login.yaml`, and the reference server verifies their tokens through
//! Better Auth's JWKS URL. The harness holds no issuer key: the run passes, the attacks that need the key
//! are skipped with that reason, and a switched flaw is named as exactly its weaknesses. Both servers
//! run on ephemeral loopback ports and are stopped when the test ends (Better Auth by pid).

mod binary;
mod servers;

use std::collections::BTreeSet;
use std::path::PathBuf;

use servers::{Server, setup, weaknesses};

use reference_server::{Flaw, KeySource, ServerConfig};

/// The password of the test users (read by the profile from this variable).
const PASSWORD: &str = "authconform-test-password";

/// The committed profile with Better Auth's documented address replaced by this run's.
fn profile_for(issuer: &str, name: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("interop/profiles/better-auth-login.yaml"))
        .expect("the profile is committed");
    assert!(text.contains("http://127.0.0.1:3000"));
    let dir = binary::scratch("better-auth-login", name);
    let path = dir.join("profile.yaml");
    std::fs::write(&path, text.replace("http://127.0.0.1:3000", issuer)).unwrap();
    path
}

/// Runs the suite against the reference server verifying through `issuer`'s JWKS URL.
fn run(issuer: &str, flaw: Option<Flaw>, filter: Option<&str>, name: &str) -> binary::Output {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut config = ServerConfig::new(KeySource::JwksUrl(format!("{issuer}/api/auth/jwks")));
    config.issuer = issuer.to_string();
    config.audience = issuer.to_string();
    config.flaw = flaw;
    let server = runtime
        .block_on(reference_server::start(config))
        .expect("the reference server starts");
    let profile = profile_for(issuer, name);
    let mut args = vec![
        "run".to_string(),
        "--target".to_string(),
        server.base_url(),
        "--profile".to_string(),
        profile.display().to_string(),
        "--seed".to_string(),
        "1".to_string(),
    ];
    if let Some(filter) = filter {
        args.extend(["--filter".to_string(), filter.to_string()]);
    }
    let started = std::time::Instant::now();
    let output = binary::authconform()
        .env("AUTHCONFORM_TEST_PASSWORD", PASSWORD)
        .args(&args)
        .output()
        .expect("the binary runs");
    runtime.block_on(server.shutdown());
    binary::Output::of(output, started.elapsed())
}

#[test]
fn the_suite_runs_with_tokens_from_a_real_better_auth_login() {
    setup();
    let issuer = Server::start("node", "interop/better-auth/server.js", &[]);

    let clean = run(&issuer.url, None, None, "clean");
    assert_eq!(clean.code, 0, "{}\n{}", clean.stdout, clean.stderr);
    for user in ["alice", "bob"] {
        assert!(
            clean
                .stderr
                .contains(&format!("{user}: token from login `better-auth` (user id ")),
            "{}",
            clean.stderr
        );
    }
    assert!(clean.stdout.contains("gate: PASSED"), "{}", clean.stdout);
    assert!(
        clean.stdout.contains(
            "not applicable: needs the issuer's signing key, which the harness does not hold"
        ),
        "{}",
        clean.stdout
    );
    assert!(weaknesses(&clean.stdout).is_empty(), "{}", clean.stdout);

    // A second run logs the same users in again (sign-up answers 422, the flow goes on).
    let flaws: [(Flaw, &str, &[&str]); 2] = [
        (
            Flaw::AlgNoneAccepted,
            "category:enforcement",
            &["alg-none-accepted"],
        ),
        (
            Flaw::TaskReadIdor,
            "category:isolation",
            &["task-read-idor", "object-read-idor", "existence-oracle"],
        ),
    ];
    for (flaw, filter, expected) in flaws {
        let flawed = run(&issuer.url, Some(flaw), Some(filter), flaw.id());
        assert_eq!(
            flawed.code, 1,
            "{flaw}: {}\n{}",
            flawed.stdout, flawed.stderr
        );
        let expected: BTreeSet<String> = expected.iter().map(|id| id.to_string()).collect();
        assert_eq!(weaknesses(&flawed.stdout), expected, "{}", flawed.stdout);
    }
}

/// `run` against an unreachable target with the profile, the password variable set to `password`
/// (or unset): the login happens (or fails) before the target is ever contacted.
fn log_in(profile: &std::path::Path, password: Option<&str>) -> (Option<i32>, String) {
    let mut command = binary::authconform();
    match password {
        Some(password) => command.env("AUTHCONFORM_TEST_PASSWORD", password),
        None => command.env_remove("AUTHCONFORM_TEST_PASSWORD"),
    };
    let output = command
        .args(["run", "--target", "http://127.0.0.1:9", "--profile"])
        .arg(profile)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_wrong_password_stops_the_run_before_any_case_with_the_issuers_answer() {
    setup();
    let issuer = Server::start("node", "interop/better-auth/server.js", &[]);
    let profile = profile_for(&issuer.url, "wrong-password");
    // Sign-up creates the users with one password; signing in with another is refused.
    let (_, first) = log_in(&profile, Some(PASSWORD));
    assert!(first.contains("alice: token from login"), "{first}");
    let (code, stderr) = log_in(&profile, Some("another-password-entirely"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "cannot log in: alice: login `better-auth` step 2 (POST /api/auth/sign-in/email): answered 401"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("INVALID_EMAIL_OR_PASSWORD"), "{stderr}");
    // Without the variable the profile names, nothing is sent at all.
    let (code, stderr) = log_in(&profile, None);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "alice: token.vars.password: environment variable `AUTHCONFORM_TEST_PASSWORD` is not set"
        ),
        "{stderr}"
    );
}
