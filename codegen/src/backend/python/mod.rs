//! Python backend: one stdlib-only, typed package per spec,
//! `<spec>/python/<package>/__init__.py` (`<spec>_uapi` unless the project
//! file names it) with `py.typed`, beside its `pyproject.toml` and the
//! in-tree build backend that lets pip build it offline.
//!
//! The module holds ctypes structures laid out as the kernel's, the
//! spec's constants (enums as `IntEnum`, flags as `IntFlag`), command
//! numbers for the target the process runs on (picked by
//! `platform.machine()` and the pointer width from a per-target table), and
//! one function per ioctl that calls `fcntl.ioctl` with the argument as a
//! mutable buffer and raises an `OSError` subclass per documented errno.
//! At import it checks every struct size and member offset ctypes computed
//! against the model and raises `ImportError` on any difference.
//!
//! A spec's module imports the modules of the specs it includes: installed
//! packages, or, run in place, from their own output folders
//! (`../../<inc>/python` in `generated/`, relative to its own), which it
//! adds to `sys.path` when they exist;
//! included items are referenced there, never copied. Everything the
//! module defines is annotated so that `mypy --strict` passes on it and
//! on its callers.
//!
//! The shape of the file is the askama template `templates/python/module.py`;
//! this module prepares a flat view model, its blocks of lines (docstrings,
//! comments, struct fields) printed ready into one text each (see `text`).

mod rings;

use crate::backend::shared::PushFmt;
use crate::backend::shared::capacity_for;
use crate::backend::shared::{concat, push_decimal, push_hex, push_int};
use crate::backend::{GeneratedFile, OutputKind, OutputOptions, banner_lines};
use crate::backend::{RenderError, render_template, render_template_sized};
use crate::ioc::Dir;
use crate::model::{
    ByteOrder, Elem, Enum, EnumKind, Ioctl, ItemRef, Member, MemberKind, Model, PtrLen, Scalar,
    Struct, StructId, StructLayout,
};
use crate::names::{pascal, push_upper, snake, upper};
use crate::target::Target;
use crate::target::group_by;
use askama::Template;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::PathBuf;

mod spelling;
mod text;
pub use spelling::PythonTarget;
use text::{
    Paras, WIDTH, doc_paras, doc_text, push_comment, push_doc_paras, push_docstring, push_line,
    push_member_ident, push_py_str, py_str,
};

/// Renders the module of `model`. Included specs get their own module
/// from their own `render` call.
pub fn render(model: &Model) -> Result<Vec<GeneratedFile>, RenderError> {
    render_with(model, &crate::backend::OutputOptions::default())
}

/// [`render`], named as `opts` says.
pub fn render_with(
    model: &Model,
    opts: &crate::backend::OutputOptions,
) -> Result<Vec<GeneratedFile>, RenderError> {
    let contents = render_template_sized(
        model,
        "Python module",
        &ModuleView::new(model, opts)?,
        capacity_for(model, 360),
    )?;
    let dir = PathBuf::from(&model.name).join("python");
    let package = package_name(&model.name, opts);
    Ok(vec![
        GeneratedFile {
            path: dir.join("pyproject.toml"),
            contents: pyproject(model, opts),
        },
        GeneratedFile {
            path: dir.join(format!("{BACKEND}.py")),
            contents: build_backend(model, opts)?,
        },
        GeneratedFile {
            path: dir.join(&package).join("__init__.py"),
            contents,
        },
        // PEP 561: the package's own annotations are its types.
        GeneratedFile {
            path: dir.join(&package).join("py.typed"),
            contents: String::new(),
        },
    ])
}

/// Where [`render`] puts the module (the package's `__init__.py`),
/// relative to the output folder.
pub fn module_path(model: &Model) -> PathBuf {
    PathBuf::from(&model.name)
        .join("python")
        .join(module_name(&model.name))
        .join("__init__.py")
}

/// The default package name of a spec: `softaccel_uapi`.
pub fn module_name(spec: &str) -> String {
    format!("{}_uapi", snake(spec))
}

/// The package (import) name of a spec's output: the project file's
/// `[output.python] package`, `{spec}` in it standing for the spec's name
/// in snake case, else [`module_name`].
pub fn package_name(spec: &str, opts: &OutputOptions) -> String {
    match &opts.python_package {
        Some(p) => p.replace("{spec}", &snake(spec)),
        None => module_name(spec),
    }
}

/// The distribution name pip knows a package by: PEP 503's normal form
/// of the package name.
pub fn distribution_name(spec: &str, opts: &OutputOptions) -> String {
    package_name(spec, opts).replace('_', "-")
}

/// The module beside the package that builds it (PEP 517, in-tree).
const BACKEND: &str = "_uabi_build";

/// The package's `pyproject.toml`: its PEP 621 metadata (the spec's
/// revision as the version, the packages of included specs pinned to the
/// revision the module checks at import) and the in-tree build backend
/// that turns it into a wheel with nothing but the standard library, so
/// `pip install` works offline in a fresh venv.
fn pyproject(model: &Model, opts: &OutputOptions) -> String {
    use crate::backend::rust::cargo::toml_str;
    let mut s = String::new();
    for l in banner_lines(model) {
        s.push_fmt(format_args!("# {l}\n"));
    }
    s.push_fmt(format_args!(
        "\n[build-system]\n\
         # {BACKEND}.py beside this file: standard library only, no download.\n\
         requires = []\n\
         build-backend = \"{BACKEND}\"\n\
         backend-path = [\".\"]\n\
         \n[project]\n"
    ));
    s.push_fmt(format_args!(
        "name = {}\n",
        toml_str(&distribution_name(&model.name, opts))
    ));
    s.push_fmt(format_args!("version = \"{}\"\n", model.revision));
    s.push_fmt(format_args!(
        "description = {}\n",
        toml_str(&summary(model))
    ));
    s.push_str("requires-python = \">=3.9\"\n");
    s.push_fmt(format_args!(
        "license = {{ text = {} }}\n",
        toml_str(&crate::backend::license_of(model, opts))
    ));
    s.push_str("classifiers = [\"Typing :: Typed\"]\n");
    let deps: Vec<String> = requirements(model, opts)
        .iter()
        .map(|d| toml_str(d))
        .collect();
    s.push_fmt(format_args!("dependencies = [{}]\n", deps.join(", ")));
    s.push_str("\n[tool.uabi]\n");
    s.push_fmt(format_args!("spec = {}\n", toml_str(&model.source)));
    s.push_fmt(format_args!("revision = {}\n", model.revision));
    s
}

fn summary(model: &Model) -> String {
    format!(
        "The {} uapi for Python: ctypes structures, constants, command numbers \
         and ioctl calls (generated).",
        model.name
    )
}

/// The included specs' distributions, at the revision the module checks.
fn requirements(model: &Model, opts: &OutputOptions) -> Vec<String> {
    model
        .includes
        .iter()
        .map(|m| format!("{}=={}", distribution_name(&m.name, opts), m.revision))
        .collect()
}

#[derive(Template)]
#[template(path = "python/templates/build_backend.py", escape = "none")]
struct BackendView {
    banner: String,
    package: String,
    /// Python string literals.
    package_str: String,
    dist: String,
    version: String,
    /// The same, bare, for the METADATA text.
    dist_raw: String,
    version_raw: String,
    summary: String,
    license: String,
    requires: Vec<String>,
}

