//! Rust kernel backend: renders one spec into the `#![no_std]` crate
//! `<spec>/rust/kernel` (package `<spec>-kernel`, lib `<spec>_kernel`).
//!
//! The crate is what a driver builds on: a `validate_<struct>` and a
//! `clear_out_<struct>` for every struct of the spec, the `Ops` trait with
//! one method per ioctl, and `dispatch`, which decodes a command, copies the
//! argument in by the spec's extension rule, zeroes and validates it, bounds
//! its user-pointer arrays and calls the method. Everything is derived from
//! the model; the spec-independent machinery (copying, bounds, errno) is the
//! hand-written `uabi-runtime` crate. An included spec's items are handled
//! by that spec's kernel crate, which this one depends on and re-exports.
//!
//! Code is built as tokens with `quote!`, parsed into a `syn::File` and
//! printed with prettyplease, as the uapi backend does.

use super::rust_uapi::{
    self as ru, dir_text, doc_link, hex_lit, inner_doc, outer_doc, scalar_ty, since_text,
    snake_ident, toml_str, type_ident,
};
use super::{GeneratedFile, banner_lines};
use crate::model::{
    ByteOrder, Elem, EnumCheck, EnumKind, Extension, Ioctl, ItemRef, Member, MemberKind, Model,
    PtrLen, Scalar, Struct,
};
use crate::names;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use std::path::PathBuf;

pub fn render(model: &Model) -> Vec<GeneratedFile> {
    let dir = PathBuf::from(&model.name).join("rust").join("kernel");
    vec![
        GeneratedFile {
            path: dir.join("Cargo.toml"),
            contents: cargo_toml(model),
        },
        GeneratedFile {
            path: dir.join("src").join("lib.rs"),
            contents: lib_rs(model),
        },
    ]
}

/// Package name of a spec's kernel crate.
pub fn package_name(spec: &str) -> String {
    format!("{spec}-kernel")
}

/// Library (extern crate) name of a spec's kernel crate.
pub fn lib_name(spec: &str) -> String {
    format!("{}_kernel", names::snake(spec))
}

// ---------------------------------------------------------------- Cargo.toml

fn cargo_toml(model: &Model) -> String {
    let mut s = String::new();
    for line in banner_lines(model) {
        s.push_str(&format!("# {line}\n"));
    }
    s.push('\n');
    s.push_str("[package]\n");
    s.push_str(&format!(
        "name = {}\n",
        toml_str(&package_name(&model.name))
    ));
    s.push_str("version = \"0.1.0\"\n");
    s.push_str("edition = \"2024\"\n");
    s.push_str("publish = false\n");
    s.push_str(&format!(
        "description = {}\n",
        toml_str(&format!(
            "Kernel side of the {} uapi: validation, the Ops trait and ioctl dispatch (generated).",
            model.name
        ))
    ));
    s.push('\n');
    s.push_str("[package.metadata.uabi]\n");
    s.push_str(&format!("spec = {}\n", toml_str(&model.source)));
    s.push_str(&format!("revision = {}\n", model.revision));
    s.push('\n');
    s.push_str("[lib]\n");
    s.push_str(&format!("name = {}\n", toml_str(&lib_name(&model.name))));
    s.push_str("path = \"src/lib.rs\"\n");
    s.push('\n');
    s.push_str("[dependencies]\n");
    s.push_str(&format!(
        "{} = {{ path = \"../uapi\" }}\n",
        ru::package_name(&model.name)
    ));
    // The generated tree sits beside codegen/ in the repository; the
    // runtime is used without features (no std).
    s.push_str("uabi-runtime = { path = \"../../../../codegen/runtime\" }\n");
    for inc in &model.includes {
        s.push_str(&format!(
            "{} = {{ path = {} }}\n",
            package_name(&inc.name),
            toml_str(&format!("../../../{}/rust/kernel", inc.name))
        ));
    }
    s
}

// ---------------------------------------------------------------- lib.rs

fn lib_rs(model: &Model) -> String {
    let g = Gen { model };
    let tokens = g.file();
    let file: syn::File = syn::parse2(tokens).unwrap_or_else(|e| {
        panic!("rust_kernel generated tokens that do not parse as a file: {e}")
    });
    let mut out = String::new();
    for line in banner_lines(model) {
        out.push_str(&format!("// {line}\n"));
    }
    out.push('\n');
    out.push_str(&prettyplease::unparse(&file));
    out
}

/// Names the handler's locals use, which a user-pointer parameter must
/// not shadow.
const RESERVED_LOCALS: &[&str] = &["ops", "file", "mem", "ioc", "addr", "arg"];

/// One condition under which `validate_<struct>` fails.
enum Check {
    /// EINVAL when `cond` holds.
    Cond { cond: TokenStream, doc: String },
    /// A nested struct the kernel reads, validated by its own function.
    Nested { call: TokenStream, doc: String },
}

