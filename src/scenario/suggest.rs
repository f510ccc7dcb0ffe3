//! "Did you mean ...?" by edit distance.

/// Edit distance between two strings (by `char`).
fn levenshtein(a: &str, b: &str) -> usize {
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

/// The candidate closest to `input` (within a third of its length, at least 2 edits), or one that
/// contains it; ties go to the first.
pub(crate) fn closest<I, S>(input: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let limit = (input.chars().count() / 3).max(2);
    let mut best: Option<(usize, String)> = None;
    for candidate in candidates {
        let candidate = candidate.as_ref();
        if candidate == input {
            continue;
        }
        let distance = if input.chars().count() >= 3 && candidate.contains(input) {
            1
        } else {
            levenshtein(input, candidate)
        };
        if distance <= limit && best.as_ref().is_none_or(|(d, _)| distance < *d) {
            best = Some((distance, candidate.to_string()));
        }
    }
    best.map(|(_, c)| c)
}

/// `did you mean `x`?` when there is a close candidate.
pub(crate) fn did_you_mean<I, S>(input: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    closest(input, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let ids = ["alg-none", "expired", "wrong-iss"];
        assert_eq!(closest("alg-nnoe", ids).as_deref(), Some("alg-none"));
        assert_eq!(closest("expird", ids).as_deref(), Some("expired"));
        assert_eq!(closest("iss", ids).as_deref(), Some("wrong-iss"));
        assert_eq!(closest("totally-different", ids), None);
        assert_eq!(closest("a", ["health", "tasks.get"]), None);
        assert_eq!(
            did_you_mean("tasks.gte", ["tasks.get", "tasks.list"]).as_deref(),
            Some("did you mean `tasks.get`?")
        );
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }
}
