//! Control messages (`attribute-sets` and `operations`) for the Rust
//! kernel and user crates: the `operations` module each of them gets.
//!
//! Both sides share the numbers (operation values, attribute values per
//! set) and the policy tables (`uabi_runtime::nla::Policy`: one per set,
//! one per operation's request and reply). The kernel side adds borrowed,
//! typed request views over a validated message, typed reply builders over
//! the bounded `nla::Writer`, and the dispatch of the transport ioctl
//! (header, operation, permission, policy, handler, reply); the user side
//! adds owned request and reply values with `encode`/`decode`, and one
//! call function per operation over the transport ioctl.
//!
//! The transport ioctl's argument must have the members the wire contract
//! names (`request`, `reply`, `request-len`, `reply-cap`, `reply-len`,
//! `error-offset`, `error-attr`); a spec whose transport lacks them gets
//! the numbers and policies but no dispatch or call functions.

use crate::backend::rust::uapi::{ident, outer_doc, scalar_ty, snake_ident};
use crate::model::{Attr, AttrSet, ByteOrder, EnumKind, Ioctl, Model, Operation, Scalar};
use crate::names;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

/// The members of the transport ioctl's argument that generated code uses.
const TRANSPORT_MEMBERS: &[&str] = &[
    "request",
    "reply",
    "request-len",
    "reply-cap",
    "reply-len",
    "error-offset",
    "error-attr",
];

/// What an attribute's payload is, for the generated code.
enum Kind {
    Int(Scalar),
    Flag,
    Str,
    /// Opaque bytes, or a struct (by name) when `struct:` is given.
    Bin(Option<String>),
    /// A nest of the named set.
    Nest(String),
}

fn kind(a: &Attr) -> Option<Kind> {
    if let Some(s) = Scalar::from_name(&a.ty) {
        return Some(Kind::Int(s));
    }
    Some(match a.ty.as_str() {
        "flag" => Kind::Flag,
        "string" => Kind::Str,
        "binary" => Kind::Bin(a.struct_.clone()),
        "nest" => Kind::Nest(a.nested_attributes.clone()?),
        _ => return None,
    })
}

/// Kernel side: a struct's validation function (from the crate root) and
/// whether it takes the revision.
pub(crate) type ValidatePath<'a> = &'a dyn Fn(&str) -> (TokenStream, bool);

/// How the including backend names things the netlink code refers to.
pub(crate) struct Paths<'a> {
    /// A struct's type from the crate root (`uapi::FwRequest`).
    pub struct_ty: &'a dyn Fn(&str) -> TokenStream,
    /// Kernel side: the function validating a struct at a revision, from
    /// the crate root, and whether it takes the revision.
    pub validate: Option<ValidatePath<'a>>,
}

pub(crate) struct Netlink<'a> {
    pub model: &'a Model,
    pub paths: Paths<'a>,
}

/// The operations that have a `do` (the only mode generated).
fn ops(m: &Model) -> Vec<&Operation> {
    m.operations
        .as_ref()
        .map(|o| o.list.iter().filter(|op| op.do_.is_some()).collect())
        .unwrap_or_default()
}

/// Does the spec have control messages to generate?
pub(crate) fn has_operations(m: &Model) -> bool {
    !ops(m).is_empty()
}

/// The transport ioctl, when the spec names one that has the members the
/// wire contract needs.
pub(crate) fn transport(m: &Model) -> Option<&Ioctl> {
    let name = m.operations.as_ref()?.transport.as_ref()?;
    let io = m.ioctls.iter().find(|io| &io.name == name)?;
    let (s, _) = m.find_struct(io.arg.as_ref()?)?;
    TRANSPORT_MEMBERS
        .iter()
        .all(|n| s.member(n).is_some())
        .then_some(io)
        .filter(|_| has_operations(m))
}

fn op_const(op: &Operation) -> Ident {
    format_ident!("OP_{}", names::upper(&op.name))
}

fn set_policy(set: &str) -> Ident {
    format_ident!("{}_ATTRS", names::upper(set))
}

fn op_policy(op: &Operation, what: &str) -> Ident {
    format_ident!("{}_{}", names::upper(&op.name), what)
}

fn order(a: &Attr) -> TokenStream {
    match a.byte_order {
        None => quote! { nla::Order::Native },
        Some(ByteOrder::Big) => quote! { nla::Order::Big },
        Some(ByteOrder::Little) => quote! { nla::Order::Little },
    }
}

