//! Parsing: YAML text into the surface syntax, a serde error turned into
//! a positioned diagnostic with a rule id.

use super::yaml;
use crate::diag::{Diagnostic, Pos};
use crate::resolve;
use crate::rules;
use crate::spec::SpecFile;
use std::sync::Arc;

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
    yaml::from_str::<SpecFile>(text).map_err(|e| {
        let pos = e
            .pos
            .filter(|&(line, _)| line > 0)
            .map_or_else(|| Pos::file_start(file), |(l, c)| Pos::new(file, l, c));
        vec![classify(&sanitize(&e.message), pos)]
    })
}

/// Control characters (a key may hold a tab) escaped, so a message stays
/// one printable line.
fn sanitize(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    for ch in msg.chars() {
        if ch.is_control() || matches!(ch, '\u{2028}' | '\u{2029}') {
            out.extend(ch.escape_debug());
        } else {
            out.push(ch);
        }
    }
    out
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
