//! Spelling suggestions for unknown names: the nearest candidate by
//! edit distance, as a `did you mean` hint.

/// Names longer than this get no suggestion: the hint is for a typo in
/// a name, and the edit distance costs the product of the two lengths
/// (a fuzzed spec with a 100 KB name took 41 s).
const MAX_SUGGESTED_LEN: usize = 64;

/// The closest candidate by edit distance, for "did you mean" hints.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if name.len() > MAX_SUGGESTED_LEN {
        return None;
    }
    let within = |c: &str| (c.len().max(name.len()) / 3).max(1);
    candidates
        .into_iter()
        // The lengths' difference is a lower bound of the distance.
        .filter(|c| c.len() <= MAX_SUGGESTED_LEN && c.len().abs_diff(name.len()) <= within(c))
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= within(c))
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

pub(super) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    match suggest(name, candidates) {
        Some(s) => format!("did you mean `{s}`?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_near_name_is_suggested() {
        assert_eq!(suggest("submitt", ["submit", "wait"]), Some("submit"));
        assert_eq!(suggest("zzz", ["submit", "wait"]), None);
    }

    #[test]
    fn a_huge_name_gets_no_suggestion_and_costs_nothing() {
        let huge = "9".repeat(100_000);
        assert_eq!(suggest(&huge, ["submit", huge.as_str()]), None);
        assert_eq!(suggest("submit", [huge.as_str(), "submit"]), Some("submit"));
    }
}
