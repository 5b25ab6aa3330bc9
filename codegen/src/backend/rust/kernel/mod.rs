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

use crate::backend::rust::netlink;
use crate::backend::rust::uapi::{
    self as ru, dir_text, doc_link, hex_lit, inner_doc, outer_doc, scalar_ty, since_text,
    snake_ident, type_ident,
};
use crate::backend::{GeneratedFile, banner_lines};
use crate::model::{
    ByteOrder, Elem, EnumCheck, EnumEntry, EnumKind, Extension, Ioctl, ItemRef, Member, MemberKind,
    Model, PtrLen, Scalar, Struct,
};
use crate::names;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use std::collections::BTreeMap;
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
    crate::backend::rust::cargo::package_name(spec, "kernel")
}

/// Library (extern crate) name of a spec's kernel crate.
pub fn lib_name(spec: &str) -> String {
    crate::backend::rust::cargo::lib_name(spec, "kernel")
}

// ---------------------------------------------------------------- Cargo.toml

fn cargo_toml(model: &Model) -> String {
    let description = format!(
        "Kernel side of the {} uapi: validation, the Ops trait and ioctl dispatch (generated).",
        model.name
    );
    let deps = [
        format!(
            "{} = {{ path = \"../uapi\" }}",
            ru::package_name(&model.name)
        ),
        // The generated tree sits beside codegen/ in the repository; the
        // runtime is used without features (no std).
        "uabi-runtime = { path = \"../../../../codegen/runtime\" }".to_string(),
    ];
    crate::backend::rust::cargo::manifest(model, "kernel", &description, &deps)
}

// ---------------------------------------------------------------- lib.rs

