//! The cleanup of what a run creates, against the reference server on a SQLite file database: after a
//! full run no row the run created remains (tasks, and conversations with their messages through the
//! delete route the profile declares; without one, conversations are counted and kept), every row that
//! existed before is untouched, `--keep-data` keeps the run's rows,
//! and Ctrl-C stops the run, cleans up, writes the report and exits 130.

mod binary;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use authconform::embedded::ReferenceOptions;
use base64::Engine;
use rusqlite::types::Value as Sql;
use serde_json::{Value, json};

const PROFILE: &str = "fixtures/profiles/reference.yaml";
const TABLES: [&str; 3] = ["tasks", "conversations", "messages"];
/// A scenario whose cases start conversations (Alice chats, Bob tries to read and continue them).
const FILTER_CHAT: &str = "--filter=conversation-bola";
/// The bare Todo contract: the same keys as PROFILE, without its `conversations.delete`.
const BARE_PROFILE: &str = "fixtures/profiles/reference-eddsa-jwks.yaml";

/// Every row of every table, in id order, exactly as stored.
type Rows = Vec<(&'static str, Vec<Vec<Sql>>)>;

fn snapshot(database: &Path) -> Rows {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let conn = rusqlite::Connection::open_with_flags(database, flags).unwrap();
    TABLES
        .iter()
        .map(|table| {
            let mut statement = conn
                .prepare(&format!("SELECT * FROM {table} ORDER BY id"))
                .unwrap();
            let columns = statement.column_count();
            let rows = statement
                .query_map([], |row| {
                    (0..columns).map(|i| row.get::<_, Sql>(i)).collect()
                })
                .unwrap()
                .collect::<Result<Vec<Vec<Sql>>, _>>()
                .unwrap();
            (*table, rows)
        })
        .collect()
}

/// The rows of `table` in `after` that `before` did not have (rows are compared whole).
fn added<'a>(before: &Rows, after: &'a Rows, table: &str) -> Vec<&'a Vec<Sql>> {
    let old = table_rows(before, table);
    table_rows(after, table)
        .iter()
        .filter(|row| !old.contains(row))
        .collect()
}

fn table_rows<'a>(rows: &'a Rows, table: &str) -> &'a Vec<Vec<Sql>> {
    &rows.iter().find(|(name, _)| *name == table).unwrap().1
}

/// Asserts that every row of `before` is still there, byte for byte.
fn untouched(before: &Rows, after: &Rows) {
    for ((table, old), (_, new)) in before.iter().zip(after) {
        for row in old {
            assert!(
                new.contains(row),
                "{table}: a row that existed before changed or went: {row:?}"
            );
        }
    }
}

