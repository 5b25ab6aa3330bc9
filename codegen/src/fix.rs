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
#[error("{pos}: cannot apply `{what}` automatically: {why}")]
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
    let mut edits: Vec<(usize, String, String)> = Vec::new();
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
    edits.sort_by_key(|e| e.0);
    for (at, line, _) in edits.iter().rev() {
        lines.insert(*at, line.clone());
    }
    let applied = edits
        .iter()
        .enumerate()
        .map(|(k, (at, _, what))| Applied {
            line: (at + k + 1) as u32,
            what: what.clone(),
        })
        .collect();
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    (out, applied, refused)
}

fn describe(f: &Fix) -> String {
    match f {
        Fix::InsertItemBefore { item, .. } | Fix::InsertItemAfter { item, .. } => {
            format!("- {item}")
        }
        Fix::AddKey { key, value, .. } => format!("{key}: {value}"),
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

/// Where and what to insert for one fix, on the original lines.
fn plan(lines: &[String], f: &Fix) -> Result<(usize, String, String), &'static str> {
    match f {
        Fix::InsertItemBefore { at, item } => {
            let (line, dash) = item_start(lines, at)?;
            Ok((line, format!("{}- {item}", " ".repeat(dash)), describe(f)))
        }
        Fix::InsertItemAfter { at, item } => {
            let (line, dash) = item_start(lines, at)?;
            // The item runs until a line at its dash's indent or less;
            // comments and blank lines after its last line stay after the
            // new item only when they are not indented into it.
            let mut last = line;
            for (k, l) in lines.iter().enumerate().skip(line + 1) {
                if blank(l) {
                    continue;
                }
                if indent(l) <= dash {
                    break;
                }
                last = k;
            }
            Ok((
                last + 1,
                format!("{}- {item}", " ".repeat(dash)),
                describe(f),
            ))
        }
        Fix::AddKey { at, key, value } => {
            let line = at.line.checked_sub(1).ok_or("no such line")? as usize;
            let l = lines.get(line).ok_or("no such line")?;
            let col = at.col.saturating_sub(1) as usize;
            let head = l.get(..col).ok_or("no such column")?;
            if head.contains('{') {
                return Err("the mapping is in flow style");
            }
            let key_col = head
                .rfind("name:")
                .ok_or("the name is not on its own key line")?;
            Ok((
                line + 1,
                format!("{}{key}: {value}", " ".repeat(key_col)),
                describe(f),
            ))
        }
    }
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
