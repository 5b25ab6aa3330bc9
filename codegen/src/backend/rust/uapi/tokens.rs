//! The token versions of the uapi backend's helpers, which the kernel and
//! user backends, `netlink.rs` and `rings.rs` still build on while they
//! are converted to text; the uapi crate itself no longer uses them.
//! Delete once no other backend imports them.

use super::{Gen, doc_link_text};
use crate::backend::rust::writer::{KEYWORDS, NOT_RAW, doc_lines};
use crate::model::Scalar;
use crate::names;
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

impl Gen<'_> {
    /// Path of a struct type from this crate: `Name`, or
    /// `accel_uapi::Name` for an included spec's struct.
    pub(crate) fn struct_path(&self, name: &str) -> TokenStream {
        let prefix = self.crate_prefix(&self.struct_owner(name));
        let id = type_ident(name);
        quote! { #(#prefix::)* #id }
    }

    /// The chain of re-exported crates that leads from this crate to the
    /// crate of spec `owner`, as identifiers.
    pub(crate) fn crate_prefix(&self, owner: &str) -> Vec<Ident> {
        self.crate_prefix_text(owner)
            .iter()
            .map(|l| format_ident!("{l}"))
            .collect()
    }
}

/// "[`accel_uapi::BoCreate`]", or code text for a path with a raw
/// identifier.
pub(crate) fn doc_link(prefix: &[Ident], last: &Ident) -> String {
    let parts: Vec<String> = prefix.iter().chain([last]).map(|i| i.to_string()).collect();
    doc_link_text(&parts)
}

pub(crate) fn scalar_ty(s: Scalar) -> TokenStream {
    let id = format_ident!("{}", s.rust());
    quote! { #id }
}

/// A Rust identifier for `s`: raw where it is a keyword, with a trailing
/// underscore where even that is not allowed, with a leading underscore
/// where it would start with a digit.
pub(crate) fn ident(s: &str) -> Ident {
    let mut s = s.to_string();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if NOT_RAW.contains(&s.as_str()) {
        s.push('_');
    }
    if KEYWORDS.contains(&s.as_str()) {
        Ident::new_raw(&s, Span::call_site())
    } else {
        Ident::new(&s, Span::call_site())
    }
}

/// `bo-create` -> `bo_create` (modules, members).
pub(crate) fn snake_ident(name: &str) -> Ident {
    ident(&names::snake(name))
}

/// `bo-create` -> `BoCreate`.
pub(crate) fn type_ident(name: &str) -> Ident {
    ident(&names::pascal(name))
}

pub(crate) fn outer_doc(text: &str) -> TokenStream {
    let lines = doc_lines(text).into_iter().map(|l| Literal::string(&l));
    quote! { #(#[doc = #lines])* }
}

pub(crate) fn inner_doc(text: &str) -> TokenStream {
    let lines = doc_lines(text).into_iter().map(|l| Literal::string(&l));
    quote! { #(#![doc = #lines])* }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert_eq!(snake_ident("bo-create").to_string(), "bo_create");
        assert_eq!(snake_ident("type").to_string(), "r#type");
        assert_eq!(snake_ident("self").to_string(), "self_");
        assert_eq!(type_ident("self").to_string(), "Self_");
        assert_eq!(ident("2d").to_string(), "_2d");
    }

    #[test]
    fn literals() {
        assert_eq!(hex_lit(0x64, 2).to_string(), "0x64");
        assert_eq!(hex_lit(1, 2).to_string(), "0x01");
        assert_eq!(hex_lit(0x6540, 8).to_string(), "0x00006540");
        assert_eq!(hex_lit(1 << 40, 0).to_string(), "0x10000000000");
    }
}