fn build_backend(model: &Model, opts: &OutputOptions) -> Result<String, RenderError> {
    let package = package_name(&model.name, opts);
    let dist = distribution_name(&model.name, opts);
    let version = model.revision.to_string();
    render_template(
        model,
        "Python build backend",
        &BackendView {
            banner: banner_lines(model)
                .iter()
                .map(|l| format!("# {l}"))
                .collect::<Vec<_>>()
                .join("\n"),
            package_str: py_str(&package),
            package,
            dist: py_str(&dist),
            dist_raw: dist,
            version: py_str(&version),
            version_raw: version,
            // The METADATA text sits in a triple-quoted string.
            summary: summary(model).replace('\\', "").replace('"', "'"),
            license: crate::backend::license_of(model, opts),
            requires: requirements(model, opts),
        },
    )
    // askama drops the template's last newline.
    .map(|s| s + "\n")
}

/// The Python name of a struct member (a ctypes field): snake case, with
/// `_` appended to keywords and to the names of `ctypes.Structure`'s own
/// class methods, which a field would hide.
pub fn member_ident(name: &str) -> String {
    let mut s = String::with_capacity(name.len() + 1);
    push_member_ident(&mut s, name);
    s
}

/// Is a member's snake-case name one a field cannot take as is?
fn taken_member_name(s: &str) -> bool {
    // Most names are neither: their first byte rules out every entry
    // without comparing strings (keywords and attributes are lower case
    // ASCII letters).
    match s.as_bytes().first() {
        Some(b) if KEYWORD_FIRST.contains(b) => {}
        _ => return false,
    }
    KEYWORDS.contains(&s) || STRUCTURE_ATTRS.contains(&s)
}

/// The first bytes of [`KEYWORDS`] and [`STRUCTURE_ATTRS`].
const KEYWORD_FIRST: &[u8] = b"abcdefgilnoprtwy";

/// The name of an ioctl's function: snake case, with `_` appended to
/// keywords and to the modules the generated module imports, which a
/// function of that name would replace.
pub fn function_ident(model: &Model, opts: &OutputOptions, ioctl: &str) -> String {
    let s = snake(ioctl);
    let taken = KEYWORDS.contains(&s.as_str())
        || MODULES.contains(&s.as_str())
        || model
            .includes
            .iter()
            .any(|m| package_name(&m.name, opts) == s);
    if taken { s + "_" } else { s }
}

/// The name of a user-pointer parameter of an ioctl's function: like a
/// member, but also clear of the function's own parameters and of the
/// names its body uses (`ctypes` for scalar element types, the included
/// modules for their structs).
fn param_ident(model: &Model, opts: &OutputOptions, member: &str) -> String {
    let s = member_ident(member);
    let taken = matches!(s.as_str(), "fd" | "arg" | "ctypes")
        || model
            .includes
            .iter()
            .any(|m| package_name(&m.name, opts) == s);
    if taken { s + "_" } else { s }
}

#[rustfmt::skip]
const KEYWORDS: &[&str] = &[
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
    "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with",
    "yield",
];

const STRUCTURE_ATTRS: &[&str] = &[
    "from_address",
    "from_buffer",
    "from_buffer_copy",
    "from_param",
    "in_dll",
];

/// Modules the generated module imports.
const MODULES: &[&str] = &["ctypes", "enum", "errno", "fcntl", "os", "platform", "sys"];

/// Exception class names and `strerror` texts for the errno names a spec
/// may document (`resolve::ERRNOS`). Names read as what went wrong, the
/// way Python's own `OSError` subclasses do, without their `Error` suffix.
#[rustfmt::skip]
const ERRNO_CLASSES: &[(&str, &str, &str)] = &[
    ("EPERM", "NotPermitted", "Operation not permitted"),
    ("ENOENT", "NotFound", "No such file or directory"),
    ("ESRCH", "NoSuchProcess", "No such process"),
    ("EINTR", "Interrupted", "Interrupted system call"),
    ("EIO", "InputOutputError", "Input/output error"),
    ("ENXIO", "NoSuchDeviceOrAddress", "No such device or address"),
    ("E2BIG", "ArgumentTooBig", "Argument list too long"),
    ("ENOEXEC", "ExecFormatError", "Exec format error"),
    ("EBADF", "BadFileDescriptor", "Bad file descriptor"),
    ("ECHILD", "NoChildProcesses", "No child processes"),
    ("EAGAIN", "TryAgain", "Resource temporarily unavailable"),
    ("ENOMEM", "OutOfMemory", "Cannot allocate memory"),
    ("EACCES", "AccessDenied", "Permission denied"),
    ("EFAULT", "BadAddress", "Bad address"),
    ("EBUSY", "Busy", "Device or resource busy"),
    ("EEXIST", "AlreadyExists", "File exists"),
    ("EXDEV", "CrossDeviceLink", "Invalid cross-device link"),
    ("ENODEV", "NoSuchDevice", "No such device"),
    ("ENOTDIR", "NotADirectory", "Not a directory"),
    ("EISDIR", "IsADirectory", "Is a directory"),
    ("EINVAL", "InvalidArgument", "Invalid argument"),
    ("ENFILE", "TooManyOpenFilesInSystem", "Too many open files in system"),
    ("EMFILE", "TooManyOpenFiles", "Too many open files"),
    ("ENOTTY", "InappropriateIoctl", "Inappropriate ioctl for device"),
    ("EFBIG", "FileTooLarge", "File too large"),
    ("ENOSPC", "NoSpace", "No space left on device"),
    ("ESPIPE", "IllegalSeek", "Illegal seek"),
    ("EROFS", "ReadOnlyFileSystem", "Read-only file system"),
    ("EMLINK", "TooManyLinks", "Too many links"),
    ("EPIPE", "BrokenPipe", "Broken pipe"),
    ("EDOM", "OutOfDomain", "Numerical argument out of domain"),
    ("ERANGE", "OutOfRange", "Numerical result out of range"),
    ("EDEADLK", "Deadlock", "Resource deadlock avoided"),
    ("ENAMETOOLONG", "NameTooLong", "File name too long"),
    ("ENOLCK", "NoLocks", "No locks available"),
    ("ENOSYS", "FunctionNotImplemented", "Function not implemented"),
    ("ENOTEMPTY", "NotEmpty", "Directory not empty"),
    ("ELOOP", "TooManySymbolicLinks", "Too many levels of symbolic links"),
    ("ENOMSG", "NoMessage", "No message of desired type"),
    ("EIDRM", "IdentifierRemoved", "Identifier removed"),
    ("ENODATA", "NoData", "No data available"),
    ("ETIME", "TimerExpired", "Timer expired"),
    ("ENOLINK", "LinkSevered", "Link has been severed"),
    ("EPROTO", "ProtocolError", "Protocol error"),
    ("EBADMSG", "BadMessage", "Bad message"),
    ("EOVERFLOW", "ValueOverflow", "Value too large for defined data type"),
    ("EILSEQ", "IllegalByteSequence", "Invalid or incomplete multibyte or wide character"),
    ("ERESTART", "ShouldRestart", "Interrupted system call should be restarted"),
    ("EMSGSIZE", "MessageTooLong", "Message too long"),
    ("EOPNOTSUPP", "NotSupported", "Operation not supported"),
    ("ENOTSUPP", "KernelNotSupported", "Operation is not supported (kernel-internal ENOTSUPP)"),
    ("ECANCELED", "Canceled", "Operation canceled"),
    ("ETIMEDOUT", "TimedOut", "Connection timed out"),
    ("EALREADY", "AlreadyInProgress", "Operation already in progress"),
    ("EINPROGRESS", "InProgress", "Operation now in progress"),
    ("ESTALE", "Stale", "Stale file handle"),
    ("EDQUOT", "QuotaExceeded", "Disk quota exceeded"),
    ("ENOBUFS", "NoBufferSpace", "No buffer space available"),
    ("ECONNRESET", "ConnectionReset", "Connection reset by peer"),
    ("EHOSTDOWN", "HostDown", "Host is down"),
    ("EOWNERDEAD", "OwnerDead", "Owner died"),
    ("ENOTRECOVERABLE", "NotRecoverable", "State not recoverable"),
    ("ERFKILL", "RfKilled", "Operation not possible due to RF-kill"),
    ("EHWPOISON", "HardwarePoisoned", "Memory page has hardware error"),
    ("ENOKEY", "NoKey", "Required key not available"),
    ("EKEYEXPIRED", "KeyExpired", "Key has expired"),
    ("EBADE", "InvalidExchange", "Invalid exchange"),
    ("EBADR", "InvalidRequestDescriptor", "Invalid request descriptor"),
    ("ENOTCONN", "NotConnected", "Transport endpoint is not connected"),
    ("ESHUTDOWN", "ShutDown", "Cannot send after transport endpoint shutdown"),
    ("ECOMM", "CommunicationError", "Communication error on send"),
    ("ENOSR", "NoStreamResources", "Out of streams resources"),
];

