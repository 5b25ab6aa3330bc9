//! Go backend: one standard-library-only package per spec, in
//! `<spec>/go/` (module `uabi.local/<spec>/go`, package `<spec>uapi`).
//!
//! - `uapi.go`: structs with exported fields laid out as the kernel's,
//!   constants, enums and flags as typed constants, ioctl numbers.
//! - `ioctl.go`: one function per ioctl over `syscall.Syscall(SYS_IOCTL)`,
//!   returning the errno as a `syscall.Errno`; ioctls whose argument holds
//!   user pointers take slices for them.
//! - `layout.go`: compile-time checks of the size and member offsets of
//!   every struct that lays out alike on all the spec's GOARCHes, so even a
//!   cross build proves the layout.
//! - `cmds_<goarch>.go`: the command numbers of one GOARCH, and the same
//!   compile-time checks for the structs whose layout differs between
//!   GOARCHes.
//! - `go.mod`: an included spec's package is required and replaced by its
//!   generated folder (`../../<inc>/go`), so nothing is downloaded.
//!
//! Output is gofmt-clean: gofmt aligns the names of consecutive fields and
//! constants that no comment line separates, and this module pads them the
//! same way. Doc text avoids what gofmt's doc comment reformatting would
//! rewrite (indented lines, old-style headings).
//!
//! The shapes of the files are the askama templates in `templates/go/`;
//! this module prepares flat view models, whose comments and aligned
//! blocks `text` writes as ready lines.

use crate::backend::shared::PushFmt;
use crate::backend::shared::{capacity_for, concat, push_hex, push_int};
use crate::backend::{GeneratedFile, banner_lines};
use crate::backend::{RenderError, render_template, render_template_sized};
use crate::ioc::Dir;
use crate::model::{
    ByteOrder, Elem, Enum, EnumEntry, EnumKind, Ioctl, ItemRef, Member, MemberKind, Model, PtrLen,
    Scalar, Struct, StructId,
};
use crate::names::{pascal, push_pascal, push_upper, upper};
use crate::target::Target;
use askama::Template;
use std::path::PathBuf;

mod spelling;
mod text;
pub use spelling::GoTarget;
use text::{Block, Comment, WIDTH, doc_paragraphs};

/// Renders the package of `model`. Included specs get their own package
/// from their own `render` call.
pub fn render(model: &Model) -> Result<Vec<GeneratedFile>, RenderError> {
    render_with(model, &crate::backend::OutputOptions::default())
}

/// [`render`], named as `opts` says.
pub fn render_with(
    model: &Model,
    opts: &crate::backend::OutputOptions,
) -> Result<Vec<GeneratedFile>, RenderError> {
    let prefix = opts.go_module_prefix.as_str();
    let dir = package_dir(model);
    let banner = go_banner(model);
    let file = |name: &str, contents: String| GeneratedFile {
        path: dir.join(name),
        contents,
    };
    let mut files = vec![
        file("go.mod", go_mod(model, opts)?),
        file(
            "uapi.go",
            render_template_sized(
                model,
                "Go uapi",
                &UapiView::new(model, &banner, prefix),
                capacity_for(model, 120),
            )?,
        ),
    ];
    if !model.ioctls.is_empty() {
        files.push(file(
            "ioctl.go",
            render_template_sized(
                model,
                "Go ioctl",
                &IoctlView::new(model, &banner, prefix),
                capacity_for(model, 100),
            )?,
        ));
    }
    let targets = go_targets(model);
    let layouts = LayoutChecks::new(model, &targets);
    if !layouts.uniform.is_empty() {
        files.push(file(
            "layout.go",
            render_template_sized(
                model,
                "Go layout",
                &LayoutView::new(model, &layouts, &banner),
                capacity_for(model, 60),
            )?,
        ));
    }
    if !model.ioctls.is_empty() || !layouts.per_target.is_empty() {
        let names = CmdsNames::new(model, &targets);
        for &t in &targets {
            let Some(goarch) = t.goarch() else { continue };
            files.push(file(
                &format!("cmds_{goarch}.go"),
                render_template(
                    model,
                    "Go cmds",
                    &CmdsView::new(model, t, &layouts, &names, &banner),
                )?,
            ));
        }
    }
    Ok(files)
}

/// Where [`render`] puts the package, relative to the output folder.
pub fn package_dir(model: &Model) -> PathBuf {
    PathBuf::from(&model.name).join("go")
}

/// The Go package name of a spec: `softacceluapi` (no dashes).
pub fn package_name(spec: &str) -> String {
    let mut out = String::new();
    push_package_name(&mut out, spec);
    out
}

/// [`package_name`] appended to `out`.
fn push_package_name(out: &mut String, spec: &str) {
    out.reserve(spec.len() + 4);
    out.extend(spec.chars().filter(|&c| c != '-'));
    out.push_str("uapi");
}

/// The Go module path of a spec's package: `uabi.local/softaccel/go`.
pub fn module_path(spec: &str) -> String {
    module_path_in(crate::backend::DEFAULT_GO_MODULE_PREFIX, spec)
}

/// The Go module path of a spec's package under a configured prefix:
/// `<prefix>/<spec>/go`.
pub fn module_path_in(prefix: &str, spec: &str) -> String {
    format!("{prefix}/{spec}/go")
}

/// The spec's targets that Go can build for, in spec order.
pub fn go_targets(model: &Model) -> Vec<Target> {
    model
        .targets
        .iter()
        .copied()
        .filter(|t| t.goarch().is_some())
        .collect()
}

/// The banner as `//` lines, ending with the line Go tools recognise as
/// marking generated code.
fn go_banner(model: &Model) -> String {
    let mut banner = String::new();
    for l in banner_lines(model) {
        banner.push_fmt(format_args!("// {l}\n"));
    }
    banner.push_str("// Code generated by uabi; DO NOT EDIT.");
    banner
}

