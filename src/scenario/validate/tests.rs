//! Tests of the syntax checks: JSON pointers, kebab-case ids and regex error reasons.

use super::names::{check_pointer, is_kebab};
use super::steps::regex_reason;

#[test]
fn pointers() {
    assert!(check_pointer("").is_ok());
    assert!(check_pointer("/a/b~0~1/0").is_ok());
    assert!(
        check_pointer("error")
            .unwrap_err()
            .contains("start with `/`")
    );
    assert!(
        check_pointer("/a~2")
            .unwrap_err()
            .contains("`~` must be followed")
    );
    assert!(check_pointer("/a~").is_err());
}

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
