//! The few layout decisions of rustfmt that the user crate's code meets,
//! on top of [`RustWriter`]: struct literals, function signatures, calls
//! and method chains, each on one line when rustfmt keeps it there and in
//! rustfmt's vertical form otherwise. Also the text of the paths and doc
//! links to uapi items, which the uapi backend builds as tokens.

use crate::backend::rust::writer::{RustWriter, call_lines, doc_lines, type_ident};
use crate::model::Model;

/// rustfmt's `struct_lit_width`: the widest struct literal body kept on
/// one line.
const STRUCT_LIT_WIDTH: usize = 18;

/// rustfmt's `chain_width`: the widest chain of two or more calls kept on
/// one line (a single call after the root is bounded by the line only).
const CHAIN_WIDTH: usize = 60;

/// `///` lines of doc text.
pub(super) fn doc(w: &mut RustWriter, text: &str) {
    w.doc_lines(&doc_lines(text));
}

/// `//!` lines of doc text.
pub(super) fn inner_doc(w: &mut RustWriter, text: &str) {
    w.inner_doc_lines(&doc_lines(text));
}

/// `head { a, b }tail` when the body is short enough, else one field a
/// line with trailing commas.
pub(super) fn struct_lit(w: &mut RustWriter, head: &str, fields: &[String], tail: &str) {
    let body = fields.join(", ");
    let one = if fields.is_empty() {
        format!("{head} {{}}{tail}")
    } else {
        format!("{head} {{ {body} }}{tail}")
    };
    if body.len() <= STRUCT_LIT_WIDTH && w.fits(&one) {
        w.line(one);
        return;
    }
    w.open(head);
    for f in fields {
        w.line(format!("{f},"));
    }
    w.close(tail);
}

/// Opens a function body: `head(params)ret {` on one line when it fits,
/// else one parameter a line. The caller closes it with `close("")`.
pub(super) fn fn_open(w: &mut RustWriter, head: &str, params: &[String], ret: &str) {
    let one = format!("{head}({}){ret} {{", params.join(", "));
    if w.fits(&one) {
        w.line(one);
        w.indent_in();
        return;
    }
    w.line(format!("{head}("));
    w.indent_in();
    for p in params {
        w.line(format!("{p},"));
    }
    w.indent_out();
    w.line(format!("){ret} {{"));
    w.indent_in();
}

/// A call statement or expression laid out by [`call_lines`].
pub(super) fn call(w: &mut RustWriter, head: &str, args: &[String], tail: &str) {
    for l in call_lines(w.indent(), head, args, tail) {
        w.line(l);
    }
}

/// `prefix root.a().b()suffix` on one line when it fits, else the root
/// after `prefix` and each call on a line of its own, one level in.
/// `children` carry their leading dot.
pub(super) fn chain(
    w: &mut RustWriter,
    prefix: &str,
    root: &str,
    children: &[String],
    suffix: &str,
) {
    let chain = format!("{root}{}", children.concat());
    let one = format!("{prefix}{chain}{suffix}");
    if w.fits(&one) && (children.len() == 1 || chain.len() <= CHAIN_WIDTH) {
        w.line(one);
        return;
    }
    w.line(format!("{prefix}{root}"));
    w.indent_in();
    for (i, c) in children.iter().enumerate() {
        if i + 1 == children.len() {
            w.line(format!("{c}{suffix}"));
        } else {
            w.line(c);
        }
    }
    w.indent_out();
}

/// The last call of a chain when it takes a closure, `.and_then(|p| body)`:
/// when it fits on no line of its own, its body moves into a block.
pub(super) struct ClosureCall {
    /// `.and_then(|p|`.
    pub open: String,
    /// The body: a root and the calls chained on it.
    pub body_root: String,
    pub body_children: Vec<String>,
}

impl ClosureCall {
    fn text(&self) -> String {
        format!(
            "{} {}{})",
            self.open,
            self.body_root,
            self.body_children.concat()
        )
    }
}

/// `prefix head(args).a().b()suffix`, a chain on a call, as [`chain`]
/// lays it out; a root call that breaks (rustfmt's vertical call) keeps
/// its calls at its own indentation, and a last closure call too long
/// for a line of its own takes a block body on the root's line.
pub(super) fn call_chain(
    w: &mut RustWriter,
    prefix: &str,
    root: (&str, &[String]),
    children: &[String],
    last: Option<&ClosureCall>,
    suffix: &str,
) {
    let (head, args) = root;
    let root_text = format!("{head}({})", args.join(", "));
    let mut all: Vec<String> = children.to_vec();
    all.extend(last.map(ClosureCall::text));
    let root_lines = call_lines(w.indent(), &format!("{prefix}{head}"), args, "");
    if root_lines.len() == 1 && w.fits(&format!("{prefix}{root_text}{}{suffix}", all.concat())) {
        chain(w, prefix, &root_text, &all, suffix);
        return;
    }
    if let (Some(c), true) = (last, children.is_empty() && root_lines.len() == 1) {
        let own = format!("{}{suffix}", c.text());
        if !RustWriter::at_depth(w.depth() + 1).fits(&own) {
            w.line(format!("{prefix}{root_text}{} {{", c.open));
            w.indent_in();
            chain(w, "", &c.body_root, &c.body_children, "");
            w.indent_out();
            w.line(format!("}}){suffix}"));
            return;
        }
    }
    let broken = root_lines.len() > 1;
    for l in root_lines {
        w.line(l);
    }
    if !broken {
        w.indent_in();
    }
    for (i, c) in all.iter().enumerate() {
        if i + 1 == all.len() {
            w.line(format!("{c}{suffix}"));
        } else {
            w.line(c);
        }
    }
    if !broken {
        w.indent_out();
    }
}

