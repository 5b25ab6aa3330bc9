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
//! The file is printed as text with `RustWriter`, already in rustfmt's
//! layout (`layout` and `items` decide where the spec-dependent lines
//! break): building
//! tokens and pretty-printing them cost most of the generation time.
//!
//! The same code prints the kernel's module (`rust/linux/<spec>.rs`,
//! `Flavour::Linux`), whose text is mostly this crate's: generation prints
//! both in one pass ([`lib_rs_both`], over the two-flavour writer of
//! `two`), the text they share once.

mod dispatch;
mod operations;
mod ops;
mod rings;
mod size;
mod transport;
mod two;
mod validate;

use crate::backend::rust::Flavour;
use crate::backend::rust::cargo::{self, crate_files};
use crate::backend::rust::control as netlink;
use crate::backend::rust::items::Uses;
use crate::backend::rust::uapi as ru;
use crate::backend::rust::writer::{
    RustWriter, banner, doc, doc_lines, inner_doc, link_to, path, push_path, snake_ident,
    type_ident,
};
use crate::backend::shared::capacity_for;
use crate::backend::{GeneratedFile, OutputOptions, RenderError};
use crate::model::{EnumId, I386Conversion, Ioctl, Model, Struct, StructId};
use crate::names;
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::hash::Hash;
use std::rc::Rc;
use two::Tw;

/// Never fails today; a `Result` like every backend's `render`.
pub fn render(model: &Model) -> Result<Vec<GeneratedFile>, RenderError> {
    render_with(model, &OutputOptions::default())
}

/// [`render`], with the runtime dependency `opts` names.
pub fn render_with(model: &Model, opts: &OutputOptions) -> Result<Vec<GeneratedFile>, RenderError> {
    Ok(crate_files(
        model,
        "kernel",
        cargo_toml(model, opts),
        lib_rs(model),
    ))
}

/// [`render_with`], and the kernel flavour's module of `linux::render`
/// (`<spec>/rust/linux/<spec>.rs`), both printed in one pass
/// ([`lib_rs_both`]): generation's job for the kernel side, beside
/// `linux::render_rest` for the rest of `rust/linux`.
pub(crate) fn render_both_with(
    model: &Model,
    opts: &OutputOptions,
) -> Result<Vec<GeneratedFile>, RenderError> {
    let (hosted, linux) = lib_rs_both(model);
    let mut files = crate_files(model, "kernel", cargo_toml(model, opts), hosted);
    files.push(GeneratedFile {
        path: crate::backend::rust::linux::module_path(model),
        contents: linux,
    });
    Ok(files)
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

fn cargo_toml(model: &Model, opts: &OutputOptions) -> String {
    let runtime = &opts.rust_runtime;
    let description = format!(
        "Kernel side of the {} uapi: validation, the Ops trait and ioctl dispatch (generated).",
        model.name
    );
    let deps = [
        cargo::sibling_dep(
            &cargo::package_name_in(&model.name, "uapi", opts),
            &cargo::crate_path(opts, &model.name, "kernel", &model.name, "uapi"),
            runtime,
        ),
        cargo::runtime_dep(opts, &model.name, "kernel", &[]),
    ];
    cargo::manifest(model, "kernel", &description, &deps, opts)
}

// ---------------------------------------------------------------- lib.rs

fn lib_rs(model: &Model) -> String {
    lib_rs_in(model, Flavour::Hosted)
}

/// The kernel side in either flavour: `lib.rs` of the hosted crate, or
/// the module the kernel's build compiles.
pub(crate) fn lib_rs_in(model: &Model, flavour: Flavour) -> String {
    let g = Gen::new(model, flavour);
    let mut tw = Tw::one(flavour, capacity_for(model, 520));
    g.file(&mut tw);
    match (flavour, tw.finish()) {
        (Flavour::Hosted, (text, _)) | (Flavour::Linux, (_, text)) => text,
    }
}

/// [`lib_rs_in`] of both flavours, (hosted, linux), printed in one pass:
/// the text they share is printed once (see `two`).
pub(crate) fn lib_rs_both(model: &Model) -> (String, String) {
    let g = Gen::new(model, Flavour::Hosted);
    let mut tw = Tw::both(capacity_for(model, 520));
    g.file(&mut tw);
    tw.finish()
}

/// `///` lines of `text` as strings (for items written later).
fn doc_text(text: &str) -> Vec<String> {
    doc_lines(text)
        .into_iter()
        .map(|l| format!("///{l}"))
        .collect()
}

struct Gen<'a> {
    model: &'a Model,
    /// The flavour being printed: when both are (see `two`), the one of
    /// the text [`Gen::split`] is printing, and `Hosted` elsewhere, where
    /// the text must not depend on it.
    flavour: Cell<Flavour>,
    /// The spec's transport ioctl (`netlink::transport`), looked up once:
    /// every handler asks whether it is the one.
    transport: Option<&'a Ioctl>,
    /// Per nested struct, whether its `validate_<s>_at` checks anything,
    /// whether its `clear_out_<s>` clears anything, and the newest revision
    /// its `clear_newer_<s>` clears at: each struct that embeds it asks,
    /// and the full answers build every check and statement of it.
    checks_cache: Cache<StructId, bool>,
    clears_cache: Cache<StructId, bool>,
    newer_cache: Cache<StructId, Option<u32>>,
    /// Per enum, its uapi module's path and doc link: every member
    /// checked against it names both.
    enum_cache: Cache<EnumId, (Rc<str>, Rc<str>)>,
    /// Per argument struct, its conversion for a 32-bit x86 caller (see
    /// `Gen::i386`): the dispatch and the handler of each flavour ask.
    i386_cache: Cache<StructId, Option<Rc<I386Conversion>>>,
    /// Per struct, its uapi type (`struct_ty`): argument, element and
    /// member types name it again and again, in both flavours.
    ty_cache: Cache<StructId, Rc<str>>,
    /// Per argument struct, whether it has implicit padding (see
    /// `Gen::padded`): copy-in and copy-out of each flavour ask.
    padded_cache: Cache<StructId, bool>,
}

