//! Block comments of the C header (`/* ... */` and kernel-doc
//! `/** ... */`), wrapped to [`WIDTH`] and written straight into the
//! text that holds them.
//!
//! A header has a comment on nearly every line it defines, so they are
//! built without a `String` per line: the paragraphs borrow the spec's
//! text, and each line is pushed once, in its final form (line start,
//! ` * ` and the words), into the view's text.

use super::WIDTH;
use crate::backend::shared::{wrap_ascii_each, wrap_prefixed};
use std::borrow::Cow;

/// A newline followed by `depth` tabs: what starts each line of text
/// written `depth` tabs in. Borrowed up to eight tabs, deeper than any
/// real header nests.
pub(super) fn line_start(depth: usize) -> Cow<'static, str> {
    const STARTS: &str = "\n\t\t\t\t\t\t\t\t";
    match STARTS.get(..=depth) {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(format!("\n{}", "\t".repeat(depth))),
    }
}

/// Makes text safe inside a C block comment: `*/` would end it, `/*`
/// inside one is a `-Wcomment` warning, and `??` could start a trigraph
/// (C89/C99 modes) whose `??/` at the end of a line splices lines.
pub(super) fn sanitize(s: &str) -> Cow<'_, str> {
    if needs_sanitizing(s) {
        Cow::Owned(sanitized_copy(s))
    } else {
        Cow::Borrowed(s)
    }
}

/// [`sanitize`] of text already held: kept as it is when safe, which
/// most text is.
fn sanitize_cow(s: Cow<'_, str>) -> Cow<'_, str> {
    if needs_sanitizing(&s) {
        Cow::Owned(sanitized_copy(&s))
    } else {
        s
    }
}

/// Whether `s` holds a byte that [`sanitized_copy`] may change: one scan.
fn needs_sanitizing(s: &str) -> bool {
    // Eight bytes at a time (a byte equal to one sought is a zero byte
    // of the word xor that byte repeated): every doc text of the header
    // comes through here, and almost none needs it.
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS != 0;
    let mut words = s.as_bytes().chunks_exact(8);
    for w in &mut words {
        let Ok(w) = <[u8; 8]>::try_from(w) else {
            return true;
        };
        let w = u64::from_le_bytes(w);
        if has_zero_byte(w ^ (ONES * u64::from(b'*')))
            || has_zero_byte(w ^ (ONES * u64::from(b'?')))
            || has_zero_byte(w ^ (ONES * u64::from(b'\r')))
        {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|b| matches!(b, b'*' | b'?' | b'\r'))
}

fn sanitized_copy(s: &str) -> String {
    s.replace("*/", "* /")
        .replace("/*", "/ *")
        .replace("??", "?\\?")
        .replace('\r', "")
}

/// One text paragraph of a comment, sanitized, its lead attached.
struct Para<'a> {
    /// A blank comment line comes before it.
    after_break: bool,
    /// Before its first line: the lead, then a hanging label.
    first: Cow<'a, str>,
    /// Before its other lines.
    rest: &'static str,
    text: Cow<'a, str>,
}

/// Builds a block comment wrapped to [`WIDTH`] at a given indentation.
/// Paragraphs are resolved as they are added (a lead waits for the next
/// text, a break for text after text), so writing only prints.
pub(super) struct Comment<'a> {
    open: &'static str,
    indent: usize,
    /// Whether a comment that fits on one line may be written on one.
    short: bool,
    /// Prefix of the next text paragraph (`struct x - `, `@member: `);
    /// dropped when no text follows, so an item without doc gets no
    /// comment.
    lead: Option<Cow<'a, str>>,
    /// A paragraph break waits for the next text paragraph.
    pending_break: bool,
    /// The first paragraph, held in place: most comments have only one,
    /// and then need no vector.
    first: Option<Para<'a>>,
    /// The paragraphs after the first.
    more: Vec<Para<'a>>,
}

