//! `uabi lint --fix`: applies the diagnostics' mechanical fixes
//! ([`Fix`]) to a spec's text by inserting lines, so that everything else
//! (comments, blank lines, quoting, flow or block style, key order) stays
//! exactly as written. No YAML library round-trips a document with its
//! comments and layout intact, which is why this edits text at the
//! positions the parser kept rather than re-emitting the document.
//!
//! I/O-free: text in, text out, plus what was done and what could not be.

use crate::diag::{Fix, Pos};

/// One applied edit, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Line (1-based) of the inserted text, in the new text.
    pub line: u32,
    pub what: String,
}

/// A fix that cannot be made as text (its place is not in block style).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pos}: cannot make the fix ({what}) automatically: {why}")]
pub struct Refused {
    pub pos: Pos,
    pub what: String,
    pub why: &'static str,
}

/// Applies `fixes` (all for this text) and returns the new text, what was
/// done (in text order) and what could not be done.
pub fn apply(text: &str, fixes: &[Fix]) -> (String, Vec<Applied>, Vec<Refused>) {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut refused = Vec::new();
    // (line index to insert before, the new line, what) for every fix,
    // computed on the original text, applied bottom-up so that earlier
    // indices stay valid.
    let mut edits: Vec<Edit> = Vec::new();
    for f in fixes {
        match plan(&lines, f) {
            Ok(e) => edits.push(e),
            Err(why) => refused.push(Refused {
                pos: f.pos().clone(),
                what: describe(f),
                why,
            }),
        }
    }
    // Two edits at one place keep their order (stable sort, then reversed
    // application inserts the later one first, below the earlier).
    edits.sort_by_key(|e| e.at);
    for e in edits.iter().rev() {
        if e.replace {
            lines[e.at] = e.line.clone();
        } else {
            lines.insert(e.at, e.line.clone());
        }
    }
    let mut inserted_before = 0;
    let applied = edits
        .iter()
        .map(|e| {
            let line = (e.at + inserted_before + 1) as u32;
            if !e.replace {
                inserted_before += 1;
            }
            Applied {
                line,
                what: e.what.clone(),
            }
        })
        .collect();
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    (out, applied, refused)
}

/// One line to insert before line `at`, or to put in its place.
struct Edit {
    at: usize,
    line: String,
    what: String,
    replace: bool,
}

/// What a fix does, as the report says it: "added `...`", "set `...`".
fn describe(f: &Fix) -> String {
    match f {
        Fix::InsertItemBefore { item, .. } | Fix::InsertItemAfter { item, .. } => {
            format!("added `- {item}`")
        }
        Fix::AddKey { key, value, .. } => format!("added `{key}: {value}`"),
        Fix::SetKey { key, value, .. } => format!("set `{key}: {value}`"),
    }
}

/// Leading spaces of a line.
fn indent(l: &str) -> usize {
    l.len() - l.trim_start_matches(' ').len()
}

/// Whether a line holds nothing but a comment or whitespace.
fn blank(l: &str) -> bool {
    let t = l.trim_start();
    t.is_empty() || t.starts_with('#')
}

/// The line index and column of the `- ` that starts the sequence item
/// holding a `name:` value at `pos`.
fn item_start(lines: &[String], pos: &Pos) -> Result<(usize, usize), &'static str> {
    let line = pos.line.checked_sub(1).ok_or("no such line")? as usize;
    let col = pos.col.saturating_sub(1) as usize;
    let l = lines.get(line).ok_or("no such line")?;
    if l.get(..col)
        .is_some_and(|head| head.contains('{') || head.contains('['))
    {
        // `- { name: x, ... }` is fine (the dash is before the brace), a
        // mapping nested in a flow sequence is not.
        let dash = l.find("- ").ok_or("the item is in flow style")?;
        if l[..dash].contains('[') || l[..dash].contains('{') {
            return Err("the item is in flow style");
        }
        return Ok((line, dash));
    }
    // Up from the name line to the dash that opens its item.
    for k in (0..=line).rev() {
        let lk = &lines[k];
        let i = indent(lk);
        if lk[i..].starts_with("- ") && i < col {
            return Ok((k, i));
        }
        if k < line && !blank(lk) && i < col.saturating_sub(2) {
            break;
        }
    }
    Err("the item is not a block sequence entry")
}

