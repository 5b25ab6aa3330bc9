//! The kernel crate's control messages (`attribute-sets` and
//! `operations`): the `operations` module (operation and attribute
//! values, policies, the check of each struct a binary attribute carries,
//! typed request views and reply builders); `transport` has the `op_*`
//! methods of `Ops` and the transport ioctl's handler tail.
//!
//! The user crate's side is in `backend::rust::netlink`; the two share
//! the wire numbers and policies, printed here the way that module
//! builds them.

use super::two::Tw;
use super::{Gen, doc};
use crate::backend::rust::control::{
    self, Kind, i128_lit, kind, op_policy, ops, order, set_policy,
};
use crate::backend::rust::items::{self, str_lit};
use crate::backend::rust::layout::{self, let_chain, put};
use crate::backend::rust::writer::{RustWriter, ident, snake_ident};
use crate::backend::rust::{Flavour, RustScalar};
use crate::backend::shared::PushFmt;
use crate::model::{Attr, AttrSet, Operation, StructId};
use crate::names;

fn view_ident(set: &str) -> String {
    // Asked for often: pushed into a buffer of about the right size,
    // not formatted.
    let mut s = String::with_capacity(set.len() + 7);
    names::push_pascal(&mut s, set);
    s.push_str("Attrs");
    s
}

fn builder_ident(set: &str) -> String {
    // Asked for often: pushed into a buffer of about the right size,
    // not formatted.
    let mut s = String::with_capacity(set.len() + 9);
    names::push_pascal(&mut s, set);
    s.push_str("Builder");
    s
}

pub(super) fn request_ident(op: &Operation) -> String {
    // Asked for often: pushed into a buffer of about the right size,
    // not formatted.
    let mut s = String::with_capacity(op.name.len() + 9);
    names::push_pascal(&mut s, &op.name);
    s.push_str("Request");
    s
}

pub(super) fn reply_ident(op: &Operation) -> String {
    // Asked for often: pushed into a buffer of about the right size,
    // not formatted.
    let mut s = String::with_capacity(op.name.len() + 7);
    names::push_pascal(&mut s, &op.name);
    s.push_str("Reply");
    s
}

fn check_fn(name: &str) -> String {
    format!("check_{}", names::snake(name))
}

/// The view methods every view has (before its accessors).
const VIEW_METHODS: &str = "\
/// The attributes as they came (validated).
pub fn as_bytes(&self) -> &'a [u8] {
    self.attrs
}
/// The revision the attributes were validated at (the driver's).
pub fn revision(&self) -> u32 {
    self.rev
}
/// The attributes as a driver of [`Self::revision`] sees those
/// added in revision `since`: none when it is older (it skipped
/// them as unknown, which it does only for optional ones).
pub fn as_bytes_at(&self, since: u32) -> &'a [u8] {
    if self.rev >= since { self.attrs } else { &[] }
}";

/// The same in rustfmt's style edition 2021 (the kernel's `.rustfmt.toml`
/// says `edition = "2021"`), which breaks the short `if` of `as_bytes_at`.
const VIEW_METHODS_2021: &str = "\
/// The attributes as they came (validated).
pub fn as_bytes(&self) -> &'a [u8] {
    self.attrs
}
/// The revision the attributes were validated at (the driver's).
pub fn revision(&self) -> u32 {
    self.rev
}
/// The attributes as a driver of [`Self::revision`] sees those
/// added in revision `since`: none when it is older (it skipped
/// them as unknown, which it does only for optional ones).
pub fn as_bytes_at(&self, since: u32) -> &'a [u8] {
    if self.rev >= since {
        self.attrs
    } else {
        &[]
    }
}";