fn lib_rs(model: &Model) -> String {
    let g = Gen { model };
    let tokens = crate::backend::rust::rings::with_kernel_rings(model, g.file());
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
const RESERVED_LOCALS: &[&str] = &[
    "ops", "file", "mem", "ioc", "addr", "arg", "rev", "arg_rev", "size",
];

/// What one check of `validate_<struct>_at` does.
enum Test {
    /// EINVAL when the condition holds.
    Cond(TokenStream),
    /// A nested struct the kernel reads, validated by its own function
    /// (at `rev` when the flag is set).
    Nested(TokenStream, bool),
}

/// Where `checks` is in a struct: `base` is the revision of the struct
/// being validated, `at` the newest `since` on the path to here (the
/// revision from which these members exist), `own` whether the members
/// here are numbered by this spec's revisions.
#[derive(Clone, Copy)]
struct Scope {
    base: u32,
    at: u32,
    own: bool,
}

/// One condition under which `validate_<struct>_at` fails, and the
/// revisions it applies at: `from` for a member newer than the struct
/// (an older driver's struct did not have it), `until` for an enum value
/// or flag bit newer than its member (an older driver did not know it).
struct Check {
    test: Test,
    doc: String,
    from: Option<u32>,
    until: Option<u32>,
}

impl Check {
    fn new(test: Test, doc: String, from: Option<u32>) -> Check {
        Check {
            test,
            doc,
            from,
            until: None,
        }
    }

    /// The test of `rev` that must hold for the check to apply.
    fn rev_test(&self) -> Option<TokenStream> {
        let lit = |n: u32| Literal::u32_unsuffixed(n);
        match (self.from.map(lit), self.until.map(lit)) {
            (Some(f), Some(u)) => Some(quote! { (#f..#u).contains(&rev) }),
            (Some(f), None) => Some(quote! { rev >= #f }),
            (None, Some(u)) => Some(quote! { rev < #u }),
            (None, None) => None,
        }
    }

    fn statement(&self) -> TokenStream {
        let guard = self.rev_test();
        match (&self.test, guard) {
            (Test::Cond(c), None) => quote! {
                if #c {
                    return Err(Errno::EINVAL);
                }
            },
            (Test::Cond(c), Some(g)) => quote! {
                if #g && #c {
                    return Err(Errno::EINVAL);
                }
            },
            (Test::Nested(call, _), None) => quote! { #call?; },
            (Test::Nested(call, _), Some(g)) => quote! {
                if #g {
                    #call?;
                }
            },
        }
    }

    /// The description; an `until` check's says which revisions itself.
    fn doc_line(&self) -> String {
        match self.from {
            Some(f) => format!("{} (a member from revision {f} on)", self.doc),
            None => self.doc.clone(),
        }
    }
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
        let (alloc, operations) = self.operations();

        quote! {
            #crate_doc
            #![no_std]
            #![forbid(unsafe_code)]
            #alloc

            #uapi_doc
            pub use #uapi_lib as uapi;
            #(#reexports)*
            pub use uabi_runtime::{Errno, Extension, UserArray, UserMem};

            #(#struct_fns)*
            #ops
            #dispatch
            #(#handlers)*
            #operations
        }
    }

    /// The control-message side (see `netlink`): the `alloc` the
    /// transport needs for its message buffers, and the `operations`
    /// module.
    fn operations(&self) -> (TokenStream, TokenStream) {
        let m = self.model;
        if !netlink::has_operations(m) {
            return (quote! {}, quote! {});
        }
        let struct_ty = |n: &str| self.struct_ty(n);
        let validate = |n: &str| {
            if self.own_struct(n) {
                (self.struct_fn("validate_{}_at", n).0, true)
            } else {
                (self.struct_fn("validate_{}", n).0, false)
            }
        };
        let nl = netlink::Netlink {
            model: m,
            paths: netlink::Paths {
                struct_ty: &struct_ty,
                validate: Some(&validate),
            },
        };
        let common = nl.common();
        let items = nl.kernel_items();
        let body = quote! {
            #common
            #items
        };
        let alloc = netlink::transport(m).map(|_| {
            quote! {
                extern crate alloc;
                use alloc::vec::Vec;
                use uabi_runtime::nla;
            }
        });
        let module = netlink::module(
            &format!(
                "Control messages of the `{}` spec: operation and attribute values, the \
                 policy every request is validated against, typed request views and reply \
                 builders for the [`Ops`] methods of the operations.",
                m.name
            ),
            quote! {
                #[allow(unused_imports)]
                use crate::Errno;
                #[allow(unused_imports)]
                use uabi_runtime::nla;
                #[allow(unused_imports)]
                use uabi_runtime::zerocopy::{FromBytes, IntoBytes};
            },
            body,
        );
        (quote! { #alloc }, module)
    }

    /// How the dispatch asks whether the caller is privileged: the
    /// `privileged` method of the root spec's `Ops`.
    fn privileged_call(&self) -> TokenStream {
        let roots = self.file_roots();
        let p = roots
            .first()
            .map(|r| self.kernel_prefix(&r.name))
            .unwrap_or_default();
        quote! { <O as #(#p::)* Ops>::privileged(ops, file) }
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
                "Generated by uabi from `{}`. `#![no_std]`, {}, no unsafe code; the \
                 only boundary to the caller is [`UserMem`] (what `UserSlice` is in \
                 Rust-for-Linux). [`dispatch`] does what `drm_ioctl()` does, and more:",
                m.source,
                if netlink::transport(m).is_some() {
                    "no allocation but the two message buffers of a control message \
                     (fallible: `ENOMEM`)"
                } else {
                    "no allocation"
                }
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
            format!(
                "Every step plays the revision the driver reports (`{}_revision`, by default \
                 this crate's): the argument is copied in and out at the size its struct had \
                 then (`size_*_at`, so a caller's newer members are its extension tail), \
                 members added later are zero in the handler's view (`clear_newer_*`), and \
                 enum values and flag bits added later are `EINVAL` (`validate_*_at`). One \
                 driver thus answers as each older revision of it did, which is what the \
                 compatibility matrix runs new userspace against.",
                names::snake(&m.name)
            ),
        ];
        if m.ioctls.iter().any(|io| io.admin_perm) {
            paras.push(
                "An ioctl marked `admin-perm` is `EPERM`, before its argument is read, \
                 unless the root spec's `Ops::privileged` says the caller is privileged."
                    .to_string(),
            );
        }
        if let Some(t) = netlink::transport(m) {
            paras.push(format!(
                "`{}` carries control messages ([`operations`]) and has no handler of its \
                 own: after step 4, [`dispatch`] reads the request (at most 64 KiB), checks \
                 its header (short, flags or reserved: `EINVAL`), looks the operation up \
                 (unknown or newer than the driver: `EOPNOTSUPP`), checks `admin-perm` \
                 (`EPERM`), validates the attributes against the operation's policy \
                 (`EINVAL`, `ERANGE`), calls the operation's `op_*` method with a typed view \
                 and a reply builder, and writes the reply (`EMSGSIZE` with the size it \
                 needs when it does not fit). The argument is copied back on failure too, \
                 with where validation failed (error-offset, error-attr) or the size the \
                 reply needs (reply-len).",
                t.name
            ));
        }
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

    /// `validate_<struct>`, `clear_out_<struct>`, ... (`pattern` with `{}`
    /// for the struct's snake-case name), of this crate or of an included
    /// spec's kernel crate.
    fn struct_fn(&self, pattern: &str, name: &str) -> (TokenStream, String) {
        let prefix = self.kernel_prefix(&self.struct_owner(name));
        let id = format_ident!("{}", pattern.replace("{}", &names::snake(name)));
        (quote! { #(#prefix::)* #id }, doc_link(&prefix, &id))
    }

    /// Is `name` a struct of this spec (numbered by this spec's revisions)?
    fn own_struct(&self, name: &str) -> bool {
        self.struct_owner(name) == self.model.name
    }

    /// `ops.<spec>_revision()` of the spec that owns struct `name`: the
    /// revision its members' `since` count in.
    fn owner_revision(&self, name: &str) -> TokenStream {
        let f = format_ident!("{}_revision", names::snake(&self.struct_owner(name)));
        quote! { ops.#f() }
    }

    // ------------------------------------------------------------ structs

    fn struct_fns(&self, s: &Struct) -> TokenStream {
        let ty = self.struct_ty(&s.name);
        let link = self.struct_link(&s.name);
        let snake = names::snake(&s.name);
        let validate = format_ident!("validate_{snake}");
        let validate_at = format_ident!("validate_{snake}_at");
        let clear = format_ident!("clear_out_{snake}");
        let clear_newer = format_ident!("clear_newer_{snake}");
        let size_at = format_ident!("size_{snake}_at");
        let spec = &self.model.name;

        let mut checks = Vec::new();
        let scope = Scope {
            base: s.since,
            at: s.since,
            own: true,
        };
        self.checks(s, &[], true, scope, &mut checks);
        let mut vdoc = vec![format!(
            "Checks a {link} the caller wrote, before any handler sees it, as a driver of \
             revision `rev` of the `{spec}` spec does. {}",
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
                vdoc.push(format!("- {}", c.doc_line()));
            }
            if !self.clears(s).0.is_empty() {
                vdoc.push(
                    "Members the kernel only writes are not checked (except pad): [`dispatch`] \
                     zeroes them first."
                        .to_string(),
                );
            }
        }
        if checks.iter().any(|c| c.from.is_some()) {
            vdoc.push(format!(
                "A member newer than `rev` is not checked: that revision's struct ended \
                 before it, and [`dispatch`] zeroes it ([`{clear_newer}`])."
            ));
        }
        if checks.iter().any(|c| c.until.is_some()) {
            vdoc.push(
                "An enum value or flag bit newer than `rev` is rejected, as a driver that \
                 did not know it rejects it."
                    .to_string(),
            );
        }
        if self.has_foreign_checks(s) {
            vdoc.push(
                "Enums and structs of an included spec are checked at that spec's own \
                 revision (its crate's `REVISION`): `rev` numbers only this spec's items."
                    .to_string(),
            );
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
        let uses_rev = checks
            .iter()
            .any(|c| c.rev_test().is_some() || matches!(c.test, Test::Nested(_, true)));
        if uses_rev {
            vdoc.push(format!(
                "A `rev` below {} (the struct's own revision) is taken as {}.",
                s.since, s.since
            ));
        }
        let vdoc_at = outer_doc(&vdoc.join("\n"));
        let vbody = if checks.is_empty() {
            quote! {
                let _ = (v, rev);
                Ok(())
            }
        } else {
            let unused = (!uses_rev).then(|| quote! { let _ = rev; });
            let stmts = checks.iter().map(Check::statement);
            quote! {
                #unused
                #(#stmts)*
                Ok(())
            }
        };
        let vdoc = outer_doc(&format!(
            "Checks a {link} the caller wrote, as the revision this crate was generated from \
             does: [`{validate_at}`] at [`uapi::REVISION`]."
        ));

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

        let newer = self.newer_clears(s);
        let mut ndoc = vec![format!(
            "Zeroes every member of a {link} newer than revision `rev` of the `{spec}` spec: \
             a driver of that revision had no such member. [`dispatch`] does it after copying \
             in and before copying out when the driver reports an older revision, so a handler \
             never sees, and a caller never gets, what that revision did not have."
        )];
        if newer.is_empty() {
            ndoc.push("Every member is as old as the struct; this does nothing.".to_string());
        } else {
            for (since, _, names) in &newer {
                ndoc.push(format!("- Below revision {since}: {}.", names.join(", ")));
            }
        }
        let ndoc = outer_doc(&ndoc.join("\n"));
        let nbody = if newer.is_empty() {
            quote! { let _ = (v, rev); }
        } else {
            let groups = newer.iter().map(|(since, stmts, _)| {
                let n = Literal::u32_unsuffixed(*since);
                quote! {
                    if rev < #n {
                        #(#stmts)*
                    }
                }
            });
            quote! { #(#groups)* }
        };

        let (sizes, sdoc) = self.size_at(s, &ty);
        let sdoc = outer_doc(&sdoc);

        quote! {
            #vdoc
            pub fn #validate(v: &#ty) -> Result<(), Errno> {
                #validate_at(v, uapi::REVISION)
            }

            #vdoc_at
            pub fn #validate_at(v: &#ty, rev: u32) -> Result<(), Errno> {
                #vbody
            }

            #cdoc
            pub fn #clear(v: &mut #ty) {
                #cbody
            }

            #ndoc
            pub fn #clear_newer(v: &mut #ty, rev: u32) {
                #nbody
            }

            #sdoc
            pub const fn #size_at(rev: u32) -> usize {
                #sizes
            }
        }
    }

    /// The body and the doc of `size_<s>_at`: the struct's size at each
    /// revision, the end of the last member that revision had.
    fn size_at(&self, s: &Struct, ty: &TokenStream) -> (TokenStream, String) {
        let link = self.struct_link(&s.name);
        let spec = &self.model.name;
        let mut doc = vec![format!(
            "The size of a {link} at revision `rev` of the `{spec}` spec: the end of the last \
             member that revision had (members are appended as revisions grow a struct). \
             [`dispatch`] copies in and out only this many bytes when the driver reports an \
             older revision; the caller's bytes beyond it are its extension tail."
        )];
        let mut thresholds: Vec<u32> = s
            .members
            .iter()
            .map(|m| m.since)
            .filter(|n| *n > s.since)
            .collect();
        thresholds.sort_unstable();
        thresholds.dedup();
        if thresholds.is_empty() {
            doc.push(format!(
                "Every member is as old as the struct: `size_of::<{}>()` at every revision.",
                type_ident(&s.name)
            ));
            return (
                quote! {
                    let _ = rev;
                    core::mem::size_of::<#ty>()
                },
                doc.join("\n"),
            );
        }
        // The size from revision `at` on: the whole struct once its last
        // member is there, else the end of the last member `at` has.
        let size = |at: u32| -> TokenStream {
            let Some(last) = s.members.iter().rposition(|m| m.since <= at) else {
                return quote! { 0 };
            };
            if last + 1 == s.members.len() {
                return quote! { core::mem::size_of::<#ty>() };
            }
            let f = snake_ident(&s.members[last].name);
            quote! {
                core::mem::offset_of!(#ty, #f) + core::mem::size_of_val(&#ty::ZERO.#f)
            }
        };
        let arms = thresholds.iter().rev().map(|at| {
            let n = Literal::u32_unsuffixed(*at);
            let sz = size(*at);
            quote! {
                if rev >= #n {
                    #sz
                }
            }
        });
        let oldest = size(s.since);
        let body = quote! {
            #(#arms)else* else {
                #oldest
            }
        };
        let mut from = vec![s.since];
        from.extend(&thresholds);
        for (i, r) in from.iter().enumerate() {
            let range = match from.get(i + 1) {
                Some(next) if *next == r + 1 => format!("revision {r}"),
                Some(next) => format!("revisions {r} to {}", next - 1),
                None => format!("revision {r} on"),
            };
            doc.push(format!("- {range}: {}.", self.size_text(s, *r)));
        }
        doc.push(format!(
            "A `rev` below {} (the struct's own revision) is taken as {}.",
            s.since, s.since
        ));
        (body, doc.join("\n"))
    }

    /// The size of `s` at revision `at` on the spec's targets, for docs.
    fn size_text(&self, s: &Struct, at: u32) -> String {
        let mut sizes: Vec<(u32, Vec<&str>)> = Vec::new();
        for t in &self.model.targets {
            let Some(layout) = s.layouts.get(t) else {
                continue;
            };
            let n = match s.members.iter().rposition(|m| m.since <= at) {
                None => 0,
                Some(last) if last + 1 == s.members.len() => layout.size,
                Some(last) => {
                    layout.offsets.get(last).copied().unwrap_or(0)
                        + self.member_size(&s.members[last], *t)
                }
            };
            match sizes.iter_mut().find(|(size, _)| *size == n) {
                Some((_, ts)) => ts.push(t.name()),
                None => sizes.push((n, vec![t.name()])),
            }
        }
        match sizes.as_slice() {
            [(n, _)] => format!("{n} bytes"),
            _ => sizes
                .iter()
                .map(|(n, ts)| format!("{n} bytes on {}", ts.join(", ")))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }

    /// The size of a member on `t`.
    fn member_size(&self, m: &Member, t: crate::target::Target) -> u32 {
        match &m.kind {
            MemberKind::Scalar { ty, count } => ty.size() * count.unwrap_or(1),
            MemberKind::Pad { len } | MemberKind::Binary { len } | MemberKind::String { len } => {
                *len
            }
            MemberKind::Struct { name } => self
                .model
                .find_struct(name)
                .and_then(|(inner, _)| inner.layouts.get(&t))
                .map_or(0, |l| l.size),
            MemberKind::UserPtr { .. } => 8,
        }
    }

    /// The checks of `s`, whose value is at `v.<path>`. With `reads`
    /// false (inside a nested struct the kernel only writes), only pad is
    /// checked.
    fn checks(&self, s: &Struct, path: &[Ident], reads: bool, scope: Scope, out: &mut Vec<Check>) {
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
            // The revision from which this member exists, in this spec's
            // numbering (an included spec's `since` count in its own).
            let at = if scope.own {
                scope.at.max(m.since)
            } else {
                scope.at
            };
            let from = (at > scope.base).then_some(at);
            match &m.kind {
                MemberKind::Pad { .. } => out.push(Check::new(
                    Test::Cond(quote! { !uabi_runtime::all_zero(&#field) }),
                    format!("`{label}` (pad) is not all zero"),
                    from,
                )),
                MemberKind::Scalar { ty, count: None } if read => {
                    let x = scalar_value(field, *ty, m.byte_order);
                    if let Some(check) = &m.check {
                        if let Some((cond, doc)) = self.enum_cond(&x, *ty, check, &label) {
                            out.push(Check::new(Test::Cond(cond), doc, from));
                        }
                        for (since, cond, doc) in self.newer_entries(&x, *ty, check, at, &label) {
                            out.push(Check {
                                test: Test::Cond(cond),
                                doc,
                                from,
                                until: Some(since),
                            });
                        }
                    }
                    if let Some(range) = m.range
                        && let Some((cond, doc)) = range_cond(&x, *ty, range, &label)
                    {
                        out.push(Check::new(Test::Cond(cond), doc, from));
                    }
                }
                MemberKind::Struct { name } => {
                    let Some((inner, _)) = self.model.find_struct(name) else {
                        continue;
                    };
                    let own = self.own_struct(name);
                    if read {
                        let mut sub = Vec::new();
                        let inner_scope = Scope {
                            base: inner.since,
                            at: inner.since,
                            own,
                        };
                        self.checks(inner, &[], true, inner_scope, &mut sub);
                        if sub.is_empty() {
                            continue;
                        }
                        // A struct of this spec is checked at the same
                        // revision; another spec's at that spec's own.
                        let (test, doc) = if own {
                            let (f, link) = self.struct_fn("validate_{}_at", name);
                            (
                                Test::Nested(quote! { #f(&#field, rev) }, true),
                                format!("`{label}` fails {link} at `rev`"),
                            )
                        } else {
                            let (f, link) = self.struct_fn("validate_{}", name);
                            (
                                Test::Nested(quote! { #f(&#field) }, false),
                                format!("`{label}` fails {link}"),
                            )
                        };
                        out.push(Check::new(test, doc, from));
                    } else {
                        // Zeroed by clear_out before dispatch validates,
                        // but a standalone call still sees the caller's pad.
                        let inner_scope = Scope {
                            base: scope.base,
                            at,
                            own: scope.own && own,
                        };
                        self.checks(inner, &p, false, inner_scope, out);
                    }
                }
                _ => {}
            }
        }
    }

    /// Does `validate_<s>_at` check an enum or a nested struct of an
    /// included spec (which `rev` does not number)?
    fn has_foreign_checks(&self, s: &Struct) -> bool {
        s.members.iter().any(|m| {
            if !m.access.read_by_kernel() {
                return false;
            }
            match &m.kind {
                MemberKind::Scalar { count: None, .. } => m
                    .check
                    .as_ref()
                    .and_then(|c| self.model.find_enum(&c.name))
                    .is_some_and(|(_, owner)| owner != self.model.name),
                MemberKind::Struct { name } => !self.own_struct(name),
                _ => false,
            }
        })
    }

    /// The checks that reject an enum value or flag bit newer than `rev`,
    /// for a member whose value is `x` and that exists from revision `at`
    /// on: one per revision that added entries, as (that revision,
    /// condition, description). Only this spec's enums: another spec's
    /// entries count in that spec's revisions.
    fn newer_entries(
        &self,
        x: &TokenStream,
        ty: Scalar,
        check: &EnumCheck,
        at: u32,
        label: &str,
    ) -> Vec<(u32, TokenStream, String)> {
        let Some((e, owner)) = self.model.find_enum(&check.name) else {
            return Vec::new();
        };
        if owner != self.model.name {
            return Vec::new();
        }
        let mut by_since: BTreeMap<u32, Vec<&EnumEntry>> = BTreeMap::new();
        for entry in e.entries.iter().filter(|x| x.since > at) {
            by_since.entry(entry.since).or_default().push(entry);
        }
        let mut prefix = self.uapi_prefix(owner);
        prefix.push(snake_ident(&e.name));
        let ety = if e.entries.iter().any(|x| x.value > u64::from(u32::MAX)) {
            Scalar::U64
        } else {
            Scalar::U32
        };
        let et = scalar_ty(ety);
        let bitwise = check.as_flags || e.kind == EnumKind::Flags;
        // Bits are tested on the member's bits, as the mask check does.
        let (ux, uty) = if bitwise && ty.signed() {
            let u = unsigned(ty);
            let ut = scalar_ty(u);
            (quote! { (#x as #ut) }, u)
        } else {
            (x.clone(), ty)
        };
        let mut out = Vec::new();
        for (since, entries) in by_since {
            let names = entries
                .iter()
                .map(|x| format!("`{}`", x.name))
                .collect::<Vec<_>>()
                .join(", ");
            let consts: Vec<TokenStream> = entries
                .iter()
                .map(|x| {
                    let c = ru::ident(&names::upper(&x.name));
                    quote! { #(#prefix::)* #c }
                })
                .collect();
            let set = if consts.len() == 1 {
                consts[0].clone()
            } else {
                quote! { (#(#consts)|*) }
            };
            let (cond, what) = if e.kind == EnumKind::Flags {
                let cond = if uty == ety {
                    quote! { (#ux & #set) != 0 }
                } else if uty.size() < ety.size() {
                    quote! { (#et::from(#ux) & #set) != 0 }
                } else {
                    let ut = scalar_ty(uty);
                    quote! { (#ux & #ut::from(#set)) != 0 }
                };
                (cond, format!("sets {names}"))
            } else if check.as_flags {
                // An enum used as flags: each value is a bit number.
                let bits = u64::from(uty.size() * 8);
                let mask = entries
                    .iter()
                    .filter(|x| x.value < bits)
                    .fold(0u64, |m, x| m | 1 << x.value);
                if mask == 0 {
                    continue;
                }
                let lit = hex_lit(mask, 0);
                (
                    quote! { (#ux & #lit) != 0 },
                    format!("sets the bit of {names}"),
                )
            } else {
                let value = if ty == ety {
                    x.clone()
                } else if !ty.signed() && ty.size() < ety.size() {
                    quote! { #et::from(#x) }
                } else {
                    quote! { #et::try_from(#x) }
                };
                let converted = ty != ety && (ty.signed() || ty.size() >= ety.size());
                let cond = match (consts.len(), converted) {
                    (1, false) => quote! { #value == #set },
                    (1, true) => quote! { #value == Ok(#set) },
                    (_, false) => quote! { matches!(#value, #(#consts)|*) },
                    (_, true) => quote! { matches!(#value, Ok(#(#consts)|*)) },
                };
                (cond, format!("is {names}"))
            };
            out.push((
                since,
                cond,
                format!(
                    "`{label}` {what}, which revision {since} added, and `rev` is below {since}"
                ),
            ));
        }
        out
    }

    /// The statements of `clear_newer_<s>`, by the revision below which
    /// they apply, with the names of what they clear.
    fn newer_clears(&self, s: &Struct) -> Vec<(u32, Vec<TokenStream>, Vec<String>)> {
        let mut by_since: BTreeMap<u32, (Vec<TokenStream>, Vec<String>)> = BTreeMap::new();
        for m in &s.members {
            let f = snake_ident(&m.name);
            if m.since > s.since {
                let zero = match &m.kind {
                    MemberKind::Scalar { count: None, .. } | MemberKind::UserPtr { .. } => {
                        quote! { 0 }
                    }
                    MemberKind::Scalar { count: Some(n), .. }
                    | MemberKind::Pad { len: n }
                    | MemberKind::Binary { len: n }
                    | MemberKind::String { len: n } => {
                        let n = Literal::u32_unsuffixed(*n);
                        quote! { [0; #n] }
                    }
                    MemberKind::Struct { name } => {
                        let ty = self.struct_ty(name);
                        quote! { #ty::ZERO }
                    }
                };
                let e = by_since.entry(m.since).or_default();
                e.0.push(quote! { v.#f = #zero; });
                e.1.push(format!("`{f}`"));
                continue;
            }
            // A nested struct of this spec that has newer members of its
            // own (the compat checker forbids that growth; handled as
            // the same revision all the same).
            if let MemberKind::Struct { name } = &m.kind
                && self.own_struct(name)
                && let Some((inner, _)) = self.model.find_struct(name)
            {
                let inner_newer = self.newer_clears(inner);
                // It checks `rev` itself; any revision below its newest
                // member's clears something.
                if let Some(since) = inner_newer.iter().map(|(n, _, _)| *n).max() {
                    let (func, link) = self.struct_fn("clear_newer_{}", name);
                    let e = by_since.entry(since).or_default();
                    e.0.push(quote! { #func(&mut v.#f, rev); });
                    e.1.push(format!("the members of `{f}` newer than `rev` ({link})"));
                }
            }
        }
        by_since
            .into_iter()
            .map(|(since, (stmts, names))| (since, stmts, names))
            .collect()
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
                        let (func, link) = self.struct_fn("clear_out_{}", name);
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
             an ioctl whose `since` is greater, as a kernel that predates it would, and copies \
             and validates every argument as that revision did (its struct's size then, \
             without the enum values and flag bits added since), so one driver can play every \
             revision in compatibility tests.",
            m.name
        ));
        let transport = netlink::transport(m).map(|io| io.name.clone());
        let methods = m.ioctls.iter().map(|io| {
            if transport.as_ref() == Some(&io.name) {
                let nl = netlink::Netlink {
                    model: m,
                    paths: netlink::Paths {
                        struct_ty: &|n: &str| self.struct_ty(n),
                        validate: None,
                    },
                };
                nl.ops_methods(&self.file_ty(quote! { Self }))
            } else {
                self.ops_method(io)
            }
        });
        let privileged = m.includes.is_empty().then(|| {
            quote! {
                /// Whether the caller may use what the spec marks `admin-perm`
                /// (an ioctl, or an operation of the control messages):
                /// [`dispatch`] answers `EPERM` without calling the handler
                /// when this is false. A kernel driver checks the caller's
                /// `CAP_SYS_ADMIN` here. False by default.
                fn privileged(&self, file: &Self::File) -> bool {
                    let _ = file;
                    false
                }
            }
        });

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
                #privileged
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
            let (_, vlink) = self.struct_fn("validate_{}_at", arg);
            let mut text = format!(
                "Called by [`dispatch`] once `arg` is copied in, its out members and its \
                 members newer than the driver's revision are zeroed, and it passed {vlink} \
                 at that revision."
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
        // Elements of a struct the kernel reads are validated at the
        // revision of the spec that owns that struct; plain ones not at all.
        let (validate, rev, vtext) = match elem {
            Elem::Struct(n) if m.access.read_by_kernel() => {
                let (f, link) = self.struct_fn("validate_{}_at", n);
                let rev = if self.own_struct(n) {
                    quote! { rev }
                } else {
                    self.owner_revision(n)
                };
                (
                    f,
                    Some(rev),
                    format!(", each validated with {link} at the driver's revision as it is read"),
                )
            }
            _ => (quote! { uabi_runtime::no_validation }, None, String::new()),
        };
        let (new, from_byte_len, rev) = match rev {
            Some(r) => (
                quote! { new_at },
                quote! { from_byte_len_at },
                quote! { #r, },
            ),
            None => (quote! { new }, quote! { from_byte_len }, quote! {}),
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
                    quote! { UserArray::#new(mem, arg.#field, #n, #max, #rev #validate) },
                    format!("`arg.{name}` elements{bound}"),
                )
            }
            PtrLen::Bytes(i) => {
                let (n, name) = sibling(*i)?;
                (
                    quote! { UserArray::#from_byte_len(mem, arg.#field, #n, #max, #rev #validate) },
                    format!(
                        "`arg.{name}` bytes (a multiple of the element size, else `EINVAL`; \
                         at most {} elements)",
                        max_count.map_or("any number of".to_string(), |n| n.to_string())
                    ),
                )
            }
            PtrLen::Single => (
                quote! { UserArray::#new(mem, arg.#field, 1, 1, #rev #validate) },
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
        // admin-perm: EPERM before the argument is even read.
        let perm = io.admin_perm.then(|| {
            let p = self.privileged_call();
            quote! {
                if !#p {
                    return Err(Errno::EPERM);
                }
            }
        });
        let Some(arg_name) = &io.arg else {
            return quote! {
                fn #h<O: Ops + ?Sized>(ops: &O, file: &#file) -> Result<(), Errno> {
                    #since_check
                    #perm
                    ops.#method(file)
                }
            };
        };
        let ty = self.struct_ty(arg_name);
        let (validate_at, _) = self.struct_fn("validate_{}_at", arg_name);
        let (clear, _) = self.struct_fn("clear_out_{}", arg_name);
        let (size_at, _) = self.struct_fn("size_{}_at", arg_name);
        let ext = match io.extension.unwrap_or(Extension::ZeroExtend) {
            Extension::ZeroExtend => quote! { Extension::ZeroExtend },
            Extension::Strict => quote! { Extension::Strict },
        };
        // The argument's members count in the revisions of the spec that
        // owns its struct.
        let (arg_rev, arg_rev_let) = if self.own_struct(arg_name) {
            (quote! { rev }, None)
        } else {
            let r = self.owner_revision(arg_name);
            (quote! { arg_rev }, Some(quote! { let arg_rev = #r; }))
        };
        // Members newer than the driver's revision were not in its struct:
        // zero in the handler's view and never copied out, even where the
        // spec puts one before an older member.
        let newer = self
            .model
            .find_struct(arg_name)
            .is_some_and(|(s, _)| !self.newer_clears(s).is_empty());
        let clear_newer = newer.then(|| {
            let (f, _) = self.struct_fn("clear_newer_{}", arg_name);
            quote! { #f(&mut arg, #arg_rev); }
        });
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
                    #clear_newer
                    uabi_runtime::copy_out_sized(mem, addr, ioc.size as usize, size, &arg)?;
                }
            }
        });
        let ptrs = self.ptrs(io);
        let ptr_lets = ptrs.iter().map(|p| {
            let (id, build) = (&p.param, &p.build);
            quote! { let #id = #build?; }
        });
        let ptr_args = ptrs.iter().map(|p| &p.param);
        let transport = netlink::transport(self.model).is_some_and(|t| t.name == io.name);
        let tail = if transport {
            let nl = netlink::Netlink {
                model: self.model,
                paths: netlink::Paths {
                    struct_ty: &|n: &str| self.struct_ty(n),
                    validate: None,
                },
            };
            nl.transport_tail(io.dir.copies_out(), &self.privileged_call())
        } else {
            quote! {
                #(#ptr_lets)*
                ops.#method(file, &mut arg, #(#ptr_args),*)?;
                #copy_out
                Ok(())
            }
        };
        quote! {
            fn #h<O: Ops + ?Sized>(
                ops: &O,
                file: &#file,
                mem: &dyn UserMem,
                ioc: uabi_runtime::ioc::Ioc,
                addr: u64,
            ) -> Result<(), Errno> {
                let rev = ops.#rev();
                if rev < #since {
                    return Err(Errno::ENOTTY);
                }
                #perm
                #arg_rev_let
                let size = #size_at(#arg_rev);
                let mut arg: #ty = uabi_runtime::copy_in_sized(
                    mem,
                    addr,
                    ioc.size as usize,
                    size,
                    #copy_in,
                    #ext,
                )?;
                #clear_newer
                #clear(&mut arg);
                #validate_at(&arg, #arg_rev)?;
                #tail
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