/// A struct of this spec (`Cmd`) or of an included one
/// (`acceluapi.Cmd`).
fn struct_ref(model: &Model, id: &StructId) -> String {
    let mut out = String::new();
    push_struct_ref(&mut out, model, id);
    out
}

/// [`struct_ref`] appended to `out`.
fn push_struct_ref(out: &mut String, model: &Model, id: &StructId) {
    if id.spec() != model.name {
        push_package_name(out, id.spec());
        out.push('.');
    }
    push_pascal(out, &model.struct_(id).name);
}

/// The included spec that owns struct `id`, if not this one.
fn foreign_owner(model: &Model, id: &StructId) -> Option<String> {
    (id.spec() != model.name).then(|| id.spec().to_string())
}

/// Specs whose packages `uapi.go` imports: owners of the included
/// structs this spec's structs embed.
fn uapi_uses(model: &Model) -> Vec<String> {
    let mut uses = Vec::new();
    for m in model.structs.iter().flat_map(|s| &s.members) {
        if let Some(id) = m.kind.embedded_struct() {
            uses.extend(foreign_owner(model, id));
        }
    }
    uses
}

/// Specs whose packages `ioctl.go` imports: owners of included argument
/// structs and of the included element structs of their user pointers.
fn ioctl_uses(model: &Model) -> Vec<String> {
    let mut uses = Vec::new();
    for io in model.ioctls.iter().filter(|io| io.dir != Dir::None) {
        let Some(arg) = &io.arg else {
            continue;
        };
        uses.extend(foreign_owner(model, arg));
        for m in &model.struct_(arg).members {
            if let MemberKind::UserPtr {
                elem: Elem::Struct(id),
                ..
            } = &m.kind
            {
                uses.extend(foreign_owner(model, id));
            }
        }
    }
    uses
}

fn scalar_go(t: Scalar) -> &'static str {
    match t {
        Scalar::U8 => "uint8",
        Scalar::U16 => "uint16",
        Scalar::U32 => "uint32",
        Scalar::U64 => "uint64",
        Scalar::S8 => "int8",
        Scalar::S16 => "int16",
        Scalar::S32 => "int32",
        Scalar::S64 => "int64",
    }
}

fn elem_go(model: &Model, elem: &Elem) -> String {
    match elem {
        Elem::Scalar(t) => scalar_go(*t).to_string(),
        Elem::Struct(id) => struct_ref(model, id),
    }
}

fn member_go(model: &Model, m: &Member) -> String {
    let mut out = String::new();
    push_member_go(&mut out, model, m);
    out
}

/// [`member_go`] appended to `out`.
fn push_member_go(out: &mut String, model: &Model, m: &Member) {
    match &m.kind {
        MemberKind::Scalar { ty, count } => {
            if count.is_some() {
                push_dims(out, m);
            }
            out.push_str(scalar_go(*ty));
        }
        MemberKind::Pad {
            scalar: Some(p), ..
        } => {
            if let Some(n) = p.count {
                out.push('[');
                push_int(out, n.into());
                out.push(']');
            }
            out.push_str(scalar_go(p.ty));
        }
        MemberKind::Pad { len, scalar: None } | MemberKind::Binary { len } => {
            out.push('[');
            push_int(out, (*len).into());
            out.push_str("]uint8");
        }
        MemberKind::String { len } => {
            out.push('[');
            push_int(out, (*len).into());
            out.push_str("]byte");
        }
        MemberKind::Struct { id, count } => {
            if count.is_some() {
                push_dims(out, m);
            }
            push_struct_ref(out, model, id);
        }
        MemberKind::Union { id } => push_struct_ref(out, model, id),
        MemberKind::UserPtr { .. } => out.push_str("uint64"),
    }
}

/// Go has no unions: a union is its bytes (`Raw`), after a zero-size
/// array of each member's type that gives it C's alignment, with a
/// method per member that reads it from the bytes and one that writes
/// it. The bytes' length is the union's size where it is the same on
/// every Go target of the spec, else the per-GOARCH constant
/// `sizeOf<Union>` of `cmds_<goarch>.go`.
fn union_fields(model: &Model, s: &Struct) -> String {
    let mut block = Block::default();
    let mut elems: Vec<String> = Vec::new();
    for m in &s.members {
        let ty = member_go(model, m);
        let elem = ty.rsplit(']').next().unwrap_or(&ty);
        if elems.iter().any(|e| e == elem) {
            continue;
        }
        if elems.is_empty() {
            block
                .doc()
                .para("The alignment of every member: Go has no unions.");
        }
        block.row(
            |out| out.push('_'),
            |out| {
                out.push_str("[0]");
                out.push_str(elem);
            },
        );
        elems.push(elem.to_string());
    }
    block
        .doc()
        .para("The union's bytes; each member's methods read and write them.");
    let len = union_len(model, s);
    block.row(
        |out| out.push_str("Raw"),
        |out| out.push_fmt(format_args!("[{len}]byte")),
    );
    block.finish()
}

/// The length of a union's bytes in Go: see [`union_fields`].
fn union_len(model: &Model, s: &Struct) -> String {
    let targets = go_targets(model);
    match s.uniform_layout(&targets) {
        Some(l) => l.size.to_string(),
        None => format!("sizeOf{}", pascal(&s.name)),
    }
}

