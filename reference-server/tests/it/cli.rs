//! The binary: first stdout line, refusal to start on bad configuration, flaw warning, route layout,
//! SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::fixture;

fn server() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_reference-server"));
    command
        .env_remove("REFSERVER_FLAW")
        .env_remove("REFSERVER_ROUTES")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn jwks() -> String {
    fixture("issuer", "jwks-ed25519.json").display().to_string()
}

/// Reads the first stdout line (or `None` if the process ends without one) within 30 s.
fn first_line(child: &mut Child) -> Option<String> {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line).unwrap_or(0);
        let _ = tx.send((read > 0).then_some(line));
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("server wrote or exited")
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

/// The port announced on the first stdout line.
fn port_of(line: &str) -> u16 {
    line.trim_end()
        .strip_prefix("listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .unwrap()
}

/// A raw `GET path` on 127.0.0.1:`port`; the whole response, head and body.
fn get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn binary_announces_its_address_first_and_exits_on_sigterm() {
    let mut child = server()
        .args(["--jwks", &jwks(), "--listen", "127.0.0.1:0"])
        .spawn()
        .unwrap();
    let line = first_line(&mut child).expect("a first line");
    let port = port_of(&line);
    assert_ne!(port, 0);
    let response = get(port, "/health");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    terminate(&child);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
}

/// Asserts that the binary does not start with `args` and `env`; returns its standard error.
fn refuses(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut command = server();
    command.args(args).env_remove("S");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().unwrap();
    assert!(!output.status.success(), "{args:?} started");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("listening on"));
    assert!(!output.stderr.is_empty());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn fr_009_binary_refuses_alg_none_in_the_allowlist() {
    refuses(&["--jwks", &jwks(), "--alg", "none"], &[]);
    refuses(&["--jwks", &jwks(), "--alg", "EdDSA,none"], &[]);
}

#[test]
fn fr_011_binary_refuses_hmac_with_a_jwks() {
    refuses(&["--jwks", &jwks(), "--alg", "EdDSA,HS256"], &[]);
}

#[test]
fn fr_013_binary_refuses_weak_empty_or_unset_secrets() {
    let short = "s".repeat(31);
    refuses(
        &["--hs256-secret-env", "S", "--alg", "HS256"],
        &[("S", &short)],
    );
    refuses(&["--hs256-secret-env", "S", "--alg", "HS256"], &[("S", "")]);
    refuses(&["--hs256-secret-env", "S", "--alg", "HS256"], &[]);
}

#[test]
fn fr_033_binary_refuses_a_leeway_above_sixty_seconds() {
    refuses(&["--jwks", &jwks(), "--leeway", "61"], &[]);
}

#[test]
fn binary_refuses_bad_key_sources_and_unknown_flaws() {
    refuses(&[], &[]);
    refuses(&["--jwks", "/nonexistent/jwks.json"], &[]);
    refuses(
        &[
            "--jwks",
            &jwks(),
            "--jwks-url",
            "http://127.0.0.1:9/jwks.json",
        ],
        &[],
    );
    refuses(&["--jwks", &jwks(), "--flaw", "no-such-flaw"], &[]);
}

#[test]
fn binary_warns_loudly_about_an_active_flaw() {
    let mut child = server()
        .args(["--jwks", &jwks(), "--flaw", "alg-none-accepted"])
        .spawn()
        .unwrap();
    let line = first_line(&mut child).expect("a first line");
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
    terminate(&child);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("WARNING"), "{stderr}");
    assert!(
        stderr.contains("alg-none-accepted") && stderr.contains("FR-009"),
        "{stderr}"
    );
}

#[test]
fn binary_refuses_an_unknown_route_layout_and_names_the_known_ones() {
    let stderr = refuses(&["--jwks", &jwks(), "--routes", "fastapi"], &[]);
    assert!(
        stderr.contains("unknown route layout `fastapi` (known: contract, items)"),
        "{stderr}"
    );
    let stderr = refuses(&["--jwks", &jwks()], &[("REFSERVER_ROUTES", "v2")]);
    assert!(stderr.contains("known: contract, items"), "{stderr}");
}

#[test]
fn binary_serves_the_items_layout() {
    let mut child = server()
        .args(["--jwks", &jwks(), "--routes", "items"])
        .spawn()
        .unwrap();
    let port = port_of(&first_line(&mut child).expect("a first line"));
    let document = get(port, "/openapi.json");
    assert!(document.starts_with("HTTP/1.1 200"), "{document}");
    assert!(document.contains("\"openapi\": \"3.1.0\""), "{document}");
    let contract = get(port, "/api/alice/tasks");
    assert!(contract.starts_with("HTTP/1.1 404"), "{contract}");
    let items = get(port, "/api/v1/users/alice/items");
    assert!(items.starts_with("HTTP/1.1 401"), "{items}");
    terminate(&child);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
}
