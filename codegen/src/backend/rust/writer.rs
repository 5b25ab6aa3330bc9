//! The text writer of the Rust backends: generated Rust is printed as
//! text, already in the shape rustfmt gives it (edition 2024 style,
//! `max_width` 100, four-space indentation), so that generation never
//! parses its own output and `rustfmt --check` passes on every generated
//! crate. The writer keeps the indentation, and holds the identifier and
//! doc helpers every backend needs; where a construct breaks is decided
//! by rustfmt's rules in `layout` (expressions, statements) and `items`
//! (signatures, literals, attributes), which all the backends share.
//!
//! Hand-written rather than a pretty-printing crate: the crates that print
//! Rust (prettyplease, genco) either need a syntax tree to be built and
//! printed, which is the cost this replaces, or do not format as rustfmt
//! does.

use crate::backend::shared::{PushFmt, push_decimal, push_spaces};

/// rustfmt's default `max_width`.
pub(crate) const MAX_WIDTH: usize = 100;

/// One indentation level.
pub(crate) const INDENT: &str = "    ";

/// Sixteen indentation levels, deeper than any generated code goes.
const SPACES: &str = "                                                                ";

/// [`SPACES`], then an outer doc comment's marker and its space.
const OUTER_DOC: &str = "                                                                /// ";

/// [`SPACES`], then an inner doc comment's marker and its space.
const INNER_DOC: &str = "                                                                //! ";

/// A string buffer of Rust source lines at a current indentation.
///
/// A writer made by [`RustWriter::two_texts`] writes two texts at once
/// that differ in a few places (the uapi crate and its kernel-flavour
/// module): the common text is written once, into `out`, which is the
/// first text; each place where the second differs is a [`Splice`].
#[derive(Debug, Default)]
pub(crate) struct RustWriter {
    out: String,
    depth: usize,
    second: Option<Box<Second>>,
}

/// What the second text of a [`RustWriter::two_texts`] has in place of
/// parts of the first: the second text is the first with each splice's
/// range replaced by its piece of `text`.
#[derive(Debug, Default)]
struct Second {
    /// The second text's own pieces, one after another.
    text: String,
    splices: Vec<Splice>,
}

/// The first text's bytes `at..end` read, in the second text, as the
/// second's pieces from where the previous splice's ended to `text_end`.
#[derive(Debug)]
struct Splice {
    at: usize,
    end: usize,
    text_end: usize,
}

impl RustWriter {
    pub(crate) fn new() -> RustWriter {
        RustWriter::default()
    }

    /// A writer with room for `bytes` of output made first (see
    /// [`capacity_for`](crate::backend::shared::capacity_for)).
    pub(crate) fn with_capacity(bytes: usize) -> RustWriter {
        RustWriter {
            out: String::with_capacity(bytes),
            depth: 0,
            second: None,
        }
    }

    /// A writer of two texts that differ only where [`Self::fork`] writes
    /// each its own lines: room for `bytes` of the first text and
    /// `second_bytes` of what the second has of its own.
    pub(crate) fn two_texts(bytes: usize, second_bytes: usize) -> RustWriter {
        RustWriter {
            out: String::with_capacity(bytes),
            depth: 0,
            second: Some(Box::new(Second {
                text: String::with_capacity(second_bytes),
                splices: Vec::new(),
            })),
        }
    }

    /// Does this writer write two texts ([`Self::two_texts`])?
    pub(crate) fn writes_two(&self) -> bool {
        self.second.is_some()
    }

