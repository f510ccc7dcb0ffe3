//! "Did you mean ...?" suggestions for unknown names (mutation ids, operations, principals, ...),
//! by edit distance (`strsim`).

/// The candidate closest to `input`: within a third of its length (at least 2 edits), or one that
/// contains it (for inputs of 3 characters or more); ties go to the first. An exact match is not a
/// suggestion.
pub fn closest<I, S>(input: &str, candidates: I) -> Option<String>
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
            strsim::levenshtein(input, candidate)
        };
        if distance <= limit && best.as_ref().is_none_or(|(d, _)| distance < *d) {
            best = Some((distance, candidate.to_string()));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// `did you mean `x`?` when there is a close candidate.
pub fn did_you_mean<I, S>(input: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    closest(input, candidates).map(|candidate| format!("did you mean `{candidate}`?"))
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
        assert_eq!(closest("expired", ids), None);
        assert_eq!(
            did_you_mean("tasks.gte", ["tasks.get", "tasks.list"]).as_deref(),
            Some("did you mean `tasks.get`?")
        );
    }
}
