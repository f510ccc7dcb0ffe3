//! Reports leave the principals' valid tokens out (they are live credentials, and CI uploads reports):
//! each is replaced by a placeholder naming its principal, and the reproducer mints an equivalent one
//! that the target treats the same. `--reveal-tokens` keeps them. Forged tokens stay.

use std::path::{Path, PathBuf};
use std::process::Command;

use authconform::embedded::start_reference_server;
use serde_json::Value;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("redaction")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// Runs the task-read BOLA scenario against `target`, writing JSON and Markdown reports into `dir`.
fn run(target: &str, dir: &Path, extra: &[&str]) -> (Value, String) {
    let (json, markdown) = (dir.join("r.json"), dir.join("r.md"));
    let output = Command::new(env!("CARGO_BIN_EXE_authconform"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--target", target, "--seed", "1"])
        .args(["--scenarios", "scenarios/isolation/task-bola.yaml"])
        .args(["--filter", "task-bola-read*"])
        .arg("--report")
        .arg(format!("json:{}", json.display()))
        .arg("--report")
        .arg(format!("markdown:{}", markdown.display()))
        .args(extra)
        .output()
        .expect("the binary runs");
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    (json, std::fs::read_to_string(markdown).unwrap())
}

fn exchanges(report: &Value) -> impl Iterator<Item = &Value> {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|case| case["exchanges"].as_array().unwrap())
}

/// The tokens sent without a catalog mutation (the principals' own tokens here).
fn plain_tokens(report: &Value) -> Vec<&str> {
    exchanges(report)
        .filter(|exchange| exchange["mutation"].is_null())
        .filter_map(|exchange| exchange["token"].as_str())
        .collect()
}

/// The first shell block of the Markdown report (the first weakness's reproducer).
fn first_reproducer(markdown: &str) -> &str {
    let start = markdown.find("```sh\n").expect("a reproducer") + "```sh\n".len();
    let end = start + markdown[start..].find("\n```").unwrap();
    &markdown[start..end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_tokens_are_redacted_and_the_reproducer_mints_an_equivalent() {
    let server = start_reference_server(Some("task-read-idor"))
        .await
        .unwrap();
    let target = server.base_url();
    let dir = scratch("redacted");
    let (report, markdown) = tokio::task::spawn_blocking({
        let (target, dir) = (target.clone(), dir.clone());
        // The reproducer is replayed after the run: the victim's task must still be there.
        move || run(&target, &dir, &["--keep-data"])
    })
    .await
    .unwrap();

    let plain = plain_tokens(&report);
    assert!(!plain.is_empty());
    assert!(
        plain.iter().all(|t| t.starts_with("[valid token of ")),
        "{plain:?}"
    );
    let text = report.to_string();
    assert!(
        !text.contains("Bearer eyJ"),
        "a valid token is in the report"
    );
    assert!(!markdown.contains("Bearer eyJ"));

    // The reproducer mints the attacker's token again, and the target still serves it the victim's
    // task: the same status as the recorded culprit.
    let reproducer = first_reproducer(&markdown);
    let (mints, curl) = reproducer.rsplit_once('\n').expect("mint lines, then curl");
    assert!(mints.starts_with("TOKEN_"), "{reproducer}");
    assert!(curl.starts_with("curl -i -H 'Authorization: Bearer '\"$TOKEN_"));
    let bin = Path::new(env!("CARGO_BIN_EXE_authconform"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let variable = mints.split('=').next().unwrap();
    let minted = Command::new("sh")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PATH", path)
        .arg("-c")
        .arg(format!("{mints}\nprintf %s \"${variable}\""))
        .output()
        .unwrap();
    let token = String::from_utf8(minted.stdout).unwrap();
    assert!(
        token.starts_with("eyJ"),
        "{}",
        String::from_utf8_lossy(&minted.stderr)
    );
    let url = curl.rsplit_once(" '").unwrap().1.trim_end_matches('\'');
    let culprit = exchanges(&report)
        .filter(|exchange| exchange["request"]["url"] == url)
        .last()
        .expect("the culprit is recorded");
    let answer = reqwest::Client::new()
        .get(url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        u64::from(answer.status().as_u16()),
        culprit["response"]["status"].as_u64().unwrap()
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reveal_tokens_keeps_them() {
    let server = start_reference_server(Some("task-read-idor"))
        .await
        .unwrap();
    let dir = scratch("revealed");
    let target = server.base_url();
    let (report, _) = tokio::task::spawn_blocking(move || run(&target, &dir, &["--reveal-tokens"]))
        .await
        .unwrap();
    let plain = plain_tokens(&report);
    assert!(!plain.is_empty());
    assert!(plain.iter().all(|t| t.starts_with("eyJ")), "{plain:?}");
    server.shutdown().await;
}
