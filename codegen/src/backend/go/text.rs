//! The text the Go views carry: comment lines and gofmt-aligned blocks,
//! written once in their final form into one `String` per block, each
//! line after a `\n` (the templates print such a block right after the
//! line that opens it).
//!
//! Building each line as a `String` of its own, then a copy of it with
//! its prefix, then a padded copy of that was most of the Go backend's
//! time; these writers push prefix, text and padding straight into the
//! block, with no `String` per line.

use crate::backend::shared::{PushFmt, all_bytes, push_spaces, wrap, wrap_ascii_each};

/// Comment text is wrapped to this many columns (a tab counts as 8).
pub(super) const WIDTH: usize = 80;

/// The paragraphs of spec doc text as slices of it, as
/// `shared::paragraph_slices` splits them: the trimmed text split at blank
/// lines (`\n\n`) if it has any, else at every line, all-blank pieces
/// dropped. [`Comment::para`] collapses their whitespace as it wraps
/// them, so joining their words first would only copy them.
///
/// Written here with byte searches: every item's doc is split, and the
/// `&str`-pattern searches of the shared splitter (a searcher built per
/// call for `\n\n`) were a good part of the Go backend's time.
pub(super) fn doc_paragraphs(doc: Option<&str>) -> Paragraphs<'_> {
    let text = doc.unwrap_or_default().trim();
    // Most doc text is one line, found so with one memchr scan: it is its
    // own one piece, with no line or blank line to look for.
    let one_line = !text.as_bytes().contains(&b'\n');
    Paragraphs {
        one_line,
        double: !one_line && find_blank_line(text.as_bytes()).is_some(),
        rest: (!text.is_empty()).then_some(text),
    }
}

/// Where the first `\n\n` of `bytes` starts.
fn find_blank_line(bytes: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = bytes[from..].iter().position(|&b| b == b'\n') {
        let i = from + i;
        if bytes.get(i + 1) == Some(&b'\n') {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

/// The iterator of [`doc_paragraphs`].
pub(super) struct Paragraphs<'a> {
    /// The text not yet split; `None` once the last piece is out.
    rest: Option<&'a str>,
    /// Whether the text has no newline, so that it is the one piece.
    one_line: bool,
    /// Whether pieces end at `\n\n` rather than at `\n`.
    double: bool,
}

impl<'a> Iterator for Paragraphs<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            let rest = self.rest?;
            let bytes = rest.as_bytes();
            let (piece, after) = if self.one_line {
                (rest, None)
            } else if self.double {
                match find_blank_line(bytes) {
                    Some(i) => (&rest[..i], Some(&rest[i + 2..])),
                    None => (rest, None),
                }
            } else {
                match bytes.iter().position(|&b| b == b'\n') {
                    Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                    None => (rest, None),
                }
            };
            self.rest = after;
            // `!piece.trim().is_empty()`, stopping at the first
            // character that is not whitespace.
            if piece.chars().any(|c| !c.is_whitespace()) {
                return Some(piece);
            }
        }
    }
}

/// `//` comment lines of paragraphs at a tab indentation, written into a
/// block as they come: a paragraph is wrapped straight into it, and a
/// blank `//` line separates it from the one before.
pub(super) struct Comment<'o> {
    out: &'o mut String,
    tabs: usize,
    /// Text the first paragraph starts with (`IoctlX: `); empty for none.
    lead: &'o str,
    /// Paragraphs written so far.
    paras: usize,
    /// Whether the last paragraph written, not the first, is one line
    /// gofmt would turn into a heading if another paragraph followed it.
    heading_like: bool,
    /// A paragraph built before it is wrapped (the lead and the first
    /// paragraph, formatted text); reused.
    scratch: String,
}

impl<'o> Comment<'o> {
    pub(super) fn new(out: &'o mut String, tabs: usize) -> Self {
        Self::with_lead(out, tabs, "")
    }

    /// A comment whose first paragraph starts with `lead` and `: `. Without
    /// paragraphs it writes nothing, lead included.
    pub(super) fn with_lead(out: &'o mut String, tabs: usize, lead: &'o str) -> Self {
        Comment {
            out,
            tabs,
            lead,
            paras: 0,
            heading_like: false,
            scratch: String::new(),
        }
    }

    /// Whether no paragraph has been written.
    pub(super) fn is_empty(&self) -> bool {
        self.paras == 0
    }

