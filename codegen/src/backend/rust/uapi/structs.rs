//! Structs of the uapi crate as text: the `#[repr(C)]` definition, its
//! `SIZE` and `ZERO` constants, `Default`, and the compile-time layout
//! assertions.

use super::Gen;
use super::text::cfg;
use crate::backend::rust::items::{field, struct_lit};
use crate::backend::rust::layout::{assign, assign_macro};
use crate::backend::rust::writer::{RustWriter, doc, snake_ident, type_ident};
use crate::backend::rust::{RustScalar, RustTarget};
use crate::backend::shared::push_decimal;
use crate::model::{MemberKind, Struct, StructLayout};

/// A struct's derive attribute (one derive a line: the list is always
/// wider than rustfmt's attribute width), with `$into` among the
/// zerocopy traits: `IntoBytes` for a struct without implicit padding,
/// nothing for one with it.
macro_rules! derive_attr {
    ($into:literal) => {
        concat!(
            "#[derive(\n",
            "    Clone,\n",
            "    Copy,\n",
            "    Debug,\n",
            "    PartialEq,\n",
            "    Eq,\n",
            "    Hash,\n",
            "    ::zerocopy::FromBytes,\n",
            $into,
            "    ::zerocopy::Immutable,\n",
            "    ::zerocopy::KnownLayout,\n",
            ")]\n",
        )
    };
}

/// The derive attribute of a struct without implicit padding.
const DERIVE_PADDING_FREE: &str = derive_attr!("    ::zerocopy::IntoBytes,\n");

/// [`DERIVE_PADDING_FREE`] without `IntoBytes`, for a struct with padding.
const DERIVE_PADDED: &str = derive_attr!("");

/// The body of a struct's `Default` impl and the impl's closing brace.
const DEFAULT_BODY: &str = "    fn default() -> Self {\n        Self::ZERO\n    }\n}\n";