/// The accessor methods of a union (see [`union_fields`]).
fn union_methods(model: &Model, s: &Struct) -> Vec<String> {
    let name = pascal(&s.name);
    let mut out = Vec::new();
    for m in &s.members {
        let field = pascal(&m.name);
        let ty = member_go(model, m);
        out.push(format!(
            "// {field} reads member {} of the union from its bytes.\n\
             func (u *{name}) {field}() {ty} {{\n\
             \treturn *(*{ty})(unsafe.Pointer(&u.Raw[0]))\n\
             }}\n\n\
             // Set{field} writes member {} of the union into its bytes.\n\
             func (u *{name}) Set{field}(v {ty}) {{\n\
             \t*(*{ty})(unsafe.Pointer(&u.Raw[0])) = v\n\
             }}",
            m.name, m.name
        ));
    }
    out
}

/// The bounds of an array member's type, nested as C nests them: the
/// `[4][8]` of `[4][8]uint64`.
fn push_dims(out: &mut String, m: &Member) {
    for n in m.dim_lens() {
        out.push('[');
        push_int(out, n.into());
        out.push(']');
    }
}

/// `counter-count` -> `counterCount`, clear of Go keywords and of the
/// names a helper's body uses.
fn param_ident(model: &Model, member: &str) -> String {
    let p = pascal(member);
    let mut chars = p.chars();
    let s = match chars.next() {
        Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    };
    let taken = KEYWORDS.contains(&s.as_str())
        || BODY_NAMES.contains(&s.as_str())
        || model
            .all_includes()
            .iter()
            .any(|m| package_name(&m.name) == s);
    if taken { s + "_" } else { s }
}

#[rustfmt::skip]
const KEYWORDS: &[&str] = &[
    "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough",
    "for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range",
    "return", "select", "struct", "switch", "type", "var",
];

/// Names the helpers' signatures and bodies use, which a parameter must
/// not shadow.
#[rustfmt::skip]
const BODY_NAMES: &[&str] = &[
    "fd", "arg", "err", "errno", "ioctl", "byteLen", "syscall", "unsafe", "runtime", "len",
    "nil", "uintptr", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
    "int", "byte", "error",
];

// ---------------------------------------------------------------- text

/// The paragraph saying which revision added an item, from revision 2 on.
fn since(c: &mut Comment<'_>, since: u32) {
    if since > 1 {
        c.para_with(|p| {
            p.push_str("Since revision ");
            push_int(p, since.into());
            p.push('.');
        });
    }
}

/// `name: ` and the item's doc paragraphs, then the revision that added
/// it, as comment lines at the left margin; returns whether it wrote any
/// (an item with neither doc nor a revision after the first gets none),
/// so the doc is scanned once, not once to ask and once to write.
fn item_doc(out: &mut String, name: &str, doc: Option<&str>, since_rev: u32) -> bool {
    let mut c = Comment::with_lead(out, 0, name);
    for p in doc_paragraphs(doc) {
        c.para(p);
    }
    since(&mut c, since_rev);
    !c.is_empty()
}

// ---------------------------------------------------------------- go.mod

#[derive(Template)]
#[template(path = "go/templates/go.mod", escape = "none")]
struct GoModView {
    /// The banner as `//` lines.
    banner: String,
    module: String,
    /// Blocks of `uabi.local/accel/go v0.0.0` lines: the modules this one
    /// imports, then (with `// indirect`) those only its imports import.
    requires: Vec<Vec<String>>,
    /// `uabi.local/accel/go => ../../accel/go`.
    replaces: Vec<String>,
}

