//! The runner against misbehaving targets (issue 5, Acceptance): a redirect to another host, a slow
//! answer, a 500, an oversized body, a connection closed mid-answer, an unreachable target and a
//! target that leaks another user's canary. Each gives the right verdict, and the run finishes.
//!
//! Targets are wiremock servers, plus raw TCP fixtures for what wiremock cannot do (an answer cut
//! short, an answer that never ends), all on 127.0.0.1. Suites are built directly from the plan
//! types, so only the runner is under test. (Over 600 lines: one fixture and test per misbehaviour,
//! kept side by side with the helpers they share.)

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use authconform::outcome::{
    CaseResult, EVIDENCE_BUDGET_BYTES, EXCERPT_BYTES, ExchangeRecord, KEPT_BODY_BYTES, Phase,
    RunResult, Verdict,
};
use authconform::profile::Profile;
use authconform::runner::{self, OnCase, RunError, RunOptions};
use authconform::scenario::{
    BodyTemplate, Case, Category, ExpectPlan, RequestTemplate, ScenarioInfo, StatusMatcher,
    StepPlan, Suite, TokenPlan, Weakness,
};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The request timeout of every run here; the slow target answers well after it.
const TIMEOUT: Duration = Duration::from_secs(1);
/// Upper bound on a whole run: only reached if the runner hangs.
const RUN_LIMIT: Duration = Duration::from_secs(20);

/// The embedded reference profile with 1 s timeouts and a body cap of `max_body_bytes`, its users shared
/// by every case (the mock routes name `alice`).
fn profile(max_body_bytes: usize) -> Arc<Profile> {
    let mut profile = Profile::embedded_reference().expect("embedded profile");
    profile.per_case_users = false;
    profile.target_settings.request_timeout = TIMEOUT;
    profile.target_settings.connect_timeout = TIMEOUT;
    profile.target_settings.max_body_bytes = max_body_bytes;
    Arc::new(profile)
}

fn request(method: &str, path: &str) -> RequestTemplate {
    RequestTemplate {
        method: method.parse().unwrap(),
        path: path.into(),
        query: Vec::new(),
        headers: Vec::new(),
        body: None,
    }
}

fn expect_status(status: StatusMatcher) -> ExpectPlan {
    ExpectPlan {
        status: Some(status),
        ..ExpectPlan::default()
    }
}

/// An attack step by `actor` on their own path with a valid token.
fn step(actor: &str, request: RequestTemplate, expect: ExpectPlan) -> StepPlan {
    StepPlan {
        actor: actor.into(),
        path_user: actor.into(),
        token: TokenPlan::Valid,
        request,
        captures: Vec::new(),
        expect,
        options: Default::default(),
    }
}

fn case(id: &str, setup: Vec<StepPlan>, steps: Vec<StepPlan>) -> Case {
    Case {
        id: id.into(),
        scenario: 0,
        bindings: Vec::new(),
        weakness: Weakness {
            id: format!("{id}-weakness"),
            cwe: Some(287),
        },
        setup: setup.into(),
        steps: steps.into(),
        verify: Default::default(),
        not_applicable: None,
    }
}

fn suite(cases: Vec<Case>) -> Suite {
    let scenario = ScenarioInfo {
        id: "hostile".into(),
        title: "The runner copes with a misbehaving target".into(),
        category: Category::Robustness,
        requirements: Vec::new(),
        tags: Vec::new(),
        file: PathBuf::from("tests/runner_hostile_targets.rs"),
        line: 1,
        note: None,
    };
    Suite {
        scenarios: vec![scenario],
        cases,
        ..Suite::default()
    }
}

/// Runs `suite` against `base_url`, failing the test if the run does not finish in [`RUN_LIMIT`].
async fn run_with(
    suite: &Suite,
    profile: Arc<Profile>,
    base_url: &str,
    on_case: OnCase,
) -> Result<RunResult, RunError> {
    let options = RunOptions {
        base_url: base_url.to_string(),
        jobs: 4,
        fail_fast: false,
        seed: 7,
        adaptive: false,
        strict: false,
        embedded: false,
        reveal_tokens: false,
        load: Default::default(),
        partition: None,
    };
    tokio::time::timeout(RUN_LIMIT, runner::run(suite, profile, &options, on_case))
        .await
        .expect("the run must finish (no hang on a misbehaving target)")
}