/// A fact of a struct or enum, worked out on first use.
type Cache<K, T> = RefCell<FxHashMap<K, T>>;

/// An empty [`Cache`] with room for `n` facts.
fn cache<K, T>(n: usize) -> Cache<K, T> {
    RefCell::new(FxHashMap::with_capacity_and_hasher(n, Default::default()))
}

/// `cache`'s fact of `id`, from `compute` on first use. `compute` may
/// ask the cache of the structs `id` embeds (no struct embeds itself).
fn cached<K: Clone + Eq + Hash, T: Clone>(
    cache: &Cache<K, T>,
    id: &K,
    compute: impl FnOnce() -> T,
) -> T {
    if let Some(v) = cache.borrow().get(id) {
        return v.clone();
    }
    let v = compute();
    cache.borrow_mut().insert(id.clone(), v.clone());
    v
}

/// The names of one struct of this spec that each of its functions
/// prints: built once per struct rather than once per use.
pub(super) struct StructNames {
    /// `uapi::Submit`.
    ty: String,
    /// "[`uapi::Submit`]".
    link: String,
    /// `submit`, the stem of `validate_submit_at`, `clear_out_submit`, ...
    snake: String,
}

impl<'a> Gen<'a> {
    fn new(model: &'a Model, flavour: Flavour) -> Gen<'a> {
        // Room for every struct or enum of the spec: most are asked
        // about, and a map that grows rehashes what it holds.
        let structs = model.structs.len();
        Gen {
            model,
            flavour: Cell::new(flavour),
            transport: netlink::transport(model),
            checks_cache: cache(structs),
            clears_cache: cache(structs),
            newer_cache: cache(structs),
            enum_cache: cache(model.enums.len()),
            i386_cache: cache(structs),
            ty_cache: cache(structs),
            padded_cache: cache(structs),
        }
    }

    /// The names of struct `s` of this spec (or of an ioctl's view of one,
    /// which has the struct's name).
    fn own_names(&self, s: &Struct) -> StructNames {
        let ty = self.struct_ty_in(&self.model.name, &s.name);
        StructNames {
            link: link_to(&ty),
            ty,
            snake: names::snake(&s.name),
        }
    }

    /// Whether `validate_<s>_at` of struct `id` checks anything (as
    /// `checks` validates a nested struct the kernel reads: at its own
    /// revision).
    fn nested_has_checks(&self, id: &StructId) -> bool {
        cached(&self.checks_cache, id, || {
            let s = self.model.struct_(id);
            let scope = validate::Scope {
                base: s.since,
                at: s.since,
                own: self.own_struct(id),
            };
            self.has_checks(s, scope)
        })
    }

    /// Whether `clear_out_<s>` of struct `id` clears anything.
    fn nested_has_clears(&self, id: &StructId) -> bool {
        cached(&self.clears_cache, id, || {
            self.has_clears(self.model.struct_(id))
        })
    }

    /// The path of enum `id`'s module in the uapi crate
    /// (`uapi::flags`), and its doc link.
    fn enum_module(&self, id: &EnumId) -> (Rc<str>, Rc<str>) {
        cached(&self.enum_cache, id, || {
            let prefix = self.uapi_prefix(id.spec());
            let module = path(&prefix, &snake_ident(&self.model.enum_(id).name));
            let link = link_to(&module);
            (module.into(), link.into())
        })
    }

    /// The newest revision below which `clear_newer_<s>` of struct `id`
    /// clears something; `None` when it does nothing.
    fn newest_clear(&self, id: &StructId) -> Option<u32> {
        cached(&self.newer_cache, id, || {
            let newer = self.newer_clears(self.model.struct_(id));
            newer.iter().map(|(n, _, _)| *n).max()
        })
    }

    /// What `f` works out as `flavour` prints it, asked outside a split.
    fn as_flavour<T>(&self, flavour: Flavour, f: impl FnOnce() -> T) -> T {
        let was = self.flavour.replace(flavour);
        let v = f();
        self.flavour.set(was);
        v
    }

    /// [`Tw::split`], with `flavour` set to the flavour each text is
    /// printed in.
    fn split(&self, tw: &mut Tw, f: impl Fn(&mut RustWriter)) {
        let was = self.flavour.get();
        tw.split(|w, flavour| {
            self.flavour.set(flavour);
            f(w);
        });
        self.flavour.set(was);
    }
}

impl Gen<'_> {
    /// The whole file, in the flavours `tw` prints: a head of each
    /// flavour's own, the structs' functions, the `Ops` trait and the
    /// control messages mostly shared (they split where the flavours
    /// differ), and dispatch, handlers and rings printed per flavour.
    fn file(&self, tw: &mut Tw) {
        let m = self.model;
        banner(tw.w(), m);
        self.split(tw, |w| match self.flavour.get() {
            Flavour::Hosted => self.hosted_head(w),
            Flavour::Linux => self.linux_head(w),
        });
        for item in &m.definition_order {
            if let crate::model::ItemRef::Struct(i) = *item {
                self.struct_fns(tw, &m.structs[i]);
            }
        }
        for io in &m.ioctls {
            self.ioctl_arg_fns(tw, io);
        }
        // Each ioctl's arrays, for its `Ops` method and its handlers.
        let ptrs: Vec<Vec<ops::Ptr>> = m.ioctls.iter().map(|io| self.ptrs(io)).collect();
        self.ops_trait(tw, &ptrs);
        let dispatch_names = self.dispatch_names();
        self.split(tw, |w| self.dispatch(w, &dispatch_names));
        let common = self.handler_common();
        for (io, io_ptrs) in m.ioctls.iter().zip(&ptrs) {
            self.handler(tw, io, &common, io_ptrs);
        }
        self.operations(tw);
        self.split(tw, |w| self.rings(w));
    }

