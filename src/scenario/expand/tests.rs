//! Tests of the matrix combinations and case ids.

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
