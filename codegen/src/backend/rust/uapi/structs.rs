//! Structs of the uapi crate as text: the `#[repr(C)]` definition, its
//! `SIZE` and `ZERO` constants, `Default`, and the compile-time layout
//! assertions.

use super::text::cfg;
use super::{Gen, since_text};
use crate::backend::rust::RustScalar;
use crate::backend::rust::items::{field, struct_lit};
use crate::backend::rust::layout::assign_macro;
use crate::backend::rust::writer::{RustWriter, doc, snake_ident, type_ident};
use crate::model::{MemberKind, Struct};

/// The derives every struct has, before and after `IntoBytes`.
const DERIVES: &[&str] = &[
    "Clone",
    "Copy",
    "Debug",
    "PartialEq",
    "Eq",
    "Hash",
    "::zerocopy::FromBytes",
];
const DERIVES_TAIL: &[&str] = &["::zerocopy::Immutable", "::zerocopy::KnownLayout"];

impl Gen<'_> {
    pub(super) fn write_struct(&self, w: &mut RustWriter, s: &Struct) {
        let name = type_ident(&s.name);
        let text = format!(
            "{}\n{} {}",
            s.doc.clone().unwrap_or_default(),
            since_text(s.since),
            self.layout_text(s)
        );
        doc(w, &text);
        w.line("#[repr(C)]");
        self.write_derive(w, s);
        w.open(format!("pub struct {name}"));
        for mem in &s.members {
            doc(w, &self.member_doc(s, mem));
            field(w, &snake_ident(&mem.name), &self.member_type_text(mem));
        }
        w.close("");

        w.open(format!("impl {name}"));
        for (size, preds) in self.target_groups(|t| s.layout(t).size) {
            w.line("/// Size in bytes, as `size_of` reports it and as the C header lays it out.");
            cfg(w, &preds);
            w.line(format!("pub const SIZE: usize = {size};"));
        }
        w.line("/// Every member zero: the value `Default` returns, usable in const context.");
        let zeros: Vec<String> = s
            .members
            .iter()
            .map(|mem| format!("{}: {}", snake_ident(&mem.name), self.member_zero_text(mem)))
            .collect();
        struct_lit(w, "pub const ZERO: Self = Self", &zeros, ";");
        w.close("");

        // Arrays longer than 32 have no derived Default, so it is written
        // out once for every struct.
        w.open(format!("impl ::core::default::Default for {name}"));
        w.open("fn default() -> Self");
        w.line("Self::ZERO");
        w.close("");
        w.close("");

        self.write_layout_asserts(w, s, &name);
    }

    /// zerocopy proves at compile time what the byte views need: every bit
    /// pattern is a valid value (FromBytes) and, for a struct without
    /// implicit padding, every byte is initialised (IntoBytes). A spec
    /// that fails lint may still have padding; it gets no IntoBytes. The
    /// list is always wider than rustfmt's attribute width, so it is one
    /// derive a line.
    fn write_derive(&self, w: &mut RustWriter, s: &Struct) {
        w.line("#[derive(");
        w.indent_in();
        let into_bytes: &[&str] = if self.padding_free(s) {
            &["::zerocopy::IntoBytes"]
        } else {
            &[]
        };
        for d in DERIVES.iter().chain(into_bytes).chain(DERIVES_TAIL) {
            w.line(format!("{d},"));
        }
        w.indent_out();
        w.line(")]");
    }

    fn member_type_text(&self, mem: &crate::model::Member) -> String {
        match &mem.kind {
            MemberKind::Scalar { ty, count: None } => ty.rust().to_string(),
            MemberKind::Scalar { ty, count: Some(_) } => rust_array(mem, ty.rust()),
            MemberKind::Pad {
                scalar: Some(p), ..
            } => match p.count {
                Some(n) => format!("[{}; {n}]", p.ty.rust()),
                None => p.ty.rust().to_string(),
            },
            MemberKind::Pad { len, scalar: None }
            | MemberKind::Binary { len }
            | MemberKind::String { len } => format!("[u8; {len}]"),
            MemberKind::Struct { id, count: Some(_) } => {
                rust_array(mem, &self.struct_path_text(id))
            }
            MemberKind::Struct { id, count: None } => self.struct_path_text(id),
            MemberKind::UserPtr { .. } => "u64".to_string(),
        }
    }

    fn member_zero_text(&self, mem: &crate::model::Member) -> String {
        match &mem.kind {
            MemberKind::Scalar { count: None, .. } | MemberKind::UserPtr { .. } => "0".to_string(),
            MemberKind::Scalar { count: Some(_), .. } => rust_array(mem, "0"),
            MemberKind::Pad {
                scalar: Some(p), ..
            } => match p.count {
                Some(n) => format!("[0; {n}]"),
                None => "0".to_string(),
            },
            MemberKind::Pad { len, scalar: None }
            | MemberKind::Binary { len }
            | MemberKind::String { len } => format!("[0; {len}]"),
            // A const item repeats without the element being `Copy`.
            MemberKind::Struct { id, count: Some(_) } => {
                rust_array(mem, &format!("{}::ZERO", self.struct_path_text(id)))
            }
            MemberKind::Struct { id, count: None } => {
                format!("{}::ZERO", self.struct_path_text(id))
            }
        }
    }

    /// Compile-time proof of the model's layout, by rustc itself.
    /// `size_of_val` of the `ZERO` constant needs no generic arguments.
    fn write_layout_asserts(&self, w: &mut RustWriter, s: &Struct, name: &str) {
        for (size, preds) in self.target_groups(|t| s.layout(t).size) {
            cfg(w, &preds);
            let e = format!("::core::mem::size_of_val(&{name}::ZERO) == {size}");
            assign_macro(w, "const _: ()", "assert!", &e);
        }
        for (align, preds) in self.target_groups(|t| s.layout(t).align) {
            cfg(w, &preds);
            let e = format!("::core::mem::align_of_val(&{name}::ZERO) == {align}");
            assign_macro(w, "const _: ()", "assert!", &e);
        }
        for (i, mem) in s.members.iter().enumerate() {
            let f = snake_ident(&mem.name);
            for (off, preds) in self.target_groups(|t| s.layout(t).offsets[i]) {
                cfg(w, &preds);
                let e = format!("::core::mem::offset_of!({name}, {f}) == {off}");
                assign_macro(w, "const _: ()", "assert!", &e);
            }
        }
    }
}

/// An array member's type (`elem` a type) or value (`elem` a value):
/// nested as C nests a multi-dimensional array, `[[T; 8]; 4]` for
/// `x[4][8]`.
pub(crate) fn rust_array(mem: &crate::model::Member, elem: &str) -> String {
    mem.dim_lens()
        .iter()
        .rev()
        .fold(elem.to_string(), |t, n| format!("[{t}; {n}]"))
}
