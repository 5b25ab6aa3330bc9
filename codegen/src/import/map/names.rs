//! Names: the header's C prefix and the spec names derived from C ones.

use super::commands::command;
use crate::import::cview::CHeader;
use crate::names::is_kebab;
use std::collections::{BTreeMap, BTreeSet};

/// `bo_flags` -> `bo-flags`, when the C name comes back from it.
pub(super) fn kebab(c: &str) -> Result<String, String> {
    let k = c.replace('_', "-");
    if is_kebab(&k) && k.replace('-', "_") == c {
        Ok(k)
    } else {
        Err(format!(
            "`{c}` is not lower-case words joined by single `_`, so no spec name derives it"
        ))
    }
}

/// The include guard: the header's first macro, when it is empty.
pub(super) fn include_guard(h: &CHeader) -> Option<&str> {
    h.macros
        .first()
        .filter(|m| m.body.is_empty() && !m.function_like)
        .map(|m| m.name.as_str())
}

/// The longest run of whole `_`-separated words every name starts with
/// (`DRM_IVPU_PARAM_` of `DRM_IVPU_PARAM_DEVICE_ID`, ...), ending in `_`.
pub(super) fn common_prefix(names: &[&str]) -> String {
    let Some(first) = names.first() else {
        return String::new();
    };
    let mut len = first.len();
    for n in &names[1..] {
        len = len.min(
            first
                .bytes()
                .zip(n.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    let mut p = &first[..len];
    // Keep whole words, and leave every name a non-empty rest.
    if names.iter().any(|n| n.len() == p.len()) || !p.ends_with('_') {
        p = p.rfind('_').map_or("", |i| &p[..=i]);
        if names.iter().any(|n| n.len() == p.len()) {
            p = p[..p.len().saturating_sub(1)]
                .rfind('_')
                .map_or("", |i| &p[..=i]);
        }
    }
    p.to_string()
}

/// The C prefix of the header's names: of the word prefixes of its
/// struct and enum tags and constant names, the one most names start
/// with, the longest on a tie (`drm_ivpu`). Command macros and the nr
/// macros inside them take no part (DRM writes `DRM_IOCTL_<DRV>_...`).
pub(super) fn prefix(h: &CHeader) -> String {
    let guard = include_guard(h);
    let mut names: Vec<String> = Vec::new();
    let mut nr_macros = BTreeSet::new();
    for m in &h.macros {
        if let Some(c) = command(m) {
            for tok in c
                .nr_expr
                .split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
            {
                nr_macros.insert(tok.to_string());
            }
        }
    }
    for m in &h.macros {
        if command(m).is_none()
            && !m.function_like
            && Some(m.name.as_str()) != guard
            && !nr_macros.contains(&m.name)
        {
            names.push(m.name.to_ascii_lowercase());
        }
    }
    names.extend(h.records.iter().filter_map(|r| r.tag.clone()));
    names.extend(h.enums.iter().filter_map(|e| e.tag.clone()));
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for n in &names {
        let words: Vec<&str> = n.split('_').collect();
        for k in 1..words.len() {
            let p = words[..k].join("_");
            if !p.is_empty() {
                *counts.entry(p).or_default() += 1;
            }
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(a.0.len().cmp(&b.0.len())))
        .map(|(p, _)| p)
        .unwrap_or_else(|| {
            h.file_name
                .trim_end_matches(".h")
                .to_ascii_lowercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_prefix_keeps_whole_words() {
        assert_eq!(common_prefix(&["A_B_C", "A_B_D"]), "A_B_");
        assert_eq!(common_prefix(&["A_BC", "A_BD"]), "A_");
        assert_eq!(common_prefix(&["A_B", "A_B_C"]), "A_");
        assert_eq!(common_prefix(&["X_ONE"]), "X_");
    }
}