/// The exception class of an errno name, and its description.
pub fn errno_class(errno: &str) -> (String, String) {
    match ERRNO_CLASSES.iter().find(|(e, _, _)| *e == errno) {
        Some((_, class, text)) => (class.to_string(), text.to_string()),
        // The resolver accepts only names of the table; keep any other
        // name usable anyway.
        None => (format!("Errno{errno}"), errno.to_string()),
    }
}

/// The exception class of an errno name, borrowed from the table.
fn errno_class_name(errno: &str) -> Cow<'static, str> {
    match ERRNO_CLASSES.iter().find(|(e, _, _)| *e == errno) {
        Some((_, class, _)) => Cow::Borrowed(class),
        None => Cow::Owned(format!("Errno{errno}")),
    }
}

/// Pointer width of a target's userspace, in bits: which of two targets
/// sharing a `platform.machine()` value (a 32-bit Python on a 64-bit
/// kernel) the process is.
fn pointer_bits(t: Target) -> u32 {
    match t {
        Target::I386 | Target::Arm | Target::Mips => 32,
        _ => 64,
    }
}

/// `platform.machine()` values under which a 32-bit process of the given
/// target runs on a 64-bit kernel.
fn compat_machines(t: Target) -> &'static [&'static str] {
    match t {
        Target::I386 => Target::X86_64.python_machines(),
        Target::Arm => Target::Aarch64.python_machines(),
        _ => &[],
    }
}

// ---------------------------------------------------------------- text

/// "Since revision N." for an item newer than the spec's first revision.
fn since(paras: &mut Paras<'_>, since: u32) {
    if since > 1 {
        let mut text = String::with_capacity(24);
        text.push_str("Since revision ");
        push_decimal(&mut text, since);
        text.push('.');
        paras.push(Cow::Owned(text));
    }
}