impl<'a> Comment<'a> {
    pub(super) fn plain(indent: usize) -> Comment<'a> {
        Comment::new("/*", indent, true)
    }

    pub(super) fn kernel_doc(indent: usize) -> Comment<'a> {
        Comment::new("/**", indent, false)
    }

    fn new(open: &'static str, indent: usize, short: bool) -> Comment<'a> {
        Comment {
            open,
            indent,
            short,
            lead: None,
            pending_break: false,
            first: None,
            more: Vec::new(),
        }
    }

    pub(super) fn short(mut self) -> Comment<'a> {
        self.short = true;
        self
    }

    pub(super) fn lead(mut self, lead: impl Into<Cow<'a, str>>) -> Comment<'a> {
        self.lead = Some(lead.into());
        self
    }

    /// Doc text: its paragraphs (see [`split_paras`]).
    pub(super) fn text(mut self, text: impl Into<Cow<'a, str>>) -> Comment<'a> {
        match text.into() {
            // One line is one paragraph (most doc text): no splitting.
            Cow::Borrowed(text) if !text.contains('\n') => {
                let text = text.trim();
                if !text.is_empty() {
                    self.push_para(Some(Cow::Borrowed(text)));
                }
            }
            Cow::Borrowed(text) => {
                for p in split_paras(text) {
                    self.push_para(p.map(Cow::Borrowed));
                }
            }
            // Text made by the generator is one sentence: kept as made.
            Cow::Owned(text) if is_one_para(&text) => self.push_para(Some(Cow::Owned(text))),
            Cow::Owned(text) => {
                for p in split_paras(&text) {
                    self.push_para(p.map(|p| Cow::Owned(p.to_string())));
                }
            }
        }
        self
    }

    pub(super) fn doc(self, text: Option<&'a str>) -> Comment<'a> {
        self.text(text.unwrap_or(""))
    }

    /// A paragraph with a hanging indent (`EINVAL: ...`), or the label
    /// alone when there is no text.
    pub(super) fn hanging(mut self, label: &'a str, text: &'a str) -> Comment<'a> {
        let text = joined_paras(text);
        if text.is_empty() {
            self.push_text(
                Cow::Borrowed(""),
                "",
                Cow::Borrowed(label.trim_end_matches([':', ' '])),
            );
        } else {
            self.push_text(Cow::Owned([label, ": "].concat()), "  ", text);
        }
        self
    }

    pub(super) fn para_break(mut self) -> Comment<'a> {
        self.push_para(None);
        self
    }

    pub(super) fn since(self, since: u32) -> Comment<'a> {
        if since > 1 {
            self.text(format!("Since revision {since}."))
        } else {
            self
        }
    }

    /// A text paragraph, or a break (None).
    fn push_para(&mut self, para: Option<Cow<'a, str>>) {
        match para {
            Some(text) => self.push_text(Cow::Borrowed(""), "", text),
            // A break right after a lead, or before any text, is dropped.
            None => self.pending_break = self.lead.is_none() && self.first.is_some(),
        }
    }

    fn push_text(&mut self, head: Cow<'a, str>, rest: &'static str, text: Cow<'a, str>) {
        let first = match self.lead.take() {
            None => head,
            Some(lead) if head.is_empty() => lead,
            Some(lead) => Cow::Owned(lead.into_owned() + &head),
        };
        let para = Para {
            after_break: std::mem::take(&mut self.pending_break),
            first: sanitize_cow(first),
            rest,
            text: sanitize_cow(text),
        };
        match self.first {
            None => self.first = Some(para),
            Some(_) => self.more.push(para),
        }
    }

    /// The paragraphs, in order.
    fn paras(&self) -> impl Iterator<Item = &Para<'a>> {
        self.first.iter().chain(&self.more)
    }

    /// The comment's lines, each after `line_start` (a newline and the
    /// indentation); empty when it holds no text.
    pub(super) fn into_text(self, line_start: &str) -> String {
        let mut out = String::new();
        self.write(&mut out, line_start);
        out
    }

    /// Appends the comment's lines to `out`, each after `line_start`;
    /// nothing when it holds no text.
    pub(super) fn write(&self, out: &mut String, line_start: &str) {
        let Some(p) = &self.first else {
            return;
        };
        if self.more.is_empty() && self.short && self.fits_one_line(p) {
            out.reserve(line_start.len() + self.open.len() + 4 + p.first.len() + p.text.len());
            out.push_str(line_start);
            out.push_str(self.open);
            out.push(' ');
            out.push_str(&p.first);
            out.push_str(&p.text);
            out.push_str(" */");
            return;
        }
        out.reserve(self.size_hint(line_start));
        let width = WIDTH.saturating_sub(self.indent + 3).max(20);
        out.push_str(line_start);
        out.push_str(self.open);
        for p in self.paras() {
            if p.after_break {
                out.push_str(line_start);
                out.push_str(" *");
            }
            push_wrapped(out, line_start, &p.first, p.rest, &p.text, width);
        }
        out.push_str(line_start);
        out.push_str(" */");
    }

    /// `/* <first><text> */` fits in [`WIDTH`] columns at the indentation
    /// (measured, not built). A character takes at least a byte, so a
    /// line whose bytes fit needs no counting of its characters.
    fn fits_one_line(&self, p: &Para<'_>) -> bool {
        let frame = self.indent + self.open.len() + 4;
        frame + p.first.len() + p.text.len() <= WIDTH
            || frame + p.first.chars().count() + p.text.chars().count() <= WIDTH
    }

    /// About the bytes of the wrapped comment: its text, and a line start
    /// and ` * ` for a line per 60 bytes and per paragraph.
    fn size_hint(&self, line_start: &str) -> usize {
        let text: usize = self.paras().map(|p| p.first.len() + p.text.len()).sum();
        let lines = text / 60 + 2 * (1 + self.more.len()) + 2;
        text + lines * (line_start.len() + 3)
    }

    /// The comment's lines, without indentation (tests read them so).
    #[cfg(test)]
    pub(super) fn lines(self) -> Vec<String> {
        let text = self.into_text("\n");
        text.split('\n').skip(1).map(str::to_string).collect()
    }
}

