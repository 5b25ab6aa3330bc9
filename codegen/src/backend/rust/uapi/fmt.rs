//! rustfmt's layout of the few expression and attribute shapes the uapi
//! crate holds, as text. Each helper takes its decisions from rustfmt's
//! default widths (edition 2024, `max_width` 100); the thresholds were
//! checked against rustfmt on the boundary lengths. They are general
//! enough for the other Rust backends to share once merged.

use crate::backend::rust::writer::{MAX_WIDTH, RustWriter};

/// rustfmt's `attr_fn_like_width`: a list inside an attribute stays on one
/// line only while its items, joined, are this wide at most.
const ATTR_LIST_WIDTH: usize = 70;

/// rustfmt's `fn_call_width` (also for macro calls with parentheses).
const CALL_WIDTH: usize = 60;

/// rustfmt's `array_width`.
const ARRAY_WIDTH: usize = 60;

/// rustfmt's `struct_lit_width`.
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
pub(crate) fn cfg_attr(w: &mut RustWriter, preds: &[String], negate: bool) {
    let (open, close) = match (negate, preds) {
        (false, [one]) => {
            w.line(format!("#[cfg({one})]"));
            return;
        }
        (false, _) => ("#[cfg(any(", "))]"),
        (true, _) => ("#[cfg(not(any(", ")))]"),
    };
    let joined = preds.join(", ");
    let one = format!("{open}{joined}{close}");
    if joined.len() <= ATTR_LIST_WIDTH && w.fits(&one) {
        w.line(one);
        return;
    }
    w.line(open);
    w.indent_in();
    for (i, p) in preds.iter().enumerate() {
        // Attributes keep the source's (absent) trailing comma.
        let sep = if i + 1 < preds.len() { "," } else { "" };
        w.line(format!("{p}{sep}"));
    }
    w.indent_out();
    w.line(close);
}

/// `lhs = rhs;` for a single-line `rhs`: on one line when it fits,
/// otherwise with `rhs` on the next line one level in, as rustfmt breaks
/// an assignment whose right-hand side then fits.
pub(crate) fn assign(w: &mut RustWriter, lhs: &str, rhs: &str) {
    let one = format!("{lhs} = {rhs};");
    let next = format!("{rhs};");
    if w.fits(&one) || !fits_at(w.indent() + 4, &next) {
        w.line(one);
        return;
    }
    w.line(format!("{lhs} ="));
    w.indent_in();
    w.line(next);
    w.indent_out();
}

/// `lhs = name!(arg);` for a macro of one single-line argument: as
/// [`assign`], and when even the next line is too narrow, the argument on
/// a line of its own inside the parentheses.
pub(crate) fn assign_macro(w: &mut RustWriter, lhs: &str, name: &str, arg: &str) {
    let rhs = format!("{name}({arg})");
    if w.fits(&format!("{lhs} = {rhs};")) || fits_at(w.indent() + 4, &format!("{rhs};")) {
        assign(w, lhs, &rhs);
        return;
    }
    w.line(format!("{lhs} = {name}("));
    w.indent_in();
    w.line(arg);
    w.indent_out();
    w.line(");");
}

/// `name!(arg)tail` for a macro of one argument: one line when it fits,
/// otherwise the argument on a line of its own (no trailing comma: rustfmt
/// keeps a macro call's source commas).
pub(crate) fn macro_one(w: &mut RustWriter, name: &str, arg: &str, tail: &str) {
    let one = format!("{name}({arg}){tail}");
    if w.fits(&one) {
        w.line(one);
        return;
    }
    w.line(format!("{name}("));
    w.indent_in();
    w.line(arg);
    w.indent_out();
    w.line(format!("){tail}"));
}