    /// Where the two texts differ: `first` writes the first text's lines,
    /// `second` the second's, each from the current indentation and
    /// leaving it as it was; a writer of one text writes `first`'s. The
    /// text after is common again. Forks do not nest.
    pub(crate) fn fork(
        &mut self,
        first: impl FnOnce(&mut RustWriter),
        second: impl FnOnce(&mut RustWriter),
    ) {
        let depth = self.depth;
        let at = self.out.len();
        first(self);
        self.depth = depth;
        let end = self.out.len();
        let Some(mut other) = self.second.take() else {
            return;
        };
        // The second's lines go where every line goes, `out`, swapped for
        // the second's pieces for as long as `second` writes.
        std::mem::swap(&mut self.out, &mut other.text);
        second(self);
        std::mem::swap(&mut self.out, &mut other.text);
        self.depth = depth;
        let text_end = other.text.len();
        other.splices.push(Splice { at, end, text_end });
        self.second = Some(other);
    }

    /// A writer whose lines start `depth` levels in (tests check layout
    /// at the depth where it occurs).
    #[cfg(test)]
    pub(crate) fn at_depth(depth: usize) -> RustWriter {
        RustWriter {
            out: String::new(),
            depth,
            second: None,
        }
    }

    /// The current indentation, appended as one slice of spaces (one copy,
    /// not one per level: every line starts with it).
    fn push_indent(&mut self) {
        let width = self.indent();
        if width == 0 {
            return;
        }
        match SPACES.get(..width) {
            Some(spaces) => self.out.push_str(spaces),
            None => {
                for _ in 0..self.depth {
                    self.out.push_str(INDENT);
                }
            }
        }
    }

    /// The column where the next line's text starts.
    pub(crate) fn indent(&self) -> usize {
        self.depth * INDENT.len()
    }

    /// Whether `text` fits on one line at the current indentation.
    pub(crate) fn fits(&self, text: &str) -> bool {
        self.indent() + text.len() <= MAX_WIDTH
    }

    /// One line at the current indentation; an empty `text` writes an
    /// empty line (no trailing spaces, as rustfmt leaves none).
    pub(crate) fn line(&mut self, text: impl AsRef<str>) {
        let text = text.as_ref();
        if !text.is_empty() {
            self.push_indent();
            self.out.push_str(text);
        }
        self.out.push('\n');
    }

    /// One line of formatted text at the current indentation, written
    /// straight into the buffer (no `String` per line: `format!` then
    /// `line` was a fifth of generation, allocating and copying every
    /// line twice). Empty text writes an empty line, as [`Self::line`].
    pub(crate) fn line_fmt(&mut self, args: std::fmt::Arguments<'_>) {
        let start = self.out.len();
        self.push_indent();
        let text_at = self.out.len();
        self.out.push_fmt(args);
        if self.out.len() == text_at {
            self.out.truncate(start);
        }
        self.out.push('\n');
    }

    /// [`Self::open`] of formatted text.
    pub(crate) fn open_fmt(&mut self, head: std::fmt::Arguments<'_>) {
        self.push_indent();
        let head_at = self.out.len();
        self.out.push_fmt(head);
        self.out.push_str(if self.out.len() == head_at {
            "{\n"
        } else {
            " {\n"
        });
        self.depth += 1;
    }

    /// [`Self::open`] of the concatenated `parts`, without building the
    /// head first.
    pub(crate) fn open_of(&mut self, parts: &[&str]) {
        self.push_indent();
        let head_at = self.out.len();
        for p in parts {
            self.out.push_str(p);
        }
        self.out.push_str(if self.out.len() == head_at {
            "{\n"
        } else {
            " {\n"
        });
        self.depth += 1;
    }

    /// Whether a line `len` bytes wide fits at the current indentation.
    pub(crate) fn fits_len(&self, len: usize) -> bool {
        self.indent() + len <= MAX_WIDTH
    }

    /// One line of `open`'s parts, `items` joined by `sep`, and `close`'s
    /// parts, without building any of it first.
    pub(crate) fn line_joined_of<S: AsRef<str>>(
        &mut self,
        open: &[&str],
        items: &[S],
        sep: &str,
        close: &[&str],
    ) {
        self.begin_line();
        self.push_parts(open);
        self.push_joined(items, sep);
        self.push_parts(close);
        self.end_line();
    }