    /// The hosted crate's head: its doc, attributes and `use`s.
    fn hosted_head(&self, w: &mut RustWriter) {
        let m = self.model;
        inner_doc(w, &self.crate_doc());
        w.line("#![no_std]");
        w.line("#![forbid(unsafe_code)]");
        let mut uses = Uses::new();
        if self.transport.is_some() {
            w.line("extern crate alloc;");
            uses.add("alloc::vec::Vec", vec!["use alloc::vec::Vec;".to_string()]);
            uses.add(
                "uabi_runtime::nla",
                vec!["use uabi_runtime::nla;".to_string()],
            );
        }
        let uapi_lib = ru::lib_name(&m.name);
        let mut text = doc_text(&format!(
            "The `{}` uapi crate: the structs and numbers this crate validates and dispatches.",
            m.name
        ));
        text.push(format!("pub use {uapi_lib} as uapi;"));
        uses.add(&format!("{uapi_lib} as uapi"), text);
        for inc in &m.includes {
            let lib = lib_name(&inc.name);
            let mut text = doc_text(&format!(
                "The `{}` spec's kernel crate, whose ioctls [`dispatch`] passes on to it.",
                inc.name
            ));
            text.push(format!("pub use {lib};"));
            uses.add(&lib, text);
        }
        uses.add(
            "uabi_runtime::{Errno, Extension, UserArray, UserMem}",
            vec!["pub use uabi_runtime::{Errno, Extension, UserArray, UserMem};".to_string()],
        );
        uses.write(w);
    }

