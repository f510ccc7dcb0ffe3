//! Tests of the matrix combinations and case ids, and of what a load resolves: mutations, header
//! patterns, setup statuses.

use super::*;

fn vars(spec: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    spec.iter()
        .map(|(n, vs)| (n.to_string(), vs.iter().map(|v| v.to_string()).collect()))
        .collect()
}

#[test]
fn combinations_are_cartesian_first_variable_slowest() {
    let combos = combinations(&vars(&[("a", &["1", "2"]), ("b", &["x", "y", "z"])]));
    let ids: Vec<String> = combos.iter().map(|b| case_id("s", b)).collect();
    assert_eq!(
        ids,
        [
            "s[a=1,b=x]",
            "s[a=1,b=y]",
            "s[a=1,b=z]",
            "s[a=2,b=x]",
            "s[a=2,b=y]",
            "s[a=2,b=z]"
        ]
    );
    assert_eq!(combinations(&[]), vec![Vec::new()]);
    assert_eq!(case_id("plain", &[]), "plain");
}

/// The suite of one scenario file with these steps, or its errors.
fn load(
    name: &str,
    steps: &str,
) -> Result<super::super::plan::Suite, Vec<super::super::LoadError>> {
    let dir =
        std::env::temp_dir().join(format!("authconform-expand-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("s.yaml");
    let text = format!(
        "scenarios:\n  - id: s\n    title: T\n    category: enforcement\n    weakness: {{ id: 'w-{{n}}' }}\n    matrix: {{ n: [a, b] }}\n{steps}"
    );
    std::fs::write(&file, text).unwrap();
    let profile = crate::profile::Profile::embedded_reference().unwrap();
    let loaded = super::super::load_suite(
        std::slice::from_ref(&file),
        &profile,
        &super::super::LoadOptions::for_profile(&profile),
    );
    std::fs::remove_dir_all(&dir).unwrap();
    loaded
}

#[test]
fn a_recipe_carries_its_catalog_mutation_and_the_request_its_method() {
    let suite = load(
        "mutation",
        "    steps:\n      - as: bob\n        call: tasks.list\n        token: { mutate: [alg-none] }\n        expect: from_mutation\n",
    )
    .unwrap();
    let super::super::plan::TokenPlan::Recipe { mutation, .. } = &suite.cases[0].steps[0].token
    else {
        panic!("a recipe");
    };
    assert_eq!(suite.cases[0].steps[0].request.method, reqwest::Method::GET);
    let entry = crate::token::mutation::find("alg-none").unwrap();
    assert!(mutation.is_some_and(|found| std::ptr::eq(found, entry)));
}

#[test]
fn header_patterns_are_compiled_at_load_once_per_scenario() {
    let suite = load(
        "pattern",
        "    steps:\n      - as: alice\n        call: tasks.list\n        token: none\n        expect: { status: 401, headers: { WWW-Authenticate: '^Bearer\\b' } }\n",
    )
    .unwrap();
    let [first, second] = [&suite.cases[0], &suite.cases[1]].map(|case| &case.steps[0].expect);
    let (name, pattern) = &first.headers[0];
    assert_eq!(
        (name.as_str(), pattern.as_str()),
        ("www-authenticate", r"^Bearer\b")
    );
    assert!(pattern.is_match("Bearer realm=x") && !pattern.is_match("Basic"));
    assert!(pattern.shares(&second.headers[0].1));
}

#[test]
fn a_pattern_that_does_not_compile_is_a_located_load_error() {
    // Within the regex crate's default limit, beyond the harness's 1 MiB one.
    let big = r"'\w{60}'";
    assert!(regex::Regex::new(r"\w{60}").is_ok());
    for (name, pattern) in [("unclosed", "'^Bearer (realm'"), ("big", big)] {
        let steps = format!(
            "    steps:\n      - as: alice\n        call: tasks.list\n        expect: {{ headers: {{ x-a: {pattern} }} }}\n"
        );
        let errors = load(name, &steps).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        let error = &errors[0];
        assert!(
            error.message.starts_with("bad regular expression"),
            "{error}"
        );
        assert_eq!(error.position.map(|at| at.line), Some(10), "{error}");
    }
}

#[test]
fn a_setup_step_without_a_status_expects_2xx_from_the_load() {
    let suite = load(
        "setup",
        "    setup:\n      - as: alice\n        call: tasks.list\n        token: { mutate: [alg-none] }\n        expect: from_mutation\n    steps:\n      - as: alice\n        call: tasks.list\n",
    )
    .unwrap();
    let setup = &suite.cases[0].setup[0].expect;
    assert_eq!(
        setup.status,
        Some(super::super::plan::StatusMatcher::Class(2))
    );
    assert!(setup.from_mutation);
    assert_eq!(suite.cases[0].steps[0].expect.status, None);
}
