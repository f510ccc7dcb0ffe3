//! What several tests share: a hand-built, fully deterministic [`RunResult`] for report snapshots
//! (fixed URLs, tokens and durations; passes in several criteria, one skipped case, one error, and
//! two weaknesses, one seen in 3 failing cases, one in 1); and [`proxy`], a forwarding, counting
//! proxy in front of a real server.

// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

pub mod proxy;

use std::path::PathBuf;
use std::time::Duration;

use authconform::outcome::{
    CaseResult, ExchangeRecord, Phase, ReceivedResponse, RunResult, SentRequest, Verdict,
};
use authconform::scenario::{Category, ScenarioInfo, Weakness};

const TARGET: &str = "http://127.0.0.1:8000";
/// A fixed alg=none token (header `{"alg":"none"}`, claims `{"sub":"alice"}`, empty signature).
pub const NONE_TOKEN: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.";
/// Fixed tokens standing in for valid ones of alice and bob (never verified here).
const ALICE_TOKEN: &str = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSJ9.c2ln";
const BOB_TOKEN: &str = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJib2IifQ.c2ln";

fn scenario(
    id: &str,
    title: &str,
    category: Category,
    file: &str,
    line: u64,
    requirements: &[&str],
) -> ScenarioInfo {
    ScenarioInfo {
        id: id.into(),
        title: title.into(),
        category,
        requirements: requirements.iter().map(|r| r.to_string()).collect(),
        tags: Vec::new(),
        file: PathBuf::from(file),
        line,
        note: None,
    }
}

fn weakness(id: &str, cwe: Option<u32>) -> Weakness {
    Weakness { id: id.into(), cwe }
}

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> ReceivedResponse {
    ReceivedResponse {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: body.into(),
        body_truncated: false,
        elapsed: Duration::from_millis(3),
    }
}