    /// Starts a line built piece by piece ([`Self::push_parts`],
    /// [`Self::push_joined`], then [`Self::end_line`]): for lines whose
    /// pieces come in more than one slice, written without building them.
    pub(crate) fn begin_line(&mut self) {
        self.push_indent();
    }

    /// `parts` one after another, on the line begun.
    pub(crate) fn push_parts(&mut self, parts: &[&str]) {
        for p in parts {
            self.out.push_str(p);
        }
    }

    /// `items` joined by `sep`, on the line begun.
    pub(crate) fn push_joined<S: AsRef<str>>(&mut self, items: &[S], sep: &str) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push_str(sep);
            }
            self.out.push_str(item.as_ref());
        }
    }

    /// Ends the line begun.
    pub(crate) fn end_line(&mut self) {
        self.out.push('\n');
    }

    /// One line of `head`, `n` in decimal and `tail`, without the
    /// formatting machinery (sizes, alignments and offsets are in
    /// thousands of lines).
    pub(crate) fn line_num(&mut self, head: &str, n: impl Into<u64>, tail: &str) {
        self.push_indent();
        self.out.push_str(head);
        push_decimal(&mut self.out, n);
        self.out.push_str(tail);
        self.out.push('\n');
    }

    /// One line of the concatenated `parts` at the current indentation,
    /// without building it first.
    pub(crate) fn line_of(&mut self, parts: &[&str]) {
        self.push_indent();
        for p in parts {
            self.out.push_str(p);
        }
        self.out.push('\n');
    }

    /// Each line of `text` at the current indentation (relative
    /// indentation inside `text` is kept).
    pub(crate) fn lines(&mut self, text: &str) {
        for l in text.lines() {
            self.line(l);
        }
    }

    /// The lines of `text`, each ending in a newline and none empty, at
    /// the current indentation: at the left margin, one copy of it.
    pub(crate) fn block(&mut self, text: &str) {
        if self.depth == 0 {
            self.out.push_str(text);
            return;
        }
        for l in text.lines() {
            self.line(l);
        }
    }

    /// One empty line.
    pub(crate) fn blank(&mut self) {
        self.out.push('\n');
    }

    /// `head {` and one level in.
    pub(crate) fn open(&mut self, head: impl AsRef<str>) {
        let head = head.as_ref();
        if head.is_empty() {
            self.line("{");
        } else {
            self.line_of(&[head, " {"]);
        }
        self.depth += 1;
    }

    /// One level out and `}` followed by `tail` (`""`, `";"`, `","`, ...).
    pub(crate) fn close(&mut self, tail: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.line_of(&["}", tail]);
    }

    /// One level in, without a line (for a continuation such as a
    /// parameter list broken one per line).
    pub(crate) fn indent_in(&mut self) {
        self.depth += 1;
    }

    /// One level out, without a line.
    pub(crate) fn indent_out(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// One doc comment line: `marker` (`///` or `//!`), then unless
    /// `text` is empty a space, `pad` spaces and `text`. `lead` is the
    /// marker and its space after [`SPACES`]: the line's indentation,
    /// marker and space are one slice of it.
    #[inline]
    fn doc_line(&mut self, lead: &str, pad: usize, text: &str) {
        let Some(start) = SPACES.len().checked_sub(self.indent()) else {
            return self.doc_line_deep(lead, pad, text);
        };
        let Some(head) = lead.get(start..) else {
            return self.doc_line_deep(lead, pad, text);
        };
        if text.is_empty() {
            // The marker without its space: rustfmt leaves no trailing one.
            self.out.push_str(head.strip_suffix(' ').unwrap_or(head));
        } else {
            self.out.push_str(head);
            if pad > 0 {
                push_spaces(&mut self.out, pad);
            }
            self.out.push_str(text);
        }
        self.out.push('\n');
    }

    /// [`Self::doc_line`] deeper than [`SPACES`] reaches.
    fn doc_line_deep(&mut self, lead: &str, pad: usize, text: &str) {
        self.push_indent();
        self.out.push_str(lead.trim());
        if !text.is_empty() {
            push_spaces(&mut self.out, 1 + pad);
            self.out.push_str(text);
        }
        self.out.push('\n');
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }

    /// Moves the text written so far onto the end of `dst` and `dst2`,
    /// keeping this writer's buffer (and its room) for what comes next.
    pub(crate) fn drain_into(&mut self, dst: &mut String, dst2: Option<&mut String>) {
        dst.push_str(&self.out);
        if let Some(d) = dst2 {
            d.push_str(&self.out);
        }
        self.out.clear();
    }

    /// The depth of the next line, in levels.
    pub(crate) fn depth(&self) -> usize {
        self.depth
    }

    /// Puts the next line `depth` levels in.
    pub(crate) fn set_depth(&mut self, depth: usize) {
        self.depth = depth;
    }

    /// The two texts of a [`Self::two_texts`] writer (of a writer of one
    /// text, that text twice). The second is the first with the splices
    /// applied: a copy of each common stretch and of each piece.
    pub(crate) fn finish_two(self) -> (String, String) {
        let Some(second) = self.second else {
            let copy = self.out.clone();
            return (self.out, copy);
        };
        let first = self.out;
        let replaced: usize = second.splices.iter().map(|s| s.end - s.at).sum();
        let mut out = String::with_capacity(first.len() - replaced + second.text.len());
        let (mut copied, mut piece) = (0, 0);
        for s in &second.splices {
            out.push_str(&first[copied..s.at]);
            out.push_str(&second.text[piece..s.text_end]);
            copied = s.end;
            piece = s.text_end;
        }
        out.push_str(&first[copied..]);
        (first, out)
    }
}