/// The last line of the block item that starts at `start` (dash at
/// column `dash`): the item runs until a line at the dash's indent or
/// less; comments and blank lines after it belong to what follows.
fn item_end(lines: &[String], start: usize, dash: usize) -> usize {
    let mut last = start;
    for (k, l) in lines.iter().enumerate().skip(start + 1) {
        if blank(l) {
            continue;
        }
        if indent(l) <= dash {
            break;
        }
        last = k;
    }
    last
}

/// Where and what to insert (or replace) for one fix, on the original
/// lines.
fn plan(lines: &[String], f: &Fix) -> Result<Edit, &'static str> {
    let insert = |at: usize, line: String| Edit {
        at,
        line,
        what: describe(f),
        replace: false,
    };
    match f {
        Fix::InsertItemBefore { at, item } => {
            let (line, dash) = item_start(lines, at)?;
            Ok(insert(line, format!("{}- {item}", " ".repeat(dash))))
        }
        Fix::InsertItemAfter { at, item } => {
            let (line, dash) = item_start(lines, at)?;
            let last = item_end(lines, line, dash);
            Ok(insert(last + 1, format!("{}- {item}", " ".repeat(dash))))
        }
        Fix::AddKey { at, key, value } => {
            let (line, key_col) = name_line(lines, at)?;
            Ok(insert(
                line + 1,
                format!("{}{key}: {value}", " ".repeat(key_col)),
            ))
        }
        Fix::SetKey { at, key, value } => {
            let (line, key_col) = name_line(lines, at)?;
            let (start, dash) = item_start(lines, at)?;
            let end = item_end(lines, start, dash);
            let prefix = format!("{}{key}:", " ".repeat(key_col));
            let dash_prefix = format!("{}- {key}:", " ".repeat(dash));
            for (k, l) in lines.iter().enumerate().take(end + 1).skip(start) {
                if l.starts_with(&prefix) || l.starts_with(&dash_prefix) {
                    // Only the value changes: what follows it (spaces, a
                    // comment) stays.
                    let head_len = l.find(&format!("{key}:")).unwrap_or(0);
                    let after_key = &l[head_len + key.len() + 1..];
                    let value_at = after_key.len() - after_key.trim_start().len();
                    let rest = &after_key[value_at..];
                    let tail = rest.find(char::is_whitespace).map_or("", |i| &rest[i..]);
                    return Ok(Edit {
                        at: k,
                        line: format!("{}{key}: {value}{tail}", &l[..head_len]),
                        what: describe(f),
                        replace: true,
                    });
                }
            }
            Ok(Edit {
                what: format!("added `{key}: {value}`"),
                ..insert(line + 1, format!("{}{key}: {value}", " ".repeat(key_col)))
            })
        }
    }
}

/// The line of a block mapping's `name:` whose value is at `at`, and the
/// column of its key; refused when the mapping is in flow style.
fn name_line(lines: &[String], at: &Pos) -> Result<(usize, usize), &'static str> {
    let line = at.line.checked_sub(1).ok_or("no such line")? as usize;
    let l = lines.get(line).ok_or("no such line")?;
    let col = at.col.saturating_sub(1) as usize;
    let head = l.get(..col).ok_or("no such column")?;
    if head.contains('{') {
        return Err("the mapping is in flow style");
    }
    // The position is the name's value (the parser's) or its key (the
    // compat locator's).
    let key_col = match head.rfind("name:") {
        Some(c) => c,
        None if l[col..].starts_with("name:") => col,
        None => return Err("the name is not on its own key line"),
    };
    Ok((line, key_col))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn pos(line: u32, col: u32) -> Pos {
        Pos::new(&Arc::from("t.yaml"), line, col)
    }

    const TEXT: &str = "\
members:
  - { name: id, type: u32 }   # the id
  - name: value
    type: u64
    # about value
    doc: A value.

  # trailing comment
