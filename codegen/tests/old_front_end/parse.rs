//! Parsing: YAML text into the surface syntax, a serde error turned into
//! a positioned diagnostic with a rule id.

use super::spec::SpecFile;
use std::sync::Arc;
use uabi::diag::{Diagnostic, Pos};
use uabi::resolve;
use uabi::rules;

/// Parses YAML text into the surface syntax, turning a serde error into
/// a positioned diagnostic with a rule id.
pub fn parse(file: &Arc<str>, text: &str) -> Result<SpecFile, Vec<Diagnostic>> {
    let blank = text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
    if blank {
        return Err(vec![
            Diagnostic::error(
                &rules::MISSING_KEY,
                Pos::file_start(file),
                "the spec is empty",
            )
            .with_hint("a spec starts with `name: <prefix>`"),
        ]);
    }
    let mut options = serde_saphyr::options::Options::default();
    options.with_snippet = false;
    serde_saphyr::from_str_with_options::<SpecFile>(text, options).map_err(|e| {
        let pos = e.location().filter(|l| l.line() > 0).map_or_else(
            || Pos::file_start(file),
            |l| Pos::new(file, l.line() as u32, l.column() as u32),
        );
        let full = e.to_string();
        // The message may carry its own "line N column M: " prefix; the
        // position is ours to print.
        let msg = strip_location(&full);
        vec![classify(msg, pos)]
    })
}

fn strip_location(msg: &str) -> &str {
    let msg = msg.strip_prefix("error: ").unwrap_or(msg);
    if let Some(rest) = msg.strip_prefix("line ")
        && let Some(i) = rest.find(": ")
        && rest[..i]
            .split(" column ")
            .all(|p| p.trim().parse::<u32>().is_ok())
    {
        return &rest[i + 2..];
    }
    msg.lines().next().unwrap_or(msg)
}

fn classify(msg: &str, pos: Pos) -> Diagnostic {
    let msg = msg.trim();
    let msg = msg
        .rsplit_once(" at line ")
        .filter(|(_, tail)| {
            tail.split(", column ")
                .all(|p| p.trim().parse::<u32>().is_ok())
        })
        .map_or(msg, |(head, _)| head);
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let (field, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let field = field.trim_matches('`');
        let candidates: Vec<&str> = expected
            .trim_start_matches("one of ")
            .split(", ")
            .map(|s| s.trim_matches('`'))
            .filter(|s| !s.is_empty())
            .collect();
        let hint = match resolve::suggest(field, candidates.iter().copied()) {
            Some(s) => format!(
                "did you mean `{s}`? keys allowed here: {}",
                candidates.join(", ")
            ),
            None => format!("keys allowed here: {}", candidates.join(", ")),
        };
        return Diagnostic::error(&rules::UNKNOWN_KEY, pos, format!("unknown key `{field}`"))
            .with_hint(hint);
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        let field = rest.trim_matches('`');
        return Diagnostic::error(&rules::MISSING_KEY, pos, format!("missing key `{field}`"))
            .with_hint(format!("add `{field}:` to this mapping"));
    }
    if msg.starts_with("duplicate field")
        || msg.contains("duplicate mapping key")
        || msg.contains("duplicate key")
    {
        let msg = msg.split(", set DuplicateKeyPolicy").next().unwrap_or(msg);
        return Diagnostic::error(&rules::DUPLICATE_KEY, pos, msg.to_string())
            .with_hint("each key may appear once in a mapping");
    }
    if msg.starts_with("invalid type")
        || msg.starts_with("invalid value")
        || msg.contains("expected")
    {
        return Diagnostic::error(&rules::BAD_VALUE, pos, msg.to_string())
            .with_hint("see spec-language.md for the shape of this key");
    }
    Diagnostic::error(&rules::SYNTAX, pos, msg.to_string())
        .with_hint("the file is not valid YAML here")
}
