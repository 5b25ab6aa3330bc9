//! Rust user backend: renders one spec into the crate `<spec>/rust/user`
//! (package `<spec>-user`, lib `<spec>_user`), the user side's ioctl
//! wrappers over uabi-runtime's `Transport`.
//!
//! One safe function per ioctl: it refuses a call the driver's revision
//! does not have, fills every user pointer of the argument from a slice
//! together with its count, makes the call and names the ioctl in the
//! error. Beside it an `unsafe` `_raw` variant sends the argument exactly
//! as the caller set it, for tests that pass deliberately bad pointers.
//! Structs and numbers come from the spec's uapi crate, re-exported as
//! `uapi`; nothing is copied.
//!
//! Built like the uapi crate (tokens with `quote!`, printed by
//! prettyplease). `// SAFETY:` comments are not tokens, so they travel as
//! a marker macro statement that [`lib_rs`] turns into comment lines
//! after printing.

use crate::backend::rust::uapi::{
    self as rust_uapi, dir_text, doc_link, inner_doc, outer_doc, scalar_ty, since_text,
    snake_ident, type_ident,
};
use crate::backend::{GeneratedFile, banner_lines};
use crate::model::{Access, Elem, Ioctl, MemberKind, Model, PtrLen, Struct};
use crate::names;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use std::path::PathBuf;

/// Width of a `// SAFETY:` comment line, indentation included.
const COMMENT_WIDTH: usize = 100;

/// The marker macro a comment travels as through prettyplease.
const COMMENT_MARKER: &str = "__uabi_comment";

pub fn render(model: &Model) -> Vec<GeneratedFile> {
    let dir = PathBuf::from(&model.name).join("rust").join("user");
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

/// Package name of a spec's user crate.
pub fn package_name(spec: &str) -> String {
    crate::backend::rust::cargo::package_name(spec, "user")
}

/// Library (extern crate) name of a spec's user crate.
pub fn lib_name(spec: &str) -> String {
    crate::backend::rust::cargo::lib_name(spec, "user")
}

// ---------------------------------------------------------------- Cargo.toml

fn cargo_toml(model: &Model) -> String {
    let description = format!(
        "Ioctl wrappers of the {} uapi for userspace (generated).",
        model.name
    );
    let deps = [
        format!(
            "{} = {{ path = \"../uapi\" }}",
            rust_uapi::package_name(&model.name)
        ),
        // The runtime is not generated: it lives once in the repository, four
        // levels up from generated/<spec>/rust/user.
        "uabi-runtime = { path = \"../../../../codegen/runtime\", features = [\"std\"] }"
            .to_string(),
    ];
    crate::backend::rust::cargo::manifest(model, "user", &description, &deps)
}

// ---------------------------------------------------------------- lib.rs

fn lib_rs(model: &Model) -> String {
    let g = Gen {
        model,
        uapi: rust_uapi::Gen { model },
    };
    let tokens = crate::backend::rust::rings::with_user_rings(model, g.file());
    let file: syn::File = syn::parse2(tokens)
        .unwrap_or_else(|e| panic!("rust_user generated tokens that do not parse as a file: {e}"));
    let mut out = String::new();
    for line in banner_lines(model) {
        out.push_str(&format!("// {line}\n"));
    }
    out.push('\n');
    out.push_str(&comments(&prettyplease::unparse(&file)));
    out
}

/// A `// text` comment where prettyplease printed the marker statement.
fn comment_marker(text: &str) -> TokenStream {
    let m = format_ident!("{COMMENT_MARKER}");
    let lit = Literal::string(text);
    quote! { #m!(#lit); }
}

/// Replaces each marker statement with the comment lines it carries, at
/// its indentation and wrapped to `COMMENT_WIDTH`. prettyplease prints a
/// long marker over several lines: the call, the literal, the `);`.
fn comments(printed: &str) -> String {
    let open = format!("{COMMENT_MARKER}!(");
    let mut out = String::new();
    let mut lines = printed.lines();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix(&open) else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let mut call = rest.trim().to_string();
        while !call.ends_with(");") {
            let next = lines
                .next()
                .unwrap_or_else(|| panic!("an unterminated comment marker: {line}"));
            call.push_str(next.trim());
        }
        let arg = call
            .strip_suffix(");")
            .unwrap_or(&call)
            .trim_end_matches(',');
        let text = syn::parse_str::<syn::LitStr>(arg)
            .unwrap_or_else(|e| panic!("comment marker argument {arg:?}: {e}"))
            .value();
        let indent = &line[..line.len() - t.len()];
        let width = COMMENT_WIDTH.saturating_sub(indent.len() + 3).max(40);
        for l in crate::backend::rust::writer::wrap(&text, width, 0) {
            out.push_str(&format!("{indent}// {l}\n"));
        }
    }
    out
}

struct Gen<'a> {
    model: &'a Model,
    uapi: rust_uapi::Gen<'a>,
}

