use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

use super::*;

fn settings(connect: u64, request: u64) -> TargetSettings {
    TargetSettings {
        connect_timeout: Duration::from_secs(connect),
        request_timeout: Duration::from_secs(request),
        ..TargetSettings::default()
    }
}

async fn get(settings: TargetSettings, url: &str) -> Result<Exchange, SendError> {
    let client = HttpClient::new(settings).expect("client");
    client.send(&RequestSpec::new(Method::GET, url)).await
}

#[tokio::test]
async fn a_timeout_while_connecting_is_named_the_connect_timeout() {
    // A listener that never accepts, its queue (backlog 1) filled: the kernel drops further
    // connection attempts, so connecting hangs until the connect timeout.
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind("127.0.0.1:0".parse().unwrap()).expect("bind");
    let listener = socket.listen(1).expect("listen");
    let address = listener.local_addr().expect("address");
    let mut queued = Vec::new();
    for _ in 0..8 {
        let attempt = TcpStream::connect(address);
        if let Ok(Ok(stream)) = tokio::time::timeout(Duration::from_millis(200), attempt).await {
            queued.push(stream);
        }
    }
    let outcome = get(settings(1, 30), &format!("http://{address}/")).await;
    let err = outcome.expect_err("no connection");
    assert!(
        matches!(err, SendError::ConnectTimeout(after) if after == Duration::from_secs(1)),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "could not connect within 1s (the connect timeout)"
    );
    drop((listener, queued));
}

#[tokio::test]
async fn a_timeout_while_waiting_for_the_answer_is_named_the_request_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        // Accepted, never answered.
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(stream);
    });
    let err = get(settings(30, 1), &format!("http://{address}/"))
        .await
        .expect_err("no answer");
    assert!(
        matches!(err, SendError::Timeout(after) if after == Duration::from_secs(1)),
        "{err:?}"
    );
    assert!(err.to_string().contains("the request timeout"), "{err}");
    server.abort();
}

/// A listener that reads a request and answers `answer`, then closes.
async fn answering(answer: &'static [u8]) -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let server = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut head = [0u8; 4096];
            let _ = stream.read(&mut head).await;
            let _ = stream.write_all(answer).await;
            let _ = stream.shutdown().await;
        }
    });
    (format!("http://{address}/"), server)
}

#[tokio::test]
async fn an_answer_that_is_not_http_is_named_so() {
    // A TLS alert record (what a TLS server answers to plain text), then another protocol's banner.
    for answer in [
        &b"\x15\x03\x03\x00\x02\x02\x32"[..],
        &b"SSH-2.0-OpenSSH_9.6\r\n"[..],
    ] {
        let (url, server) = answering(answer).await;
        let err = get(settings(5, 5), &url).await.expect_err("not HTTP");
        assert!(matches!(err, SendError::NotHttp(_)), "{err:?}");
        assert!(
            err.to_string().starts_with("the answer is not HTTP"),
            "{err}"
        );
        assert!(err.is_transport());
        server.abort();
    }
}

#[tokio::test]
async fn a_connection_closed_without_an_answer_is_broken_not_garbage() {
    let (url, server) = answering(b"").await;
    let err = get(settings(5, 5), &url).await.expect_err("no answer");
    assert!(matches!(err, SendError::Broken(_)), "{err:?}");
    server.abort();
}

/// A listener that answers 200 to every request and hands over each request's head.
async fn recording() -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let (heads, received) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut head = vec![0u8; 8192];
            let read = stream.read(&mut head).await.unwrap_or(0);
            let _ = heads.send(String::from_utf8_lossy(&head[..read]).to_lowercase());
            let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
            let _ = stream.write_all(answer).await;
            let _ = stream.shutdown().await;
        }
    });
    (format!("http://{address}/"), received)
}

#[tokio::test]
async fn accept_and_user_agent_are_sent_unless_the_spec_sets_them() {
    let (url, mut heads) = recording().await;
    let client = HttpClient::new(settings(5, 5)).expect("client");
    let plain = client.send(&RequestSpec::new(Method::GET, &url)).await;
    assert_eq!(plain.expect("answer").body, b"ok");
    let head = heads.recv().await.expect("head");
    assert!(head.contains("\r\naccept: */*\r\n"), "{head}");
    assert!(
        head.contains(&format!("\r\nuser-agent: {USER_AGENT}\r\n")),
        "{head}"
    );
    let own = RequestSpec::new(Method::GET, &url)
        .header("Accept", "application/json")
        .header("User-Agent", "probe");
    client.send(&own).await.expect("answer");
    let head = heads.recv().await.expect("head");
    assert_eq!(head.matches("\r\naccept:").count(), 1, "{head}");
    assert!(head.contains("\r\naccept: application/json\r\n"), "{head}");
    assert_eq!(head.matches("\r\nuser-agent:").count(), 1, "{head}");
    assert!(head.contains("\r\nuser-agent: probe\r\n"), "{head}");
}

#[tokio::test]
async fn an_https_target_whose_certificate_is_not_trusted_gets_no_request() {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("cert");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![made.cert.der().clone()], key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let (heads, mut received) = tokio::sync::mpsc::unbounded_channel::<usize>();
    let server = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            // The handshake fails at the client: no request byte ever arrives.
            if let Ok(mut tls) = acceptor.accept(stream).await {
                let mut head = [0u8; 4096];
                let _ = heads.send(tls.read(&mut head).await.unwrap_or(0));
            }
        }
    });
    let spec = RequestSpec::new(Method::GET, format!("https://{address}/"))
        .header("authorization", "Bearer secret");
    let err = HttpClient::new(settings(5, 5))
        .expect("client")
        .send(&spec)
        .await
        .expect_err("untrusted certificate");
    assert!(matches!(err, SendError::Connect(_)), "{err:?}");
    assert!(err.to_string().contains("certificate"), "{err}");
    assert!(received.try_recv().is_err(), "a request reached the server");
    server.abort();
}

#[tokio::test]
async fn https_instead_is_none_for_a_listener_that_does_not_speak_tls() {
    let (url, server) = answering(b"SSH-2.0-OpenSSH_9.6\r\n").await;
    assert_eq!(https_instead(&url, &settings(5, 5)).await, None);
    assert_eq!(
        https_instead("https://127.0.0.1:1", &settings(5, 5)).await,
        None
    );
    server.abort();
}
