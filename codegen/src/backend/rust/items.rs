//! rustfmt's layout of items and of the few literal shapes the Rust
//! backends print: function signatures, struct literals and fields,
//! arrays, `#[cfg]` attributes, string literals and the order of `use`
//! items. Each threshold is one of rustfmt's default widths (edition
//! 2024, `max_width` 100), checked against rustfmt on the boundary
//! lengths.

use crate::backend::rust::writer::{MAX_WIDTH, RustWriter, joined_len};

/// rustfmt's `attr_fn_like_width`: a list inside an attribute stays on one
/// line only while its items, joined, are this wide at most.
const ATTR_LIST_WIDTH: usize = 70;

/// rustfmt's `array_width`.
const ARRAY_WIDTH: usize = 60;

/// rustfmt's `struct_lit_width`: the widest struct literal body kept on
/// one line.
const STRUCT_LIT_WIDTH: usize = 18;

/// rustfmt's `short_array_element_width_threshold`: an array whose items
/// are all this short at most fills its lines instead of one per line.
const SHORT_ARRAY_ITEM: usize = 10;

/// A Rust string literal for `s` (as `proc_macro2::Literal::string`
/// escapes it).
pub(crate) fn str_lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\'' => out.push('\''),
            '\0' => out.push_str("\\0"),
            _ => out.extend(c.escape_debug()),
        }
    }
    out.push('"');
    out
}

/// `#[cfg(pred)]` for one predicate, or for `any(preds)` when there are
/// several; with `negate`, `#[cfg(not(any(preds)))]` whatever their
/// number. A list too wide for one line gets one predicate a line, the
/// enclosing single-argument calls staying on the first and last lines.
pub(crate) fn cfg_attr<S: AsRef<str>>(w: &mut RustWriter, preds: &[S], negate: bool) {
    let (open, close) = match (negate, preds) {
        (false, [one]) => {
            w.line_of(&["#[cfg(", one.as_ref(), ")]"]);
            return;
        }
        (false, _) => ("#[cfg(any(", "))]"),
        (true, _) => ("#[cfg(not(any(", ")))]"),
    };
    // Measured before anything is built: most attributes fit.
    let joined = preds.iter().map(|p| p.as_ref().len()).sum::<usize>()
        + ", ".len() * preds.len().saturating_sub(1);
    if joined <= ATTR_LIST_WIDTH && w.fits_len(open.len() + joined + close.len()) {
        w.line_joined_of(&[open], preds, ", ", &[close]);
        return;
    }
    w.line(open);
    w.indent_in();
    for (i, p) in preds.iter().enumerate() {
        // Attributes keep the source's (absent) trailing comma.
        let sep = if i + 1 < preds.len() { "," } else { "" };
        w.line_of(&[p.as_ref(), sep]);
    }
    w.indent_out();
    w.line(close);
}

/// A function signature `head(params) -> ret` followed by `tail` (` {`
/// for a body, `;` for a trait method without one): on one line when it
/// fits, otherwise one parameter a line with a trailing comma.
pub(crate) fn fn_sig(
    w: &mut RustWriter,
    head: &str,
    params: &[String],
    ret: Option<&str>,
    tail: &str,
) {
    let (arrow, ret) = ret.map_or(("", ""), |r| (" -> ", r));
    let one = head.len() + 2 + joined_len(params, ", ") + arrow.len() + ret.len() + tail.len();
    if w.fits_len(one) {
        w.line_joined_of(&[head, "("], params, ", ", &[")", arrow, ret, tail]);
    } else {
        w.line_of(&[head, "("]);
        w.indent_in();
        for p in params {
            w.line_of(&[p, ","]);
        }
        w.indent_out();
        w.line_of(&[")", arrow, ret, tail]);
    }
    if tail.ends_with('{') {
        w.indent_in();
    }
}

/// `head { a, b }tail`: one line when the fields are within
/// `struct_lit_width` and the line fits, otherwise one field a line with
/// a trailing comma.
pub(crate) fn struct_lit<S: AsRef<str>>(w: &mut RustWriter, head: &str, fields: &[S], tail: &str) {
    let body = joined_len(fields, ", ");
    if fields.is_empty() {
        if w.fits_len(head.len() + 3 + tail.len()) {
            w.line_of(&[head, " {}", tail]);
            return;
        }
    } else if body <= STRUCT_LIT_WIDTH && w.fits_len(head.len() + 3 + body + 2 + tail.len()) {
        w.line_joined_of(&[head, " { "], fields, ", ", &[" }", tail]);
        return;
    }
    w.open(head);
    for f in fields {
        w.line_of(&[f.as_ref(), ","]);
    }
    w.close(tail);
}