    /// The kernel flavour's module head: its doc, its `uapi` module and
    /// `use`s. Its items are the crate's, over `crate::uabi_rt`.
    fn linux_head(&self, w: &mut RustWriter) {
        let m = self.model;
        inner_doc(w, &self.linux_doc());
        doc(
            w,
            &format!(
                "The `{}` uapi: the structs and numbers this module validates and dispatches.",
                m.name
            ),
        );
        // Relative to this file's folder: the two files sit side by side.
        w.line_fmt(format_args!("#[path = \"{}_uapi.rs\"]", m.name));
        w.line("pub mod uapi;");
        // The kernel formats with style edition 2021 (its `.rustfmt.toml`),
        // whose lists put snake_case before CamelCase.
        let mut uses = Uses::new_style_2021();
        for inc in &m.includes {
            let mut text = doc_text(&format!(
                "The `{}` spec's module, whose ioctls [`dispatch`] passes on to it.",
                inc.name
            ));
            text.push(format!(
                "pub use crate::{} as {};",
                names::snake(&inc.name),
                lib_name(&inc.name)
            ));
            uses.add(&format!("crate::{}", names::snake(&inc.name)), text);
        }
        uses.add(
            "crate::uabi_rt::{Extension, OutArray, UserArray}",
            vec!["pub use crate::uabi_rt::{Extension, OutArray, UserArray};".to_string()],
        );
        if self.transport.is_some() {
            uses.add(
                "crate::uabi_rt::{nla, Errno}",
                vec!["use crate::uabi_rt::{nla, Errno};".to_string()],
            );
        }
        uses.add(
            "kernel::error::{code, Error}",
            vec!["use kernel::error::{code, Error};".to_string()],
        );
        uses.write(w);
    }

    fn linux_doc(&self) -> String {
        let m = self.model;
        let paras = [
            format!(
                "The `{}` uapi, revision {}, kernel side for the kernel's own build \
                 (Rust-for-Linux): the trait a driver implements ([`Ops`]), the entry that \
                 calls it ([`dispatch`]), and the validation every argument passes first.",
                m.name, m.revision
            ),
            format!(
                "Generated by uabi from `{}`, from the same model as the hosted crate \
                 `{}` and the C kernel side, with the same steps and errnos (see that crate's \
                 documentation). Module source, not a crate: no Cargo and no crate outside \
                 the kernel's; the driver's crate root declares `uabi_rt` (the file beside \
                 this one), this module as `{}`{} with `#[path]`. The caller's memory is \
                 reached only through `kernel::uaccess::UserSlice`; errors are \
                 `kernel::error::code` values.",
                m.source,
                lib_name(&m.name),
                names::snake(&m.name),
                if m.includes.is_empty() {
                    String::new()
                } else {
                    let incs: Vec<String> = m
                        .all_includes()
                        .iter()
                        .map(|i| format!("`{}`", names::snake(&i.name)))
                        .collect();
                    format!(" and its included specs' modules as {}", incs.join(", "))
                }
            ),
            "Where it differs from the hosted crate: an array the kernel reads is copied in \
             once, whole (bounded by its `max-count`, into a `KVec`), and every element is \
             validated before the handler runs, which gets a slice; an array the kernel writes \
             is an [`OutArray`] the handler pushes to, copied out (only what was pushed) when \
             the handler succeeds. A 32-bit x86 caller (`compat`, with the i386 command number) \
             of an ioctl whose argument an existing ABI lays out differently on i386 has its \
             argument converted run by run to the x86_64 layout and back, as the C kernel \
             side's `compat_ioctl` does."
                .to_string(),
        ];
        paras.join("\n")
    }

