//! Every C name the header defines for a spec's items. Each is derived
//! from the item's name under the spec's C prefix (`c-prefix`, by default
//! the spec's name) unless the spec gives the exact identifier an
//! existing header uses (`c-name`, `c-nr-name`, `enum-name`,
//! `name-prefix`); `ioctl: { style: drm }` spells the ioctl macros as DRM
//! drivers' own headers do. Lint's clash check asks the same functions,
//! so what it checks is what the header defines.

use crate::model::{Const, ConstName, Enum, EnumEntry, Ioctl, IoctlStyle, Model, Struct, StructId};
use crate::names::upper;

/// The C type of a struct of `owner` (the spec that defines it): its
/// `c-name` or `<prefix>_<name>`, with `struct `: `struct drm_ivpu_param`.
pub fn struct_tag(owner: &Model, s: &Struct) -> String {
    let mut out = String::with_capacity(8 + ident_len(owner, s));
    out.push_str("struct ");
    push_struct_ident(&mut out, owner, s);
    out
}

/// The tag of a struct without `struct `.
pub fn struct_ident(owner: &Model, s: &Struct) -> String {
    let mut out = String::with_capacity(ident_len(owner, s));
    push_struct_ident(&mut out, owner, s);
    out
}

/// The length of [`struct_ident`] (of an ASCII name), for room made once.
fn ident_len(owner: &Model, s: &Struct) -> usize {
    s.c_name
        .as_ref()
        .map_or(owner.c_prefix.len() + 1 + s.name.len(), String::len)
}

/// [`struct_ident`] appended to `out`: asked for at nearly every mention
/// of a struct, so built in place.
fn push_struct_ident(out: &mut String, owner: &Model, s: &Struct) {
    match &s.c_name {
        Some(n) => out.push_str(n),
        None => {
            out.reserve(owner.c_prefix.len() + 1 + s.name.len());
            push_lower(out, &owner.c_prefix);
            out.push('_');
            push_lower(out, &s.name);
        }
    }
}

/// `struct x_y`, or `union x_y` for a union: the type as C spells it.
pub fn aggregate_tag(owner: &Model, s: &Struct) -> String {
    let word = if s.is_union { "union " } else { "struct " };
    let mut out = String::with_capacity(word.len() + ident_len(owner, s));
    out.push_str(word);
    push_struct_ident(&mut out, owner, s);
    out
}

/// The tag (`struct` or `union`) of a struct of `model` or of a spec it
/// includes.
pub fn owned_struct_tag(model: &Model, id: &StructId) -> String {
    aggregate_tag(model.owner(id), model.struct_(id))
}

/// The tag of a C enum (`enum softaccel_opcode`), `enum` alone for YNL's
/// anonymous enums (an empty `enum-name`).
pub fn enum_tag(owner: &Model, e: &Enum) -> String {
    let mut out = String::with_capacity(6 + owner.c_prefix.len() + e.name.len());
    out.push_str("enum");
    match &e.enum_name {
        Some(n) if n.is_empty() => {}
        Some(n) => {
            out.push(' ');
            push_lower(&mut out, n);
        }
        None => {
            out.push(' ');
            push_lower(&mut out, &owner.c_prefix);
            out.push('_');
            push_lower(&mut out, &e.name);
        }
    }
    out
}

/// The macro of a const: its `c-name` or `<PREFIX>_<NAME>`.
pub fn const_macro(owner: &Model, c: &Const) -> String {
    match (&c.c_name, &c.name_prefix) {
        (Some(n), _) => n.clone(),
        // YNL's `name-prefix` replaces `<PREFIX>_` (wireguard's `wg-` +
        // `key-len` is `WG_KEY_LEN`).
        (None, Some(p)) => {
            let mut out = String::with_capacity(p.len() + c.name.len());
            push_upper(&mut out, p);
            push_upper(&mut out, &c.name);
            out
        }
        (None, None) => joined_upper(&owner.c_prefix, "_", &c.name, ""),
    }
}

/// The macro of a const named by a size key (`count: max-cus`), which
/// may belong to an included spec.
pub fn const_name_macro(model: &Model, c: &ConstName) -> String {
    let owner = if c.spec == model.name {
        Some(model)
    } else {
        model.tree.get(&c.spec).map(AsRef::as_ref)
    };
    match owner.and_then(|o| Some((o, o.consts.iter().find(|k| k.name == c.name)?))) {
        Some((o, k)) => const_macro(o, k),
        // The resolver made the reference from these specs; kept total.
        None => joined_upper(&c.spec, "_", &c.name, ""),
    }
}

/// The constant of an enum or flags entry: its `c-name`, YNL's
/// `name-prefix` followed by the entry (`foo-` -> `FOO_COMPUTE`), or
/// `<PREFIX>_<ENUM>_<ENTRY>`.
pub fn entry_macro(owner: &Model, e: &Enum, x: &EnumEntry) -> String {
    match &x.c_name {
        Some(n) => n.clone(),
        None => entry_macro_with(&entry_prefix(owner, e), x),
    }
}