async fn run_ok(suite: &Suite, profile: Arc<Profile>, base_url: &str) -> RunResult {
    run_with(suite, profile, base_url, Arc::new(|_: &CaseResult| {}))
        .await
        .expect("the target is reachable")
}

fn only_case(result: &RunResult) -> &CaseResult {
    assert_eq!(result.cases.len(), 1, "{:#?}", result.cases);
    &result.cases[0]
}

/// The attack step's exchange of a case.
fn attack_exchange(case: &CaseResult) -> &ExchangeRecord {
    case.exchanges
        .iter()
        .find(|e| e.phase == Phase::Step)
        .expect("an attack step was sent")
}

fn bearer_of(request: &Request) -> Option<String> {
    request
        .headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

#[tokio::test]
async fn redirect_to_another_host_is_a_failure_and_the_token_never_reaches_it() {
    let target = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/alice/tasks"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/steal", elsewhere.uri())),
        )
        .mount(&target)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&elsewhere)
        .await;

    let suite = suite(vec![case(
        "redirect",
        Vec::new(),
        vec![step(
            "alice",
            request("GET", "/api/{user_id}/tasks"),
            expect_status(StatusMatcher::Codes(vec![401])),
        )],
    )]);
    let result = run_ok(&suite, profile(64 * 1024), &target.uri()).await;

    let case = only_case(&result);
    // The redirect also answers the positive control (a valid token on the list): a target that
    // refuses valid tokens cannot have its refusals judged, and the run does not pass.
    assert_eq!(case.verdict, Verdict::Error, "{case:#?}");
    assert!(case.reason.starts_with("not judged"), "{}", case.reason);
    assert!(!result.gate_passed());
    assert!(
        result
            .conditions
            .controls
            .iter()
            .any(|control| control.status == Some(302) && !control.passed()),
        "{:#?}",
        result.conditions.controls
    );
    assert_eq!(
        attack_exchange(case).response.as_ref().map(|r| r.status),
        Some(302)
    );

    // The token did go to the target ...
    let at_target = target.received_requests().await.expect("recording is on");
    let attack = at_target
        .iter()
        .find(|r| r.url.path() == "/api/alice/tasks")
        .expect("the attack reached the target");
    let sent = bearer_of(attack).expect("the attack carried a token");
    assert!(sent.starts_with("Bearer ey"), "{sent}");
    // ... and nothing at all went to the host it redirected to.
    let at_elsewhere = elsewhere
        .received_requests()
        .await
        .expect("recording is on");
    assert!(
        at_elsewhere.is_empty(),
        "the redirect was followed: {at_elsewhere:?}"
    );
}