// ---------------------------------------------------------------- paths

/// The chain of re-exported uapi crates that leads from a spec's uapi
/// crate to the one of spec `owner` (empty for the spec's own items).
/// Each crate re-exports its direct includes, so a transitively included
/// item is reachable without a direct dependency.
pub(super) fn crate_prefix(model: &Model, owner: &str) -> Vec<String> {
    fn chain(m: &Model, owner: &str) -> Option<Vec<String>> {
        let lib = |inc: &Model| crate::backend::rust::uapi::lib_name(&inc.name);
        if let Some(inc) = m.includes.iter().find(|i| i.name == owner) {
            return Some(vec![lib(inc)]);
        }
        m.includes.iter().find_map(|inc| {
            chain(inc, owner).map(|mut rest| {
                rest.insert(0, lib(inc));
                rest
            })
        })
    }
    if owner == model.name {
        return Vec::new();
    }
    chain(model, owner).unwrap_or_default()
}

/// The chain from the user crate to the uapi crate that owns a struct,
/// starting with the `uapi` re-export.
pub(super) fn struct_prefix(model: &Model, name: &str) -> Vec<String> {
    let owner = model
        .find_struct(name)
        .map(|(_, o)| o.to_string())
        .unwrap_or_else(|| model.name.clone());
    let mut prefix = vec!["uapi".to_string()];
    prefix.extend(crate_prefix(model, &owner));
    prefix
}

/// Path of a struct type from the user crate's root: `uapi::Name` or
/// `uapi::accel_uapi::Name`.
pub(super) fn struct_path(model: &Model, name: &str) -> String {
    let mut p = struct_prefix(model, name);
    p.push(type_ident(name));
    p.join("::")
}

/// "[`accel_uapi::BoCreate`]"; rustdoc cannot resolve raw identifiers
/// in links, so a path holding one is code text without a link.
pub(super) fn doc_link(prefix: &[String], last: &str) -> String {
    let mut parts: Vec<&str> = prefix.iter().map(String::as_str).collect();
    parts.push(last);
    let path = parts.join("::");
    if path.contains("r#") {
        format!("`{path}`")
    } else {
        format!("[`{path}`]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_literals_break_past_their_width() {
        let mut w = RustWriter::new();
        struct_lit(&mut w, "E", &["op: name".into(), "needed".into()], ")");
        struct_lit(&mut w, "E", &["ioctl: \"get\"".into(), "errno".into()], "");
        struct_lit(&mut w, "Self", &[], "");
        assert_eq!(
            w.finish(),
            "E { op: name, needed })\nE {\n    ioctl: \"get\",\n    errno,\n}\nSelf {}\n"
        );
    }

    #[test]
    fn chains_of_two_calls_obey_the_chain_width() {
        let mut w = RustWriter::new();
        chain(&mut w, "x: ", "f(a)", &[".map(g)".into()], ",");
        let long = "f(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa)";
        chain(
            &mut w,
            "",
            long,
            &[".map(g)".into(), ".collect()".into()],
            ",",
        );
        assert_eq!(
            w.finish(),
            format!("x: f(a).map(g),\n{long}\n    .map(g)\n    .collect(),\n")
        );
    }

    #[test]
    fn a_chain_on_a_long_call_or_with_a_long_closure() {
        let long = "x".repeat(60);
        let args = ["attrs".to_string(), long.clone()];
        let mut w = RustWriter::at_depth(4);
        call_chain(
            &mut w,
            "f: ",
            ("find", &args),
            &[".is_some()".into()],
            None,
            ",",
        );
        let expected = format!(
            "                f: find(\n                    attrs,\n                    \
             {long},\n                )\n                .is_some(),\n"
        );
        assert_eq!(w.finish(), expected);

        let body = ClosureCall {
            open: ".and_then(|p|".into(),
            body_root: format!("read_{long}(p)"),
            body_children: vec![".ok()".into()],
        };
        let args = ["attrs".to_string()];
        let mut w = RustWriter::at_depth(4);
        call_chain(&mut w, "f: ", ("find", &args), &[], Some(&body), ",");
        let out = w.finish();
        assert!(
            out.starts_with("                f: find(attrs).and_then(|p| {\n"),
            "{out}"
        );
        assert!(out.ends_with("                }),\n"), "{out}");
    }

    #[test]
    fn links_and_paths() {
        assert_eq!(doc_link(&["uapi".into()], "Submit"), "[`uapi::Submit`]");
        assert_eq!(doc_link(&["uapi".into()], "r#in"), "`uapi::r#in`");
    }
}
