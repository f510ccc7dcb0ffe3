//! FR-001 to FR-007: where the token may come from.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn fr_001_bearer_header_is_accepted() {
    let srv = Srv::default().await;
    let resp = srv.get("/api/alice/tasks", &token("alice")).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json, json!([]));
}

#[tokio::test]
async fn fr_002_scheme_is_case_insensitive_and_allows_several_spaces() {
    let srv = Srv::default().await;
    let t = token("alice");
    for value in [
        format!("bearer {t}"),
        format!("BEARER {t}"),
        format!("BeArEr {t}"),
        format!("Bearer  {t}"),
    ] {
        let resp = srv
            .with_headers(
                "GET",
                "/api/alice/tasks",
                &[("authorization", value.as_bytes())],
            )
            .await;
        assert_eq!(resp.status, 200, "{value:.12}");
    }
}

#[tokio::test]
async fn fr_003_token_in_query_is_no_credentials() {
    let srv = Srv::default().await;
    let resp = srv
        .call(
            "GET",
            &format!("/api/alice/tasks?access_token={}", token("alice")),
            None,
            None,
        )
        .await;
    assert_missing(&resp);
}

#[tokio::test]
async fn fr_004_cookies_are_no_credentials() {
    let srv = Srv::default().await;
    let t = token("alice");
    let cookie = format!("token={t}; access_token={t}; better-auth.session_token=x; session=alice");
    let resp = srv
        .with_headers("GET", "/api/alice/tasks", &[("cookie", cookie.as_bytes())])
        .await;
    assert_missing(&resp);
}

#[tokio::test]
async fn fr_005_other_schemes_headers_and_body_fields_are_no_credentials() {
    let srv = Srv::default().await;
    let t = token("alice");
    for value in [
        "Basic YWxpY2U6cHc=".to_owned(),
        format!("Token {t}"),
        format!("JWT {t}"),
        t.clone(),
    ] {
        let resp = srv
            .with_headers(
                "GET",
                "/api/alice/tasks",
                &[("authorization", value.as_bytes())],
            )
            .await;
        assert_missing(&resp);
    }
    for header in ["x-access-token", "x-auth-token"] {
        let resp = srv
            .with_headers("GET", "/api/alice/tasks", &[(header, t.as_bytes())])
            .await;
        assert_missing(&resp);
    }
    let form = srv
        .req("POST", "/api/alice/tasks", None)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("access_token={t}&title=x"));
    assert_missing(&send(form).await);
}

#[tokio::test]
async fn fr_006_two_authorization_lines_are_a_bad_request() {
    let srv = Srv::default().await;
    srv.create_task("alice", "alice canary").await;
    let (a, b) = (
        format!("Bearer {}", token("alice")),
        format!("Bearer {}", token("bob")),
    );
    for (first, second) in [(&b, &a), (&a, &b), (&a, &a)] {
        let resp = srv
            .with_headers(
                "GET",
                "/api/alice/tasks",
                &[
                    ("authorization", first.as_bytes()),
                    ("authorization", second.as_bytes()),
                ],
            )
            .await;
        assert_several(&resp);
    }
    let resp = srv
        .with_headers(
            "DELETE",
            "/api/alice/tasks/1",
            &[
                ("authorization", a.as_bytes()),
                ("authorization", a.as_bytes()),
            ],
        )
        .await;
    assert_several(&resp);
    assert_eq!(srv.tasks("alice").await.len(), 1, "nothing changed");
}

#[tokio::test]
async fn fr_007_header_and_query_together_are_a_bad_request() {
    let srv = Srv::default().await;
    let resp = srv
        .call(
            "GET",
            &format!("/api/bob/tasks?access_token={}", token("alice")),
            Some(&token("bob")),
            None,
        )
        .await;
    assert_several(&resp);
    let same = token("bob");
    let resp = srv
        .call(
            "GET",
            &format!("/api/bob/tasks?access_token={same}"),
            Some(&same),
            None,
        )
        .await;
    assert_several(&resp);
}