/// `pub name: ty,` in a struct, with the type on the next line where the
/// field does not fit.
pub(crate) fn field(w: &mut RustWriter, name: &str, ty: &str) {
    if w.fits_len(4 + name.len() + 2 + ty.len() + 1) {
        w.line_of(&["pub ", name, ": ", ty, ","]);
        return;
    }
    w.line_of(&["pub ", name, ":"]);
    w.indent_in();
    w.line_of(&[ty, ","]);
    w.indent_out();
}

/// `lhs = &[a, b, c];` for simple items (paths, literals): one line
/// within `array_width`; items all short fill their lines; otherwise one
/// item a line. Always with a trailing comma once broken.
pub(crate) fn array_assign(w: &mut RustWriter, lhs: &str, items: &[String]) {
    let joined = joined_len(items, ", ");
    if joined <= ARRAY_WIDTH && w.fits_len(lhs.len() + 5 + joined + 2) {
        w.line_joined_of(&[lhs, " = &["], items, ", ", &["];"]);
        return;
    }
    w.line_of(&[lhs, " = &["]);
    w.indent_in();
    if items.iter().all(|i| i.len() <= SHORT_ARRAY_ITEM) {
        let width = MAX_WIDTH - w.indent();
        let mut cur = String::new();
        for i in items {
            if !cur.is_empty() && cur.len() + 1 + i.len() + 1 > width {
                w.line(std::mem::take(&mut cur));
            }
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(i);
            cur.push(',');
        }
        if !cur.is_empty() {
            w.line(cur);
        }
    } else {
        for i in items {
            w.line_of(&[i, ","]);
        }
    }
    w.indent_out();
    w.line("];");
}

/// Items that rustfmt sorts among themselves: `use` declarations (with
/// their doc lines), ordered by path as rustfmt orders them.
pub(crate) struct Uses {
    items: Vec<(String, Vec<String>)>,
    style_2021: bool,
}

impl Uses {
    pub(crate) fn new() -> Uses {
        Uses {
            items: Vec::new(),
            style_2021: false,
        }
    }

    /// Sorted as rustfmt's style edition 2021 sorts them (the kernel's
    /// `.rustfmt.toml` says `edition = "2021"`).
    pub(crate) fn new_style_2021() -> Uses {
        Uses {
            items: Vec::new(),
            style_2021: true,
        }
    }

    /// `path` is what follows `use ` (`uabi_runtime::nla`,
    /// `softaccel_uapi as uapi`); `text` the item's lines, docs first.
    pub(crate) fn add(&mut self, path: &str, text: Vec<String>) {
        self.items.push((path.to_string(), text));
    }

    pub(crate) fn write(mut self, w: &mut RustWriter) {
        // rustfmt compares paths segment by segment.
        if self.style_2021 {
            self.items.sort_by(|a, b| cmp_path_2021(&a.0, &b.0));
        } else {
            self.items.sort_by(|a, b| {
                let sa: Vec<&str> = a.0.split("::").collect();
                let sb: Vec<&str> = b.0.split("::").collect();
                sa.cmp(&sb)
            });
        }
        for (_, text) in self.items {
            for l in text {
                w.line(l);
            }
        }
    }
}

/// Splits a `use` path at its top-level `::` (not inside a `{...}` list).
fn path_segments(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b':' if depth == 0 && bytes.get(i + 1) == Some(&b':') => {
                out.push(&path[start..i]);
                start = i + 2;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&path[start..]);
    out
}

/// The items of a `{a, b::c}` list, split at its top-level commas.
fn list_items(list: &str) -> Vec<&str> {
    let inner = &list[1..list.len() - 1];
    let mut out = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = inner[start..].trim();
    if !last.is_empty() {
        out.push(last);
    }
    out
}

/// rustfmt's order of `use` paths in style editions 2015 to 2021:
/// `self`, `super`, `crate`, then names (snake_case before CamelCase
/// before UPPER_SNAKE_CASE), then lists (item by item). Style edition
/// 2024 sorts names by version sort instead, which the default `Uses`
/// order matches for the paths the backends write.
fn cmp_path_2021(a: &str, b: &str) -> std::cmp::Ordering {
    let (sa, sb) = (path_segments(a), path_segments(b));
    for (x, y) in sa.iter().zip(&sb) {
        let ord = cmp_segment_2021(x, y);
        if ord.is_ne() {
            return ord;
        }
    }
    sa.len().cmp(&sb.len())
}

