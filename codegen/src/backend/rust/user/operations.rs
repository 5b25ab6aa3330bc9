//! The user crate's `operations` module, for a spec with control messages
//! (`attribute-sets` and `operations`): the numbers (operation values,
//! attribute values per set) and policy tables the kernel crate has too,
//! then owned request and reply values with `encode`/`decode`, and one
//! call function per operation over the transport ioctl.
//!
//! The transport ioctl's argument must have the members the wire contract
//! names; a spec whose transport lacks them gets the numbers, policies and
//! values but no call functions.

use super::lines::{call_line, len_of};
use super::text::struct_path;
use crate::backend::rust::RustScalar;
use crate::backend::rust::control::{
    self, Kind, has_operations, i128_lit, kind, op_const, op_policy, ops, order, set_policy,
    transport,
};
use crate::backend::rust::items::fn_sig;
use crate::backend::rust::layout::{CALL_WIDTH, ClosureCall, call_chain, call_stmt as call};
use crate::backend::rust::writer::{INDENT, MAX_WIDTH, RustWriter, doc, ident, snake_ident};
use crate::model::{Attr, AttrSet, AttrSetId, Ioctl, Model, Operation, Scalar, StructId};
use crate::names;

/// One attribute of an owned value, with what its lines repeat.
struct Field<'a> {
    a: &'a Attr,
    k: Kind,
    /// The field's identifier.
    name: String,
    /// `attr::<set>::<NAME>`.
    c: String,
}

/// rustfmt's `chain_width` (`layout`'s own is private).
const CHAIN_WIDTH: usize = 60;

/// `<field>: <find>(attrs, <const>)<children>,` as `layout::chain`
/// lays it out in its two common forms, each chain element of
/// `children` given in parts (no element ends in `?`, none has a space
/// outside its parentheses, and each call in them takes at most one
/// argument, its commas all inside parentheses). On one line when the
/// line fits, a chain of more than one element is within `chain_width`
/// and the root's two arguments within `fn_call_width`; otherwise, when
/// the root fits on its line and each element on a line of its own one
/// level in, so. False, writing nothing, for any other layout.
fn find_lines(w: &mut RustWriter, f: &Field<'_>, find: &str, children: &[&[&str]]) -> bool {
    let args_len = "attrs, ".len() + f.c.len();
    if args_len > CALL_WIDTH {
        // The root breaks its arguments in either form.
        return false;
    }
    let root_len = find.len() + 1 + args_len + 1;
    let body_len = root_len + children.iter().map(|c| len_of(c)).sum::<usize>();
    let n = children.len();
    if w.fits_len(f.name.len() + 2 + body_len + 1) && (n <= 1 || body_len <= CHAIN_WIDTH) {
        w.begin_line();
        w.push_parts(&[&f.name, ": ", find, "(attrs, ", &f.c, ")"]);
        for c in children {
            w.push_parts(c);
        }
        w.push_parts(&[","]);
        w.end_line();
        return true;
    }
    // Broken: the root on its line, each element on its own one level
    // in (the last with the comma).
    let at = w.indent() + INDENT.len();
    if !w.fits_len(f.name.len() + 2 + root_len)
        || children
            .iter()
            .enumerate()
            .any(|(i, c)| at + len_of(c) + usize::from(i + 1 == n) > MAX_WIDTH)
    {
        return false;
    }
    w.line_of(&[&f.name, ": ", find, "(attrs, ", &f.c, ")"]);
    w.indent_in();
    for (i, c) in children.iter().enumerate() {
        let tail = if i + 1 == n { "," } else { "" };
        w.begin_line();
        w.push_parts(c);
        w.push_parts(&[tail]);
        w.end_line();
    }
    w.indent_out();
    true
}

fn owned_ident(set: &str) -> String {
    // Asked for often: pushed into a buffer of about the right size,
    // not formatted.
    let mut s = String::with_capacity(set.len() + 7);
    names::push_pascal(&mut s, set);
    s.push_str("Attrs");
    s
}

