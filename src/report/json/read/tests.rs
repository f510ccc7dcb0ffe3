//! Tests of `read`.

use super::*;
use crate::outcome::ExchangeRecord;
use crate::report::json;

fn exchange(status: Option<u16>) -> ExchangeRecord {
    ExchangeRecord {
        phase: Phase::Verify,
        index: 1,
        actor: "alice".into(),
        token: Some("a.b.c".into()),
        mutation: Some("alg-none".into()),
        request: SentRequest {
            method: "POST".into(),
            url: "http://h/x".into(),
            headers: vec![("authorization".into(), "Bearer a.b.c".into())],
            body: Some("{}".into()),
        },
        response: status.map(|status| ReceivedResponse {
            status,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: "no".into(),
            body_truncated: true,
            elapsed: Duration::from_millis(12),
        }),
        error: status.is_none().then(|| "timed out".to_string()),
    }
}

fn run() -> RunResult {
    let mut case = CaseResult::sample(Verdict::Fail, vec![exchange(Some(200)), exchange(None)]);
    case.reason = "accepted".into();
    case.culprit = Some(1);
    case.duration = Duration::from_millis(30);
    RunResult {
        target: "http://127.0.0.1:1".into(),
        scenarios: vec![ScenarioInfo {
            id: "s".into(),
            title: "A title".into(),
            category: Category::Enforcement,
            requirements: vec!["FR-001".into()],
            tags: vec!["t".into()],
            file: "scenarios/x.yaml".into(),
            line: 3,
            note: Some("a note".into()),
        }],
        cases: vec![case],
        duration: Duration::from_millis(1500),
        conditions: RunConditions {
            embedded: true,
            profile: Some("p.yaml".into()),
            jobs: 4,
            first_fault_at: Some(3),
            load_5xx: 1,
            controls: vec![Control {
                operation: "tasks.list".into(),
                principal: "alice".into(),
                status: Some(401),
                problem: "refused".into(),
            }],
            halted: Some(Halted {
                cause: HaltCause::TargetSilent {
                    failures: 5,
                    last_failure: "refused".into(),
                },
                cases_run: 1,
                cases_total: 2,
                last_answer: Some(("GET / answered 200".into(), Duration::from_millis(7))),
            }),
            load: Load {
                limits: LoadLimits {
                    rate: NonZeroU32::new(200),
                    max_requests: Some(5000),
                    time_budget: Some(Duration::from_secs(600)),
                },
                requests: 120,
                case_requests: 100,
                case_time: Duration::from_millis(500),
            },
            interrupted: true,
            cleanup: Some(Cleanup {
                skipped: None,
                recorded: 3,
                deleted: 1,
                gone: 1,
                failed: vec![NotDeleted {
                    kind: "task_id".into(),
                    id: "9".into(),
                    owner: "alice".into(),
                    case: "c".into(),
                    reason: "tasks.delete answered 500".into(),
                }],
                not_deletable: vec![("conversation_id".into(), 2)],
            }),
            seed: 42,
            strict: true,
            partition: Some(Shard {
                scheme: "hash".into(),
                shard: 2,
                total: 4,
                plan_cases: 9,
                plan_sha256: "ab".into(),
                positions: vec![4],
            }),
        },
        gate: Default::default(),
    }
}

#[test]
fn a_report_reads_back_into_its_run() {
    let mut run = run();
    run.cases[0].scenario = 0;
    run.cases[0].category = Category::Enforcement;
    let mut bytes = Vec::new();
    json::write(&run, &mut bytes).unwrap();
    let read = read(std::str::from_utf8(&bytes).unwrap()).unwrap();
    assert_eq!(read, run);
}

#[test]
fn another_version_or_shape_is_refused_in_words() {
    let old = r#"{"schema": "authconform-report/1", "cases": []}"#;
    let err = read(old).unwrap_err().to_string();
    assert!(
        err.contains("authconform-report/1") && err.contains("authconform-report/2"),
        "{err}"
    );
    let err = read("[1, 2]").unwrap_err().to_string();
    assert!(err.contains("not an authconform JSON report"), "{err}");
    let mut value = json::report(&run());
    value["cases"][0]["verdict"] = "maybe".into();
    let err = read(&value.to_string()).unwrap_err().to_string();
    assert!(err.contains("unknown verdict `maybe`"), "{err}");
    value["cases"][0]["verdict"] = "fail".into();
    value["cases"][0]["scenario"] = "other".into();
    let err = read(&value.to_string()).unwrap_err().to_string();
    assert!(err.contains("scenario other"), "{err}");
}