other: 1
";

    #[test]
    fn items_go_before_and_after_keeping_comments() {
        let fixes = [
            Fix::InsertItemBefore {
                at: pos(3, 11),
                item: "{ name: pad0, type: pad, len: 4 }".into(),
            },
            Fix::InsertItemAfter {
                at: pos(3, 11),
                item: "{ name: pad1, type: pad, len: 4 }".into(),
            },
        ];
        let (out, applied, refused) = apply(TEXT, &fixes);
        assert!(refused.is_empty(), "{refused:?}");
        assert_eq!(
            out,
            "\
members:
  - { name: id, type: u32 }   # the id
  - { name: pad0, type: pad, len: 4 }
  - name: value
    type: u64
    # about value
    doc: A value.
  - { name: pad1, type: pad, len: 4 }

  # trailing comment
other: 1
"
        );
        assert_eq!(applied.len(), 2);
        assert_eq!(applied[0].line, 3);
        assert_eq!(applied[1].line, 8);
    }

    #[test]
    fn a_flow_style_item_gets_its_neighbour_at_its_dash() {
        let fixes = [Fix::InsertItemAfter {
            at: pos(2, 13),
            item: "{ name: pad0, type: pad, len: 4 }".into(),
        }];
        let (out, _, refused) = apply(TEXT, &fixes);
        assert!(refused.is_empty());
        assert!(out.contains("# the id\n  - { name: pad0, type: pad, len: 4 }\n  - name: value"));
    }

    #[test]
    fn keys_go_under_the_name_and_flow_mappings_are_refused() {
        let text = "ioctls:\n  - name: set\n    nr: 0x40\n  - { name: get, nr: 0x41 }\n";
        let fixes = [
            Fix::AddKey {
                at: pos(2, 11),
                key: "extension",
                value: "strict".into(),
            },
            Fix::AddKey {
                at: pos(4, 13),
                key: "extension",
                value: "strict".into(),
            },
        ];
        let (out, applied, refused) = apply(text, &fixes);
        assert_eq!(
            out,
            "ioctls:\n  - name: set\n    extension: strict\n    nr: 0x40\n  - { name: get, nr: 0x41 }\n"
        );
        assert_eq!(applied.len(), 1);
        assert_eq!(refused.len(), 1);
        assert!(
            refused[0].to_string().contains("flow style"),
            "{}",
            refused[0]
        );
    }

    #[test]
    fn set_key_replaces_an_existing_value_keeping_its_comment() {
        let text = "entries:\n  - name: a\n    since: 3   # wrong\n  - name: b\n    doc: x\n";
        let fixes = [
            Fix::SetKey {
                at: pos(2, 11),
                key: "since",
                value: "2".into(),
            },
            Fix::SetKey {
                at: pos(4, 11),
                key: "since",
                value: "2".into(),
            },
        ];
        let (out, applied, refused) = apply(text, &fixes);
        assert!(refused.is_empty(), "{refused:?}");
        assert_eq!(
            out,
            "entries:\n  - name: a\n    since: 2   # wrong\n  - name: b\n    since: 2\n    doc: x\n"
        );
        assert_eq!(applied[0].line, 3);
        assert_eq!(applied[1].line, 5);
    }

    #[test]
    fn positions_outside_the_text_are_refused_not_panicked_on() {
        let fixes = [
            Fix::InsertItemBefore {
                at: pos(99, 3),
                item: "x".into(),
            },
            Fix::AddKey {
                at: pos(0, 0),
                key: "k",
                value: "v".into(),
            },
            Fix::InsertItemAfter {
                at: pos(1, 400),
                item: "x".into(),
            },
        ];
        let (out, applied, refused) = apply(TEXT, &fixes);
        assert_eq!(out, TEXT);
        assert!(applied.is_empty());
        assert_eq!(refused.len(), 3);
    }
}