fn request_ident(op: &Operation) -> String {
    // Asked for often: pushed into a buffer of about the right size,
    // not formatted.
    let mut s = String::with_capacity(op.name.len() + 9);
    names::push_pascal(&mut s, &op.name);
    s.push_str("Request");
    s
}

fn reply_ident(op: &Operation) -> String {
    // Asked for often: pushed into a buffer of about the right size,
    // not formatted.
    let mut s = String::with_capacity(op.name.len() + 7);
    names::push_pascal(&mut s, &op.name);
    s.push_str("Reply");
    s
}

/// Appends the `operations` module, if the spec has control messages.
pub(super) fn module(w: &mut RustWriter, m: &Model) {
    if !has_operations(m) {
        return;
    }
    let g = Ops { model: m };
    doc(
        w,
        &format!(
            "Control messages of the `{}` spec: operation and attribute values, policies, \
             owned request and reply values, and one function per operation that sends it \
             through the transport ioctl.",
            m.name
        ),
    );
    w.open("pub mod operations");
    w.lines(USES);
    control::numbers(w, m);
    g.policies(w);
    g.values(w);
    if let Some(io) = transport(m) {
        g.calls(w, io);
    }
    w.close("");
}

/// The imports of every `operations` module.
const USES: &str = "\
#[allow(unused_imports)]
use super::{CallError, Errno, Transport};
pub use uabi_runtime::nla::{self, OpError};
#[allow(unused_imports)]
use uabi_runtime::zerocopy::{FromBytes, IntoBytes};";

struct Ops<'a> {
    model: &'a Model,
}