impl Gen<'_> {
    pub(super) fn write_struct(&self, w: &mut RustWriter, s: &Struct) {
        if s.is_union {
            return self.write_union(w, s);
        }
        let name = type_ident(&s.name);
        // Asked once: the derives, the byte impls and `to_bytes` depend on it.
        // Each target's layout, looked up once for the size and the
        // assertions (a lookup a target for each member's offset was a
        // tenth of printing a struct).
        let layouts: Vec<&StructLayout> = self.model.targets.iter().map(|&t| s.layout(t)).collect();
        let free = self.padding_free_with(s, layouts.iter().copied());
        // The members' identifiers, once for the fields, `ZERO` and the
        // assertions.
        let fields: Vec<String> = s.members.iter().map(|m| snake_ident(&m.name)).collect();
        // One buffer for the struct's doc and each member's in turn.
        let mut text = String::with_capacity(256);
        self.push_struct_doc(&mut text, s, &layouts);
        doc(w, &text);
        w.line("#[repr(C)]");
        self.write_derive(w, free);
        w.open_of(&["pub struct ", &name]);
        // One buffer for every member's type, as for the docs.
        let mut ty = String::new();
        for (mem, f) in s.members.iter().zip(&fields) {
            text.clear();
            self.push_member_doc(&mut text, s, mem);
            doc(w, &text);
            ty.clear();
            self.push_member_type(&mut ty, mem);
            field(w, f, &ty);
        }
        w.close("");
        self.write_byte_impls(w, &name, free);

        w.open_of(&["impl ", &name]);
        self.each_layout_group(
            &layouts,
            |l| l.size,
            |size, preds| {
                w.line(
                    "/// Size in bytes, as `size_of` reports it and as the C header lays it out.",
                );
                cfg(w, preds);
                w.line_num("pub const SIZE: usize = ", size, ";");
            },
        );
        if !free {
            self.write_to_bytes(w, s, &fields);
        }
        w.line("/// Every member zero: the value `Default` returns, usable in const context.");
        // Every member's `field: zero` in one buffer, then cut into the
        // fields `struct_lit` lays out: no `String` a member.
        let mut zero_text = String::with_capacity(16 * fields.len());
        let mut ends = Vec::with_capacity(fields.len());
        for (mem, f) in s.members.iter().zip(&fields) {
            zero_text.push_str(f);
            zero_text.push_str(": ");
            self.push_member_zero(&mut zero_text, mem);
            ends.push(zero_text.len());
        }
        let zeros: Vec<&str> = std::iter::once(0)
            .chain(ends.iter().copied())
            .zip(&ends)
            .filter_map(|(start, &end)| zero_text.get(start..end))
            .collect();
        struct_lit(w, "pub const ZERO: Self = Self", &zeros, ";");
        w.close("");

        // Arrays longer than 32 have no derived Default, so it is written
        // out once for every struct.
        w.line_of(&["impl ::core::default::Default for ", &name, " {"]);
        w.block(DEFAULT_BODY);

        self.write_layout_asserts(w, &layouts, &name, &fields);
    }

    /// A struct's doc text, appended to `text`: the spec's doc, then
    /// revision, size and alignment.
    fn push_struct_doc(&self, text: &mut String, s: &Struct, layouts: &[&StructLayout]) {
        if let Some(d) = &s.doc {
            text.push_str(d);
        }
        text.push_str("\nSince revision ");
        push_decimal(text, s.since);
        text.push_str(". ");
        self.push_layout_text(text, layouts);
    }

    /// zerocopy proves at compile time what the byte views need: every bit
    /// pattern is a valid value (FromBytes) and, for a struct without
    /// implicit padding, every byte is initialised (IntoBytes). A spec
    /// that fails lint may still have padding; it gets no IntoBytes. The
    /// list is always wider than rustfmt's attribute width, so it is one
    /// derive a line.
    fn write_derive(&self, w: &mut RustWriter, padding_free: bool) {
        self.flavoured(
            w,
            |w| {
                w.block(if padding_free {
                    DERIVE_PADDING_FREE
                } else {
                    DERIVE_PADDED
                })
            },
            // The kernel's byte traits are not derivable: `write_byte_impls`
            // states them, with the reason they hold.
            |w| w.line("#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]"),
        );
    }

    /// The kernel flavour's `unsafe impl`s of `FromBytes` and, for a
    /// struct without implicit padding, `AsBytes` (what zerocopy's derives
    /// prove in the hosted crate; the layout assertions below pin the
    /// facts they rest on).
    fn write_byte_impls(&self, w: &mut RustWriter, name: &str, padding_free: bool) {
        self.flavoured(
            w,
            |_| {},
            |w| {
                w.line(
                    "// SAFETY: `repr(C)` of integers, byte arrays and such structs only: every bit",
                );
                w.line("// pattern is a valid value.");
                w.line_of(&["unsafe impl FromBytes for ", name, " {}"]);
                if padding_free {
                    w.line(
                        "// SAFETY: the members cover every byte on every target (no implicit \
                         padding),",
                    );
                    w.line("// and each is `AsBytes`: no uninitialised byte.");
                    w.line_of(&["unsafe impl AsBytes for ", name, " {}"]);
                }
            },
        );
    }

    /// The `to_bytes` of a struct with implicit padding (which cannot be
    /// `AsBytes`/`IntoBytes`: its padding is uninitialised): each
    /// member's bytes at its offset on the target being built, the padding
    /// zero, as copy-out needs them.
    fn write_to_bytes(&self, w: &mut RustWriter, s: &Struct, fields: &[String]) {
        w.line("/// The bytes as C lays the struct out, its implicit padding zero.");
        w.open("pub fn to_bytes(&self) -> [u8; Self::SIZE]");
        w.line("let mut b = [0u8; Self::SIZE];");
        for (mem, f) in s.members.iter().zip(fields) {
            let nested = mem
                .kind
                .embedded_struct()
                .filter(|id| !self.padding_free(self.model.struct_(id)));
            w.line_fmt(format_args!("let at = ::core::mem::offset_of!(Self, {f});"));
            let array = matches!(
                mem.kind,
                crate::model::MemberKind::Struct { count: Some(_), .. }
            );
            if nested.is_some() && array {
                // Arrays of them: one element after another.
                w.open_fmt(format_args!("for (i, e) in self.{f}.iter().enumerate()"));
                w.line("let e = e.to_bytes();");
                w.line("let at = at + i * e.len();");
                w.line("b[at..at + e.len()].copy_from_slice(&e);");
                w.close("");
            } else if nested.is_some() {
                w.line_fmt(format_args!("let m = self.{f}.to_bytes();"));
                w.line("b[at..at + m.len()].copy_from_slice(&m);");
            } else {
                self.flavoured(
                    w,
                    |w| w.line_of(&["let m = ::zerocopy::IntoBytes::as_bytes(&self.", f, ");"]),
                    |w| w.line_of(&["let m = crate::uabi_rt::as_bytes(&self.", f, ");"]),
                );
                w.line("b[at..at + m.len()].copy_from_slice(m);");
            }
        }
        w.line("b");
        w.close("");
        // Where the members are: copy-out writes only these bytes, so the
        // caller's padding bytes stay the caller's (as drm_ioctl's copy
        // back of its own buffer leaves them).
        w.line("/// The byte ranges of the members (offset, length): everything but the padding.");
        w.open_fmt(format_args!(
            "pub fn member_ranges() -> [(usize, usize); {}]",
            s.members.len()
        ));
        w.line("let z = Self::ZERO;");
        w.line_fmt(format_args!("let mut r = [(0, 0); {}];", s.members.len()));
        for (i, f) in fields.iter().enumerate() {
            assign(
                w,
                &format!("r[{i}].0"),
                &format!("::core::mem::offset_of!(Self, {f})"),
            );
            assign(
                w,
                &format!("r[{i}].1"),
                &format!("::core::mem::size_of_val(&z.{f})"),
            );
        }
        w.line("r");
        w.close("");
    }

    fn member_type_text(&self, mem: &crate::model::Member) -> String {
        let mut out = String::new();
        self.push_member_type(&mut out, mem);
        out
    }

    /// A member's Rust type, appended to `out`.
    fn push_member_type(&self, out: &mut String, mem: &crate::model::Member) {
        match &mem.kind {
            MemberKind::Scalar { ty, count: None } => out.push_str(ty.rust()),
            MemberKind::Scalar { ty, count: Some(_) } => {
                push_rust_array(out, mem, |out| out.push_str(ty.rust()));
            }
            MemberKind::Pad {
                scalar: Some(p), ..
            } => match p.count {
                Some(n) => push_array_of(out, p.ty.rust(), n),
                None => out.push_str(p.ty.rust()),
            },
            MemberKind::Pad { len, scalar: None }
            | MemberKind::Binary { len }
            | MemberKind::String { len } => push_array_of(out, "u8", *len),
            MemberKind::Struct { id, count: Some(_) } => {
                push_rust_array(out, mem, |out| self.push_struct_path(out, id));
            }
            MemberKind::Struct { id, count: None } | MemberKind::Union { id } => {
                self.push_struct_path(out, id);
            }
            MemberKind::UserPtr { .. } => out.push_str("u64"),
        }
    }

    fn member_zero_text(&self, mem: &crate::model::Member) -> String {
        let mut out = String::new();
        self.push_member_zero(&mut out, mem);
        out
    }

    /// A member's zero value, appended to `out`.
    fn push_member_zero(&self, out: &mut String, mem: &crate::model::Member) {
        match &mem.kind {
            MemberKind::Scalar { count: None, .. } | MemberKind::UserPtr { .. } => out.push('0'),
            MemberKind::Scalar { count: Some(_), .. } => {
                push_rust_array(out, mem, |out| out.push('0'));
            }
            MemberKind::Pad {
                scalar: Some(p), ..
            } => match p.count {
                Some(n) => push_array_of(out, "0", n),
                None => out.push('0'),
            },
            MemberKind::Pad { len, scalar: None }
            | MemberKind::Binary { len }
            | MemberKind::String { len } => push_array_of(out, "0", *len),
            // A const item repeats without the element being `Copy`.
            MemberKind::Struct { id, count: Some(_) } => push_rust_array(out, mem, |out| {
                self.push_struct_path(out, id);
                out.push_str("::ZERO");
            }),
            MemberKind::Struct { id, count: None } | MemberKind::Union { id } => {
                self.push_struct_path(out, id);
                out.push_str("::ZERO");
            }
        }
    }

    /// A union as its bytes: Rust's own unions derive neither `Debug` nor
    /// `PartialEq` (nor zerocopy's `IntoBytes` without a cfg flag), so a
    /// struct holding one could not either. The bytes follow a zero-size
    /// array of the unsigned integer as wide as the union's alignment,
    /// which aligns as C aligns the union on every target (a `u64` is 4
    /// bytes aligned on i386 in both), and each member has a method that
    /// reads it from the bytes and, where the member has no padding, one
    /// that writes it.
    fn write_union(&self, w: &mut RustWriter, s: &Struct) {
        let name = type_ident(&s.name);
        // A leading underscore: no spec const (kebab-case) is named so.
        let bytes = format!("_{}_BYTES", crate::names::upper(&s.name));
        for (size, preds) in self.target_groups(|t| s.layout(t).size) {
            w.line_fmt(format_args!(
                "/// The size of [`{name}`] in bytes on this target."
            ));
            cfg(w, preds.as_deref());
            w.line_fmt(format_args!("const {bytes}: usize = {size};"));
        }
        let align = s.layouts.values().map(|l| l.align).max().unwrap_or(1);
        let align_ty = match align {
            8.. => Some("u64"),
            4 => Some("u32"),
            2 => Some("u16"),
            _ => None,
        };
        let mut text = String::new();
        let layouts: Vec<&StructLayout> = self.model.targets.iter().map(|&t| s.layout(t)).collect();
        self.push_struct_doc(&mut text, s, &layouts);
        text.push_str("\n\nA C union: its bytes, read and written through one method per member.");
        doc(w, &text);
        w.line("#[repr(C)]");
        // A union is its bytes: no padding.
        self.write_derive(w, true);
        w.open_fmt(format_args!("pub struct {name}"));
        if let Some(t) = align_ty {
            w.line("/// The union's alignment, as C's on every target.");
            field(w, "_align", &format!("[{t}; 0]"));
        }
        w.line("/// The union's bytes.");
        field(w, "raw", &format!("[u8; {bytes}]"));
        w.close("");
        self.write_byte_impls(w, &name, true);

        w.open_fmt(format_args!("impl {name}"));
        w.line("/// Size in bytes, as `size_of` reports it and as the C header lays it out.");
        w.line_fmt(format_args!("pub const SIZE: usize = {bytes};"));
        w.line("/// Every byte zero: the value `Default` returns, usable in const context.");
        let mut zeros = Vec::new();
        if align_ty.is_some() {
            zeros.push("_align: []".to_string());
        }
        zeros.push(format!("raw: [0; {bytes}]"));
        struct_lit(w, "pub const ZERO: Self = Self", &zeros, ";");
        for mem in &s.members {
            let f = snake_ident(&mem.name);
            let getter = f.clone();
            let setter = format!("set_{}", f.trim_start_matches("r#"));
            let ty = self.member_type_text(mem);
            let zero = self.member_zero_text(mem);
            w.blank();
            doc(
                w,
                &format!("Member `{}` of the union, read from its bytes.", mem.name),
            );
            w.open_fmt(format_args!("pub fn {getter}(&self) -> {ty}"));
            self.flavoured(
                w,
                |w| {
                    w.line_fmt(format_args!(
                        "match <{ty} as ::zerocopy::FromBytes>::read_from_prefix(&self.raw) {{"
                    ));
                    w.line("    Ok((v, _)) => v,");
                    w.line_fmt(format_args!("    Err(_) => {zero},"));
                    w.line("}");
                },
                |w| {
                    w.line_fmt(format_args!(
                        "crate::uabi_rt::read_from_prefix(&self.raw).unwrap_or({zero})"
                    ));
                },
            );
            w.close("");
            if self.member_into_bytes(mem) {
                w.blank();
                doc(
                    w,
                    &format!("Writes member `{}` into the union's bytes.", mem.name),
                );
                w.open_fmt(format_args!("pub fn {setter}(&mut self, v: &{ty})"));
                self.flavoured(
                    w,
                    |w| w.line("let b = ::zerocopy::IntoBytes::as_bytes(v);"),
                    |w| w.line("let b = crate::uabi_rt::as_bytes(v);"),
                );
                w.line("self.raw[..b.len()].copy_from_slice(b);");
                w.close("");
            }
        }
        w.close("");

        w.open_fmt(format_args!("impl ::core::default::Default for {name}"));
        w.open("fn default() -> Self");
        w.line("Self::ZERO");
        w.close("");
        w.close("");

        // No member has an offset to assert: all are at 0, in the bytes.
        for (size, preds) in self.target_groups(|t| s.layout(t).size) {
            cfg(w, preds.as_deref());
            let e = format!("::core::mem::size_of_val(&{name}::ZERO) == {size}");
            assign_macro(w, "const _: ()", "assert!", &e);
        }
        for (align, preds) in self.target_groups(|t| s.layout(t).align) {
            cfg(w, preds.as_deref());
            let e = format!("::core::mem::align_of_val(&{name}::ZERO) == {align}");
            assign_macro(w, "const _: ()", "assert!", &e);
        }
    }

    /// Does the member's Rust type implement `IntoBytes` (no padding)?
    fn member_into_bytes(&self, mem: &crate::model::Member) -> bool {
        match &mem.kind {
            MemberKind::Struct { id, .. } | MemberKind::Union { id } => {
                self.padding_free(self.model.struct_(id))
            }
            MemberKind::Scalar { .. }
            | MemberKind::Pad { .. }
            | MemberKind::Binary { .. }
            | MemberKind::String { .. }
            | MemberKind::UserPtr { .. } => true,
        }
    }

    /// `each(value, preds)` for each group of [`Self::target_groups`] of
    /// a value of the struct's layout, from `layouts` (the spec's
    /// targets', in order): without grouping where one value holds on
    /// every target, as most do, and otherwise with one buffer of
    /// predicates for all the groups (a struct has such a value a member).
    fn each_layout_group<T: PartialEq + Copy>(
        &self,
        layouts: &[&StructLayout],
        f: impl Fn(&StructLayout) -> T,
        mut each: impl FnMut(T, Option<&[&'static str]>),
    ) {
        let Some((first, rest)) = layouts.split_first() else {
            return;
        };
        let v = f(first);
        if rest.iter().all(|l| f(l) == v) {
            return each(v, None);
        }
        // Two values at least: `target_groups`'s groups, in the order of
        // their first targets, each with the predicates of its targets
        // (none for a group of targets Rust cannot build for).
        let targets = &self.model.targets;
        let mut preds: Vec<&'static str> = Vec::with_capacity(layouts.len());
        for (i, l) in layouts.iter().enumerate() {
            let v = f(l);
            if layouts.iter().take(i).any(|e| f(e) == v) {
                continue;
            }
            preds.clear();
            preds.extend(
                targets
                    .iter()
                    .zip(layouts)
                    .filter(|(_, e)| f(e) == v)
                    .filter_map(|(t, _)| t.rust_cfg()),
            );
            if !preds.is_empty() {
                each(v, Some(&preds));
            }
        }
    }

    /// Compile-time proof of the model's layout, by rustc itself.
    /// `size_of_val` of the `ZERO` constant needs no generic arguments.
    fn write_layout_asserts(
        &self,
        w: &mut RustWriter,
        layouts: &[&StructLayout],
        name: &str,
        fields: &[String],
    ) {
        // One buffer for every number: a struct has one assertion a
        // member, and most have several members.
        let mut num = String::new();
        let whole: [(&str, LayoutFact); 2] = [
            ("::core::mem::size_of_val(&", |l| l.size),
            ("::core::mem::align_of_val(&", |l| l.align),
        ];
        for (query, fact) in whole {
            self.each_layout_group(layouts, fact, |value, preds| {
                cfg(w, preds);
                num.clear();
                push_decimal(&mut num, value);
                layout_assert(w, &[query, name, "::ZERO) == ", &num]);
            });
        }
        for (i, f) in fields.iter().enumerate() {
            self.each_layout_group(
                layouts,
                |l| l.offsets[i],
                |off, preds| {
                    cfg(w, preds);
                    num.clear();
                    push_decimal(&mut num, off);
                    layout_assert(
                        w,
                        &["::core::mem::offset_of!(", name, ", ", f, ") == ", &num],
                    );
                },
            );
        }
    }
}

/// `const _: () = assert!(cond);` of the condition in `parts`: written
/// straight into the writer where it fits on its line, as
/// [`assign_macro`] writes it then, without building the condition;
/// otherwise laid out by `assign_macro`.
fn layout_assert(w: &mut RustWriter, parts: &[&str]) {
    const HEAD: &str = "const _: () = assert!(";
    const TAIL: &str = ");";
    let cond_len: usize = parts.iter().map(|p| p.len()).sum();
    if w.fits_len(HEAD.len() + cond_len + TAIL.len()) {
        w.begin_line();
        w.push_parts(&[HEAD]);
        w.push_parts(parts);
        w.push_parts(&[TAIL]);
        w.end_line();
    } else {
        assign_macro(w, "const _: ()", "assert!", &parts.concat());
    }
}

/// An array member's type (`elem` a type) or value (`elem` a value):
/// nested as C nests a multi-dimensional array, `[[T; 8]; 4]` for
/// `x[4][8]`.
pub(crate) fn rust_array(mem: &crate::model::Member, elem: &str) -> String {
    let mut out = String::new();
    push_rust_array(&mut out, mem, |out| out.push_str(elem));
    out
}

/// [`rust_array`] appended to `out`, the element written by `elem`: one
/// `[` a dimension, the element, then each dimension's `; n]` from the
/// innermost out.
fn push_rust_array(out: &mut String, mem: &crate::model::Member, elem: impl FnOnce(&mut String)) {
    let dims = mem.dim_lens();
    for _ in &dims {
        out.push('[');
    }
    elem(out);
    for &n in dims.iter().rev() {
        out.push_str("; ");
        push_decimal(out, n);
        out.push(']');
    }
}

/// `[elem; n]`, appended to `out`.
fn push_array_of(out: &mut String, elem: &str, n: impl Into<u64>) {
    out.push('[');
    out.push_str(elem);
    out.push_str("; ");
    push_decimal(out, n);
    out.push(']');
}

/// One number of a struct's layout on one target (its size, its
/// alignment).
type LayoutFact = fn(&StructLayout) -> u32;