fn go_mod(model: &Model, opts: &crate::backend::OutputOptions) -> Result<String, RenderError> {
    let prefix = opts.go_module_prefix.as_str();
    let go = crate::backend::OutputKind::Go;
    let mut includes = model.all_includes();
    includes.sort_by(|a, b| a.name.cmp(&b.name));
    let mut imported = uapi_uses(model);
    if !model.ioctls.is_empty() {
        imported.extend(ioctl_uses(model));
    }
    // With module graph pruning the main module lists every module that
    // provides a package it builds; those it does not import itself are
    // `// indirect`, in a block of their own, as the go command writes
    // them (a go.mod written any other way would be rewritten by it).
    let (direct, indirect): (Vec<&Model>, Vec<&Model>) =
        includes.iter().partition(|m| imported.contains(&m.name));
    let require = |ms: &[&Model], note: &str| -> Vec<String> {
        ms.iter()
            .map(|m| format!("{} v0.0.0{note}", module_path_in(prefix, &m.name)))
            .collect()
    };
    let view = GoModView {
        banner: banner_lines(model)
            .iter()
            .map(|l| format!("// {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
        module: module_path_in(prefix, &model.name),
        requires: [require(&direct, ""), require(&indirect, " // indirect")]
            .into_iter()
            .filter(|b| !b.is_empty())
            .collect(),
        replaces: includes
            .iter()
            .map(|m| {
                format!(
                    "{} => {}",
                    module_path_in(prefix, &m.name),
                    go_local_path(&opts.layout.relative((&model.name, go), (&m.name, go)))
                )
            })
            .collect(),
    };
    render_template(model, "Go module", &view)
}

/// A folder as a `replace` target: go.mod takes a relative path only
/// when it starts with `./` or `../`.
fn go_local_path(rel: &str) -> String {
    if rel.starts_with("../") || rel.starts_with('/') {
        rel.to_string()
    } else {
        format!("./{rel}")
    }
}

// ---------------------------------------------------------------- uapi.go

#[derive(Template)]
#[template(path = "go/templates/uapi.go", escape = "none")]
struct UapiView<'a> {
    banner: &'a str,
    /// The package's comment lines, each after a `\n`.
    doc: String,
    package: String,
    imports: Vec<String>,
    spec: String,
    revision: u32,
    items: Vec<Item>,
    magic: Option<String>,
    /// The `NR_` constants' lines (a [`Block`]).
    nrs: String,
}

/// An item of `uapi.go`; `doc` is its comment lines and `values` and
/// `fields` are [`Block`]s, each line after a `\n`.
enum Item {
    Const {
        doc: String,
        name: String,
        value: String,
    },
    Enum {
        doc: String,
        name: String,
        base: &'static str,
        values: String,
    },
    Struct {
        doc: String,
        name: String,
        fields: String,
        /// Method definitions after the type (a union's accessors).
        methods: Vec<String>,
    },
}

/// Import lines (`acceluapi "uabi.local/accel/go"`) of the included
/// packages whose structs `uses` names.
fn imports_for(model: &Model, uses: &[String], prefix: &str) -> Vec<String> {
    model
        .all_includes()
        .iter()
        .filter(|m| uses.iter().any(|u| u == &m.name))
        .map(|m| {
            let path = module_path_in(prefix, &m.name);
            format!("{} {path:?}", package_name(&m.name))
        })
        .collect()
}

impl<'a> UapiView<'a> {
    fn new(model: &Model, banner: &'a str, prefix: &str) -> UapiView<'a> {
        let mut items = Vec::with_capacity(model.definition_order.len());
        for item in &model.definition_order {
            items.push(match *item {
                ItemRef::Const(i) => const_item(&model.consts[i]),
                ItemRef::Enum(i) => enum_item(model, &model.enums[i]),
                ItemRef::Struct(i) => struct_item(model, &model.structs[i]),
            });
        }
        let mut nrs = Block::with_rows(model.ioctls.len());
        for io in &model.ioctls {
            nrs.row(
                |out| {
                    out.push_str("NR_");
                    push_upper(out, &io.name);
                },
                |out| {
                    out.push_str("= ");
                    push_hex(out, io.nr.into(), 2);
                },
            );
        }
        let mut doc = String::new();
        package_doc(&mut doc, model);
        UapiView {
            banner,
            doc,
            package: package_name(&model.name),
            imports: {
                let mut i = imports_for(model, &uapi_uses(model), prefix);
                // A union's accessors read its bytes through a pointer.
                if model.structs.iter().any(|s| s.is_union) {
                    i.insert(0, "\"unsafe\"".to_string());
                }
                i
            },
            spec: model.name.clone(),
            revision: model.revision,
            items,
            magic: model.magic.map(|m| format!("{m:#04x}")),
            nrs: nrs.finish(),
        }
    }
}

fn package_doc(out: &mut String, model: &Model) {
    let mut c = Comment::new(out, 0);
    c.para_with(|p| {
        p.push_str("Package ");
        push_package_name(p, &model.name);
        p.push_fmt(format_args!(
            " is the {} uapi, revision {}, for Go: structs laid out as the \
             kernel's, constants, command numbers and one function per ioctl.",
            model.name, model.revision
        ));
    });
    for p in doc_paragraphs(model.doc.as_deref()) {
        c.para(p);
    }
    let goarchs: Vec<&str> = go_targets(model)
        .iter()
        .filter_map(|t| t.goarch())
        .collect();
    c.para_fmt(format_args!(
        "Command numbers differ between targets and live in cmds_<goarch>.go, one \
         file per GOARCH the spec targets ({}); building for any other GOARCH \
         leaves the IOCTL_ constants undefined. Every struct size and member \
         offset is checked at compile time: in layout.go for the structs that \
         lay out alike on every GOARCH, in those files for the others.",
        goarchs.join(", ")
    ));
    c.para(
        "Each ioctl has a function IoctlX that calls ioctl(2) through \
         syscall.Syscall and returns a failure as a syscall.Errno; EINTR is \
         retried, since the Go runtime's own signals would otherwise interrupt \
         blocking calls. When the argument holds user pointers, IoctlX takes a \
         slice for each, points the argument at it and sets its count for the \
         call, and IoctlXRaw sends the argument exactly as the caller set it.",
    );
    if !model.includes.is_empty() {
        let names: Vec<String> = model
            .includes
            .iter()
            .map(|m| package_name(&m.name))
            .collect();
        c.para_fmt(format_args!(
            "Items of the included specs live in their own packages ({}).",
            names.join(", ")
        ));
    }
}

fn const_item(c: &crate::model::Const) -> Item {
    let name = upper(&c.name);
    let mut doc = String::new();
    item_doc(&mut doc, &name, c.doc.as_deref(), c.since);
    Item::Const {
        doc,
        name,
        // Go's uint is as wide as C's unsigned long on every Linux GOARCH.
        value: match c.c_type {
            Some(crate::model::CType::ULong) if c.value == -1 => "^uint(0)".to_string(),
            Some(crate::model::CType::ULong) => format!("uint({})", c.value),
            None => c.value.to_string(),
        },
    }
}

fn enum_item(model: &Model, e: &Enum) -> Item {
    let name = pascal(&e.name);
    let flags = e.kind == EnumKind::Flags;
    let mut doc = String::with_capacity(2 * WIDTH);
    if !item_doc(&mut doc, &name, e.doc.as_deref(), e.since) {
        doc.push_fmt(format_args!(
            "\n// {name} is {} {} of the {} spec.",
            if flags { "flags" } else { "enum" },
            e.name,
            model.name
        ));
    }
    // `KIND_0`, the start of every value's name.
    let prefix = upper(&e.name);
    let mut values = Block::with_rows(e.entries.len() + 1);
    for x in &e.entries {
        entry_doc(values.doc(), x);
        values.row(
            |out| {
                out.push_str(&prefix);
                out.push('_');
                push_upper(out, &x.name);
            },
            |out| {
                out.push_str(&name);
                out.push_str(" = ");
                if flags {
                    push_hex(out, x.bits(), 0);
                } else {
                    push_int(out, x.value);
                }
            },
        );
        // A multi-bit field's values, placed in the word.
        if let Some(f) = &x.field {
            let entry = format!("{prefix}_{}", upper(&x.name));
            for v in &f.values {
                let value = format!("{entry}_{}", upper(&v.name));
                values.doc().para_fmt(format_args!(
                    "{value} is `{}` in field `{}`.",
                    v.name, x.name
                ));
                values.row(
                    |out| out.push_str(&value),
                    |out| {
                        out.push_str(&name);
                        out.push_str(" = ");
                        push_hex(out, f.shifted(v), 0);
                    },
                );
            }
        }
    }
    if flags {
        values.doc().para_fmt(format_args!(
            "Every bit of {} defined by this revision.",
            e.name
        ));
        values.row(
            |out| {
                out.push_str(&prefix);
                out.push_str("_ALL");
            },
            |out| {
                out.push_str(&name);
                out.push_str(" = ");
                push_hex(out, e.mask(), 0);
            },
        );
    }
    Item::Enum {
        doc,
        base: scalar_go(e.value_scalar()),
        values: values.finish(),
        name,
    }
}

/// The comment of an enum's value: its doc, the bits of its field, the
/// revision that added it.
fn entry_doc(mut c: Comment<'_>, x: &EnumEntry) {
    for p in doc_paragraphs(x.doc.as_deref()) {
        c.para(p);
    }
    if let Some(f) = &x.field {
        c.para_fmt(format_args!("The field of bits {} to {}.", f.low, f.high));
    }
    since(&mut c, x.since);
}

fn struct_item(model: &Model, s: &Struct) -> Item {
    let name = pascal(&s.name);
    let mut doc = String::with_capacity(2 * WIDTH);
    if !item_doc(&mut doc, &name, s.doc.as_deref(), s.since) {
        doc.push_fmt(format_args!(
            "\n// {name} is struct {} of the {} spec.",
            s.name, model.name
        ));
    }
    if s.is_union {
        return Item::Struct {
            doc,
            name,
            fields: union_fields(model, s),
            methods: union_methods(model, s),
        };
    }
    let mut fields = Block::with_rows(s.members.len());
    for m in s.members.iter().filter(|m| m.is_flexible()) {
        flexible_row(&mut fields, model, s, m);
    }
    for m in s.members.iter().filter(|m| !m.is_flexible()) {
        member_doc(fields.doc(), model, s, m);
        fields.row(
            |out| push_pascal(out, &m.name),
            |out| push_member_go(out, model, m),
        );
    }
    Item::Struct {
        doc,
        name,
        fields: fields.finish(),
        methods: Vec::new(),
    }
}

/// Go pads a struct whose last field has size zero, so a flexible array
/// member is no field: a leading zero-size array of its element gives
/// the struct the alignment C gives it, at no size.
fn flexible_row(fields: &mut Block, model: &Model, s: &Struct, m: &Member) {
    let counted = m
        .counted_by
        .and_then(|i| s.members.get(i))
        .map_or(String::new(), |c| {
            format!(" (element count in {})", pascal(&c.name))
        });
    // `[0]T`: the element type after the bound.
    let ty = member_go(model, m);
    let elem = ty.split_once(']').map_or(ty.as_str(), |(_, e)| e);
    fields.doc().para_fmt(format_args!(
        "The struct ends in {}, a C flexible array member of {elem}{counted}: \
         the elements follow the struct in memory and are not part of it. This \
         field gives the struct their alignment.",
        pascal(&m.name)
    ));
    fields.row(
        |out| out.push('_'),
        |out| {
            out.push_str("[0]");
            out.push_str(elem);
        },
    );
}

/// The comment of a struct's field: its doc, then what the Go type does
/// not say (a reserved field, a user pointer, a byte order), then the
/// revision that added it.
fn member_doc(mut c: Comment<'_>, model: &Model, s: &Struct, m: &Member) {
    for p in doc_paragraphs(m.doc.as_deref()) {
        c.para(p);
    }
    if let Some(a) = m.address {
        c.para(a.doc());
    }
    match &m.kind {
        MemberKind::Pad { .. } => {
            if c.is_empty() {
                c.para("Reserved, must be zero.");
            }
        }
        MemberKind::UserPtr {
            elem,
            len,
            max_count,
            stride,
        } => c.para(&user_ptr_note(model, s, elem, len, *max_count, *stride)),
        MemberKind::Scalar { ty, .. } => {
            if ty.size() > 1 {
                match m.byte_order {
                    Some(ByteOrder::Big) => {
                        c.para("Stored big-endian: convert with encoding/binary.BigEndian.");
                    }
                    Some(ByteOrder::Little) => {
                        c.para("Stored little-endian: convert with encoding/binary.LittleEndian.")
                    }
                    None => {}
                }
            }
        }
        MemberKind::Binary { .. }
        | MemberKind::String { .. }
        | MemberKind::Struct { .. }
        | MemberKind::Union { .. } => {}
    }
    since(&mut c, m.since);
}

fn user_ptr_note(
    model: &Model,
    s: &Struct,
    elem: &Elem,
    len: &PtrLen,
    max: Option<u64>,
    stride: Option<usize>,
) -> String {
    crate::backend::shared::user_ptr_note(
        "an address",
        &elem_go(model, elem),
        len,
        max,
        stride,
        |i| {
            s.members
                .get(i)
                .map_or_else(|| "?".to_string(), |m| pascal(&m.name))
        },
    )
}

// ---------------------------------------------------------------- ioctl.go

#[derive(Template)]
#[template(path = "go/templates/ioctl.go", escape = "none")]
struct IoctlView<'a> {
    banner: &'a str,
    package: String,
    runtime: bool,
    /// Whether a helper needs `byteLen`.
    byte_len: bool,
    imports: Vec<String>,
    funcs: Vec<FuncView>,
}

struct FuncView {
    /// Comment lines, each after a `\n`.
    doc: String,
    name: String,
    /// The parameters after `fd int`, with their leading `, `.
    params: String,
    cmd: String,
    /// `unsafe.Pointer(arg)`, or `nil` for an ioctl without argument.
    arg: &'static str,
    ptrs: Vec<PtrView>,
    /// The `...Raw` variant of a function with user pointers.
    raw: Option<RawView>,
}

struct RawView {
    /// Comment lines, each after a `\n`.
    doc: String,
    name: String,
    params: String,
}

struct PtrView {
    param: String,
    field: String,
    single: bool,
    /// For counted pointers: the count member, its Go type, the number to
    /// store there (a uint64 expression) and the largest it can hold.
    count_field: String,
    count_ty: String,
    len_expr: String,
    bound: String,
    /// Whether an earlier pointer of the same call sets the count member,
    /// so this one only checks it.
    shared: bool,
    /// The member the function fills with the element's size
    /// (`stride:`), and its Go type; empty without one.
    stride_field: String,
    stride_ty: String,
}

impl<'a> IoctlView<'a> {
    fn new(model: &Model, banner: &'a str, prefix: &str) -> IoctlView<'a> {
        let funcs: Vec<FuncView> = model.ioctls.iter().map(|io| func(model, io)).collect();
        IoctlView {
            banner,
            package: package_name(&model.name),
            runtime: funcs.iter().any(|f| !f.ptrs.is_empty()),
            byte_len: funcs
                .iter()
                .any(|f| f.ptrs.iter().any(|p| p.len_expr.starts_with("byteLen("))),
            imports: imports_for(model, &ioctl_uses(model), prefix),
            funcs,
        }
    }
}

fn dir_words(d: Dir) -> &'static str {
    match d {
        Dir::None => "_IO: no argument",
        Dir::In => "_IOW: the kernel reads *arg",
        Dir::Out => "_IOR: the kernel writes *arg",
        Dir::InOut => "_IOWR: the kernel reads and writes *arg",
    }
}

fn func(model: &Model, io: &Ioctl) -> FuncView {
    let mut name = String::with_capacity(5 + io.name.len());
    name.push_str("Ioctl");
    push_pascal(&mut name, &io.name);
    let mut cmd = String::with_capacity(6 + io.name.len());
    cmd.push_str("IOCTL_");
    push_upper(&mut cmd, &io.name);
    let arg = io
        .arg
        .as_ref()
        .filter(|_| io.dir != Dir::None)
        .map(|a| (model.struct_(a), a));
    let arg_ty = arg.map(|(_, a)| struct_ref(model, a));
    // Room for the argument and a user pointer or two.
    let mut params = String::with_capacity(96);
    let mut ptrs: Vec<PtrView> = Vec::new();
    let mut doc = String::with_capacity(512);
    let mut c = Comment::with_lead(&mut doc, 0, &name);
    for p in doc_paragraphs(io.doc.as_deref()) {
        c.para(p);
    }
    // Pushed piece by piece: every ioctl has this paragraph.
    c.para_with(|p| {
        p.push_str("It sends ");
        p.push_str(&cmd);
        p.push_str(" (");
        p.push_str(dir_words(io.dir));
        p.push_str(") and returns the errno of a failure as a syscall.Errno. Since revision ");
        push_int(p, io.since.into());
        p.push('.');
    });
    if let (Some((s, _)), Some(arg_ty)) = (arg, &arg_ty) {
        params.push_str(", arg *");
        params.push_str(arg_ty);
        for m in &s.members {
            let MemberKind::UserPtr {
                elem, len, stride, ..
            } = &m.kind
            else {
                continue;
            };
            let p = ptr_param(model, s, m, (elem, len, *stride), &ptrs);
            params.push_str(&p.param);
            c.para(&p.doc);
            ptrs.push(p.view);
        }
    }
    if !ptrs.is_empty() {
        c.para_with(|p| {
            p.push_str(
                "A slice too long for its count member fails with EOVERFLOW \
                 before the call. Use ",
            );
            p.push_str(&name);
            p.push_str("Raw to send pointers and counts exactly as set.");
        });
    }
    errors_doc(&mut c, io);
    let raw = (!ptrs.is_empty()).then(|| {
        let mut doc = String::new();
        Comment::new(&mut doc, 0).para_with(|p| {
            for part in [
                name.as_str(),
                "Raw is ",
                name.as_str(),
                " with *arg sent exactly as the caller set it: user pointers \
                 and their counts are not touched. For tests that pass \
                 deliberately bad pointers or counts; each pointer must stay \
                 valid until the call returns.",
            ] {
                p.push_str(part);
            }
        });
        RawView {
            doc,
            name: concat(&[&name, "Raw"]),
            params: concat(&[", arg *", arg_ty.as_deref().unwrap_or_default()]),
        }
    });
    FuncView {
        doc,
        name,
        params,
        cmd,
        arg: if arg.is_some() {
            "unsafe.Pointer(arg)"
        } else {
            "nil"
        },
        ptrs,
        raw,
    }
}

/// One user pointer of an ioctl's argument as its Go function takes it:
/// the parameter text, its doc sentence and the view the template fills
/// the argument from.
struct PtrParam {
    param: String,
    doc: String,
    view: PtrView,
}

fn ptr_param(
    model: &Model,
    s: &Struct,
    m: &Member,
    (elem, len, stride): (&Elem, &PtrLen, Option<usize>),
    ptrs: &[PtrView],
) -> PtrParam {
    let param = param_ident(model, &m.name);
    let field = pascal(&m.name);
    let elem_ty = elem_go(model, elem);
    // What the kernel does with the elements, and with a single one.
    let (access, access_one) = match (m.access.read_by_kernel(), m.access.written_by_kernel()) {
        (true, true) => (
            "the kernel reads and writes the elements",
            "the kernel reads and writes it",
        ),
        (false, true) => ("the kernel writes the elements", "the kernel writes it"),
        _ => ("the kernel reads the elements", "the kernel reads it"),
    };
    match len {
        PtrLen::Single => {
            let param_text = concat(&[", ", &param, " *", &elem_ty]);
            let doc = concat(&[
                "The address of ",
                &param,
                " (0 for nil) goes in arg.",
                &field,
                " for the call; ",
                access_one,
                ".",
            ]);
            PtrParam {
                param: param_text,
                doc,
                view: PtrView {
                    param,
                    field,
                    single: true,
                    count_field: String::new(),
                    count_ty: String::new(),
                    len_expr: String::new(),
                    bound: String::new(),
                    shared: false,
                    stride_field: String::new(),
                    stride_ty: String::new(),
                },
            }
        }
        PtrLen::Count(i) | PtrLen::Bytes(i) => {
            let param_text = concat(&[", ", &param, " []", &elem_ty]);
            let lm = &s.members[*i];
            let (count_ty, bound) = length_go(lm);
            let count = matches!(len, PtrLen::Count(_));
            let len_expr = if count {
                concat(&["uint64(len(", &param, "))"])
            } else {
                concat(&["byteLen(", &param, ")"])
            };
            let count_field = pascal(&lm.name);
            // The element size the caller declares is the package's own.
            let (stride_field, stride_ty) = match stride.and_then(|i| s.members.get(i)) {
                Some(sm) => (pascal(&sm.name), length_go(sm).0.to_string()),
                None => (String::new(), String::new()),
            };
            let shared = ptrs
                .iter()
                .any(|p| !p.single && p.count_field == count_field);
            let mut doc = concat(&[
                "The address of ",
                &param,
                "'s first element (0 when it is empty) goes in arg.",
                &field,
                " and its ",
                if count { "length" } else { "size in bytes" },
                " in arg.",
                &count_field,
                " for the call; ",
                access,
                ".",
            ]);
            if shared {
                for part in [
                    " It must agree with the other slice that sets arg.",
                    count_field.as_str(),
                    " (EINVAL otherwise).",
                ] {
                    doc.push_str(part);
                }
            }
            PtrParam {
                param: param_text,
                doc,
                view: PtrView {
                    param,
                    field,
                    single: false,
                    count_field,
                    count_ty: count_ty.to_string(),
                    len_expr,
                    bound: bound.to_string(),
                    shared,
                    stride_field,
                    stride_ty,
                },
            }
        }
    }
}

/// The Go type of a count, length or stride member and the largest
/// value it holds; the resolver allows only a single integer there.
fn length_go(m: &Member) -> (&'static str, i128) {
    match &m.kind {
        MemberKind::Scalar { ty, .. } => (scalar_go(*ty), ty.bounds().1),
        MemberKind::Pad { .. }
        | MemberKind::Binary { .. }
        | MemberKind::String { .. }
        | MemberKind::Struct { .. }
        | MemberKind::Union { .. }
        | MemberKind::UserPtr { .. } => ("uint64", 0),
    }
}

/// The doc paragraphs of the errors an ioctl documents: `EINVAL: ...`,
/// each error's paragraphs run together.
fn errors_doc(c: &mut Comment<'_>, io: &Ioctl) {
    if io.errors.is_empty() {
        return;
    }
    c.para("Errors the spec documents:");
    for e in &io.errors {
        c.para_with(|out| {
            out.push_str(&e.errno);
            let mut paras = doc_paragraphs(e.doc.as_deref());
            match paras.next() {
                None => out.push('.'),
                Some(first) => {
                    out.push_str(": ");
                    out.push_str(first);
                    for p in paras {
                        out.push(' ');
                        out.push_str(p);
                    }
                }
            }
        });
    }
}

// ---------------------------------------------------------------- cmds_<goarch>.go

#[derive(Template)]
#[template(path = "go/templates/cmds.go", escape = "none")]
struct CmdsView<'a> {
    banner: &'a str,
    goarch: &'static str,
    target: &'static str,
    package: String,
    /// The command constants' lines (a [`Block`]).
    cmds: String,
    /// Comments naming ioctls without a command on this target.
    missing: Vec<String>,
    /// The compile-time layout checks' lines (see [`push_check`]).
    checks: String,
}

