//! "Did you mean" suggestions by Levenshtein distance.

/// Edit distance between two strings (by `char`).
pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// The candidate closest to `input`, if within a third of its length (at least 2 edits allowed), or
/// one that contains the input.
pub(crate) fn closest<'a>(
    input: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (input.chars().count() / 3).max(2);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let distance = if candidate.contains(input) && !input.is_empty() {
            1
        } else {
            levenshtein(input, candidate)
        };
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("same", "same"), 0);
    }

    #[test]
    fn suggestions() {
        let ids = ["alg-none", "expired", "wrong-iss"];
        assert_eq!(closest("alg-nnoe", ids.into_iter()), Some("alg-none"));
        assert_eq!(closest("expird", ids.into_iter()), Some("expired"));
        assert_eq!(closest("iss", ids.into_iter()), Some("wrong-iss"));
        assert_eq!(closest("totally-different", ids.into_iter()), None);
    }
}
