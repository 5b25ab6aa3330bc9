//! C uapi header backend: one kernel-style header per spec
//! (`<spec>/c/<uapi-header>`), the file both the kernel and userspace
//! would include. It uses only what `<linux/types.h>` and
//! `<linux/ioctl.h>` give userspace (`__u32`, `__be32`, `_IOWR`), never
//! kernel-internal macros, and ends with compile-time checks of every size
//! and offset the model computed, so any compiler that disagrees with the
//! model refuses the header. It compiles as C89 through C2x and as C++98
//! through C++23 with `-Wall -Wextra -Werror -pedantic`.
//!
//! The shape of the file is the askama template `templates/c/header.h`;
//! this module prepares a flat view model (names, values, comment lines).

mod comment;
mod drm_h;
pub(crate) mod names;
mod rings;

pub use drm_h::{IDENTIFIERS as DRM_H_IDENTIFIERS, MACROS as DRM_H_MACROS, TAGS as DRM_H_TAGS};

pub use names::*;
pub use rings::ring_names;

use crate::backend::shared::{capacity_for, push_decimal, push_hex, push_int};
use crate::backend::{GeneratedFile, OutputKind, OutputOptions, banner_lines};
use crate::backend::{RenderError, render_template, render_template_sized};
use crate::ioc::Dir;
use crate::model::{
    Attr, AttrSet, ByteOrder, CType, Elem, Enum, EnumEntry, EnumKind, Ioctl, IoctlStyle, ItemRef,
    Member, MemberKind, Model, PtrLen, Scalar, Struct,
};
use crate::names::{snake, upper};
use crate::target::Target;
use askama::Template;
use comment::{Comment, line_start, sanitize};
use std::borrow::Cow;
use std::path::PathBuf;

mod spelling;
pub use spelling::{CScalar, CTarget};

/// Lines are wrapped to this many columns (a tab counts as 8), the
/// kernel's coding style.
const WIDTH: usize = 80;

/// Renders the uapi header of `model`. Included specs get their own
/// header from their own `render` call; this one `#include`s them.
pub fn render(model: &Model) -> Result<Vec<GeneratedFile>, RenderError> {
    render_with(model, &OutputOptions::default())
}

/// [`render`], with included headers named as `opts.c_include_dir` says.
pub fn render_with(model: &Model, opts: &OutputOptions) -> Result<Vec<GeneratedFile>, RenderError> {
    let view = HeaderView::new(model, opts)?;
    let contents = render_template_sized(model, "C header", &view, capacity_for(model, 300))?;
    Ok(vec![GeneratedFile {
        path: header_path(model),
        contents,
    }])
}

/// How one header names drm.h: beside it, as the kernel's own DRM
/// headers do, when it is generated beside it (the `generated/` tree, or
/// installed in `drm/`); as `<drm/drm.h>` from any other folder.
fn drm_include(include_dir: Option<&str>) -> String {
    match include_dir {
        None | Some("drm") => "\"drm.h\"".to_string(),
        Some(_) => "<drm/drm.h>".to_string(),
    }
}

/// How `model`'s header names an included spec's header `header`:
/// relative to its own place (`../../accel/c/accel.h` in `generated/`),
/// or as `<dir/header>` when installed.
fn include_line(model: &Model, opts: &OutputOptions, spec: &str, header: &str) -> String {
    match opts.c_include_dir.as_deref() {
        None => format!(
            "\"{}\"",
            opts.layout
                .file_from((&model.name, OutputKind::C), (spec, OutputKind::C), header)
        ),
        Some(dir) => format!("<{dir}/{header}>"),
    }
}