impl Gen<'_> {
    /// `attr::<set>::<NAME>`.
    fn attr_const(&self, set: &AttrSet, a: &Attr) -> String {
        // Asked for by every accessor and builder method: concatenated,
        // not formatted.
        [
            "attr::",
            &snake_ident(&set.name),
            "::",
            &ident(&names::upper(&a.name)),
        ]
        .concat()
    }

    /// The `operations` module, and nothing for a spec without control
    /// messages.
    ///
    /// The flavours differ in its `use`s, the struct checks and where a
    /// binary attribute's struct is read or written; the rest is printed
    /// once for both.
    pub(super) fn operations(&self, tw: &mut Tw) {
        let m = self.model;
        if !control::has_operations(m) {
            return;
        }
        let w = tw.w();
        doc(
            w,
            &format!(
                "Control messages of the `{}` spec: operation and attribute values, the \
                 policy every request is validated against, typed request views and reply \
                 builders for the [`Ops`] methods of the operations.",
                m.name
            ),
        );
        w.open("pub mod operations");
        self.split(tw, |w| match self.flavour.get() {
            Flavour::Hosted => w.lines(
                "#[allow(unused_imports)]\n\
                 use crate::Errno;\n\
                 #[allow(unused_imports)]\n\
                 use uabi_runtime::nla;\n\
                 #[allow(unused_imports)]\n\
                 use uabi_runtime::zerocopy::{FromBytes, IntoBytes};",
            ),
            Flavour::Linux => w.lines(
                // Style edition 2021 sorts snake_case before CamelCase.
                "#[allow(unused_imports)]\n\
                 use crate::uabi_rt::nla;\n\
                 #[allow(unused_imports)]\n\
                 use crate::uabi_rt::Errno;",
            ),
        });
        control::numbers(tw.w(), self.model);
        self.policies(tw);
        self.split(tw, |w| self.struct_checks(w));
        for set in &m.attribute_sets {
            let all: Vec<&Attr> = set.attributes.iter().collect();
            let v = view_ident(&set.name);
            let w = tw.w();
            doc(
                w,
                &format!(
                    "A validated nest of the `{}` set, borrowed from the request.",
                    set.name
                ),
            );
            view_struct(w, &v);
            w.open_fmt(format_args!("impl<'a> {v}<'a>"));
            self.accessors(tw, set, &all);
            let w = tw.w();
            w.close("");
            doc(
                w,
                &format!("Writes the attributes of a nest of the `{}` set.", set.name),
            );
            let b = builder_ident(&set.name);
            builder_struct(w, &b);
            w.open_fmt(format_args!("impl<'b> {b}<'_, 'b>"));
            self.builder_methods(tw, set, &all);
            tw.w().close("");
        }
        for op in ops(m) {
            self.op_items(tw, op);
        }
        tw.w().close("");
    }

    /// One policy per set, one per operation's request and reply.
    fn policies(&self, tw: &mut Tw) {
        let m = self.model;
        for set in &m.attribute_sets {
            doc(
                tw.w(),
                &format!(
                    "Every attribute of the `{}` set: the policy of a nest of it.",
                    set.name
                ),
            );
            let attrs: Vec<&Attr> = set.attributes.iter().collect();
            self.policy(tw, &set_policy(&set.name), &set.name, &attrs);
        }
        for op in ops(m) {
            for reply in [false, true] {
                let (id, what) = if reply {
                    (op_policy(op, "REPLY"), "reply")
                } else {
                    (op_policy(op, "REQUEST"), "request")
                };
                let attrs = control::op_attrs(self.model, op, reply)
                    .map(|(_, attrs)| attrs)
                    .unwrap_or_default();
                doc(
                    tw.w(),
                    &format!(
                        "The attributes of a `{}` {what}: those its `do` lists.",
                        op.name
                    ),
                );
                self.policy(tw, &id, &format!("{} {what}", op.name), &attrs);
            }
        }
    }

    /// `pub static <id>: nla::Policy = nla::Policy { .. };`, which
    /// differs between the flavours only in the entries of binary
    /// attributes that carry a struct (their path is the flavour's).
    fn policy(&self, tw: &mut Tw, id: &str, name: &str, attrs: &[&Attr]) {
        // Each entry: its fields, and the kernel flavour's too for an
        // attribute that carries a struct (whose size each flavour names
        // from its own root).
        let entries: Vec<(Vec<String>, Option<Vec<String>>)> = attrs
            .iter()
            .filter_map(|a| {
                let hosted = self.as_flavour(Flavour::Hosted, || self.entry(a))?;
                let linux = carries_struct(a)
                    .then(|| self.as_flavour(Flavour::Linux, || self.entry(a)))
                    .flatten();
                Some((hosted, linux))
            })
            .collect();
        let entry_fields =
            |tw: &mut Tw, (hosted, linux): &(Vec<String>, Option<Vec<String>>)| match linux {
                None => fields(tw.w(), hosted),
                Some(linux) => self.fields_of_both(tw, hosted, linux),
            };
        let w = tw.w();
        // A name too long for the value on its line puts it on the next.
        let head = format!("pub static {id}: nla::Policy = nla::Policy {{");
        let own_line = !w.fits(&head);
        if own_line {
            w.line_fmt(format_args!("pub static {id}: nla::Policy ="));
            w.indent_in();
            w.open("nla::Policy");
        } else {
            w.line(head);
            w.indent_in();
        }
        w.line_fmt(format_args!("name: {},", str_lit(name)));
        match entries.as_slice() {
            [] => w.line("attrs: &[],"),
            [one] => {
                // A single element overflows onto the `attrs` line.
                w.open("attrs: &[nla::AttrPolicy");
                entry_fields(tw, one);
                tw.w().close("],");
            }
            many => {
                w.line("attrs: &[");
                w.indent_in();
                for e in many {
                    tw.w().open("nla::AttrPolicy");
                    entry_fields(tw, e);
                    tw.w().close(",");
                }
                let w = tw.w();
                w.indent_out();
                w.line("],");
            }
        }
        let w = tw.w();
        w.close(";");
        if own_line {
            w.indent_out();
        }
    }

    /// [`fields`] of an entry whose fields are `hosted` in the hosted
    /// flavour and `linux` in the kernel's: those alike are printed once.
    fn fields_of_both(&self, tw: &mut Tw, hosted: &[String], linux: &[String]) {
        if hosted.len() != linux.len() {
            self.split(tw, |w| match self.flavour.get() {
                Flavour::Hosted => fields(w, hosted),
                Flavour::Linux => fields(w, linux),
            });
            return;
        }
        for (h, l) in hosted.iter().zip(linux) {
            if h == l {
                fields(tw.w(), std::slice::from_ref(h));
            } else {
                self.split(tw, |w| {
                    let field = match self.flavour.get() {
                        Flavour::Hosted => h,
                        Flavour::Linux => l,
                    };
                    fields(w, std::slice::from_ref(field));
                });
            }
        }
    }

    /// The fields of one attribute's policy entry (inside
    /// `nla::AttrPolicy { .. }`), each a line with its comma.
    fn entry(&self, a: &Attr) -> Option<Vec<String>> {
        let k = kind(a)?;
        let ty = control::policy_type(&k);
        let mut fields = Vec::new();
        if a.byte_order.is_some() {
            fields.push(format!("order: {},", order(a)));
        }
        // Every entry has one: pushed, not formatted.
        let mut since = String::with_capacity(18);
        since.push_str("since: ");
        crate::backend::shared::push_decimal(&mut since, a.since);
        since.push(',');
        fields.push(since);
        if a.multi_attr {
            fields.push("multi: true,".to_string());
        }
        if let Kind::Int(s) = &k {
            if a.min.is_some() || a.max.is_some() {
                let (lo, hi) = s.bounds();
                let lo = i128_lit(a.min.unwrap_or(lo));
                let hi = i128_lit(a.max.unwrap_or(hi));
                fields.push(format!("range: Some(({lo}, {hi})),"));
            }
            if let Some(values) = a
                .enum_
                .as_ref()
                .map(|c| control::policy_values(self.model, c))
            {
                fields.push(format!("{values},"));
            }
        }
        let lit = |v: u64| v.min(u64::from(u32::MAX));
        if let Some(v) = a.min_len {
            fields.push(format!("min_len: Some({}),", lit(v)));
        }
        if let Some(v) = a.max_len {
            fields.push(format!("max_len: Some({}),", lit(v)));
        }
        match &k {
            Kind::Bin(Some(s)) => {
                let t = self.struct_ty(s);
                let root = self.root();
                fields.push(format!(
                    "exact_len: Some(core::mem::size_of::<{root}::{t}>() as u32),"
                ));
                fields.push(format!(
                    "check: Some({}),",
                    check_fn(&self.model.struct_(s).name)
                ));
            }
            _ => {
                if let Some(v) = a.exact_len.or(a.len) {
                    fields.push(format!("exact_len: Some({}),", lit(v)));
                }
            }
        }
        if let Kind::Nest(set) = &k {
            let set = &self.model.attr_set(set).name;
            fields.push(format!("nested: Some(&{}),", set_policy(set)));
        }
        fields.push(format!(
            "..nla::AttrPolicy::new({}, {}, {ty})",
            str_lit(&a.name),
            a.value as u16
        ));
        Some(fields)
    }

    /// The structs carried by binary attributes.
    fn carried_structs(&self) -> Vec<StructId> {
        let mut out: Vec<StructId> = Vec::new();
        for set in &self.model.attribute_sets {
            for a in &set.attributes {
                if let Some(Kind::Bin(Some(s))) = kind(a)
                    && !out.contains(&s)
                {
                    out.push(s);
                }
            }
        }
        out
    }

    /// The validation of each struct a binary attribute carries, as the
    /// policy's callback.
    fn struct_checks(&self, w: &mut RustWriter) {
        for id in self.carried_structs() {
            let ty = self.struct_ty(&id);
            let s = &self.model.struct_(&id).name;
            doc(
                w,
                &format!(
                    "Copies a `{s}` out of an attribute payload (any alignment) and validates \
                     it as an ioctl argument is validated; EINVAL for a payload of another \
                     size."
                ),
            );
            items::fn_sig(
                w,
                &format!("pub fn {}", check_fn(s)),
                &["p: &[u8]".to_string(), "rev: u32".to_string()],
                Some("Result<(), Errno>"),
                " {",
            );
            let root = self.root();
            let (read, fail) = match self.flavour.get() {
                Flavour::Hosted => (
                    format!("<crate::{ty} as FromBytes>::read_from_bytes(p)"),
                    ".map_err(|_| Errno::EINVAL)?",
                ),
                Flavour::Linux => (
                    format!("crate::uabi_rt::read_exact::<{root}::{ty}>(p)"),
                    ".ok_or(Errno::EINVAL)?",
                ),
            };
            let lines = let_chain(w.indent(), "let v =", &read, &[fail.to_string()], ";");
            put(w, lines);
            if self.own_struct(&id) {
                let (v, _) = self.struct_fn("validate_{}_at", &id);
                let lines = layout::call(
                    w.indent(),
                    &format!("{root}::{v}"),
                    &["&v".to_string(), "rev".to_string()],
                    self.to_codec_errno(),
                );
                put(w, lines);
            } else {
                let (v, _) = self.struct_fn("validate_{}", &id);
                w.open("");
                w.line("let _ = rev;");
                let lines = layout::call(
                    w.indent(),
                    &format!("{root}::{v}"),
                    &["&v".to_string()],
                    self.to_codec_errno(),
                );
                put(w, lines);
                w.close("");
            }
            w.close("");
        }
    }

    /// Accessors of a borrowed view over validated attributes.
    /// The flavours differ in the view methods' style and the accessors
    /// of binary attributes that carry a struct.
    fn accessors(&self, tw: &mut Tw, set: &AttrSet, attrs: &[&Attr]) {
        self.split(tw, |w| {
            w.lines(match self.flavour.get() {
                Flavour::Hosted => VIEW_METHODS,
                Flavour::Linux => VIEW_METHODS_2021,
            });
        });
        for a in attrs {
            let Some(k) = kind(a) else {
                continue;
            };
            if matches!(k, Kind::Bin(Some(_))) {
                self.split(tw, |w| self.accessor(w, set, a, &k));
            } else {
                self.accessor(tw.w(), set, a, &k);
            }
        }
    }

    /// The accessor of attribute `a` (of kind `k`) of `set`.
    fn accessor(&self, w: &mut RustWriter, set: &AttrSet, a: &Attr, k: &Kind) {
        let f = snake_ident(&a.name);
        let c = self.attr_const(set, a);
        let o = order(a);
        let mut d = a.doc.clone().unwrap_or_else(|| format!("`{}`.", a.name));
        // Only the one the kind reads is built.
        let find_in = |fun: &str| {
            let mut s = String::with_capacity(40 + c.len());
            s.push_str("nla::");
            s.push_str(fun);
            s.push_str("(self.as_bytes_at(");
            crate::backend::shared::push_decimal(&mut s, a.since);
            s.push_str("), ");
            s.push_str(&c);
            s.push(')');
            s
        };
        let (ret, root, child) = match (k, a.multi_attr) {
            (Kind::Int(s), false) => (
                format!("Option<{}>", s.rust()),
                find_in("find"),
                Some(format!(".and_then(|p| nla::get_{}(p, {o}))", s.name())),
            ),
            (Kind::Int(s), true) => (
                format!("impl Iterator<Item = {}> + 'a", s.rust()),
                find_in("find_all"),
                Some(format!(
                    ".filter_map(move |p| nla::get_{}(p, {o}))",
                    s.name()
                )),
            ),
            (Kind::Flag, _) => (
                "bool".to_string(),
                find_in("find"),
                Some(".is_some()".to_string()),
            ),
            (Kind::Str, false) => {
                d.push_str(" The bytes before the NUL.");
                (
                    "Option<&'a [u8]>".to_string(),
                    find_in("find"),
                    Some(".map(nla::get_str)".to_string()),
                )
            }
            (Kind::Str, true) => (
                "impl Iterator<Item = &'a [u8]> + 'a".to_string(),
                find_in("find_all"),
                Some(".map(nla::get_str)".to_string()),
            ),
            (Kind::Bin(None), false) => ("Option<&'a [u8]>".to_string(), find_in("find"), None),
            (Kind::Bin(None), true) => (
                "impl Iterator<Item = &'a [u8]> + 'a".to_string(),
                find_in("find_all"),
                None,
            ),
            (Kind::Bin(Some(s)), false) => {
                let t = self.struct_ty(s);
                d.push_str(" A copy, validated with the request.");
                let root = self.root();
                (
                    format!("Option<{root}::{t}>"),
                    find_in("find"),
                    Some(match self.flavour.get() {
                        Flavour::Hosted => format!(
                            ".and_then(|p| <crate::{t} as FromBytes>::read_from_bytes(p).ok())"
                        ),
                        Flavour::Linux => {
                            format!(".and_then(crate::uabi_rt::read_exact::<{root}::{t}>)")
                        }
                    }),
                )
            }
            (Kind::Bin(Some(s)), true) => {
                let t = self.struct_ty(s);
                let root = self.root();
                (
                    format!("impl Iterator<Item = {root}::{t}> + 'a"),
                    find_in("find_all"),
                    Some(match self.flavour.get() {
                        Flavour::Hosted => format!(
                            ".filter_map(|p| <crate::{t} as FromBytes>::read_from_bytes(p).ok())"
                        ),
                        Flavour::Linux => {
                            format!(".filter_map(crate::uabi_rt::read_exact::<{root}::{t}>)")
                        }
                    }),
                )
            }
            (Kind::Nest(n), false) => {
                let v = view_ident(&self.model.attr_set(n).name);
                (
                    format!("Option<{v}<'a>>"),
                    find_in("find"),
                    Some(format!(".map(move |attrs| {v} {{ attrs, rev }})")),
                )
            }
            (Kind::Nest(n), true) => {
                let v = view_ident(&self.model.attr_set(n).name);
                (
                    format!("impl Iterator<Item = {v}<'a>> + 'a"),
                    find_in("find_all"),
                    Some(format!(".map(move |attrs| {v} {{ attrs, rev }})")),
                )
            }
        };
        doc(w, &d);
        items::fn_sig(
            w,
            &format!("pub fn {f}"),
            &["&self".to_string()],
            Some(&ret),
            " {",
        );
        if matches!(k, Kind::Nest(_)) {
            w.line("let rev = self.rev;");
        }
        let children: Vec<String> = child.into_iter().collect();
        let lines = layout::chain(w.indent(), "", &root, &children, "");
        put(w, lines);
        w.close("");
    }

    /// Methods of a builder writing the attributes `attrs` of `set`.
    /// The flavours differ only in the methods of binary attributes that
    /// carry a struct.
    fn builder_methods(&self, tw: &mut Tw, set: &AttrSet, attrs: &[&Attr]) {
        let w = tw.w();
        w.line("/// The writer underneath, for attributes no method writes.");
        w.open("pub fn writer(&mut self) -> &mut nla::Writer<'b>");
        w.line("self.w");
        w.close("");
        for a in attrs {
            let Some(k) = kind(a) else {
                continue;
            };
            if matches!(k, Kind::Bin(Some(_))) {
                self.split(tw, |w| self.builder_method(w, set, a, &k));
            } else {
                self.builder_method(tw.w(), set, a, &k);
            }
        }
    }

    /// The builder method of attribute `a` (of kind `k`) of `set`.
    fn builder_method(&self, w: &mut RustWriter, set: &AttrSet, a: &Attr, k: &Kind) {
        let f = snake_ident(&a.name);
        let c = self.attr_const(set, a);
        let o = order(a);
        let mut d = a.doc.clone().unwrap_or_else(|| format!("`{}`.", a.name));
        if a.multi_attr {
            d.push_str(" Call once per value.");
        }
        // The parameter, and the `self.w` call (None for a nest).
        let (param, put_call) = match k {
            Kind::Int(s) => (
                Some(format!("v: {}", s.rust())),
                Some(format!(".put_{}({c}, v, {o});", s.name())),
            ),
            Kind::Flag => (None, Some(format!(".put_flag({c});"))),
            Kind::Str => {
                let max = match a.max_len {
                    Some(n) => {
                        d.push_fmt(format_args!(" Truncated to {n} bytes."));
                        format!("Some({n})")
                    }
                    None => "None".to_string(),
                };
                (
                    Some("v: &str".to_string()),
                    Some(format!(".put_str({c}, v.as_bytes(), {max});")),
                )
            }
            Kind::Bin(None) => (Some("v: &[u8]".to_string()), Some(format!(".put({c}, v);"))),
            Kind::Bin(Some(s)) => (
                Some(format!("v: &{}::{}", self.root(), self.struct_ty(s))),
                Some(match self.flavour.get() {
                    Flavour::Hosted => format!(".put({c}, IntoBytes::as_bytes(v));"),
                    Flavour::Linux => format!(".put({c}, crate::uabi_rt::as_bytes(v));"),
                }),
            ),
            Kind::Nest(n) => {
                d.push_str(" `f` writes the nest's attributes.");
                (
                    Some(format!(
                        "f: impl FnOnce(&mut {}<'_, 'b>)",
                        builder_ident(&self.model.attr_set(n).name)
                    )),
                    None,
                )
            }
        };
        doc(w, &d);
        let mut params = vec!["&mut self".to_string()];
        params.extend(param);
        items::fn_sig(w, &format!("pub fn {f}"), &params, Some("&mut Self"), " {");
        match (k, put_call) {
            (Kind::Nest(n), _) => {
                let lines = layout::chain(
                    w.indent(),
                    "let n = ",
                    "self",
                    &[".w".to_string(), format!(".nest_start({c})")],
                    ";",
                );
                put(w, lines);
                w.line_fmt(format_args!(
                    "f(&mut {} {{ w: &mut *self.w }});",
                    builder_ident(&self.model.attr_set(n).name)
                ));
                w.line("self.w.nest_end(n);");
            }
            (_, Some(call)) => {
                let call = call.trim_end_matches(';').to_string();
                let lines = layout::chain(w.indent(), "", "self", &[".w".to_string(), call], ";");
                put(w, lines);
            }
            (_, None) => {}
        }
        w.line("self");
        w.close("");
    }

    /// The request view and reply builder of one operation.
    fn op_items(&self, tw: &mut Tw, op: &Operation) {
        let (Some((set, req)), Some((_, rep))) = (
            control::op_attrs(self.model, op, false),
            control::op_attrs(self.model, op, true),
        ) else {
            return;
        };
        let r = request_ident(op);
        let p = reply_ident(op);
        let rp = op_policy(op, "REQUEST");
        let w = tw.w();
        doc(
            w,
            &format!(
                "A `{}` request, validated against [`{rp}`] before the handler sees it.",
                op.name
            ),
        );
        view_struct(w, &r);
        w.open_fmt(format_args!("impl<'a> {r}<'a>"));
        w.line("/// Validates the attributes of a request (which start after the");
        w.line("/// message header) as a driver of revision `rev` does.");
        w.open("pub fn parse(attrs: &'a [u8], rev: u32) -> Result<Self, nla::Error>");
        let args: Vec<String> = [
            "attrs",
            "nla::MSG_HDRLEN",
            &format!("&{rp}"),
            "rev",
            "nla::Unknown::Reject",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        let lines = layout::call(w.indent(), "nla::validate", &args, "?;");
        put(w, lines);
        w.line("Ok(Self { attrs, rev })");
        w.close("");
        self.accessors(tw, set, &req);
        let w = tw.w();
        w.close("");
        doc(
            w,
            &format!(
                "Writes the reply of `{}`: the attributes its `do` lists, into the reply \
                 buffer (bounded by the caller's reply-cap; what does not fit makes the call \
                 EMSGSIZE with the size needed).",
                op.name
            ),
        );
        builder_struct(w, &p);
        w.open_fmt(format_args!("impl<'w, 'b> {p}<'w, 'b>"));
        w.line("/// A builder appending to `w`.");
        w.open("pub fn new(w: &'w mut nla::Writer<'b>) -> Self");
        w.line("Self { w }");
        w.close("");
        self.builder_methods(tw, set, &rep);
        tw.w().close("");
    }
}

