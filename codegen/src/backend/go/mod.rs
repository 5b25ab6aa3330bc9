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
//! this module prepares flat view models.

use crate::backend::shared::PushFmt;
use crate::backend::shared::capacity_for;
use crate::backend::shared::{paragraphs, wrap};
use crate::backend::{GeneratedFile, banner_lines};
use crate::backend::{RenderError, render_template, render_template_sized};
use crate::ioc::Dir;
use crate::model::{
    ByteOrder, Elem, Enum, EnumEntry, EnumKind, Ioctl, ItemRef, Member, MemberKind, Model, PtrLen,
    Scalar, Struct, StructId,
};
use crate::names::{pascal, upper};
use crate::target::Target;
use askama::Template;
use std::path::PathBuf;

mod spelling;
pub use spelling::GoTarget;

/// Comment text is wrapped to this many columns (a tab counts as 8).
const WIDTH: usize = 80;

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
        for &t in &targets {
            let Some(goarch) = t.goarch() else { continue };
            files.push(file(
                &format!("cmds_{goarch}.go"),
                render_template(
                    model,
                    "Go cmds",
                    &CmdsView::new(model, t, &layouts, &banner),
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
    format!("{}uapi", spec.replace('-', ""))
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
    let mut lines: Vec<String> = banner_lines(model)
        .iter()
        .map(|l| format!("// {l}"))
        .collect();
    lines.push("// Code generated by uabi; DO NOT EDIT.".to_string());
    lines.join("\n")
}

/// A struct of this spec (`Cmd`) or of an included one
/// (`acceluapi.Cmd`).
fn struct_ref(model: &Model, id: &StructId) -> String {
    let name = pascal(&model.struct_(id).name);
    match foreign_owner(model, id) {
        Some(owner) => format!("{}.{name}", package_name(&owner)),
        None => name,
    }
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
    match &m.kind {
        MemberKind::Scalar { ty, count: Some(_) } => go_array(m, scalar_go(*ty)),
        MemberKind::Scalar { ty, count: None } => scalar_go(*ty).to_string(),
        MemberKind::Pad {
            scalar: Some(p), ..
        } => match p.count {
            Some(n) => format!("[{n}]{}", scalar_go(p.ty)),
            None => scalar_go(p.ty).to_string(),
        },
        MemberKind::Pad { len, scalar: None } | MemberKind::Binary { len } => {
            format!("[{len}]uint8")
        }
        MemberKind::String { len } => format!("[{len}]byte"),
        MemberKind::Struct { id, count: Some(_) } => go_array(m, &struct_ref(model, id)),
        MemberKind::Struct { id, count: None } | MemberKind::Union { id } => struct_ref(model, id),
        MemberKind::UserPtr { .. } => "uint64".to_string(),
    }
}

/// Go has no unions: a union is its bytes (`Raw`), after a zero-size
/// array of each member's type that gives it C's alignment, with a
/// method per member that reads it from the bytes and one that writes
/// it. The bytes' length is the union's size where it is the same on
/// every Go target of the spec, else the per-GOARCH constant
/// `sizeOf<Union>` of `cmds_<goarch>.go`.
fn union_rows(model: &Model, s: &Struct) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    for m in &s.members {
        let ty = member_go(model, m);
        let elem = ty.rsplit(']').next().unwrap_or(&ty).to_string();
        if !rows.iter().any(|r| r.rest == format!("[0]{elem}")) {
            rows.push(Row {
                doc: Vec::new(),
                name: "_".to_string(),
                rest: format!("[0]{elem}"),
            });
        }
    }
    if let Some(first) = rows.first_mut() {
        first.doc = comment(
            &["The alignment of every member: Go has no unions.".to_string()],
            1,
        );
    }
    rows.push(Row {
        doc: comment(
            &["The union's bytes; each member's methods read and write them.".to_string()],
            1,
        ),
        name: "Raw".to_string(),
        rest: format!("[{}]byte", union_len(model, s)),
    });
    rows
}

/// The length of a union's bytes in Go: see [`union_rows`].
fn union_len(model: &Model, s: &Struct) -> String {
    let targets = go_targets(model);
    match s.uniform_layout(&targets) {
        Some(l) => l.size.to_string(),
        None => format!("sizeOf{}", pascal(&s.name)),
    }
}

/// The accessor methods of a union (see [`union_rows`]).
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

/// An array member's type, nested as C nests it: `[4][8]uint64`.
fn go_array(m: &Member, elem: &str) -> String {
    let dims: String = m.dim_lens().iter().map(|n| format!("[{n}]")).collect();
    format!("{dims}{elem}")
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

/// `//` comment lines of paragraphs at a tab indentation.
fn comment(paras: &[String], tabs: usize) -> Vec<String> {
    let pad = "\t".repeat(tabs);
    let width = WIDTH.saturating_sub(tabs * 8 + 3).max(20);
    let mut out = Vec::new();
    let count = paras.len();
    for (i, p) in paras.iter().enumerate() {
        if i > 0 {
            out.push(format!("{pad}//"));
        }
        let mut lines = wrap(p, width);
        // gofmt turns a one-line paragraph that starts with a capital and
        // ends with a letter or digit, between two others, into a heading.
        if i > 0
            && i + 1 < count
            && let [only] = lines.as_mut_slice()
            && only.starts_with(|c: char| c.is_uppercase())
            && only.ends_with(|c: char| c.is_alphanumeric())
        {
            only.push('.');
        }
        for l in lines {
            out.push(format!("{pad}// {l}"));
        }
    }
    out
}

fn doc_paras(doc: Option<&str>) -> Vec<String> {
    doc.map(paragraphs).unwrap_or_default()
}

/// Paragraphs whose first one starts with `lead`.
fn lead(lead: &str, mut paras: Vec<String>) -> Vec<String> {
    match paras.first_mut() {
        Some(p) => p.insert_str(0, lead),
        None => paras.push(lead.trim_end().to_string()),
    }
    paras
}

fn since(paras: &mut Vec<String>, since: u32) {
    if since > 1 {
        paras.push(format!("Since revision {since}."));
    }
}

/// A field, constant or value of a block, with its doc comment lines.
struct Row {
    doc: Vec<String>,
    name: String,
    rest: String,
}

/// The lines of a block, names padded as gofmt aligns them: across
/// consecutive rows that no comment line separates.
fn align(rows: Vec<Row>) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let mut end = start + 1;
        while end < rows.len() && rows[end].doc.is_empty() {
            end += 1;
        }
        let width = rows[start..end]
            .iter()
            .map(|r| r.name.chars().count())
            .max()
            .unwrap_or(0);
        for r in &rows[start..end] {
            out.push(Line {
                doc: r.doc.clone(),
                text: format!("{:width$} {}", r.name, r.rest),
            });
        }
        start = end;
    }
    out
}

struct Line {
    doc: Vec<String>,
    text: String,
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
struct UapiView {
    banner: String,
    doc: Vec<String>,
    package: String,
    imports: Vec<String>,
    spec: String,
    revision: u32,
    items: Vec<Item>,
    magic: Option<String>,
    nrs: Vec<Line>,
}

enum Item {
    Const {
        doc: Vec<String>,
        name: String,
        value: String,
    },
    Enum {
        doc: Vec<String>,
        name: String,
        base: &'static str,
        values: Vec<Line>,
    },
    Struct {
        doc: Vec<String>,
        name: String,
        fields: Vec<Line>,
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

impl UapiView {
    fn new(model: &Model, banner: &str, prefix: &str) -> UapiView {
        let mut items = Vec::new();
        for item in &model.definition_order {
            items.push(match *item {
                ItemRef::Const(i) => {
                    let c = &model.consts[i];
                    let name = upper(&c.name);
                    let mut doc = doc_paras(c.doc.as_deref());
                    since(&mut doc, c.since);
                    let doc = if doc.is_empty() {
                        Vec::new()
                    } else {
                        comment(&lead(&format!("{name}: "), doc), 0)
                    };
                    Item::Const {
                        doc,
                        name,
                        // Go's uint is as wide as C's unsigned long on
                        // every Linux GOARCH.
                        value: match c.c_type {
                            Some(crate::model::CType::ULong) if c.value == -1 => {
                                "^uint(0)".to_string()
                            }
                            Some(crate::model::CType::ULong) => format!("uint({})", c.value),
                            None => c.value.to_string(),
                        },
                    }
                }
                ItemRef::Enum(i) => enum_item(model, &model.enums[i]),
                ItemRef::Struct(i) => struct_item(model, &model.structs[i]),
            });
        }
        UapiView {
            banner: banner.to_string(),
            doc: comment(&package_doc(model), 0),
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
            nrs: align(
                model
                    .ioctls
                    .iter()
                    .map(|io| Row {
                        doc: Vec::new(),
                        name: format!("NR_{}", upper(&io.name)),
                        rest: format!("= {:#04x}", io.nr),
                    })
                    .collect(),
            ),
        }
    }
}

fn package_doc(model: &Model) -> Vec<String> {
    let package = package_name(&model.name);
    let mut doc = vec![format!(
        "Package {package} is the {} uapi, revision {}, for Go: structs laid out \
         as the kernel's, constants, command numbers and one function per ioctl.",
        model.name, model.revision
    )];
    doc.extend(doc_paras(model.doc.as_deref()));
    let goarchs: Vec<&str> = go_targets(model)
        .iter()
        .filter_map(|t| t.goarch())
        .collect();
    doc.push(format!(
        "Command numbers differ between targets and live in cmds_<goarch>.go, one \
         file per GOARCH the spec targets ({}); building for any other GOARCH \
         leaves the IOCTL_ constants undefined. Every struct size and member \
         offset is checked at compile time: in layout.go for the structs that \
         lay out alike on every GOARCH, in those files for the others.",
        goarchs.join(", ")
    ));
    doc.push(
        "Each ioctl has a function IoctlX that calls ioctl(2) through \
         syscall.Syscall and returns a failure as a syscall.Errno; EINTR is \
         retried, since the Go runtime's own signals would otherwise interrupt \
         blocking calls. When the argument holds user pointers, IoctlX takes a \
         slice for each, points the argument at it and sets its count for the \
         call, and IoctlXRaw sends the argument exactly as the caller set it."
            .to_string(),
    );
    if !model.includes.is_empty() {
        let names: Vec<String> = model
            .includes
            .iter()
            .map(|m| package_name(&m.name))
            .collect();
        doc.push(format!(
            "Items of the included specs live in their own packages ({}).",
            names.join(", ")
        ));
    }
    doc
}

fn enum_item(model: &Model, e: &Enum) -> Item {
    let name = pascal(&e.name);
    let flags = e.kind == EnumKind::Flags;
    let mut doc = doc_paras(e.doc.as_deref());
    since(&mut doc, e.since);
    let doc = if doc.is_empty() {
        vec![format!(
            "// {name} is {} {} of the {} spec.",
            if flags { "flags" } else { "enum" },
            e.name,
            model.name
        )]
    } else {
        comment(&lead(&format!("{name}: "), doc), 0)
    };
    let value = |x: &EnumEntry| {
        if flags {
            format!("{:#x}", x.bits())
        } else {
            x.value.to_string()
        }
    };
    let mut rows: Vec<Row> = Vec::new();
    for x in &e.entries {
        let mut doc = doc_paras(x.doc.as_deref());
        if let Some(f) = &x.field {
            doc.push(format!("The field of bits {} to {}.", f.low, f.high));
        }
        since(&mut doc, x.since);
        let entry = format!("{}_{}", upper(&e.name), upper(&x.name));
        rows.push(Row {
            doc: comment(&doc, 1),
            name: entry.clone(),
            rest: format!("{name} = {}", value(x)),
        });
        // A multi-bit field's values, placed in the word.
        for v in x
            .field
            .iter()
            .flat_map(|f| f.values.iter().map(move |v| (f, v)))
        {
            rows.push(Row {
                doc: comment(
                    &[format!(
                        "{}_{} is `{}` in field `{}`.",
                        entry,
                        upper(&v.1.name),
                        v.1.name,
                        x.name
                    )],
                    1,
                ),
                name: format!("{entry}_{}", upper(&v.1.name)),
                rest: format!("{name} = {:#x}", v.0.shifted(v.1)),
            });
        }
    }
    if flags {
        rows.push(Row {
            doc: comment(
                &[format!("Every bit of {} defined by this revision.", e.name)],
                1,
            ),
            name: format!("{}_ALL", upper(&e.name)),
            rest: format!("{name} = {:#x}", e.mask()),
        });
    }
    Item::Enum {
        doc,
        base: scalar_go(e.value_scalar()),
        values: align(rows),
        name,
    }
}

fn struct_item(model: &Model, s: &Struct) -> Item {
    let name = pascal(&s.name);
    let mut doc = doc_paras(s.doc.as_deref());
    since(&mut doc, s.since);
    let doc = if doc.is_empty() {
        vec![format!(
            "// {name} is struct {} of the {} spec.",
            s.name, model.name
        )]
    } else {
        comment(&lead(&format!("{name}: "), doc), 0)
    };
    // Go pads a struct whose last field has size zero, so a flexible array
    // member is no field: a leading zero-size array of its element gives
    // the struct the alignment C gives it, at no size.
    let flexible = s.members.iter().filter(|m| m.is_flexible()).map(|m| {
        let counted = m
            .counted_by
            .and_then(|i| s.members.get(i))
            .map_or(String::new(), |c| {
                format!(" (element count in {})", pascal(&c.name))
            });
        // `[0]T`: the element type after the bound.
        let ty = member_go(model, m);
        let elem = ty
            .split_once(']')
            .map_or(ty.as_str(), |(_, e)| e)
            .to_string();
        Row {
            doc: comment(
                &[format!(
                    "The struct ends in {}, a C flexible array member of {elem}{counted}: \
                     the elements follow the struct in memory and are not part of it. This \
                     field gives the struct their alignment.",
                    pascal(&m.name)
                )],
                1,
            ),
            name: "_".to_string(),
            rest: format!("[0]{elem}"),
        }
    });
    if s.is_union {
        return Item::Struct {
            doc,
            name,
            fields: align(union_rows(model, s)),
            methods: union_methods(model, s),
        };
    }
    let rows = flexible
        .chain(s.members.iter().filter(|m| !m.is_flexible()).map(|m| {
            let mut doc = doc_paras(m.doc.as_deref());
            if let Some(a) = m.address {
                doc.push(a.doc().to_string());
            }
            match &m.kind {
                MemberKind::Pad { .. } => {
                    if doc.is_empty() {
                        doc.push("Reserved, must be zero.".to_string());
                    }
                }
                MemberKind::UserPtr {
                    elem,
                    len,
                    max_count,
                    stride,
                } => doc.push(user_ptr_note(model, s, elem, len, *max_count, *stride)),
                MemberKind::Scalar { ty, .. } => {
                    if ty.size() > 1 {
                        match m.byte_order {
                            Some(ByteOrder::Big) => doc.push(
                                "Stored big-endian: convert with encoding/binary.BigEndian."
                                    .to_string(),
                            ),
                            Some(ByteOrder::Little) => doc.push(
                                "Stored little-endian: convert with encoding/binary.LittleEndian."
                                    .to_string(),
                            ),
                            None => {}
                        }
                    }
                }
                MemberKind::Binary { .. }
                | MemberKind::String { .. }
                | MemberKind::Struct { .. }
                | MemberKind::Union { .. } => {}
            }
            since(&mut doc, m.since);
            Row {
                doc: comment(&doc, 1),
                name: pascal(&m.name),
                rest: member_go(model, m),
            }
        }))
        .collect();
    Item::Struct {
        doc,
        name,
        fields: align(rows),
        methods: Vec::new(),
    }
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
struct IoctlView {
    banner: String,
    package: String,
    runtime: bool,
    /// Whether a helper needs `byteLen`.
    byte_len: bool,
    imports: Vec<String>,
    funcs: Vec<FuncView>,
}

struct FuncView {
    doc: Vec<String>,
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
    doc: Vec<String>,
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

impl IoctlView {
    fn new(model: &Model, banner: &str, prefix: &str) -> IoctlView {
        let funcs: Vec<FuncView> = model.ioctls.iter().map(|io| func(model, io)).collect();
        IoctlView {
            banner: banner.to_string(),
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
    let name = format!("Ioctl{}", pascal(&io.name));
    let cmd = format!("IOCTL_{}", upper(&io.name));
    let arg = io
        .arg
        .as_ref()
        .filter(|_| io.dir != Dir::None)
        .map(|a| (model.struct_(a), a));
    let mut doc = doc_paras(io.doc.as_deref());
    let mut params = String::new();
    let mut ptrs: Vec<PtrView> = Vec::new();
    let mut ptr_docs = Vec::new();
    match arg {
        Some((s, a)) => {
            params.push_fmt(format_args!(", arg *{}", struct_ref(model, a)));
            doc.push(format!(
                "It sends {cmd} ({}) and returns the errno of a failure as a \
                 syscall.Errno. Since revision {}.",
                dir_words(io.dir),
                io.since
            ));
            for m in &s.members {
                let MemberKind::UserPtr {
                    elem, len, stride, ..
                } = &m.kind
                else {
                    continue;
                };
                let p = ptr_param(model, s, m, (elem, len, *stride), &ptrs);
                params.push_str(&p.param);
                ptr_docs.push(p.doc);
                ptrs.push(p.view);
            }
        }
        None => doc.push(format!(
            "It sends {cmd} ({}) and returns the errno of a failure as a \
             syscall.Errno. Since revision {}.",
            dir_words(io.dir),
            io.since
        )),
    }
    if !ptrs.is_empty() {
        doc.extend(ptr_docs);
        doc.push(format!(
            "A slice too long for its count member fails with EOVERFLOW before \
             the call. Use {name}Raw to send pointers and counts exactly as set."
        ));
    }
    doc.extend(errors_doc(io));
    let raw = (!ptrs.is_empty()).then(|| {
        let arg_ty = arg.map(|(_, a)| struct_ref(model, a)).unwrap_or_default();
        RawView {
            doc: comment(
                &[format!(
                    "{name}Raw is {name} with *arg sent exactly as the caller set \
                     it: user pointers and their counts are not touched. For tests \
                     that pass deliberately bad pointers or counts; each pointer \
                     must stay valid until the call returns."
                )],
                0,
            ),
            name: format!("{name}Raw"),
            params: format!(", arg *{arg_ty}"),
        }
    });
    FuncView {
        doc: comment(&lead(&format!("{name}: "), doc), 0),
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
    let access = match (m.access.read_by_kernel(), m.access.written_by_kernel()) {
        (true, true) => "the kernel reads and writes the elements",
        (false, true) => "the kernel writes the elements",
        _ => "the kernel reads the elements",
    };
    match len {
        PtrLen::Single => {
            let param_text = format!(", {param} *{elem_ty}");
            let doc = format!(
                "The address of {param} (0 for nil) goes in arg.{field} \
                 for the call; {}.",
                access.replace("the elements", "it")
            );
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
            let param_text = format!(", {param} []{elem_ty}");
            let lm = &s.members[*i];
            let (count_ty, bound) = length_go(lm);
            let count = matches!(len, PtrLen::Count(_));
            let len_expr = if count {
                format!("uint64(len({param}))")
            } else {
                format!("byteLen({param})")
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
            let doc = format!(
                "The address of {param}'s first element (0 when it is \
                 empty) goes in arg.{field} and its {} in \
                 arg.{count_field} for the call; {access}.{}",
                if count { "length" } else { "size in bytes" },
                if shared {
                    format!(
                        " It must agree with the other slice that \
                         sets arg.{count_field} (EINVAL otherwise)."
                    )
                } else {
                    String::new()
                }
            );
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

/// The doc paragraphs of the errors an ioctl documents.
fn errors_doc(io: &Ioctl) -> Vec<String> {
    if io.errors.is_empty() {
        return Vec::new();
    }
    let mut doc = vec!["Errors the spec documents:".to_string()];
    for e in &io.errors {
        let text = doc_paras(e.doc.as_deref()).join(" ");
        doc.push(if text.is_empty() {
            format!("{}.", e.errno)
        } else {
            format!("{}: {text}", e.errno)
        });
    }
    doc
}

// ---------------------------------------------------------------- cmds_<goarch>.go

#[derive(Template)]
#[template(path = "go/templates/cmds.go", escape = "none")]
struct CmdsView {
    banner: String,
    goarch: &'static str,
    target: &'static str,
    package: String,
    cmds: Vec<Line>,
    /// Comments naming ioctls without a command on this target.
    missing: Vec<String>,
    /// Constant expressions that are 0 exactly when a size or offset is
    /// as the spec says: array indexes of a one-element array.
    checks: Vec<String>,
}

impl CmdsView {
    fn new(model: &Model, t: Target, layouts: &LayoutChecks<'_>, banner: &str) -> CmdsView {
        let mut cmds = Vec::new();
        let mut missing = Vec::new();
        for io in &model.ioctls {
            let name = format!("IOCTL_{}", upper(&io.name));
            match io.cmds.get(&t).copied().flatten() {
                Some(c) => cmds.push(Row {
                    doc: Vec::new(),
                    name,
                    rest: format!("= {c:#010x}"),
                }),
                None => missing.push(format!(
                    "// {name} does not exist on {}: its argument is too large for the \
                     size field of the command.",
                    t.goarch().unwrap_or_default()
                )),
            }
        }
        // The byte length of each union whose size differs between Go
        // targets (see `union_rows`).
        for s in model.structs.iter().filter(|s| s.is_union) {
            if s.uniform_layout(&go_targets(model)).is_none() {
                cmds.push(Row {
                    doc: Vec::new(),
                    name: format!("sizeOf{}", pascal(&s.name)),
                    rest: format!("= {}", s.layout(t).size),
                });
            }
        }
        let checks = layouts
            .per_target
            .iter()
            .flat_map(|s| s.checks(t))
            .collect();
        CmdsView {
            banner: banner.to_string(),
            goarch: t.goarch().unwrap_or_default(),
            target: t.name(),
            package: package_name(&model.name),
            cmds: align(cmds),
            missing,
            checks,
        }
    }
}

/// `expr-want`, or `expr` when `want` is 0: an unsigned constant that is
/// 0 only when `expr == want` (below, it overflows; above, it indexes out
/// of range).
fn index_expr(expr: &str, want: u32) -> String {
    if want == 0 {
        expr.to_string()
    } else {
        format!("{expr}-{want}")
    }
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
    fields: Vec<Option<String>>,
}

impl<'m> LayoutChecks<'m> {
    fn new(model: &'m Model, targets: &[Target]) -> Self {
        let mut checks = LayoutChecks {
            uniform: Vec::new(),
            per_target: Vec::new(),
        };
        for s in structs_in_order(model) {
            let names = StructChecks {
                s,
                name: pascal(&s.name),
                // A flexible array member, and a union's members, have no
                // Go field (see struct_item and union_rows).
                fields: s
                    .members
                    .iter()
                    .map(|m| (!m.is_flexible() && !s.is_union).then(|| pascal(&m.name)))
                    .collect(),
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
    /// Constant expressions that are 0 exactly when the size and each
    /// member offset on `t` are as the spec says: indexes of a
    /// one-element array.
    fn checks(&self, t: Target) -> impl Iterator<Item = String> + '_ {
        let l = self.s.layout(t);
        let name = &self.name;
        std::iter::once(index_expr(&format!("unsafe.Sizeof({name}{{}})"), l.size)).chain(
            self.fields
                .iter()
                .zip(&l.offsets)
                .filter_map(move |(field, off)| {
                    let field = field.as_ref()?;
                    Some(index_expr(
                        &format!("unsafe.Offsetof({name}{{}}.{field})"),
                        *off,
                    ))
                }),
        )
    }
}

#[derive(Template)]
#[template(path = "go/templates/layout.go", escape = "none")]
struct LayoutView {
    banner: String,
    package: String,
    spec: String,
    checks: Vec<String>,
}

impl LayoutView {
    fn new(model: &Model, layouts: &LayoutChecks<'_>, banner: &str) -> LayoutView {
        // Any target serves: these structs lay out alike on all of them.
        let checks = match go_targets(model).first() {
            Some(&t) => layouts.uniform.iter().flat_map(|s| s.checks(t)).collect(),
            None => Vec::new(),
        };
        LayoutView {
            banner: banner.to_string(),
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

    #[test]
    fn alignment_follows_comment_lines() {
        let row = |doc: &[&str], name: &str| Row {
            doc: doc.iter().map(|s| s.to_string()).collect(),
            name: name.to_string(),
            rest: "uint32".to_string(),
        };
        let lines = align(vec![
            row(&[], "A"),
            row(&[], "Long"),
            row(&["// doc"], "B"),
            row(&[], "Longer"),
        ]);
        let text: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            text,
            [
                "A    uint32",
                "Long uint32",
                "B      uint32",
                "Longer uint32"
            ]
        );
    }

    #[test]
    fn comments_dodge_gofmt_headings() {
        let c = comment(
            &[
                "First: x.".into(),
                "Looks Like A Heading".into(),
                "End.".into(),
            ],
            0,
        );
        assert_eq!(
            c,
            [
                "// First: x.",
                "//",
                "// Looks Like A Heading.",
                "//",
                "// End."
            ]
        );
        let c = comment(&["word ".repeat(40)], 1);
        assert!(
            c.iter()
                .all(|l| l.starts_with("\t// ") && l.len() - 1 + 8 <= WIDTH)
        );
    }
}