impl Ops<'_> {
    /// A struct's type from the crate root (`uapi::FwRequest`).
    fn struct_ty(&self, id: &StructId) -> String {
        struct_path(self.model, id)
    }

    fn owned_ident(&self, set: &AttrSetId) -> String {
        owned_ident(&self.model.attr_set(set).name)
    }

    // ------------------------------------------------------------ numbers

    // ------------------------------------------------------------ policies

    /// One policy per set, then a request and a reply policy per operation.
    fn policies(&self, w: &mut RustWriter) {
        for set in &self.model.attribute_sets {
            doc(
                w,
                &format!(
                    "Every attribute of the `{}` set: the policy of a nest of it.",
                    set.name
                ),
            );
            let attrs: Vec<&Attr> = set.attributes.iter().collect();
            self.policy(w, &set_policy(&set.name), &set.name, &attrs);
        }
        for op in ops(self.model) {
            for (reply, what) in [(false, "request"), (true, "reply")] {
                doc(
                    w,
                    &format!(
                        "The attributes of a `{}` {what}: those its `do` lists.",
                        op.name
                    ),
                );
                let attrs = control::op_attrs(self.model, op, reply)
                    .map(|(_, attrs)| attrs)
                    .unwrap_or_default();
                let id = op_policy(op, &what.to_uppercase());
                self.policy(w, &id, &format!("{} {what}", op.name), &attrs);
            }
        }
    }

    /// `pub static <id>: nla::Policy = ...` over the entries of `attrs`.
    fn policy(&self, w: &mut RustWriter, id: &str, name: &str, attrs: &[&Attr]) {
        // The entries are written as they are made: only their number
        // decides the brackets.
        let entries: Vec<(&Attr, Kind)> = attrs
            .iter()
            .filter_map(|a| kind(a).map(|k| (*a, k)))
            .collect();
        w.open_fmt(format_args!("pub static {id}: nla::Policy = nla::Policy"));
        w.line_fmt(format_args!("name: {name:?},"));
        match entries.as_slice() {
            [] => w.line("attrs: &[],"),
            // A single element overflows into the array's brackets.
            [(a, k)] => {
                w.open("attrs: &[nla::AttrPolicy");
                self.entry_body(w, a, k);
                w.close("],");
            }
            _ => {
                w.line("attrs: &[");
                w.indent_in();
                for (a, k) in &entries {
                    w.open("nla::AttrPolicy");
                    self.entry_body(w, a, k);
                    w.close(",");
                }
                w.indent_out();
                w.line("],");
            }
        }
        w.close(";");
    }

    /// The lines inside `nla::AttrPolicy { .. }` of one attribute: its
    /// fields (`name: value`; `name: Some(value)` breaks as a call does),
    /// then the functional update from `AttrPolicy::new`.
    fn entry_body(&self, w: &mut RustWriter, a: &Attr, k: &Kind) {
        let some = |w: &mut RustWriter, name: &str, value: &str| {
            call_line(w, &[name, ": Some"], &[value], ",");
        };
        if a.byte_order.is_some() {
            w.line_of(&["order: ", order(a), ","]);
        }
        w.line_fmt(format_args!("since: {},", a.since));
        if a.multi_attr {
            w.line("multi: true,");
        }
        if let Kind::Int(s) = k {
            self.int_checks(w, a, *s);
        }
        let lit = |v: u64| v.min(u64::from(u32::MAX)).to_string();
        if let Some(v) = a.min_len {
            some(w, "min_len", &lit(v));
        }
        if let Some(v) = a.max_len {
            some(w, "max_len", &lit(v));
        }
        match k {
            Kind::Bin(Some(s)) => some(
                w,
                "exact_len",
                &format!(
                    "core::mem::size_of::<crate::{}>() as u32",
                    self.struct_ty(s)
                ),
            ),
            Kind::Int(_) | Kind::Flag | Kind::Str | Kind::Bin(None) | Kind::Nest(_) => {
                if let Some(v) = a.exact_len.or(a.len) {
                    some(w, "exact_len", &lit(v));
                }
            }
        }
        if let Kind::Nest(set) = k {
            let set = &self.model.attr_set(set).name;
            some(w, "nested", &format!("&{}", set_policy(set)));
        }
        let name = format!("{:?}", a.name);
        let value = (a.value as u16).to_string();
        let ty = control::policy_type(k);
        call_line(w, &["..nla::AttrPolicy::new"], &[&name, &value, &ty], "");
    }

    /// The range and value checks of an integer attribute.
    fn int_checks(&self, w: &mut RustWriter, a: &Attr, s: Scalar) {
        if a.min.is_some() || a.max.is_some() {
            let (lo, hi) = s.bounds();
            let range = format!(
                "({}, {})",
                i128_lit(a.min.unwrap_or(lo)),
                i128_lit(a.max.unwrap_or(hi))
            );
            call_line(w, &["range: Some"], &[&range], ",");
        }
        if let Some(values) = a
            .enum_
            .as_ref()
            .map(|c| control::policy_values(self.model, c))
        {
            field_line(w, &values);
        }
    }

    // ------------------------------------------------------------ values

    /// An owned value per attribute set, and a request and a reply value
    /// per operation.
    fn values(&self, w: &mut RustWriter) {
        for set in &self.model.attribute_sets {
            let all: Vec<&Attr> = set.attributes.iter().collect();
            let d = format!("The attributes of a nest of the `{}` set.", set.name);
            self.owned(w, &owned_ident(&set.name), &d, set, &all);
        }
        for op in ops(self.model) {
            let (Some((set, req)), Some((_, rep))) = (
                control::op_attrs(self.model, op, false),
                control::op_attrs(self.model, op, true),
            ) else {
                continue;
            };
            let d = format!("The request of `{}`.", op.name);
            self.owned(w, &request_ident(op), &d, set, &req);
            let d = format!("The reply of `{}`.", op.name);
            self.owned(w, &reply_ident(op), &d, set, &rep);
        }
    }

    /// An owned struct holding `attrs` of `set`, with encode and decode.
    fn owned(&self, w: &mut RustWriter, id: &str, d: &str, set: &AttrSet, attrs: &[&Attr]) {
        // Each attribute's field and constant, built once for the struct,
        // `encode` and `decode`.
        let set_snake = snake_ident(&set.name);
        let attrs: Vec<Field<'_>> = attrs
            .iter()
            .filter_map(|a| {
                kind(a).map(|k| Field {
                    a,
                    k,
                    name: snake_ident(&a.name),
                    c: Self::attr_const(&set_snake, a),
                })
            })
            .collect();
        doc(w, d);
        w.line("#[derive(Debug, Clone, Default, PartialEq)]");
        if attrs.is_empty() {
            w.line_fmt(format_args!("pub struct {id} {{}}"));
        } else {
            w.open_fmt(format_args!("pub struct {id}"));
            for f in &attrs {
                match &f.a.doc {
                    Some(text) => doc(w, text),
                    None => doc(w, &format!("`{}`.", f.a.name)),
                }
                w.line_fmt(format_args!(
                    "pub {}: {},",
                    f.name,
                    self.field_ty(f.a, &f.k)
                ));
            }
            w.close("");
        }
        w.open_fmt(format_args!("impl {id}"));
        w.line("/// Appends the attributes that are set.");
        w.open("pub fn encode(&self, w: &mut nla::Writer<'_>)");
        if attrs.is_empty() {
            w.line("let _ = w;");
        }
        for f in &attrs {
            self.encode_attr(w, f);
        }
        w.close("");
        w.line("/// Reads the attributes of a validated message part; unknown");
        w.line("/// ones are ignored.");
        w.open("pub fn decode(attrs: &[u8]) -> Self");
        if attrs.is_empty() {
            w.line("let _ = attrs;");
            w.line("Self {}");
        } else {
            w.open("Self");
            for f in &attrs {
                self.decode_attr(w, f);
            }
            w.close("");
        }
        w.close("");
        w.close("");
    }

    /// `attr::<set>::<NAME>`, `set_snake` being the set's snake identifier.
    fn attr_const(set_snake: &str, a: &Attr) -> String {
        let name = ident(&names::upper(&a.name));
        let mut c = String::with_capacity(8 + set_snake.len() + name.len());
        c.extend(["attr::", set_snake, "::", &name]);
        c
    }

    /// The Rust type of one value of an attribute.
    fn value_ty(&self, a: &Attr, k: &Kind) -> String {
        match k {
            Kind::Int(s) => s.rust().to_string(),
            Kind::Flag => "bool".to_string(),
            Kind::Str => "String".to_string(),
            Kind::Bin(None) => "Vec<u8>".to_string(),
            Kind::Bin(Some(s)) => format!("crate::{}", self.struct_ty(s)),
            Kind::Nest(n) if a.multi_attr => self.owned_ident(n),
            Kind::Nest(n) => format!("Box<{}>", self.owned_ident(n)),
        }
    }

    /// The field's type: a flag is a bool, a repeated attribute a Vec,
    /// any other an Option.
    fn field_ty(&self, a: &Attr, k: &Kind) -> String {
        let ty = self.value_ty(a, k);
        match k {
            Kind::Flag => ty,
            _ if a.multi_attr => format!("Vec<{ty}>"),
            _ => format!("Option<{ty}>"),
        }
    }

    /// The statements appending one value `v` of an attribute.
    fn put(&self, w: &mut RustWriter, c: &str, a: &Attr, k: &Kind) {
        match k {
            Kind::Int(s) => call_line(w, &["w.put_", s.name()], &[c, "*v", order(a)], ";"),
            Kind::Flag => call_line(w, &["w.put_flag"], &[c], ";"),
            Kind::Str => {
                let max = match a.max_len {
                    Some(n) => format!("Some({n})"),
                    None => "None".to_string(),
                };
                call_line(w, &["w.put_str"], &[c, "v.as_bytes()", &max], ";");
            }
            Kind::Bin(None) => call_line(w, &["w.put"], &[c, "v"], ";"),
            Kind::Bin(Some(_)) => call_line(w, &["w.put"], &[c, "IntoBytes::as_bytes(v)"], ";"),
            Kind::Nest(_) => {
                call_line(w, &["let n = w.nest_start"], &[c], ";");
                w.line("v.encode(w);");
                w.line("w.nest_end(n);");
            }
        }
    }

    fn encode_attr(&self, w: &mut RustWriter, f: &Field<'_>) {
        let (a, k, name) = (f.a, &f.k, f.name.as_str());
        if let Kind::Flag = k {
            w.open_of(&["if self.", name]);
            self.put(w, &f.c, a, k);
            w.close("");
            return;
        }
        if a.multi_attr {
            w.open_of(&["for v in &self.", name]);
        } else {
            w.open_of(&["if let Some(v) = &self.", name]);
        }
        self.put(w, &f.c, a, k);
        w.close("");
    }

    /// What reads one payload `p` (a root and the calls chained on it),
    /// and whether it may fail (an Option).
    fn read(&self, a: &Attr, k: &Kind) -> (String, Vec<String>, bool) {
        let plain = |root: String, fallible| (root, Vec::new(), fallible);
        match k {
            Kind::Int(s) => plain(format!("nla::get_{}(p, {})", s.name(), order(a)), true),
            Kind::Flag => plain(String::new(), false),
            Kind::Str => (
                "String::from_utf8_lossy(nla::get_str(p))".to_string(),
                vec![".into_owned()".to_string()],
                false,
            ),
            Kind::Bin(None) => ("p".to_string(), vec![".to_vec()".to_string()], false),
            Kind::Bin(Some(s)) => (
                format!(
                    "<crate::{} as FromBytes>::read_from_bytes(p)",
                    self.struct_ty(s)
                ),
                vec![".ok()".to_string()],
                true,
            ),
            Kind::Nest(n) if a.multi_attr => {
                plain(format!("{}::decode(p)", self.owned_ident(n)), false)
            }
            Kind::Nest(n) => plain(
                format!("Box::new({}::decode(p))", self.owned_ident(n)),
                false,
            ),
        }
    }

    fn decode_attr(&self, w: &mut RustWriter, f: &Field<'_>) {
        let (a, k, c) = (f.a, &f.k, f.c.as_str());
        if let Kind::Flag = k {
            if find_lines(w, f, "nla::find", &[&[".is_some()"]]) {
                return;
            }
            let prefix = format!("{}: ", f.name);
            let args = ["attrs".to_string(), c.to_string()];
            let is_some = [".is_some()".to_string()];
            call_chain(w, &prefix, ("nla::find", &args), &is_some, None, ",");
            return;
        }
        let (body_root, body_children, fallible) = self.read(a, k);
        // The read's text in parts: the root and at most one call on it.
        let child = body_children.first().map_or("", String::as_str);
        if body_children.len() <= 1 {
            let nest = match k {
                Kind::Nest(n) if a.multi_attr => Some(self.owned_ident(n)),
                Kind::Int(_) | Kind::Flag | Kind::Str | Kind::Bin(_) | Kind::Nest(_) => None,
            };
            let done = if a.multi_attr {
                match &nest {
                    Some(n) => find_lines(
                        w,
                        f,
                        "nla::find_all",
                        &[&[".map(", n, "::decode)"], &[".collect()"]],
                    ),
                    None => {
                        let open = if fallible {
                            ".filter_map(|p| "
                        } else {
                            ".map(|p| "
                        };
                        find_lines(
                            w,
                            f,
                            "nla::find_all",
                            &[&[open, &body_root, child, ")"], &[".collect()"]],
                        )
                    }
                }
            } else {
                let open = if fallible {
                    ".and_then(|p| "
                } else {
                    ".map(|p| "
                };
                find_lines(w, f, "nla::find", &[&[open, &body_root, child, ")"]])
            };
            if done {
                return;
            }
        }
        let prefix = format!("{}: ", f.name);
        let args = ["attrs".to_string(), c.to_string()];
        let d = format!("{body_root}{}", body_children.concat());
        if a.multi_attr {
            let read = match k {
                // A function path, not a closure (clippy's redundant_closure).
                Kind::Nest(n) => format!(".map({}::decode)", self.owned_ident(n)),
                _ if fallible => format!(".filter_map(|p| {d})"),
                _ => format!(".map(|p| {d})"),
            };
            let children = [read, ".collect()".to_string()];
            call_chain(w, &prefix, ("nla::find_all", &args), &children, None, ",");
        } else {
            let read = if fallible { "and_then" } else { "map" };
            let last = ClosureCall {
                open: format!(".{read}(|p|"),
                body_root,
                body_children,
            };
            call_chain(w, &prefix, ("nla::find", &args), &[], Some(&last), ",");
        }
    }

    // ------------------------------------------------------------ calls

    /// `send`, `send_raw`, the shared `call`, and one function per
    /// operation, over the transport ioctl `io`.
    fn calls(&self, w: &mut RustWriter, io: &Ioctl) {
        // `control::transport` gives only an ioctl with an argument.
        let Some(arg) = &io.arg else {
            return;
        };
        let arg = self.struct_ty(arg);
        let text = include_str!("calls.rs.in")
            .replace("{ARG}", &arg)
            .replace("{CONTROL}", &snake_ident(&io.name))
            .replace("{TRANSPORT}", &io.name);
        w.lines(&text);
        for op in ops(self.model) {
            if control::op_attrs(self.model, op, false).is_some() {
                self.op_call(w, io, op);
            }
        }
    }

    fn op_call(&self, w: &mut RustWriter, io: &Ioctl, op: &Operation) {
        let rp = op_policy(op, "REPLY");
        let mut d = vec![
            op.doc
                .clone()
                .unwrap_or_else(|| format!("Operation `{}`.", op.name)),
        ];
        d.push(format!(
            "Sends `req` through `{}` and returns the reply, validated against [`{rp}`] \
             (attributes it does not know are skipped). Since revision {}; an older \
             `driver_revision` is [`OpError::Unsupported`] without a call. A reply \
             larger than the first buffer is fetched once more with the size the \
             driver asked for.{}",
            io.name,
            op.since,
            if op.admin_perm {
                " admin-perm: an unprivileged caller gets EPERM."
            } else {
                ""
            }
        ));
        doc(w, &d.join("\n"));
        let (r, p) = (request_ident(op), reply_ident(op));
        let params = [
            "t: &T".to_string(),
            "driver_revision: u32".to_string(),
            format!("req: &{r}"),
        ];
        let head = format!("pub fn {}<T: Transport + ?Sized>", snake_ident(&op.name));
        let ret = format!("Result<{p}, OpError>");
        fn_sig(w, &head, &params, Some(&ret), " {");
        let args = [
            "t".to_string(),
            "driver_revision".to_string(),
            format!("{:?}", op.name),
            op_const(op),
            op.since.to_string(),
            "&|w| req.encode(w)".to_string(),
            format!("&{rp}"),
        ];
        call(w, "let reply = call", &args, "?;");
        // `Ok`'s one argument overflows its parentheses.
        w.line_fmt(format_args!("Ok({p}::decode("));
        w.indent_in();
        w.line("reply.get(nla::MSG_HDRLEN..).unwrap_or_default(),");
        w.indent_out();
        w.line("))");
        w.close("");
    }
}

/// One field line of a policy entry: `name: Some(value)` breaks as a
/// call does.
fn field_line(w: &mut RustWriter, f: &str) {
    let some = f
        .split_once(": Some(")
        .and_then(|(name, rest)| Some((name, rest.strip_suffix(')')?)));
    match some {
        Some((name, value)) => call_line(w, &[name, ": Some"], &[value], ","),
        None => w.line_of(&[f, ","]),
    }
}
