//! One-line forms written straight into the writer: the shared layouts
//! (`layout::call`, `layout::chain`) build every candidate as `String`s
//! in a `Vec`, which was most of this backend's printing. Most calls fit
//! on their line, so each helper here measures the one-line form with the
//! same rule the shared layout applies and writes it without building
//! it; anything else goes to the shared layout, so the text is the same.

use crate::backend::rust::layout::{CALL_WIDTH, call_stmt};
use crate::backend::rust::writer::RustWriter;

/// Total length of `parts`.
pub(super) fn len_of(parts: &[&str]) -> usize {
    parts.iter().map(|p| p.len()).sum()
}

/// The call statement `head(args)tail` ([`call_stmt`]'s layout), with
/// `head` given in parts: one line when the line fits and the arguments
/// are within `fn_call_width` or single, as `layout::call` decides.
pub(super) fn call_line(w: &mut RustWriter, head: &[&str], args: &[&str], tail: &str) {
    let joined = len_of(args) + 2 * args.len().saturating_sub(1);
    let one = len_of(head) + 1 + joined + 1 + tail.len();
    if w.fits_len(one) && (joined <= CALL_WIDTH || args.len() == 1) {
        w.begin_line();
        w.push_parts(head);
        w.push_parts(&["("]);
        w.push_joined(args, ", ");
        w.push_parts(&[")", tail]);
        w.end_line();
        return;
    }
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    call_stmt(w, &head.concat(), &args, tail);
}

/// `items::struct_lit`'s `STRUCT_LIT_WIDTH` (rustfmt's
/// `struct_lit_width`), which that module keeps private.
const STRUCT_LIT_WIDTH: usize = 18;

/// `head { a, b }tail` for at least one field, as `items::struct_lit`
/// lays it out, with `head` in parts: one line when the fields are within
/// `struct_lit_width` and the line fits, otherwise one field a line with
/// a trailing comma.
pub(super) fn struct_line(w: &mut RustWriter, head: &[&str], fields: &[&str], tail: &str) {
    let body = len_of(fields) + 2 * fields.len().saturating_sub(1);
    let head_len = len_of(head);
    if !fields.is_empty()
        && body <= STRUCT_LIT_WIDTH
        && w.fits_len(head_len + 3 + body + 2 + tail.len())
    {
        w.begin_line();
        w.push_parts(head);
        w.push_parts(&[" { "]);
        w.push_joined(fields, ", ");
        w.push_parts(&[" }", tail]);
        w.end_line();
        return;
    }
    if fields.is_empty() {
        // Not a form this backend prints; the shared layout has it.
        crate::backend::rust::items::struct_lit(w, &head.concat(), fields, tail);
        return;
    }
    w.open_of(head);
    for f in fields {
        w.line_of(&[f, ","]);
    }
    w.close(tail);
}

/// `head(params) -> ret tail`, as `items::fn_sig` lays it out, with
/// `head` in parts and `tail` opening the body (`" {"`): one line when it
/// fits, otherwise one parameter a line.
pub(super) fn sig(w: &mut RustWriter, head: &[&str], params: &[&str], ret: &str, tail: &str) {
    let joined = len_of(params) + 2 * params.len().saturating_sub(1);
    let one = len_of(head) + 2 + joined + 4 + ret.len() + tail.len();
    if w.fits_len(one) {
        w.begin_line();
        w.push_parts(head);
        w.push_parts(&["("]);
        w.push_joined(params, ", ");
        w.push_parts(&[") -> ", ret, tail]);
        w.end_line();
    } else {
        w.begin_line();
        w.push_parts(head);
        w.push_parts(&["("]);
        w.end_line();
        w.indent_in();
        for p in params {
            w.line_of(&[p, ","]);
        }
        w.indent_out();
        w.line_of(&[") -> ", ret, tail]);
    }
    if tail.ends_with('{') {
        w.indent_in();
    }
}
