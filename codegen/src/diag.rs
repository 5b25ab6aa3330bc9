//! Diagnostics: a stable rule id, a message, a file:line:col position and a
//! hint, collected rather than thrown so one run reports every problem.

use crate::rules::Rule;
use std::fmt;
use std::sync::Arc;

/// A position in a spec file (1-based line and column, in characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pos {
    pub file: Arc<str>,
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub fn new(file: &Arc<str>, line: u32, col: u32) -> Self {
        Pos {
            file: file.clone(),
            line,
            col,
        }
    }

    /// The start of a file, for problems that belong to no node.
    pub fn file_start(file: &Arc<str>) -> Self {
        Pos::new(file, 1, 1)
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The rule of the catalogue ([`crate::rules`]) this reports.
    pub rule: &'static Rule,
    pub message: String,
    pub pos: Pos,
    pub hint: Option<String>,
    /// The hint as an edit `uabi lint --fix` can make, when it is
    /// mechanical (one right answer) and changes no shipped ABI.
    pub fix: Option<Fix>,
}

/// A mechanical edit of a spec's text, at the places the parser kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    /// A new sequence item (`item`, flow-style YAML) just before the item
    /// whose `name:` value is at `at`.
    InsertItemBefore { at: Pos, item: String },
    /// A new sequence item just after the item whose `name:` value is at
    /// `at` (and after everything that item holds).
    InsertItemAfter { at: Pos, item: String },
    /// A `key: value` line in the mapping whose `name:` value is at `at`,
    /// right after that `name:` line.
    AddKey {
        at: Pos,
        key: &'static str,
        value: String,
    },
    /// `key: value` in that mapping: the key's value replaced where the
    /// mapping has the key, else added as [`Fix::AddKey`] does.
    SetKey {
        at: Pos,
        key: &'static str,
        value: String,
    },
}

impl Fix {
    /// Where the edit goes.
    pub fn pos(&self) -> &Pos {
        match self {
            Fix::InsertItemBefore { at, .. }
            | Fix::InsertItemAfter { at, .. }
            | Fix::AddKey { at, .. }
            | Fix::SetKey { at, .. } => at,
        }
    }
}

impl Diagnostic {
    /// A diagnostic of `rule` at the rule's own severity, with the
    /// rule's general hint until a site gives a more specific one.
    pub fn new(rule: &'static Rule, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: rule.severity,
            rule,
            message: message.into(),
            pos,
            hint: Some(rule.hint.to_string()),
            fix: None,
        }
    }

    /// A diagnostic of `rule` as an error, whatever the rule's default.
    pub fn error(rule: &'static Rule, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            ..Diagnostic::new(rule, pos, message)
        }
    }

    /// A diagnostic of `rule` as a warning, whatever the rule's default.
    pub fn warning(rule: &'static Rule, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::new(rule, pos, message)
        }
    }

    /// The rule's id, as printed.
    pub fn id(&self) -> &'static str {
        self.rule.id
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// Renders the diagnostic the way compilers do: a header line, the
    /// source line with a caret under the column, and the hint.
    pub fn render(&self, source: Option<&str>) -> String {
        self.render_line(
            source.and_then(|s| s.lines().nth(self.pos.line.saturating_sub(1) as usize)),
        )
    }

    /// [`Self::render`] given the text of the diagnostic's line.
    pub fn render_line(&self, line: Option<&str>) -> String {
        let mut out = format!(
            "{}: {}[{}]: {}\n",
            self.pos, self.severity, self.rule.id, self.message
        );
        if let Some(line) = line {
            let gutter = self.pos.line.to_string();
            let pad = " ".repeat(gutter.len());
            let caret_at: String = line
                .chars()
                .take(self.pos.col.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!(
                "{pad} |\n{gutter} | {line}\n{pad} | {caret_at}^\n"
            ));
        }
        if let Some(h) = &self.hint {
            out.push_str(&format!("  = hint: {h}\n"));
        }
        out
    }
}

/// Source texts split into lines once per file, for rendering many
/// diagnostics: [`Diagnostic::render`] scans its text from the start for
/// each one, which for thousands of findings in one large file (a
/// generated header's layout checks) is quadratic.
#[derive(Debug, Default)]
pub struct SourceLines<'a> {
    files: std::collections::HashMap<Arc<str>, Vec<&'a str>>,
}

impl<'a> SourceLines<'a> {
    /// `d` rendered with its line of `source`, the text of its file.
    pub fn render(&mut self, d: &Diagnostic, source: Option<&'a str>) -> String {
        let line = source.and_then(|s| {
            let lines = self
                .files
                .entry(d.pos.file.clone())
                .or_insert_with(|| s.lines().collect());
            lines.get(d.pos.line.saturating_sub(1) as usize).copied()
        });
        d.render_line(line)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(None))
    }
}

/// The collector every stage pushes into.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sorted by position then rule, so output is deterministic whatever
    /// order the checks ran in.
    pub fn sorted(mut self) -> Vec<Diagnostic> {
        self.items
            .sort_by(|a, b| (&a.pos, a.rule.id, &a.message).cmp(&(&b.pos, b.rule.id, &b.message)));
        self.items.dedup();
        self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines found once per file render exactly as `render` finds them,
    /// in any order, past the end and with no source.
    #[test]
    fn source_lines_render_as_render_does() {
        let text = "first\n\tsecond line\nthird\n";
        let file: Arc<str> = Arc::from("f.yaml");
        let mut lines = SourceLines::default();
        for (line, col) in [(2, 3), (1, 1), (3, 2), (9, 1), (2, 1)] {
            let d =
                Diagnostic::new(&crate::rules::IO, Pos::new(&file, line, col), "m").with_hint("h");
            assert_eq!(lines.render(&d, Some(text)), d.render(Some(text)));
            assert_eq!(lines.render(&d, None), d.render(None));
        }
    }
}