/// One comment line: ` *` when empty, else ` * ` and the line, pieces
/// pushed in turn.
fn push_line(out: &mut String, line_start: &str, pieces: [&str; 3]) {
    out.push_str(line_start);
    if pieces.iter().all(|p| p.is_empty()) {
        out.push_str(" *");
    } else {
        out.push_str(" * ");
        for p in pieces {
            out.push_str(p);
        }
    }
}

/// Greedy word wrap of `text` behind `first` (then `rest`) to `width`,
/// keeping the text's own leading indentation (literal doc blocks) on its
/// first line, each line pushed as a comment line.
fn push_wrapped(
    out: &mut String,
    line_start: &str,
    first: &str,
    rest: &str,
    text: &str,
    width: usize,
) {
    if text.trim().is_empty() {
        push_line(out, line_start, [first.trim_end(), "", ""]);
        return;
    }
    // The leading spaces are ASCII: as many bytes as columns.
    let indent = &text[..text.len() - text.trim_start_matches(' ').len()];
    if !(text.is_ascii() && first.is_ascii() && rest.is_ascii()) {
        let first = format!("{first}{indent}");
        for l in wrap_prefixed(text, width, &first, rest) {
            push_line(out, line_start, [&l, "", ""]);
        }
        return;
    }
    // What `wrap_prefixed` does for ASCII text, each line pushed in place.
    let mut any = false;
    wrap_ascii_each(
        text,
        width.max(1),
        first.len() + indent.len(),
        rest.len(),
        |i, line| {
            any = true;
            if i == 0 {
                push_line(out, line_start, [first, indent, line]);
            } else {
                push_line(out, line_start, [rest, line, ""]);
            }
        },
    );
    if !any {
        // `wrap_prefixed`'s one empty line for text without words.
        push_line(out, line_start, ["", "", ""]);
    }
}