/// What every `cmds_<goarch>.go` names alike, built once rather than
/// once per GOARCH.
struct CmdsNames<'m> {
    package: String,
    /// `IOCTL_X` of each ioctl, in spec order.
    cmds: Vec<String>,
    /// Each union whose size differs between Go targets (see
    /// `union_fields`), and its `sizeOfX` constant's name.
    unions: Vec<(&'m Struct, String)>,
}

impl<'m> CmdsNames<'m> {
    fn new(model: &'m Model, targets: &[Target]) -> Self {
        CmdsNames {
            package: package_name(&model.name),
            cmds: model
                .ioctls
                .iter()
                .map(|io| {
                    let mut cmd = String::with_capacity(6 + io.name.len());
                    cmd.push_str("IOCTL_");
                    push_upper(&mut cmd, &io.name);
                    cmd
                })
                .collect(),
            unions: model
                .structs
                .iter()
                .filter(|s| s.is_union && s.uniform_layout(targets).is_none())
                .map(|s| {
                    let mut name = String::with_capacity(6 + s.name.len());
                    name.push_str("sizeOf");
                    push_pascal(&mut name, &s.name);
                    (s, name)
                })
                .collect(),
        }
    }
}

impl<'a> CmdsView<'a> {
    fn new(
        model: &Model,
        t: Target,
        layouts: &LayoutChecks<'_>,
        names: &CmdsNames<'_>,
        banner: &'a str,
    ) -> CmdsView<'a> {
        let mut cmds = Block::with_rows(model.ioctls.len() + names.unions.len());
        let mut missing = Vec::new();
        for (io, cmd) in model.ioctls.iter().zip(&names.cmds) {
            match io.cmds.get(&t).copied().flatten() {
                Some(c) => cmds.row(
                    |out| out.push_str(cmd),
                    |out| {
                        out.push_str("= ");
                        push_hex(out, c.into(), 8);
                    },
                ),
                None => missing.push(format!(
                    "// {cmd} does not exist on {}: its argument is too large for the \
                     size field of the command.",
                    t.goarch().unwrap_or_default()
                )),
            }
        }
        // The byte length of each union whose size differs between Go
        // targets (see `union_fields`).
        for (s, name) in &names.unions {
            cmds.row(
                |out| out.push_str(name),
                |out| {
                    out.push_str("= ");
                    push_int(out, s.layout(t).size.into());
                },
            );
        }
        CmdsView {
            banner,
            goarch: t.goarch().unwrap_or_default(),
            target: t.name(),
            package: names.package.clone(),
            cmds: cmds.finish(),
            missing,
            checks: checks_of(&layouts.per_target, t),
        }
    }
}