/// Room for a block of `paras` wrapped at an indentation: their text, a
/// line's newline, indentation and `# ` for every 64 bytes of it (lines
/// are a little longer, so this is generous), and the quotes or `#` lines
/// around them.
fn block_capacity(paras: &[Cow<'_, str>], indent: usize) -> usize {
    paras
        .iter()
        .map(|p| p.len() + (p.len() / 64 + 2) * (indent + 3))
        .sum::<usize>()
        + indent
        + 8
}

/// The block of `# ` comment lines of `paras` (see [`text`]).
fn comment(paras: &[Cow<'_, str>], indent: usize) -> String {
    let mut out = String::with_capacity(block_capacity(paras, indent));
    push_comment(&mut out, paras, indent);
    out
}

/// The block of a docstring of `paras` (see [`text`]).
fn docstring(paras: &[Cow<'_, str>], indent: usize) -> String {
    let mut out = String::with_capacity(block_capacity(paras, indent));
    push_docstring(&mut out, paras, indent);
    out
}

// ---------------------------------------------------------------- view model
//
// Blocks of lines (docstrings, comments, struct fields, enum entries,
// layout offsets, command assignments) are `String`s whose every line
// follows its own newline (see [`text`]); the template prints each right
// after the line before it with `{{- block }}`.

#[derive(Template)]
#[template(path = "python/templates/module.py", escape = "none")]
struct ModuleView<'a> {
    /// The banner as `#` comment lines.
    banner: String,
    module: String,
    spec: &'a str,
    revision: u32,
    /// The module docstring, a block.
    docstring: String,
    /// The python output folders of the direct includes, relative to this
    /// one's, a Python tuple literal.
    include_folders: String,
    includes: Vec<IncludeView>,
    /// `from <module> import (...)` of shared exception classes.
    imports: Vec<ImportView>,
    /// Whether this module defines `UabiError` (it has no includes).
    defines_base: bool,
    errors: Vec<ErrorClassView>,
    targets: Vec<TargetKey>,
    target_names: String,
    items: Vec<Item>,
    layouts: Vec<LayoutGroup>,
    struct_count: usize,
    magic: Option<String>,
    /// `NR_<IOCTL>: _typing.Final = <nr>` lines, a block.
    nrs: String,
    /// The command constants' declarations when their value depends on
    /// the target (a type checker sees every branch), a block.
    cmd_decls: String,
    cmd_groups: Vec<CmdGroup>,
    /// The ioctls' names in upper case (their command constants are
    /// `IOCTL_<name>`), for the `__main__` listing.
    ioctl_uppers: Vec<String>,
    error_tables: Vec<ErrorTable>,
    functions: Vec<FunctionView>,
    /// The control-message codec (templates/python/netlink.py), rendered;
    /// empty without operations.
    netlink: String,
    /// The ring layouts and helper (templates/python/rings.py), rendered;
    /// empty without rings.
    rings: String,
}

struct IncludeView {
    module: String,
    revision: u32,
}

struct ImportView {
    module: String,
    names: Vec<String>,
}

struct ErrorClassView {
    name: String,
    /// The docstring, a block.
    doc: String,
}

struct TargetKey {
    machine: String,
    bits: u32,
    target: String,
    /// A trailing comment.
    note: &'static str,
}

enum Item {
    Const(ConstView),
    Enum(EnumView),
    Struct(StructView),
}

struct ConstView {
    /// Whether a class precedes it, so it needs a second blank line.
    gap: bool,
    /// The comment, a block.
    doc: String,
    name: String,
    value: String,
}

struct EnumView {
    /// The docstring, a block.
    doc: String,
    name: String,
    base: &'static str,
    /// Each entry's comment and assignment, a block.
    entries: String,
    /// The `<FLAGS>_ALL` constant of a flags set.
    all: Option<ConstView>,
}

struct StructView {
    name: String,
    /// `Structure`, or `Union` for a union (ctypes lays it out as C).
    base: &'static str,
    /// The docstring, a block.
    doc: String,
    /// The anonymous members, as a Python tuple (`_anonymous_`).
    anonymous: Option<String>,
    /// Each `_fields_` entry with its comment, a block.
    fields: String,
}

/// The layout checks of one struct: unconditional when its layout is the
/// same on every target, else one `if`/`elif` branch per layout.
struct LayoutGroup {
    class: String,
    branches: Vec<LayoutBranch>,
}

struct LayoutBranch {
    /// `if TARGET == "x86_64":`, or None for the unconditional check.
    cond: Option<String>,
    indent: &'static str,
    size: u32,
    /// `(<member>, <offset>),` lines, a block.
    offsets: String,
}

struct CmdGroup {
    cond: Option<String>,
    /// `IOCTL_<name> = <cmd>` lines, a block.
    cmds: String,
}

struct ErrorTable {
    ioctl: String,
    /// `(<errno>, <class>),` lines, a block.
    entries: String,
}

struct FunctionView {
    name: String,
    ioctl: String,
    params: String,
    /// The docstring, a block.
    docstring: String,
    cmd: String,
    arg: &'static str,
    /// The argument's class, or None: also the return annotation.
    arg_type: String,
    ptrs: Vec<String>,
}

impl<'a> ModuleView<'a> {
    fn new(model: &'a Model, opts: &OutputOptions) -> Result<ModuleView<'a>, RenderError> {
        let module = package_name(&model.name, opts);
        let mut items: Vec<Item> = Vec::with_capacity(model.definition_order.len());
        let mut layouts = Vec::with_capacity(model.structs.len());
        for item in &model.definition_order {
            let after_class = !matches!(items.last(), None | Some(Item::Const(_)));
            items.push(match *item {
                ItemRef::Const(i) => {
                    let c = &model.consts[i];
                    let mut doc = doc_paras(c.doc.as_deref());
                    since(&mut doc, c.since);
                    Item::Const(ConstView {
                        gap: after_class,
                        doc: comment(&doc, 0),
                        name: upper(&c.name),
                        // ctypes' c_ulong is the running target's.
                        value: match c.c_type {
                            Some(crate::model::CType::ULong) => {
                                format!("ctypes.c_ulong({}).value", c.value)
                            }
                            None => c.value.to_string(),
                        },
                    })
                }
                ItemRef::Enum(i) => Item::Enum(enum_view(&model.enums[i])),
                ItemRef::Struct(i) => {
                    let (view, layout) = struct_item(model, opts, &model.structs[i]);
                    layouts.push(layout);
                    Item::Struct(view)
                }
            });
        }
        let (imports, errors) = error_classes(model, opts);
        let defines_base = model.includes.is_empty();
        // Each ioctl's name in upper case, cased once for its constants,
        // its function and the listing.
        let uppers: Vec<String> = model.ioctls.iter().map(|io| upper(&io.name)).collect();
        let (functions, error_tables) = model
            .ioctls
            .iter()
            .zip(&uppers)
            .map(|(io, u)| function(model, opts, io, u))
            .unzip();
        let cmd_groups_by_target = cmd_target_groups(model);
        Ok(ModuleView {
            banner: banner_lines(model)
                .iter()
                .map(|l| format!("# {l}"))
                .collect::<Vec<_>>()
                .join("\n"),
            spec: &model.name,
            revision: model.revision,
            docstring: docstring(&module_doc(model, opts), 0),
            include_folders: tuple(model.includes.iter().map(|m| {
                py_str(&opts.layout.relative(
                    (&model.name, OutputKind::Python),
                    (&m.name, OutputKind::Python),
                ))
            })),
            includes: model
                .includes
                .iter()
                .map(|m| IncludeView {
                    module: package_name(&m.name, opts),
                    revision: m.revision,
                })
                .collect(),
            imports,
            defines_base,
            errors,
            targets: target_keys(model),
            target_names: model
                .targets
                .iter()
                .map(|t| t.name())
                .collect::<Vec<_>>()
                .join(", "),
            items,
            layouts,
            struct_count: model.structs.len(),
            magic: model.magic.map(|m| format!("{m:#04x}")),
            nrs: nr_lines(model, &uppers),
            cmd_decls: cmd_decls(model, &uppers, cmd_groups_by_target.len() > 1),
            cmd_groups: cmd_groups(model, &uppers, cmd_groups_by_target),
            ioctl_uppers: uppers,
            error_tables,
            functions,
            netlink: NetlinkPyView::render_for(model, opts)?,
            rings: rings::python_section(model, opts)?,
            module,
        })
    }
}

/// A Python tuple literal of already-quoted items.
fn tuple(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    match items.len() {
        1 => format!("({},)", items[0]),
        _ => format!("({})", items.join(", ")),
    }
}

fn module_doc<'a>(model: &'a Model, opts: &OutputOptions) -> Paras<'a> {
    let mut doc = vec![Cow::Owned(format!(
        "The {} uapi, revision {}, for Python: ctypes structures, constants, \
         command numbers and one function per ioctl.",
        model.name, model.revision
    ))];
    push_doc_paras(&mut doc, model.doc.as_deref());
    doc.push(Cow::Borrowed(
        "Structures are ctypes.Structure classes laid out as the kernel's; \
         importing the module checks every size and member offset against the \
         spec and raises ImportError on a difference. Command numbers are those \
         of the target the process runs on (TARGET), picked by \
         platform.machine() and the pointer width; an unknown machine raises \
         ImportError.",
    ));
    doc.push(Cow::Borrowed(
        "Each ioctl has a function taking an open file descriptor (an int, or an \
         object with fileno()) and the argument structure, which is passed to \
         fcntl.ioctl as a mutable buffer, updated in place and returned. A \
         failed call raises UabiError, an OSError, or the subclass naming an \
         errno the spec documents for that ioctl.",
    ));
    if !model.includes.is_empty() {
        let names: Vec<String> = model
            .includes
            .iter()
            .map(|m| package_name(&m.name, opts))
            .collect();
        doc.push(Cow::Owned(format!(
            "Items of the included specs live in their own packages ({}), \
             installed beside this one or, run in place, imported from the \
             generated folders beside this one.",
            names.join(", ")
        )));
    }
    doc
}

/// The exception classes this module needs: those of errnos documented
/// by its own ioctls or by the ioctls of a spec it includes. A class an
/// included module defines is imported from it, so one `except` clause
/// catches the errors of every spec.
fn error_classes(model: &Model, opts: &OutputOptions) -> (Vec<ImportView>, Vec<ErrorClassView>) {
    // Borrowed: an errno is copied only where a class is imported.
    fn documented(m: &Model) -> BTreeSet<&str> {
        m.ioctls
            .iter()
            .flat_map(|io| io.errors.iter().map(|e| e.errno.as_str()))
            .collect()
    }
    let includes = model.all_includes();
    // Which module defines each class: the first included spec (in
    // dependency order) that documents the errno.
    let mut defined_by: Vec<(String, String)> = Vec::new();
    for inc in &includes {
        for e in documented(inc) {
            if !defined_by.iter().any(|(x, _)| x == e) {
                defined_by.push((e.to_string(), package_name(&inc.name, opts)));
            }
        }
    }
    let mut imports: Vec<ImportView> = Vec::new();
    if let Some(root) = includes.first() {
        imports.push(ImportView {
            module: package_name(&root.name, opts),
            names: vec!["UabiError".to_string()],
        });
    }
    let mut errnos: Vec<&(String, String)> = defined_by.iter().collect();
    // Each key made once (the errnos are distinct, so the order is the
    // same as a stable sort's).
    errnos.sort_by_cached_key(|(e, _)| order_of(e));
    for (e, module) in errnos {
        let class = errno_class(e).0;
        match imports.iter_mut().find(|i| i.module == *module) {
            Some(i) => i.names.push(class),
            None => imports.push(ImportView {
                module: module.clone(),
                names: vec![class],
            }),
        }
    }
    let mut own: Vec<&str> = documented(model)
        .into_iter()
        .filter(|e| !defined_by.iter().any(|(x, _)| x == e))
        .collect();
    own.sort_by_cached_key(|e| order_of(e));
    let errors = own
        .iter()
        .map(|e| {
            let (name, text) = errno_class(e);
            ErrorClassView {
                name,
                doc: docstring(&[Cow::Owned(format!("{e}: {text}."))], 4),
            }
        })
        .collect();
    (imports, errors)
}

/// Errnos in the order of the errno table (by number on most targets),
/// unknown names last.
fn order_of(errno: &str) -> (usize, String) {
    (
        ERRNO_CLASSES
            .iter()
            .position(|(e, _, _)| *e == errno)
            .unwrap_or(usize::MAX),
        errno.to_string(),
    )
}

fn target_keys(model: &Model) -> Vec<TargetKey> {
    let mut keys: Vec<TargetKey> = Vec::new();
    let mut push = |machine: &str, bits: u32, target: Target, note: &'static str| {
        if !keys.iter().any(|k| k.machine == machine && k.bits == bits) {
            keys.push(TargetKey {
                machine: py_str(machine),
                bits,
                target: py_str(target.name()),
                note,
            });
        }
    };
    for &t in &model.targets {
        for m in t.python_machines() {
            push(m, pointer_bits(t), t, "");
        }
    }
    for &t in &model.targets {
        for m in compat_machines(t) {
            push(
                m,
                pointer_bits(t),
                t,
                "  # 32-bit Python on a 64-bit kernel",
            );
        }
    }
    keys
}

