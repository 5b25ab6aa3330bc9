//! The user crate's `operations` module, for a spec with control messages
//! (`attribute-sets` and `operations`): the numbers (operation values,
//! attribute values per set) and policy tables the kernel crate has too,
//! then owned request and reply values with `encode`/`decode`, and one
//! call function per operation over the transport ioctl.
//!
//! The transport ioctl's argument must have the members the wire contract
//! names; a spec whose transport lacks them gets the numbers, policies and
//! values but no call functions.

use super::text::struct_path;
use crate::backend::rust::RustScalar;
use crate::backend::rust::control::{
    self, Kind, has_operations, i128_lit, kind, op_const, op_policy, ops, order, set_policy,
    transport,
};
use crate::backend::rust::items::fn_sig;
use crate::backend::rust::layout::{ClosureCall, call_chain, call_stmt as call};
use crate::backend::rust::writer::{RustWriter, doc, ident, snake_ident};
use crate::model::{Attr, AttrSet, AttrSetId, Ioctl, Model, Operation, Scalar, StructId};
use crate::names;

fn owned_ident(set: &str) -> String {
    format!("{}Attrs", names::pascal(set))
}

fn request_ident(op: &Operation) -> String {
    format!("{}Request", names::pascal(&op.name))
}

fn reply_ident(op: &Operation) -> String {
    format!("{}Reply", names::pascal(&op.name))
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
        let entries: Vec<(Vec<String>, Vec<String>)> =
            attrs.iter().filter_map(|a| self.entry(a)).collect();
        w.open_fmt(format_args!("pub static {id}: nla::Policy = nla::Policy"));
        w.line_fmt(format_args!("name: {name:?},"));
        match entries.as_slice() {
            [] => w.line("attrs: &[],"),
            // A single element overflows into the array's brackets.
            [(fields, new_args)] => {
                w.open("attrs: &[nla::AttrPolicy");
                entry_body(w, fields, new_args);
                w.close("],");
            }
            _ => {
                w.line("attrs: &[");
                w.indent_in();
                for (fields, new_args) in &entries {
                    w.open("nla::AttrPolicy");
                    entry_body(w, fields, new_args);
                    w.close(",");
                }
                w.indent_out();
                w.line("],");
            }
        }
        w.close(";");
    }

    /// The policy entry of one attribute: its fields (`name: value`) and
    /// the arguments of the `AttrPolicy::new` it updates.
    fn entry(&self, a: &Attr) -> Option<(Vec<String>, Vec<String>)> {
        let k = kind(a)?;
        let ty = control::policy_type(&k);
        let mut fields = Vec::new();
        if a.byte_order.is_some() {
            fields.push(format!("order: {}", order(a)));
        }
        fields.push(format!("since: {}", a.since));
        if a.multi_attr {
            fields.push("multi: true".to_string());
        }
        if let Kind::Int(s) = &k {
            self.int_checks(a, *s, &mut fields);
        }
        let lit = |v: u64| v.min(u64::from(u32::MAX));
        if let Some(v) = a.min_len {
            fields.push(format!("min_len: Some({})", lit(v)));
        }
        if let Some(v) = a.max_len {
            fields.push(format!("max_len: Some({})", lit(v)));
        }
        match &k {
            Kind::Bin(Some(s)) => fields.push(format!(
                "exact_len: Some(core::mem::size_of::<crate::{}>() as u32)",
                self.struct_ty(s)
            )),
            _ => {
                if let Some(v) = a.exact_len.or(a.len) {
                    fields.push(format!("exact_len: Some({})", lit(v)));
                }
            }
        }
        if let Kind::Nest(set) = &k {
            let set = &self.model.attr_set(set).name;
            fields.push(format!("nested: Some(&{})", set_policy(set)));
        }
        let new_args = vec![format!("{:?}", a.name), (a.value as u16).to_string(), ty];
        Some((fields, new_args))
    }

    /// The range and value checks of an integer attribute.
    fn int_checks(&self, a: &Attr, s: Scalar, fields: &mut Vec<String>) {
        if a.min.is_some() || a.max.is_some() {
            let (lo, hi) = s.bounds();
            fields.push(format!(
                "range: Some(({}, {}))",
                i128_lit(a.min.unwrap_or(lo)),
                i128_lit(a.max.unwrap_or(hi))
            ));
        }
        if let Some(values) = a
            .enum_
            .as_ref()
            .map(|c| control::policy_values(self.model, c))
        {
            fields.push(values);
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
        let attrs: Vec<(&Attr, Kind)> = attrs
            .iter()
            .filter_map(|a| kind(a).map(|k| (*a, k)))
            .collect();
        doc(w, d);
        w.line("#[derive(Debug, Clone, Default, PartialEq)]");
        if attrs.is_empty() {
            w.line_fmt(format_args!("pub struct {id} {{}}"));
        } else {
            w.open_fmt(format_args!("pub struct {id}"));
            for (a, k) in &attrs {
                doc(
                    w,
                    &a.doc.clone().unwrap_or_else(|| format!("`{}`.", a.name)),
                );
                w.line_fmt(format_args!(
                    "pub {}: {},",
                    snake_ident(&a.name),
                    self.field_ty(a, k)
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
        for (a, k) in &attrs {
            self.encode_attr(w, set, a, k);
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
            for (a, k) in &attrs {
                self.decode_attr(w, set, a, k);
            }
            w.close("");
        }
        w.close("");
        w.close("");
    }

    /// `attr::<set>::<NAME>`.
    fn attr_const(set: &AttrSet, a: &Attr) -> String {
        format!(
            "attr::{}::{}",
            snake_ident(&set.name),
            ident(&names::upper(&a.name))
        )
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
            Kind::Int(s) => call(
                w,
                &format!("w.put_{}", s.name()),
                &[c.to_string(), "*v".to_string(), order(a).to_string()],
                ";",
            ),
            Kind::Flag => call(w, "w.put_flag", &[c.to_string()], ";"),
            Kind::Str => {
                let max = match a.max_len {
                    Some(n) => format!("Some({n})"),
                    None => "None".to_string(),
                };
                call(
                    w,
                    "w.put_str",
                    &[c.to_string(), "v.as_bytes()".to_string(), max],
                    ";",
                );
            }
            Kind::Bin(None) => call(w, "w.put", &[c.to_string(), "v".to_string()], ";"),
            Kind::Bin(Some(_)) => call(
                w,
                "w.put",
                &[c.to_string(), "IntoBytes::as_bytes(v)".to_string()],
                ";",
            ),
            Kind::Nest(_) => {
                call(w, "let n = w.nest_start", &[c.to_string()], ";");
                w.line("v.encode(w);");
                w.line("w.nest_end(n);");
            }
        }
    }

    fn encode_attr(&self, w: &mut RustWriter, set: &AttrSet, a: &Attr, k: &Kind) {
        let f = snake_ident(&a.name);
        let c = Self::attr_const(set, a);
        if let Kind::Flag = k {
            w.open_fmt(format_args!("if self.{f}"));
            self.put(w, &c, a, k);
            w.close("");
            return;
        }
        if a.multi_attr {
            w.open_fmt(format_args!("for v in &self.{f}"));
        } else {
            w.open_fmt(format_args!("if let Some(v) = &self.{f}"));
        }
        self.put(w, &c, a, k);
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

    fn decode_attr(&self, w: &mut RustWriter, set: &AttrSet, a: &Attr, k: &Kind) {
        let prefix = format!("{}: ", snake_ident(&a.name));
        let args = ["attrs".to_string(), Self::attr_const(set, a)];
        if let Kind::Flag = k {
            let is_some = [".is_some()".to_string()];
            call_chain(w, &prefix, ("nla::find", &args), &is_some, None, ",");
            return;
        }
        let (body_root, body_children, fallible) = self.read(a, k);
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

/// The lines inside `nla::AttrPolicy { .. }`: the fields, then the
/// functional update from `AttrPolicy::new`.
fn entry_body(w: &mut RustWriter, fields: &[String], new_args: &[String]) {
    for f in fields {
        // `name: Some(value)` breaks as a call does.
        let some = f
            .split_once(": Some(")
            .and_then(|(name, rest)| Some((name, rest.strip_suffix(')')?)));
        match some {
            Some((name, value)) => call(w, &format!("{name}: Some"), &[value.to_string()], ","),
            None => w.line_fmt(format_args!("{f},")),
        }
    }
    call(w, "..nla::AttrPolicy::new", new_args, "");
}
