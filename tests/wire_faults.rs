//! Wire faults (issue 15, point 3), through the binary against real listeners on 127.0.0.1: a TLS
//! listener behind an `http://` URL and a listener that answers bytes that are not HTTP end the run with
//! exit 3 and a sentence before any case is judged; a target that stops answering after some requests
//! (hangs, or refuses connections) ends the run with exit 3 after `timeouts.give_up_after` transport
//! failures in a row, saying how far it got, with the cases not run reported as not run; so does one
//! whose answers start to drip a byte at a time or to carry 1 MiB of headers.
//!
//! Each run is bounded: the child is killed by its pid past [`RUN_LIMIT`] and the test fails. The
//! bound a stopped target must meet is about `give_up_after` x the request timeout (1 s here) plus the
//! run's start; [`RUN_LIMIT`] is far above it and is a hang guard, not a speed check.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

mod binary;
mod common;

use axum::response::{IntoResponse, Response};
use binary::Output;
use common::proxy::{Divert, Proxy};
use futures_util::future::BoxFuture;
use reference_server::config::{KeySource, ServerConfig};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig as TlsConfig;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// Upper bound on one run of the binary: only reached if it hangs.
const RUN_LIMIT: Duration = Duration::from_secs(120);
/// `timeouts.give_up_after` of the profile the stopping targets are run with.
const GIVE_UP_AFTER: usize = 5;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh, empty folder for this test.
fn scratch(name: &str) -> PathBuf {
    binary::scratch("wire-faults", name)
}

/// Runs the binary from the repository root; kills it by its pid if it outlives [`RUN_LIMIT`].
fn run(args: &[&str]) -> Output {
    binary::run_within(args, RUN_LIMIT)
}

/// The reference profile (its TEST ONLY keys by absolute path) with 1 s timeouts and
/// [`GIVE_UP_AFTER`].
fn profile(dir: &Path) -> PathBuf {
    let keys = root().join("fixtures/keys/issuer");
    let text = format!(
        "timeouts: {{ request_secs: 1, connect_secs: 1, give_up_after: {GIVE_UP_AFTER} }}\n\
         per_case_users: true\n\
         issuer:\n  alg: EdDSA\n  key:\n    pem: {}\n  kid: test-ed25519\n  \
         iss: http://localhost:3000\n  aud: http://localhost:3000\n\
         target_keys:\n  jwks_file: {}\n\
         principals:\n  alice:\n    sub: alice\n  bob:\n    sub: bob\n",
        keys.join("ed25519.pem").display(),
        keys.join("jwks-ed25519.json").display()
    );
    let path = dir.join("profile.yaml");
    std::fs::write(&path, text).expect("write profile");
    path
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A TLS server with a self-signed certificate made now, answering 200 over TLS.
async fn tls_server() -> String {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("cert");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()));
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let config = TlsConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![made.cert.der().clone()], key)
        .expect("server config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // Plain HTTP fails the handshake (rustls answers with an alert); TLS gets an answer.
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut head = [0u8; 4096];
                let _ = tls.read(&mut head).await;
                let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
                let _ = tls.write_all(answer).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    format!("http://{address}")
}

/// A listener that answers every request with another protocol's banner.
async fn garbage_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = [0u8; 4096];
                let _ = stream.read(&mut head).await;
                let _ = stream
                    .write_all(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01garbage")
                    .await;
                let _ = stream.shutdown().await;
            });
        }
    });
    format!("http://{address}")
}

/// Runs a small filter against `target`, a listener that fails the probe, and checks that the run
/// ended with exit 3 before any verdict.
fn probe_fault(target: &str) -> Output {
    let out = run(&[
        "run",
        "--target",
        target,
        "--profile",
        "fixtures/profiles/reference.yaml",
        "--filter",
        "no-set-cookie",
    ]);
    assert_eq!(
        out.code, 3,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(!out.stdout.contains("gate:"), "no verdict: {}", out.stdout);
    out
}

#[test]
fn a_tls_listener_behind_http_is_named_and_exits_3() {
    let runtime = runtime();
    let target = runtime.block_on(tls_server());
    let out = probe_fault(&target);
    let https = target.replacen("http://", "https://", 1);
    assert!(
        out.stderr.contains("speaks TLS") && out.stderr.contains(&https),
        "{}",
        out.stderr
    );
    runtime.shutdown_background();
}

#[test]
fn a_listener_that_does_not_speak_http_is_named_and_exits_3() {
    let runtime = runtime();
    let target = runtime.block_on(garbage_server());
    let out = probe_fault(&target);
    assert!(out.stderr.contains("does not speak HTTP"), "{}", out.stderr);
    assert!(!out.stderr.contains("TLS"), "{}", out.stderr);
    runtime.shutdown_background();
}

/// What the proxy does once its budget of answered requests is spent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// Every further request waits forever.
    Hang,
    /// The listener closes (new connections are refused) and open connections end.
    Refuse,
    /// Every further answer is a 200 whose body drips one byte every 200 ms and never ends.
    Drip,
    /// Every further answer is a 200 with 1 MiB of headers (over any client's limit).
    HugeHeaders,
}

