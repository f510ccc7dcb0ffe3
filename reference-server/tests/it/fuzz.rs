//! FR-058: no request, whatever its bytes, gets a 5xx or crashes the server. A 10,000-case proptest
//! drives the real router in-process (`tower::ServiceExt::oneshot`), a smaller one goes over HTTP.

use axum::body::Body;
use axum::http::{HeaderValue, Request};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tower::ServiceExt;

use crate::common::*;

/// One generated request.
#[derive(Debug, Clone)]
struct Case {
    method: &'static str,
    path: String,
    authorization: Vec<Vec<u8>>,
    cookie: Option<Vec<u8>>,
    query: Option<String>,
    body: Vec<u8>,
}

/// Header values may not hold control bytes; replace them so that the case stays sendable.
fn header_safe(mut bytes: Vec<u8>) -> Vec<u8> {
    for b in &mut bytes {
        if (*b < 0x20 && *b != b'\t') || *b == 0x7f {
            *b = b'x';
        }
    }
    bytes
}

fn mutate(token: &str, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut bytes = token.as_bytes().to_vec();
    for &(index, byte, op) in edits {
        if bytes.is_empty() {
            bytes.push(byte);
            continue;
        }
        let i = index % bytes.len();
        match op % 3 {
            0 => bytes[i] = byte,
            1 => bytes.insert(i, byte),
            _ => {
                bytes.remove(i);
            }
        }
    }
    bytes
}

