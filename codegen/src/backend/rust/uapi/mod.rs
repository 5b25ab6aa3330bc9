//! Rust uapi backend: renders one spec into the `#![no_std]` crate
//! `<spec>/rust/uapi` (package `<spec>-uapi`, lib `<spec>_uapi`).
//!
//! The crate holds what both sides of the boundary share and nothing that
//! acts: `#[repr(C)]` structs, constants, enum and flags values, ioctl
//! numbers per target, and compile-time assertions that rustc lays every
//! struct out exactly as the model computed. The `rust/kernel` and
//! `rust/user` crates build on it. Items of an included spec live in that
//! spec's crate, which this one depends on by path and re-exports.
//!
//! The code is printed as text, already in rustfmt's layout (`text.rs`,
//! `structs.rs`, `ioctls.rs`, with the layout rules in `fmt.rs`).

mod ioctls;
mod structs;
pub(crate) use structs::rust_array;
mod text;

use crate::backend::rust::cargo::crate_files;
use crate::backend::rust::writer::{self, RustWriter};
use crate::backend::rust::{Flavour, RustScalar};
use crate::backend::shared::{PushFmt, push_decimal};
use crate::backend::{GeneratedFile, OutputOptions, RenderError};
use crate::ioc::Dir;
use crate::model::{
    Access, ByteOrder, Elem, EnumId, Member, MemberKind, Model, PtrLen, Struct, StructId,
    StructLayout,
};
use crate::names;
use crate::target::Target;
pub(crate) use text::{lib_rs_both, lib_rs_in};

/// Never fails today; a `Result` like every backend's `render`.
pub fn render(model: &Model) -> Result<Vec<GeneratedFile>, RenderError> {
    render_with(model, &OutputOptions::default())
}

/// [`render`], with included crates named as `opts` says.
pub fn render_with(model: &Model, opts: &OutputOptions) -> Result<Vec<GeneratedFile>, RenderError> {
    Ok(crate_files(
        model,
        "uapi",
        cargo_toml(model, opts),
        text::lib_rs(model),
    ))
}

/// [`render_with`] and the kernel flavour's uapi module
/// (`<spec>/rust/linux/<spec>_uapi.rs`, which [`rust::linux::render`]
/// also writes), from one printing of the two texts ([`lib_rs_both`]):
/// generation's job for the uapi text, so that no job prints it twice
/// (`rust::linux::render_rest` is the kernel flavour's other job).
///
/// [`rust::linux::render`]: crate::backend::rust::linux::render
pub(crate) fn render_with_linux(
    model: &Model,
    opts: &OutputOptions,
) -> Result<Vec<GeneratedFile>, RenderError> {
    let (hosted, linux) = lib_rs_both(model);
    let mut files = crate_files(model, "uapi", cargo_toml(model, opts), hosted);
    files.push(crate::backend::rust::linux::uapi_file(model, linux));
    Ok(files)
}

/// Package name of a spec's uapi crate.
pub fn package_name(spec: &str) -> String {
    crate::backend::rust::cargo::package_name(spec, "uapi")
}

/// Library (extern crate) name of a spec's uapi crate.
pub fn lib_name(spec: &str) -> String {
    crate::backend::rust::cargo::lib_name(spec, "uapi")
}

fn cargo_toml(model: &Model, opts: &OutputOptions) -> String {
    let description = format!(
        "Structs, constants and ioctl numbers of the {} uapi (generated).",
        model.name
    );
    let deps = ["zerocopy = { version = \"0.8\", features = [\"derive\"] }".to_string()];
    crate::backend::rust::cargo::manifest(model, "uapi", &description, &deps, opts)
}

pub(crate) struct Gen<'a> {
    pub(crate) model: &'a Model,
    pub(crate) flavour: Flavour,
}

