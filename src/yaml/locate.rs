//! Where a field (`issuer.alg`, `logins.signin.steps[0].headers`) is in a YAML text, for errors found
//! after deserializing, when the typed value no longer knows its place.

use serde_saphyr::granit_parser::{Event, Parser, Span};

use super::Position;

/// One step of a field's path.
#[derive(Debug, PartialEq, Eq)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// The place of `field`'s key (or item) in `text`; `None` when the path is not found there.
pub fn locate(text: &str, field: &str) -> Option<Position> {
    let segments = segments(field)?;
    let mut nodes = Parser::new_from_str(text)
        .map_while(Result::ok)
        .filter(|(event, _)| {
            event.is_node() || matches!(event, Event::MappingEnd | Event::SequenceEnd)
        });
    let root = nodes.next()?;
    find(&mut nodes, root, &segments, None)
}

fn segments(field: &str) -> Option<Vec<Segment<'_>>> {
    let mut out = Vec::new();
    for part in field.split('.') {
        let (key, mut rest) = part
            .split_once('[')
            .map_or((part, ""), |(key, rest)| (key, rest));
        if !key.is_empty() {
            out.push(Segment::Key(key));
        }
        while let Some((index, after)) = rest.split_once(']') {
            out.push(Segment::Index(index.parse().ok()?));
            rest = after.strip_prefix('[').unwrap_or(after);
        }
    }
    Some(out)
}

fn position(span: &Span) -> Position {
    Position {
        line: u64::try_from(span.start.line()).unwrap_or(u64::MAX),
        column: u64::try_from(span.start.col())
            .unwrap_or(u64::MAX)
            .saturating_add(1),
    }
}

/// Follows `segments` from `node`; `at` is where `node` was named (its key, or the item itself).
fn find<'a>(
    nodes: &mut impl Iterator<Item = (Event<'a>, Span)>,
    node: (Event<'a>, Span),
    segments: &[Segment<'_>],
    at: Option<Position>,
) -> Option<Position> {
    let Some((first, rest)) = segments.split_first() else {
        return Some(at.unwrap_or_else(|| position(&node.1)));
    };
    match (&node.0, first) {
        (Event::MappingStart(..), Segment::Key(name)) => loop {
            let key = nodes.next()?;
            if matches!(key.0, Event::MappingEnd) {
                return None;
            }
            let value = nodes.next()?;
            if key.0.scalar().is_some_and(|(text, _)| text == *name) {
                return find(nodes, value, rest, Some(position(&key.1)));
            }
            skip(nodes, &value.0)?;
        },
        (Event::SequenceStart(..), Segment::Index(index)) => {
            for _ in 0..*index {
                let item = nodes.next()?;
                if matches!(item.0, Event::SequenceEnd) {
                    return None;
                }
                skip(nodes, &item.0)?;
            }
            let item = nodes.next()?;
            if matches!(item.0, Event::SequenceEnd) {
                return None;
            }
            let at = position(&item.1);
            find(nodes, item, rest, Some(at))
        }
        _ => None,
    }
}

/// Consumes the rest of the node `started` (nothing for a scalar or an alias).
fn skip<'a>(
    nodes: &mut impl Iterator<Item = (Event<'a>, Span)>,
    started: &Event<'a>,
) -> Option<()> {
    if !matches!(started, Event::MappingStart(..) | Event::SequenceStart(..)) {
        return Some(());
    }
    let mut depth = 1usize;
    while depth > 0 {
        match nodes.next()?.0 {
            Event::MappingStart(..) | Event::SequenceStart(..) => depth += 1,
            Event::MappingEnd | Event::SequenceEnd => depth -= 1,
            _ => {}
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "issuer:\n  alg: EdDSA\n  key: { pem: a.pem }\nlogins:\n  signin:\n    steps:\n      - path: /a\n      - path: /b\n        headers: { x-a: b }\n";

    fn at(field: &str) -> Option<(u64, u64)> {
        locate(TEXT, field).map(|p| (p.line, p.column))
    }

    #[test]
    fn fields_are_found_by_their_keys() {
        assert_eq!(at("issuer"), Some((1, 1)));
        assert_eq!(at("issuer.alg"), Some((2, 3)));
        assert_eq!(at("issuer.key.pem"), Some((3, 10)));
        assert_eq!(at("logins.signin.steps[1].headers"), Some((9, 9)));
        assert_eq!(at("logins.signin.steps[1].headers.x-a"), Some((9, 20)));
        assert_eq!(at("logins.signin.steps[1]"), Some((8, 9)));
    }

    #[test]
    fn missing_fields_have_no_place() {
        assert_eq!(at("issuer.kid"), None);
        assert_eq!(at("logins.signin.steps[5]"), None);
        assert_eq!(at("issuer.alg.deeper"), None);
        assert_eq!(locate("a: [", "a[0]"), None);
    }
}
