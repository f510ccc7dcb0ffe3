//! Tests of the syntax checks: kebab-case ids and regex error reasons.

use super::names::is_kebab;
use super::steps::regex_reason;

#[test]
fn kebab_ids() {
    assert!(is_kebab("bola-task-read-2"));
    for bad in ["", "Bola", "a--b", "-a", "a-", "a_b", "a b"] {
        assert!(!is_kebab(bad), "{bad}");
    }
}

#[test]
fn regex_reason_is_one_line() {
    let pattern = String::from("^Bearer(");
    let err = regex::Regex::new(&pattern).unwrap_err();
    assert_eq!(regex_reason(&err), "unclosed group");
}