impl Gen<'_> {
    /// Lines that differ between the flavours: `hosted` writes the hosted
    /// crate's, `linux` the kernel flavour's, each leaving the indentation
    /// as it found it. A writer of both texts ([`lib_rs_both`]) takes
    /// both; every flavour-specific line goes through here, so that the
    /// two texts are one printing.
    pub(crate) fn flavoured(
        &self,
        w: &mut RustWriter,
        hosted: impl FnOnce(&mut RustWriter),
        linux: impl FnOnce(&mut RustWriter),
    ) {
        if self.flavour == Flavour::Linux && !w.writes_two() {
            linux(w);
        } else {
            w.fork(hosted, linux);
        }
    }

    /// Does the struct hold no implicit padding on any of the spec's
    /// targets (its members, nested ones included, cover every byte)?
    pub(crate) fn padding_free(&self, s: &Struct) -> bool {
        // A union is its bytes (see `write_union`): no padding.
        if s.is_union {
            return true;
        }
        self.padding_free_with(s, self.model.targets.iter().map(|&t| s.layout(t)))
    }

    /// [`Self::padding_free`] of a struct that is no union, from its
    /// `layouts` on the spec's targets (which a caller may have looked
    /// up already).
    pub(crate) fn padding_free_with<'s>(
        &self,
        s: &Struct,
        layouts: impl IntoIterator<Item = &'s StructLayout>,
    ) -> bool {
        // Embedded structs once, not once per target: the check nests.
        let nested_ok = s.members.iter().all(|m| match m.kind.embedded_struct() {
            Some(id) => self.padding_free(self.model.struct_(id)),
            None => true,
        });
        nested_ok
            && layouts
                .into_iter()
                .all(|l| l.members.iter().map(|m| m.size).sum::<u32>() == l.size)
    }

    /// A member's doc text, appended to `text` (the struct's printer keeps
    /// one buffer for all its members): the spec's doc, then one paragraph
    /// of facts, one sentence after another.
    fn push_member_doc(&self, text: &mut String, s: &Struct, mem: &Member) {
        if let Some(d) = &mem.doc {
            text.push_str(d);
            text.push('\n');
        }
        // What the member's kind says, then a space if it said anything.
        let what_at = text.len();
        match &mem.kind {
            MemberKind::Pad { .. } => {
                text.push_str("Padding: must be zero on input, and is zero on output.");
            }
            MemberKind::Binary { len } => {
                text.push_fmt(format_args!("Opaque data, {len} bytes."));
            }
            MemberKind::String { len } => {
                text.push_fmt(format_args!(
                    "NUL-terminated, NUL-padded string of at most {} bytes.",
                    len.saturating_sub(1)
                ));
            }
            MemberKind::UserPtr {
                elem,
                len,
                max_count,
                stride,
            } => {
                let elem = match elem {
                    Elem::Scalar(sc) => format!("`{}`", sc.rust()),
                    Elem::Struct(id) => self.struct_link(id),
                };
                let sibling = |i: usize| {
                    s.members
                        .get(i)
                        .map(|m| names::snake(&m.name))
                        .unwrap_or_else(|| "?".to_string())
                };
                match len {
                    PtrLen::Count(i) => text.push_fmt(format_args!(
                        "User pointer: the address of an array of {elem}, with the element \
                         count in `{}`",
                        sibling(*i)
                    )),
                    PtrLen::Bytes(i) => text.push_fmt(format_args!(
                        "User pointer: the address of {elem} data, with the length in bytes \
                         in `{}`",
                        sibling(*i)
                    )),
                    PtrLen::Single => {
                        text.push_fmt(format_args!("User pointer: the address of one {elem}"));
                    }
                }
                if let Some(max) = max_count {
                    text.push_fmt(format_args!(" (at most {max})"));
                }
                if let Some(i) = stride {
                    text.push_fmt(format_args!(
                        ", elements `{}` bytes apart (the safe ioctl function sets it to the \
                         element's size)",
                        sibling(*i)
                    ));
                }
                text.push('.');
            }
            MemberKind::Union { .. } => {
                text.push_str("A union: its accessors read and write each member.");
            }
            MemberKind::Scalar { .. } | MemberKind::Struct { .. } => {}
        }
        if let Some(a) = mem.address {
            text.push_str(a.doc());
        }
        if text.len() > what_at {
            text.push(' ');
        }
        // Pad is zero both ways whatever the struct's direction.
        if !matches!(mem.kind, MemberKind::Pad { .. }) {
            text.push_str("Access: ");
            text.push_str(access_text(mem.access));
            text.push_str(". ");
        }
        if let Some(check) = &mem.check {
            let link = self.enum_link(&check.enum_id);
            if check.as_flags {
                text.push_str("Flags: any of ");
                text.push_str(&link);
                text.push_str("; other bits are rejected. ");
            } else {
                text.push_str("One of ");
                text.push_str(&link);
                text.push_str("; other values are rejected. ");
            }
        }
        if let Some((lo, hi)) = mem.range {
            text.push_fmt(format_args!("Range: {lo}..={hi}. "));
        }
        if let Some(r) = &mem.resource {
            text.push_fmt(format_args!("A handle of a `{r}`. "));
        }
        if let Some(bo) = mem.byte_order {
            text.push_str(match bo {
                ByteOrder::Little => "Byte order: little-endian. ",
                ByteOrder::Big => "Byte order: big-endian. ",
            });
        }
        text.push_str("Since revision ");
        push_decimal(text, mem.since);
        text.push('.');
    }

    /// "Size: 24 bytes. Alignment: 8 (4 on i386).", appended to `out`
    /// (nothing for a spec without targets), from the struct's `layouts`
    /// on the spec's targets, in order.
    fn push_layout_text(&self, out: &mut String, layouts: &[&StructLayout]) {
        if self.model.targets.is_empty() {
            return;
        }
        out.push_str("Size: ");
        self.push_described(out, layouts, |l| l.size);
        out.push_str(" bytes. Alignment: ");
        self.push_described(out, layouts, |l| l.align);
        out.push('.');
    }

    /// The value of `f` on the spec's targets (of their `layouts`),
    /// appended to `out`: the value most targets share plainly, the rest
    /// as exceptions ("8 (4 on i386)").
    fn push_described(
        &self,
        out: &mut String,
        layouts: &[&StructLayout],
        f: impl Fn(&StructLayout) -> u32,
    ) {
        // Most values are the same everywhere: found without grouping.
        if let Some((first, rest)) = layouts.split_first() {
            let v = f(first);
            if rest.iter().all(|l| f(l) == v) {
                push_decimal(out, v);
                return;
            }
        }
        let targets = self.model.targets.iter().copied();
        let mut groups = crate::target::group(targets.zip(layouts.iter().map(|l| f(l))));
        groups.sort_by_key(|(_, ts)| std::cmp::Reverse(ts.len()));
        let Some(((most, _), rest)) = groups.split_first() else {
            return;
        };
        push_decimal(out, *most);
        if rest.is_empty() {
            return;
        }
        out.push_str(" (");
        for (i, (v, ts)) in rest.iter().enumerate() {
            if i > 0 {
                out.push_str("; ");
            }
            push_decimal(out, *v);
            out.push_str(" on ");
            for (j, t) in ts.iter().enumerate() {
                if j > 0 {
                    out.push_str(", ");
                }
                out.push_str(t.name());
            }
        }
        out.push(')');
    }

    fn group_values<T: PartialEq + Copy>(&self, f: impl Fn(Target) -> T) -> Vec<(T, Vec<Target>)> {
        crate::target::group_by(&self.model.targets, f)
    }

    /// Path of a struct type from this crate: `Name`, or
    /// `accel_uapi::Name` for an included spec's struct.
    fn struct_path_text(&self, id: &StructId) -> String {
        let mut out = String::new();
        self.push_struct_path(&mut out, id);
        out
    }

    /// [`Self::struct_path_text`], appended to `out`.
    fn push_struct_path(&self, out: &mut String, id: &StructId) {
        // This spec's own structs, most of them, have no crate prefix to
        // look for.
        let last = writer::type_ident(&self.model.struct_(id).name);
        if id.spec() == self.model.name {
            out.push_str(&last);
            return;
        }
        writer::push_path(out, self.crate_prefix_text(id.spec()), &last);
    }

    /// An intra-doc link to a struct.
    fn struct_link(&self, id: &StructId) -> String {
        let prefix = self.crate_prefix_text(id.spec());
        writer::doc_link(&prefix, &writer::type_ident(&self.model.struct_(id).name))
    }

    /// An intra-doc link to an enum's module.
    fn enum_link(&self, id: &EnumId) -> String {
        let prefix = self.crate_prefix_text(id.spec());
        writer::doc_link(&prefix, &writer::snake_ident(&self.model.enum_(id).name))
    }

    /// The chain of re-exported crates that leads from this crate to the
    /// crate of spec `owner` (empty for this spec's own items). Each crate
    /// re-exports its direct includes, so a transitively included item is
    /// reachable without a direct dependency.
    fn crate_prefix_text(&self, owner: &str) -> Vec<String> {
        fn chain(m: &Model, owner: &str) -> Option<Vec<String>> {
            if let Some(inc) = m.includes.iter().find(|i| i.name == owner) {
                return Some(vec![lib_name(&inc.name)]);
            }
            m.includes.iter().find_map(|inc| {
                chain(inc, owner).map(|mut rest| {
                    rest.insert(0, lib_name(&inc.name));
                    rest
                })
            })
        }
        if owner == self.model.name {
            return Vec::new();
        }
        chain(self.model, owner).unwrap_or_default()
    }
}