/// The uapi headers of `models` as `make headers_install` lays them out:
/// `include/<dir>/<header>`, each including the others as
/// `<dir/header>`, so that `-I <out>/include` alone compiles a consumer.
/// Every model's includes must be among `models` for the tree to be
/// complete (`pipeline::load_and_lint` brings them in).
/// The other naming choices (the license) come from `opts`.
pub fn headers_install(
    models: &[&Model],
    dir: &str,
    opts: &OutputOptions,
) -> Result<Vec<GeneratedFile>, RenderError> {
    let opts = OutputOptions {
        c_include_dir: Some(dir.to_string()),
        ..opts.clone()
    };
    let mut files = Vec::new();
    for model in models {
        let view = HeaderView::new(model, &opts)?;
        files.push(GeneratedFile {
            path: PathBuf::from("include").join(dir).join(&model.uapi_header),
            contents: render_template(model, "C header", &view)?,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Where [`render`] puts the header, relative to the output folder.
pub fn header_path(model: &Model) -> PathBuf {
    PathBuf::from(&model.name)
        .join("c")
        .join(&model.uapi_header)
}

/// The C identifier of a struct member: snake case, with `_` appended
/// when the name is a C or C++ keyword or a predefined macro (`class`,
/// `linux`, `errno`), since C has no raw identifiers. Lint rejects such
/// names; this keeps the header of a rejected spec compilable.
pub fn member_ident(name: &str) -> String {
    let mut ident = String::with_capacity(name.len() + 1);
    push_member_ident(&mut ident, name);
    ident
}

/// [`member_ident`] appended to `out`.
pub(crate) fn push_member_ident(out: &mut String, name: &str) {
    let start = out.len();
    push_lower(out, name);
    if RESERVED_SET.contains(&out[start..]) {
        out.push('_');
    }
}

/// Whether `ident` is a C or C++ keyword or a predefined macro, which no
/// name the header defines may be.
pub fn is_reserved_word(ident: &str) -> bool {
    RESERVED_SET.contains(ident)
}

static RESERVED_SET: crate::backend::shared::WordSet =
    crate::backend::shared::WordSet::new(|| RESERVED.iter().copied().collect());

/// Identifiers that may not be used as member names in a header that C,
/// C++ and the kernel all compile: keywords of either language (lower
/// case only, as spec names are), and names that GCC, libc or the kernel
/// define as object-like macros. The same set as lint's
/// `header-reserved-name` rule, so only specs lint rejects are affected.
#[rustfmt::skip]
const RESERVED: &[&str] = &[
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
    "case", "catch", "char", "char8_t", "char16_t", "char32_t", "class", "co_await",
    "co_return", "co_yield", "compl", "concept", "const", "const_cast", "consteval",
    "constexpr", "constinit", "continue", "decltype", "default", "delete", "do", "double",
    "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for",
    "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept",
    "not", "not_eq", "nullptr", "operator", "or", "or_eq", "private", "protected", "public",
    "register", "reinterpret_cast", "requires", "restrict", "return", "short", "signed",
    "sizeof", "static", "static_assert", "static_cast", "struct", "switch", "template", "this",
    "thread_local", "throw", "true", "try", "typedef", "typeid", "typename", "typeof",
    "typeof_unqual", "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t",
    "while", "xor", "xor_eq",
    // Object-like macros of the kernel, libc and GCC's GNU modes.
    "current", "fallthrough", "noinline", "notrace", "asmlinkage", "errno", "linux", "unix",
    "i386", "mips", "sparc",
];

// ---------------------------------------------------------------- view model
//
// Comments arrive as text, each line after its newline and indentation
// (`Comment::into_text`), ready to print: the templates print them whole,
// and a header's thousands of comment lines are built once each.

#[derive(Template)]
#[template(path = "c/templates/header.h", escape = "none")]
struct HeaderView {
    /// The SPDX expression of the header's first line.
    license: String,
    /// Banner text lines (inside a comment).
    banner: Vec<String>,
    guard: String,
    /// How the header includes drm.h for its ioctl macros, as DRM
    /// drivers' headers do, instead of <linux/ioctl.h> (None: not DRM).
    drm: Option<String>,
    /// The included specs' headers, with their quotes or angle brackets.
    includes: Vec<String>,
    /// A flexible array member says `__counted_by`: the header includes
    /// `<linux/stddef.h>`, as amdxdna's does, and defines it empty where
    /// that header predates it.
    counted_by: bool,
    /// The comment of the spec's doc.
    doc: String,
    items: Vec<Item>,
    ioctls: Vec<DefineGroup>,
    /// The control-message constants (templates/c/netlink.h), rendered.
    netlink: String,
    /// The ring section (templates/c/rings.h), rendered.
    rings: String,
    /// Name of the check macro, defined and undefined around `checks`.
    check: String,
    checks: Vec<CheckGroup>,
}

enum Item {
    Defines(DefineGroup),
    Enum(EnumView),
    Struct(StructView),
}

/// `#define`s under one comment.
struct DefineGroup {
    doc: String,
    defines: Vec<Define>,
}

/// A `#define`, or an enumerator, with its own comment.
struct Define {
    doc: String,
    name: String,
    value: String,
}

struct EnumView {
    doc: String,
    /// `enum softaccel_opcode`, or `enum` for YNL's anonymous enums.
    tag: String,
    entries: Vec<Define>,
}

struct StructView {
    doc: String,
    tag: String,
    /// Each member's comment and declaration (`__u8 pad0[4];`), one tab
    /// in, each line after its newline: written straight into one text,
    /// as a struct has a comment and a declaration per member.
    members: String,
}

/// The checks of one struct: a single unconditional branch when its
/// layout is the same on every target, else one `#if` branch per target.
struct CheckGroup {
    conditional: bool,
    branches: Vec<CheckBranch>,
}

struct CheckBranch {
    cond: Option<&'static str>,
    /// The check lines (`<CHECK>(sizeof(struct x) == 8, x_size);`), each
    /// after a newline.
    asserts: String,
}

impl HeaderView {
    fn new(model: &Model, opts: &OutputOptions) -> Result<HeaderView, RenderError> {
        let include_dir = opts.c_include_dir.as_deref();
        let mut items = Vec::with_capacity(model.definition_order.len());
        // The layout checks of each struct written here, in the order of
        // the structs.
        let check = check_macro(model);
        let mut checks = Vec::new();
        for item in &model.definition_order {
            match *item {
                // YNL's `header:` items are defined by another header.
                ItemRef::Const(i) if model.consts[i].header.is_some() => {}
                ItemRef::Enum(i) if model.enums[i].header.is_some() => {}
                ItemRef::Const(i) => items.push(Item::Defines(const_view(model, i))),
                ItemRef::Enum(i) => {
                    let e = &model.enums[i];
                    items.push(match e.kind {
                        _ if is_c_enum(model, e) => Item::Enum(enum_view(model, e)),
                        EnumKind::Flags => Item::Defines(flags_view(model, e)),
                        EnumKind::Enum => Item::Defines(wide_enum_view(model, e)),
                    });
                }
                // An anonymous member's struct or union is written inside
                // its holder.
                ItemRef::Struct(i) if model.structs[i].inline => {}
                ItemRef::Struct(i) => {
                    let s = &model.structs[i];
                    let view = struct_view(model, s);
                    checks.extend(check_group(model, s, &check, &view.tag));
                    items.push(Item::Struct(view));
                }
            }
        }
        let doc = match &model.doc {
            Some(d) => Comment::kernel_doc(0)
                .text(format!("DOC: {}", model.name))
                .para_break()
                .text(d.as_str())
                .into_text("\n"),
            None => String::new(),
        };
        Ok(HeaderView {
            license: crate::backend::license_of(model, opts),
            banner: banner_lines(model)
                .iter()
                .map(|l| sanitize(l).into_owned())
                .collect(),
            guard: guard(&model.uapi_header),
            drm: matches!(model.ioctl_style, IoctlStyle::Drm { .. })
                .then(|| drm_include(include_dir)),
            includes: model
                .includes
                .iter()
                .map(|inc| include_line(model, opts, &inc.name, &inc.uapi_header))
                .collect(),
            counted_by: model
                .structs
                .iter()
                .flat_map(|s| &s.members)
                .any(|m| m.counted_by.is_some()),
            doc,
            items,
            ioctls: ioctl_views(model),
            netlink: render_template(model, "C netlink", &NetlinkView::new(model))?,
            rings: rings::c_section(model)?,
            check,
            checks,
        })
    }
}

/// `softaccel.h` -> `_SOFTACCEL_UAPI_H`: the include guard.
pub fn guard(header: &str) -> String {
    let stem = header.strip_suffix(".h").unwrap_or(header);
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("_{stem}_UAPI_H")
}

fn const_view(model: &Model, i: usize) -> DefineGroup {
    let c = &model.consts[i];
    DefineGroup {
        doc: String::new(),
        defines: vec![Define {
            doc: Comment::plain(0)
                .doc(c.doc.as_deref())
                .since(c.since)
                .into_text("\n"),
            name: const_macro(model, c),
            // Hex as written while C reads it as an `int` or `unsigned
            // int`; beyond that `c_int`'s suffix keeps C89 happy.
            value: match (c.c_type, &c.hex) {
                // amdxdna's spelling of all ones in an `unsigned long`.
                (Some(CType::ULong), _) if c.value == -1 => "(~0UL)".to_string(),
                (Some(CType::ULong), Some(h)) => format!("{h}UL"),
                (Some(CType::ULong), None) => format!("{}UL", c.value),
                (None, Some(h)) if (0..=i128::from(u32::MAX)).contains(&c.value) => h.clone(),
                (None, _) => c_int(c.value),
            },
        }],
    }
}

/// Whether the header writes `e` as a C enum (with its tag), not as
/// `#define`s; flags written as `#define`s get an `_ALL` mask.
pub fn is_c_enum(model: &Model, e: &Enum) -> bool {
    match e.kind {
        // YNL declares flags as a C enum of bit values; a YNL family's
        // header does the same, and so does any header that names the
        // flags' enum tag.
        EnumKind::Flags => {
            (model.netlink.protocol.is_some() || e.enum_name.is_some()) && fits_c_enum(e)
        }
        EnumKind::Enum => fits_c_enum(e),
    }
}

/// The names of YNL's `render-max` constants of `e` (none without it).
pub fn render_max_names(model: &Model, e: &Enum) -> Vec<String> {
    render_max_defines(model, e)
        .into_iter()
        .map(|d| d.name)
        .collect()
}

/// C requires enumerator values to fit in `int` (`-pedantic` rejects
/// others), so larger enums are written as `#define`s instead.
fn fits_c_enum(e: &Enum) -> bool {
    e.entries
        .iter()
        .all(|x| (i128::from(i32::MIN)..=i128::from(i32::MAX)).contains(&x.value))
}

fn enum_view(model: &Model, e: &Enum) -> EnumView {
    let tag = enum_tag(model, e);
    let doc = if tag == "enum" {
        Comment::plain(0)
    } else {
        Comment::kernel_doc(0).lead([tag.as_str(), " - "].concat())
    };
    let doc = doc.doc(e.doc.as_deref()).since(e.since).into_text("\n");
    // Every derived entry name starts with it: cased once per enum.
    let prefix = entry_prefix(model, e);
    let mut entries: Vec<Define> = Vec::with_capacity(e.entries.len());
    for x in &e.entries {
        let name = entry_macro_with(&prefix, x);
        let field_values = field_value_enumerators(&name, x);
        entries.push(Define {
            doc: enumerator_doc(&name, x.doc.as_deref(), x.since),
            value: enumerator_value(&prefix, e, x),
            name,
        });
        entries.extend(field_values);
    }
    entries.extend(render_max_defines(model, e));
    EnumView { doc, tag, entries }
}

/// The comment of an enumerator, one tab in: kernel-doc's
/// `@NAME: doc`, on one line where it fits.
fn enumerator_doc(name: &str, doc: Option<&str>, since: u32) -> String {
    Comment::kernel_doc(8)
        .short()
        .lead(["@", name, ": "].concat())
        .doc(doc)
        .since(since)
        .into_text("\n\t")
}

/// The values of a multi-bit field of flags written as a C enum (none
/// for an entry without a field).
fn field_value_enumerators(entry: &str, x: &EnumEntry) -> Vec<Define> {
    x.field
        .iter()
        .flat_map(|f| f.values.iter().map(move |v| (f, v)))
        .map(|(f, v)| {
            let name = field_value_macro(entry, &v.name);
            Define {
                doc: enumerator_doc(&name, v.doc.as_deref(), 1),
                name,
                value: f.shifted(v).to_string(),
            }
        })
        .collect()
}

/// An enumerator's value: an alias is written as the entry it repeats
/// (`HL_DEVICE_STATUS_LAST = HL_DEVICE_STATUS_IN_RESET_AFTER_DEVICE_RELEASE`),
/// as the existing header spells it. `prefix` is the enum's
/// [`entry_prefix`].
fn enumerator_value(prefix: &str, e: &Enum, x: &EnumEntry) -> String {
    match alias_target(e, x) {
        Some(of) => entry_macro_with(prefix, of),
        None => x.value.to_string(),
    }
}

fn alias_target<'e>(e: &'e Enum, x: &EnumEntry) -> Option<&'e EnumEntry> {
    let of = x.alias_of.as_deref()?;
    e.entries.iter().find(|y| y.name == of)
}

fn wide_enum_view(model: &Model, e: &Enum) -> DefineGroup {
    let prefix = entry_prefix(model, e);
    let mut defines: Vec<Define> = e
        .entries
        .iter()
        .map(|x| Define {
            doc: Comment::plain(0)
                .doc(x.doc.as_deref())
                .since(x.since)
                .into_text("\n"),
            name: entry_macro_with(&prefix, x),
            value: match alias_target(e, x) {
                Some(of) => entry_macro_with(&prefix, of),
                None => c_int(x.value),
            },
        })
        .collect();
    defines.extend(render_max_defines(model, e));
    DefineGroup {
        doc: Comment::plain(0)
            .lead(["Enum ", e.name.as_str(), ": "].concat())
            .doc(e.doc.as_deref())
            .since(e.since)
            .para_break()
            .text("Written as macros: a C enumerator must fit in int.")
            .into_text("\n"),
        defines,
    }
}

fn flags_view(model: &Model, e: &Enum) -> DefineGroup {
    let prefix = entry_prefix(model, e);
    let mut defines: Vec<Define> = Vec::with_capacity(e.entries.len() + 1);
    for x in &e.entries {
        let name = entry_macro_with(&prefix, x);
        let mut doc = Comment::plain(0).doc(x.doc.as_deref());
        if let Some(f) = &x.field {
            doc = doc.text(format!("The field of bits {} to {}.", f.low, f.high));
        }
        let doc = doc.since(x.since).into_text("\n");
        // A field's values as they sit in the flags word, as existing
        // headers define them (ivpu's DRM_IVPU_BO_UNCACHED 0x00010000).
        let field_values: Vec<Define> = x
            .field
            .iter()
            .flat_map(|f| f.values.iter().map(move |v| (f, v)))
            .map(|(f, v)| Define {
                doc: Comment::plain(0).doc(v.doc.as_deref()).into_text("\n"),
                name: field_value_macro(&name, &v.name),
                value: c_mask(f.shifted(v)),
            })
            .collect();
        defines.push(Define {
            doc,
            name,
            value: c_mask(x.bits()),
        });
        defines.extend(field_values);
    }
    defines.push(Define {
        doc: Comment::plain(0)
            .text(format!("Every bit of {} defined by this revision.", e.name))
            .into_text("\n"),
        name: flags_all_macro(model, e),
        value: c_mask(e.mask()),
    });
    defines.extend(render_max_defines(model, e));
    DefineGroup {
        doc: Comment::plain(0)
            .lead(["Flags ", e.name.as_str(), ": "].concat())
            .doc(e.doc.as_deref())
            .since(e.since)
            .into_text("\n"),
        defines,
    }
}

fn struct_view(model: &Model, s: &Struct) -> StructView {
    let tag = aggregate_tag(model, s);
    // Room for a short comment and a declaration per member.
    let mut members = String::with_capacity(s.members.len() * 96);
    for m in &s.members {
        push_member(&mut members, model, s, m, 1);
    }
    StructView {
        doc: Comment::kernel_doc(0)
            .lead([tag.as_str(), " - "].concat())
            .doc(s.doc.as_deref())
            .since(s.since)
            .into_text("\n"),
        tag,
        members,
    }
}

/// A member's comment and declaration, `depth` tabs in (1 at the top
/// of a struct, one more inside each anonymous member), each line after
/// its newline, appended to `out`.
fn push_member(out: &mut String, model: &Model, s: &Struct, m: &Member, depth: usize) {
    // kernel-doc's lead `@ident: ` holds the identifier the declaration
    // uses: it is cased once, into the lead.
    let mut lead = String::with_capacity(m.name.len() + 4);
    lead.push('@');
    push_member_ident(&mut lead, &m.name);
    lead.push_str(": ");
    let ident = lead.get(1..lead.len() - 2).unwrap_or_default();
    let mut c = Comment::kernel_doc(8 * depth).short();
    // An anonymous member has no name for kernel-doc to cite.
    if !m.anonymous {
        c = c.lead(lead.as_str());
    }
    c = if matches!(m.kind, MemberKind::Pad { .. }) && m.doc.is_none() {
        c.text("Reserved, must be zero.")
    } else {
        c.doc(m.doc.as_deref())
    };
    if let MemberKind::UserPtr {
        elem,
        len,
        max_count,
        stride,
    } = &m.kind
    {
        c = c.text(user_ptr_note(model, s, elem, len, *max_count, *stride));
    }
    if let Some(a) = m.address {
        c = c.text(a.doc());
    }
    if let (Some(ByteOrder::Big | ByteOrder::Little), MemberKind::Scalar { ty, .. }) =
        (m.byte_order, &m.kind)
        && ty.signed()
        && ty.size() > 1
    {
        c = c.text(format!("A signed {}-bit value.", ty.size() * 8));
    }
    let start = line_start(depth);
    c.since(m.since).write(out, &start);
    out.push_str(&start);
    match inline_inner(model, m) {
        Some(inner) => push_inline_decl(out, model, inner, depth, (!m.anonymous).then_some(ident)),
        None => push_member_decl(out, model, s, m, ident),
    }
    out.push(';');
}

/// The struct or union a member writes in place (`members:` in the
/// spec): an anonymous member's, or a tagless type's.
fn inline_inner<'m>(model: &'m Model, m: &Member) -> Option<&'m Struct> {
    match &m.kind {
        MemberKind::Union { id } | MemberKind::Struct { id, count: None } => {
            Some(model.struct_(id)).filter(|s| s.inline)
        }
        MemberKind::Struct { count: Some(_), .. }
        | MemberKind::Scalar { .. }
        | MemberKind::Pad { .. }
        | MemberKind::Binary { .. }
        | MemberKind::String { .. }
        | MemberKind::UserPtr { .. } => None,
    }
}