    /// Appends a paragraph built by `build` (formatted text).
    pub(super) fn para_with(&mut self, build: impl FnOnce(&mut String)) {
        let mut text = std::mem::take(&mut self.scratch);
        text.clear();
        // Room for most paragraphs at once: each comment starts its
        // scratch empty, and growing it piece by piece cost more than the
        // copies.
        text.reserve(4 * WIDTH);
        if self.paras == 0 && !self.lead.is_empty() {
            text.push_str(self.lead);
            text.push_str(": ");
        }
        build(&mut text);
        self.write_para(&text);
        self.scratch = text;
    }

    pub(super) fn para_fmt(&mut self, args: std::fmt::Arguments<'_>) {
        self.para_with(|s| s.push_fmt(args));
    }

    /// Appends a paragraph of text (its whitespace is collapsed).
    pub(super) fn para(&mut self, text: &str) {
        if self.paras == 0 && !self.lead.is_empty() {
            self.para_with(|s| s.push_str(text));
        } else {
            self.write_para(text);
        }
    }

    /// Writes a paragraph, its lead already in `text`.
    fn write_para(&mut self, text: &str) {
        if self.paras > 0 {
            // gofmt turns a one-line paragraph that starts with a capital
            // and ends with a letter or digit, between two others, into a
            // heading: the full stop keeps it text. The paragraph is the
            // last thing written, so the stop ends its line.
            if self.heading_like {
                self.out.push('.');
            }
            self.start_line();
        }
        let (lines, first_text) = self.wrap_into(text);
        let only = &self.out[first_text..];
        self.heading_like = self.paras > 0
            && lines == 1
            && only.starts_with(|c: char| c.is_uppercase())
            && only.ends_with(|c: char| c.is_alphanumeric());
        self.paras += 1;
    }

    /// Writes `text` wrapped, one `// ` line each; returns how many lines
    /// and where the first one's text starts in the block.
    fn wrap_into(&mut self, text: &str) -> (usize, usize) {
        let width = WIDTH.saturating_sub(self.tabs * 8 + 3).max(20);
        let mut lines = 0;
        let mut first_text = self.out.len();
        // `wrap_ascii_each` splits words at ASCII whitespace, which lacks
        // the vertical tab `shared::paragraphs` splits at: such text, and
        // any not ASCII, takes the general path.
        if all_bytes(text, |b| b.is_ascii() && b != b'\x0b') {
            wrap_ascii_each(text, width, 0, 0, |_, line| {
                self.start_line();
                self.out.push(' ');
                if lines == 0 {
                    first_text = self.out.len();
                }
                self.out.push_str(line);
                lines += 1;
            });
        } else {
            let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
            for line in wrap(&words, width) {
                self.start_line();
                self.out.push(' ');
                if lines == 0 {
                    first_text = self.out.len();
                }
                self.out.push_str(&line);
                lines += 1;
            }
        }
        (lines, first_text)
    }

    /// A new line, `//` at the comment's indentation.
    fn start_line(&mut self) {
        self.out.reserve(WIDTH);
        self.out.push('\n');
        for _ in 0..self.tabs {
            self.out.push('\t');
        }
        self.out.push_str("//");
    }
}

/// The width of a name in characters: its length when ASCII (most).
fn char_width(name: &str) -> usize {
    if name.is_ascii() {
        name.len()
    } else {
        name.chars().count()
    }
}

/// The lines of a block of fields or constants, a tab in, names padded
/// as gofmt aligns them: across consecutive rows that no comment line
/// separates. A run of rows is held until a comment ends it, as its
/// widest name sets the padding of all.
#[derive(Default)]
pub(super) struct Block {
    out: String,
    /// The comment lines of the next row, written by [`Block::doc`].
    doc: String,
    /// The names and rests of the rows of the current run, back to back.
    run: String,
    rows: Vec<RunRow>,
    /// The widest name of the run, in characters.
    width: usize,
}

/// Where a row of the run ends in [`Block::run`], and its name's width.
struct RunRow {
    name_end: usize,
    end: usize,
    name_width: usize,
}