/// A `user-ptr` member of an ioctl argument, as the handler receives it.
struct Ptr {
    /// The handler's parameter (and the dispatcher's local).
    param: Ident,
    elem: TokenStream,
    /// The expression building the `UserArray` from `arg` and `mem`.
    build: TokenStream,
    doc: String,
}

struct Gen<'a> {
    model: &'a Model,
}

impl Gen<'_> {
    fn file(&self) -> TokenStream {
        let m = self.model;
        let crate_doc = inner_doc(&self.crate_doc());

        let uapi_lib = format_ident!("{}", ru::lib_name(&m.name));
        let uapi_doc = outer_doc(&format!(
            "The `{}` uapi crate: the structs and numbers this crate validates and dispatches.",
            m.name
        ));
        let reexports = m.includes.iter().map(|inc| {
            let lib = format_ident!("{}", lib_name(&inc.name));
            let d = outer_doc(&format!(
                "The `{}` spec's kernel crate, whose ioctls [`dispatch`] passes on to it.",
                inc.name
            ));
            quote! { #d pub use #lib; }
        });

        let struct_fns = m.definition_order.iter().filter_map(|item| match *item {
            ItemRef::Struct(i) => Some(self.struct_fns(&m.structs[i])),
            _ => None,
        });
        let ops = self.ops_trait();
        let dispatch = self.dispatch();
        let handlers = m.ioctls.iter().map(|io| self.handler(io));

        quote! {
            #crate_doc
            #![no_std]
            #![forbid(unsafe_code)]

            #uapi_doc
            pub use #uapi_lib as uapi;
            #(#reexports)*
            pub use uabi_runtime::{Errno, Extension, UserArray, UserMem};

            #(#struct_fns)*
            #ops
            #dispatch
            #(#handlers)*
        }
    }

    fn crate_doc(&self) -> String {
        let m = self.model;
        let mut paras = vec![
            format!(
                "The `{}` uapi, revision {}, kernel side: the trait a driver implements \
                 ([`Ops`]), the entry that calls it ([`dispatch`]), and the validation every \
                 argument passes first.",
                m.name, m.revision
            ),
            format!(
                "Generated by uabi from `{}`. `#![no_std]`, no allocation, no unsafe code; the \
                 only boundary to the caller is [`UserMem`] (what `UserSlice` is in \
                 Rust-for-Linux). [`dispatch`] does what `drm_ioctl()` does, and more:",
                m.source
            ),
            "1. It decodes the command. Another magic, an unknown nr, or an ioctl whose \
             `since` is above the revision the driver reports: `ENOTTY`."
                .to_string(),
            "2. It intersects the direction bits of the caller's command with the declared \
             direction, as DRM does: the argument is copied in only if both say write, and \
             out only if both say read; otherwise the handler sees zeros, or nothing is \
             written back."
                .to_string(),
            "3. It copies the argument in at the caller's size (from the command): a shorter \
             struct is zero-extended; a longer one is truncated (`zero-extend`) or, unless \
             the extra bytes are zero, rejected with `E2BIG` (`strict`). An unreadable \
             argument is `EFAULT`."
                .to_string(),
            "4. It zeroes every member the kernel writes (`clear_out_*`), then validates the \
             rest (`validate_*`): non-zero pad, flag bits outside the declared set, undeclared \
             enum values and values outside `range` are `EINVAL`."
                .to_string(),
            "5. It bounds every `user-ptr` array ([`UserArray`]): a count above `max-count` or \
             a byte size that overflows is `EINVAL`; a null pointer with a non-zero count, or \
             an address range that wraps, is `EFAULT`. Elements are copied once and \
             validated as the handler reads them."
                .to_string(),
            "6. It calls the handler. On success it copies the argument back, zero-filled (it \
             started zeroed and its out members were cleared); `EFAULT` if that fails. On \
             error nothing is copied back."
                .to_string(),
            "Nothing on this path panics, whatever the caller passes.".to_string(),
        ];
        if !m.includes.is_empty() {
            let incs: Vec<String> = m
                .includes
                .iter()
                .map(|i| format!("[`{}`]", lib_name(&i.name)))
                .collect();
            paras.push(format!(
                "This spec builds on {}: [`Ops`] extends that crate's `Ops`, and [`dispatch`] \
                 passes the included spec's ioctls to that crate's `dispatch`.",
                incs.join(", ")
            ));
        }
        paras.join("\n")
    }

    // ------------------------------------------------------------ paths

    /// The specs on the path from this one to `owner` through includes
    /// (empty for this spec's own items). Each generated crate re-exports
    /// the crates of its direct includes, so an item of a transitively
    /// included spec is reachable without a direct dependency.
    fn chain(&self, owner: &str) -> Vec<String> {
        fn walk(m: &Model, owner: &str) -> Option<Vec<String>> {
            if let Some(inc) = m.includes.iter().find(|i| i.name == owner) {
                return Some(vec![inc.name.clone()]);
            }
            m.includes.iter().find_map(|inc| {
                walk(inc, owner).map(|mut rest| {
                    rest.insert(0, inc.name.clone());
                    rest
                })
            })
        }
        if owner == self.model.name {
            return Vec::new();
        }
        walk(self.model, owner).unwrap_or_default()
    }

    /// `uapi`, `uapi::accel_uapi`, ...: where `owner`'s uapi items are.
    fn uapi_prefix(&self, owner: &str) -> Vec<Ident> {
        let mut p = vec![format_ident!("uapi")];
        p.extend(
            self.chain(owner)
                .iter()
                .map(|s| format_ident!("{}", ru::lib_name(s))),
        );
        p
    }

    /// Where `owner`'s kernel items are: nothing for this crate,
    /// `accel_kernel` for an included spec.
    fn kernel_prefix(&self, owner: &str) -> Vec<Ident> {
        self.chain(owner)
            .iter()
            .map(|s| format_ident!("{}", lib_name(s)))
            .collect()
    }

    fn struct_owner(&self, name: &str) -> String {
        self.model
            .find_struct(name)
            .map(|(_, o)| o.to_string())
            .unwrap_or_else(|| self.model.name.clone())
    }

    /// The uapi type of a struct: `uapi::Submit`, `uapi::accel_uapi::BoCreate`.
    fn struct_ty(&self, name: &str) -> TokenStream {
        let prefix = self.uapi_prefix(&self.struct_owner(name));
        let id = type_ident(name);
        quote! { #(#prefix::)* #id }
    }

    fn struct_link(&self, name: &str) -> String {
        doc_link(
            &self.uapi_prefix(&self.struct_owner(name)),
            &type_ident(name),
        )
    }

    /// `validate_<struct>` or `clear_out_<struct>`, of this crate or of an
    /// included spec's kernel crate.
    fn struct_fn(&self, what: &str, name: &str) -> (TokenStream, String) {
        let prefix = self.kernel_prefix(&self.struct_owner(name));
        let id = format_ident!("{what}_{}", names::snake(name));
        (quote! { #(#prefix::)* #id }, doc_link(&prefix, &id))
    }

    // ------------------------------------------------------------ structs

    fn struct_fns(&self, s: &Struct) -> TokenStream {
        let ty = self.struct_ty(&s.name);
        let link = self.struct_link(&s.name);
        let validate = format_ident!("validate_{}", names::snake(&s.name));
        let clear = format_ident!("clear_out_{}", names::snake(&s.name));

        let mut checks = Vec::new();
        self.checks(s, &[], true, &mut checks);
        let mut vdoc = vec![format!(
            "Checks a {link} the caller wrote, before any handler sees it. {}",
            since_text(s.since)
        )];
        if checks.is_empty() {
            vdoc.push(
                "Accepts every value: the struct has no pad, and no flags, enum or range \
                 member the kernel reads."
                    .to_string(),
            );
        } else {
            vdoc.push("Fails with `EINVAL` when:".to_string());
            for c in &checks {
                let (Check::Cond { doc, .. } | Check::Nested { doc, .. }) = c;
                vdoc.push(format!("- {doc}"));
            }
            if !self.clears(s).0.is_empty() {
                vdoc.push(
                    "Members the kernel only writes are not checked (except pad): [`dispatch`] \
                     zeroes them first."
                        .to_string(),
                );
            }
        }
        if s.members
            .iter()
            .any(|m| matches!(m.kind, MemberKind::UserPtr { .. }))
        {
            vdoc.push(
                "User pointers are not followed here; [`dispatch`] bounds their arrays and \
                 the elements are validated as the handler reads them."
                    .to_string(),
            );
        }
        let vdoc = outer_doc(&vdoc.join("\n"));
        let vbody = if checks.is_empty() {
            quote! {
                let _ = v;
                Ok(())
            }
        } else {
            let stmts = checks.iter().map(|c| match c {
                Check::Cond { cond, .. } => quote! {
                    if #cond {
                        return Err(Errno::EINVAL);
                    }
                },
                Check::Nested { call, .. } => quote! { #call?; },
            });
            quote! {
                #(#stmts)*
                Ok(())
            }
        };

        let (clears, cleared) = self.clears(s);
        let mut cdoc = vec![format!(
            "Zeroes every member of a {link} the kernel writes (access out), so that a \
             handler never sees what the caller left there and copy-out never returns it."
        )];
        if cleared.is_empty() {
            cdoc.push("The struct has no such member; this does nothing.".to_string());
        } else {
            cdoc.push(format!("Clears {}.", cleared.join(", ")));
        }
        let cdoc = outer_doc(&cdoc.join("\n"));
        let cbody = if clears.is_empty() {
            quote! { let _ = v; }
        } else {
            quote! { #(#clears)* }
        };

        quote! {
            #vdoc
            pub fn #validate(v: &#ty) -> Result<(), Errno> {
                #vbody
            }

            #cdoc
            pub fn #clear(v: &mut #ty) {
                #cbody
            }
        }
    }

    /// The checks of `s`, whose value is at `v.<path>`. With `reads`
    /// false (inside a nested struct the kernel only writes), only pad is
    /// checked.
    fn checks(&self, s: &Struct, path: &[Ident], reads: bool, out: &mut Vec<Check>) {
        for m in &s.members {
            let mut p = path.to_vec();
            p.push(snake_ident(&m.name));
            let field = quote! { v #(.#p)* };
            let label = p
                .iter()
                .map(|i| i.to_string().trim_start_matches("r#").to_string())
                .collect::<Vec<_>>()
                .join(".");
            let read = reads && m.access.read_by_kernel();
            match &m.kind {
                MemberKind::Pad { .. } => out.push(Check::Cond {
                    cond: quote! { !uabi_runtime::all_zero(&#field) },
                    doc: format!("`{label}` (pad) is not all zero"),
                }),
                MemberKind::Scalar { ty, count: None } if read => {
                    let x = scalar_value(field, *ty, m.byte_order);
                    if let Some(check) = &m.check
                        && let Some((cond, doc)) = self.enum_cond(&x, *ty, check, &label)
                    {
                        out.push(Check::Cond { cond, doc });
                    }
                    if let Some(range) = m.range
                        && let Some((cond, doc)) = range_cond(&x, *ty, range, &label)
                    {
                        out.push(Check::Cond { cond, doc });
                    }
                }
                MemberKind::Struct { name } => {
                    let Some((inner, _)) = self.model.find_struct(name) else {
                        continue;
                    };
                    if read {
                        let mut sub = Vec::new();
                        self.checks(inner, &[], true, &mut sub);
                        if !sub.is_empty() {
                            let (f, link) = self.struct_fn("validate", name);
                            out.push(Check::Nested {
                                call: quote! { #f(&#field) },
                                doc: format!("`{label}` fails {link}"),
                            });
                        }
                    } else {
                        // Zeroed by clear_out before dispatch validates,
                        // but a standalone call still sees the caller's pad.
                        self.checks(inner, &p, false, out);
                    }
                }
                _ => {}
            }
        }
    }

    /// The enum or flags check of a member whose value is `x`: the
    /// condition under which it fails, and its description.
    fn enum_cond(
        &self,
        x: &TokenStream,
        ty: Scalar,
        check: &EnumCheck,
        label: &str,
    ) -> Option<(TokenStream, String)> {
        let (e, owner) = self.model.find_enum(&check.name)?;
        let mut prefix = self.uapi_prefix(owner);
        let module_id = snake_ident(&e.name);
        let link = doc_link(&prefix, &module_id);
        prefix.push(module_id);
        let module = quote! { #(#prefix)::* };
        // The type of the uapi crate's constants and `is_valid`.
        let ety = if e.entries.iter().any(|x| x.value > u64::from(u32::MAX)) {
            Scalar::U64
        } else {
            Scalar::U32
        };
        // Flags are bit patterns: a signed member is read as its bits.
        let (x, ty) = if check.as_flags && ty.signed() {
            let u = unsigned(ty);
            let ut = scalar_ty(u);
            (quote! { (#x as #ut) }, u)
        } else {
            (x.clone(), ty)
        };
        if check.as_flags && e.kind == EnumKind::Enum {
            // An enum used as flags: each value is a bit number.
            let bits = u64::from(ty.size() * 8);
            let mask = e
                .entries
                .iter()
                .filter(|x| x.value < bits)
                .fold(0u64, |m, x| m | 1 << x.value);
            let full = if bits == 64 {
                u64::MAX
            } else {
                (1 << bits) - 1
            };
            if mask == full {
                return None;
            }
            let cond = if mask == 0 {
                quote! { #x != 0 }
            } else {
                let lit = hex_lit(mask, 0);
                quote! { (#x & !#lit) != 0 }
            };
            return Some((
                cond,
                format!("`{label}` sets a bit that is not a value of {link} (as a bit number)"),
            ));
        }
        let et = scalar_ty(ety);
        let valid = if ty == ety {
            quote! { #module::is_valid(#x) }
        } else if !ty.signed() && ty.size() < ety.size() {
            quote! { #module::is_valid(#et::from(#x)) }
        } else {
            quote! { #et::try_from(#x).is_ok_and(#module::is_valid) }
        };
        let doc = if check.as_flags {
            format!("`{label}` sets a bit outside {link}")
        } else {
            format!("`{label}` is not one of {link}")
        };
        Some((quote! { !#valid }, doc))
    }

    /// The statements of `clear_out_<s>` and the names of what they clear.
    fn clears(&self, s: &Struct) -> (Vec<TokenStream>, Vec<String>) {
        let mut stmts = Vec::new();
        let mut names = Vec::new();
        for m in &s.members {
            let f = snake_ident(&m.name);
            let out = m.access == crate::model::Access::Out;
            match &m.kind {
                // The pointer value is input even when the memory behind
                // it is output; pad is checked, never written.
                MemberKind::UserPtr { .. } | MemberKind::Pad { .. } => {}
                MemberKind::Struct { name } if out => {
                    let ty = self.struct_ty(name);
                    stmts.push(quote! { v.#f = #ty::ZERO; });
                    names.push(format!("`{f}`"));
                }
                MemberKind::Struct { name } => {
                    let Some((inner, _)) = self.model.find_struct(name) else {
                        continue;
                    };
                    if !self.clears(inner).0.is_empty() {
                        let (func, link) = self.struct_fn("clear_out", name);
                        stmts.push(quote! { #func(&mut v.#f); });
                        names.push(format!("the out members of `{f}` ({link})"));
                    }
                }
                MemberKind::Scalar { count: None, .. } if out => {
                    stmts.push(quote! { v.#f = 0; });
                    names.push(format!("`{f}`"));
                }
                MemberKind::Scalar { count: Some(n), .. }
                | MemberKind::Binary { len: n }
                | MemberKind::String { len: n }
                    if out =>
                {
                    let n = Literal::u32_unsuffixed(*n);
                    stmts.push(quote! { v.#f = [0; #n]; });
                    names.push(format!("`{f}`"));
                }
                _ => {}
            }
        }
        (stmts, names)
    }

    // ------------------------------------------------------------ Ops

    /// Specs that define `type File` (those without includes) among this
    /// one and everything it includes, dependencies first.
    fn file_roots(&self) -> Vec<&Model> {
        if self.model.includes.is_empty() {
            return vec![self.model];
        }
        self.model
            .all_includes()
            .into_iter()
            .filter(|m| m.includes.is_empty())
            .collect()
    }

    /// `<who>::File`, or, when several included specs each define a
    /// `File` (bound equal by the `Ops` supertraits), the first of them.
    fn file_ty(&self, who: TokenStream) -> TokenStream {
        let roots = self.file_roots();
        if roots.len() <= 1 {
            return quote! { #who::File };
        }
        let p = self.kernel_prefix(&roots[0].name);
        quote! { <#who as #(#p::)* Ops>::File }
    }

    fn revision_fn(&self) -> Ident {
        format_ident!("{}_revision", names::snake(&self.model.name))
    }

    fn ops_trait(&self) -> TokenStream {
        let m = self.model;
        let roots = self.file_roots();
        let first = roots.first().map(|r| r.name.clone()).unwrap_or_default();
        // Every `File` beyond the first is bound to the first.
        let bind = |name: &str| -> TokenStream {
            if roots.len() > 1 && name != first && roots.iter().any(|r| r.name == name) {
                let p = self.kernel_prefix(&first);
                quote! { <File = <Self as #(#p::)* Ops>::File> }
            } else {
                quote! {}
            }
        };
        let mut bounds: Vec<TokenStream> = m
            .includes
            .iter()
            .map(|inc| {
                let lib = format_ident!("{}", lib_name(&inc.name));
                let b = bind(&inc.name);
                quote! { #lib::Ops #b }
            })
            .collect();
        for r in &roots {
            if r.name != m.name && !m.includes.iter().any(|i| i.name == r.name) {
                let b = bind(&r.name);
                if !b.is_empty() {
                    let p = self.kernel_prefix(&r.name);
                    bounds.push(quote! { #(#p::)* Ops #b });
                }
            }
        }
        let supers = if bounds.is_empty() {
            quote! {}
        } else {
            quote! { : #(#bounds)+* }
        };
        let file_decl = if m.includes.is_empty() {
            quote! {
                /// The driver's state for one open file description (what `struct
                /// file`'s `private_data` points at): every handler gets the caller's.
                type File: ?Sized;
            }
        } else {
            quote! {}
        };

        let rev = self.revision_fn();
        let rev_doc = outer_doc(&format!(
            "The revision of the `{}` spec this driver implements; by default the one this \
             crate was generated from ([`uapi::REVISION`]). [`dispatch`] answers `ENOTTY` for \
             an ioctl whose `since` is greater, as a kernel that predates it would, so one \
             driver can play every revision in compatibility tests.",
            m.name
        ));
        let methods = m.ioctls.iter().map(|io| self.ops_method(io));

        let mut doc = vec![format!(
            "What a driver implements for the `{}` spec: one method per ioctl, called by \
             [`dispatch`] with an argument that is already copied in, cleared and validated.",
            m.name
        )];
        if !m.includes.is_empty() {
            let incs: Vec<String> = m
                .includes
                .iter()
                .map(|i| format!("[`{}::Ops`]", lib_name(&i.name)))
                .collect();
            doc.push(format!(
                "A driver implements {} as well, for the ioctls of the included specs.",
                incs.join(" and ")
            ));
        }
        doc.push(
            "A method returns the errno the caller sees; the spec's errors for each ioctl are \
             listed on its method."
                .to_string(),
        );
        let doc = outer_doc(&doc.join("\n"));
        quote! {
            #doc
            pub trait Ops #supers {
                #file_decl
                #rev_doc
                fn #rev(&self) -> u32 {
                    uapi::REVISION
                }
                #(#methods)*
            }
        }
    }

    fn ops_method(&self, io: &Ioctl) -> TokenStream {
        let name = snake_ident(&io.name);
        let file = self.file_ty(quote! { Self });
        let arg = io.arg.as_ref().map(|a| {
            let ty = self.struct_ty(a);
            quote! { arg: &mut #ty, }
        });
        let ptrs = self.ptrs(io);
        let params = ptrs.iter().map(|p| {
            let (id, elem) = (&p.param, &p.elem);
            quote! { #id: UserArray<'_, #elem>, }
        });
        let doc = outer_doc(&self.method_doc(io, &ptrs));
        quote! {
            #doc
            fn #name(&self, file: &#file, #arg #(#params)*) -> Result<(), Errno>;
        }
    }

    fn method_doc(&self, io: &Ioctl, ptrs: &[Ptr]) -> String {
        let mut paras: Vec<String> = Vec::new();
        if let Some(d) = &io.doc {
            paras.push(d.clone());
        }
        let up = names::upper(&io.name);
        let mut facts = format!(
            "[`uapi::IOCTL_{up}`]: nr {:#04x}, direction {} (`{}`)",
            io.nr,
            dir_text(io.dir),
            io.dir.c_macro()
        );
        if let Some(arg) = &io.arg {
            facts.push_str(&format!(", argument {}", self.struct_link(arg)));
        }
        if let Some(ext) = io.extension {
            facts.push_str(&format!(", extension {}", ext.name()));
        }
        facts.push_str(". ");
        facts.push_str(&since_text(io.since));
        paras.push(facts);
        if let Some(arg) = &io.arg {
            let (_, vlink) = self.struct_fn("validate", arg);
            let mut text = format!(
                "Called by [`dispatch`] once `arg` is copied in, its out members are zeroed \
                 and it passed {vlink}."
            );
            if io.dir.copies_out() {
                text.push_str(
                    " When this returns `Ok`, `arg` is copied back to the caller (if the \
                     caller's command reads); on `Err` nothing is.",
                );
            }
            paras.push(text);
        }
        for p in ptrs {
            paras.push(p.doc.clone());
        }
        if !io.errors.is_empty() {
            paras.push("Errors:".to_string());
            for e in &io.errors {
                paras.push(match &e.doc {
                    Some(d) => format!("- `{}`: {}", e.errno, d),
                    None => format!("- `{}`", e.errno),
                });
            }
        }
        paras.join("\n")
    }

    /// The `user-ptr` members of an ioctl's argument, in member order.
    fn ptrs(&self, io: &Ioctl) -> Vec<Ptr> {
        let Some((s, _)) = io.arg.as_ref().and_then(|a| self.model.find_struct(a)) else {
            return Vec::new();
        };
        s.members.iter().filter_map(|m| self.ptr(s, m)).collect()
    }

    fn ptr(&self, s: &Struct, m: &Member) -> Option<Ptr> {
        let MemberKind::UserPtr {
            elem,
            len,
            max_count,
        } = &m.kind
        else {
            return None;
        };
        let field = snake_ident(&m.name);
        let mut pname = names::snake(&m.name);
        if RESERVED_LOCALS.contains(&pname.as_str()) {
            pname.push('_');
        }
        let param = ru::ident(&pname);
        let (elem_ty, elem_text) = match elem {
            Elem::Scalar(sc) => (scalar_ty(*sc), format!("`{}`", sc.rust())),
            Elem::Struct(n) => (self.struct_ty(n), self.struct_link(n)),
        };
        let (validate, vtext) = match elem {
            Elem::Struct(n) if m.access.read_by_kernel() => {
                let (f, link) = self.struct_fn("validate", n);
                (f, format!(", each validated with {link} as it is read"))
            }
            _ => (quote! { uabi_runtime::no_validation }, String::new()),
        };
        let max = match max_count {
            Some(n) => {
                let l = Literal::u64_unsuffixed(*n);
                quote! { #l }
            }
            None => quote! { u64::MAX },
        };
        let sibling = |i: usize| -> Option<(TokenStream, String)> {
            let c = s.members.get(i)?;
            let MemberKind::Scalar { ty, count: None } = c.kind else {
                return None;
            };
            let f = snake_ident(&c.name);
            let x = scalar_value(quote! { arg.#f }, ty, c.byte_order);
            let wide = match ty {
                Scalar::U64 => x,
                t if t.signed() => quote! { #x as u64 },
                _ => quote! { u64::from(#x) },
            };
            Some((wide, f.to_string()))
        };
        let bound = max_count
            .map(|n| format!(" (at most {n})"))
            .unwrap_or_default();
        let (build, what) = match len {
            PtrLen::Count(i) => {
                let (n, name) = sibling(*i)?;
                (
                    quote! { UserArray::new(mem, arg.#field, #n, #max, #validate) },
                    format!("`arg.{name}` elements{bound}"),
                )
            }
            PtrLen::Bytes(i) => {
                let (n, name) = sibling(*i)?;
                (
                    quote! { UserArray::from_byte_len(mem, arg.#field, #n, #max, #validate) },
                    format!(
                        "`arg.{name}` bytes (a multiple of the element size, else `EINVAL`; \
                         at most {} elements)",
                        max_count.map_or("any number of".to_string(), |n| n.to_string())
                    ),
                )
            }
            PtrLen::Single => (
                quote! { UserArray::new(mem, arg.#field, 1, 1, #validate) },
                "one element (a null pointer is `EFAULT`)".to_string(),
            ),
        };
        let access = match m.access {
            crate::model::Access::In => "the kernel reads",
            crate::model::Access::Out => "the kernel writes",
            crate::model::Access::InOut => "the kernel reads and writes",
        };
        let doc = format!(
            "`{param}`: the array of {elem_text} at `arg.{field}` that {access}, of {what}, \
             bounds-checked by [`dispatch`]{vtext}."
        );
        Some(Ptr {
            param,
            elem: elem_ty,
            build,
            doc,
        })
    }

    // ------------------------------------------------------------ dispatch

    fn dispatch(&self) -> TokenStream {
        let m = self.model;
        let file = self.file_ty(quote! { O });
        let mut arms: Vec<TokenStream> = m
            .ioctls
            .iter()
            .map(|io| {
                let nr = format_ident!("NR_{}", names::upper(&io.name));
                let h = format_ident!("ioctl_{}", names::snake(&io.name));
                let call = if io.arg.is_some() {
                    quote! { #h(ops, file, mem, ioc, arg) }
                } else {
                    quote! { #h(ops, file) }
                };
                quote! { uapi::#nr => #call, }
            })
            .collect();
        // Every included spec but the last gets its numbers listed; the
        // last takes the rest and answers ENOTTY for what it does not know.
        let mut fallback = quote! { Err(Errno::ENOTTY) };
        for (i, inc) in m.includes.iter().enumerate() {
            let lib = format_ident!("{}", lib_name(&inc.name));
            let call = quote! { #lib::dispatch(ops, file, mem, cmd, arg) };
            if i + 1 == m.includes.len() {
                fallback = call;
            } else {
                let nrs: Vec<TokenStream> = inc
                    .all_includes()
                    .into_iter()
                    .chain([inc.as_ref()])
                    .flat_map(|spec| {
                        let prefix = self.uapi_prefix(&spec.name);
                        spec.ioctls.iter().map(move |io| {
                            let nr = format_ident!("NR_{}", names::upper(&io.name));
                            quote! { #(#prefix::)* #nr }
                        })
                    })
                    .collect();
                if !nrs.is_empty() {
                    arms.push(quote! { #(#nrs)|* => #call, });
                }
            }
        }
        let decode = quote! { let ioc = uabi_runtime::ioc::decode(cmd); };
        let magic = m.magic.map(|_| {
            quote! {
                if ioc.magic != uapi::IOCTL_MAGIC {
                    return Err(Errno::ENOTTY);
                }
            }
        });
        let body = match (arms.is_empty(), &magic) {
            (true, None) if m.includes.is_empty() => quote! {
                let _ = (ops, file, mem, cmd, arg);
                Err(Errno::ENOTTY)
            },
            (true, None) => fallback,
            (true, Some(magic)) => quote! {
                #decode
                #magic
                #fallback
            },
            (false, _) => {
                // Only an argument's handler and an included dispatch use
                // the caller's memory and address.
                let unused = (m.includes.is_empty() && m.ioctls.iter().all(|io| io.arg.is_none()))
                    .then(|| quote! { let _ = (mem, arg); });
                quote! {
                #decode
                #magic
                #unused
                match ioc.nr {
                    #(#arms)*
                    _ => #fallback,
                }
                }
            }
        };
        let doc = outer_doc(&format!(
            "Handles one ioctl of the `{}` spec{}: `cmd` and `arg` as the ioctl system call \
             passed them, `mem` the caller's memory, `file` the driver's state for the open \
             file. See the crate documentation for the steps and their errnos; the handler's \
             own errno is returned as is. Never panics.",
            m.name,
            if m.includes.is_empty() {
                ""
            } else {
                " or of a spec it includes"
            }
        ));
        quote! {
            #doc
            pub fn dispatch<O: Ops + ?Sized>(
                ops: &O,
                file: &#file,
                mem: &dyn UserMem,
                cmd: u32,
                arg: u64,
            ) -> Result<(), Errno> {
                #body
            }
        }
    }

    /// The private function behind one ioctl's arm of `dispatch`.
    fn handler(&self, io: &Ioctl) -> TokenStream {
        let h = format_ident!("ioctl_{}", names::snake(&io.name));
        let method = snake_ident(&io.name);
        let file = self.file_ty(quote! { O });
        let rev = self.revision_fn();
        let since = Literal::u32_unsuffixed(io.since);
        let since_check = quote! {
            if ops.#rev() < #since {
                return Err(Errno::ENOTTY);
            }
        };
        let Some(arg_name) = &io.arg else {
            return quote! {
                fn #h<O: Ops + ?Sized>(ops: &O, file: &#file) -> Result<(), Errno> {
                    #since_check
                    ops.#method(file)
                }
            };
        };
        let ty = self.struct_ty(arg_name);
        let (validate, _) = self.struct_fn("validate", arg_name);
        let (clear, _) = self.struct_fn("clear_out", arg_name);
        let ext = match io.extension.unwrap_or(Extension::ZeroExtend) {
            Extension::ZeroExtend => quote! { Extension::ZeroExtend },
            Extension::Strict => quote! { Extension::Strict },
        };
        // Copy in only if the declared direction writes too, out only if
        // it reads too (drm_ioctl's intersection).
        let copy_in = if io.dir.copies_in() {
            quote! { ioc.copy_in }
        } else {
            quote! { false }
        };
        let copy_out = io.dir.copies_out().then(|| {
            quote! {
                if ioc.copy_out {
                    uabi_runtime::copy_out(mem, addr, ioc.size as usize, &arg)?;
                }
            }
        });
        let ptrs = self.ptrs(io);
        let ptr_lets = ptrs.iter().map(|p| {
            let (id, build) = (&p.param, &p.build);
            quote! { let #id = #build?; }
        });
        let ptr_args = ptrs.iter().map(|p| &p.param);
        quote! {
            fn #h<O: Ops + ?Sized>(
                ops: &O,
                file: &#file,
                mem: &dyn UserMem,
                ioc: uabi_runtime::ioc::Ioc,
                addr: u64,
            ) -> Result<(), Errno> {
                #since_check
                let mut arg: #ty =
                    uabi_runtime::copy_in(mem, addr, ioc.size as usize, #copy_in, #ext)?;
                #clear(&mut arg);
                #validate(&arg)?;
                #(#ptr_lets)*
                ops.#method(file, &mut arg, #(#ptr_args),*)?;
                #copy_out
                Ok(())
            }
        }
    }
}

/// The member's value in host order.
fn scalar_value(field: TokenStream, ty: Scalar, order: Option<ByteOrder>) -> TokenStream {
    if ty.size() == 1 {
        return field;
    }
    let t = scalar_ty(ty);
    match order {
        Some(ByteOrder::Big) => quote! { #t::from_be(#field) },
        Some(ByteOrder::Little) => quote! { #t::from_le(#field) },
        None => field,
    }
}

fn unsigned(ty: Scalar) -> Scalar {
    match ty {
        Scalar::S8 => Scalar::U8,
        Scalar::S16 => Scalar::U16,
        Scalar::S32 => Scalar::U32,
        Scalar::S64 => Scalar::U64,
        t => t,
    }
}

/// An integer literal, a minus sign and a literal when negative.
fn int_lit(v: i128) -> TokenStream {
    let abs = Literal::u128_unsuffixed(v.unsigned_abs());
    if v < 0 {
        quote! { -#abs }
    } else {
        quote! { #abs }
    }
}

/// The range check of a member whose value is `x`. A bound equal to the
/// type's own is not compared (it always holds, and clippy rejects the
/// comparison).
fn range_cond(
    x: &TokenStream,
    ty: Scalar,
    (lo, hi): (i128, i128),
    label: &str,
) -> Option<(TokenStream, String)> {
    let (tlo, thi) = ty.bounds();
    let (l, h) = (int_lit(lo), int_lit(hi));
    match (lo != tlo, hi != thi) {
        (true, true) => Some((
            quote! { !(#l..=#h).contains(&#x) },
            format!("`{label}` is outside {lo}..={hi}"),
        )),
        (true, false) => Some((quote! { #x < #l }, format!("`{label}` is below {lo}"))),
        (false, true) => Some((quote! { #x > #h }, format!("`{label}` is above {hi}"))),
        (false, false) => None,
    }
}