/// The lines of the layout checks of `structs` on `t`.
fn checks_of(structs: &[StructChecks<'_>], t: Target) -> String {
    let lines: usize = structs.iter().map(|s| 1 + s.fields.len()).sum();
    let mut out = String::with_capacity(lines * 64);
    for s in structs {
        s.push_checks(&mut out, t);
    }
    out
}

/// A line `var _ = [1]struct{}{}[expr-want]`, `[expr]` when `want` is 0:
/// the index is an unsigned constant that is 0 only when `expr == want`
/// (below, it overflows; above, it indexes out of range). `expr` is the
/// parts of `expr`, back to back.
fn push_check(out: &mut String, expr: &[&str], want: u32) {
    out.push_str("\nvar _ = [1]struct{}{}[");
    for part in expr {
        out.push_str(part);
    }
    if want != 0 {
        out.push('-');
        push_int(out, want.into());
    }
    out.push(']');
}

fn structs_in_order(model: &Model) -> impl Iterator<Item = &Struct> {
    model.definition_order.iter().filter_map(|i| match *i {
        ItemRef::Struct(i) => Some(&model.structs[i]),
        _ => None,
    })
}

// ---------------------------------------------------------------- layout.go

/// The compile-time layout checks of every struct, split by where they
/// can live: a struct that lays out alike on every GOARCH of the spec is
/// checked once in `layout.go`, which builds everywhere, and the others in
/// each `cmds_<goarch>.go`. (A run-time test of the same facts would be
/// redundant: the package does not compile unless they hold.)
struct LayoutChecks<'m> {
    uniform: Vec<StructChecks<'m>>,
    per_target: Vec<StructChecks<'m>>,
}

