//! Writing a finding to disk: `<dir>/<kind>-<n>/` with `token.txt`, `request.txt` (the raw HTTP request),
//! `curl.sh` (a runnable reproducer) and `finding.json`.

use std::io;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::Finding;
use crate::outcome::SentRequest;

/// Writes `finding` under the first free `<dir>/<kind>-<n>/` (n from 1) and returns that folder.
pub fn save(dir: &Path, finding: &Finding) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let mut n = 1;
    let folder = loop {
        let candidate = dir.join(format!("{}-{n}", finding.kind));
        match std::fs::create_dir(&candidate) {
            Ok(()) => break candidate,
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists && n < 10_000 => n += 1,
            Err(err) => return Err(err),
        }
    };
    let mut token = finding.token.clone().unwrap_or_default();
    token.push('\n');
    std::fs::write(folder.join("token.txt"), token)?;
    std::fs::write(folder.join("request.txt"), http_text(&finding.request))?;
    let script = format!(
        "#!/bin/sh\n# authconform fuzz finding: {} ({}), {}\n{}\n",
        finding.kind,
        finding
            .status
            .map_or("no answer".to_string(), |s| s.to_string()),
        finding.reason,
        finding.curl()
    );
    let curl = folder.join("curl.sh");
    std::fs::write(&curl, script)?;
    make_executable(&curl)?;
    let mut text = serde_json::to_string_pretty(&finding_json(finding)).unwrap_or_default();
    text.push('\n');
    std::fs::write(folder.join("finding.json"), text)?;
    Ok(folder)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> io::Result<()> {
    Ok(())
}

/// The request as HTTP/1.1 text: request line, `Host`, header lines, blank line, body.
pub fn http_text(request: &SentRequest) -> String {
    let (host, target) = match url::Url::parse(&request.url) {
        Ok(url) => {
            let host = match (url.host_str(), url.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_string(),
                _ => String::new(),
            };
            let mut target = url.path().to_string();
            if let Some(query) = url.query() {
                target.push('?');
                target.push_str(query);
            }
            (host, target)
        }
        Err(_) => (String::new(), request.url.clone()),
    };
    let mut text = format!("{} {target} HTTP/1.1\r\nHost: {host}\r\n", request.method);
    for (name, value) in &request.headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    if let Some(body) = &request.body {
        text.push_str(body);
    }
    text
}

fn finding_json(f: &Finding) -> serde_json::Value {
    let request = |r: &SentRequest| json!({"method": r.method, "url": r.url, "headers": r.headers, "body": r.body});
    json!({
        "kind": f.kind,
        "status": f.status,
        "reason": f.reason,
        "operation": f.operation,
        "origin": f.origin,
        "mutations": f.steps,
        "seed": f.seed,
        "case": f.case_index,
        "occurrences": f.occurrences,
        "token": f.token,
        "request": request(&f.request),
        "curl": f.curl(),
        "original_token": f.original_token,
        "original_request": request(&f.original_request),
        "shrink": {"attempts": f.shrink_attempts, "steps": f.shrink_steps},
        "response_excerpt": f.response_excerpt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_text_has_request_line_host_and_body() {
        let request = SentRequest {
            method: "POST".into(),
            url: "http://127.0.0.1:8080/mcp?x=1".into(),
            headers: vec![("Authorization".into(), "Bearer t".into())],
            body: Some("{}".into()),
        };
        assert_eq!(
            http_text(&request),
            "POST /mcp?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: Bearer t\r\n\r\n{}"
        );
    }
}
