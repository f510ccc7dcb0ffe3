//! Tags (`!foo`, `!<tag:...>`) are not part of either file format; serde-saphyr ignores tags it does
//! not know, so they are found here, on the parser's events, and refused with their place.

use serde_saphyr::granit_parser::{Event, Parser};

use super::{Position, Problem};

/// The first tag in `text` other than the YAML core schema's (`!!str`, `!!int`, ...) and the
/// non-specific `!`; `None` when there is none, or when the text is not YAML (the deserializer then
/// says where).
pub(super) fn unknown_tag(text: &str) -> Option<Problem> {
    for item in Parser::new_from_str(text) {
        let (event, span) = item.ok()?;
        if matches!(event, Event::StreamEnd) {
            return None;
        }
        let Some(tag) = event.tag() else { continue };
        let non_specific = tag.handle().is_empty() && tag.suffix() == "!";
        if non_specific || tag.core_suffix().is_some() {
            continue;
        }
        let at = span.tag_start().unwrap_or(span.start);
        let line = u64::try_from(at.line()).unwrap_or(u64::MAX);
        let column = u64::try_from(at.col())
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        return Some(Problem {
            position: Some(Position { line, column }),
            message: format!(
                "unknown YAML tag `{}`: this file format uses no tags (remove it; quote the value if it is text)",
                tag.original()
            ),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(text: &str) -> Option<(u64, u64, String)> {
        unknown_tag(text).map(|problem| {
            let at = problem.position.unwrap();
            (at.line, at.column, problem.message)
        })
    }

    #[test]
    fn local_and_global_tags_are_refused_where_they_are() {
        let (line, column, message) = place("a: 1\nb: !foo bar\n").unwrap();
        assert_eq!((line, column), (2, 4));
        assert!(message.starts_with("unknown YAML tag `!foo`"), "{message}");
        assert!(place("a: !<tag:example.com,2000:x> 1\n").is_some());
        assert!(place("a: !!python/object x\n").is_some());
        assert!(place("- !seq [1]\n").is_some());
    }

    #[test]
    fn core_tags_and_plain_yaml_pass() {
        assert_eq!(place("a: !!str 1\nb: ! 2\nc: [1, {d: e}]\n"), None);
        assert_eq!(place("a: [\n"), None);
    }
}