/// One struct's Go names, computed once for every target's checks.
struct StructChecks<'m> {
    s: &'m Struct,
    name: String,
    /// Every field's name, back to back in one `String` rather than one
    /// each (a struct has a check per member).
    field_names: String,
    /// Where each member's field name ends in `field_names`; None for a
    /// member without a field.
    fields: Vec<Option<usize>>,
}

impl<'m> LayoutChecks<'m> {
    fn new(model: &'m Model, targets: &[Target]) -> Self {
        let mut checks = LayoutChecks {
            uniform: Vec::new(),
            per_target: Vec::new(),
        };
        for s in structs_in_order(model) {
            let mut field_names =
                String::with_capacity(s.members.iter().map(|m| m.name.len()).sum());
            // A flexible array member, and a union's members, have no
            // Go field (see struct_item and union_fields).
            let fields = s
                .members
                .iter()
                .map(|m| {
                    (!m.is_flexible() && !s.is_union).then(|| {
                        push_pascal(&mut field_names, &m.name);
                        field_names.len()
                    })
                })
                .collect();
            let names = StructChecks {
                s,
                name: pascal(&s.name),
                field_names,
                fields,
            };
            match s.uniform_layout(targets) {
                Some(_) => checks.uniform.push(names),
                None => checks.per_target.push(names),
            }
        }
        checks
    }
}