#[tokio::test]
async fn answer_slower_than_the_timeout_is_not_judged_and_the_timeout_is_named() {
    let target = MockServer::start().await;
    // A correct refusal, only too late: if the timeout did not cut it, the case would pass.
    Mock::given(method("GET"))
        .and(path("/api/alice/tasks"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("www-authenticate", r#"Bearer error="invalid_token""#)
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&target)
        .await;

    let suite = suite(vec![case(
        "slow",
        Vec::new(),
        vec![step(
            "alice",
            request("GET", "/api/{user_id}/tasks"),
            expect_status(StatusMatcher::Codes(vec![401])),
        )],
    )]);
    let result = run_ok(&suite, profile(64 * 1024), &target.uri()).await;

    let case = only_case(&result);
    // A hang is the target's instability: the case is not judged, and the timeout is named.
    assert_eq!(case.verdict, Verdict::Error, "{case:#?}");
    assert!(
        case.reason.starts_with("transport error"),
        "{}",
        case.reason
    );
    assert!(
        case.reason.contains("timed out after 1s"),
        "{}",
        case.reason
    );
    let exchange = attack_exchange(case);
    assert!(exchange.response.is_none());
    assert!(
        exchange
            .error
            .as_deref()
            .is_some_and(|e| e.contains("timed out")),
        "{exchange:?}"
    );
    assert_eq!(
        case.culprit,
        Some(case.exchanges.len() - 1),
        "the reproducer points at the slow request"
    );
}

#[tokio::test]
async fn server_error_fails_whatever_the_expectation() {
    let target = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/alice/tasks"))
        .respond_with(ResponseTemplate::new(500).set_body_string("internal error"))
        .mount(&target)
        .await;

    // One step expects the refusal, the other expects nothing in particular: a 500 fails both.
    let suite = suite(vec![
        case(
            "500-expect-401",
            Vec::new(),
            vec![step(
                "alice",
                request("GET", "/api/{user_id}/tasks"),
                expect_status(StatusMatcher::Codes(vec![401])),
            )],
        ),
        case(
            "500-expect-any",
            Vec::new(),
            vec![step(
                "alice",
                request("GET", "/api/{user_id}/tasks"),
                ExpectPlan::default(),
            )],
        ),
    ]);
    let result = run_ok(&suite, profile(64 * 1024), &target.uri()).await;

    assert_eq!(result.cases.len(), 2);
    for case in &result.cases {
        assert_eq!(case.verdict, Verdict::Fail, "{case:#?}");
        assert!(case.reason.contains("server error 500"), "{}", case.reason);
    }
    assert!(!result.gate_passed());
}

#[tokio::test]
async fn oversized_body_is_cut_at_the_cap_and_judged_on_its_status() {
    const CAP: usize = 16 * 1024;
    const BODY: usize = 5 * 1024 * 1024;
    let target = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/alice/tasks"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'a'; BODY]))
        .mount(&target)
        .await;

    let get = || request("GET", "/api/{user_id}/tasks");
    let suite = suite(vec![
        case(
            "big-accepted",
            Vec::new(),
            vec![step("alice", get(), expect_status(StatusMatcher::Class(2)))],
        ),
        case(
            "big-refusal-expected",
            Vec::new(),
            vec![step(
                "alice",
                get(),
                expect_status(StatusMatcher::Codes(vec![401])),
            )],
        ),
    ]);
    let result = run_ok(&suite, profile(CAP), &target.uri()).await;

    let [accepted, refused] = result.cases.as_slice() else {
        panic!("two cases: {:#?}", result.cases)
    };
    assert_eq!(accepted.verdict, Verdict::Pass, "{accepted:#?}");
    assert_eq!(refused.verdict, Verdict::Fail);
    assert_eq!(
        refused.reason,
        "accepted: answered 200 where 401 was expected"
    );
    for case in &result.cases {
        let response = attack_exchange(case)
            .response
            .as_ref()
            .expect("an answer was read");
        assert!(response.body_truncated, "{}", case.id);
    }
    // Only the capped part was read; a passing case keeps no body at all.
    let kept = |case: &CaseResult| {
        attack_exchange(case)
            .response
            .as_ref()
            .unwrap()
            .body
            .clone()
    };
    assert_eq!(kept(refused).len(), CAP, "only the capped part is kept");
    assert!(kept(refused).bytes().all(|b| b == b'a'));
    assert!(kept(accepted).is_empty());
}

/// A raw HTTP/1.1 server that answers every request with a status line, `Content-Length: 1000` and
/// only 10 bytes of body, then closes the connection.
/// A raw TCP server on 127.0.0.1 that reads each request's head (at most 64 KiB) and hands the
/// socket to `answer`.
async fn raw_server<F, Fut>(answer: F) -> String
where
    F: Fn(TcpStream) -> Fut + Copy + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0_u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                answer(socket).await;
            });
        }
    });
    format!("http://{addr}")
}

/// Answers 401 announcing 1,000 bytes of body, sends ten and closes.
async fn truncating_server() -> String {
    raw_server(|mut socket| async move {
        let answer = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 1000\r\nContent-Type: text/plain\r\n\r\n0123456789";
        let _ = socket.write_all(answer).await;
        let _ = socket.shutdown().await;
    })
    .await
}

#[tokio::test]
async fn connection_closed_mid_answer_is_a_transport_error_not_a_weakness() {
    let base_url = truncating_server().await;
    let suite = suite(vec![case(
        "cut",
        Vec::new(),
        vec![step(
            "alice",
            request("GET", "/api/{user_id}/tasks"),
            expect_status(StatusMatcher::Codes(vec![401])),
        )],
    )]);
    let result = run_ok(&suite, profile(64 * 1024), &base_url).await;

    let case = only_case(&result);
    // The status (401) is what the step expects: the broken body is the target's instability, which
    // leaves the case not judged (never a weakness).
    assert_eq!(case.verdict, Verdict::Error, "{case:#?}");
    assert!(
        case.reason.starts_with("transport error"),
        "{}",
        case.reason
    );
    let exchange = attack_exchange(case);
    assert!(exchange.response.is_none());
    assert!(exchange.error.is_some());
}