/// Whether [`split_paras`] would give `text` back as its one paragraph.
fn is_one_para(text: &str) -> bool {
    !text.is_empty() && !text.contains('\n') && text.trim().len() == text.len()
}

/// Splits doc text into paragraphs (None = paragraph break). Folded YAML
/// (`>-`) joins lines and turns a blank line into one newline, so a lone
/// newline separates paragraphs; literal text (`|`), recognised by its
/// blank lines, keeps its line breaks.
fn split_paras(text: &str) -> impl Iterator<Item = Option<&str>> {
    let text = text.trim();
    let literal = text.contains("\n\n");
    // Empty text has no paragraph (splitting it would give one).
    let lines = (!text.is_empty()).then(|| text.split('\n'));
    lines
        .into_iter()
        .flatten()
        .enumerate()
        .flat_map(move |(i, line)| {
            let line = line.trim_end();
            if literal {
                [Some((!line.is_empty()).then_some(line)), None]
            } else {
                // A break before every line after the first.
                [(i > 0).then_some(None), Some(Some(line.trim()))]
            }
        })
        .flatten()
}

/// The paragraphs of `text` joined by spaces: the text itself when it
/// is one paragraph.
fn joined_paras(text: &str) -> Cow<'_, str> {
    if !text.contains('\n') {
        return Cow::Borrowed(text.trim());
    }
    let mut paras = split_paras(text).flatten();
    let Some(first) = paras.next() else {
        return Cow::Borrowed("");
    };
    let Some(second) = paras.next() else {
        return Cow::Borrowed(first);
    };
    let mut joined = [first, " ", second].concat();
    for p in paras {
        joined.push(' ');
        joined.push_str(p);
    }
    Cow::Owned(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The paragraphs as the first implementation split them.
    fn split_paras_reference(text: &str) -> Vec<Option<String>> {
        let text = text.trim();
        if text.is_empty() {
            return Vec::new();
        }
        let literal = text.contains("\n\n");
        let mut out = Vec::new();
        for (i, line) in text.split('\n').enumerate() {
            let line = line.trim_end();
            if literal {
                out.push(if line.is_empty() {
                    None
                } else {
                    Some(line.to_string())
                });
            } else {
                if i > 0 {
                    out.push(None);
                }
                out.push(Some(line.trim().to_string()));
            }
        }
        out
    }

    #[test]
    fn paragraphs_split_as_before() {
        for text in [
            "",
            "  ",
            "one",
            " one two ",
            "one\ntwo",
            "one\n \ntwo",
            "one\n\ntwo\n  three\n",
            "a\n\n\n  b  \n",
            "\n\nx\n",
        ] {
            let got: Vec<Option<String>> =
                split_paras(text).map(|p| p.map(str::to_string)).collect();
            assert_eq!(got, split_paras_reference(text), "{text:?}");
            let joined: Vec<String> = split_paras_reference(text).into_iter().flatten().collect();
            assert_eq!(joined_paras(text), joined.join(" "), "{text:?}");
            assert_eq!(is_one_para(text), joined.len() == 1 && joined[0] == text);
        }
    }

    #[test]
    fn sanitizing_copies_only_when_needed() {
        assert!(matches!(sanitize("plain text"), Cow::Borrowed(_)));
        assert_eq!(sanitize("a */ b /* c ?? d\r"), "a * / b / * c ?\\? d");
    }

    #[test]
    fn lines_start_with_their_indentation() {
        assert_eq!(line_start(0), "\n");
        assert_eq!(line_start(2), "\n\t\t");
        assert_eq!(line_start(9), format!("\n{}", "\t".repeat(9)));
        let c = Comment::plain(8).text("one\ntwo").into_text("\n\t");
        assert_eq!(c, "\n\t/*\n\t * one\n\t *\n\t * two\n\t */");
    }
}