// ---------------------------------------------------------------- docs

pub(crate) fn since_text(since: u32) -> String {
    format!("Since revision {since}.")
}

fn access_text(a: Access) -> &'static str {
    match a {
        Access::In => "in (read by the kernel)",
        Access::Out => "out (written by the kernel)",
        Access::InOut => "inout (read and written by the kernel)",
    }
}

pub(crate) fn dir_text(d: Dir) -> &'static str {
    match d {
        Dir::None => "none",
        Dir::In => "in",
        Dir::Out => "out",
        Dir::InOut => "inout",
    }
}

fn join_paras<const N: usize>(paras: [Option<String>; N]) -> String {
    paras.into_iter().flatten().collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(lib_name("accel"), "accel_uapi");
        assert_eq!(package_name("soft-accel"), "soft-accel-uapi");
        assert_eq!(lib_name("soft-accel"), "soft_accel_uapi");
        assert_eq!(
            crate::backend::rust::cargo::toml_str(r#"a"b\c"#),
            r#""a\"b\\c""#
        );
    }

    /// The one printing of both flavours is each flavour's own printing.
    #[test]
    fn both_flavours_at_once_are_each_flavour() {
        crate::backend::rust::assert_both_flavours_as_each(lib_rs_both, lib_rs_in);
    }
}