#[tokio::test]
async fn unreachable_target_stops_the_run_before_any_verdict() {
    // A port that was just free: bind, note it, close.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        listener.local_addr().expect("addr")
    };
    let judged = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&judged);
    let suite = suite(vec![case(
        "never",
        Vec::new(),
        vec![step(
            "alice",
            request("GET", "/api/{user_id}/tasks"),
            expect_status(StatusMatcher::Codes(vec![401])),
        )],
    )]);
    let outcome = run_with(
        &suite,
        profile(64 * 1024),
        &format!("http://{closed}"),
        Arc::new(move |_: &CaseResult| {
            counter.fetch_add(1, Ordering::SeqCst);
        }),
    )
    .await;

    match outcome {
        Err(RunError::Unreachable { url, reason }) => {
            assert_eq!(url, format!("http://{closed}/"));
            assert!(reason.contains("cannot connect"), "{reason}");
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
    assert_eq!(judged.load(Ordering::SeqCst), 0, "no case may be judged");
}

#[tokio::test]
async fn canary_of_another_user_in_the_answer_is_a_leak() {
    let target = MockServer::start().await;
    // Alice's setup plants a task; the target then hands Alice's task to Bob.
    let planted = Arc::new(Mutex::new(String::new()));
    let store = Arc::clone(&planted);
    Mock::given(method("POST"))
        .and(path("/api/alice/tasks"))
        .respond_with(move |request: &Request| {
            let title = request
                .body_json::<serde_json::Value>()
                .ok()
                .and_then(|body| {
                    body.get("title")
                        .and_then(|t| t.as_str())
                        .map(str::to_string)
                })
                .unwrap_or_default();
            *store.lock().unwrap() = title.clone();
            ResponseTemplate::new(201).set_body_json(json!({ "id": 1, "title": title }))
        })
        .mount(&target)
        .await;
    let echo = Arc::clone(&planted);
    Mock::given(method("GET"))
        .and(path("/api/bob/tasks/1"))
        .respond_with(move |_: &Request| {
            let title = echo.lock().unwrap().clone();
            ResponseTemplate::new(404)
                .set_body_json(json!({ "error": "not_found", "debug": { "title": title } }))
        })
        .mount(&target)
        .await;

    let mut create = step(
        "alice",
        request("POST", "/api/{user_id}/tasks"),
        ExpectPlan::default(),
    );
    create.request.body = Some(BodyTemplate::Json(json!({ "title": "{canary}" })));
    create.captures = vec![("task_id".into(), "/id".into())];
    let mut expect = expect_status(StatusMatcher::Codes(vec![403, 404]));
    expect.no_leak = vec!["alice".into()];
    let attack = step(
        "bob",
        request("GET", "/api/{user_id}/tasks/{task_id}"),
        expect,
    );
    let suite = suite(vec![case("leak", vec![create], vec![attack])]);
    let result = run_ok(&suite, profile(64 * 1024), &target.uri()).await;

    let case = only_case(&result);
    let canary = planted.lock().unwrap().clone();
    assert!(
        canary.starts_with("cnry-") && canary.ends_with("-alice"),
        "planted canary: {canary:?}"
    );
    // The status alone (404) is right: only the leak can make this case fail.
    assert_eq!(case.verdict, Verdict::Fail, "{case:#?}");
    assert!(case.reason.contains("leaks"), "{}", case.reason);
    assert!(case.reason.contains(&canary), "{}", case.reason);
    assert_eq!(
        attack_exchange(case).request.url,
        format!("{}/api/bob/tasks/1", target.uri())
    );
}

#[tokio::test]
async fn a_5xx_the_replay_alone_does_not_repeat_is_capacity_not_a_weakness() {
    let target = MockServer::start().await;
    // The lists accept a valid token: the positive controls pass.
    Mock::given(method("GET"))
        .and(path("/api/alice/tasks"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&target)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/alice/tasks/7"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&target)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/alice/tasks/7"))
        .respond_with(ResponseTemplate::new(401).insert_header(
            "www-authenticate",
            r#"Bearer realm="todo", error="invalid_token""#,
        ))
        .with_priority(2)
        .mount(&target)
        .await;
    let suite = suite(vec![case(
        "overloaded-once",
        Vec::new(),
        vec![step(
            "alice",
            request("GET", "/api/{user_id}/tasks/7"),
            expect_status(StatusMatcher::Codes(vec![401])),
        )],
    )]);
    let result = run_ok(&suite, profile(64 * 1024), &target.uri()).await;

    let case = only_case(&result);
    assert_eq!(case.verdict, Verdict::Pass, "{case:#?}");
    assert_eq!(result.conditions.load_5xx, 1);
    // Both answers stay in the record: the 503, then the replay that was judged.
    let statuses: Vec<u16> = case
        .exchanges
        .iter()
        .filter_map(|exchange| exchange.response.as_ref().map(|r| r.status))
        .collect();
    assert_eq!(statuses, [503, 401]);
}