/// The length of `items` joined by `sep`, without joining them: the
/// layouts measure a one-line form before deciding to build it.
pub(crate) fn joined_len<S: AsRef<str>>(items: &[S], sep: &str) -> usize {
    items.iter().map(|i| i.as_ref().len()).sum::<usize>()
        + sep.len() * items.len().saturating_sub(1)
}

/// Width of doc comment text, not counting `/// ` and indentation.
pub(crate) const DOC_WIDTH: usize = 80;

/// Words no spec name may become as-is. `self`, `super`, `crate` and
/// `Self` cannot even be raw identifiers.
pub(crate) const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "static", "struct", "trait", "true", "try", "type", "unsafe", "use", "where",
    "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof",
    "unsized", "virtual", "yield",
];
pub(crate) const NOT_RAW: &[&str] = &["self", "super", "crate", "Self", "_"];

static KEYWORD_SET: crate::backend::shared::WordSet =
    crate::backend::shared::WordSet::new(|| KEYWORDS.iter().copied().collect());

/// A Rust identifier for `s` as text: raw (`r#type`) where it is a
/// keyword, with a trailing underscore where even that is not allowed,
/// with a leading underscore where it would start with a digit.
pub(crate) fn ident(s: &str) -> String {
    ident_of(s.to_string())
}

/// [`ident`] of a name already built (no copy of it).
fn ident_of(mut s: String) -> String {
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if NOT_RAW.contains(&s.as_str()) {
        s.push('_');
    }
    if KEYWORD_SET.contains(&s) {
        format!("r#{s}")
    } else {
        s
    }
}

/// `bo-create` -> `bo_create` (modules, members).
pub(crate) fn snake_ident(name: &str) -> String {
    ident_of(crate::names::snake(name))
}

/// `bo-create` -> `BoCreate`.
pub(crate) fn type_ident(name: &str) -> String {
    ident_of(crate::names::pascal(name))
}

/// `max-engines` -> `MAX_ENGINES`.
pub(crate) fn const_ident(name: &str) -> String {
    ident_of(crate::names::upper(name))
}

