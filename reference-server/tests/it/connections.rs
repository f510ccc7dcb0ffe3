//! Connection hardening (issue 15; no requirement of specs/spec.md): a header-read timeout, an idle
//! timeout and a connection limit, with graceful shutdown kept. Raw sockets play the stalled clients.
//! Every wait is bounded by `BOUND`, far above the short timeouts configured here; no test asserts
//! speed.

use std::net::SocketAddr;
use std::time::Duration;

use reference_server::config::ServerConfig;
use reference_server::{ConnectionLimits, RunningServer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::sleep;

use crate::common::*;

/// The longest any step may take before the test fails.
const BOUND: Duration = Duration::from_secs(20);
/// A timeout that never fires within `BOUND`.
const LONG: Duration = Duration::from_secs(120);
/// A timeout that fires well within `BOUND`.
const SHORT: Duration = Duration::from_millis(300);

fn config(header_read_timeout: Duration, idle_timeout: Duration, max: usize) -> ServerConfig {
    let mut config = default_config();
    config.connections = ConnectionLimits {
        header_read_timeout,
        idle_timeout,
        max_connections: max,
    };
    config
}

/// A connection that has sent `bytes` (maybe none) and then nothing more.
async fn open(addr: SocketAddr, bytes: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    stream.write_all(bytes).await.expect("sends");
    stream
}

/// Reads until the server closes the connection: what it sent, or `None` if it was still open
/// after `BOUND`.
async fn until_closed(stream: &mut (impl AsyncRead + Unpin)) -> Option<Vec<u8>> {
    let mut received = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(BOUND, read).await.ok()?;
    Some(received)
}

/// Waits (bounded) until the server serves exactly `n` connections.
async fn wait_for_open(server: &RunningServer, n: usize) {
    for _ in 0..400 {
        if server.connections().open == n {
            return;
        }
        sleep(Duration::from_millis(50)).await;
    }
    panic!("never {n} open connections: {:?}", server.connections());
}

/// A client that opens a new connection per request and closes it after the answer.
fn one_shot_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(0)
        .timeout(BOUND)
        .build()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn stalled_connections_are_closed_after_the_header_read_timeout_and_others_are_served() {
    let srv = Srv::start(config(SHORT, LONG, 64)).await;
    let addr = srv.server.addr();
    let mut silent = open(addr, b"").await;
    let mut half = open(addr, b"GET /api/al").await;
    let drip = open(
        addr,
        b"GET /api/alice/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: ",
    )
    .await;
    // One header byte every 50 ms: never idle, but the head never ends.
    let (mut drip_read, mut drip_write) = drip.into_split();
    let dripper = tokio::spawn(async move {
        for _ in 0..400 {
            if drip_write.write_all(b"a").await.is_err() {
                return;
            }
            sleep(Duration::from_millis(50)).await;
        }
    });
    let served = srv.get("/api/alice/tasks", &token("alice")).await;
    assert_eq!(served.status, 200, "{}", served.text);
    assert!(until_closed(&mut silent).await.is_some(), "silent: open");
    assert!(until_closed(&mut half).await.is_some(), "half a line: open");
    assert!(until_closed(&mut drip_read).await.is_some(), "drip: open");
    dripper.abort();
    // A new client on a new connection (the pooled one of the first request may be closed by now as
    // idle, a race with its reuse that is not what this test is about).
    let again = one_shot_client()
        .get(format!("http://{addr}/api/alice/tasks"))
        .bearer_auth(token("alice"))
        .send()
        .await
        .expect("request sent");
    assert_eq!(again.status().as_u16(), 200);
}

#[tokio::test]
async fn at_the_connection_limit_a_new_client_waits_for_a_free_slot() {
    let srv = Srv::start(config(LONG, LONG, 4)).await;
    let addr = srv.server.addr();
    let client = one_shot_client();
    let get = move || {
        client
            .get(format!("http://{addr}/api/alice/tasks"))
            .bearer_auth(token("alice"))
            .send()
    };
    let mut stalled = Vec::new();
    for _ in 0..3 {
        stalled.push(open(addr, b"").await);
    }
    wait_for_open(&srv.server, 3).await;
    // Below the limit, stalled connections block nobody.
    assert_eq!(get().await.expect("served").status(), 200);
    wait_for_open(&srv.server, 3).await;
    stalled.push(open(addr, b"").await);
    wait_for_open(&srv.server, 4).await;
    let waiting = tokio::spawn(get());
    sleep(SHORT).await;
    // Whatever the timing, a request cannot be answered while every slot is held.
    assert!(!waiting.is_finished(), "served beyond the limit");
    assert_eq!(srv.server.connections().open, 4);
    drop(stalled.pop());
    let answer = tokio::time::timeout(BOUND, waiting)
        .await
        .expect("served once a slot is free")
        .unwrap()
        .expect("answered");
    assert_eq!(answer.status(), 200);
    assert_eq!(srv.server.connections().peak, 4);
}

#[tokio::test]
async fn stalled_connections_beyond_the_limit_time_out_and_the_server_recovers() {
    let srv = Srv::start(config(SHORT, LONG, 4)).await;
    let addr = srv.server.addr();
    let mut stalled = Vec::new();
    for i in 0..12 {
        let sent: &[u8] = if i % 2 == 0 { b"" } else { b"GET / HT" };
        stalled.push(open(addr, sent).await);
    }
    // Queued behind all of them; served once they have timed out, four at a time.
    let served = srv.get("/api/alice/tasks", &token("alice")).await;
    assert_eq!(served.status, 200, "{}", served.text);
    for (i, stream) in stalled.iter_mut().enumerate() {
        assert!(until_closed(stream).await.is_some(), "stalled {i}: open");
    }
    let count = srv.server.connections();
    assert!((1..=4).contains(&count.peak), "{count:?}");
}

#[tokio::test]
async fn a_kept_alive_connection_is_closed_after_the_idle_timeout() {
    let srv = Srv::start(config(LONG, SHORT, 64)).await;
    let request = b"GET /api/alice/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    // Two requests on one connection, then silence: only the idle timeout can close it in time.
    let mut conn = open(srv.server.addr(), &[&request[..], &request[..]].concat()).await;
    let received = until_closed(&mut conn).await.expect("closed when idle");
    let answers = text(&received);
    assert_eq!(answers.matches("HTTP/1.1 401 ").count(), 2, "{answers}");
    assert!(
        !answers.to_ascii_lowercase().contains("connection: close"),
        "{answers}"
    );
}

#[tokio::test]
async fn a_request_body_that_stops_coming_is_closed_after_the_idle_timeout() {
    let srv = Srv::start(config(LONG, SHORT, 64)).await;
    let head = format!(
        "POST /api/alice/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"title\":",
        token("alice")
    );
    let mut conn = open(srv.server.addr(), head.as_bytes()).await;
    assert!(until_closed(&mut conn).await.is_some(), "open");
    assert!(srv.tasks("alice").await.is_empty());
}

#[tokio::test]
async fn shutdown_lets_an_in_flight_request_finish() {
    let srv = Srv::default().await;
    let addr = srv.server.addr();
    let body = br#"{"title":"in flight"}"#;
    let head = format!(
        "POST /api/alice/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        token("alice"),
        body.len()
    );
    let mut conn = open(addr, head.as_bytes()).await;
    conn.write_all(&body[..5]).await.unwrap();
    wait_for_open(&srv.server, 1).await;
    let stopping = tokio::spawn(srv.server.shutdown());
    sleep(SHORT).await;
    conn.write_all(&body[5..]).await.unwrap();
    let received = until_closed(&mut conn)
        .await
        .expect("closed after the answer");
    let answer = text(&received);
    assert!(answer.starts_with("HTTP/1.1 201 "), "{answer}");
    assert!(answer.contains("in flight"), "{answer}");
    tokio::time::timeout(BOUND, stopping)
        .await
        .expect("shutdown returns")
        .unwrap();
}
