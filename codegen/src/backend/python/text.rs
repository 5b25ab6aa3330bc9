//! Comment, docstring and string-literal text of the Python module,
//! printed straight into the view's strings.
//!
//! A block of lines is one `String` in which every line follows its own
//! newline: the template prints it right after the line before it
//! (`{{- block }}`), so an empty block prints nothing. Each line is pushed
//! once, prefix and text together, instead of being collected, joined and
//! re-formatted (building the view was three quarters of the backend).

use crate::backend::shared::{
    PushFmt, paragraph_slices, paragraphs, wrap, wrap_ascii_each, wrap_single_spaced,
};
use crate::names::push_snake;
use std::borrow::Cow;

/// Comment and docstring text is wrapped to this many columns.
pub(super) const WIDTH: usize = 79;

/// Paragraphs of doc text: borrowed from the spec or the tables when they
/// need no change, made when they do.
pub(super) type Paras<'a> = Vec<Cow<'a, str>>;

/// The paragraphs of spec doc text, as `shared::paragraphs` splits them;
/// none without text. Most doc text is one paragraph already single-spaced:
/// it is borrowed as is.
pub(super) fn doc_paras(text: Option<&str>) -> Paras<'_> {
    // Room for the paragraphs most items' docs end up with (their own and
    // a note or two), made once rather than grown.
    let mut paras = Vec::with_capacity(4);
    push_doc_paras(&mut paras, text);
    paras
}

/// [`doc_paras`] appended to `paras`.
pub(super) fn push_doc_paras<'a>(paras: &mut Paras<'a>, text: Option<&'a str>) {
    let Some(text) = text else {
        return;
    };
    // Text without a newline (most) is the one paragraph `paragraph_slices`
    // would give, trimmed, or none when blank: found with one byte scan
    // instead of its substring searches.
    if !text.as_bytes().contains(&b'\n') {
        let p = text.trim();
        if !p.is_empty() {
            paras.push(if single_spaced(p) {
                Cow::Borrowed(p)
            } else {
                Cow::Owned(p.split_whitespace().collect::<Vec<_>>().join(" "))
            });
        }
        return;
    }
    // Each paragraph borrowed as written when it is single-spaced already
    // (most are), else with its whitespace collapsed.
    paras.extend(paragraph_slices(text).map(|p| {
        let p = p.trim();
        if single_spaced(p) {
            Cow::Borrowed(p)
        } else {
            Cow::Owned(p.split_whitespace().collect::<Vec<_>>().join(" "))
        }
    }));
}

/// Spec doc text as one paragraph: its paragraphs joined by spaces.
pub(super) fn doc_text(text: &str) -> Cow<'_, str> {
    let trimmed = text.trim();
    if single_spaced(trimmed) {
        return Cow::Borrowed(trimmed);
    }
    Cow::Owned(paragraphs(text).join(" "))
}

/// Is `text` non-empty words separated by single spaces, with no other
/// whitespace (Unicode's, as `paragraphs` splits on) and none at either
/// end? Such text is one paragraph, and its own.
fn single_spaced(text: &str) -> bool {
    if text.is_ascii() {
        bytes_single_spaced(text.as_bytes())
    } else {
        chars_single_spaced(text, true)
    }
}

/// Is `text` ASCII and [`single_spaced`]? Where a line is cut only such
/// text takes the short way, and its ASCII check is made once.
fn ascii_single_spaced(text: &str) -> bool {
    text.is_ascii() && bytes_single_spaced(text.as_bytes())
}

/// [`single_spaced`] of ASCII text.
fn bytes_single_spaced(bytes: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if first == b' ' || last == b' ' {
        return false;
    }
    // A space is `b' '` and the other whitespace `\t` to `\r`. One pass
    // over each byte and the next, without an early exit, which the
    // compiler vectorises: every paragraph comes through here, some
    // twice. The last byte, which has no next, is not a space (checked
    // above) and is checked for other whitespace on its own.
    let rest = bytes.get(1..).unwrap_or_default();
    let bad = bytes.iter().zip(rest).fold(false, |any, (&a, &b)| {
        any | matches!(a, b'\t'..=b'\r') | (a == b' ' && b == b' ')
    });
    !bad && !matches!(last, b'\t'..=b'\r')
}

/// [`single_spaced`] of text after text that ended in a space or not
/// (`prev_space`, true at the start).
fn chars_single_spaced(text: &str, mut prev_space: bool) -> bool {
    for c in text.chars() {
        let space = c == ' ';
        if (space && prev_space) || (!space && c.is_whitespace()) {
            return false;
        }
        prev_space = space;
    }
    !prev_space
}

/// A newline and then spaces enough for any indentation of the module.
const NEWLINE_PAD: &str = "\n                ";