fn exchange(
    phase: Phase,
    actor: &str,
    token: Option<&str>,
    mutation: Option<&str>,
    method: &str,
    path: &str,
) -> ExchangeRecord {
    let mut headers = Vec::new();
    if let Some(token) = token {
        headers.push(("Authorization".to_string(), format!("Bearer {token}")));
    }
    ExchangeRecord {
        phase,
        index: 0,
        actor: actor.into(),
        token: token.map(str::to_string),
        mutation: mutation.map(str::to_string),
        request: SentRequest {
            method: method.into(),
            url: format!("{TARGET}{path}"),
            headers,
            body: None,
        },
        response: None,
        error: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn case(
    id: &str,
    scenario: usize,
    category: Category,
    weakness: &Weakness,
    verdict: Verdict,
    reason: &str,
    exchanges: Vec<ExchangeRecord>,
    millis: u64,
) -> CaseResult {
    let culprit = if verdict == Verdict::Pass || exchanges.is_empty() {
        None
    } else {
        Some(exchanges.len() - 1)
    };
    CaseResult {
        id: id.into(),
        scenario,
        category,
        weakness: weakness.clone(),
        verdict,
        reason: reason.into(),
        culprit,
        exchanges,
        duration: Duration::from_millis(millis),
        gate: Default::default(),
    }
}

/// The shared run: 9 cases over 3 scenarios.
pub fn sample_run() -> RunResult {
    let scenarios = vec![
        scenario(
            "token-mutations",
            "Every protected operation refuses every forged, tampered or misplaced token",
            Category::Enforcement,
            "scenarios/enforcement/token-mutations.yaml",
            3,
            &["FR-008", "FR-009"],
        ),
        scenario(
            "task-bola-read",
            "Bob cannot read Alice's task through his own path",
            Category::Isolation,
            "scenarios/isolation/task-bola.yaml",
            27,
            &["FR-041"],
        ),
        scenario(
            "no-set-cookie",
            "No answer sets a cookie",
            Category::Statelessness,
            "scenarios/statelessness/no-cookies.yaml",
            3,
            &["FR-053"],
        ),
    ];
    let alg_none = weakness("alg-none-accepted", Some(287));
    let expired = weakness("exp-expired-accepted", Some(287));
    let idor = weakness("task-read-idor", Some(639));
    let cookie = weakness("cookie-set", None);
    let refused = [(
        "www-authenticate",
        r#"Bearer realm="todo", error="invalid_token""#,
    )];

    let attack = |path: &str, mutation: Option<&str>, token: &str, answer: ReceivedResponse| {
        let mut record = exchange(Phase::Step, "alice", Some(token), mutation, "GET", path);
        record.response = Some(answer);
        record
    };
    let setup = |status: u16| {
        let mut record = exchange(
            Phase::Setup,
            "alice",
            Some(ALICE_TOKEN),
            None,
            "POST",
            "/api/alice/tasks",
        );
        record
            .request
            .headers
            .push(("content-type".into(), "application/json".into()));
        record.request.body = Some(r#"{"title":"cnry-0000002a-00003-alice"}"#.into());
        record.response = Some(response(
            status,
            &[("content-type", "application/json")],
            r#"{"id":1,"title":"cnry-0000002a-00003-alice"}"#,
        ));
        record
    };

    let mut cases = Vec::new();
    // Enforcement: alg=none accepted on three operations (one weakness, 3 failing cases).
    for (operation, path) in [
        ("tasks.list", "/api/alice/tasks"),
        ("tasks.get", "/api/alice/tasks/1"),
        ("conversations.get", "/api/alice/conversations/1"),
    ] {
        cases.push(case(
            &format!("token-mutations[operation={operation},mutation=alg-none]"),
            0,
            Category::Enforcement,
            &alg_none,
            Verdict::Fail,
            "expected status 401, got 200",
            vec![
                setup(201),
                attack(path, Some("alg-none"), NONE_TOKEN, response(200, &[], "[]")),
            ],
            12,
        ));
    }
    // Enforcement: an expired token refused (pass).
    cases.push(case(
        "token-mutations[operation=tasks.list,mutation=exp-expired]",
        0,
        Category::Enforcement,
        &expired,
        Verdict::Pass,
        "",
        vec![attack(
            "/api/alice/tasks",
            Some("exp-expired"),
            ALICE_TOKEN,
            response(401, &refused, ""),
        )],
        4,
    ));
    // Enforcement: a mutation that does not apply to an Ed25519 issuer (skipped, no request).
    cases.push(case(
        "token-mutations[operation=tasks.list,mutation=rs-to-hs-pkcs1]",
        0,
        Category::Enforcement,
        &weakness("rs-to-hs-pkcs1-accepted", Some(287)),
        Verdict::Skipped,
        "not applicable: PKCS#1 PEM exists only for RSA keys, the target has an Ed25519 key",
        Vec::new(),
        0,
    ));
    // Enforcement: setup failed (error).
    cases.push(case(
        "token-mutations[operation=chat.continue,mutation=exp-expired]",
        0,
        Category::Enforcement,
        &expired,
        Verdict::Error,
        "setup 1: server error 500: no input may make the target fail",
        vec![setup(500)],
        7,
    ));
    // Isolation: Bob reads Alice's task (second weakness, 1 failing case), with the leak named.
    let mut idor_read = exchange(
        Phase::Step,
        "bob",
        Some(BOB_TOKEN),
        None,
        "GET",
        "/api/bob/tasks/1",
    );
    idor_read.response = Some(response(
        200,
        &[],
        r#"{"id":1,"title":"cnry-0000002a-00006-alice"}"#,
    ));
    cases.push(case(
        "task-bola-read",
        1,
        Category::Isolation,
        &idor,
        Verdict::Fail,
        "expected status 404, got 200",
        vec![setup(201), idor_read],
        9,
    ));
    // Statelessness: two passes.
    for operation in ["health", "tasks.list"] {
        let path = if operation == "health" {
            "/health"
        } else {
            "/api/alice/tasks"
        };
        cases.push(case(
            &format!("no-set-cookie[operation={operation}]"),
            2,
            Category::Statelessness,
            &cookie,
            Verdict::Pass,
            "",
            vec![attack(path, None, ALICE_TOKEN, response(200, &[], "[]"))],
            2,
        ));
    }
    RunResult {
        target: TARGET.into(),
        scenarios,
        cases,
        duration: Duration::from_millis(1234),
        conditions: Default::default(),
        gate: Default::default(),
    }
}