/// A struct or union written in place as the kernel writes it (`union
/// {`, its members one tab deeper, `}` and the member's name, if it has
/// one). An anonymous one gets `__extension__` before it so that
/// -pedantic C89, C99 and C++ accept it (it changes nothing else).
fn push_inline_decl(
    out: &mut String,
    model: &Model,
    inner: &Struct,
    depth: usize,
    name: Option<&str>,
) {
    let word = if inner.is_union { "union" } else { "struct" };
    if name.is_none() {
        out.push_str("__extension__ ");
    }
    out.push_str(word);
    out.push_str(" {");
    for im in &inner.members {
        push_member(out, model, inner, im, depth + 1);
    }
    out.push_str(&line_start(depth));
    out.push('}');
    if let Some(n) = name {
        out.push(' ');
        out.push_str(n);
    }
}

/// The members C names in `s` with their offsets on `t`, an anonymous
/// member's own in its place (at its offset plus theirs).
pub fn c_visible_offsets(model: &Model, s: &Struct, t: Target) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    for_each_visible_member(model, s, t, &mut String::new(), 0, &mut |path, off| {
        out.push((path.to_string(), off))
    });
    out
}

/// Calls `visit` with each member C names in `s` and its offset on `t`
/// plus `base`: a named member, then the members of the struct or union
/// it writes in place (`a.b`), and an anonymous member's own members in
/// its place. `path` is the name of the member `s` is written in
/// (empty at the top); each name is visited as `path` extended.
fn for_each_visible_member(
    model: &Model,
    s: &Struct,
    t: Target,
    path: &mut String,
    base: u32,
    visit: &mut impl FnMut(&str, u32),
) {
    for (m, off) in s.members.iter().zip(&s.layout(t).offsets) {
        let at = base + off;
        let outer = path.len();
        if !m.anonymous {
            if outer > 0 {
                path.push('.');
            }
            push_member_ident(path, &m.name);
            visit(path, at);
        }
        if let Some(inner) = inline_inner(model, m) {
            for_each_visible_member(model, inner, t, path, at, visit);
        }
        path.truncate(outer);
    }
}