/// A hex literal padded to `digits` (at least), e.g. `0x40`, `0xc0186440`.
pub(crate) fn hex_lit(v: u64, digits: usize) -> String {
    // `format!("{v:#0w$x}")` without the formatting machinery: every
    // command number and ioctl number is one.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let len = (64 - v.leading_zeros() as usize).div_ceil(4).max(1);
    let mut out = String::with_capacity(2 + len.max(digits));
    out.push_str("0x");
    for _ in len..digits {
        out.push('0');
    }
    for i in (0..len).rev() {
        out.push(char::from(HEX[((v >> (4 * i)) & 0xf) as usize]));
    }
    out
}

/// Lays spec text out as doc comment lines (each with the leading space
/// `///` wants). Every line of the text is a paragraph (YAML's folded
/// scalars turn a blank line into one newline), wrapped to `DOC_WIDTH`;
/// list items keep their continuation lines indented under the item, as
/// rustdoc and clippy's `doc_lazy_continuation` expect. Leading
/// indentation is dropped outside fences so that no spec text turns into
/// an indented code block, which rustdoc would compile as a doctest; a
/// fence without a language is marked `text` for the same reason.
pub(crate) fn doc_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_doc_line(text, |pad, l| {
        out.push(if l.is_empty() {
            String::new()
        } else {
            format!(" {}{l}", " ".repeat(pad))
        });
    });
    out
}

/// The lines [`doc_lines`] describes, as `emit(pad, text)` (an empty
/// `text` is a blank doc line), built without a `String` per line: doc
/// comments are a large share of every generated crate.
fn each_doc_line(text: &str, mut emit: impl FnMut(usize, &str)) {
    let mut any = false;
    let mut in_fence = false;
    let mut prev_item = false;
    let mut put = |pad: usize, l: &str, any: &mut bool| {
        *any = true;
        emit(pad, l);
    };
    let bytes = text.as_bytes();
    let mut start = 0;
    // `text.lines()`, with each line scanned once for what the steps below
    // would otherwise find in passes of their own (trims, `is_ascii`, the
    // wrapper's spacing check): most doc lines are plain.
    while start < bytes.len() {
        let (len, plain) = scan_line(&bytes[start..]);
        let raw = &text[start..start + len];
        start += len + 1;
        // A plain line with no space at either end is its own trim, and
        // single-spaced ASCII (`lines` would have cut a `\r` before the
        // `\n`, which the trims drop all the same).
        let plain = plain && !raw.starts_with(' ') && !raw.ends_with(' ');
        let (line, t) = if plain {
            (raw, raw)
        } else {
            let line = raw.trim_end();
            (line, line.trim_start())
        };
        if let Some(lang) = t.strip_prefix("```") {
            if in_fence {
                put(0, "```", &mut any);
            } else {
                if any {
                    put(0, "", &mut any);
                }
                let lang = lang.trim();
                let lang = if lang.is_empty() { "text" } else { lang };
                put(0, &format!("```{lang}"), &mut any);
            }
            in_fence = !in_fence;
            prev_item = false;
            continue;
        }
        if in_fence {
            put(0, line, &mut any);
            continue;
        }
        if t.is_empty() {
            continue;
        }
        let indent = list_marker_width(t);
        // Consecutive list items stay one tight list.
        let same_list = indent > 0 && prev_item;
        if any && !same_list {
            put(0, "", &mut any);
        }
        prev_item = indent > 0;
        if plain && t.len() <= DOC_WIDTH {
            // Most lines fit: what the wrapper would make of them.
            put(0, t, &mut any);
        } else if plain {
            crate::backend::shared::wrap_single_spaced(t, DOC_WIDTH, 0, indent, |i, l| {
                put(if i == 0 { 0 } else { indent }, l, &mut any);
            });
        } else if t.is_ascii() {
            crate::backend::shared::wrap_ascii_each(t, DOC_WIDTH, 0, indent, |i, l| {
                put(if i == 0 { 0 } else { indent }, l, &mut any);
            });
        } else {
            for (i, l) in wrap(t, DOC_WIDTH, indent).iter().enumerate() {
                put(if i == 0 { 0 } else { indent }, l, &mut any);
            }
        }
    }
    if in_fence {
        put(0, "```", &mut any);
    }
}