/// `n` spaces appended to `out`.
pub(super) fn push_pad(out: &mut String, n: usize) {
    match NEWLINE_PAD.get(1..=n) {
        Some(pad) => out.push_str(pad),
        None => out.extend(std::iter::repeat_n(' ', n)),
    }
}

/// A newline, `indent` spaces and `parts` appended to `out`: one line of a
/// block, its room made first.
pub(super) fn push_line(out: &mut String, indent: usize, parts: &[&str]) {
    out.reserve(1 + indent + parts.iter().map(|p| p.len()).sum::<usize>());
    // The newline and the indentation in one copy (every line has both).
    match NEWLINE_PAD.get(..=indent) {
        Some(start) => out.push_str(start),
        None => {
            out.push('\n');
            push_pad(out, indent);
        }
    }
    for p in parts {
        out.push_str(p);
    }
}

/// Each line of `text` wrapped greedily to `width` columns (the first
/// line `first` columns narrower, as it shares its row), in order: the
/// lines `wrap(text, width - first)` cuts first, then the rest of the text
/// wrapped to `width`. No lines for blank text.
fn for_each_line(text: &str, width: usize, first: usize, mut emit: impl FnMut(&str)) {
    // Single-spaced ASCII text (most) is cut as `wrap_ascii_each` would
    // cut it after its own scans; short text (most comments) is its own
    // one line.
    if ascii_single_spaced(text) {
        if text.len() <= width.saturating_sub(first) {
            emit(text);
        } else {
            wrap_single_spaced(text, width, first, 0, |_, line| emit(line));
        }
        return;
    }
    if text.trim().is_empty() {
        return;
    }
    if text.is_ascii() {
        // Non-blank ASCII text always has a word, so a line.
        wrap_ascii_each(text, width, first, 0, |_, line| emit(line));
        return;
    }
    let mut lines = wrap(text, width - first);
    if first == 0 {
        lines.iter().for_each(|l| emit(l));
        return;
    }
    let rest = lines.split_off(1.min(lines.len()));
    lines.iter().for_each(|l| emit(l));
    wrap(&rest.join(" "), width).iter().for_each(|l| emit(l));
}

/// `# ` comment lines of paragraphs at an indentation, a `#` line between
/// paragraphs, appended to the block `out`.
pub(super) fn push_comment(out: &mut String, paras: &[Cow<'_, str>], indent: usize) {
    let width = WIDTH.saturating_sub(indent + 2).max(20);
    for (i, p) in paras.iter().enumerate() {
        if i > 0 {
            push_line(out, indent, &["#"]);
        }
        for_each_line(p, width, 0, |l| push_line(out, indent, &["# ", l]));
    }
}

/// A docstring of paragraphs at an indentation, quotes included, appended
/// to the block `out`: one line when it fits, else the opening quotes
/// start the first line, paragraphs are apart by an empty line and the
/// closing quotes have a line of their own.
pub(super) fn push_docstring(out: &mut String, paras: &[Cow<'_, str>], indent: usize) {
    // Each paragraph is escaped once, where it is written, without a
    // `Vec` of them: most docstrings are one paragraph.
    if let [one] = paras {
        let one = escape_doc(one);
        if indent + 6 + one.chars().count() <= WIDTH {
            push_line(out, indent, &["\"\"\"", &one, "\"\"\""]);
        } else {
            push_wrapped_docstring(out, std::iter::once(one), indent);
        }
        return;
    }
    push_wrapped_docstring(out, paras.iter().map(|p| escape_doc(p)), indent);
}

/// The lines of a docstring that does not fit on one, from its escaped
/// paragraphs (see [`push_docstring`]).
fn push_wrapped_docstring<'p>(
    out: &mut String,
    paras: impl Iterator<Item = Cow<'p, str>>,
    indent: usize,
) {
    let width = WIDTH.saturating_sub(indent).max(20);
    let mut opened = false;
    for (i, p) in paras.enumerate() {
        if i > 0 {
            out.push('\n');
            opened = true;
        }
        // The first line shares its row with the opening quotes.
        let first = if i == 0 { 3 } else { 0 };
        for_each_line(&p, width, first, |l| {
            let quotes = if opened { "" } else { "\"\"\"" };
            opened = true;
            push_line(out, indent, &[quotes, l]);
        });
    }
    push_line(out, indent, &["\"\"\""]);
}

/// Makes text safe inside a `"""` docstring: backslashes would start
/// escapes, three quotes would end it, and a quote at the very end would
/// merge with the closing ones. Text without either is its own.
pub(super) fn escape_doc(s: &str) -> Cow<'_, str> {
    // Both are ASCII: two memchr scans, not a per-char pattern search.
    if !s.as_bytes().contains(&b'\\') && !s.as_bytes().contains(&b'"') {
        return Cow::Borrowed(s);
    }
    let mut s = s.replace('\\', "\\\\").replace("\"\"\"", "\"\"\\\"");
    if s.ends_with('"') {
        s.pop();
        s.push_str("\\\"");
    }
    Cow::Owned(s)
}