/// Whether the members C names in `s` have the same offsets on every
/// target. The names are the same on every target (they follow the
/// members), so only the offsets are compared, without building names.
fn visible_offsets_uniform(model: &Model, s: &Struct) -> bool {
    let mut ts = model.targets.iter();
    let Some(first) = ts.next() else {
        return true;
    };
    let mut want = Vec::new();
    visible_offset_values(model, s, *first, 0, &mut want);
    let mut got = Vec::with_capacity(want.len());
    ts.all(|t| {
        got.clear();
        visible_offset_values(model, s, *t, 0, &mut got);
        got == want
    })
}

/// The offsets of [`c_visible_offsets`], in its order, each plus `base`.
fn visible_offset_values(model: &Model, s: &Struct, t: Target, base: u32, out: &mut Vec<u32>) {
    for (m, off) in s.members.iter().zip(&s.layout(t).offsets) {
        if !m.anonymous {
            out.push(base + off);
        }
        if let Some(inner) = inline_inner(model, m) {
            visible_offset_values(model, inner, t, base + off, out);
        }
    }
}

fn scalar_type(ty: Scalar, order: Option<ByteOrder>) -> &'static str {
    // linux/types.h has only unsigned byte-order types; a signed
    // big-endian value is carried in one and its comment says so.
    match (order, ty.size()) {
        (Some(ByteOrder::Big), 2) => "__be16",
        (Some(ByteOrder::Big), 4) => "__be32",
        (Some(ByteOrder::Big), 8) => "__be64",
        (Some(ByteOrder::Little), 2) => "__le16",
        (Some(ByteOrder::Little), 4) => "__le32",
        (Some(ByteOrder::Little), 8) => "__le64",
        _ => ty.c(),
    }
}

/// A member's declaration without the `;` (`__u8 pad0[4]`), appended
/// to `out`.
fn push_member_decl(out: &mut String, model: &Model, s: &Struct, m: &Member, ident: &str) {
    if !m.is_flexible() {
        push_member_decl_plain(out, model, m, ident);
        return;
    }
    // A flexible array member as the kernel writes it, `__extension__`
    // added so that -pedantic C89 and C++ accept it (it changes nothing
    // else); the count's sibling as `__counted_by`, if the spec names it.
    let start = out.len();
    out.push_str("__extension__ ");
    push_member_decl_plain(out, model, m, ident);
    if let Some(bound) = out.get(start..).and_then(|d| d.find('[')) {
        out.truncate(start + bound);
    }
    out.push_str("[]");
    if let Some(c) = m.counted_by.and_then(|i| s.members.get(i)) {
        out.push_str(" __counted_by(");
        push_member_ident(out, &c.name);
        out.push(')');
    }
}

/// A member's declaration: its type, its name and any array bounds.
fn push_member_decl_plain(out: &mut String, model: &Model, m: &Member, ident: &str) {
    let (ty, bound): (Cow<'_, str>, Bound) = match &m.kind {
        MemberKind::Scalar { ty, count } => {
            (scalar_type(*ty, m.byte_order).into(), Bound::Array(*count))
        }
        MemberKind::Pad {
            scalar: Some(p), ..
        } => (p.ty.c().into(), Bound::One(p.count)),
        MemberKind::Pad { len, scalar: None } | MemberKind::Binary { len } => {
            ("__u8".into(), Bound::One(Some(*len)))
        }
        MemberKind::String { len } => ("char".into(), Bound::One(Some(*len))),
        MemberKind::Struct { id, count } => {
            (owned_struct_tag(model, id).into(), Bound::Array(*count))
        }
        MemberKind::Union { id } => (owned_struct_tag(model, id).into(), Bound::One(None)),
        MemberKind::UserPtr { .. } => ("__u64".into(), Bound::One(None)),
    };
    out.push_str(&ty);
    out.push(' ');
    out.push_str(ident);
    match bound {
        Bound::One(Some(n)) => push_bound(out, model, m, n),
        Bound::Array(Some(n)) if m.dims.is_empty() => push_bound(out, model, m, n),
        // A multi-dimensional array's bounds, each by its const's name
        // where the spec gave one.
        Bound::Array(Some(_)) => {
            for d in &m.dims {
                out.push('[');
                match &d.bound_const {
                    Some(c) => out.push_str(&const_name_macro(model, c)),
                    None => push_decimal(out, d.len),
                }
                out.push(']');
            }
        }
        Bound::One(None) | Bound::Array(None) => {}
    }
}

/// The array bound a member's kind gives its declaration.
enum Bound {
    /// `[n]`, or nothing.
    One(Option<u32>),
    /// `[n]`, or the member's dimensions when it has several; nothing
    /// without a count.
    Array(Option<u32>),
}

/// `[n]`: an array bound is written by the const's name where the spec
/// sized the member with one, as existing headers do. The name is always
/// defined first: the resolver orders every const before the structs,
/// and an included header comes before this one.
fn push_bound(out: &mut String, model: &Model, m: &Member, n: u32) {
    out.push('[');
    match &m.bound_const {
        Some(c) => out.push_str(&const_name_macro(model, c)),
        None => push_decimal(out, n),
    }
    out.push(']');
}

fn user_ptr_note(
    model: &Model,
    s: &Struct,
    elem: &Elem,
    len: &PtrLen,
    max: Option<u64>,
    stride: Option<usize>,
) -> String {
    let owned_tag;
    let elem = match elem {
        Elem::Scalar(t) => t.c(),
        Elem::Struct(id) => {
            owned_tag = owned_struct_tag(model, id);
            &owned_tag
        }
    };
    // kernel-doc refers to a sibling member as @name.
    crate::backend::shared::user_ptr_note("a __u64", elem, len, max, stride, |i| {
        let mut name = String::from("@");
        match s.members.get(i) {
            Some(m) => push_member_ident(&mut name, &m.name),
            None => name.push('?'),
        }
        name
    })
}