/// The length of the line at the start of `bytes` (up to its `\n` or the
/// end) and whether it is plain: ASCII without control characters (DEL
/// aside, which is no whitespace) and without two spaces in a row. Eight bytes at a time, as almost every byte of a
/// doc line is an ordinary character.
fn scan_line(bytes: &[u8]) -> (usize, bool) {
    let mut carry = 0;
    let mut at = 0;
    let mut words = bytes.chunks_exact(8);
    for chunk in words.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        match plain_word(u64::from_le_bytes(word), carry) {
            Word::Plain(spaces) => carry = spaces >> 56,
            // A newline, or a byte that is not plain: looked at one by one.
            Word::Special => return scan_bytes(bytes, at, carry != 0),
            Word::DoubleSpace => return (line_end(bytes, at), false),
        }
        at += 8;
    }
    // The last bytes as the word that ends the line, overlapping what was
    // checked (which holds the space before them, if any).
    let tail = words.remainder();
    if tail.is_empty() {
        return (at, true);
    }
    let Some(last) = bytes.get(bytes.len().wrapping_sub(8)..) else {
        return scan_bytes(bytes, at, carry != 0);
    };
    let mut word = [0u8; 8];
    word.copy_from_slice(last);
    match plain_word(u64::from_le_bytes(word), 0) {
        Word::Plain(_) => (bytes.len(), true),
        Word::Special => scan_bytes(bytes, at, carry != 0),
        Word::DoubleSpace => (line_end(bytes, at), false),
    }
}

/// What [`plain_word`] finds in eight bytes.
enum Word {
    /// All plain: the high bit of each byte that is a space.
    Plain(u64),
    /// A control character (a newline among them) or a non-ASCII byte.
    Special,
    /// Plain bytes, two spaces in a row among them.
    DoubleSpace,
}

/// Eight bytes (little-endian) checked at once; `carry` is `0x80` when
/// the byte before them is a space.
fn plain_word(w: u64, carry: u64) -> Word {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    const LOW7: u64 = ONES * 0x7f;
    // No sum carries out of its byte: each low half is at most 0x7f. A
    // byte is plain when its low half reaches 0x80 with 0x60 added (it is
    // 0x20 or more) and its own high bit is clear.
    let low = w & LOW7;
    if (low + ONES * 0x60) & !w & HIGH != HIGH {
        return Word::Special;
    }
    // Of plain bytes, only a space stays below 0x80 with 0x5f added.
    let spaces = !(low + ONES * 0x5f) & HIGH;
    if spaces & ((spaces << 8) | carry) != 0 {
        return Word::DoubleSpace;
    }
    Word::Plain(spaces)
}

/// [`scan_line`] from `bytes[at]` on, one byte at a time; `prev_space`
/// says whether the byte before `at` is a space.
fn scan_bytes(bytes: &[u8], at: usize, mut prev_space: bool) -> (usize, bool) {
    for (i, &b) in bytes.iter().enumerate().skip(at) {
        if b == b'\n' {
            return (i, true);
        }
        let space = b == b' ';
        if !(b' '..=0x7f).contains(&b) || (space && prev_space) {
            return (line_end(bytes, i), false);
        }
        prev_space = space;
    }
    (bytes.len(), true)
}

/// The index of the first `\n` of `bytes` from `at` on, or the length.
fn line_end(bytes: &[u8], at: usize) -> usize {
    bytes
        .iter()
        .skip(at)
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| at + i)
}