/// Whether attribute `a` is binary and carries a struct, whose path
/// and reading differ between the flavours.
fn carries_struct(a: &Attr) -> bool {
    matches!(kind(a), Some(Kind::Bin(Some(_))))
}

/// The fields of a policy entry, each broken as rustfmt breaks it when
/// too wide (the last, `..base`, has no comma).
fn fields(w: &mut RustWriter, fields: &[String]) {
    for f in fields {
        let (e, comma) = match f.strip_suffix(',') {
            Some(e) => (e, ","),
            None => (f.as_str(), ""),
        };
        let lines = layout::expr(w.indent(), "", e, comma);
        put(w, lines);
    }
}

/// A borrowed view: the attributes and the revision they were
/// validated at.
fn view_struct(w: &mut RustWriter, name: &str) {
    w.line("#[derive(Debug, Clone, Copy)]");
    w.open_fmt(format_args!("pub struct {name}<'a>"));
    w.line("attrs: &'a [u8],");
    w.line("rev: u32,");
    w.close("");
}

/// A builder over the bounded writer.
fn builder_struct(w: &mut RustWriter, name: &str) {
    w.open_fmt(format_args!("pub struct {name}<'w, 'b>"));
    w.line("w: &'w mut nla::Writer<'b>,");
    w.close("");
}