/// [`entry_macro`], given its enum's [`entry_prefix`]: the header names
/// every entry of an enum, so the prefix is cased once for them all.
pub(crate) fn entry_macro_with(prefix: &str, x: &EnumEntry) -> String {
    match &x.c_name {
        Some(n) => n.clone(),
        None => {
            let mut out = String::with_capacity(prefix.len() + x.name.len());
            out.push_str(prefix);
            push_upper(&mut out, &x.name);
            out
        }
    }
}

/// The prefix of an enum's derived entry names: its `name-prefix`, or
/// `<PREFIX>_<ENUM>_`.
pub fn entry_prefix(owner: &Model, e: &Enum) -> String {
    match &e.name_prefix {
        Some(p) => upper(p),
        None => {
            let mut out = String::with_capacity(owner.c_prefix.len() + e.name.len() + 2);
            push_upper(&mut out, &owner.c_prefix);
            out.push('_');
            push_upper(&mut out, &e.name);
            out.push('_');
            out
        }
    }
}

/// A value of a multi-bit flags field, placed in the word:
/// `SOFTACCEL_BO_FLAGS_CACHE_MODE_WC`.
pub fn field_value_macro(entry_macro: &str, value: &str) -> String {
    let mut out = String::with_capacity(entry_macro.len() + 1 + value.len());
    out.push_str(entry_macro);
    out.push('_');
    push_upper(&mut out, value);
    out
}

/// The mask of every bit of a flags set: `ACCEL_BO_FLAGS_ALL`.
pub fn flags_all_macro(owner: &Model, e: &Enum) -> String {
    joined_upper(&owner.c_prefix, "_", &e.name, "_ALL")
}

/// The command macro of an ioctl: its `c-name`, `DRM_IOCTL_<DRIVER>_<X>`
/// in DRM style, else `<PREFIX>_IOCTL_<X>`.
pub fn ioctl_macro(owner: &Model, io: &Ioctl) -> String {
    match (&io.c_name, &owner.ioctl_style) {
        (Some(n), _) => n.clone(),
        (None, IoctlStyle::Drm { driver }) => {
            let mut out = String::with_capacity(11 + driver.len() + io.name.len());
            out.push_str("DRM_IOCTL_");
            out.push_str(driver);
            out.push('_');
            push_upper(&mut out, &io.name);
            out
        }
        (None, IoctlStyle::Plain) => joined_upper(&owner.c_prefix, "_IOCTL_", &io.name, ""),
    }
}

/// The number macro of an ioctl: its `c-nr-name`, `DRM_<DRIVER>_<X>`
/// (relative to DRM_COMMAND_BASE) in DRM style, else `<PREFIX>_NR_<X>`.
pub fn nr_macro(owner: &Model, io: &Ioctl) -> String {
    match (&io.c_nr_name, &owner.ioctl_style) {
        (Some(n), _) => n.clone(),
        (None, IoctlStyle::Drm { driver }) => {
            let mut out = String::with_capacity(5 + driver.len() + io.name.len());
            out.push_str("DRM_");
            out.push_str(driver);
            out.push('_');
            push_upper(&mut out, &io.name);
            out
        }
        (None, IoctlStyle::Plain) => joined_upper(&owner.c_prefix, "_NR_", &io.name, ""),
    }
}

/// The value the number macro holds: the `_IOC_NR`, or in DRM style its
/// offset from DRM_COMMAND_BASE (the resolver rejects lower numbers).
pub fn nr_value(owner: &Model, io: &Ioctl) -> u8 {
    match owner.ioctl_style {
        IoctlStyle::Drm { .. } => io.nr.saturating_sub(crate::model::DRM_COMMAND_BASE),
        IoctlStyle::Plain => io.nr,
    }
}

/// The magic macro, `SOFTACCEL_IOCTL_MAGIC`; none in DRM style, where
/// drm.h's DRM_IOCTL_BASE is the type byte.
pub fn magic_macro(owner: &Model) -> Option<String> {
    match owner.ioctl_style {
        IoctlStyle::Drm { .. } => None,
        IoctlStyle::Plain => Some(joined_upper(&owner.c_prefix, "_IOCTL_MAGIC", "", "")),
    }
}

/// The macro that the header's layout checks are written with.
pub fn check_macro(owner: &Model) -> String {
    joined_upper(&owner.c_prefix, "_ABI_CHECK", "", "")
}

/// `a` upper-cased, `mid`, `b` upper-cased and `tail`, in one `String`
/// sized once: the shape of most macro names (`<PREFIX>_NR_<NAME>`).
fn joined_upper(a: &str, mid: &str, b: &str, tail: &str) -> String {
    let mut out = String::with_capacity(a.len() + mid.len() + b.len() + tail.len());
    push_upper(&mut out, a);
    out.push_str(mid);
    push_upper(&mut out, b);
    out.push_str(tail);
    out
}

pub(crate) use crate::names::{push_snake as push_lower, push_upper};

/// Every name drm.h defines (with drm_mode.h), which a DRM-style header
/// includes: each with whether it is a tag (`struct drm_version`) rather
/// than an ordinary identifier or macro (`DRM_COMMAND_BASE`).
pub fn drm_h_names() -> impl Iterator<Item = (&'static str, bool)> {
    use super::drm_h::{IDENTIFIERS, MACROS, TAGS};
    MACROS
        .iter()
        .chain(IDENTIFIERS)
        .map(|n| (*n, false))
        .chain(TAGS.iter().map(|n| (*n, true)))
}