/// A `user-ptr` member of an ioctl's argument, as the safe function fills
/// it from a slice (or a reference, without a count).
struct PtrParam {
    /// The parameter's name.
    param: Ident,
    /// The member's field.
    field: Ident,
    /// The element type.
    elem: TokenStream,
    /// Does the kernel write through the pointer?
    writes: bool,
    len: PtrLen,
    access: Access,
}

/// The parameter names every ioctl function has; a user pointer member
/// of the same name gets a trailing underscore.
const FIXED_PARAMS: &[&str] = &["t", "driver_revision", "arg", "result"];

/// Crate-level names an ioctl function must not take.
const RESERVED_FNS: &[&str] = &["supported", "uapi"];

impl Gen<'_> {
    fn file(&self) -> TokenStream {
        let m = self.model;
        let uapi_lib = format_ident!("{}", rust_uapi::lib_name(&m.name));
        let mut crate_doc = vec![
            format!(
                "The `{}` uapi for userspace, revision {}: one function per ioctl over a \
                 [`Transport`].",
                m.name, m.revision
            ),
            format!(
                "Generated by uabi from `{}`. Every function takes the revision the driver \
                 reported for this spec and returns [`CallError::Unsupported`] without calling \
                 when the ioctl is newer, the answer an old kernel would give as ENOTTY. The \
                 safe functions fill each user pointer of the argument from a slice, with its \
                 count member set from the slice's length, so no pointer outlives what it \
                 points at. The `unsafe` `_raw` functions send the argument exactly as the \
                 caller set it, for tests that pass deliberately bad pointers.",
                m.source
            ),
            "Structs, constants and command numbers are those of the uapi crate, re-exported \
             as [`uapi`]."
                .to_string(),
        ];
        if !m.includes.is_empty() {
            let incs: Vec<String> = m
                .includes
                .iter()
                .map(|i| format!("[`{}`]", lib_name(&i.name)))
                .collect();
            crate_doc.push(format!(
                "The ioctls of the specs this one builds on are in {}, re-exported here; they \
                 take those specs' own driver revisions.",
                incs.join(", ")
            ));
        }
        let crate_doc = inner_doc(&crate_doc.join("\n"));

        let includes = m.includes.iter().map(|inc| {
            let lib = format_ident!("{}", lib_name(&inc.name));
            let d = outer_doc(&format!(
                "The user crate of the `{}` spec, whose ioctls this spec builds on.",
                inc.name
            ));
            quote! { #d pub use #lib; }
        });
        let uapi_doc = outer_doc(&format!(
            "The `{}` uapi crate: structs, constants and command numbers.",
            m.name
        ));
        let rev_doc = outer_doc(&format!(
            "ABI revision of the `{}` spec this crate was generated from: the newest a \
             driver can report.",
            m.name
        ));
        let ioctls = m.ioctls.iter().map(|io| self.ioctl_fns(io));
        let operations = self.operations();

        quote! {
            #crate_doc

            #uapi_doc
            pub use #uapi_lib as uapi;
            #(#includes)*
            pub use uabi_runtime::Errno;
            pub use uabi_runtime::transport::{CallError, FdTransport, InProcess, Mapping, Transport};
            /// Every ioctl of this spec (not of included specs) with its `nr` and `since`.
            pub use uapi::{IOCTLS, IoctlDesc};

            #rev_doc
            pub const REVISION: u32 = uapi::REVISION;

            /// Does a driver that implements revision `driver_revision` of this spec have the
            /// ioctl called `name` in the spec (e.g. `"bo-create"`)? False for a name this spec
            /// does not define: the ioctls of an included spec are answered by that spec's
            /// crate, against that spec's revision.
            pub fn supported(name: &str, driver_revision: u32) -> bool {
                IOCTLS
                    .iter()
                    .any(|d| d.name == name && d.since <= driver_revision)
            }

            #(#ioctls)*
            #operations
        }
    }

    /// The control messages' module (see `netlink`).
    fn operations(&self) -> TokenStream {
        let m = self.model;
        if !crate::backend::rust::netlink::has_operations(m) {
            return TokenStream::new();
        }
        let struct_ty = |n: &str| self.struct_path(n);
        let nl = crate::backend::rust::netlink::Netlink {
            model: m,
            paths: crate::backend::rust::netlink::Paths {
                struct_ty: &struct_ty,
                validate: None,
            },
        };
        let common = nl.common();
        let items = nl.user_items();
        crate::backend::rust::netlink::module(
            &format!(
                "Control messages of the `{}` spec: operation and attribute values, \
                 policies, owned request and reply values, and one function per operation \
                 that sends it through the transport ioctl.",
                m.name
            ),
            quote! {
                #[allow(unused_imports)]
                use super::{CallError, Errno, Transport};
                pub use uabi_runtime::nla::{self, OpError};
                #[allow(unused_imports)]
                use uabi_runtime::zerocopy::{FromBytes, IntoBytes};
            },
            quote! {
                #common
                #items
            },
        )
    }

    // ------------------------------------------------------------ ioctls

    /// The safe function and the `_raw` one of an ioctl.
    fn ioctl_fns(&self, io: &Ioctl) -> TokenStream {
        let mut base = names::snake(&io.name);
        if RESERVED_FNS.contains(&base.as_str())
            || self
                .model
                .includes
                .iter()
                .any(|i| lib_name(&i.name) == base)
        {
            base.push_str("_ioctl");
        }
        let name = rust_uapi::ident(&base);
        let raw_name = format_ident!("{base}_raw");
        let name_lit = Literal::string(&io.name);
        let cmd = format_ident!("IOCTL_{}", names::upper(&io.name));
        let check = self.revision_check(io);
        let errno_map = quote! {
            result.map_err(|errno| CallError::Errno { ioctl: #name_lit, errno })
        };

        let Some(arg_name) = &io.arg else {
            let doc = outer_doc(&self.fn_doc(io, None, &[]));
            let safety = comment_marker(&format!(
                "SAFETY: `{cmd}` takes no argument (`_IO`), which is passed as a null pointer."
            ));
            return quote! {
                #doc
                pub fn #name<T: Transport + ?Sized>(t: &T, driver_revision: u32) -> Result<(), CallError> {
                    #check
                    #safety
                    let result = unsafe { t.ioctl(uapi::#cmd, ::core::ptr::null_mut()) };
                    #errno_map
                }
            };
        };
        let Some((arg, _)) = self.model.find_struct(arg_name) else {
            // The resolver guarantees the argument exists.
            return TokenStream::new();
        };
        let arg_ty = self.struct_path(arg_name);
        let ptrs = self.ptr_params(arg);
        let nested = self.nested_ptrs(arg);

        let raw_doc = outer_doc(&self.raw_doc(io, arg, &name, &ptrs, nested));
        let raw_safety = comment_marker(&format!(
            "SAFETY: `arg` is an exclusive borrow of a whole `{}`, the size `{cmd}` encodes, \
             valid for the kernel's reads and writes; {}",
            arg_ty.to_string().replace(' ', ""),
            if ptrs.is_empty() && !nested {
                "it holds no user pointer."
            } else {
                "the user pointers in it are valid by this function's contract."
            }
        ));
        let raw = quote! {
            #raw_doc
            pub unsafe fn #raw_name<T: Transport + ?Sized>(
                t: &T,
                driver_revision: u32,
                arg: &mut #arg_ty,
            ) -> Result<(), CallError> {
                #check
                #raw_safety
                let result = unsafe { t.ioctl(uapi::#cmd, ::core::ptr::from_mut(arg).cast()) };
                #errno_map
            }
        };
        // A pointer the safe function does not fill from a borrow (one in
        // a nested struct or in an array element) could point anywhere
        // the kernel then writes: such an ioctl is only offered unsafe.
        if nested {
            return raw;
        }

        let params = ptrs.iter().map(|p| {
            let PtrParam {
                param,
                elem,
                writes,
                ..
            } = p;
            let ty = match (&p.len, writes) {
                (PtrLen::Single, false) => quote! { &#elem },
                (PtrLen::Single, true) => quote! { &mut #elem },
                (_, false) => quote! { &[#elem] },
                (_, true) => quote! { &mut [#elem] },
            };
            quote! { #param: #ty }
        });
        let counts = self.count_fills(arg, &ptrs, &name_lit);
        let addrs = ptrs.iter().map(|p| {
            let PtrParam { param, field, .. } = p;
            let addr = match (&p.len, p.writes) {
                (PtrLen::Single, false) => quote! { ::core::ptr::from_ref(#param) as u64 },
                (PtrLen::Single, true) => quote! { ::core::ptr::from_mut(#param) as u64 },
                (_, false) => quote! { #param.as_ptr() as u64 },
                (_, true) => quote! { #param.as_mut_ptr() as u64 },
            };
            quote! { arg.#field = #addr; }
        });
        let doc = outer_doc(&self.fn_doc(io, Some(arg), &ptrs));
        let safety = comment_marker(&self.safe_safety(arg, &arg_ty, &cmd, &ptrs));
        // One parameter per pointer is the point of the function.
        let allow = if 3 + ptrs.len() > 7 {
            quote! { #[allow(clippy::too_many_arguments)] }
        } else {
            TokenStream::new()
        };
        quote! {
            #doc
            #allow
            pub fn #name<T: Transport + ?Sized>(
                t: &T,
                driver_revision: u32,
                arg: &mut #arg_ty,
                #(#params),*
            ) -> Result<(), CallError> {
                #check
                #(#counts)*
                #(#addrs)*
                #safety
                let result = unsafe { t.ioctl(uapi::#cmd, ::core::ptr::from_mut(arg).cast()) };
                #errno_map
            }

            #raw
        }
    }

    fn revision_check(&self, io: &Ioctl) -> TokenStream {
        if io.since == 0 {
            return TokenStream::new();
        }
        let since = Literal::u32_unsuffixed(io.since);
        let name = Literal::string(&io.name);
        quote! {
            if driver_revision < #since {
                return Err(CallError::Unsupported {
                    ioctl: #name,
                    since: #since,
                    driver_revision,
                });
            }
        }
    }

    fn ptr_params(&self, arg: &Struct) -> Vec<PtrParam> {
        arg.members
            .iter()
            .filter_map(|mem| {
                let MemberKind::UserPtr { elem, len, .. } = &mem.kind else {
                    return None;
                };
                let elem_kind = elem;
                let snake = names::snake(&mem.name);
                let param = if FIXED_PARAMS.contains(&snake.as_str()) {
                    snake_ident(&format!("{snake}_"))
                } else {
                    snake_ident(&mem.name)
                };
                let elem = match elem {
                    Elem::Scalar(s) => scalar_ty(*s),
                    Elem::Struct(n) => self.struct_path(n),
                };
                let access = self.pointee_access(mem.access, elem_kind);
                Some(PtrParam {
                    param,
                    field: snake_ident(&mem.name),
                    elem,
                    writes: access.written_by_kernel(),
                    len: len.clone(),
                    access,
                })
            })
            .collect()
    }

    /// What the kernel does with the memory behind a pointer. The
    /// pointer's own `access` says it, unless it is the default `in` and
    /// the element struct declares members the kernel writes: then the
    /// kernel writes the elements (PERF_STATS's counters), and lending
    /// it a shared slice would be unsound.
    fn pointee_access(&self, declared: Access, elem: &Elem) -> Access {
        let Elem::Struct(name) = elem else {
            return declared;
        };
        if declared != Access::In {
            return declared;
        }
        let (mut reads, mut writes) = (false, false);
        self.member_accesses(name, &mut |a| {
            reads |= a.read_by_kernel();
            writes |= a.written_by_kernel();
        });
        match (reads, writes) {
            (_, false) => Access::In,
            (false, true) => Access::Out,
            (true, true) => Access::InOut,
        }
    }

    /// The access of every member of a struct, nested structs' members
    /// included; pad has none that matters.
    fn member_accesses(&self, name: &str, f: &mut dyn FnMut(Access)) {
        let Some((s, _)) = self.model.find_struct(name) else {
            return;
        };
        for m in &s.members {
            match &m.kind {
                MemberKind::Pad { .. } => {}
                MemberKind::Struct { name } => self.member_accesses(name, f),
                _ => f(m.access),
            }
        }
    }

    /// Does the argument hold a user pointer the safe function cannot fill
    /// from a borrow: one inside a nested struct, or inside the elements a
    /// user pointer points at?
    fn nested_ptrs(&self, arg: &Struct) -> bool {
        arg.members.iter().any(|mem| match &mem.kind {
            MemberKind::Struct { name } => self.holds_ptr(name),
            MemberKind::UserPtr {
                elem: Elem::Struct(name),
                ..
            } => self.holds_ptr(name),
            _ => false,
        })
    }

    /// Does a struct hold a user pointer, directly or in a struct it
    /// embeds by value? (By-value nesting is acyclic.)
    fn holds_ptr(&self, name: &str) -> bool {
        self.model.find_struct(name).is_some_and(|(s, _)| {
            s.members.iter().any(|m| match &m.kind {
                MemberKind::UserPtr { .. } => true,
                MemberKind::Struct { name } => self.holds_ptr(name),
                _ => false,
            })
        })
    }

    /// Statements setting each count (or byte length) member from its
    /// slices. A member two pointers share gets the smaller measure, so
    /// it never overstates either slice.
    fn count_fills(&self, arg: &Struct, ptrs: &[PtrParam], ioctl: &Literal) -> Vec<TokenStream> {
        let mut order: Vec<usize> = Vec::new();
        for p in ptrs {
            if let PtrLen::Count(i) | PtrLen::Bytes(i) = p.len
                && !order.contains(&i)
            {
                order.push(i);
            }
        }
        order
            .into_iter()
            .map(|i| {
                let member = &arg.members[i];
                let field = snake_ident(&member.name);
                let measures: Vec<TokenStream> = ptrs
                    .iter()
                    .filter_map(|p| {
                        let param = &p.param;
                        match p.len {
                            PtrLen::Count(j) if j == i => Some(quote! { #param.len() }),
                            PtrLen::Bytes(j) if j == i => {
                                Some(quote! { ::core::mem::size_of_val(#param) })
                            }
                            _ => None,
                        }
                    })
                    .collect();
                let mut measure = measures[0].clone();
                for m in &measures[1..] {
                    measure = quote! { #measure.min(#m) };
                }
                let ty = match &member.kind {
                    MemberKind::Scalar { ty, count: None } => scalar_ty(*ty),
                    // The resolver allows only a single integer member.
                    _ => quote! { u64 },
                };
                quote! {
                    arg.#field = #ty::try_from(#measure)
                        .map_err(|_| CallError::TooLong { ioctl: #ioctl, len: #measure })?;
                }
            })
            .collect()
    }

    fn safe_safety(
        &self,
        arg: &Struct,
        arg_ty: &TokenStream,
        cmd: &Ident,
        ptrs: &[PtrParam],
    ) -> String {
        let mut text = format!(
            "SAFETY: `arg` is an exclusive borrow of a whole `{}`, the size `{cmd}` encodes, \
             valid for the kernel's reads and writes.",
            arg_ty.to_string().replace(' ', "")
        );
        if ptrs.is_empty() {
            text.push_str(" It holds no user pointer.");
            return text;
        }
        for p in ptrs {
            let field = p.field.to_string();
            let param = p.param.to_string();
            let borrow = if p.writes { "an exclusive" } else { "a shared" };
            let what = match access_verb(p.access) {
                "reads" => "the kernel only reads it".to_string(),
                verb => format!(
                    "the kernel {verb} it, and every bit pattern is a valid `{}`",
                    p.elem.to_string().replace(' ', "")
                ),
            };
            text.push_str(&match p.len {
                PtrLen::Single => {
                    format!(
                        " `arg.{field}` holds the address of `{param}`, {borrow} borrow; {what}."
                    )
                }
                PtrLen::Count(i) => format!(
                    " `arg.{field}` holds the address of `{param}`, {borrow} borrow of at least \
                     `arg.{}` elements; {what}.",
                    snake_ident(&arg.members[i].name)
                ),
                PtrLen::Bytes(i) => format!(
                    " `arg.{field}` holds the address of `{param}`, {borrow} borrow of at least \
                     `arg.{}` bytes; {what}.",
                    snake_ident(&arg.members[i].name)
                ),
            });
        }
        text.push_str(" The borrows last for the whole call.");
        text
    }

    // ------------------------------------------------------------ docs

    /// Doc of the safe function (and of an argument-less ioctl's only one).
    fn fn_doc(&self, io: &Ioctl, arg: Option<&Struct>, ptrs: &[PtrParam]) -> String {
        let mut paras: Vec<String> = Vec::new();
        if let Some(d) = &io.doc {
            paras.push(d.clone());
        }
        let cmd = format!("[`uapi::IOCTL_{}`]", names::upper(&io.name));
        let mut facts = format!(
            "Sends {cmd}, direction {} (`{}`)",
            dir_text(io.dir),
            io.dir.c_macro()
        );
        if let Some(a) = &io.arg {
            facts.push_str(&format!(", with `arg`, a {}", self.struct_link(a)));
        }
        facts.push_str(&format!(
            ". {} A driver reporting an older `driver_revision` is not called: \
             [`CallError::Unsupported`].",
            since_text(io.since)
        ));
        paras.push(facts);
        if let Some(arg) = arg {
            for p in ptrs {
                paras.push(format!("- {}", self.ptr_param_doc(arg, p)));
            }
        }
        if !io.errors.is_empty() {
            paras.push("Errors, as [`CallError::Errno`]:".to_string());
            for e in &io.errors {
                paras.push(match &e.doc {
                    Some(d) => format!("- `{}`: {}", e.errno, d),
                    None => format!("- `{}`", e.errno),
                });
            }
        }
        paras.join("\n")
    }

    fn ptr_param_doc(&self, arg: &Struct, p: &PtrParam) -> String {
        let field_link = |i: usize| self.field_link(arg, &snake_ident(&arg.members[i].name));
        let ptr = self.field_link(arg, &p.field);
        let verb = access_verb(p.access);
        match p.len {
            PtrLen::Single => format!(
                "`{}`: its address goes in {ptr}; the kernel {verb} it.",
                p.param
            ),
            PtrLen::Count(i) => format!(
                "`{}`: its address goes in {ptr} and its length in {} ([`CallError::TooLong`] \
                 if it does not fit); the kernel {verb} the elements.",
                p.param,
                field_link(i)
            ),
            PtrLen::Bytes(i) => format!(
                "`{}`: its address goes in {ptr} and its size in bytes in {} \
                 ([`CallError::TooLong`] if it does not fit); the kernel {verb} the elements.",
                p.param,
                field_link(i)
            ),
        }
    }

    fn raw_doc(
        &self,
        io: &Ioctl,
        arg: &Struct,
        safe: &Ident,
        ptrs: &[PtrParam],
        nested: bool,
    ) -> String {
        let mut paras = Vec::new();
        if nested {
            if let Some(d) = &io.doc {
                paras.push(d.clone());
            }
            paras.push(format!(
                "Sends [`uapi::IOCTL_{}`] with `arg`, a {}, exactly as the caller set it. {} A \
                 driver reporting an older `driver_revision` is not called: \
                 [`CallError::Unsupported`]. There is no safe variant: the argument holds user \
                 pointers inside nested structs or array elements, which no borrow can vouch \
                 for.",
                names::upper(&io.name),
                self.struct_link(&io.arg.clone().unwrap_or_default()),
                since_text(io.since)
            ));
        } else {
            paras.push(format!(
                "Like [`{safe}`], but sends `arg` exactly as the caller set it: user pointers \
                 and their counts are not touched. For tests that pass deliberately bad \
                 pointers or counts."
            ));
        }
        paras.push("# Safety".to_string());
        if ptrs.is_empty() && !nested {
            paras.push(
                "`arg` holds no user pointer, so any value is sound; the function is `unsafe` \
                 only to match the other `_raw` functions."
                    .to_string(),
            );
        } else {
            let fields: Vec<String> = ptrs
                .iter()
                .map(|p| self.field_link(arg, &p.field))
                .collect();
            let which = if nested {
                "Every user pointer in `arg`, nested ones included,".to_string()
            } else {
                format!("Each user pointer in `arg` ({})", fields.join(", "))
            };
            paras.push(format!(
                "{which} must be 0 or an address the kernel may access as this ioctl does (read \
                 for `in` pointers, write for `out` and `inout` ones) for as many elements or \
                 bytes as its count member says, without touching memory that Rust code \
                 borrows during the call. An address that is not mapped at all qualifies: the \
                 kernel answers it with EFAULT."
            ));
        }
        paras.join("\n")
    }

    // ------------------------------------------------------------ paths

    /// Path of a struct type from this crate: `uapi::Name` or
    /// `uapi::accel_uapi::Name`.
    fn struct_path(&self, name: &str) -> TokenStream {
        let p = self.uapi.struct_path(name);
        quote! { uapi::#p }
    }

    /// The chain from this crate to the uapi crate that owns a struct.
    fn struct_prefix(&self, name: &str) -> Vec<Ident> {
        let owner = self
            .model
            .find_struct(name)
            .map(|(_, o)| o.to_string())
            .unwrap_or_else(|| self.model.name.clone());
        let mut prefix = vec![format_ident!("uapi")];
        prefix.extend(self.uapi.crate_prefix(&owner));
        prefix
    }

    fn struct_link(&self, name: &str) -> String {
        doc_link(&self.struct_prefix(name), &type_ident(name))
    }

    fn field_link(&self, s: &Struct, field: &Ident) -> String {
        let mut prefix = self.struct_prefix(&s.name);
        prefix.push(type_ident(&s.name));
        doc_link(&prefix, field)
    }
}

/// What the kernel does with the memory behind a pointer of this access.
fn access_verb(a: Access) -> &'static str {
    match a {
        Access::In => "reads",
        Access::Out => "writes",
        Access::InOut => "reads and writes",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(package_name("softaccel"), "softaccel-user");
        assert_eq!(lib_name("soft-accel"), "soft_accel_user");
    }

    #[test]
    fn comment_markers_become_comments() {
        let text = "SAFETY: ".to_string() + &"word ".repeat(40);
        let tokens = comment_marker(&text);
        let file: syn::File = syn::parse2(quote! {
            fn f() {
                #tokens
                let x = 1;
            }
        })
        .unwrap();
        let out = comments(&prettyplease::unparse(&file));
        assert!(!out.contains(COMMENT_MARKER), "{out}");
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[1].starts_with("    // SAFETY: word"), "{out}");
        assert!(lines.iter().all(|l| l.len() <= COMMENT_WIDTH), "{out}");
        assert!(lines[2].starts_with("    // word"), "{out}");
        assert!(out.contains("    let x = 1;"), "{out}");
    }
}