fn i128_lit(v: i128) -> TokenStream {
    let abs = Literal::u128_unsuffixed(v.unsigned_abs());
    if v < 0 {
        quote! { -(#abs as i128) }
    } else {
        quote! { #abs }
    }
}

fn getter(s: Scalar) -> Ident {
    format_ident!("get_{}", s.name())
}

fn putter(s: Scalar) -> Ident {
    format_ident!("put_{}", s.name())
}

impl Netlink<'_> {
    fn set(&self, name: &str) -> Option<&AttrSet> {
        self.model.attribute_sets.iter().find(|s| s.name == name)
    }

    /// The attribute-set of an operation and the attributes of one of its
    /// `do` lists (request or reply) that the set has.
    fn op_attrs<'s>(&'s self, op: &Operation, reply: bool) -> Option<(&'s AttrSet, Vec<&'s Attr>)> {
        let set = self.set(op.attribute_set.as_ref()?)?;
        let mode = op.do_.as_ref()?;
        let list = if reply { &mode.reply } else { &mode.request };
        let names = list.as_deref().unwrap_or_default();
        let attrs = set
            .attributes
            .iter()
            .filter(|a| names.contains(&a.name) && kind(a).is_some())
            .collect();
        Some((set, attrs))
    }

    /// `attr::<set>::<NAME>`.
    fn attr_const(&self, set: &AttrSet, a: &Attr) -> TokenStream {
        let s = snake_ident(&set.name);
        let c = ident(&names::upper(&a.name));
        quote! { attr::#s::#c }
    }

    // ------------------------------------------------------------ common

    /// Numbers and policies: what both sides share.
    pub(crate) fn common(&self) -> TokenStream {
        let m = self.model;
        let op_consts = ops(m).into_iter().map(|op| {
            let c = op_const(op);
            let v = Literal::u16_unsuffixed(op.value as u16);
            let mut d = format!("Operation `{}`", op.name);
            if op.admin_perm {
                d.push_str(" (admin-perm: a privileged caller only, else EPERM)");
            }
            d.push_str(&format!(". Since revision {}.", op.since));
            if let Some(doc) = &op.doc {
                d = format!("{doc}\n{d}");
            }
            let doc = outer_doc(&d);
            quote! { #doc pub const #c: u16 = #v; }
        });
        let since_arms = ops(m).into_iter().map(|op| {
            let c = op_const(op);
            let s = Literal::u32_unsuffixed(op.since);
            quote! { #c => Some(#s), }
        });
        let attr_mods = m.attribute_sets.iter().map(|set| {
            let s = snake_ident(&set.name);
            let consts = set.attributes.iter().map(|a| {
                let c = ident(&names::upper(&a.name));
                let v = Literal::u16_unsuffixed(a.value as u16);
                let mut d = format!("`{}` ({}). Since revision {}.", a.name, a.ty, a.since);
                if let Some(doc) = &a.doc {
                    d = format!("{doc}\n{d}");
                }
                let doc = outer_doc(&d);
                quote! { #doc pub const #c: u16 = #v; }
            });
            let doc = outer_doc(&format!("Attribute values of the `{}` set.", set.name));
            quote! { #doc pub mod #s { #(#consts)* } }
        });
        let set_policies = m.attribute_sets.iter().map(|set| {
            let id = set_policy(&set.name);
            let entries: Vec<TokenStream> = set
                .attributes
                .iter()
                .filter_map(|a| self.entry(a))
                .collect();
            let name = Literal::string(&set.name);
            let doc = outer_doc(&format!(
                "Every attribute of the `{}` set: the policy of a nest of it.",
                set.name
            ));
            quote! {
                #doc
                pub static #id: nla::Policy = nla::Policy { name: #name, attrs: &[#(#entries),*] };
            }
        });
        let op_policies = ops(m).into_iter().flat_map(|op| {
            [false, true].map(|reply| {
                let (id, what) = if reply {
                    (op_policy(op, "REPLY"), "reply")
                } else {
                    (op_policy(op, "REQUEST"), "request")
                };
                let entries: Vec<TokenStream> = self
                    .op_attrs(op, reply)
                    .map(|(_, attrs)| attrs.into_iter().filter_map(|a| self.entry(a)).collect())
                    .unwrap_or_default();
                let name = Literal::string(&format!("{} {what}", op.name));
                let doc = outer_doc(&format!(
                    "The attributes of a `{}` {what}: those its `do` lists.",
                    op.name
                ));
                quote! {
                    #doc
                    pub static #id: nla::Policy = nla::Policy { name: #name, attrs: &[#(#entries),*] };
                }
            })
        });
        let checks = self.struct_checks();
        quote! {
            #(#op_consts)*
            /// The revision that added operation `op`; None for a value no
            /// revision of this spec has.
            pub const fn op_since(op: u16) -> Option<u32> {
                match op {
                    #(#since_arms)*
                    _ => None,
                }
            }
            /// Attribute values, one module per attribute set.
            pub mod attr {
                #(#attr_mods)*
            }
            #(#set_policies)*
            #(#op_policies)*
            #checks
        }
    }

    /// The structs carried by binary attributes.
    fn carried_structs(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
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

    fn check_fn(name: &str) -> Ident {
        format_ident!("check_{}", names::snake(name))
    }

    /// Kernel side: the validation of each struct a binary attribute
    /// carries, as the policy's callback.
    fn struct_checks(&self) -> TokenStream {
        let Some(validate) = self.paths.validate else {
            return quote! {};
        };
        let fns = self.carried_structs().into_iter().map(|s| {
            let f = Self::check_fn(&s);
            let ty = (self.paths.struct_ty)(&s);
            let (v, with_rev) = validate(&s);
            let call = if with_rev {
                quote! { crate::#v(&v, rev) }
            } else {
                quote! { { let _ = rev; crate::#v(&v) } }
            };
            let doc = outer_doc(&format!(
                "Copies a `{s}` out of an attribute payload (any alignment) and validates it \
                 as an ioctl argument is validated; EINVAL for a payload of another size."
            ));
            quote! {
                #doc
                pub fn #f(p: &[u8], rev: u32) -> Result<(), Errno> {
                    let v = <crate::#ty as FromBytes>::read_from_bytes(p).map_err(|_| Errno::EINVAL)?;
                    #call
                }
            }
        });
        quote! { #(#fns)* }
    }

    /// The policy entry of one attribute.
    fn entry(&self, a: &Attr) -> Option<TokenStream> {
        let k = kind(a)?;
        let name = Literal::string(&a.name);
        let value = Literal::u16_unsuffixed(a.value as u16);
        let ty = match &k {
            Kind::Int(s) => {
                let t = format_ident!("{}", names::pascal(s.name()));
                quote! { nla::Type::#t }
            }
            Kind::Flag => quote! { nla::Type::Flag },
            Kind::Str => quote! { nla::Type::String },
            Kind::Bin(_) => quote! { nla::Type::Binary },
            Kind::Nest(_) => quote! { nla::Type::Nest },
        };
        let mut fields = Vec::new();
        if a.byte_order.is_some() {
            let o = order(a);
            fields.push(quote! { order: #o });
        }
        let since = Literal::u32_unsuffixed(a.since);
        fields.push(quote! { since: #since });
        if a.multi_attr {
            fields.push(quote! { multi: true });
        }
        if let Kind::Int(s) = &k {
            if a.min.is_some() || a.max.is_some() {
                let (lo, hi) = s.bounds();
                let lo = i128_lit(a.min.unwrap_or(lo));
                let hi = i128_lit(a.max.unwrap_or(hi));
                fields.push(quote! { range: Some((#lo, #hi)) });
            }
            if let Some(check) = &a.enum_
                && let Some((e, _)) = self.model.find_enum(&check.name)
            {
                if check.as_flags {
                    let mask = if e.kind == EnumKind::Flags {
                        e.mask()
                    } else {
                        e.entries
                            .iter()
                            .filter(|x| x.value < 64)
                            .fold(0, |m, x| m | 1 << x.value)
                    };
                    let lit = Literal::u64_unsuffixed(mask);
                    fields.push(quote! { values: nla::Values::Mask(#lit) });
                } else {
                    let vals = e.entries.iter().map(|x| Literal::u64_unsuffixed(x.value));
                    fields.push(quote! { values: nla::Values::Enum(&[#(#vals),*]) });
                }
            }
        }
        let lit = |v: u64| Literal::u32_unsuffixed(v.min(u64::from(u32::MAX)) as u32);
        if let Some(v) = a.min_len {
            let l = lit(v);
            fields.push(quote! { min_len: Some(#l) });
        }
        if let Some(v) = a.max_len {
            let l = lit(v);
            fields.push(quote! { max_len: Some(#l) });
        }
        match &k {
            Kind::Bin(Some(s)) => {
                let t = (self.paths.struct_ty)(s);
                fields.push(quote! {
                    exact_len: Some(core::mem::size_of::<crate::#t>() as u32)
                });
                if self.paths.validate.is_some() {
                    let f = Self::check_fn(s);
                    fields.push(quote! { check: Some(#f) });
                }
            }
            _ => {
                if let Some(v) = a.exact_len.or(a.len) {
                    let l = lit(v);
                    fields.push(quote! { exact_len: Some(#l) });
                }
            }
        }
        if let Kind::Nest(set) = &k {
            let p = set_policy(set);
            fields.push(quote! { nested: Some(&#p) });
        }
        Some(quote! {
            nla::AttrPolicy { #(#fields,)* ..nla::AttrPolicy::new(#name, #value, #ty) }
        })
    }

    // ------------------------------------------------------------ kernel

    fn view_ident(set: &str) -> Ident {
        format_ident!("{}Attrs", names::pascal(set))
    }

    fn builder_ident(set: &str) -> Ident {
        format_ident!("{}Builder", names::pascal(set))
    }

    fn request_ident(op: &Operation) -> Ident {
        format_ident!("{}Request", names::pascal(&op.name))
    }

    fn reply_ident(op: &Operation) -> Ident {
        format_ident!("{}Reply", names::pascal(&op.name))
    }

    /// Accessors of a borrowed view over validated attributes.
    fn accessors(&self, set: &AttrSet, attrs: &[&Attr]) -> TokenStream {
        let fns = attrs.iter().filter_map(|a| {
            let k = kind(a)?;
            let f = snake_ident(&a.name);
            let c = self.attr_const(set, a);
            let o = order(a);
            let since = Literal::u32_unsuffixed(a.since);
            let mut d = a.doc.clone().unwrap_or_else(|| format!("`{}`.", a.name));
            let (ret, body) = match (&k, a.multi_attr) {
                (Kind::Int(s), false) => {
                    let t = scalar_ty(*s);
                    let g = getter(*s);
                    (
                        quote! { Option<#t> },
                        quote! { nla::find(self.as_bytes_at(#since), #c).and_then(|p| nla::#g(p, #o)) },
                    )
                }
                (Kind::Int(s), true) => {
                    let t = scalar_ty(*s);
                    let g = getter(*s);
                    (
                        quote! { impl Iterator<Item = #t> + 'a },
                        quote! { nla::find_all(self.as_bytes_at(#since), #c).filter_map(move |p| nla::#g(p, #o)) },
                    )
                }
                (Kind::Flag, _) => (quote! { bool }, quote! { nla::find(self.as_bytes_at(#since), #c).is_some() }),
                (Kind::Str, false) => {
                    d.push_str(" The bytes before the NUL.");
                    (
                        quote! { Option<&'a [u8]> },
                        quote! { nla::find(self.as_bytes_at(#since), #c).map(nla::get_str) },
                    )
                }
                (Kind::Str, true) => (
                    quote! { impl Iterator<Item = &'a [u8]> + 'a },
                    quote! { nla::find_all(self.as_bytes_at(#since), #c).map(nla::get_str) },
                ),
                (Kind::Bin(None), false) => {
                    (quote! { Option<&'a [u8]> }, quote! { nla::find(self.as_bytes_at(#since), #c) })
                }
                (Kind::Bin(None), true) => (
                    quote! { impl Iterator<Item = &'a [u8]> + 'a },
                    quote! { nla::find_all(self.as_bytes_at(#since), #c) },
                ),
                (Kind::Bin(Some(s)), false) => {
                    let t = (self.paths.struct_ty)(s);
                    d.push_str(" A copy, validated with the request.");
                    (
                        quote! { Option<crate::#t> },
                        quote! {
                            nla::find(self.as_bytes_at(#since), #c)
                                .and_then(|p| <crate::#t as FromBytes>::read_from_bytes(p).ok())
                        },
                    )
                }
                (Kind::Bin(Some(s)), true) => {
                    let t = (self.paths.struct_ty)(s);
                    (
                        quote! { impl Iterator<Item = crate::#t> + 'a },
                        quote! {
                            nla::find_all(self.as_bytes_at(#since), #c)
                                .filter_map(|p| <crate::#t as FromBytes>::read_from_bytes(p).ok())
                        },
                    )
                }
                (Kind::Nest(n), false) => {
                    let v = Self::view_ident(n);
                    (
                        quote! { Option<#v<'a>> },
                        quote! { nla::find(self.as_bytes_at(#since), #c).map(move |attrs| #v { attrs, rev }) },
                    )
                }
                (Kind::Nest(n), true) => {
                    let v = Self::view_ident(n);
                    (
                        quote! { impl Iterator<Item = #v<'a>> + 'a },
                        quote! { nla::find_all(self.as_bytes_at(#since), #c).map(move |attrs| #v { attrs, rev }) },
                    )
                }
            };
            let doc = outer_doc(&d);
            let rev_let = matches!(k, Kind::Nest(_)).then(|| quote! { let rev = self.rev; });
            Some(quote! {
                #doc
                pub fn #f(&self) -> #ret {
                    #rev_let
                    #body
                }
            })
        });
        quote! {
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
            }
            #(#fns)*
        }
    }

    /// Methods of a builder writing the attributes `attrs` of `set`.
    fn builder_methods(&self, set: &AttrSet, attrs: &[&Attr]) -> TokenStream {
        let fns = attrs.iter().filter_map(|a| {
            let k = kind(a)?;
            let f = snake_ident(&a.name);
            let c = self.attr_const(set, a);
            let o = order(a);
            let mut d = a.doc.clone().unwrap_or_else(|| format!("`{}`.", a.name));
            if a.multi_attr {
                d.push_str(" Call once per value.");
            }
            let (params, body) = match &k {
                Kind::Int(s) => {
                    let t = scalar_ty(*s);
                    let p = putter(*s);
                    (quote! { v: #t }, quote! { self.w.#p(#c, v, #o); })
                }
                Kind::Flag => (quote! {}, quote! { self.w.put_flag(#c); }),
                Kind::Str => {
                    let max = match a.max_len {
                        Some(n) => {
                            let l = Literal::usize_unsuffixed(n as usize);
                            d.push_str(&format!(" Truncated to {n} bytes."));
                            quote! { Some(#l) }
                        }
                        None => quote! { None },
                    };
                    (
                        quote! { v: &str },
                        quote! { self.w.put_str(#c, v.as_bytes(), #max); },
                    )
                }
                Kind::Bin(None) => (quote! { v: &[u8] }, quote! { self.w.put(#c, v); }),
                Kind::Bin(Some(s)) => {
                    let t = (self.paths.struct_ty)(s);
                    (
                        quote! { v: &crate::#t },
                        quote! { self.w.put(#c, IntoBytes::as_bytes(v)); },
                    )
                }
                Kind::Nest(n) => {
                    let b = Self::builder_ident(n);
                    d.push_str(" `f` writes the nest's attributes.");
                    (
                        quote! { f: impl FnOnce(&mut #b<'_, 'b>) },
                        quote! {
                            let n = self.w.nest_start(#c);
                            f(&mut #b { w: &mut *self.w });
                            self.w.nest_end(n);
                        },
                    )
                }
            };
            let doc = outer_doc(&d);
            Some(quote! {
                #doc
                pub fn #f(&mut self, #params) -> &mut Self {
                    #body
                    self
                }
            })
        });
        quote! {
            /// The writer underneath, for attributes no method writes.
            pub fn writer(&mut self) -> &mut nla::Writer<'b> {
                self.w
            }
            #(#fns)*
        }
    }

    /// The kernel crate's `operations` module body (after `common`).
    pub(crate) fn kernel_items(&self) -> TokenStream {
        let m = self.model;
        let sets = m.attribute_sets.iter().map(|set| {
            let all: Vec<&Attr> = set.attributes.iter().collect();
            let v = Self::view_ident(&set.name);
            let b = Self::builder_ident(&set.name);
            let acc = self.accessors(set, &all);
            let meth = self.builder_methods(set, &all);
            let vdoc = outer_doc(&format!(
                "A validated nest of the `{}` set, borrowed from the request.",
                set.name
            ));
            let bdoc = outer_doc(&format!(
                "Writes the attributes of a nest of the `{}` set.",
                set.name
            ));
            quote! {
                #vdoc
                #[derive(Debug, Clone, Copy)]
                pub struct #v<'a> {
                    attrs: &'a [u8],
                    rev: u32,
                }
                impl<'a> #v<'a> {
                    #acc
                }
                #bdoc
                pub struct #b<'w, 'b> {
                    w: &'w mut nla::Writer<'b>,
                }
                impl<'b> #b<'_, 'b> {
                    #meth
                }
            }
        });
        let per_op = ops(m).into_iter().filter_map(|op| {
            let (set, req) = self.op_attrs(op, false)?;
            let (_, rep) = self.op_attrs(op, true)?;
            let r = Self::request_ident(op);
            let p = Self::reply_ident(op);
            let rp = op_policy(op, "REQUEST");
            let acc = self.accessors(set, &req);
            let meth = self.builder_methods(set, &rep);
            let rdoc = outer_doc(&format!(
                "A `{}` request, validated against [`{rp}`] before the handler sees it.",
                op.name
            ));
            let pdoc = outer_doc(&format!(
                "Writes the reply of `{}`: the attributes its `do` lists, into the reply \
                 buffer (bounded by the caller's reply-cap; what does not fit makes the call \
                 EMSGSIZE with the size needed).",
                op.name
            ));
            Some(quote! {
                #rdoc
                #[derive(Debug, Clone, Copy)]
                pub struct #r<'a> {
                    attrs: &'a [u8],
                    rev: u32,
                }
                impl<'a> #r<'a> {
                    /// Validates the attributes of a request (which start after the
                    /// message header) as a driver of revision `rev` does.
                    pub fn parse(attrs: &'a [u8], rev: u32) -> Result<Self, nla::Error> {
                        nla::validate(attrs, nla::MSG_HDRLEN, &#rp, rev, nla::Unknown::Reject)?;
                        Ok(Self { attrs, rev })
                    }
                    #acc
                }
                #pdoc
                pub struct #p<'w, 'b> {
                    w: &'w mut nla::Writer<'b>,
                }
                impl<'w, 'b> #p<'w, 'b> {
                    /// A builder appending to `w`.
                    pub fn new(w: &'w mut nla::Writer<'b>) -> Self {
                        Self { w }
                    }
                    #meth
                }
            })
        });
        quote! {
            #(#sets)*
            #(#per_op)*
        }
    }

    /// The Ops methods of the operations (kernel side).
    pub(crate) fn ops_methods(&self, file: &TokenStream) -> TokenStream {
        let methods = ops(self.model).into_iter().map(|op| {
            let f = format_ident!("op_{}", names::snake(&op.name));
            let r = Self::request_ident(op);
            let p = Self::reply_ident(op);
            let mut d = vec![op.doc.clone().unwrap_or_else(|| format!("Operation `{}`.", op.name))];
            d.push(format!(
                "Operation value {} ([`operations::{}`]), since revision {}{}. Called by \
                 [`dispatch`] once the request passed [`operations::{}`]; `reply` writes \
                 the reply's attributes. An `Err` is the errno the caller sees, and no reply \
                 is returned.",
                op.value,
                op_const(op),
                op.since,
                if op.admin_perm {
                    "; admin-perm: only called when `privileged` (of the root spec's `Ops`) holds, else EPERM"
                } else {
                    ""
                },
                op_policy(op, "REQUEST"),
            ));
            let doc = outer_doc(&d.join("\n"));
            quote! {
                #doc
                fn #f(
                    &self,
                    file: &#file,
                    req: operations::#r<'_>,
                    reply: &mut operations::#p<'_, '_>,
                ) -> Result<(), Errno>;
            }
        });
        let failed = outer_doc(
            "Called when a control message fails (validation, permission, the handler, or \
             a reply that does not fit), with the operation value of its header (0 when it \
             had none) and where it failed; for accounting. Does nothing by default.",
        );
        quote! {
            #failed
            fn operation_failed(&self, file: &#file, op: u16, error: uabi_runtime::nla::Error) {
                let _ = (file, op, error);
            }
            #(#methods)*
        }
    }

    /// The body of the transport ioctl's handler after the argument has
    /// been copied in and validated (`arg`, `rev`, `ops`, `file`, `mem`,
    /// `ioc`, `addr`, `size` in scope): runs the message, records where it
    /// failed, copies the argument back even on failure.
    pub(crate) fn transport_tail(&self, copy_out: bool, privileged: &TokenStream) -> TokenStream {
        let arms = ops(self.model).into_iter().map(|op| {
            let c = op_const(op);
            let since = Literal::u32_unsuffixed(op.since);
            let f = format_ident!("op_{}", names::snake(&op.name));
            let r = Self::request_ident(op);
            let p = Self::reply_ident(op);
            let perm = op.admin_perm.then(|| {
                quote! {
                    if !#privileged {
                        return Err(nla::Error::msg(Errno::EPERM));
                    }
                }
            });
            quote! {
                operations::#c if rev >= #since => {
                    #perm
                    let req = operations::#r::parse(attrs, rev)?;
                    ops.#f(file, req, &mut operations::#p::new(&mut w))?;
                }
            }
        });
        let copy = copy_out.then(|| {
            quote! {
                if ioc.copy_out {
                    uabi_runtime::copy_out_sized(mem, addr, ioc.size as usize, size, &arg)?;
                }
            }
        });
        quote! {
            let mut op = 0u16;
            let result = (|| -> Result<(), nla::Error> {
                let request = UserArray::<u8>::from_byte_len(
                    mem,
                    arg.request,
                    u64::from(arg.request_len),
                    nla::MAX_MSG as u64,
                    uabi_runtime::no_validation,
                )?;
                let reply = UserArray::<u8>::from_byte_len(
                    mem,
                    arg.reply,
                    u64::from(arg.reply_cap),
                    nla::MAX_MSG as u64,
                    uabi_runtime::no_validation,
                )?;
                let mut msg = Vec::new();
                msg.try_reserve_exact(request.len()).map_err(|_| Errno::ENOMEM)?;
                msg.resize(request.len(), 0u8);
                if !msg.is_empty() {
                    mem.read(request.addr(), &mut msg)?;
                }
                let header = nla::Header::parse_strict(&msg)?;
                op = header.op;
                let attrs = match msg.get(nla::MSG_HDRLEN..) {
                    Some(a) => a,
                    None => &[],
                };
                let mut out = Vec::new();
                out.try_reserve_exact(reply.len()).map_err(|_| Errno::ENOMEM)?;
                out.resize(reply.len(), 0u8);
                let mut w = nla::Writer::new(&mut out);
                w.header(&nla::Header { op: header.op, flags: 0, reserved: 0 });
                match header.op {
                    #(#arms)*
                    _ => return Err(nla::Error::msg(Errno::EOPNOTSUPP)),
                }
                match w.finish() {
                    Ok(n) => {
                        // `finish` succeeds only when the message fits.
                        if let Some(bytes) = out.get(..n).filter(|b| !b.is_empty()) {
                            mem.write(reply.addr(), bytes)?;
                        }
                        arg.reply_len = n as u32;
                        Ok(())
                    }
                    Err(needed) => {
                        // Saturating: a message is at most MAX_MSG bytes anyway.
                        arg.reply_len = needed.min(u32::MAX as usize) as u32;
                        Err(nla::Error::msg(Errno::EMSGSIZE))
                    }
                }
            })();
            if let Err(e) = result {
                arg.error_offset = e.offset;
                arg.error_attr = u32::from(e.attr);
                ops.operation_failed(file, op, e);
            }
            #copy
            result.map_err(|e| e.errno)
        }
    }

    // ------------------------------------------------------------ user

    fn owned_ident(set: &str) -> Ident {
        format_ident!("{}Attrs", names::pascal(set))
    }

    /// An owned struct holding `attrs` of `set`, with encode and decode.
    fn owned(&self, id: &Ident, doc: &str, set: &AttrSet, attrs: &[&Attr]) -> TokenStream {
        let mut fields = Vec::new();
        let mut enc = Vec::new();
        let mut dec = Vec::new();
        for a in attrs {
            let Some(k) = kind(a) else { continue };
            let f = snake_ident(&a.name);
            let c = self.attr_const(set, a);
            let o = order(a);
            let fdoc = outer_doc(&a.doc.clone().unwrap_or_else(|| format!("`{}`.", a.name)));
            let multi = a.multi_attr;
            // `d` reads one payload `p`: a value, or an Option where the
            // payload may not hold one (`fallible`).
            let (ty, e, d, fallible) = match &k {
                Kind::Int(s) => {
                    let t = scalar_ty(*s);
                    let p = putter(*s);
                    let g = getter(*s);
                    (
                        quote! { #t },
                        quote! { w.#p(#c, *v, #o); },
                        quote! { nla::#g(p, #o) },
                        true,
                    )
                }
                Kind::Flag => {
                    fields.push(quote! { #fdoc pub #f: bool, });
                    enc.push(quote! { if self.#f { w.put_flag(#c); } });
                    dec.push(quote! { #f: nla::find(attrs, #c).is_some(), });
                    continue;
                }
                Kind::Str => {
                    let max = match a.max_len {
                        Some(n) => {
                            let l = Literal::usize_unsuffixed(n as usize);
                            quote! { Some(#l) }
                        }
                        None => quote! { None },
                    };
                    (
                        quote! { String },
                        quote! { w.put_str(#c, v.as_bytes(), #max); },
                        quote! { String::from_utf8_lossy(nla::get_str(p)).into_owned() },
                        false,
                    )
                }
                Kind::Bin(None) => (
                    quote! { Vec<u8> },
                    quote! { w.put(#c, v); },
                    quote! { p.to_vec() },
                    false,
                ),
                Kind::Bin(Some(s)) => {
                    let t = (self.paths.struct_ty)(s);
                    (
                        quote! { crate::#t },
                        quote! { w.put(#c, IntoBytes::as_bytes(v)); },
                        quote! { <crate::#t as FromBytes>::read_from_bytes(p).ok() },
                        true,
                    )
                }
                Kind::Nest(n) => {
                    let t = Self::owned_ident(n);
                    let inner = if multi {
                        quote! { #t }
                    } else {
                        quote! { Box<#t> }
                    };
                    let d = if multi {
                        quote! { #t::decode(p) }
                    } else {
                        quote! { Box::new(#t::decode(p)) }
                    };
                    (
                        inner,
                        quote! { let n = w.nest_start(#c); v.encode(w); w.nest_end(n); },
                        d,
                        false,
                    )
                }
            };
            if multi {
                fields.push(quote! { #fdoc pub #f: Vec<#ty>, });
                enc.push(quote! { for v in &self.#f { #e } });
                let read = match &k {
                    // A function path, not a closure (clippy's redundant_closure).
                    Kind::Nest(n) => {
                        let t = Self::owned_ident(n);
                        quote! { map(#t::decode) }
                    }
                    _ if fallible => quote! { filter_map(|p| #d) },
                    _ => quote! { map(|p| #d) },
                };
                dec.push(quote! { #f: nla::find_all(attrs, #c).#read.collect(), });
            } else {
                fields.push(quote! { #fdoc pub #f: Option<#ty>, });
                enc.push(quote! { if let Some(v) = &self.#f { #e } });
                let read = if fallible {
                    quote! { and_then }
                } else {
                    quote! { map }
                };
                dec.push(quote! { #f: nla::find(attrs, #c).#read(|p| #d), });
            }
        }
        let doc = outer_doc(doc);
        let unused_w = enc.is_empty().then(|| quote! { let _ = w; });
        let unused_a = dec.is_empty().then(|| quote! { let _ = attrs; });
        quote! {
            #doc
            #[derive(Debug, Clone, Default, PartialEq)]
            pub struct #id {
                #(#fields)*
            }
            impl #id {
                /// Appends the attributes that are set.
                pub fn encode(&self, w: &mut nla::Writer<'_>) {
                    #unused_w
                    #(#enc)*
                }
                /// Reads the attributes of a validated message part; unknown
                /// ones are ignored.
                pub fn decode(attrs: &[u8]) -> Self {
                    #unused_a
                    Self {
                        #(#dec)*
                    }
                }
            }
        }
    }

    /// The user crate's `operations` module body (after `common`).
    /// `control` is the user crate's function for the transport ioctl.
    pub(crate) fn user_items(&self) -> TokenStream {
        let m = self.model;
        let sets = m.attribute_sets.iter().map(|set| {
            let all: Vec<&Attr> = set.attributes.iter().collect();
            let id = Self::owned_ident(&set.name);
            self.owned(
                &id,
                &format!("The attributes of a nest of the `{}` set.", set.name),
                set,
                &all,
            )
        });
        let per_op: Vec<TokenStream> = ops(m)
            .into_iter()
            .filter_map(|op| {
                let (set, req) = self.op_attrs(op, false)?;
                let (_, rep) = self.op_attrs(op, true)?;
                let r = Self::request_ident(op);
                let p = Self::reply_ident(op);
                Some([
                    self.owned(&r, &format!("The request of `{}`.", op.name), set, &req),
                    self.owned(&p, &format!("The reply of `{}`.", op.name), set, &rep),
                ])
            })
            .flatten()
            .collect();
        let calls = transport(m).map(|io| self.user_calls(io));
        quote! {
            #(#sets)*
            #(#per_op)*
            #calls
        }
    }

    fn user_calls(&self, io: &Ioctl) -> TokenStream {
        let control = snake_ident(&io.name);
        let arg = (self.paths.struct_ty)(io.arg.as_deref().unwrap_or_default());
        let tname = Literal::string(&io.name);
        let calls = ops(self.model).into_iter().filter_map(|op| {
            self.op_attrs(op, false)?;
            let f = snake_ident(&op.name);
            let r = Self::request_ident(op);
            let p = Self::reply_ident(op);
            let c = op_const(op);
            let rp = op_policy(op, "REPLY");
            let name = Literal::string(&op.name);
            let since = Literal::u32_unsuffixed(op.since);
            let mut d = vec![op.doc.clone().unwrap_or_else(|| format!("Operation `{}`.", op.name))];
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
            let doc = outer_doc(&d.join("\n"));
            Some(quote! {
                #doc
                pub fn #f<T: Transport + ?Sized>(
                    t: &T,
                    driver_revision: u32,
                    req: &#r,
                ) -> Result<#p, OpError> {
                    let reply = call(t, driver_revision, #name, #c, #since, &|w| req.encode(w), &#rp)?;
                    Ok(#p::decode(reply.get(nla::MSG_HDRLEN..).unwrap_or_default()))
                }
            })
        });
        quote! {
            /// The reply buffer a call starts with.
            pub const INITIAL_REPLY_CAP: usize = 4096;

            /// Sends one message exactly as given (for tests of malformed
            /// requests) and returns the length of the reply the driver wrote
            /// into `reply`. A rejection carries the driver's error-offset and
            /// error-attr; [`send_raw`] also returns the reply-len an EMSGSIZE
            /// asks for.
            pub fn send<T: Transport + ?Sized>(
                t: &T,
                driver_revision: u32,
                request: &[u8],
                reply: &mut [u8],
            ) -> Result<usize, OpError> {
                let (res, arg) = send_raw(t, driver_revision, request, reply);
                res.map(|()| (arg.reply_len as usize).min(reply.len()))
            }

            /// Sends one message exactly as given; returns the outcome with the
            /// argument as the driver left it (reply-len, error-offset and
            /// error-attr are set on failure too).
            pub fn send_raw<T: Transport + ?Sized>(
                t: &T,
                driver_revision: u32,
                request: &[u8],
                reply: &mut [u8],
            ) -> (Result<(), OpError>, crate::#arg) {
                let mut arg = <crate::#arg>::default();
                let res = super::#control(t, driver_revision, &mut arg, request, reply);
                let res = res.map_err(|e| match e {
                    CallError::Errno { errno, .. } => OpError::Rejected {
                        op: #tname,
                        errno,
                        offset: arg.error_offset,
                        attr: arg.error_attr,
                    },
                    CallError::Unsupported { since, driver_revision, .. } => OpError::Unsupported {
                        op: #tname,
                        since,
                        driver_revision,
                    },
                    CallError::TooLong { len, .. } => OpError::TooLarge { op: #tname, needed: len },
                });
                (res, arg)
            }

            fn call<T: Transport + ?Sized>(
                t: &T,
                driver_revision: u32,
                name: &'static str,
                op: u16,
                since: u32,
                encode: &dyn Fn(&mut nla::Writer<'_>),
                policy: &nla::Policy,
            ) -> Result<Vec<u8>, OpError> {
                if driver_revision < since {
                    return Err(OpError::Unsupported { op: name, since, driver_revision });
                }
                let mut req = vec![0u8; nla::MAX_MSG];
                let mut w = nla::Writer::new(&mut req);
                w.header(&nla::Header { op, flags: 0, reserved: 0 });
                encode(&mut w);
                let n = w.finish().map_err(|needed| OpError::TooLarge { op: name, needed })?;
                req.truncate(n);
                let mut cap = INITIAL_REPLY_CAP;
                let mut retried = false;
                loop {
                    let mut reply = vec![0u8; cap];
                    let (res, arg) = send_raw(t, driver_revision, &req, &mut reply);
                    match res {
                        Ok(()) => {
                            reply.truncate((arg.reply_len as usize).min(cap));
                            let bad = |error| OpError::BadReply { op: name, error };
                            let h = nla::Header::parse_strict(&reply).map_err(bad)?;
                            if h.op != op {
                                return Err(bad(nla::Error::msg(Errno::EPROTO)));
                            }
                            let attrs = reply.get(nla::MSG_HDRLEN..).unwrap_or_default();
                            // Validated as far as this crate knows the attributes
                            // (its own revision), so everything `decode` reads was
                            // checked; what a newer driver added is skipped.
                            nla::validate(attrs, nla::MSG_HDRLEN, policy, super::REVISION, nla::Unknown::Skip)
                                .map_err(bad)?;
                            return Ok(reply);
                        }
                        Err(OpError::Rejected { errno: Errno::EMSGSIZE, .. })
                            if !retried
                                && arg.reply_len as usize > cap
                                && arg.reply_len as usize <= nla::MAX_MSG =>
                        {
                            cap = arg.reply_len as usize;
                            retried = true;
                        }
                        Err(OpError::Rejected { errno, offset, attr, .. }) => {
                            return Err(OpError::Rejected { op: name, errno, offset, attr });
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            #(#calls)*
        }
    }
}

/// The module wrapper both sides use.
pub(crate) fn module(doc: &str, uses: TokenStream, body: TokenStream) -> TokenStream {
    let doc = outer_doc(doc);
    quote! {
        #doc
        pub mod operations {
            #uses
            #body
        }
    }
}