fn ioctl_views(model: &Model) -> Vec<DefineGroup> {
    let Some(magic) = model.magic else {
        return Vec::new();
    };
    let drm = matches!(model.ioctl_style, IoctlStyle::Drm { .. });
    let mut groups = Vec::with_capacity(model.ioctls.len() + 1);
    // DRM style: drm.h's DRM_IOCTL_BASE is the type byte and its
    // DRM_IO* macros put it in.
    let magic_name = magic_macro(model).unwrap_or_else(|| "DRM_IOCTL_BASE".to_string());
    if !drm {
        groups.push(DefineGroup {
            doc: String::new(),
            defines: vec![Define {
                doc: Comment::plain(0)
                    .text("The _IOC type byte of every ioctl of this spec.")
                    .into_text("\n"),
                name: magic_name.clone(),
                value: format!("{magic:#04x}"),
            }],
        });
    }
    // DRM numbers are relative to the driver's first command.
    let base = if drm { "DRM_COMMAND_BASE + " } else { "" };
    for ioctl in &model.ioctls {
        let nr_name = nr_macro(model, ioctl);
        let name = ioctl_macro(model, ioctl);
        let arg = ioctl
            .arg
            .as_ref()
            .filter(|_| ioctl.dir != Dir::None)
            .map(|a| owned_struct_tag(model, a));
        let nr = &nr_name;
        let value = match (&arg, ioctl.dir) {
            (_, Dir::None) if drm => ["DRM_IO(", base, nr, ")"].concat(),
            (_, Dir::None) => ["_IO(", &magic_name, ", ", base, nr, ")"].concat(),
            (Some(a), d) if drm => ["DRM", d.c_macro(), "(", base, nr, ", ", a, ")"].concat(),
            (Some(a), d) => [d.c_macro(), "(", &magic_name, ", ", base, nr, ", ", a, ")"].concat(),
            // An argument-less ioctl with a direction is a lint error;
            // still describe it exactly: size 0.
            (None, d) => {
                let bits = ioc_dir_bits(d);
                ["_IOC(", bits, ", ", &magic_name, ", ", base, nr, ", 0)"].concat()
            }
        };
        groups.push(DefineGroup {
            doc: ioctl_doc(ioctl, &name, arg.as_deref()),
            defines: vec![
                Define {
                    doc: String::new(),
                    name: nr_name,
                    value: {
                        let mut nr = String::with_capacity(4);
                        push_hex(&mut nr, u64::from(nr_value(model, ioctl)), 2);
                        nr
                    },
                },
                Define {
                    doc: String::new(),
                    name,
                    value,
                },
            ],
        });
    }
    groups
}

fn ioc_dir_bits(d: Dir) -> &'static str {
    match d {
        Dir::None => "_IOC_NONE",
        Dir::In => "_IOC_WRITE",
        Dir::Out => "_IOC_READ",
        Dir::InOut => "_IOC_READ | _IOC_WRITE",
    }
}

/// The kernel-doc of the ioctl macro `name`: its doc, its argument (the
/// struct tag `arg`) and extension rule, and its errors.
fn ioctl_doc(ioctl: &Ioctl, name: &str, arg: Option<&str>) -> String {
    let mut c = Comment::kernel_doc(0)
        .lead([name, " - "].concat())
        .doc(ioctl.doc.as_deref())
        .since(ioctl.since)
        .para_break();
    let mut argument = String::with_capacity(96);
    argument.push_str("Argument: ");
    match arg {
        Some(a) => {
            argument.push_str(a);
            argument.push_str(", ");
            argument.push_str(dir_words(ioctl.dir));
        }
        None => argument.push_str("none"),
    }
    argument.push('.');
    if let Some(e) = ioctl.extension {
        argument.push_str(" Extension rule: ");
        argument.push_str(e.name());
        argument.push('.');
    }
    c = c.text(argument);
    if !ioctl.errors.is_empty() {
        c = c.para_break().text("Errors:");
        for e in &ioctl.errors {
            c = c.hanging(&e.errno, e.doc.as_deref().unwrap_or(""));
        }
    }
    c.into_text("\n")
}

fn dir_words(d: Dir) -> &'static str {
    match d {
        Dir::None => "no data",
        Dir::In => "read by the kernel",
        Dir::Out => "written by the kernel",
        Dir::InOut => "read and written by the kernel",
    }
}

/// The layout checks of `s`, whose type is `tag` (`struct x`, as its
/// view names it); none when it has no layout on any target.
fn check_group(model: &Model, s: &Struct, check: &str, tag: &str) -> Option<CheckGroup> {
    let names = CheckNames {
        check,
        tag,
        // `x` of `struct x`, the struct's identifier.
        base: tag.split_once(' ').map_or(tag, |(_, ident)| ident),
    };
    // Only size and offsets are checked, so a struct whose alignment
    // alone differs (a u64 member on i386) still gets one unconditional
    // set of checks. With its own offsets alike, only the members of a
    // struct or union written in place can still differ.
    let uniform = s
        .uniform_layout(&model.targets)
        .filter(|_| !writes_inline(model, s) || visible_offsets_uniform(model, s))
        .zip(model.targets.first());
    let group = match uniform {
        Some((l, t)) => CheckGroup {
            conditional: false,
            branches: vec![CheckBranch {
                cond: None,
                asserts: layout_checks(model, s, *t, l.size, &names),
            }],
        },
        None => CheckGroup {
            conditional: true,
            branches: model
                .targets
                .iter()
                .filter_map(|t| {
                    let l = s.layouts.get(t)?;
                    Some(CheckBranch {
                        cond: Some(t.c_condition()),
                        asserts: layout_checks(model, s, *t, l.size, &names),
                    })
                })
                .collect(),
        },
    };
    (!group.branches.is_empty()).then_some(group)
}

/// Whether a member of `s` writes a struct or union in place.
fn writes_inline(model: &Model, s: &Struct) -> bool {
    s.members.iter().any(|m| inline_inner(model, m).is_some())
}

/// The names a struct's layout checks are written with.
struct CheckNames<'a> {
    /// The check macro.
    check: &'a str,
    /// `struct x`, as `sizeof` and `__builtin_offsetof` take it.
    tag: &'a str,
    /// `x`: the start of each check's name.
    base: &'a str,
}

/// The check lines of `s` laid out on `t` (each after a newline): its
/// size, then the offset of each member C names in it.
fn layout_checks(model: &Model, s: &Struct, t: Target, size: u32, n: &CheckNames<'_>) -> String {
    let CheckNames { check, tag, base } = *n;
    // Each line holds the macro, the tag and the base once, and about
    // 60 bytes besides (a member's name twice and the words around).
    let line = check.len() + tag.len() + base.len() + 60;
    let mut out = String::with_capacity((s.members.len() + 1) * line);
    // Pieces pushed in turn: a struct has a line per member, and the
    // formatter's machinery cost more than the text.
    for piece in ["\n", check, "(sizeof(", tag, ") == "] {
        out.push_str(piece);
    }
    push_decimal(&mut out, size);
    for piece in [", ", base, "_size);"] {
        out.push_str(piece);
    }
    for_each_visible_member(model, s, t, &mut String::new(), 0, &mut |path, off| {
        for piece in [
            "\n",
            check,
            "(__builtin_offsetof(",
            tag,
            ", ",
            path,
            ") == ",
        ] {
            out.push_str(piece);
        }
        push_decimal(&mut out, off);
        for piece in [", ", base, "_"] {
            out.push_str(piece);
        }
        // `a.b` names the check `a_b`.
        if path.contains('.') {
            for (i, part) in path.split('.').enumerate() {
                if i > 0 {
                    out.push('_');
                }
                out.push_str(part);
            }
        } else {
            out.push_str(path);
        }
        out.push_str("_offset);");
    });
    out
}

// ---------------------------------------------------------------- numbers

/// An integer constant with the suffix its value needs to keep its type
/// and value on every target (ILP32 included).
fn c_int(v: i128) -> String {
    const I32_MAX: i128 = i32::MAX as i128;
    const U32_MAX: i128 = u32::MAX as i128;
    const U64_MAX: i128 = u64::MAX as i128;
    const I64_MIN: i128 = i64::MIN as i128;
    match v {
        // Most values: digits alone, without the formatter.
        0..=I32_MAX => {
            let mut out = String::with_capacity(10);
            push_int(&mut out, v);
            out
        }
        0x8000_0000..=U32_MAX => format!("{v}U"),
        0x1_0000_0000..=U64_MAX => format!("{v}ULL"),
        // `-2147483648` would be the negation of a long constant, so the
        // int range stops one short of i32::MIN.
        -0x7fff_ffff..=-1 => format!("({v})"),
        I64_MIN => "(-9223372036854775807LL - 1)".to_string(),
        -0x7fff_ffff_ffff_ffff..=-0x8000_0000 => format!("({v}LL)"),
        // Out of range of every C integer type; the resolver rejects it.
        _ => v.to_string(),
    }
}