fn enum_view(e: &Enum) -> EnumView {
    let mut doc = doc_paras(e.doc.as_deref());
    if doc.is_empty() {
        doc.push(Cow::Owned(format!("Values of {}.", e.name)));
    }
    since(&mut doc, e.since);
    let flags = e.kind == EnumKind::Flags;
    let name = pascal(&e.name);
    let mut entries = String::with_capacity(96 * e.entries.len());
    // One list of paragraphs for every entry's comment.
    let mut entry_doc: Paras<'_> = Vec::with_capacity(4);
    for x in &e.entries {
        entry_doc.clear();
        push_doc_paras(&mut entry_doc, x.doc.as_deref());
        if let Some(f) = &x.field {
            entry_doc.push(Cow::Owned(format!(
                "The field of bits {} to {}.",
                f.low, f.high
            )));
        }
        since(&mut entry_doc, x.since);
        push_comment(&mut entries, &entry_doc, 4);
        push_line(&mut entries, 4, &[]);
        push_upper(&mut entries, &x.name);
        if flags {
            entries.push_str(" = ");
            push_hex(&mut entries, x.bits(), 1);
        } else {
            entries.push_str(" = ");
            push_int(&mut entries, x.value);
        }
        // A multi-bit field's values, placed in the word.
        if let Some(f) = &x.field {
            for v in &f.values {
                let note = format!("`{}` in field `{}`.", v.name, x.name);
                push_comment(&mut entries, &[Cow::Owned(note)], 4);
                // The upper case of `<entry>-<value>`.
                push_line(&mut entries, 4, &[]);
                push_upper(&mut entries, &x.name);
                entries.push('_');
                push_upper(&mut entries, &v.name);
                entries.push_str(" = ");
                push_hex(&mut entries, f.shifted(v), 1);
            }
        }
    }
    EnumView {
        doc: docstring(&doc, 4),
        base: if flags {
            "enum.IntFlag"
        } else {
            "enum.IntEnum"
        },
        entries,
        all: flags.then(|| ConstView {
            gap: false,
            doc: comment(
                &[Cow::Owned(format!(
                    "Every bit of {} defined by this revision.",
                    e.name
                ))],
                0,
            ),
            name: format!("{}_ALL", upper(&e.name)),
            value: format!("{name}({:#x})", e.mask()),
        }),
        name,
    }
}

/// A struct of this spec (`Cmd`) or of an included one (`accel_uapi.Cmd`).
pub(crate) fn struct_ref(model: &Model, opts: &OutputOptions, id: &StructId) -> String {
    // Room for most class names, made once rather than grown.
    let mut out = String::with_capacity(32);
    push_struct_ref(&mut out, model, opts, id);
    out
}

/// [`struct_ref`] appended to `out`.
fn push_struct_ref(out: &mut String, model: &Model, opts: &OutputOptions, id: &StructId) {
    if id.spec() != model.name {
        out.push_str(&package_name(id.spec(), opts));
        out.push('.');
    }
    out.push_str(&pascal(&model.struct_(id).name));
}

fn scalar_ctype(t: Scalar) -> &'static str {
    match t {
        Scalar::U8 => "ctypes.c_uint8",
        Scalar::U16 => "ctypes.c_uint16",
        Scalar::U32 => "ctypes.c_uint32",
        Scalar::U64 => "ctypes.c_uint64",
        Scalar::S8 => "ctypes.c_int8",
        Scalar::S16 => "ctypes.c_int16",
        Scalar::S32 => "ctypes.c_int32",
        Scalar::S64 => "ctypes.c_int64",
    }
}

fn elem_ctype(model: &Model, opts: &OutputOptions, elem: &Elem) -> String {
    match elem {
        Elem::Scalar(t) => scalar_ctype(*t).to_string(),
        Elem::Struct(id) => struct_ref(model, opts, id),
    }
}

/// A member's ctypes type appended to `out`.
fn push_member_ctype(out: &mut String, model: &Model, opts: &OutputOptions, m: &Member) {
    match &m.kind {
        MemberKind::Scalar { ty, count } => {
            // ctypes swaps the bytes of a field of a non-native order type.
            let ctype = scalar_ctype(*ty);
            match (m.byte_order, ty.size()) {
                // Through getattr: typeshed does not declare the swapped
                // types, and the fields list takes any ctypes type.
                (Some(ByteOrder::Big), 2..) => {
                    out.push_fmt(format_args!("getattr({ctype}, \"__ctype_be__\")"));
                }
                (Some(ByteOrder::Little), 2..) => {
                    out.push_fmt(format_args!("getattr({ctype}, \"__ctype_le__\")"));
                }
                _ => out.push_str(ctype),
            }
            if count.is_some() {
                push_array_dims(out, m);
            }
        }
        MemberKind::Pad {
            scalar: Some(p), ..
        } => {
            out.push_str(scalar_ctype(p.ty));
            if let Some(n) = p.count {
                out.push_fmt(format_args!(" * {n}"));
            }
        }
        MemberKind::Pad { len, scalar: None } | MemberKind::Binary { len } => {
            out.push_fmt(format_args!("ctypes.c_uint8 * {len}"));
        }
        MemberKind::String { len } => out.push_fmt(format_args!("ctypes.c_char * {len}")),
        MemberKind::Struct { id, count: Some(_) } => {
            push_struct_ref(out, model, opts, id);
            push_array_dims(out, m);
        }
        MemberKind::Struct { id, count: None } | MemberKind::Union { id } => {
            push_struct_ref(out, model, opts, id);
        }
        MemberKind::UserPtr { .. } => out.push_str("ctypes.c_uint64"),
    }
}

/// The ` * <n>` of an array member's type after its element's: `T * 8 * 4`
/// is `(T * 8) * 4`, C's `x[4][8]`.
fn push_array_dims(out: &mut String, m: &Member) {
    for &n in m.dim_lens().iter().rev() {
        out.push_str(" * ");
        push_decimal(out, n);
    }
}