impl StructChecks<'_> {
    /// The checks that the size and each member offset on `t` are as the
    /// spec says, as lines (see [`push_check`]).
    fn push_checks(&self, out: &mut String, t: Target) {
        let l = self.s.layout(t);
        let name = self.name.as_str();
        push_check(out, &["unsafe.Sizeof(", name, "{})"], l.size);
        let mut start = 0;
        for (end, off) in self.fields.iter().zip(&l.offsets) {
            if let Some(end) = *end {
                let field = self.field_names.get(start..end).unwrap_or_default();
                push_check(out, &["unsafe.Offsetof(", name, "{}.", field, ")"], *off);
                start = end;
            }
        }
    }
}

#[derive(Template)]
#[template(path = "go/templates/layout.go", escape = "none")]
struct LayoutView<'a> {
    banner: &'a str,
    package: String,
    spec: String,
    /// The layout checks' lines (see [`push_check`]).
    checks: String,
}

impl<'a> LayoutView<'a> {
    fn new(model: &Model, layouts: &LayoutChecks<'_>, banner: &'a str) -> LayoutView<'a> {
        // Any target serves: these structs lay out alike on all of them.
        let checks = match go_targets(model).first() {
            Some(&t) => checks_of(&layouts.uniform, t),
            None => String::new(),
        };
        LayoutView {
            banner,
            package: package_name(&model.name),
            spec: model.name.clone(),
            checks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(package_name("softaccel"), "softacceluapi");
        assert_eq!(package_name("all-dirs"), "alldirsuapi");
        assert_eq!(module_path("accel"), "uabi.local/accel/go");
    }
}
