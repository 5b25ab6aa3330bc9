//! What every backend needs and no one backend owns: comment wrapping,
//! the doc sentence of a user pointer and word lists looked up by name
//! (grouping targets by a fact is `target::group_by`). Backends import
//! from here, never from each other.

use crate::model::{Member, MemberKind, Model, PtrLen, Struct, StructId};
use rustc_hash::FxHashSet;
use std::sync::LazyLock;

/// `parts` joined, in a string made to measure: the formatter costs more
/// than the copies for sentences of many parts.
pub(crate) fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

/// `n` spaces appended to `out`, as one slice where it reaches (most
/// paddings and hanging indents are a few).
pub(crate) fn push_spaces(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    match SPACES.get(..n) {
        Some(spaces) => out.push_str(spaces),
        None => out.extend(std::iter::repeat_n(' ', n)),
    }
}

/// Whether every byte of `s` is `ok`: one pass without an early exit,
/// which the compiler vectorises (the texts tested are short, and nearly
/// all pass), where two scans or a loop that stops would each cost more.
pub(crate) fn all_bytes(s: &str, ok: impl Fn(u8) -> bool) -> bool {
    s.bytes().fold(true, |all, b| all & ok(b))
}

/// `items` joined by `sep`, appended to `out` (what `join` would build,
/// without building it).
pub(crate) fn push_joined(out: &mut String, items: &[String], sep: &str) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(item);
    }
}

/// `n` in decimal, appended to `out` without the formatting machinery
/// (numbers are in most lines of layout checks, docs and command tables,
/// and `write!` of one costs several times the digits).
pub(crate) fn push_decimal(out: &mut String, n: impl Into<u64>) {
    out.push_str(itoa::Buffer::new().format(n.into()));
}

/// `v` as `{v}` writes it: a sign, then [`push_decimal`] of its magnitude
/// (the formatter only past `u64`, which no ABI value reaches).
pub(crate) fn push_int(out: &mut String, v: i128) {
    if v < 0 {
        out.push('-');
    }
    let magnitude = v.unsigned_abs();
    match u64::try_from(magnitude) {
        Ok(n) => push_decimal(out, n),
        Err(_) => out.push_fmt(format_args!("{magnitude}")),
    }
}

/// `v` as `0x` and at least `digits` lower-case hex digits (at most 16),
/// as `{v:#0w$x}` writes it with `w` = `digits + 2` (`{v:#x}` for 1),
/// without the formatting machinery.
pub(crate) fn push_hex(out: &mut String, v: u64, digits: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let significant = (64 - v.leading_zeros() as usize).div_ceil(4).max(1);
    let n = significant.max(digits).min(16);
    // Spelled in a buffer and copied once: a push per digit checks the
    // capacity per digit.
    let mut buf = [b'0'; 16];
    for (i, slot) in buf.iter_mut().rev().enumerate().take(n) {
        *slot = HEX[((v >> (4 * i)) & 0xf) as usize];
    }
    out.push_str("0x");
    // The buffer is ASCII, so the check always passes.
    if let Some(Ok(hex)) = buf.get(16 - n..).map(std::str::from_utf8) {
        out.push_str(hex);
    }
}

/// Room for a generated file of about `bytes_per_unit` bytes per unit
/// of `model` (a struct member, an enum entry, an ioctl, a const, an
/// attribute; an operation or a ring counts eight), plus a fixed part.
///
/// A file grown from empty doubles its buffer about twenty times, copying
/// what it holds and touching fresh pages each time: about a tenth of a
/// large Rust file's printing. Each backend's constant is a little above
/// the largest bytes per unit of `generated/` and the benchmarks'
/// synthetic spec, so the buffer rarely grows; a generous guess costs only
/// address space, as pages never written are never touched.
pub(crate) fn capacity_for(model: &Model, bytes_per_unit: usize) -> usize {
    let members: usize = model.structs.iter().map(|s| s.members.len()).sum();
    let entries: usize = model.enums.iter().map(|e| e.entries.len()).sum();
    let attrs: usize = model
        .attribute_sets
        .iter()
        .map(|s| s.attributes.len())
        .sum();
    let ops = model.operations.as_ref().map_or(0, |o| o.list.len());
    let units = members
        + entries
        + attrs
        + model.ioctls.len()
        + model.consts.len()
        + 8 * (ops + model.rings.len());
    (16 << 10) + units.saturating_mul(bytes_per_unit)
}