fn token_bytes() -> impl Strategy<Value = Vec<u8>> {
    let valid = token("alice");
    let valid_for_mutation = valid.clone();
    let json_values = prop_oneof![
        Just("null".to_owned()),
        Just("\"none\"".to_owned()),
        Just("\"EdDSA\"".to_owned()),
        Just("\"HS256\"".to_owned()),
        Just("1e400".to_owned()),
        Just("-1".to_owned()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        Just("\"test-ed25519\"".to_owned()),
        "[a-z0-9]{0,8}".prop_map(|s| format!("\"{s}\"")),
        any::<i64>().prop_map(|n| n.to_string()),
    ];
    let header_json = (
        json_values.clone(),
        json_values.clone(),
        proptest::option::of(json_values.clone()),
    )
        .prop_map(|(alg, kid, extra)| match extra {
            Some(extra) => format!(r#"{{"alg":{alg},"kid":{kid},"crit":{extra}}}"#),
            None => format!(r#"{{"alg":{alg},"kid":{kid}}}"#),
        });
    let claims_json =
        (json_values.clone(), json_values.clone(), json_values).prop_map(|(sub, exp, aud)| {
            format!(r#"{{"sub":{sub},"exp":{exp},"aud":{aud},"iss":"http://localhost:3000"}}"#)
        });
    prop_oneof![
        vec(any::<u8>(), 0..160),
        "[A-Za-z0-9_=+/. -]{0,300}".prop_map(String::into_bytes),
        vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4)
            .prop_map(move |edits| mutate(&valid_for_mutation, &edits)),
        (header_json, claims_json, "[A-Za-z0-9_-]{0,90}").prop_map(|(h, c, s)| format!(
            "{}.{}.{s}",
            b64(h),
            b64(c)
        )
        .into_bytes()),
        (
            vec(any::<u8>(), 0..48),
            vec(any::<u8>(), 0..48),
            vec(any::<u8>(), 0..64)
        )
            .prop_map(|(h, p, s)| format!("{}.{}.{}", b64(h), b64(p), b64(s)).into_bytes()),
        Just(valid.into_bytes()),
        Just(vec![b'.'; 5000]),
    ]
}

fn authorization_value() -> impl Strategy<Value = Vec<u8>> {
    let scheme = prop_oneof![
        Just(&b"Bearer "[..]),
        Just(&b"bearer "[..]),
        Just(&b"BEARER  "[..]),
        Just(&b""[..]),
        Just(&b"Basic "[..]),
        Just(&b"Bearer\t"[..]),
        Just(&b"Token "[..]),
    ];
    (scheme, token_bytes()).prop_map(|(scheme, token)| header_safe([scheme, &token[..]].concat()))
}

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

fn case() -> impl Strategy<Value = Case> {
    let user = prop_oneof![
        Just("alice".to_owned()),
        Just("bob".to_owned()),
        "[a-zA-Z0-9%._~-]{1,12}"
    ];
    let id = prop_oneof![Just("1".to_owned()), "[0-9]{1,20}", "[a-z0-9.%-]{1,8}"];
    // Mostly a method the route serves, so that most cases reach authentication and the handlers.
    let route = (0..8usize, 0..12usize, user, id).prop_map(|(route, pick, user, id)| {
        let (served, path): (&[&'static str], String) = match route {
            0 => (&["GET", "POST"], format!("/api/{user}/tasks")),
            1 => (&["GET", "PUT", "DELETE"], format!("/api/{user}/tasks/{id}")),
            2 => (&["PATCH"], format!("/api/{user}/tasks/{id}/complete")),
            3 => (&["POST"], format!("/api/{user}/chat")),
            4 => (&["GET"], format!("/api/{user}/conversations/{id}")),
            5 => (&["POST"], "/mcp".to_owned()),
            6 => (&["GET"], "/health".to_owned()),
            _ => (&["GET"], format!("/api/{user}/{id}")),
        };
        let method = if pick < 10 {
            served[pick % served.len()]
        } else {
            METHODS[pick % METHODS.len()]
        };
        (method, path)
    });
    let body = prop_oneof![
        vec(any::<u8>(), 0..64),
        Just(
            br#"{"title":"t","message":"list tasks","jsonrpc":"2.0","id":1,"method":"tools/list"}"#
                .to_vec()
        ),
        Just(br#"{"message":"add task x","conversation_id":1}"#.to_vec()),
    ];
    (
        route,
        vec(authorization_value(), 0..3),
        proptest::option::of(vec(any::<u8>(), 0..40).prop_map(header_safe)),
        proptest::option::of("[A-Za-z0-9_=.%&-]{0,60}".prop_map(|q| format!("access_token={q}"))),
        body,
    )
        .prop_map(
            |((method, path), authorization, cookie, query, body)| Case {
                method,
                path,
                authorization,
                cookie,
                query,
                body,
            },
        )
}

fn uri(case: &Case) -> String {
    match &case.query {
        Some(query) => format!("{}?{query}", case.path),
        None => case.path.clone(),
    }
}

#[test]
fn fr_058_never_5xx_for_any_token_or_header_bytes_in_process() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let router = rt.block_on(async {
        let state = reference_server::build_state(&default_config())
            .await
            .unwrap();
        reference_server::router(state)
    });
    let config = Config {
        cases: 10_000,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let sent = std::sync::atomic::AtomicUsize::new(0);
    let statuses = std::sync::Mutex::new(std::collections::BTreeMap::<u16, usize>::new());
    runner
        .run(&case(), |case| {
            let mut builder = Request::builder().method(case.method).uri(uri(&case));
            for value in &case.authorization {
                builder = builder.header("authorization", HeaderValue::from_bytes(value).unwrap());
            }
            if let Some(cookie) = &case.cookie {
                builder = builder.header("cookie", HeaderValue::from_bytes(cookie).unwrap());
            }
            let Ok(request) = builder.body(Body::from(case.body.clone())) else {
                return Ok(()); // not a valid URI: a client could not send it either
            };
            let response = rt.block_on(router.clone().oneshot(request)).unwrap();
            sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            *statuses
                .lock()
                .unwrap()
                .entry(response.status().as_u16())
                .or_default() += 1;
            prop_assert!(
                response.status().as_u16() < 500,
                "status {} for {case:?}",
                response.status()
            );
            Ok(())
        })
        .unwrap();
    let sent = sent.into_inner();
    let statuses = statuses.into_inner().unwrap();
    assert!(sent >= 9_000, "only {sent} of 10,000 cases were sendable");
    // The strategy reaches past authentication too, not only the 401 path.
    assert!(
        statuses.get(&200).copied().unwrap_or(0) > 100,
        "{statuses:?}"
    );
    assert!(
        statuses.get(&401).copied().unwrap_or(0) > 1_000,
        "{statuses:?}"
    );
    eprintln!("fuzz statuses: {statuses:?}");
    let after = rt.block_on(async {
        let request = Request::builder()
            .uri("/api/alice/tasks")
            .header("authorization", format!("Bearer {}", token("alice")))
            .body(Body::empty())
            .unwrap();
        router.clone().oneshot(request).await.unwrap()
    });
    assert_eq!(after.status(), 200);
}

#[test]
fn fr_058_never_5xx_for_any_token_or_header_bytes_over_http() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let srv = rt.block_on(Srv::default());
    let config = Config {
        cases: 300,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    runner
        .run(&case(), |case| {
            let method = reqwest::Method::from_bytes(case.method.as_bytes()).unwrap();
            let mut builder = srv.client.request(method, srv.url(&uri(&case)));
            let mut headers = reqwest::header::HeaderMap::new();
            for value in &case.authorization {
                headers.append("authorization", HeaderValue::from_bytes(value).unwrap());
            }
            if let Some(cookie) = &case.cookie {
                headers.append("cookie", HeaderValue::from_bytes(cookie).unwrap());
            }
            builder = builder.headers(headers).body(case.body.clone());
            let Ok(response) = rt.block_on(async move { builder.send().await }) else {
                return Ok(()); // e.g. a URL reqwest refuses to build
            };
            prop_assert!(
                response.status().as_u16() < 500,
                "status {} for {case:?}",
                response.status()
            );
            Ok(())
        })
        .unwrap();
    let alice = rt.block_on(srv.get("/api/alice/tasks", &token("alice")));
    assert_eq!(alice.status, 200);
}