/// A Python string literal.
pub(super) fn py_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_py_str(&mut out, s);
    out
}

/// [`py_str`] appended to `out`. Rust's `Debug` quoting is Python's for
/// the text the generator quotes; printable ASCII other than a quote or a
/// backslash, most of it, is quoted as is.
pub(super) fn push_py_str(out: &mut String, s: &str) {
    if s.bytes()
        .all(|b| matches!(b, b' '..=b'~') && b != b'"' && b != b'\\')
    {
        out.reserve(s.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_fmt(format_args!("{s:?}"));
    }
}

/// The name of a struct member (`super::member_ident`) appended to `out`.
pub(super) fn push_member_ident(out: &mut String, name: &str) {
    let start = out.len();
    push_snake(out, name);
    if super::taken_member_name(&out[start..]) {
        out.push('_');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The docstring and comment lines as they were built before they
    /// were printed straight into a block: the reference for the output.
    fn docstring_lines(paras: &[String], indent: usize) -> Vec<String> {
        let pad = " ".repeat(indent);
        let paras: Vec<String> = paras.iter().map(|p| escape_doc(p).into_owned()).collect();
        if let [one] = paras.as_slice() {
            let line = format!("{pad}\"\"\"{one}\"\"\"");
            if line.chars().count() <= WIDTH {
                return vec![line];
            }
        }
        let width = WIDTH.saturating_sub(indent).max(20);
        let mut out = Vec::new();
        for (i, p) in paras.iter().enumerate() {
            if i > 0 {
                out.push(String::new());
            }
            let first_width = if i == 0 { width - 3 } else { width };
            let mut lines = wrap(p, first_width);
            let rest = lines.split_off(1.min(lines.len()));
            let mut more = wrap(&rest.join(" "), width);
            lines.append(&mut more);
            for l in lines {
                out.push(if out.is_empty() {
                    format!("{pad}\"\"\"{l}")
                } else {
                    format!("{pad}{l}")
                });
            }
        }
        out.push(format!("{pad}\"\"\""));
        out
    }

    fn comment_lines(paras: &[String], indent: usize) -> Vec<String> {
        let pad = " ".repeat(indent);
        let mut out = Vec::new();
        for (i, p) in paras.iter().enumerate() {
            if i > 0 {
                out.push(format!("{pad}#"));
            }
            for l in wrap(p, WIDTH.saturating_sub(indent + 2).max(20)) {
                out.push(format!("{pad}# {l}"));
            }
        }
        out
    }

    fn block(lines: &[String]) -> String {
        lines.iter().map(|l| format!("\n{l}")).collect()
    }

    fn cows(paras: &[String]) -> Paras<'_> {
        paras.iter().map(|p| Cow::Borrowed(p.as_str())).collect()
    }

    #[test]
    fn blocks_are_the_lines_they_replaced() {
        let words = "a bb ccc dddd eeeee ffffff ggggggg hhhhhhhh iiiiiiiii ";
        let long = "x".repeat(90);
        let texts = [
            "Short.".to_string(),
            words.repeat(3),
            words.repeat(7).trim().to_string(),
            format!("{long} tail words here"),
            format!("head {long} {long} end"),
            "ends with a \"quote\"".to_string(),
            "a \\ back and \"\"\" triple".to_string(),
            "spaced  twice\tand\nnewline".to_string(),
            "é accented wörds ".repeat(9),
            "x".repeat(73),
            "x".repeat(74),
        ];
        for indent in [0, 4, 8] {
            for a in &texts {
                for paras in [
                    vec![a.clone()],
                    vec![a.clone(), texts[1].clone()],
                    vec![texts[1].clone(), a.clone()],
                ] {
                    let mut d = String::new();
                    push_docstring(&mut d, &cows(&paras), indent);
                    assert_eq!(d, block(&docstring_lines(&paras, indent)), "{paras:?}");
                    let mut c = String::new();
                    push_comment(&mut c, &cows(&paras), indent);
                    assert_eq!(c, block(&comment_lines(&paras, indent)), "{paras:?}");
                }
            }
        }
    }

    #[test]
    fn doc_paragraphs_are_shared_paragraphs() {
        for t in [
            "One line.",
            "  padded  ",
            "two\n\nparas",
            "folded\nparas",
            "tab\there",
            "nbsp\u{a0}here",
            "",
            " ",
        ] {
            let want = paragraphs(t);
            assert_eq!(doc_paras(Some(t)), want, "{t:?}");
            assert_eq!(doc_text(t), want.join(" "), "{t:?}");
        }
    }

    #[test]
    fn string_literals_are_debug_quoting() {
        for s in ["plain", "with \"quote\"", "back\\slash", "tab\t", "é", ""] {
            assert_eq!(py_str(s), format!("{s:?}"));
        }
    }
}