/// Whether a kernel side's validation can check member `m` (`read`:
/// whether the kernel reads it): pad always, a nested struct for its
/// own members, a single value the kernel reads against its enum, flags
/// or range. Both kernel sides skip every other member before naming it.
pub(crate) fn may_check(m: &Member, read: bool) -> bool {
    match &m.kind {
        MemberKind::Pad { .. } | MemberKind::Struct { .. } => true,
        MemberKind::Scalar { count: None, .. } => read && (m.check.is_some() || m.range.is_some()),
        MemberKind::Union { .. }
        | MemberKind::Scalar { count: Some(_), .. }
        | MemberKind::Binary { .. }
        | MemberKind::String { .. }
        | MemberKind::UserPtr { .. } => false,
    }
}

/// Whether a kernel side's clearing of out members can write member `m`
/// (`out`: whether only the kernel writes it): a nested struct for its
/// own members, anything else the kernel writes but a pointer value or
/// pad.
pub(crate) fn may_clear(m: &Member, out: bool) -> bool {
    match &m.kind {
        MemberKind::UserPtr { .. } | MemberKind::Pad { .. } => false,
        MemberKind::Struct { .. } => true,
        MemberKind::Union { .. }
        | MemberKind::Scalar { .. }
        | MemberKind::Binary { .. }
        | MemberKind::String { .. } => out,
    }
}

/// Whether a kernel side's clearing of out members writes anything in
/// `s`: a union never (which member is live is the driver's to know); a
/// nested struct when the kernel writes it whole or `nested` (the kernel
/// side's answer for that struct, which it may keep) says so; any other
/// member as [`may_clear`] says.
pub(crate) fn clears_any(s: &Struct, nested: impl Fn(&StructId) -> bool) -> bool {
    !s.is_union
        && s.members.iter().filter(|m| !m.is_flexible()).any(|m| {
            let out = m.access == crate::model::Access::Out;
            match &m.kind {
                MemberKind::Struct { id, .. } => out || nested(id),
                MemberKind::Union { .. }
                | MemberKind::Scalar { .. }
                | MemberKind::Binary { .. }
                | MemberKind::String { .. }
                | MemberKind::UserPtr { .. }
                | MemberKind::Pad { .. } => may_clear(m, out),
            }
        })
}

/// Formatted text appended to a `String` without a `String` of its own
/// (`push_str(&format!(..))` allocates, copies and frees one per call).
pub(crate) trait PushFmt {
    fn push_fmt(&mut self, args: std::fmt::Arguments<'_>);
}

impl PushFmt for String {
    fn push_fmt(&mut self, args: std::fmt::Arguments<'_>) {
        // Writing into a `String` cannot fail: its `fmt::Write` never
        // returns an error, and no `Display` of the generator's values
        // does.
        let _ = std::fmt::Write::write_fmt(self, args);
    }
}

/// A language's reserved words, looked up by name: every identifier a
/// backend prints is checked against one, and scanning a list of a
/// hundred words for each was a few percent of generation.
pub(crate) struct WordSet {
    set: LazyLock<FxHashSet<&'static str>>,
}

impl WordSet {
    /// The set `build` makes on first use (a closure that collects a
    /// `const` list and captures nothing, so it is a `fn`).
    pub(crate) const fn new(build: fn() -> FxHashSet<&'static str>) -> WordSet {
        WordSet {
            set: LazyLock::new(build),
        }
    }