/// A flag mask in hex, `U` or `ULL` by width.
fn c_mask(v: u64) -> String {
    let mut out = String::with_capacity(21);
    push_hex(&mut out, v, 1);
    out.push_str(if v <= u64::from(u32::MAX) { "U" } else { "ULL" });
    out
}

// ---------------------------------------------------------------- checks

/// Identifiers that exist only inside the kernel (or only in kernel
/// headers) and break a userspace build: returns each one found in the
/// code of `header` (comments excluded), for tests.
pub fn kernel_only_tokens(header: &str) -> Vec<String> {
    const EXACT: &[&str] = &[
        "BIT",
        "BIT_ULL",
        "BIT_MASK",
        "GENMASK",
        "GENMASK_ULL",
        "FIELD_PREP",
        "FIELD_GET",
        "ARRAY_SIZE",
        "PAGE_SIZE",
        "__user",
        "__packed",
        "__iomem",
        "__force",
        "__kernel",
        "__rcu",
        "__percpu",
        "u8",
        "u16",
        "u32",
        "u64",
        "s8",
        "s16",
        "s32",
        "s64",
        "bool",
        "size_t",
        "uintptr_t",
    ];
    let code = strip_comments(header);
    let mut found = Vec::new();
    let mut ident = String::new();
    for c in code.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() || c == '_' {
            ident.push(c);
            continue;
        }
        if !ident.is_empty() {
            let first_is_digit = ident.starts_with(|c: char| c.is_ascii_digit());
            if !first_is_digit
                && (EXACT.contains(&ident.as_str()) || ident.starts_with("SZ_"))
                && !found.contains(&ident)
            {
                found.push(ident.clone());
            }
            ident.clear();
        }
    }
    found
}