/// `matches!(v, A | B | C)`: one line while the arguments are within
/// `fn_call_width`; otherwise one argument a line, and a pattern too wide
/// for its line broken before each `|`, one level further in.
pub(crate) fn matches_call(w: &mut RustWriter, value: &str, alts: &[String]) {
    let pattern = alts.join(" | ");
    let one = format!("matches!({value}, {pattern})");
    if value.len() + 2 + pattern.len() <= CALL_WIDTH && w.fits(&one) {
        w.line(one);
        return;
    }
    w.line("matches!(");
    w.indent_in();
    w.line(format!("{value},"));
    // The argument's shape leaves a column for a separator.
    if fits_at(w.indent() + 1, &pattern) {
        w.line(pattern);
    } else if let Some((first, rest)) = alts.split_first() {
        w.line(first);
        w.indent_in();
        for a in rest {
            w.line(format!("| {a}"));
        }
        w.indent_out();
    }
    w.indent_out();
    w.line(")");
}

/// `lhs = &[a, b, c];` for simple items (paths, literals): one line
/// within `array_width`; items all short fill their lines; otherwise one
/// item a line. Always with a trailing comma once broken.
pub(crate) fn array_assign(w: &mut RustWriter, lhs: &str, items: &[String]) {
    let joined = items.join(", ");
    let one = format!("{lhs} = &[{joined}];");
    if joined.len() <= ARRAY_WIDTH && w.fits(&one) {
        w.line(one);
        return;
    }
    w.line(format!("{lhs} = &["));
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
            w.line(format!("{i},"));
        }
    }
    w.indent_out();
    w.line("];");
}

/// `head Self { a: x, b: y }tail`: one line when the fields are within
/// `struct_lit_width` and the line fits, otherwise one field a line with
/// a trailing comma.
pub(crate) fn struct_lit(
    w: &mut RustWriter,
    head: &str,
    name: &str,
    fields: &[String],
    tail: &str,
) {
    let joined = fields.join(", ");
    if fields.is_empty() {
        w.line(format!("{head}{name} {{}}{tail}"));
        return;
    }
    let one = format!("{head}{name} {{ {joined} }}{tail}");
    if joined.len() <= STRUCT_LIT_WIDTH && w.fits(&one) {
        w.line(one);
        return;
    }
    w.open(format!("{head}{name}"));
    for f in fields {
        w.line(format!("{f},"));
    }
    w.close(tail);
}

/// `pub name: ty,` in a struct, with the type on the next line where the
/// field does not fit.
pub(crate) fn field(w: &mut RustWriter, name: &str, ty: &str) {
    let one = format!("pub {name}: {ty},");
    if w.fits(&one) {
        w.line(one);
        return;
    }
    w.line(format!("pub {name}:"));
    w.indent_in();
    w.line(format!("{ty},"));
    w.indent_out();
}

fn fits_at(indent: usize, text: &str) -> bool {
    indent + text.len() <= MAX_WIDTH
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn matches_breaks_as_rustfmt_does() {
        let alts: Vec<String> = [
            "AAAAAAAAAA",
            "BBBBBBBBBB",
            "CCCCCCCCCC",
            "DDDDDDDDDD",
            "EEEEEEEEE",
        ]
        .map(String::from)
        .to_vec();
        let mut w = RustWriter::at_depth(2);
        matches_call(&mut w, "v", &alts);
        assert_eq!(
            w.finish(),
            "        matches!(\n            v,\n            \
             AAAAAAAAAA | BBBBBBBBBB | CCCCCCCCCC | DDDDDDDDDD | EEEEEEEEE\n        )\n"
        );
        let mut w = RustWriter::at_depth(2);
        matches_call(&mut w, "v", &alts[..4]);
        assert_eq!(
            w.finish(),
            "        matches!(v, AAAAAAAAAA | BBBBBBBBBB | CCCCCCCCCC | DDDDDDDDDD)\n"
        );
    }

    #[test]
    fn long_asserts_move_to_the_next_line() {
        // 100 columns stay on one line, 101 move the macro call down.
        for (n, lines) in [(42, 1), (43, 2)] {
            let arg = format!("::core::mem::offset_of!(A, {}) == 64", "b".repeat(n));
            let out = run(|w| assign_macro(w, "const _: ()", "assert!", &arg));
            assert_eq!(out.lines().count(), lines, "{out}");
            assert!(out.lines().all(|l| l.len() <= MAX_WIDTH));
        }
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(str_lit(r#"a"b\c'"#), r#""a\"b\\c'""#);
    }
}