    pub(crate) fn contains(&self, word: &str) -> bool {
        self.set.contains(word)
    }
}

/// Greedy word wrap of `text` (its whitespace collapsed) to `width`
/// display columns, prefixes included: `first` starts the first line,
/// `rest` every other. A word longer than the width stays whole on its
/// own line, and words are never split at hyphens (names like
/// `bo-create` must stay searchable). Lines carry no trailing spaces.
pub(crate) fn wrap_prefixed(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    if text.is_ascii() && first.is_ascii() && rest.is_ascii() {
        return wrap_ascii(text, width.max(1), first, rest);
    }
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    textwrap_lines(&words, width.max(1), first, rest)
}

/// textwrap's greedy wrap of single-spaced `words`, hyphens never split:
/// the general path, and the reference the ASCII paths are tested against.
fn textwrap_lines(words: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let options = textwrap::Options::new(width)
        .initial_indent(first)
        .subsequent_indent(rest)
        .break_words(false)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .wrap_algorithm(textwrap::WrapAlgorithm::FirstFit);
    textwrap::wrap(words, &options)
        .into_iter()
        .map(|l| l.trim_end().to_string())
        .collect()
}

/// The same greedy wrap for ASCII text, where a byte is a display
/// column: most doc text, wrapped without textwrap's per-word width
/// tables (a tenth of generation time went to wrapping). The property
/// test below holds it to textwrap's output.
fn wrap_ascii(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    wrap_ascii_each(text, width, first.len(), rest.len(), |i, line| {
        let prefix = if i == 0 { first } else { rest };
        let mut l = String::with_capacity(prefix.len() + line.len());
        l.push_str(prefix);
        l.push_str(line);
        lines.push(l);
    });
    if lines.is_empty() {
        // textwrap's answer for text without words: one empty line.
        lines.push(String::new());
    }
    lines
}

/// The greedy wrap of ASCII `text` itself: calls `emit(i, line)` for the
/// `i`th line, without its prefix (`first` and `rest` are the prefixes'
/// widths), and for nothing when the text has no words. Writers that
/// print lines straight into their output use it to skip building them.
pub(crate) fn wrap_ascii_each(
    text: &str,
    width: usize,
    first: usize,
    rest: usize,
    mut emit: impl FnMut(usize, &str),
) {
    if single_spaced(text) {
        // Most doc text: its lines are slices of it, with no word copied
        // into a line buffer first.
        wrap_single_spaced(text, width, first, rest, emit);
        return;
    }
    // Reused for every line: sized once, as most lines are about `width`.
    let mut line = String::with_capacity(width.min(text.len()));
    let mut n = 0;
    for word in text.split_ascii_whitespace() {
        let prefix = if n == 0 { first } else { rest };
        if !line.is_empty() && prefix + line.len() + 1 + word.len() > width {
            emit(n, &line);
            line.clear();
            n += 1;
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        emit(n, &line);
    }
}

/// [`wrap_ascii_each`] of text already known to be words separated by
/// single spaces with none at either end: its lines are slices of it, cut
/// at the last space that fits.
pub(crate) fn wrap_single_spaced(
    text: &str,
    width: usize,
    first: usize,
    rest: usize,
    mut emit: impl FnMut(usize, &str),
) {
    let mut left = text;
    let mut n = 0;
    loop {
        let room = width.saturating_sub(if n == 0 { first } else { rest });
        if left.len() <= room {
            emit(n, left);
            return;
        }
        let bytes = left.as_bytes();
        // `room < left.len()`, so the byte at `room` exists: a space there
        // ends a line exactly `room` wide. A first word wider than the
        // room stands alone.
        let cut = bytes[..=room]
            .iter()
            .rposition(|&b| b == b' ')
            .or_else(|| bytes.iter().position(|&b| b == b' '));
        let Some(cut) = cut else {
            emit(n, left);
            return;
        };
        emit(n, &left[..cut]);
        left = &left[cut + 1..];
        n += 1;
    }
}

/// Is `text` words separated by single spaces, with no other whitespace
/// and none at either end?
fn single_spaced(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if first == b' ' || last == b' ' {
        return false;
    }
    // Two passes without an early exit, which the compiler vectorises:
    // every doc paragraph of every backend comes through here.
    let other_space = bytes.iter().fold(false, |any, &b| {
        any | matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r')
    });
    let double_space = bytes
        .iter()
        .zip(&bytes[1..])
        .fold(false, |any, (&a, &b)| any | (a == b' ' && b == b' '));
    !other_space && !double_space
}

/// [`wrap_prefixed`] without prefixes; no lines for empty text.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    wrap_prefixed(text, width, "", "")
}

/// Splits spec doc text into paragraphs of single-spaced words. Folded
/// YAML (`>-`) turns a blank line into one newline, so a lone newline
/// separates paragraphs; literal text (`|`), recognised by its blank
/// lines, has its paragraphs between blank lines.
pub(crate) fn paragraphs(text: &str) -> Vec<String> {
    paragraph_slices(text)
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// The paragraphs [`paragraphs`] makes, as slices of `text` with their
/// whitespace as written: for writers that collapse it as they wrap, or
/// that copy only a paragraph that needs it.
pub(crate) fn paragraph_slices(text: &str) -> impl Iterator<Item = &str> {
    let text = text.trim();
    let sep = if text.contains("\n\n") { "\n\n" } else { "\n" };
    text.split(sep).filter(|p| !p.trim().is_empty())
}

/// The doc sentence every text backend writes for a `user-ptr` member:
/// `address` says how the language holds it ("an address", "a __u64"),
/// `elem` names the element type in that language, and `sibling` names
/// the member holding the count or byte length.
pub(crate) fn user_ptr_note(
    address: &str,
    elem: &str,
    len: &PtrLen,
    max: Option<u64>,
    stride: Option<usize>,
    sibling: impl Fn(usize) -> String,
) -> String {
    let max = max.map(|n| format!(", at most {n}")).unwrap_or_default();
    let note = match len {
        PtrLen::Count(i) => format!(
            "User pointer ({address}) to {} elements of {elem}{max}.",
            sibling(*i)
        ),
        PtrLen::Bytes(i) => format!(
            "User pointer ({address}) to {} bytes of {elem} elements{max}.",
            sibling(*i)
        ),
        PtrLen::Single => format!("User pointer ({address}) to one {elem}."),
    };
    match stride {
        // Fill it with the element's size; the kernel zero-extends a
        // shorter element and wants the tail of a longer one zero.
        Some(i) => format!(
            "{note} Elements are {} bytes apart: set it to the size of {elem}.",
            sibling(i)
        ),
        None => note,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_format_writes_them() {
        for v in [
            0u64,
            1,
            0xf,
            0x10,
            0xab,
            0x1234_5678,
            0xdead_beef_cafe,
            u64::MAX,
        ] {
            let mut s = String::new();
            push_hex(&mut s, v, 0);
            assert_eq!(s, format!("{v:#x}"));
            s.clear();
            push_hex(&mut s, v, 2);
            assert_eq!(s, format!("{v:#04x}"));
            s.clear();
            push_hex(&mut s, v, 8);
            assert_eq!(s, format!("{v:#010x}"));
        }
        for v in [
            0i128,
            7,
            10,
            -1,
            -10,
            12345,
            i128::MAX,
            i128::MIN,
            -(1 << 70),
        ] {
            let mut s = String::new();
            push_int(&mut s, v);
            assert_eq!(s, v.to_string());
        }
    }

    #[test]
    fn decimal_numbers() {
        let mut s = String::from("=");
        for v in [0u64, 7, 10, 4096, u64::MAX] {
            push_decimal(&mut s, v);
            s.push(' ');
        }
        assert_eq!(s, format!("=0 7 10 4096 {} ", u64::MAX));
    }

    #[test]
    fn wrapping_is_greedy_keeps_long_words_and_counts_characters() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("a  verylongword b", 4), ["a", "verylongword", "b"]);
        assert_eq!(wrap("bo-create x", 6), ["bo-create", "x"]);
        // Width is in characters, not bytes.
        assert_eq!(wrap("\u{e9}\u{e9}\u{e9} ab", 6), ["\u{e9}\u{e9}\u{e9} ab"]);
        assert!(wrap("  ", 10).is_empty());
        assert_eq!(
            wrap_prefixed("aa bb cc", 8, " * ", " * "),
            [" * aa bb", " * cc"]
        );
    }

    proptest::proptest! {
        /// The ASCII fast path wraps exactly as textwrap does.
        #[test]
        fn ascii_wrap_is_textwraps(
            text in "[a-z -]{0,12}( {1,3}[a-zA-Z`.-]{1,15}){0,30}[ \n]{0,2}",
            width in 1usize..60,
            first in "( \\* |# |//! |)",
            rest in "( \\* |# |  |)",
        ) {
            let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let want = textwrap_lines(&words, width, &first, &rest);
            proptest::prop_assert_eq!(wrap_ascii(&text, width, &first, &rest), want);
        }

        /// The same for single-spaced text, which is cut into slices.
        #[test]
        fn single_spaced_wrap_is_textwraps(
            text in "[a-zA-Z`.-]{1,15}( [a-zA-Z`.-]{1,15}){0,30}",
            width in 1usize..60,
            first in "( \\* |# |//! |)",
            rest in "( \\* |# |  |)",
        ) {
            proptest::prop_assert!(single_spaced(&text));
            let want = textwrap_lines(&text, width, &first, &rest);
            proptest::prop_assert_eq!(wrap_ascii(&text, width, &first, &rest), want);
        }
    }

    #[test]
    fn single_spacing_is_recognised() {
        assert!(single_spaced("a b-c d"));
        for not in ["", " a", "a ", "a  b", "a\tb", "a\rb", "a\nb"] {
            assert!(!single_spaced(not), "{not:?}");
        }
    }

    #[test]
    fn paragraphs_of_folded_and_literal_text() {
        assert_eq!(paragraphs("one\ntwo  three\n"), ["one", "two three"]);
        assert_eq!(paragraphs("a\nb\n\nc\n"), ["a b", "c"]);
    }
}