fn cmp_segment_2021(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering::{Greater, Less};
    let rank = |s: &str| match s {
        "self" => 0,
        "super" => 1,
        "crate" => 2,
        _ if s.starts_with('{') => 4,
        _ => 3,
    };
    let (ra, rb) = (rank(a), rank(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    if ra == 4 {
        let (la, lb) = (list_items(a), list_items(b));
        for (x, y) in la.iter().zip(&lb) {
            let ord = cmp_path_2021(x, y);
            if ord.is_ne() {
                return ord;
            }
        }
        return la.len().cmp(&lb.len());
    }
    // An alias (`x as y`) sorts by its name first.
    let name = |s: &str| s.split(" as ").next().unwrap_or(s).to_string();
    let (na, nb) = (name(a), name(b));
    let lower = |s: &str| s.starts_with(|c: char| c.is_lowercase());
    let upper = |s: &str| s.starts_with(|c: char| c.is_uppercase());
    let upper_snake = |s: &str| s.chars().all(|c| !c.is_lowercase());
    if upper(&na) && lower(&nb) {
        return Greater;
    }
    if lower(&na) && upper(&nb) {
        return Less;
    }
    if upper_snake(&na) && !upper_snake(&nb) {
        return Greater;
    }
    if !upper_snake(&na) && upper_snake(&nb) {
        return Less;
    }
    na.cmp(&nb).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn style_2021_puts_snake_case_first_and_lists_by_their_items() {
        let mut uses = Uses::new_style_2021();
        for p in [
            "kernel::error::{code, Error}",
            "crate::uabi_rt::{Extension, OutArray, UserArray}",
            "crate::uabi_rt::{nla, Errno}",
            "crate::accel",
        ] {
            uses.add(p, vec![format!("use {p};")]);
        }
        let out = run(|w| uses.write(w));
        assert_eq!(
            out,
            "use crate::accel;\nuse crate::uabi_rt::{nla, Errno};\n\
             use crate::uabi_rt::{Extension, OutArray, UserArray};\n\
             use kernel::error::{code, Error};\n"
        );
    }

    fn run(f: impl FnOnce(&mut RustWriter)) -> String {
        let mut w = RustWriter::new();
        f(&mut w);
        w.finish()
    }

    #[test]
    fn cfg_lists_break_past_the_attribute_width() {
        let short = ["target_arch = \"x86\"".to_string()];
        assert_eq!(
            run(|w| cfg_attr(w, &short, false)),
            "#[cfg(target_arch = \"x86\")]\n"
        );
        assert_eq!(
            run(|w| cfg_attr(w, &short, true)),
            "#[cfg(not(any(target_arch = \"x86\")))]\n"
        );
        let four: Vec<String> = ["x86", "arm", "aarch64", "mips"]
            .iter()
            .map(|a| format!("target_arch = \"{a}\""))
            .collect();
        assert_eq!(
            run(|w| cfg_attr(w, &four, false)),
            "#[cfg(any(\n    target_arch = \"x86\",\n    target_arch = \"arm\",\n    \
             target_arch = \"aarch64\",\n    target_arch = \"mips\"\n))]\n"
        );
    }

    #[test]
    fn arrays_fill_short_items() {
        let items: Vec<String> = (0..40).map(|i| format!("A{i}")).collect();
        let out = run(|w| array_assign(w, "pub const ALL: &[u32]", &items));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "pub const ALL: &[u32] = &[");
        assert!(lines[1].starts_with("    A0, A1, A2,"));
        assert!(lines.iter().all(|l| l.len() <= MAX_WIDTH));
        assert_eq!(lines.last(), Some(&"];"));
    }

    #[test]
    fn filled_array_lines_match_rustfmt() {
        // rustfmt's output for these items inside a module.
        let mut items: Vec<String> = ('A'..='Z').map(String::from).collect();
        items.extend(["AA", "AB", "AC", "AD", "AE", "AF", "AG", "AH"].map(String::from));
        items.extend(["AAAAAAAAAA", "BBBBBBBBBB", "CCCCCCCCCC", "DDDDDDDDDD"].map(String::from));
        let mut w = RustWriter::at_depth(1);
        array_assign(&mut w, "pub const ALL: &[u32]", &items);
        let expected = "    pub const ALL: &[u32] = &[\n        \
            A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R, S, T, U, V, W, X, Y, Z, AA, AB, AC,\n        \
            AD, AE, AF, AG, AH, AAAAAAAAAA, BBBBBBBBBB, CCCCCCCCCC, DDDDDDDDDD,\n    ];\n";
        assert_eq!(w.finish(), expected);
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(str_lit(r#"a"b\c'"#), r#""a\"b\\c'""#);
        // The kernel backend printed its literals with `{:?}`: the same.
        for s in [
            "a\0b",
            "tab\there",
            "nl\n",
            "\u{301}e\u{301}",
            "\u{7f}",
            "ü",
        ] {
            assert_eq!(str_lit(s), format!("{s:?}"));
        }
    }

    #[test]
    fn struct_literals_break_past_their_width() {
        let mut w = RustWriter::new();
        // 18 columns of fields stay on the line, 19 break.
        struct_lit(&mut w, "E", &["op: name", "needed12"], ")");
        struct_lit(&mut w, "E", &["op: name", "needed123"], ")");
        struct_lit(&mut w, "E", &["ioctl: \"get\"", "errno"], "");
        struct_lit(&mut w, "Self", &[] as &[&str], "");
        assert_eq!(
            w.finish(),
            "E { op: name, needed12 })\nE {\n    op: name,\n    needed123,\n})\n\
             E {\n    ioctl: \"get\",\n    errno,\n}\nSelf {}\n"
        );
    }

    #[test]
    fn signatures_break_one_parameter_a_line() {
        let params: Vec<String> = ["t: &T", "driver_revision: u32"].map(String::from).to_vec();
        let out = run(|w| fn_sig(w, "pub fn f", &params, Some("u32"), " {"));
        assert_eq!(out, "pub fn f(t: &T, driver_revision: u32) -> u32 {\n");
        let head = format!("pub fn {}", "f".repeat(70));
        let out = run(|w| fn_sig(w, &head, &params, None, ";"));
        assert_eq!(
            out,
            format!("{head}(\n    t: &T,\n    driver_revision: u32,\n);\n")
        );
    }

    /// The one-line forms are measured before they are written: each
    /// stays on one line exactly while that line is at most `MAX_WIDTH`
    /// wide, at every width around the edge.
    #[test]
    fn one_line_forms_are_kept_exactly_up_to_the_width() {
        let single = |out: &str, width: usize| {
            let one_line = out.lines().count() == 1;
            assert_eq!(one_line, width <= MAX_WIDTH, "{width} columns:\n{out}");
            if one_line {
                assert_eq!(out.trim_end().len(), width, "{out}");
            }
        };
        for width in MAX_WIDTH - 2..=MAX_WIDTH + 2 {
            // `pub name: ty,`
            let name = "n".repeat(width - "pub : u32,".len());
            single(&run(|w| field(w, &name, "u32")), width);
            // `head(a, b) -> u32 {`
            let params: Vec<String> = vec!["a: u8".into(), "b: u8".into()];
            let head = "f".repeat(width - "(a: u8, b: u8) -> u32 {".len());
            single(
                &run(|w| fn_sig(w, &head, &params, Some("u32"), " {")),
                width,
            );
            // `head { a, b }tail`
            let fields: Vec<String> = vec!["a".into(), "b".into()];
            let head = "h".repeat(width - " { a, b };".len());
            single(&run(|w| struct_lit(w, &head, &fields, ";")), width);
            let head = "h".repeat(width - " {};".len());
            single(&run(|w| struct_lit(w, &head, &[] as &[&str], ";")), width);
            // `lhs = &[a, b];`
            let lhs = "l".repeat(width - " = &[a, b];".len());
            single(&run(|w| array_assign(w, &lhs, &fields)), width);
            // `#[cfg(any(a, b))]`, with predicates within the list width
            // but a line that is not.
            let mut w = RustWriter::at_depth(6);
            let both = width - 24 - "#[cfg(any(, ))]".len();
            let preds = vec!["p".repeat(both / 2), "q".repeat(both - both / 2)];
            cfg_attr(&mut w, &preds, false);
            single(&w.finish(), width);
        }
    }

    #[test]
    fn uses_sort_by_segments() {
        let mut uses = Uses::new();
        for p in ["uabi_runtime::nla", "alloc::vec::Vec", "uabi_runtime"] {
            uses.add(p, vec![format!("use {p};")]);
        }
        let out = run(|w| uses.write(w));
        assert_eq!(
            out,
            "use alloc::vec::Vec;\nuse uabi_runtime;\nuse uabi_runtime::nla;\n"
        );
    }
}
