//! What the kernel and user crates' `operations` modules (control
//! messages) share: whether there are operations to generate, the
//! transport ioctl that carries them, the names and kinds both sides use,
//! and the numbers both sides print.

use crate::backend::rust::writer::{RustWriter, doc, ident, snake_ident};
use crate::backend::shared::push_decimal;
use crate::model::{
    Attr, AttrSet, AttrSetId, AttrType, ByteOrder, EnumCheck, EnumKind, Ioctl, Model, Operation,
    Scalar, StructId,
};
use crate::names;

/// The members of the transport ioctl's argument that generated code uses
/// (the wire contract of the README's control messages); a spec whose
/// transport lacks one gets the numbers and policies but no dispatch or
/// call functions.
const TRANSPORT_MEMBERS: &[&str] = &[
    "request",
    "reply",
    "request-len",
    "reply-cap",
    "reply-len",
    "error-offset",
    "error-attr",
];

/// The operations that have a `do` (the only mode generated).
pub(crate) fn ops(m: &Model) -> Vec<&Operation> {
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
    let s = m.struct_(io.arg.as_ref()?);
    TRANSPORT_MEMBERS
        .iter()
        .all(|n| s.member(n).is_some())
        .then_some(io)
        .filter(|_| has_operations(m))
}

/// What an attribute's payload is, for the generated code.
pub(crate) enum Kind {
    Int(Scalar),
    Flag,
    Str,
    /// Opaque bytes, or a struct when `struct:` is given.
    Bin(Option<StructId>),
    /// A nest of the set.
    Nest(AttrSetId),
}

pub(crate) fn kind(a: &Attr) -> Option<Kind> {
    Some(match a.ty {
        AttrType::Int(s) => Kind::Int(s),
        AttrType::Flag => Kind::Flag,
        AttrType::String => Kind::Str,
        AttrType::Binary => Kind::Bin(a.struct_.clone()),
        AttrType::Nest => Kind::Nest(a.nested_attributes.clone()?),
        // Placeholders are never sent; the rest have no generated codec.
        AttrType::Unused
        | AttrType::Pad
        | AttrType::Uint
        | AttrType::Sint
        | AttrType::NestTypeValue
        | AttrType::IndexedArray
        | AttrType::ArrayNest
        | AttrType::Bitfield32
        | AttrType::SubMessage => return None,
    })
}

/// The `nla::Type` of an attribute kind, as both sides' policies name it.
pub(crate) fn policy_type(k: &Kind) -> String {
    match k {
        Kind::Int(s) => format!("nla::Type::{}", names::pascal(s.name())),
        Kind::Flag => "nla::Type::Flag".to_string(),
        Kind::Str => "nla::Type::String".to_string(),
        Kind::Bin(_) => "nla::Type::Binary".to_string(),
        Kind::Nest(_) => "nla::Type::Nest".to_string(),
    }
}

/// The `values` field of a policy entry whose attribute holds an enum
/// (`Enum(&[..])`) or flags (`Mask(..)`).
pub(crate) fn policy_values(m: &Model, check: &EnumCheck) -> String {
    let e = m.enum_(&check.enum_id);
    if check.as_flags {
        // An enum used as flags: each entry's value is a bit number.
        let mask = if e.kind == EnumKind::Flags {
            e.mask()
        } else {
            e.entries
                .iter()
                .filter(|x| x.value < 64)
                .fold(0, |m, x| m | 1 << x.value)
        };
        format!("values: nla::Values::Mask({mask})")
    } else {
        let vals: Vec<String> = e.entries.iter().map(|x| x.value.to_string()).collect();
        format!("values: nla::Values::Enum(&[{}])", vals.join(", "))
    }
}

pub(crate) fn op_const(op: &Operation) -> String {
    ["OP_", &names::upper(&op.name)].concat()
}

pub(crate) fn set_policy(set: &str) -> String {
    // Asked for often: pushed into a buffer of about the right size,
    // not formatted.
    let mut s = String::with_capacity(set.len() + 8);
    names::push_upper(&mut s, set);
    s.push_str("_ATTRS");
    s
}

pub(crate) fn op_policy(op: &Operation, what: &str) -> String {
    format!("{}_{}", names::upper(&op.name), what)
}

pub(crate) fn order(a: &Attr) -> &'static str {
    match a.byte_order {
        None => "nla::Order::Native",
        Some(ByteOrder::Big) => "nla::Order::Big",
        Some(ByteOrder::Little) => "nla::Order::Little",
    }
}

pub(crate) fn i128_lit(v: i128) -> String {
    if v < 0 {
        format!("-({} as i128)", v.unsigned_abs())
    } else {
        v.to_string()
    }
}

/// Operation values, `op_since` and the attribute values: the same in
/// the kernel and the user crates.
pub(crate) fn numbers(w: &mut RustWriter, m: &Model) {
    // One buffer for every doc text and one for every number: there is
    // a constant for each operation and attribute.
    let mut d = String::with_capacity(128);
    let mut num = String::with_capacity(8);
    for op in ops(m) {
        d.clear();
        if let Some(text) = &op.doc {
            d.push_str(text);
            d.push('\n');
        }
        d.push_str("Operation `");
        d.push_str(&op.name);
        d.push('`');
        if op.admin_perm {
            d.push_str(" (admin-perm: a privileged caller only, else EPERM)");
        }
        d.push_str(". Since revision ");
        push_decimal(&mut d, op.since);
        d.push('.');
        doc(w, &d);
        num.clear();
        push_decimal(&mut num, op.value as u16);
        w.line_of(&["pub const ", &op_const(op), ": u16 = ", &num, ";"]);
    }
    w.line("/// The revision that added operation `op`; None for a value no");
    w.line("/// revision of this spec has.");
    w.open("pub const fn op_since(op: u16) -> Option<u32>");
    w.open("match op");
    for op in ops(m) {
        num.clear();
        push_decimal(&mut num, op.since);
        w.line_of(&[&op_const(op), " => Some(", &num, "),"]);
    }
    w.line("_ => None,");
    w.close("");
    w.close("");
    w.line("/// Attribute values, one module per attribute set.");
    w.open("pub mod attr");
    for set in &m.attribute_sets {
        doc(w, &format!("Attribute values of the `{}` set.", set.name));
        let module = format!("pub mod {}", snake_ident(&set.name));
        if set.attributes.is_empty() {
            w.line_fmt(format_args!("{module} {{}}"));
            continue;
        }
        w.open(module);
        for a in &set.attributes {
            d.clear();
            if let Some(text) = &a.doc {
                d.push_str(text);
                d.push('\n');
            }
            d.extend(["`", &a.name, "` (", a.ty.name(), "). Since revision "]);
            push_decimal(&mut d, a.since);
            d.push('.');
            doc(w, &d);
            num.clear();
            push_decimal(&mut num, a.value as u16);
            w.line_of(&[
                "pub const ",
                &ident(&names::upper(&a.name)),
                ": u16 = ",
                &num,
                ";",
            ]);
        }
        w.close("");
    }
    w.close("");
}

/// The attribute set of an operation and the attributes of one of its
/// `do` lists (request or reply) that the set has and that have a codec.
pub(crate) fn op_attrs<'m>(
    m: &'m Model,
    op: &Operation,
    reply: bool,
) -> Option<(&'m AttrSet, Vec<&'m Attr>)> {
    let set = m.attr_set(op.attribute_set.as_ref()?);
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
