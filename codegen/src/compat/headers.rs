//! Comparing two revisions of a C header, each imported by `uabi import`
//! ([`super::header_side`]). A header's identity is its C names, not its
//! spec's: before the usual rules run, each side loses what the other
//! side's header holds but the spec language cannot express (else an
//! item that became inexpressible would read as removed), and a macro
//! that became an enumerator of the same name and value (or back) is a
//! compatible change, as it is for every C program. Revision and `since`
//! numbers, which a header does not have, are not judged.

use super::{Report, Side, compare_with};
use crate::backend::c;
use crate::dump::{self, Dump};
use crate::model::Model;
use std::collections::BTreeMap;

/// An item of a dump, by section and spec name (an entry also by its
/// enum).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Const(String),
    Enum(String),
    Flags(String),
    Struct(String),
    Ioctl(String),
    Entry {
        flags: bool,
        of: String,
        name: String,
        value: i128,
    },
}

/// Compares the headers behind `old` and `new` (sides with a model).
pub fn compare_headers(old: &Side, new: &Side) -> Report {
    // A side's dump has no digests; a frozen dump on the other side has,
    // and must not differ by them.
    let mut o = old.dump.clone();
    let mut n = new.dump.clone();
    dump::clear_digests(&mut o);
    dump::clear_digests(&mut n);
    let (Some(om), Some(nm)) = (&old.header_model, &new.header_model) else {
        return compare_with(&o, &n, &new.locator, old_places(old), false);
    };
    let (onames, nnames) = (c_names(om), c_names(nm));
    let mut notes = Vec::new();
    for (unchecked, side_label, names, dump) in [
        (&new.unchecked, &new.label, &onames, &mut o),
        (&old.unchecked, &old.label, &nnames, &mut n),
    ] {
        for c_name in unchecked.iter().filter_map(|u| c_ident(&u.what)) {
            if let Some(item) = names.get(&c_name) {
                remove(dump, item);
                notes.push(format!(
                    "not compared: `{c_name}`, which the spec language cannot express in {side_label}"
                ));
            }
        }
    }
    macro_enumerator_moves(&onames, &nnames, &mut o, &mut n, &mut notes);
    let mut report = compare_with(&o, &n, &new.locator, old_places(old), false);
    notes.append(&mut report.compatible);
    report.compatible = notes;
    report
}

/// Where a removed item is shown: in the old header, where it was (a
/// spec or a dump on the old side keeps the new side's place, as a
/// comparison of specs does).
fn old_places(old: &Side) -> Option<&crate::dump::Locator> {
    old.from_header().then_some(&old.locator)
}

/// A macro of one side that the other defines as an enumerator of the
/// same name and value (habanalabs' `HL_ENGINE_CORE_HALT`, a `#define`
/// in 6.3 and an enumerator in 6.4), or the reverse: the same C name
/// and value, so no program notices. Both are left out of the
/// comparison, with a note.
fn macro_enumerator_moves(
    onames: &BTreeMap<String, Item>,
    nnames: &BTreeMap<String, Item>,
    o: &mut Dump,
    n: &mut Dump,
    notes: &mut Vec<String>,
) {
    for (c_name, oi) in onames {
        let Some(ni) = nnames.get(c_name) else {
            continue;
        };
        let moved = match (oi, ni) {
            (Item::Const(k), Item::Entry { value, .. }) => {
                o.consts.get(k).is_some_and(|d| d.value == *value)
            }
            (Item::Entry { value, .. }, Item::Const(k)) => {
                n.consts.get(k).is_some_and(|d| d.value == *value)
            }
            _ => false,
        };
        if moved {
            remove(o, oi);
            remove(n, ni);
            let how = if matches!(oi, Item::Const(_)) {
                "a macro became an enumerator"
            } else {
                "an enumerator became a macro"
            };
            notes.push(format!("`{c_name}`: {how} of the same value"));
        }
    }
}

/// The C identifier an import finding names: `struct drm_x` -> `drm_x`,
/// `member drm_x.y` -> `drm_x` (its struct), `macro X` -> `X`.
fn c_ident(what: &str) -> Option<String> {
    let last = what.split_whitespace().last()?;
    let ident = last.split('.').next()?;
    (!ident.is_empty() && ident.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| ident.to_string())
}

/// Every C name the header of `m` defines for a dump item.
fn c_names(m: &Model) -> BTreeMap<String, Item> {
    let mut out = BTreeMap::new();
    for k in &m.consts {
        out.insert(c::const_macro(m, k), Item::Const(k.name.clone()));
    }
    for e in &m.enums {
        let flags = e.kind == crate::model::EnumKind::Flags;
        let tag = c::enum_tag(m, e);
        if let Some(t) = tag.strip_prefix("enum ") {
            let item = if flags {
                Item::Flags(e.name.clone())
            } else {
                Item::Enum(e.name.clone())
            };
            out.insert(t.to_string(), item);
        }
        for x in &e.entries {
            out.insert(
                c::entry_macro(m, e, x),
                Item::Entry {
                    flags,
                    of: e.name.clone(),
                    name: x.name.clone(),
                    value: x.value,
                },
            );
        }
    }
    for s in &m.structs {
        out.insert(c::struct_ident(m, s), Item::Struct(s.name.clone()));
    }
    for io in &m.ioctls {
        out.insert(c::ioctl_macro(m, io), Item::Ioctl(io.name.clone()));
    }
    out
}

fn remove(d: &mut Dump, item: &Item) {
    match item {
        Item::Const(k) => {
            d.consts.remove(k);
        }
        Item::Enum(e) => {
            d.enums.remove(e);
        }
        Item::Flags(e) => {
            d.flags.remove(e);
        }
        Item::Struct(s) => {
            d.structs.remove(s);
        }
        Item::Ioctl(i) => {
            d.ioctls.remove(i);
        }
        Item::Entry {
            flags, of, name, ..
        } => {
            let section = if *flags { &mut d.flags } else { &mut d.enums };
            if let Some(e) = section.get_mut(of) {
                e.entries.remove(name);
            }
        }
    }
}