/// A struct's class and its layout checks, made in one pass over its
/// members: each member's name is cased and quoted once for both.
fn struct_item(model: &Model, opts: &OutputOptions, s: &Struct) -> (StructView, LayoutGroup) {
    let mut doc = doc_paras(s.doc.as_deref());
    if doc.is_empty() {
        let kind = if s.is_union { "Union" } else { "Struct" };
        doc.push(Cow::Owned(format!(
            "{kind} {} of the {} spec.",
            s.name, model.name
        )));
    }
    since(&mut doc, s.since);
    let mut branches = layout_branches(model, s);
    let mut fields = String::with_capacity(96 * s.members.len());
    // ctypes' `_anonymous_` makes an anonymous member's fields the
    // holder's, as C does (`out.usage_cnt`): a tuple of their names.
    let mut anonymous = String::new();
    let mut anonymous_count = 0;
    // Reused for every member.
    let mut field_doc: Paras<'_> = Vec::with_capacity(4);
    let mut ident = String::with_capacity(32);
    let mut quoted = String::with_capacity(34);
    for (i, m) in s.members.iter().enumerate() {
        ident.clear();
        push_member_ident(&mut ident, &m.name);
        quoted.clear();
        push_py_str(&mut quoted, &ident);
        field_doc.clear();
        push_field_doc(&mut field_doc, model, opts, s, m);
        push_comment(&mut fields, &field_doc, 8);
        push_line(&mut fields, 8, &["(", &quoted, ", "]);
        push_member_ctype(&mut fields, model, opts, m);
        fields.push_str("),");
        for (b, offsets) in &mut branches {
            if let Some(offset) = offsets.get(i) {
                push_line(&mut b.offsets, b.indent.len() + 4, &["(", &quoted, ", "]);
                push_decimal(&mut b.offsets, *offset);
                b.offsets.push_str("),");
            }
        }
        if m.anonymous {
            anonymous.push_str(if anonymous_count == 0 { "(" } else { ", " });
            anonymous.push_str(&quoted);
            anonymous_count += 1;
        }
    }
    let class = pascal(&s.name);
    let view = StructView {
        name: class.clone(),
        base: if s.is_union { "Union" } else { "Structure" },
        doc: docstring(&doc, 4),
        anonymous: match anonymous_count {
            0 => None,
            1 => Some(anonymous + ",)"),
            _ => Some(anonymous + ")"),
        },
        fields,
    };
    let layout = LayoutGroup {
        class,
        branches: branches.into_iter().map(|(b, _)| b).collect(),
    };
    (view, layout)
}

/// The paragraphs of a member's comment, appended to `doc`.
fn push_field_doc<'a>(
    doc: &mut Paras<'a>,
    model: &Model,
    opts: &OutputOptions,
    s: &Struct,
    m: &'a Member,
) {
    push_doc_paras(doc, m.doc.as_deref());
    if let MemberKind::Pad { .. } = m.kind
        && doc.is_empty()
    {
        doc.push(Cow::Borrowed("Reserved, must be zero."));
    }
    if let MemberKind::UserPtr {
        elem,
        len,
        max_count,
        stride,
    } = &m.kind
    {
        doc.push(Cow::Owned(user_ptr_note(
            model, opts, s, elem, len, *max_count, *stride,
        )));
    }
    if let Some(a) = m.address {
        doc.push(Cow::Borrowed(a.doc()));
    }
    since(doc, m.since);
}

/// The layout check branches of a struct, their offsets still to print,
/// each beside the offsets it checks.
fn layout_branches<'a>(model: &Model, s: &'a Struct) -> Vec<(LayoutBranch, &'a [u32])> {
    let branch = |cond: Option<String>, l: &'a StructLayout| {
        let b = LayoutBranch {
            indent: if cond.is_some() { "    " } else { "" },
            cond,
            size: l.size,
            offsets: String::with_capacity(24 * l.offsets.len()),
        };
        (b, l.offsets.as_slice())
    };
    match s.uniform_layout(&model.targets) {
        Some(l) => vec![branch(None, l)],
        None => group_by(&model.targets, |t| s.layout(t))
            .into_iter()
            .enumerate()
            .map(|(i, (l, ts))| {
                let kw = if i == 0 { "if" } else { "elif" };
                branch(Some(format!("{kw} {}:", target_test(&ts))), l)
            })
            .collect(),
    }
}

fn user_ptr_note(
    model: &Model,
    opts: &OutputOptions,
    s: &Struct,
    elem: &Elem,
    len: &PtrLen,
    max: Option<u64>,
    stride: Option<usize>,
) -> String {
    crate::backend::shared::user_ptr_note(
        "an address",
        &elem_ctype(model, opts, elem),
        len,
        max,
        stride,
        |i| {
            s.members
                .get(i)
                .map_or_else(|| "?".to_string(), |m| member_ident(&m.name))
        },
    )
}

/// `TARGET == "x86_64"` or `TARGET in ("x86_64", "i386")`.
fn target_test(ts: &[Target]) -> String {
    match ts {
        [t] => format!("TARGET == {}", py_str(t.name())),
        _ => format!("TARGET in {}", tuple(ts.iter().map(|t| py_str(t.name())))),
    }
}

/// The spec's targets grouped by their command numbers (one group when
/// every target shares them).
fn cmd_target_groups(model: &Model) -> Vec<(Vec<Option<u32>>, Vec<Target>)> {
    group_by(&model.targets, |t| {
        model
            .ioctls
            .iter()
            .map(|io| io.cmds.get(&t).copied().flatten())
            .collect::<Vec<_>>()
    })
}

/// `NR_<IOCTL>: _typing.Final = <nr>` of each ioctl, a block.
fn nr_lines(model: &Model, uppers: &[String]) -> String {
    let mut out = String::with_capacity(uppers.iter().map(|u| u.len() + 32).sum());
    for (io, u) in model.ioctls.iter().zip(uppers) {
        push_line(&mut out, 0, &["NR_", u, ": _typing.Final = "]);
        push_hex(&mut out, u64::from(io.nr), 2);
    }
    out
}

/// `IOCTL_X: int` (or `int | None` where a target has no command) before
/// per-target assignments, a block; none when every target shares the
/// numbers.
fn cmd_decls(model: &Model, uppers: &[String], per_target: bool) -> String {
    if !per_target {
        return String::new();
    }
    let mut out = String::with_capacity(uppers.iter().map(|u| u.len() + 24).sum());
    for (io, u) in model.ioctls.iter().zip(uppers) {
        let some_none = model
            .targets
            .iter()
            .any(|t| io.cmds.get(t).copied().flatten().is_none());
        let ty = if some_none { "int | None" } else { "int" };
        push_line(&mut out, 0, &["IOCTL_", u, ": ", ty]);
    }
    out
}

fn cmd_groups(
    model: &Model,
    uppers: &[String],
    groups: Vec<(Vec<Option<u32>>, Vec<Target>)>,
) -> Vec<CmdGroup> {
    if model.ioctls.is_empty() {
        return Vec::new();
    }
    let single = groups.len() == 1;
    let indent = if single { 0 } else { 4 };
    groups
        .into_iter()
        .enumerate()
        .map(|(i, (cmds, ts))| {
            let kw = if i == 0 { "if" } else { "elif" };
            let mut lines = String::with_capacity(uppers.iter().map(|u| u.len() + 40).sum());
            for (u, c) in uppers.iter().zip(cmds) {
                push_line(&mut lines, indent, &["IOCTL_", u]);
                // One value on every target: a constant.
                match (single, c) {
                    (true, Some(_)) => lines.push_str(": _typing.Final"),
                    (true, None) => lines.push_str(": int | None"),
                    (false, _) => {}
                }
                // An argument too large for the target's size field has
                // no command there (a lint error).
                match c {
                    Some(c) => {
                        lines.push_str(" = ");
                        push_hex(&mut lines, u64::from(c), 8);
                    }
                    None => lines.push_str(" = None"),
                }
            }
            CmdGroup {
                cond: (!single).then(|| format!("{kw} {}:", target_test(&ts))),
                cmds: lines,
            }
        })
        .collect()
}

fn dir_words(d: Dir) -> &'static str {
    match d {
        Dir::None => "_IO: no argument",
        Dir::In => "_IOW: the kernel reads arg",
        Dir::Out => "_IOR: the kernel writes arg",
        Dir::InOut => "_IOWR: the kernel reads and writes arg",
    }
}