/// A 200 whose body drips one byte every 200 ms, forever.
fn dripping() -> Response {
    let drops = futures_util::stream::unfold((), |()| async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        Some((
            Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"x")),
            (),
        ))
    });
    (
        axum::http::StatusCode::OK,
        axum::body::Body::from_stream(drops),
    )
        .into_response()
}

/// A 200 with 2,048 headers of 512 bytes each.
fn huge_headers() -> Response {
    let mut headers = axum::http::HeaderMap::new();
    let value = axum::http::HeaderValue::from_str(&"v".repeat(512)).expect("header value");
    for index in 0..2048 {
        let name = axum::http::HeaderName::try_from(format!("x-pad-{index}")).expect("name");
        headers.insert(name, value.clone());
    }
    (axum::http::StatusCode::OK, headers, "{}").into_response()
}

/// Starts the reference server and a proxy in front of it that forwards `budget` requests, then
/// stops answering as `stop` says; the proxy's URL.
async fn stopping_target(budget: usize, stop: Stop) -> String {
    let jwks = root().join("fixtures/keys/issuer/jwks-ed25519.json");
    let server = reference_server::start(ServerConfig::new(KeySource::JwksFile(jwks)))
        .await
        .expect("the reference server starts");
    let divert: Divert = Box::new(move |index, proxy| {
        if index < budget {
            return None;
        }
        let answer: BoxFuture<'static, Response> = match stop {
            Stop::Drip => Box::pin(async { dripping() }),
            Stop::HugeHeaders => Box::pin(async { huge_headers() }),
            Stop::Refuse => {
                proxy.close();
                Box::pin(std::future::pending())
            }
            Stop::Hang => Box::pin(std::future::pending()),
        };
        Some(answer)
    });
    let (_proxy, url) = Proxy::start_diverting(server.base_url(), divert).await;
    // Kept running until the runtime is dropped.
    std::mem::forget(server);
    url
}

/// Runs the isolation suite against a target that stops after `budget` answers and checks the end:
/// exit 3, how far it got, and a JSON report with the rest as not run and no weakness.
fn stops_with_exit_3(name: &str, stop: Stop) {
    let dir = scratch(name);
    let profile = profile(&dir);
    let report = dir.join("report.json");
    let runtime = runtime();
    let target = runtime.block_on(stopping_target(120, stop));
    let out = run(&[
        "run",
        "--target",
        &target,
        "--profile",
        profile.to_str().unwrap(),
        "--filter",
        "category:isolation",
        "--jobs",
        "4",
        "--seed",
        "1",
        "--report",
        &format!("json:{}", report.display()),
    ]);
    runtime.shutdown_background();
    assert_eq!(
        out.code, 3,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stderr.contains(&format!(
            "stopped after {GIVE_UP_AFTER} transport failures in a row"
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("the last answer: "), "{}", out.stderr);
    let (run_count, total) = how_far(&out.stderr);
    assert!(0 < run_count && run_count < total, "{run_count} of {total}");
    eprintln!("{name}: ended after {:?}", out.elapsed);

    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("the report is written"))
            .expect("valid JSON");
    assert_eq!(report["gate_passed"], false);
    let halted = &report["conditions"]["halted"];
    assert_eq!(halted["failures"], GIVE_UP_AFTER, "{halted}");
    assert_eq!(halted["cases_run"], run_count, "{halted}");
    assert_eq!(halted["cases_total"], total, "{halted}");
    assert!(halted["last_answer"]["answer"].is_string(), "{halted}");
    let cases = report["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), total, "every case is in the report");
    let not_run = cases
        .iter()
        .filter(|case| {
            case["verdict"] == "skipped"
                && case["reason"]
                    .as_str()
                    .is_some_and(|reason| reason.starts_with("not run: the run stopped"))
        })
        .count();
    assert_eq!(not_run, total - run_count, "the rest are not run");
    assert!(
        cases.iter().all(|case| case["verdict"] != "fail"),
        "a target that stopped answering is no weakness"
    );
}

/// `X of Y cases were run` from the message.
fn how_far(stderr: &str) -> (usize, usize) {
    let at = stderr.find(" cases were run").expect("how far it got");
    let words: Vec<&str> = stderr[..at].split_whitespace().rev().take(3).collect();
    match words.as_slice() {
        [total, "of", done] => (done.parse().unwrap(), total.parse().unwrap()),
        other => panic!("unexpected {other:?} in {stderr}"),
    }
}

#[test]
fn a_target_that_hangs_mid_run_ends_it_with_exit_3() {
    stops_with_exit_3("hang", Stop::Hang);
}

#[test]
fn a_target_that_refuses_connections_mid_run_ends_it_with_exit_3() {
    stops_with_exit_3("refuse", Stop::Refuse);
}

#[test]
fn a_target_whose_answers_drip_mid_run_ends_it_with_exit_3() {
    stops_with_exit_3("drip", Stop::Drip);
}

#[test]
fn a_target_whose_headers_are_huge_mid_run_ends_it_with_exit_3() {
    stops_with_exit_3("huge-headers", Stop::HugeHeaders);
}