/// The header with block comments and string literals blanked out.
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    loop {
        let c = rest.find("/*");
        let q = rest.find('"');
        match (c, q) {
            (Some(c), q) if q.is_none_or(|q| c < q) => {
                out.push_str(&rest[..c]);
                out.push(' ');
                rest = rest[c + 2..].split_once("*/").map_or("", |(_, r)| r);
            }
            (_, Some(q)) => {
                out.push_str(&rest[..q]);
                out.push(' ');
                rest = rest[q + 1..].split_once('"').map_or("", |(_, r)| r);
            }
            _ => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

// ------------------------------------------------------ control messages
//
// Names and values follow YNL's uapi generator (ynl_gen_c.py, render_uapi)
// so that a spec written for the kernel's YNL yields the constants of its
// YNL header: `<FAMILY>_A_<SET>_<ATTR>`, `__<FAMILY>_A_<SET>_MAX`,
// `<FAMILY>_CMD_<OP>`, `<FAMILY>_MCGRP_<GROUP>`, and the overrides YNL
// reads (name-prefix, enum-name, attr-cnt-name, cmd-max-name, ...).

/// YNL's `render-max` constants of an enum or flags definition: the count
/// and `..._MAX` of an enum, `..._MASK` of flags.
fn render_max_defines(model: &Model, e: &Enum) -> Vec<Define> {
    if !e.render_max {
        return Vec::new();
    }
    let pfx = entry_prefix(model, e);
    match e.kind {
        EnumKind::Flags => vec![Define {
            doc: String::new(),
            name: format!("{pfx}MASK"),
            value: e.mask().to_string(),
        }],
        EnumKind::Enum => {
            let cnt = e
                .enum_cnt_name
                .as_deref()
                .map_or_else(|| format!("__{pfx}MAX"), upper);
            // An enumerator without a value is the previous one plus one.
            let next = e.entries.last().map_or(0, |x| x.value + 1);
            vec![
                Define {
                    doc: String::new(),
                    name: cnt.clone(),
                    value: c_int(next),
                },
                Define {
                    doc: String::new(),
                    name: format!("{pfx}MAX"),
                    value: format!("({cnt} - 1)"),
                },
            ]
        }
    }
}

/// The prefix of an attribute set's constants: its `name-prefix`,
/// `<SPEC>_A_` for the set named like the spec, else `<SPEC>_A_<SET>_`.
pub fn attr_set_prefix(model: &Model, set: &AttrSet) -> String {
    match &set.name_prefix {
        Some(p) => upper(p),
        // Asked for each attribute: cased straight into one `String`.
        None => {
            let mut out = String::with_capacity(model.name.len() + set.name.len() + 4);
            push_upper(&mut out, &model.name);
            out.push_str("_A_");
            if set.name != model.name {
                push_upper(&mut out, &set.name);
                out.push('_');
            }
            out
        }
    }
}

/// The constant of one attribute: `SOFTACCEL_A_STATUS_FW_VERSION`.
pub fn attr_macro(model: &Model, set: &AttrSet, attr: &Attr) -> String {
    attr_macro_with(&attr_set_prefix(model, set), attr)
}

/// [`attr_macro`], given its set's [`attr_set_prefix`].
pub(crate) fn attr_macro_with(set_prefix: &str, attr: &Attr) -> String {
    let prefix_len = attr
        .name_prefix
        .as_ref()
        .map_or(set_prefix.len(), String::len);
    let mut out = String::with_capacity(prefix_len + attr.name.len());
    match &attr.name_prefix {
        Some(p) => push_upper(&mut out, p),
        None => out.push_str(set_prefix),
    }
    push_upper(&mut out, &attr.name);
    out
}

/// The prefix of the operations' constants: `name-prefix` or
/// `<SPEC>_CMD_`.
pub fn op_prefix(model: &Model) -> String {
    match model
        .operations
        .as_ref()
        .and_then(|o| o.name_prefix.as_deref())
    {
        Some(p) => upper(p),
        None => format!("{}_CMD_", upper(&model.name)),
    }
}

/// The constant of one operation: `SOFTACCEL_CMD_GET_STATUS`.
pub fn op_macro(model: &Model, op: &str) -> String {
    op_macro_with(&op_prefix(model), op)
}

/// [`op_macro`], given the [`op_prefix`].
fn op_macro_with(prefix: &str, op: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + op.len());
    out.push_str(prefix);
    push_upper(&mut out, op);
    out
}

/// A YNL enum tag: `enum <name>` for a non-empty `enum-name`, else
/// anonymous (YNL's rule for attribute sets and operations).
fn ynl_tag(enum_name: Option<&str>) -> String {
    match enum_name {
        Some(n) if !n.is_empty() => format!("enum {}", snake(n)),
        _ => "enum".to_string(),
    }
}

/// Every name the control-message section defines: the family's name
/// and version, the constants of attribute sets and operations with
/// their counts and maximums, and the multicast group names.
pub fn netlink_names(model: &Model) -> Vec<String> {
    let v = NetlinkView::new(model);
    let mut out: Vec<String> = v.family.into_iter().map(|d| d.name).collect();
    for e in v.enums {
        out.extend(e.entries.into_iter().chain(e.after).map(|d| d.name));
    }
    out.extend(v.mcast.into_iter().map(|d| d.name));
    out
}

#[derive(Template)]
#[template(path = "c/templates/netlink.h", escape = "none")]
struct NetlinkView {
    /// The family name and version defines of a YNL-protocol spec.
    family: Vec<Define>,
    enums: Vec<NetlinkEnum>,
    /// Multicast group names.
    mcast: Vec<Define>,
}

struct NetlinkEnum {
    doc: String,
    tag: String,
    /// Enumerators; an empty value lets C count on from the previous one.
    entries: Vec<Define>,
    /// `#define`s after the enum (`max-by-define`).
    after: Vec<Define>,
}

impl NetlinkView {
    fn new(model: &Model) -> NetlinkView {
        let nl = &model.netlink;
        let mut family = Vec::new();
        if nl.protocol.is_some() {
            family.push(Define {
                doc: String::new(),
                name: nl
                    .c_family_name
                    .as_deref()
                    .map_or_else(|| format!("{}_FAMILY_NAME", upper(&model.name)), upper),
                value: format!("\"{}\"", model.name),
            });
            family.push(Define {
                doc: String::new(),
                name: nl
                    .c_version_name
                    .as_deref()
                    .map_or_else(|| format!("{}_FAMILY_VERSION", upper(&model.name)), upper),
                value: nl.version.to_string(),
            });
        }
        family.extend(nl.string_consts.iter().map(|c| Define {
            doc: String::new(),
            name: format!("{}_{}", upper(&model.c_prefix), upper(&c.name)),
            value: format!("\"{}\"", c.value.replace('\\', "\\\\").replace('"', "\\\"")),
        }));
        let mut enums = Vec::new();
        for set in model
            .attribute_sets
            .iter()
            .filter(|s| s.subset_of.is_none())
        {
            let pfx = attr_set_prefix(model, set);
            let entries = set
                .attributes
                .iter()
                .map(|a| {
                    let name = attr_macro_with(&pfx, a);
                    Define {
                        doc: enumerator_doc(&name, a.doc.as_deref(), a.since),
                        name,
                        value: a.value.to_string(),
                    }
                })
                .collect();
            let cnt = set
                .attr_cnt_name
                .as_deref()
                .map_or_else(|| format!("__{pfx}MAX"), upper);
            let max = set
                .attr_max_name
                .as_deref()
                .map_or_else(|| format!("{pfx}MAX"), upper);
            let doc = Comment::plain(0)
                .lead(["Attribute set ", set.name.as_str(), ": "].concat())
                .doc(set.doc.as_deref())
                .into_text("\n");
            enums.push(counted_enum(
                doc,
                ynl_tag(set.enum_name.as_deref()),
                entries,
                cnt,
                max,
                nl.max_by_define,
            ));
        }
        if let (Some(d), Some(_)) = (&nl.directional, &model.operations) {
            enums.extend(directional_enums(model, d));
        } else if let Some(ops) = &model.operations {
            let pfx = op_prefix(model);
            let entries = ops
                .list
                .iter()
                .map(|o| {
                    let name = op_macro_with(&pfx, &o.name);
                    Define {
                        doc: enumerator_doc(&name, o.doc.as_deref(), o.since),
                        name,
                        value: o.value.to_string(),
                    }
                })
                .collect();
            let cnt = nl
                .cmd_cnt_name
                .as_deref()
                .map_or_else(|| format!("__{pfx}MAX"), upper);
            let max = nl
                .cmd_max_name
                .as_deref()
                .map_or_else(|| format!("{pfx}MAX"), upper);
            let doc = Comment::plain(0)
                .text("Operations: the op field of a control message.")
                .into_text("\n");
            enums.push(counted_enum(
                doc,
                ynl_tag(ops.enum_name.as_deref()),
                entries,
                cnt,
                max,
                nl.max_by_define,
            ));
        }
        let mcast = nl
            .mcast_groups
            .iter()
            .map(|g| Define {
                doc: String::new(),
                name: upper(
                    g.c_define_name
                        .as_deref()
                        .unwrap_or(&format!("{}-mcgrp-{}", model.name, g.name)),
                ),
                value: format!("\"{}\"", g.name),
            })
            .collect();
        NetlinkView {
            family,
            enums,
            mcast,
        }
    }
}

/// YNL's two message enums of the directional model (ynl_gen_c.py,
/// `render_uapi_directional`): `<FAMILY>_MSG_USER_NONE = 0` and the
/// requests, then `<FAMILY>_MSG_KERNEL_NONE = 0` and the replies and
/// notifications, each counted (`__<PREFIX>USER_CNT`, `<PREFIX>USER_MAX`).
fn directional_enums(model: &Model, d: &crate::model::DirectionalMsgs) -> [NetlinkEnum; 2] {
    let pfx = op_prefix(model);
    let one = |dir: &str, what: &str, msgs: &[(String, u32)]| {
        let mut entries = vec![Define {
            doc: String::new(),
            name: format!("{}_MSG_{dir}_NONE", upper(&model.name)),
            value: "0".to_string(),
        }];
        entries.extend(msgs.iter().map(|(stem, v)| Define {
            doc: String::new(),
            name: op_macro_with(&pfx, stem),
            value: v.to_string(),
        }));
        counted_enum(
            Comment::plain(0).text(what).into_text("\n"),
            "enum".to_string(),
            entries,
            format!("__{pfx}{dir}_CNT"),
            format!("{pfx}{dir}_MAX"),
            model.netlink.max_by_define,
        )
    };
    [
        one(
            "USER",
            "Messages from user space (YNL's directional model).",
            &d.user,
        ),
        one(
            "KERNEL",
            "Messages from the kernel (YNL's directional model).",
            &d.kernel,
        ),
    ]
}

/// An enum followed by its count (`__X_MAX`, one past the last entry) and
/// its maximum (`X_MAX`), as an enumerator or, with YNL's
/// `max-by-define`, a `#define`.
fn counted_enum(
    doc: String,
    tag: String,
    mut entries: Vec<Define>,
    cnt: String,
    max: String,
    max_by_define: bool,
) -> NetlinkEnum {
    entries.push(Define {
        doc: String::new(),
        name: cnt.clone(),
        value: String::new(),
    });
    let max = Define {
        doc: String::new(),
        name: max,
        value: format!("({cnt} - 1)"),
    };
    let mut after = Vec::new();
    if max_by_define {
        after.push(max);
    } else {
        entries.push(max);
    }
    NetlinkEnum {
        doc,
        tag,
        entries,
        after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Target;
    use std::sync::Arc;

    const SPEC: &str = r#"
name: demo
doc: A spec whose docs say BIT(3), __user and SZ_4K, and close a comment */ early.
revision: 2
ioctl:
  magic: 0x64
targets: [x86_64, i386]
definitions:
  - { name: max-things, type: const, value: 8, doc: "Not GENMASK(3, 0)." }
  - name: kind
    type: enum
    entries: [plain, { name: fancy, value: 7, doc: "Ends */ here /* nested", since: 2 }]
  - name: opts
    type: flags
    name-prefix: opt-
    entries: [a, { name: high, value: 35 }]
  - name: thing
    type: struct
    doc: A thing.
    members:
      - { name: id, type: u32, doc: "The id; a __user pointer is never used." }
      - { name: pad0, type: pad, len: 4 }
      - { name: addr, type: user-ptr, elem: u32, count: num, max-count: 4 }
      - { name: num, type: u32 }
      - { name: tag, type: string, len: 4 }
  - name: odd
    type: struct
    members:
      - { name: a, type: u32 }
      - { name: b, type: u64 }
ioctls:
  - { name: make, nr: 0x40, dir: inout, arg: thing, extension: strict, errors: [] }
  - { name: poke, nr: 0x41, dir: none, extension: zero-extend, errors: [] }
"#;

    fn demo() -> Arc<Model> {
        crate::load::load_str(SPEC, "spec/demo.yaml")
            .unwrap_or_else(|d| panic!("{}", d.iter().map(|d| d.to_string()).collect::<String>()))
    }

    fn header(model: &Model) -> String {
        let files = render(model).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, PathBuf::from("demo/c/demo.h"));
        files[0].contents.clone()
    }

    #[test]
    fn frame_and_names() {
        let h = header(&demo());
        assert!(h.starts_with(
            "/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */\n/*\n * Generated by "
        ));
        for want in [
            "#ifndef _DEMO_UAPI_H\n#define _DEMO_UAPI_H\n",
            "#include <linux/types.h>\n#include <linux/ioctl.h>\n",
            "#ifdef __cplusplus\nextern \"C\" {\n#endif\n",
            "#define DEMO_MAX_THINGS 8\n",
            "enum demo_kind {\n\tDEMO_KIND_PLAIN = 0,\n",
            "\tDEMO_KIND_FANCY = 7\n};\n",
            "#define OPT_A 0x1U\n",
            "#define OPT_HIGH 0x800000000ULL\n",
            "#define DEMO_OPTS_ALL 0x800000001ULL\n",
            "\t__u32 id;\n",
            "\t__u8 pad0[4];\n",
            "\t__u64 addr;\n",
            "@num elements of __u32, at most 4.",
            "\tchar tag[4];\n",
            "#define DEMO_IOCTL_MAGIC 0x64\n",
            "#define DEMO_NR_MAKE 0x40\n",
            "#define DEMO_IOCTL_MAKE _IOWR(DEMO_IOCTL_MAGIC, DEMO_NR_MAKE, struct demo_thing)\n",
            "#define DEMO_IOCTL_POKE _IO(DEMO_IOCTL_MAGIC, DEMO_NR_POKE)\n",
            "DEMO_ABI_CHECK(sizeof(struct demo_thing) == 24, demo_thing_size);\n",
            "DEMO_ABI_CHECK(__builtin_offsetof(struct demo_thing, num) == 16, demo_thing_num_offset);\n",
            "#undef DEMO_ABI_CHECK\n",
            "#ifdef __cplusplus\n}\n#endif\n\n#endif /* _DEMO_UAPI_H */\n",
        ] {
            assert!(h.contains(want), "missing {want:?} in\n{h}");
        }
        assert!(h.ends_with(" */\n") && !h.ends_with("\n\n"));
        // Items come in definition order, ioctls after them.
        let pos = |s: &str| h.find(s).unwrap_or_else(|| panic!("{s}"));
        assert!(pos("DEMO_MAX_THINGS") < pos("enum demo_kind"));
        assert!(pos("enum demo_kind") < pos("OPT_A"));
        assert!(pos("OPT_A") < pos("struct demo_thing {"));
        assert!(pos("struct demo_odd {") < pos("DEMO_IOCTL_MAGIC"));
    }

    #[test]
    fn layout_checks_split_by_target_only_when_layouts_differ() {
        let h = header(&demo());
        // `thing` lays out alike on both targets (its alignment differs on
        // i386, which the header does not check): one set of checks.
        assert_eq!(h.matches("demo_thing_size").count(), 1);
        // `odd` does not: one set per target, under that target's test.
        let odd = h.find("demo_odd_size").unwrap();
        let block = &h[h[..odd].rfind("#if ").unwrap()..];
        let block = &block[..block.find("#endif").unwrap()];
        assert!(block.starts_with(&format!("#if {}\n", Target::X86_64.c_condition())));
        assert!(block.contains(&format!("#elif {}\n", Target::I386.c_condition())));
        assert!(block.contains("__builtin_offsetof(struct demo_odd, b) == 8,"));
        assert!(block.contains("__builtin_offsetof(struct demo_odd, b) == 4,"));
        assert!(block.contains("sizeof(struct demo_odd) == 16,"));
        assert!(block.contains("sizeof(struct demo_odd) == 12,"));
    }

    #[test]
    fn no_kernel_only_macros() {
        let h = header(&demo());
        // The docs mention them; the code must not use them.
        assert!(h.contains("BIT(3)") && h.contains("__user") && h.contains("SZ_4K"));
        assert_eq!(kernel_only_tokens(&h), Vec::<String>::new());
        // The scanner itself sees them in code.
        let bad = "/* ok BIT(1) */\n#define A BIT(1)\nstruct x { __u64 __user *p; u32 q; };\n#define B SZ_4K\n";
        assert_eq!(kernel_only_tokens(bad), ["BIT", "__user", "u32", "SZ_4K"]);
    }

    #[test]
    fn docs_cannot_close_or_nest_comments() {
        let h = header(&demo());
        assert!(h.contains("close a comment * /"), "{h}");
        assert!(h.contains("Ends * / here / * nested"), "{h}");
        // Every comment opened is closed on the line the generator meant:
        // no `*/` inside and no `/*` nested.
        let mut depth = 0;
        for line in h.lines() {
            let mut rest = line;
            while let Some(i) = rest.find(['/', '*']) {
                if rest[i..].starts_with("/*") {
                    assert_eq!(depth, 0, "nested comment: {line}");
                    depth = 1;
                    rest = &rest[i + 2..];
                } else if rest[i..].starts_with("*/") {
                    assert_eq!(depth, 1, "stray */: {line}");
                    depth = 0;
                    rest = &rest[i + 2..];
                } else {
                    rest = &rest[i + 1..];
                }
            }
        }
        assert_eq!(depth, 0);
    }

    #[test]
    fn comment_lines_fit_80_columns() {
        let h = header(&demo());
        for line in h.lines() {
            let code = line.trim_start_matches('\t');
            if code.starts_with("/*") || code.starts_with('*') {
                let cols = (line.len() - code.len()) * 8 + code.chars().count();
                assert!(cols <= WIDTH, "{cols} columns: {line}");
            }
        }
    }

    #[test]
    fn includes_are_referenced_not_copied() {
        let base = demo();
        let mut other: Model = (*base).clone();
        other.name = "outer".into();
        other.uapi_header = "outer.h".into();
        other.structs.clear();
        other.consts.clear();
        other.enums.clear();
        other.definition_order.clear();
        other.includes = vec![base.clone()];
        other.tree = crate::model::SpecTree::new([(base.name.clone(), base.clone())].into());
        for io in &mut other.ioctls {
            io.name = format!("outer-{}", io.name);
        }
        let files = render(&other).unwrap();
        assert_eq!(files[0].path, PathBuf::from("outer/c/outer.h"));
        let h = &files[0].contents;
        assert!(h.contains("#include \"../../demo/c/demo.h\"\n"), "{h}");
        assert!(h.contains("struct demo_thing)\n"), "{h}");
        assert!(!h.contains("struct demo_thing {"), "{h}");
        assert!(h.contains("#ifndef _OUTER_UAPI_H"));
    }

    #[test]
    fn integer_literals() {
        assert_eq!(c_int(0), "0");
        assert_eq!(c_int(2_147_483_647), "2147483647");
        assert_eq!(c_int(2_147_483_648), "2147483648U");
        assert_eq!(c_int(4_294_967_296), "4294967296ULL");
        assert_eq!(c_int(-5), "(-5)");
        assert_eq!(c_int(-2_147_483_648), "(-2147483648LL)");
        assert_eq!(c_int(i128::from(i64::MIN)), "(-9223372036854775807LL - 1)");
        assert_eq!(c_int(i128::from(u64::MAX)), "18446744073709551615ULL");
        assert_eq!(c_mask(1), "0x1U");
        assert_eq!(c_mask(1 << 31), "0x80000000U");
        assert_eq!(c_mask(1 << 32), "0x100000000ULL");
    }

    #[test]
    fn guards_and_identifiers() {
        assert_eq!(guard("softaccel.h"), "_SOFTACCEL_UAPI_H");
        assert_eq!(guard("all-dirs.h"), "_ALL_DIRS_UAPI_H");
        assert_eq!(member_ident("src-bo"), "src_bo");
        assert_eq!(member_ident("class"), "class_");
        assert_eq!(member_ident("linux"), "linux_");
    }

    #[test]
    fn wrapping() {
        let lines = Comment::plain(0).text("word ".repeat(40)).lines();
        assert_eq!(lines.first().map(String::as_str), Some("/*"));
        assert_eq!(lines.last().map(String::as_str), Some(" */"));
        assert!(lines.iter().all(|l| l.len() <= WIDTH && !l.ends_with(' ')));
        assert_eq!(Comment::plain(0).text("short").lines(), ["/* short */"]);
        assert!(
            Comment::kernel_doc(0)
                .lead("struct x - ")
                .doc(None)
                .lines()
                .is_empty()
        );
        // Folded YAML: a newline separates paragraphs.
        let l = Comment::plain(0).text("one\ntwo").lines();
        assert_eq!(l, ["/*", " * one", " *", " * two", " */"]);
        let l = Comment::kernel_doc(0)
            .text("x")
            .hanging("EINVAL", &"y ".repeat(50))
            .lines();
        assert!(l[2].starts_with(" * EINVAL: y y"), "{l:?}");
        assert!(l[3].starts_with(" *   y y"), "{l:?}");
    }
}