/// An ioctl's function, and its table of errno classes (each class looked
/// up once for both).
fn function(
    model: &Model,
    opts: &OutputOptions,
    io: &Ioctl,
    upper_name: &str,
) -> (FunctionView, ErrorTable) {
    let mut cmd = String::with_capacity(upper_name.len() + 6);
    cmd.push_str("IOCTL_");
    cmd.push_str(upper_name);
    let arg = io
        .arg
        .as_ref()
        .filter(|_| io.dir != Dir::None)
        .map(|a| (model.struct_(a), struct_ref(model, opts, a)));
    let mut doc = doc_paras(io.doc.as_deref());
    // A paragraph for each error, the call's and the closing one.
    doc.reserve(io.errors.len() + 3);
    if doc.is_empty() {
        let mut calls = String::with_capacity(io.name.len() + 16);
        calls.push_str("Calls the ");
        calls.push_str(&io.name);
        calls.push_str(" ioctl.");
        doc.push(Cow::Owned(calls));
    }
    // `fd`, `arg`, `/` and room for a keyword or two, made once.
    let mut params: Vec<Cow<'_, str>> = Vec::with_capacity(6);
    params.push(Cow::Borrowed("fd: _Fd"));
    let mut ptrs = Vec::new();
    match &arg {
        Some((s, ty)) => {
            let mut param = String::with_capacity(ty.len() + 5);
            param.push_str("arg: ");
            param.push_str(ty);
            params.push(Cow::Owned(param));
            // `Sends {cmd} ({dir}) with arg, a {ty}, and returns arg{, updated
            // in place}. Since revision {since}.`, pushed, not formatted.
            let words = dir_words(io.dir);
            let mut sends = String::with_capacity(cmd.len() + words.len() + ty.len() + 96);
            for part in [
                "Sends ",
                cmd.as_str(),
                " (",
                words,
                ") with arg, a ",
                ty.as_str(),
                ", and returns arg",
                if io.dir.copies_out() {
                    ", updated in place"
                } else {
                    ""
                },
                ". Since revision ",
            ] {
                sends.push_str(part);
            }
            push_decimal(&mut sends, io.since);
            sends.push('.');
            doc.push(Cow::Owned(sends));
            let mut kw = Vec::new();
            for m in &s.members {
                let MemberKind::UserPtr {
                    elem, len, stride, ..
                } = &m.kind
                else {
                    continue;
                };
                let p = ptr_param(model, opts, s, m, elem, len, *stride);
                doc.push(Cow::Owned(p.doc));
                ptrs.push(p.entry);
                kw.push(Cow::Owned(p.keyword));
            }
            params.push(Cow::Borrowed("/"));
            if !kw.is_empty() {
                params.push(Cow::Borrowed("*"));
                params.extend(kw);
            }
        }
        None => {
            params.push(Cow::Borrowed("/"));
            // `Sends {cmd} ({dir}) and returns None. Since revision
            // {since}.`, pushed, not formatted.
            let words = dir_words(io.dir);
            let mut sends = String::with_capacity(cmd.len() + words.len() + 64);
            for part in [
                "Sends ",
                cmd.as_str(),
                " (",
                words,
                ") and returns None. Since revision ",
            ] {
                sends.push_str(part);
            }
            push_decimal(&mut sends, io.since);
            sends.push('.');
            doc.push(Cow::Owned(sends));
        }
    }
    let mut errors = String::with_capacity(40 * io.errors.len());
    for e in &io.errors {
        let class = errno_class_name(&e.errno);
        push_line(&mut errors, 8, &["("]);
        push_py_str(&mut errors, &e.errno);
        errors.push_str(", ");
        errors.push_str(&class);
        errors.push_str("),");
        let text = e.doc.as_deref().map(doc_text).unwrap_or_default();
        // `Raises {class} ({errno}).` or `Raises {class} ({errno}): {text}`,
        // pushed into a string made to measure rather than formatted.
        let mut para = String::with_capacity(class.len() + e.errno.len() + text.len() + 13);
        para.push_str("Raises ");
        para.push_str(&class);
        para.push_str(" (");
        para.push_str(&e.errno);
        if text.is_empty() {
            para.push_str(").");
        } else {
            para.push_str("): ");
            para.push_str(&text);
        }
        doc.push(Cow::Owned(para));
    }
    doc.push(Cow::Borrowed("Any other errno raises UabiError."));
    let name = function_ident(model, opts, &io.name);
    let has_arg = arg.is_some();
    let arg_type = arg.map_or_else(|| "None".to_string(), |(_, ty)| ty);
    let function = FunctionView {
        params: param_list(&name, &params, &arg_type),
        name,
        ioctl: py_str(&io.name),
        docstring: docstring(&doc, 4),
        cmd,
        arg: if has_arg { "arg" } else { "None" },
        arg_type,
        ptrs,
    };
    let table = ErrorTable {
        ioctl: function.ioctl.clone(),
        entries: errors,
    };
    (function, table)
}

/// A function's parameters: on the `def` line when it fits, else one
/// parameter a line, as black does.
fn param_list(name: &str, params: &[Cow<'_, str>], ret: &str) -> String {
    // `def {name}({params joined by ", "}) -> {ret}:`, measured unbuilt.
    let joined_width = params.iter().map(|p| p.chars().count()).sum::<usize>()
        + 2 * params.len().saturating_sub(1);
    let def_width = "def ".len()
        + name.chars().count()
        + "(".len()
        + joined_width
        + ") -> ".len()
        + ret.chars().count()
        + ":".len();
    let mut out = String::with_capacity(params.iter().map(|p| p.len() + 6).sum::<usize>() + 1);
    if def_width <= WIDTH {
        for (i, p) in params.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(p);
        }
    } else {
        for p in params {
            push_line(&mut out, 4, &[p, ","]);
        }
        out.push('\n');
    }
    out
}

/// One user pointer of an ioctl's argument as its Python function takes
/// it: the docstring paragraph, the entry of the function's pointer table
/// and the keyword parameter.
struct PtrParam {
    doc: String,
    entry: String,
    keyword: String,
}