/// A valid token of `name` (the users of `case`, when given) from `authconform mint`.
fn mint(name: &str, case: Option<&str>) -> String {
    let mut args = vec!["mint", "--profile", PROFILE, "--as", name];
    if let Some(case) = case {
        args.extend(["--case", case]);
    }
    let out = binary::run(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout.trim().to_string()
}

/// The user id (`sub`) of a token.
fn user_of(token: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    claims["sub"].as_str().unwrap().to_string()
}

/// A reference server on a SQLite file in a fresh folder; the folder and the server.
async fn server(name: &str) -> (PathBuf, reference_server::RunningServer) {
    let dir = binary::scratch("cleanup", name);
    let mut config = ReferenceOptions::default().config().unwrap();
    config.database = Some(dir.join("todo.db"));
    let server = reference_server::start(config).await.unwrap();
    (dir, server)
}

/// Rows that exist before the run: tasks of alice and bob and a chat of alice made through the API
/// with their tokens, a task of the alice that a case acts as, and a task written to the file directly.
async fn seed(base: &str, database: &Path) {
    let client = reqwest::Client::new();
    let alice = mint("alice", None);
    let bob = mint("bob", None);
    let case_alice = mint("alice", Some("task-bola-read"));
    let case_alice_id = user_of(&case_alice);
    let posts = [
        (
            &alice,
            "alice",
            "tasks",
            json!({"title": "alice's own", "description": "keep"}),
        ),
        (
            &alice,
            "alice",
            "tasks",
            json!({"title": "cnry-00000000-00000-alice lookalike"}),
        ),
        (&bob, "bob", "tasks", json!({"title": "bob's own"})),
        (
            &alice,
            "alice",
            "chat",
            json!({"message": "add task from before"}),
        ),
        (
            &case_alice,
            case_alice_id.as_str(),
            "tasks",
            json!({"title": "before the run"}),
        ),
    ];
    for (token, user, route, body) in posts {
        let answer = client
            .post(format!("{base}/api/{user}/{route}"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success(), "{route}: {}", answer.status());
    }
    let conn = rusqlite::Connection::open(database).unwrap();
    conn.execute(
        "INSERT INTO tasks (user_id, title, completed, created_at, updated_at) VALUES ('carol', 'written directly', 0, 'then', 'then')",
        [],
    )
    .unwrap();
}

/// Runs the binary against `base` with `profile` and `args`, in a blocking task (the server runs
/// meanwhile).
async fn run_with(base: &str, profile: &str, args: &[&str]) -> binary::Output {
    let mut all: Vec<String> = ["run", "--target", base, "--profile", profile, "--jobs", "8"]
        .iter()
        .map(ToString::to_string)
        .collect();
    all.extend(args.iter().map(ToString::to_string));
    tokio::task::spawn_blocking(move || binary::run(&all))
        .await
        .unwrap()
}

fn read_report(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// What one run against a seeded reference server on a file database left: every table before and
/// after it, the binary's output, and the path of its JSON report.
struct Ran {
    before: Rows,
    after: Rows,
    out: binary::Output,
    report: PathBuf,
}

/// Starts a server in a fresh folder `name`, seeds it, runs the binary with `profile`, `args` and a
/// JSON report, and stops the server.
async fn seeded_run(name: &str, profile: &str, args: &[&str]) -> Ran {
    let (dir, server) = server(name).await;
    let database = dir.join("todo.db");
    seed(&server.base_url(), &database).await;
    let before = snapshot(&database);
    let report = dir.join("report.json");
    let report_arg = format!("--report=json:{}", report.display());
    let mut all = args.to_vec();
    all.push(&report_arg);
    let out = run_with(&server.base_url(), profile, &all).await;
    let after = snapshot(&database);
    server.shutdown().await;
    Ran {
        before,
        after,
        out,
        report,
    }
}

/// A profile file of the bare Todo contract (PROFILE's keys, given as absolute paths) followed by
/// `api` (an `api:` section), written to a fresh folder; its path.
fn bare_profile_with(name: &str, api: &str) -> String {
    let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/keys");
    let profile = std::fs::read_to_string(BARE_PROFILE)
        .unwrap()
        .replace("../keys", &keys.display().to_string())
        + api;
    let path = binary::scratch("cleanup-profiles", name).join("profile.yaml");
    std::fs::write(&path, profile).unwrap();
    path.to_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_run_deletes_every_row_it_created_and_touches_nothing_else() {
    let Ran {
        before,
        after,
        out,
        report,
    } = seeded_run("full", PROFILE, &[]).await;
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    untouched(&before, &after);
    let left: Vec<_> = added(&before, &after, "tasks");
    assert!(left.is_empty(), "tasks the run created remain: {left:?}");
    let cleanup = &read_report(&report)["conditions"]["cleanup"];
    assert_eq!(cleanup["skipped"], Value::Null);
    assert_eq!(cleanup["failed"], json!([]), "{cleanup}");
    let deleted = cleanup["deleted"].as_u64().unwrap();
    assert!(deleted > 100, "the suite creates many tasks: {cleanup}");
    // The profile declares the reference server's `conversations.delete`: the conversations the run
    // started go too, their messages with them.
    for table in ["conversations", "messages"] {
        let left = added(&before, &after, table);
        assert!(left.is_empty(), "{table} the run created remain: {left:?}");
    }
    assert_eq!(cleanup["not_deletable"], json!([]), "{cleanup}");
    let recorded = cleanup["recorded"].as_u64().unwrap();
    assert_eq!(recorded, deleted + cleanup["gone"].as_u64().unwrap());
    assert!(
        out.stdout.contains(&format!(
            "cleanup: deleted {deleted} of the {recorded} object(s)"
        )),
        "{}",
        out.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_delete_operation_conversations_are_counted_and_kept() {
    let Ran {
        before,
        after,
        out,
        report,
    } = seeded_run("bare", BARE_PROFILE, &[FILTER_CHAT]).await;
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    untouched(&before, &after);
    assert!(added(&before, &after, "tasks").is_empty());
    let conversations = added(&before, &after, "conversations").len() as u64;
    assert!(conversations > 0);
    let cleanup = &read_report(&report)["conditions"]["cleanup"];
    assert_eq!(
        cleanup["not_deletable"],
        json!([{"kind": "conversation_id", "count": conversations, "reason": "no delete operation"}])
    );
    let recorded = cleanup["recorded"].as_u64().unwrap();
    assert_eq!(
        recorded,
        cleanup["deleted"].as_u64().unwrap() + cleanup["gone"].as_u64().unwrap() + conversations
    );
    assert!(
        out.stdout
            .contains("`conversation_id` object(s) kept: not deletable (no delete operation)"),
        "{}",
        out.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_data_keeps_the_rows_the_run_created() {
    let Ran {
        before,
        after,
        out,
        report,
    } = seeded_run("keep", PROFILE, &["--keep-data", "--filter=task-bola*"]).await;
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    untouched(&before, &after);
    let kept = added(&before, &after, "tasks").len() as u64;
    let cleanup = &read_report(&report)["conditions"]["cleanup"];
    assert_eq!(cleanup["skipped"], "--keep-data");
    assert_eq!(cleanup["deleted"], 0);
    assert!(kept > 0);
    assert!(
        cleanup["recorded"].as_u64().unwrap() >= kept,
        "every kept task was recorded: {cleanup}"
    );
    assert!(
        out.stdout.contains("cleanup: not run (--keep-data)"),
        "{}",
        out.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_starting_cases_cleans_up_reports_and_exits_130() {
    let (dir, server) = server("interrupt").await;
    let database = dir.join("todo.db");
    seed(&server.base_url(), &database).await;
    let before = snapshot(&database);
    let report = dir.join("report.json");
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("authconform"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "run",
            "--target",
            &server.base_url(),
            "--profile",
            PROFILE,
            "--jobs",
            "1",
        ])
        .arg(format!("--report=json:{}", report.display()))
        .stdout(std::fs::File::create(dir.join("stdout")).unwrap())
        .stderr(std::fs::File::create(dir.join("stderr")).unwrap());
    let child = command.spawn().unwrap();
    // Interrupt once the run has created something (one case at a time: far from its end).
    let started = Instant::now();
    while added(&before, &snapshot(&database), "tasks").is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run created nothing"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = tokio::task::spawn_blocking(move || wait_bounded(child, Duration::from_secs(120)))
        .await
        .unwrap();
    let after = snapshot(&database);
    server.shutdown().await;
    let stdout = std::fs::read_to_string(dir.join("stdout")).unwrap();
    let stderr = std::fs::read_to_string(dir.join("stderr")).unwrap();
    assert_eq!(output.code(), Some(130), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("interrupted: no new case starts"),
        "{stderr}"
    );
    untouched(&before, &after);
    assert!(
        added(&before, &after, "tasks").is_empty(),
        "the cleanup ran"
    );
    let written = read_report(&report);
    assert_eq!(written["conditions"]["interrupted"], true);
    assert!(
        written["conditions"]["cleanup"]["deleted"]
            .as_u64()
            .unwrap()
            > 0
    );
    let not_run = written["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|case| case["reason"] == "not run: the run was interrupted (Ctrl-C)")
        .count();
    assert!(not_run > 0, "the cases not started are reported as not run");
    assert!(stdout.contains("interrupted (Ctrl-C)"), "{stdout}");
    assert!(
        stdout.contains("gate: FAILED (interrupted: not every case ran)"),
        "{stdout}"
    );
    assert_eq!(written["gate_passed"], false);
}

/// Waits for `child` at most `limit`, killing it (by its pid) if it runs longer.
fn wait_bounded(mut child: std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the run did not end within {limit:?} of the interrupt");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_404_from_a_wrong_delete_route_is_not_counted_as_gone() {
    // The bare contract with a delete route the server does not have: it answers 404, and the
    // conversation still reads 200, so the cleanup must not call it "already gone".
    let profile = bare_profile_with(
        "wrong-route",
        "api:\n  name: todo\n  operations:\n    conversations.delete:\n      method: DELETE\n      \
         path: \"/api/{user_id}/conversation/{conversation_id}\"\n      status: 204\n",
    );
    let Ran {
        before,
        after,
        out,
        report,
    } = seeded_run("wrong-route", &profile, &[FILTER_CHAT]).await;
    let conversations = added(&before, &after, "conversations").len();
    assert!(conversations > 0, "{}", out.stdout);
    let cleanup = &read_report(&report)["conditions"]["cleanup"];
    let failed = cleanup["failed"].as_array().unwrap();
    assert_eq!(failed.len(), conversations, "{cleanup}");
    for entry in failed {
        assert_eq!(entry["kind"], "conversation_id");
        assert_eq!(
            entry["reason"],
            "conversations.delete answered 404, but conversations.get still reads it (is the delete route right?)"
        );
    }
}

/// A profile whose API is the reference server's MCP tools alone: tasks are created by `add_task`
/// and can only be deleted through the `delete_task` tool.
const MCP_ONLY_API: &str = r#"
api:
  name: mcp-tasks
  operations:
    mcp.list_tasks:
      method: POST
      path: /mcp
      reads: true
      json: { jsonrpc: "2.0", id: 1, method: tools/call, params: { name: list_tasks, arguments: { user_id: "{user_id}" } } }
      status: 200
    mcp.add_task:
      method: POST
      path: /mcp
      json: { jsonrpc: "2.0", id: 1, method: tools/call, params: { name: add_task, arguments: { user_id: "{user_id}", title: "{canary}" } } }
      creates: { task_id: /result/structuredContent/task_id }
      status: 200
    mcp.delete_task:
      method: POST
      path: /mcp
      json: { jsonrpc: "2.0", id: 1, method: tools/call, params: { name: delete_task, arguments: { user_id: "{user_id}", task_id: "{task_id}" } } }
      status: 200
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_are_deleted_through_an_mcp_tool_when_that_is_the_only_way() {
    let profile = bare_profile_with("mcp-only", MCP_ONLY_API);
    let Ran {
        before,
        after,
        out,
        report,
    } = seeded_run("mcp-only", &profile, &[]).await;
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    untouched(&before, &after);
    let left = added(&before, &after, "tasks");
    assert!(left.is_empty(), "tasks the run created remain: {left:?}");
    let cleanup = &read_report(&report)["conditions"]["cleanup"];
    assert!(cleanup["deleted"].as_u64().unwrap() > 10, "{cleanup}");
    // The tasks a case deleted itself (its operation is the delete tool) answer the cleanup's delete
    // with a tool error; without a read to confirm they are gone, its words are reported as such.
    for failed in cleanup["failed"].as_array().unwrap() {
        let case = failed["case"].as_str().unwrap();
        assert!(case.contains("operation=mcp.delete_task"), "{failed}");
        let not_found = format!("task {} not found", failed["id"].as_str().unwrap());
        assert_eq!(
            failed["reason"],
            format!("mcp.delete_task answered 200 with a tool error: {not_found:?}"),
        );
    }
}
