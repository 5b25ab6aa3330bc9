//! Kernel-doc comments (Documentation/doc-guide/kernel-doc.rst) as docs:
//! `/** struct x - summary` then a description and `@member:` sections
//! on a struct, `/** @member: text */` on a member, or plain text.

use std::collections::BTreeMap;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct KernelDoc {
    /// The summary after `struct name -` with the description below it.
    pub text: String,
    /// `@member:` sections, by member name.
    pub members: BTreeMap<String, String>,
}

/// The text of a `/** ... */` comment without its comment markers and
/// leading ` * `, one string per line.
fn body_lines(raw: &str) -> Vec<String> {
    let raw = raw.trim();
    let raw = raw.strip_prefix("/**").unwrap_or(raw);
    let raw = raw.strip_suffix("*/").unwrap_or(raw);
    raw.lines()
        .map(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix('*').unwrap_or(l);
            let l = l.strip_prefix(' ').unwrap_or(l);
            l.trim_end().to_string()
        })
        .collect()
}

/// Splits a comment into its text and its `@member:` sections. A first
/// line `struct x - summary` (or `x - summary`, or `DOC: title`) keeps
/// only the summary.
pub fn parse(raw: &str) -> KernelDoc {
    let mut doc = KernelDoc::default();
    let mut text = Vec::new();
    let mut current: Option<(String, Vec<String>)> = None;
    let mut first = true;
    for line in body_lines(raw) {
        if first && line.trim().is_empty() {
            continue;
        }
        let line = if first {
            first = false;
            summary(&line)
        } else {
            line
        };
        if let Some((name, rest)) = member_section(&line) {
            if let Some((n, t)) = current.take() {
                doc.members.insert(n, join(&t));
            }
            current = Some((name, vec![rest]));
            continue;
        }
        match &mut current {
            Some((_, t)) => t.push(line),
            None => text.push(line),
        }
    }
    if let Some((n, t)) = current {
        doc.members.insert(n, join(&t));
    }
    doc.text = join(&text);
    doc
}

/// `struct drm_x - Do it` -> `Do it`.
fn summary(line: &str) -> String {
    let l = line.trim();
    for kw in ["struct ", "union ", "enum "] {
        if let Some(rest) = l.strip_prefix(kw)
            && let Some((_, s)) = rest.split_once(" - ")
        {
            return s.trim().to_string();
        }
    }
    if let Some((head, s)) = l.split_once(" - ")
        && !head.contains(' ')
    {
        return s.trim().to_string();
    }
    l.to_string()
}

/// `@name: text` -> (`name`, `text`).
fn member_section(line: &str) -> Option<(String, String)> {
    let rest = line.trim_start().strip_prefix('@')?;
    let (name, text) = rest.split_once(':')?;
    // `@id :` is a common slip; kernel-doc reads it as `@id:`.
    let name = name.trim_end();
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    ok.then(|| (name.to_string(), text.trim().to_string()))
}

/// Lines joined, blank lines at either end dropped, runs of blank lines
/// kept as one paragraph break.
fn join(lines: &[String]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for l in lines {
        if l.is_empty() && out.last().is_none_or(|p| p.is_empty()) {
            continue;
        }
        out.push(l);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// The doc of one member: its own comment (without a leading
/// `@name:`), else its `@name:` section in the struct's comment.
pub fn member_doc(own: Option<&str>, name: &str, record: &KernelDoc) -> Option<String> {
    if let Some(raw) = own {
        let d = parse(raw);
        let t = match d.members.get(name) {
            Some(t) if d.text.is_empty() => t.clone(),
            _ => d.text,
        };
        if !t.is_empty() {
            return Some(t);
        }
    }
    record.members.get(name).filter(|t| !t.is_empty()).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_comment_splits_summary_description_and_members() {
        let d = parse(
            "/**\n * struct drm_x - Get things\n *\n * More words.\n * @a: first\n *     continued\n * @b: second\n */",
        );
        assert_eq!(d.text, "Get things\n\nMore words.");
        assert_eq!(d.members["a"], "first\n    continued");
        assert_eq!(d.members["b"], "second");
    }

    #[test]
    fn member_comment_drops_its_own_tag() {
        let rec = KernelDoc::default();
        assert_eq!(
            member_doc(Some("/** @index: Index for params */"), "index", &rec).as_deref(),
            Some("Index for params")
        );
        assert_eq!(
            member_doc(
                Some("/**\n\t * @param:\n\t *\n\t * Supported params:\n\t */"),
                "param",
                &rec
            )
            .as_deref(),
            Some("Supported params:")
        );
        assert_eq!(
            member_doc(Some("/** Input: size. */"), "size", &rec).as_deref(),
            Some("Input: size.")
        );
    }
}