fn ptr_param(
    model: &Model,
    opts: &OutputOptions,
    s: &Struct,
    m: &Member,
    elem: &Elem,
    len: &PtrLen,
    stride: Option<usize>,
) -> PtrParam {
    let p = param_ident(model, opts, &m.name);
    let field = member_ident(&m.name);
    let elem_ty = elem_ctype(model, opts, elem);
    let writes = m.access.written_by_kernel();
    let access = match (m.access.read_by_kernel(), writes) {
        (true, true) => "the kernel reads and writes the elements",
        (false, true) => "the kernel writes the elements",
        _ => "the kernel reads the elements",
    };
    let see = if writes {
        " Pass a ctypes array or a bytearray to see what the kernel \
         writes: a sequence or bytes are copied first."
    } else {
        ""
    };
    let (kind, len_field, bound, doc) = match len {
        PtrLen::Count(i) | PtrLen::Bytes(i) => {
            let lm = &s.members[*i];
            let bound = match &lm.kind {
                MemberKind::Scalar { ty, .. } => ty.bounds().1,
                // The resolver allows only an integer length member.
                MemberKind::Pad { .. }
                | MemberKind::Binary { .. }
                | MemberKind::String { .. }
                | MemberKind::Struct { .. }
                | MemberKind::Union { .. }
                | MemberKind::UserPtr { .. } => 0,
            };
            let count = matches!(len, PtrLen::Count(_));
            let lf = member_ident(&lm.name);
            let doc = concat(&[
                &p,
                ": the ",
                &elem_ty,
                " elements, as a ctypes array of ",
                &elem_ty,
                ", bytes, a bytearray or a sequence of ",
                &elem_ty,
                ". Its address goes in arg.",
                &field,
                " and its ",
                if count { "length" } else { "size in bytes" },
                " in arg.",
                &lf,
                " for the call; ",
                access,
                ".",
                see,
                " None leaves arg.",
                &field,
                " and arg.",
                &lf,
                " as the caller set them.",
            ]);
            (
                if count { "count" } else { "bytes" },
                py_str(&lf),
                bound,
                doc,
            )
        }
        PtrLen::Single => {
            let doc = concat(&[
                &p,
                ": one ",
                &elem_ty,
                ", or a value to build one from, whose address goes in arg.",
                &field,
                " for the call; ",
                access,
                ".",
                if writes {
                    " Pass a ctypes object to see what the kernel writes."
                } else {
                    ""
                },
                " None leaves arg.",
                &field,
                " as the caller set it.",
            ]);
            ("single", "None".to_string(), 0, doc)
        }
    };
    // `({field}, {p}, {elem_ty}, {kind}, {len_field}, {bound}[, {stride}])`,
    // the names quoted.
    let mut entry = String::with_capacity(64 + 2 * field.len() + elem_ty.len());
    entry.push('(');
    push_py_str(&mut entry, &field);
    for part in [", ", p.as_str(), ", ", elem_ty.as_str(), ", "] {
        entry.push_str(part);
    }
    push_py_str(&mut entry, kind);
    entry.push_str(", ");
    entry.push_str(&len_field);
    entry.push_str(", ");
    push_int(&mut entry, bound);
    // The element size the caller declares is the module's own.
    if let Some(sm) = stride.and_then(|i| s.members.get(i)) {
        entry.push_str(", ");
        push_py_str(&mut entry, &member_ident(&sm.name));
    }
    entry.push(')');
    let e = elem_ty.as_str();
    let keyword = match (len, elem) {
        (PtrLen::Single, Elem::Scalar(_)) => {
            concat(&[&p, ": ", e, " | int | ctypes.Array[", e, "] | None = None"])
        }
        (PtrLen::Single, Elem::Struct(_)) => {
            concat(&[&p, ": ", e, " | ctypes.Array[", e, "] | None = None"])
        }
        (_, Elem::Scalar(_)) => concat(&[
            &p,
            ": ctypes.Array[",
            e,
            "] | bytes | bytearray | _typing.Sequence[int] | None = None",
        ]),
        (_, Elem::Struct(_)) => concat(&[
            &p,
            ": ctypes.Array[",
            e,
            "] | bytes | bytearray | _typing.Sequence[",
            e,
            "] | None = None",
        ]),
    };
    PtrParam {
        doc,
        entry,
        keyword,
    }
}

// ------------------------------------------------------ control messages

#[derive(Template)]
#[template(path = "python/templates/netlink.py", escape = "none")]
struct NetlinkPyView {
    sets: Vec<NlSetView>,
    ops: Vec<NlOpView>,
}

struct NlSetView {
    name: String,
    attrs: Vec<NlAttrView>,
}

struct NlAttrView {
    value: u32,
    key: String,
    ty: &'static str,
    /// A Python expression: the nested set's name, or None.
    nested: String,
    multi: &'static str,
    /// A `struct` format byte-order character.
    order: &'static str,
    /// A Python expression: the struct's ctypes class, or None.
    class: String,
}

struct NlOpView {
    name: String,
    func: String,
    value: u32,
    /// Python expressions: the set's name (or None) and the key tuples.
    set: String,
    request: String,
    reply: String,
    request_doc: String,
}

/// A Python tuple literal of attribute keys.
fn py_keys(names: &[String]) -> String {
    let keys: Vec<String> = names.iter().map(|n| format!("\"{}\"", snake(n))).collect();
    match keys.len() {
        1 => format!("({},)", keys[0]),
        _ => format!("({})", keys.join(", ")),
    }
}

impl NetlinkPyView {
    /// The codec of `model`'s operations that have a `do`; empty when
    /// there are none.
    fn render_for(model: &Model, opts: &OutputOptions) -> Result<String, RenderError> {
        let Some(ops) = &model.operations else {
            return Ok(String::new());
        };
        let sets = model
            .attribute_sets
            .iter()
            .map(|set| NlSetView {
                name: set.name.clone(),
                attrs: set
                    .attributes
                    .iter()
                    .map(|a| NlAttrView {
                        value: a.value,
                        key: snake(&a.name),
                        ty: a.ty.name(),
                        nested: a
                            .nested_attributes
                            .as_ref()
                            .map(|n| &model.attr_set(n).name)
                            .map_or_else(|| "None".to_string(), |n| format!("\"{n}\"")),
                        multi: if a.multi_attr { "True" } else { "False" },
                        order: match a.byte_order {
                            Some(ByteOrder::Big) => ">",
                            Some(ByteOrder::Little) => "<",
                            None => "=",
                        },
                        class: a
                            .payload_struct()
                            .map_or_else(|| "None".to_string(), |st| struct_ref(model, opts, st)),
                    })
                    .collect(),
            })
            .collect();
        let ops = ops
            .list
            .iter()
            .filter_map(|o| {
                let d = o.do_.as_ref()?;
                let request = d.request.clone().unwrap_or_default();
                let reply = d.reply.clone().unwrap_or_default();
                let request_doc = if request.is_empty() {
                    "none".to_string()
                } else {
                    request
                        .iter()
                        .map(|n| snake(n))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                Some(NlOpView {
                    name: o.name.clone(),
                    func: snake(&o.name),
                    value: o.value,
                    set: o
                        .attribute_set
                        .as_ref()
                        .map(|s| &model.attr_set(s).name)
                        .map_or_else(|| "None".to_string(), |s| format!("\"{s}\"")),
                    request: py_keys(&request),
                    reply: py_keys(&reply),
                    request_doc,
                })
            })
            .collect::<Vec<_>>();
        if ops.is_empty() {
            return Ok(String::new());
        }
        render_template(model, "Python netlink", &NetlinkPyView { sets, ops })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_helpers() {
        assert_eq!(
            text::escape_doc(r#"say "x" \ """ end""#),
            r#"say "x" \\ ""\" end\""#
        );
        assert_eq!(
            docstring(&[Cow::Borrowed("Short.")], 4),
            "\n    \"\"\"Short.\"\"\""
        );
        let d = docstring(&[Cow::Owned("word ".repeat(30)), Cow::Borrowed("Two.")], 4);
        let lines: Vec<&str> = d.strip_prefix('\n').unwrap().split('\n').collect();
        assert!(lines[0].starts_with("    \"\"\"word"));
        assert!(lines.iter().all(|l| l.chars().count() <= WIDTH));
        assert_eq!(*lines.last().unwrap(), "    \"\"\"");
        assert!(lines.contains(&""));
    }

    #[test]
    fn identifiers() {
        assert_eq!(member_ident("class"), "class_");
        assert_eq!(member_ident("from-buffer"), "from_buffer_");
        assert_eq!(member_ident("src-bo"), "src_bo");
        assert_eq!(errno_class("EINVAL").0, "InvalidArgument");
        assert_eq!(errno_class("ETIMEDOUT").0, "TimedOut");
        assert_eq!(errno_class("EWHAT").0, "ErrnoEWHAT");
        for (e, c, _) in ERRNO_CLASSES {
            assert!(
                crate::resolve::ERRNOS.contains(e),
                "{e} is not an errno the resolver accepts"
            );
            assert_eq!(ERRNO_CLASSES.iter().filter(|x| x.1 == *c).count(), 1, "{c}");
        }
        assert_eq!(ERRNO_CLASSES.len(), crate::resolve::ERRNOS.len());
        for w in KEYWORDS.iter().chain(STRUCTURE_ATTRS) {
            assert!(KEYWORD_FIRST.contains(&w.as_bytes()[0]), "{w}");
            assert!(taken_member_name(w), "{w}");
        }
    }
}