impl Block {
    /// A block sized for about `rows` rows, so that its buffers are not
    /// grown again and again as a struct's fields are written: a row and
    /// its comment come to about 96 bytes, the name and rest to 32.
    pub(super) fn with_rows(rows: usize) -> Self {
        Block {
            out: String::with_capacity(rows * 96),
            doc: String::with_capacity(WIDTH),
            run: String::with_capacity(rows * 32),
            rows: Vec::with_capacity(rows),
            width: 0,
        }
    }

    /// A writer of the next row's comment, at one tab.
    pub(super) fn doc(&mut self) -> Comment<'_> {
        Comment::new(&mut self.doc, 1)
    }

    /// A row: `name` pushes its name, `rest` what follows the padding.
    pub(super) fn row(&mut self, name: impl FnOnce(&mut String), rest: impl FnOnce(&mut String)) {
        if !self.doc.is_empty() {
            self.end_run();
            self.out.push_str(&self.doc);
            self.doc.clear();
        }
        let start = self.run.len();
        name(&mut self.run);
        let name_end = self.run.len();
        rest(&mut self.run);
        let name_width = char_width(self.run.get(start..name_end).unwrap_or_default());
        self.width = self.width.max(name_width);
        self.rows.push(RunRow {
            name_end,
            end: self.run.len(),
            name_width,
        });
    }

    /// Writes the rows of the current run, padded to its widest name.
    fn end_run(&mut self) {
        self.out
            .reserve(self.run.len() + self.rows.len() * (3 + self.width));
        let mut start = 0;
        for r in &self.rows {
            self.out.push_str("\n\t");
            self.out.push_str(&self.run[start..r.name_end]);
            push_spaces(&mut self.out, (self.width + 1).saturating_sub(r.name_width));
            self.out.push_str(&self.run[r.name_end..r.end]);
            start = r.end;
        }
        self.run.clear();
        self.rows.clear();
        self.width = 0;
    }

    /// The block's lines, each after a `\n`.
    pub(super) fn finish(mut self) -> String {
        self.end_run();
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(paras: &[&str], tabs: usize) -> String {
        let mut out = String::new();
        let mut c = Comment::new(&mut out, tabs);
        for p in paras {
            c.para(p);
        }
        out
    }

    #[test]
    fn alignment_follows_comment_lines() {
        let mut b = Block::default();
        let row = |b: &mut Block, name: &str| {
            b.row(|out| out.push_str(name), |out| out.push_str("uint32"));
        };
        row(&mut b, "A");
        row(&mut b, "Long");
        b.doc().para("doc");
        row(&mut b, "B");
        row(&mut b, "Longer");
        assert_eq!(
            b.finish(),
            "\n\tA    uint32\n\tLong uint32\n\t// doc\n\tB      uint32\n\tLonger uint32"
        );
    }

    #[test]
    fn comments_dodge_gofmt_headings() {
        let c = comment(&["First: x.", "Looks Like A Heading", "End."], 0);
        assert_eq!(
            c,
            "\n// First: x.\n//\n// Looks Like A Heading.\n//\n// End."
        );
        // The last paragraph is no heading.
        assert_eq!(
            comment(&["a.", "Last Words"], 0),
            "\n// a.\n//\n// Last Words"
        );
        let c = comment(&[&"word ".repeat(40)], 1);
        assert!(
            c.lines()
                .skip(1)
                .all(|l| l.starts_with("\t// ") && l.len() - 1 + 8 <= WIDTH)
        );
    }

    #[test]
    fn comments_lead_and_collapse_whitespace() {
        let mut out = String::new();
        let mut c = Comment::with_lead(&mut out, 0, "Name");
        c.para("one\t two");
        c.para("caf\u{e9}  au lait");
        assert_eq!(out, "\n// Name: one two\n//\n// caf\u{e9} au lait");
    }

    #[test]
    fn paragraphs_as_shared_splits_them() {
        for text in [
            "one\ntwo  three\n",
            "a\nb\n\nc\n",
            "  ",
            "",
            "x\n\n\n  y\n",
            "a\n\n\n\nb\n \n\nc",
            "\u{a0}a\n\u{a0}\nb\u{a0}",
            "a\n\x0b\nb",
        ] {
            let ours: Vec<String> = doc_paragraphs(Some(text))
                .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect();
            assert_eq!(ours, crate::backend::shared::paragraphs(text));
            assert!(doc_paragraphs(Some(text)).eq(crate::backend::shared::paragraph_slices(text)));
        }
    }
}