    /// `Err` value `name` (`EINVAL`, ...) as the flavour spells it. Linux
    /// 6.12's `kernel::error::code` names only some errnos (no
    /// `EOPNOTSUPP`, `EOVERFLOW`, `EMSGSIZE`, ...): the others are built
    /// from bindgen's number.
    fn errno(&self, name: &str) -> String {
        errno_parts(self.flavour.get(), name).concat()
    }

    /// `return Err(<errno>);`, as each flavour spells the errno.
    fn return_err(&self, tw: &mut Tw, errno: &Spellings) {
        self.split(tw, |w| {
            let [a, b, c] = match self.flavour.get() {
                Flavour::Hosted => errno.hosted,
                Flavour::Linux => errno.linux,
            };
            w.line_of(&["return Err(", a, b, c, ");"]);
        });
    }

    /// The result type of validation, handlers and dispatch.
    fn result_ty(&self) -> &'static str {
        match self.flavour.get() {
            Flavour::Hosted => "Result<(), Errno>",
            Flavour::Linux => "Result<(), Error>",
        }
    }

    /// The path from the `operations` module to the spec's items: the
    /// crate root of the hosted crate, the spec's module in the kernel.
    fn root(&self) -> &'static str {
        match self.flavour.get() {
            Flavour::Hosted => "crate",
            Flavour::Linux => "super",
        }
    }

    /// What turns a validation result into the control-message codec's
    /// errno (the kernel flavour validates with `kernel::error::Error`).
    fn to_codec_errno(&self) -> &'static str {
        match self.flavour.get() {
            Flavour::Hosted => "",
            Flavour::Linux => ".map_err(Errno::from)",
        }
    }

    /// Path of the spec-independent runtime.
    fn rt(&self) -> &'static str {
        match self.flavour.get() {
            Flavour::Hosted => "uabi_runtime",
            Flavour::Linux => "crate::uabi_rt",
        }
    }

    /// How the dispatch asks whether the caller is privileged: the
    /// `privileged` method of the root spec's `Ops`.
    fn privileged_call(&self) -> String {
        let roots = self.file_roots();
        let p = roots
            .first()
            .map(|r| self.kernel_prefix(&r.name))
            .unwrap_or_default();
        format!("<O as {}>::privileged(ops, file)", path(&p, "Ops"))
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
                if self.transport.is_some() {
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
                 then (`size_*_at` of a struct that grew, so a caller's newer members are its \
                 extension tail), members added later are zero in the handler's view \
                 (`clear_newer_*`), and \
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
        if let Some(t) = self.transport {
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
    fn uapi_prefix(&self, owner: &str) -> Vec<String> {
        let mut p = vec!["uapi".to_string()];
        p.extend(self.chain(owner).iter().map(|s| ru::lib_name(s)));
        p
    }

    /// Where `owner`'s kernel items are: nothing for this crate,
    /// `accel_kernel` for an included spec.
    fn kernel_prefix(&self, owner: &str) -> Vec<String> {
        self.chain(owner).iter().map(|s| lib_name(s)).collect()
    }

    /// The uapi type of a struct: `uapi::Submit`, `uapi::accel_uapi::BoCreate`.
    fn struct_ty(&self, id: &StructId) -> String {
        self.struct_ty_rc(id).to_string()
    }

    /// [`Self::struct_ty`], shared.
    fn struct_ty_rc(&self, id: &StructId) -> Rc<str> {
        cached(&self.ty_cache, id, || {
            self.struct_ty_in(id.spec(), &self.model.struct_(id).name)
                .into()
        })
    }

    /// The uapi type of struct `name` of spec `owner`: [`path`] of
    /// [`Self::uapi_prefix`] and the type, built in one `String`.
    fn struct_ty_in(&self, owner: &str, name: &str) -> String {
        let ty = type_ident(name);
        let chain = self.chain(owner);
        let mut out = String::with_capacity(6 + ty.len() + 16 * chain.len());
        let crates = chain.iter().map(|s| Cow::Owned(ru::lib_name(s)));
        push_path(
            &mut out,
            std::iter::once(Cow::Borrowed("uapi")).chain(crates),
            &ty,
        );
        out
    }

    fn struct_link(&self, id: &StructId) -> String {
        link_to(&self.struct_ty_rc(id))
    }

    /// `validate_<struct>`, `clear_out_<struct>`, ... (`pattern` with `{}`
    /// for the struct's snake-case name), of this crate or of an included
    /// spec's kernel crate: the path and its doc link.
    fn struct_fn(&self, pattern: &str, id: &StructId) -> (String, String) {
        self.struct_fn_in(pattern, id.spec(), &self.model.struct_(id).name)
    }

    /// [`path`] of [`Self::kernel_prefix`] and the function, and its
    /// `writer::doc_link`, without the intermediate `String`s.
    fn struct_fn_in(&self, pattern: &str, owner: &str, name: &str) -> (String, String) {
        let out = self.struct_fn_path_in(pattern, owner, name);
        let link = link_to(&out);
        (out, link)
    }

    /// [`Self::struct_fn`]'s path alone, for a call (no doc link built).
    fn struct_fn_path(&self, pattern: &str, id: &StructId) -> String {
        self.struct_fn_path_in(pattern, id.spec(), &self.model.struct_(id).name)
    }

    fn struct_fn_path_in(&self, pattern: &str, owner: &str, name: &str) -> String {
        let mut f = String::with_capacity(pattern.len() + name.len());
        // What `pattern.replace("{}", snake)` makes, found a byte at a
        // time: the patterns are a few bytes, a substring searcher costs
        // more to set up than it saves.
        let mut rest = pattern;
        while let Some(i) = rest.as_bytes().windows(2).position(|b| b == b"{}") {
            f.push_str(&rest[..i]);
            names::push_snake(&mut f, name);
            rest = &rest[i + 2..];
        }
        f.push_str(rest);
        if owner == self.model.name {
            // This crate's own function: no path before it.
            return f;
        }
        let chain = self.chain(owner);
        let mut out = String::with_capacity(f.len() + 24 * chain.len());
        push_path(&mut out, chain.iter().map(|s| lib_name(s)), &f);
        out
    }

    /// Is `id` a struct of this spec (numbered by this spec's revisions)?
    fn own_struct(&self, id: &StructId) -> bool {
        id.spec() == self.model.name
    }

    /// `ops.<spec>_revision()` of the spec that owns struct `id`: the
    /// revision its members' `since` count in.
    fn owner_revision(&self, id: &StructId) -> String {
        format!("ops.{}_revision()", names::snake(id.spec()))
    }

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
    fn file_ty(&self, who: &str) -> String {
        let roots = self.file_roots();
        if roots.len() <= 1 {
            return [who, "::File"].concat();
        }
        let p = self.kernel_prefix(&roots[0].name);
        format!("<{who} as {}>::File", path(&p, "Ops"))
    }

    fn revision_fn(&self) -> String {
        let mut f = String::with_capacity(self.model.name.len() + 12);
        names::push_snake(&mut f, &self.model.name);
        f.push_str("_revision");
        f
    }
}

/// An errno as each flavour spells it ([`Gen::errno`]), in pieces: worked
/// out once for the lines of both flavours that return it.
pub(super) struct Spellings<'n> {
    hosted: [&'n str; 3],
    linux: [&'n str; 3],
}

impl<'n> Spellings<'n> {
    pub(super) fn of(name: &'n str) -> Spellings<'n> {
        Spellings {
            hosted: errno_parts(Flavour::Hosted, name),
            linux: errno_parts(Flavour::Linux, name),
        }
    }
}

/// [`Gen::errno`] of `flavour`, in pieces.
fn errno_parts(flavour: Flavour, name: &str) -> [&str; 3] {
    match flavour {
        Flavour::Hosted => ["Errno::", name, ""],
        Flavour::Linux if LINUX_6_12_CODES.contains(&name) => ["code::", name, ""],
        Flavour::Linux => ["Error::from_errno(-(kernel::bindings::", name, " as i32))"],
    }
}

/// The errnos Linux 6.12's `kernel::error::code` declares (`declare_err!` in
/// rust/kernel/error.rs), of those the generated code returns.
const LINUX_6_12_CODES: &[&str] = &[
    "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD",
    "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV",
    "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC",
    "ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Printing both flavours at once gives each flavour's text as
    /// printing it alone does: no text shared by `Tw` depends on the
    /// flavour.
    #[test]
    fn both_flavours_in_one_pass_print_each_flavour_text() {
        crate::backend::rust::assert_both_flavours_as_each(lib_rs_both, lib_rs_in);
    }
}