/// The generated-file banner as `//` lines and a blank line, the start
/// of every generated `lib.rs`.
pub(crate) fn banner(w: &mut RustWriter, model: &crate::model::Model) {
    for line in crate::backend::banner_lines(model) {
        w.line_fmt(format_args!("// {line}"));
    }
    w.blank();
}

/// `///` lines of spec text (none for empty text).
pub(crate) fn doc(w: &mut RustWriter, text: &str) {
    each_doc_line(text, |pad, l| w.doc_line(OUTER_DOC, pad, l));
}

/// `//!` lines of spec text.
pub(crate) fn inner_doc(w: &mut RustWriter, text: &str) {
    each_doc_line(text, |pad, l| w.doc_line(INNER_DOC, pad, l));
}

/// `a::b::c` from a prefix and a last segment.
pub(crate) fn path(prefix: &[String], last: &str) -> String {
    let mut p = String::new();
    push_path(&mut p, prefix, last);
    p
}

/// [`path`] of the segments `prefix` and `last`, appended to `out`: the
/// segments joined by `::`, then `::` when that is not empty, then `last`.
pub(crate) fn push_path<S: AsRef<str>>(
    out: &mut String,
    prefix: impl IntoIterator<Item = S>,
    last: &str,
) {
    let start = out.len();
    for (i, segment) in prefix.into_iter().enumerate() {
        if i > 0 {
            out.push_str("::");
        }
        out.push_str(segment.as_ref());
    }
    if out.len() > start {
        out.push_str("::");
    }
    out.push_str(last);
}

/// [`doc_link`] of a path already built.
pub(crate) fn link_to(path: &str) -> String {
    let (open, close) = link_marks(path.contains("r#"));
    [open, path, close].concat()
}

/// What a doc link is written between: "[`" and "`]", or code marks alone
/// for a path that holds a raw identifier.
fn link_marks(raw: bool) -> (&'static str, &'static str) {
    if raw { ("`", "`") } else { ("[`", "`]") }
}

/// "[`uapi::BoCreate`]"; rustdoc cannot resolve raw identifiers in links,
/// so a path holding one is code text without a link.
pub(crate) fn doc_link(prefix: &[String], last: &str) -> String {
    // The path's segments never hold `::`, so it holds `r#` exactly when
    // a segment does: decided first, the link is built once.
    let raw = last.contains("r#") || prefix.iter().any(|p| p.contains("r#"));
    let (open, close) = link_marks(raw);
    let mut link = String::with_capacity(
        open.len() + prefix.iter().map(|p| p.len() + 2).sum::<usize>() + last.len() + close.len(),
    );
    link.push_str(open);
    push_path(&mut link, prefix, last);
    link.push_str(close);
    link
}

/// Width of a list item's marker (`- `, `* `, `1. `), 0 for other text.
fn list_marker_width(t: &str) -> usize {
    if t.starts_with("- ") || t.starts_with("* ") || t.starts_with("+ ") {
        return 2;
    }
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && t[digits..].starts_with(". ") {
        return digits + 2;
    }
    0
}