/// A raw HTTP/1.1 server that answers every request 200 with a chunked JSON body that goes on until
/// the client stops reading (at most 256 MiB per answer).
async fn endless_server() -> String {
    const CHUNK: usize = 16 * 1024;
    raw_server(|mut socket| async move {
        let answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nc\r\n{\"padding\":\"\r\n";
        let mut chunk = format!("{CHUNK:x}\r\n").into_bytes();
        chunk.extend(std::iter::repeat_n(b'x', CHUNK));
        chunk.extend_from_slice(b"\r\n");
        if socket.write_all(answer).await.is_err() {
            return;
        }
        for _ in 0..(256 * 1024 * 1024 / CHUNK) {
            if socket.write_all(&chunk).await.is_err() {
                return;
            }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_answers_keep_the_evidence_within_the_budget() {
    const CASES: usize = 500;
    const CAP: usize = 256 * 1024;
    let base_url = endless_server().await;
    let get = || request("GET", "/api/{user_id}/tasks");
    let cases = (0..CASES)
        .map(|n| {
            // Every tenth case needs the JSON body, which is never whole: not judged.
            let mut judged = expect_status(StatusMatcher::Codes(vec![401]));
            if n % 10 == 0 {
                judged = expect_status(StatusMatcher::Class(2));
                judged.json = vec![("/id".into(), json!(1))];
            }
            let steps = vec![
                step("alice", get(), ExpectPlan::default()),
                step("alice", get(), judged),
            ];
            case(&format!("endless-{n:03}"), Vec::new(), steps)
        })
        .collect();
    let result = run_ok(&suite(cases), profile(CAP), &base_url).await;

    assert_eq!(result.cases.len(), CASES);
    for (n, case) in result.cases.iter().enumerate() {
        let expected = if n % 10 == 0 {
            Verdict::Error
        } else {
            Verdict::Fail
        };
        assert_eq!(case.verdict, expected, "{}: {}", case.id, case.reason);
        // The culprit keeps its answer (cut), the other request one line.
        assert_eq!(case.culprit, Some(1), "{}", case.id);
        let [first, culprit] = case.exchanges.as_slice() else {
            panic!("two requests: {case:#?}")
        };
        assert!(first.token.is_none() && first.request.headers.is_empty());
        assert_eq!(first.response.as_ref().map(|r| r.status), Some(200));
        let response = culprit.response.as_ref().expect("an answer");
        assert!(response.body_truncated && culprit.token.is_some());
        assert!(
            response.body.starts_with("{\"padding\":\"xxx")
                && response
                    .body
                    .contains(&format!("{CAP} bytes in all, sha256 ")),
            "{}: {}",
            case.id,
            &response.body[response.body.len().saturating_sub(200)..]
        );
    }
    let body = |case: &CaseResult| case.exchanges[1].response.as_ref().unwrap().body.len();
    // The first failures keep 64 KiB of each answer, the last an excerpt.
    assert!(body(&result.cases[0]) > KEPT_BODY_BYTES);
    assert!(body(&result.cases[CASES - 1]) < EXCERPT_BYTES + 200);
    let kept: usize = result.cases.iter().map(CaseResult::evidence_bytes).sum();
    // The budget, one case beyond it, and an excerpt's worth of each case's texts.
    let bound = EVIDENCE_BUDGET_BYTES + 4 * KEPT_BODY_BYTES + CASES * 6 * (EXCERPT_BYTES + 200);
    let unbudgeted = CASES * KEPT_BODY_BYTES;
    assert!(bound < unbudgeted, "the bound means something");
    assert!(
        kept <= bound,
        "{kept} bytes of evidence kept, more than {bound}"
    );
}