/// Greedy word wrap to `width` columns; the lines after the first are
/// `indent` columns narrower (a list item's hanging indent, which the
/// caller writes). The one wrapper of every backend, so widths agree.
pub(crate) fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    if text.split_whitespace().next().is_none() {
        return Vec::new();
    }
    let hang = " ".repeat(indent);
    crate::backend::shared::wrap_prefixed(text, width, "", &hang)
        .into_iter()
        .map(|l| match l.strip_prefix(hang.as_str()) {
            Some(rest) if !hang.is_empty() => rest.to_string(),
            _ => l,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_indent_and_blank_lines_have_no_trailing_space() {
        let mut w = RustWriter::new();
        w.open("pub mod a");
        w.line("pub const X: u32 = 1;");
        w.line("");
        w.close("");
        assert_eq!(w.finish(), "pub mod a {\n    pub const X: u32 = 1;\n\n}\n");
    }

    #[test]
    fn two_texts_differ_where_they_fork() {
        let mut w = RustWriter::two_texts(0, 0);
        w.line("a");
        w.fork(|w| w.line("first"), |_| {});
        w.open("b");
        w.fork(
            |w| w.line("x"),
            |w| {
                w.line("y");
                w.indent_in();
                w.line("z");
            },
        );
        w.fork(|_| {}, |w| w.line("only second"));
        w.close("");
        assert_eq!(
            w.finish_two(),
            (
                "a\nfirst\nb {\n    x\n}\n".to_string(),
                "a\nb {\n    y\n        z\n    only second\n}\n".to_string()
            )
        );
        // A writer of one text writes the first lines.
        let mut w = RustWriter::new();
        w.fork(|w| w.line("first"), |w| w.line("second"));
        assert_eq!(
            w.finish_two(),
            ("first\n".to_string(), "first\n".to_string())
        );
    }

    #[test]
    fn links_and_paths() {
        assert_eq!(doc_link(&["uapi".into()], "Submit"), "[`uapi::Submit`]");
        assert_eq!(doc_link(&["uapi".into()], "r#in"), "`uapi::r#in`");
        assert_eq!(path(&[], "Ops"), "Ops");
    }

    #[test]
    fn docs_are_wrapped_paragraphs() {
        let words = "word ".repeat(30);
        let lines = doc_lines(&format!("{words}\nsecond paragraph"));
        assert!(lines.iter().all(|l| l.len() <= DOC_WIDTH + 1), "{lines:?}");
        assert_eq!(lines.last().unwrap(), " second paragraph");
        assert_eq!(lines[lines.len() - 2], "");
        assert!(lines.iter().all(|l| l.is_empty() || l.starts_with(' ')));
    }

    #[test]
    fn line_scan_by_words_is_the_scan_by_bytes() {
        let texts = [
            "",
            "a",
            "one two",
            "exactly8",
            "exactly8 and then some more words",
            "space at 7 then  two",
            "1234567  split across words",
            "1234567 \n next line",
            "tab\tinside a longer line of text",
            "ends with a space ",
            "non-ascii caf\u{e9} in a longer line of text",
            "del \x7f is plain text in this line",
            "12345678\n",
            "abcdefghijklmno \n",
            "1234567\n",
            "short\nline",
            "a  \nb",
            "seven  \n",
            "1234567 \n",
            "1234567  ",
            "12345678 x",
            "12345678  x",
            "twelve bytes\t",
            "nul\0 inside",
            "caf\u{e9}",
        ];
        for t in texts {
            let b = t.as_bytes();
            assert_eq!(scan_line(b), scan_bytes(b, 0, false), "{t:?}");
        }
    }

    #[test]
    fn hex_literals_are_formats() {
        for v in [0, 1, 0xf, 0x10, 0x40, 0xc018_6440, u64::MAX, 1 << 63] {
            for digits in [0, 1, 2, 8, 20] {
                assert_eq!(hex_lit(v, digits), format!("{v:#0w$x}", w = digits + 2));
            }
        }
    }

    #[test]
    fn doc_lists_and_fences() {
        let long = format!("- {}", "item ".repeat(20));
        let lines = doc_lines(&format!("Errors:\n{long}\n- short\n    indented"));
        // One tight list; continuation lines sit under the item's text.
        assert_eq!(lines[0], " Errors:");
        assert_eq!(lines[1], "");
        assert!(lines[2].starts_with(" - item"));
        assert!(lines[3].starts_with("   item"));
        assert_eq!(lines[4], " - short");
        // Indentation never makes a code block (a doctest).
        assert_eq!(lines[6], " indented");

        let lines = doc_lines("a\n```\n  code\n\n```\nb");
        assert_eq!(
            lines,
            [" a", "", " ```text", "   code", "", " ```", "", " b"]
        );
        assert_eq!(doc_lines("```rust\nx"), [" ```rust", " x", " ```"]);
    }
}
