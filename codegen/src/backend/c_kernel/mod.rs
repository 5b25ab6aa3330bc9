//! C kernel-side backend: for every spec, `<spec>/c/kernel/<spec>_kernel.h`
//! and `<spec>_kernel.c`, the kernel half of the ABI in C, for a Linux
//! driver (a misc device, or a DRM accel driver) to build on. It is the C
//! twin of the Rust kernel crate (`rust/kernel`): the same model, the same
//! checks and the same errnos, step by step:
//!
//! - per struct: `<p>_validate_<s>_at` (pad, flags with their multi-bit
//!   fields, enums, ranges; revision-aware), `<p>_clear_out_<s>`, and for a
//!   struct a later revision grew `<p>_<s>_size_at` and
//!   `<p>_clear_newer_<s>`; per ioctl with `arg-access` the argument's own
//!   pair (`<p>_validate_<ioctl>_arg_at`, `<p>_clear_out_<ioctl>_arg`);
//! - `struct <p>_ops`, one callback per ioctl, and `<p>_dispatch`, which
//!   does what `drm_ioctl()` and the Rust `dispatch` do (`dispatch.rs`);
//!   `compat` (i386 layouts of existing-ABI structs) is part of it;
//! - for a spec in DRM style, a `drm_ioctl_desc` table of validating
//!   handlers instead of the dispatcher (`drm.rs`);
//! - the control transport and the rings, from `control.rs` and
//!   `rings.rs`, appended to both files.
//!
//! Every name is the uapi header's own (`backend::c`'s naming), and the
//! output follows the kernel's coding style (checkpatch --strict clean,
//! W=1 and sparse clean: `tests/c_kernel.rs` builds it with kbuild).

mod control;
mod dispatch;
mod drm;
mod rings;
mod validate;

use crate::backend::c::{aggregate_tag, header_path, member_ident, push_lower};
use crate::backend::shared::{PushFmt, all_bytes, capacity_for, push_decimal, wrap_ascii_each};
use crate::backend::{
    GeneratedFile, OutputKind, OutputLayout, OutputOptions, RenderError, banner_lines,
};
use crate::model::{Ioctl, IoctlStyle, Model, Struct, StructId};
use crate::names::{snake, upper};
use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// Lines are kept within this many columns where the generator can break
/// them (a tab counts as 8): the kernel's preferred width.
const WIDTH: usize = 80;

/// An argument larger than this is allocated rather than kept on the
/// kernel stack (drm_ioctl's on-stack buffer is 128 bytes; the kernel
/// warns at 1-2 KiB frames).
const STACK_ARG_MAX: u32 = 256;

/// Renders the two files of `model`'s C kernel side. Never fails today; a
/// `Result` like every backend's `render`.
pub fn render(model: &Model) -> Result<Vec<GeneratedFile>, RenderError> {
    render_with(model, &OutputOptions::default())
}

/// [`render`], the uapi headers it includes found where `opts` places
/// them.
pub fn render_with(model: &Model, opts: &OutputOptions) -> Result<Vec<GeneratedFile>, RenderError> {
    let g = Gen::new(model, &opts.layout);
    let dir = kernel_dir(model);
    let stem = file_stem(model);
    Ok(vec![
        GeneratedFile {
            path: dir.join(format!("{stem}.h")),
            contents: g.header(),
        },
        GeneratedFile {
            path: dir.join(format!("{stem}.c")),
            contents: g.source(),
        },
    ])
}

/// `<spec>/c/kernel`, relative to the output folder.
pub fn kernel_dir(model: &Model) -> PathBuf {
    PathBuf::from(&model.name).join("c").join("kernel")
}

/// `<spec>_kernel`: the file names without extension.
pub fn file_stem(model: &Model) -> String {
    format!("{}_kernel", snake(&model.name))
}

/// The lower-case C prefix of a spec's kernel-side names (`softaccel`,
/// `drm_ivpu`).
pub fn c_prefix(model: &Model) -> String {
    snake(&model.c_prefix)
}

/// `n` tabs.
fn tabs(n: usize) -> String {
    "\t".repeat(n)
}

/// `n` tabs, pushed: in one piece up to sixteen, deeper than any
/// generated line nests.
fn push_tabs(out: &mut String, n: usize) {
    const TABS: &str = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";
    match TABS.get(..n) {
        Some(t) => out.push_str(t),
        None => out.extend(std::iter::repeat_n('\t', n)),
    }
}

/// The width of `s` at column `col`, tabs to the next multiple of 8.
fn width_at(col: usize, s: &str) -> usize {
    // Almost every piece of generated C is ASCII without a tab, after the
    // tabs that indent a line: those tabs are counted, and the rest is as
    // wide as it is long. One pass without an early exit, which the
    // compiler vectorises: every piece of every call comes through here.
    let body = s.trim_start_matches('\t');
    let tabs = s.len() - body.len();
    if is_plain(body) {
        let col = if tabs > 0 { (col / 8 + tabs) * 8 } else { col };
        return col + body.len();
    }
    s.chars()
        .fold(col, |c, ch| if ch == '\t' { c / 8 * 8 + 8 } else { c + 1 })
}

/// `head` + the arguments + `tail` at `indent` tabs: one line when it fits
/// [`WIDTH`], else broken after commas with the continuation aligned
/// under the first argument (checkpatch's alignment rule). `head` ends
/// with the open parenthesis.
fn call(indent: usize, head: &str, args: &[String], tail: &str) -> String {
    let mut out = String::new();
    push_call(&mut out, indent, head, args, tail);
    out
}

/// [`call`], written at the end of `out`.
fn push_call<S: AsRef<str>>(out: &mut String, indent: usize, head: &str, args: &[S], tail: &str) {
    // Most calls fit on one line: it is written in its final form and
    // measured once, whole (a width is a fold over the line's characters,
    // so the pieces need no measuring of their own); only a call too wide
    // is taken back and written broken.
    let start = out.len();
    push_tabs(out, indent);
    out.push_str(head);
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(a.as_ref());
    }
    out.push_str(tail);
    let fits = width_at(0, out.get(start..).unwrap_or_default()) <= WIDTH;
    if fits || args.len() < 2 {
        out.push('\n');
        return;
    }
    out.truncate(start);
    push_broken_call(out, indent, head, args, tail);
}

/// The broken form of [`push_call`]: as many arguments on a line as fit,
/// each continuation line aligned under the first argument.
fn push_broken_call<S: AsRef<str>>(
    out: &mut String,
    indent: usize,
    head: &str,
    args: &[S],
    tail: &str,
) {
    // Where the line being filled starts in `out`.
    let mut line_start = out.len();
    push_tabs(out, indent);
    out.push_str(head);
    // The column of the first argument, where continuations align.
    let mut col = width_at(indent * 8, head);
    // A name so long that even the first argument passes checkpatch's
    // 100 columns: the return type goes on a line of its own, as kernel
    // code does for long definitions.
    if let Some(first) = args.first()
        && indent == 0
        && width_at(col, first.as_ref()) + 1 > 100
        && let Some(space) = out[line_start..].rfind(' ')
    {
        let at = line_start + space;
        out.replace_range(at..=at, "\n");
        col = width_at(0, &out[at + 1..]);
    }
    // The width of the line being filled (its last line).
    let mut line = col;
    for (i, a) in args.iter().enumerate() {
        let a = a.as_ref();
        let end = if i + 1 == args.len() { tail } else { "," };
        // A piece without a tab is as wide wherever it starts: measured
        // once, not at each column it is tried at.
        let span = span(a).zip(span(end)).map(|(a, e)| a + e);
        let piece_at = |c: usize| span.map_or_else(|| width_at(width_at(c, a), end), |w| c + w);
        if i == 0 {
            line = piece_at(line);
            out.push_str(a);
            out.push_str(end);
            continue;
        }
        let joined = piece_at(line + 1);
        if joined > WIDTH {
            let kept = line_start + out[line_start..].trim_end().len();
            out.truncate(kept);
            out.push('\n');
            line_start = out.len();
            push_tabs(out, col / 8);
            for _ in 0..col % 8 {
                out.push(' ');
            }
            line = piece_at(col);
        } else {
            out.push(' ');
            line = joined;
        }
        out.push_str(a);
        out.push_str(end);
    }
    out.push('\n');
}

/// The columns `s` takes wherever it starts, when it holds no tab (whose
/// width depends on the column): its characters.
fn span(s: &str) -> Option<usize> {
    if is_plain(s) {
        Some(s.len())
    } else {
        (!s.contains('\t')).then(|| s.chars().count())
    }
}

/// Whether `s` is ASCII without a tab: as wide as it is long.
fn is_plain(s: &str) -> bool {
    all_bytes(s, |b| b.is_ascii() && b != b'\t')
}

/// A `/* ... */` comment at `indent` tabs, its text wrapped to [`WIDTH`]
/// (paragraphs separated by empty strings).
fn comment(indent: usize, paras: &[String]) -> String {
    let mut out = String::with_capacity(paras.iter().map(|p| p.len() + 8).sum::<usize>() + 16);
    push_comment(&mut out, indent, paras);
    out
}

/// [`comment`], written at the end of `out`.
fn push_comment<S: AsRef<str>>(out: &mut String, indent: usize, paras: &[S]) {
    // Columns of the ` * ` prefix after the tabs; a word is as wide as its
    // characters (it holds no tab).
    let prefix = indent * 8 + 3;
    push_tabs(out, indent);
    out.push_str("/*\n");
    for (i, p) in paras.iter().enumerate() {
        if i > 0 {
            push_tabs(out, indent);
            out.push_str(" *\n");
        }
        let p = p.as_ref();
        // Greedy: a word joins the line while the line stays within
        // WIDTH; the first word of a line stays however long it is.
        // For ASCII text that is the shared wrap, which cuts whole lines
        // out of the text (a vertical tab is whitespace here, not there).
        if all_bytes(p, |b| b.is_ascii() && b != b'\x0b') {
            wrap_ascii_each(p, WIDTH, prefix, prefix, |_, line| {
                push_tabs(out, indent);
                out.push_str(" * ");
                out.push_str(line);
                out.push('\n');
            });
            continue;
        }
        let mut line = 0;
        for word in p.split_whitespace() {
            let w = if word.is_ascii() {
                word.len()
            } else {
                word.chars().count()
            };
            if line > 0 && prefix + line + 1 + w <= WIDTH {
                out.push(' ');
                line += 1 + w;
            } else {
                if line > 0 {
                    out.push('\n');
                }
                push_tabs(out, indent);
                out.push_str(" * ");
                line = w;
            }
            out.push_str(word);
        }
        if line > 0 {
            out.push('\n');
        }
    }
    push_tabs(out, indent);
    out.push_str(" */\n");
}

/// The C spelling of an integer for a comparison with a member of a
/// type of that signedness (wide enough for any member).
fn c_lit(v: i128, signed: bool) -> String {
    let mut out = String::with_capacity(24);
    push_c_lit(&mut out, v, signed);
    out
}

/// [`c_lit`], appended to `out`.
fn push_c_lit(out: &mut String, v: i128, signed: bool) {
    if signed && v == i128::from(i64::MIN) {
        out.push_str("(-9223372036854775807LL - 1)");
        return;
    }
    match u64::try_from(v.unsigned_abs()) {
        Ok(abs) => {
            if v < 0 {
                out.push('-');
            }
            push_decimal(out, abs);
        }
        // Wider than any member; kept total.
        Err(_) => out.push_fmt(format_args!("{v}")),
    }
    out.push_str(if signed { "LL" } else { "ULL" });
}

/// What the generator of one spec knows.
struct Gen<'a> {
    model: &'a Model,
    /// Lower-case C prefix (`softaccel`).
    p: String,
    /// Upper-case C prefix (`SOFTACCEL`).
    pu: String,
    /// DRM style: a `drm_ioctl_desc` table instead of the dispatcher.
    drm: bool,
    /// Where the headers it includes are.
    layout: &'a OutputLayout,
    /// The control transport ioctl, if the spec has one (asked of every
    /// ioctl).
    transport: Option<&'a Ioctl>,
    /// Whether the control part is generated (its handler is then
    /// defined).
    control: bool,
    /// Whether a struct's validate function checks anything, by the
    /// struct's address in the model: asked for each nested struct, and
    /// answered once (see `validate::has_checks`).
    has_checks: RefCell<HashMap<*const Struct, bool>>,
    /// The tag of each struct of this spec, by index, made when first
    /// asked: the header, the source and every handler name them.
    own_tags: Vec<OnceCell<String>>,
}

impl<'a> Gen<'a> {
    fn new(model: &'a Model, layout: &'a OutputLayout) -> Self {
        Gen {
            layout,
            model,
            p: c_prefix(model),
            pu: upper(&model.c_prefix),
            drm: matches!(model.ioctl_style, IoctlStyle::Drm { .. }),
            transport: crate::backend::rust::control::transport(model),
            control: control::has_control(model),
            // Every struct of the spec is asked about: room made once.
            has_checks: RefCell::new(HashMap::with_capacity(model.structs.len())),
            own_tags: model.structs.iter().map(|_| OnceCell::new()).collect(),
        }
    }

    /// The spec owning `name` (this one or an included one).
    fn spec(&self, name: &str) -> &Model {
        if name == self.model.name {
            return self.model;
        }
        self.model.tree.get(name).map_or(self.model, |m| m.as_ref())
    }

    /// The C type of a struct (`struct softaccel_cmd`, `union x`).
    fn ctype(&self, id: &StructId) -> String {
        if self.own_struct(id)
            && let Some(tag) = self.own_tag(id.index())
        {
            return tag.to_string();
        }
        aggregate_tag(self.model.owner(id), self.model.struct_(id))
    }

    /// The C type of this spec's `i`th struct, cased once.
    fn own_tag(&self, i: usize) -> Option<&str> {
        let s = self.model.structs.get(i)?;
        let tag = self.own_tags.get(i)?;
        Some(tag.get_or_init(|| aggregate_tag(self.model, s)))
    }

    /// The C type of a struct of this spec.
    fn own_ctype(&self, s: &Struct) -> String {
        aggregate_tag(self.model, s)
    }

    /// A per-struct function of the spec owning `id`:
    /// `pattern` with `{}` for the struct's name (`validate_{}_at`).
    fn struct_fn(&self, pattern: &str, id: &StructId) -> String {
        let name = &self.model.struct_(id).name;
        let (before, after) = pattern.split_once("{}").unwrap_or((pattern, ""));
        let mut f =
            String::with_capacity(self.p.len() + 1 + before.len() + name.len() + after.len());
        if self.own_struct(id) {
            f.push_str(&self.p);
        } else {
            push_lower(&mut f, &self.model.owner(id).c_prefix);
        }
        f.push('_');
        f.push_str(before);
        push_lower(&mut f, name);
        f.push_str(after);
        f
    }

    fn own_struct(&self, id: &StructId) -> bool {
        id.spec() == self.model.name
    }

    /// The specs on the path from this one to `owner` through includes.
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

    /// The ops table of spec `owner` reached from `ops` (`ops->accel`).
    fn ops_of(&self, owner: &str) -> String {
        let mut e = "ops".to_string();
        for s in self.chain(owner) {
            e = format!("{e}->{}", member_ident(&snake(&self.spec(&s).c_prefix)));
        }
        e
    }

    /// The revision the driver reports for spec `owner`, in a handler.
    fn revision_of(&self, owner: &str) -> String {
        let m = self.spec(owner);
        if self.drm {
            format!(
                "{}_revision({}, dev, file)",
                c_prefix(m),
                self.ops_of(owner)
            )
        } else {
            format!("{}_revision({}, file)", c_prefix(m), self.ops_of(owner))
        }
    }

    /// Whether the caller is privileged, as the root spec (the first spec
    /// without includes) answers it.
    fn privileged_call(&self) -> String {
        let root = self
            .model
            .all_includes()
            .into_iter()
            .find(|m| m.includes.is_empty())
            .unwrap_or(self.model);
        let ops = self.ops_of(&root.name);
        if self.drm {
            format!("{}_privileged({ops}, dev, file)", c_prefix(root))
        } else {
            format!("{}_privileged({ops}, file)", c_prefix(root))
        }
    }

    /// `<P>_REVISION`.
    fn revision_macro(&self) -> String {
        format!("{}_REVISION", self.pu)
    }

    fn license_and_banner(&self, c_file: bool) -> String {
        let mut out = if c_file {
            format!("// SPDX-License-Identifier: {}\n", self.model.license)
        } else {
            format!("/* SPDX-License-Identifier: {} */\n", self.model.license)
        };
        out += "/*\n";
        for l in banner_lines(self.model) {
            out += &format!(" * {l}\n");
        }
        out += " */\n";
        out
    }

    /// The relative path from this spec's kernel folder to another spec's
    /// kernel header.
    fn include_kernel_header(&self, m: &Model) -> String {
        self.layout.file_from(
            (&self.model.name, OutputKind::CKernel),
            (&m.name, OutputKind::CKernel),
            &format!("{}.h", file_stem(m)),
        )
    }

    fn header(&self) -> String {
        let m = self.model;
        let guard = format!("_{}_KERNEL_H", upper(&m.name));
        let mut out = String::with_capacity(capacity_for(m, 150));
        out += &self.license_and_banner(false);
        out += &format!("#ifndef {guard}\n#define {guard}\n\n");
        let (ctl, ctl_sys) = take_includes(control::render_header(m));
        let (rings, rings_sys) = take_includes(rings::render_header(m));
        let mut sys: Vec<String> = ["linux/fs.h", "linux/types.h"].map(String::from).to_vec();
        if self.drm {
            sys.push("drm/drm_device.h".into());
            sys.push("drm/drm_file.h".into());
            sys.push("drm/drm_ioctl.h".into());
        }
        sys.extend(ctl_sys);
        sys.extend(rings_sys);
        out += &system_includes(sys);
        let uapi = header_path(m);
        let uapi_name = uapi
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        out += &format!(
            "#include \"{}\"\n",
            self.layout.file_from(
                (&m.name, OutputKind::CKernel),
                (&m.name, OutputKind::C),
                &uapi_name
            )
        );
        for inc in &m.includes {
            out += &format!("#include \"{}\"\n", self.include_kernel_header(inc));
        }
        out += "\n";
        out += &self.header_doc();
        out += &format!("#define {} {}\n\n", self.revision_macro(), m.revision);
        self.struct_prototypes(&mut out);
        out += &self.ops_decl();
        if !ctl.is_empty() {
            out += "\n";
            out += &ctl;
        }
        if !rings.is_empty() {
            out += "\n";
            out += &rings;
        }
        out += &format!("\n#endif /* {guard} */\n");
        out
    }

    fn header_doc(&self) -> String {
        let m = self.model;
        let mut paras = vec![format!(
            "The {} uapi, revision {}, kernel side in C: the twin of the Rust kernel crate \
             ({}/rust/kernel), with the same checks and errnos.",
            m.name, m.revision, m.name
        )];
        paras.push(format!(
            "Per struct S: {p}_validate_S_at(v, rev) returns 0 or -EINVAL (non-zero pad, \
             flag bits outside the declared set or a multi-bit field's undeclared value, \
             undeclared enum values, values outside a range; enum values and flag bits \
             newer than rev, as a driver of revision rev rejected them); {p}_clear_out_S(v) \
             zeroes the members the kernel writes. For a struct a later revision grew, \
             {p}_S_size_at(rev) is its size at revision rev and {p}_clear_newer_S(v, rev) \
             zeroes the members newer than rev. An ioctl with arg-access has its own pair, \
             {p}_validate_IOCTL_arg_at and {p}_clear_out_IOCTL_arg.",
            p = self.p
        ));
        if self.drm {
            paras.push(format!(
                "DRM style: {p}_ioctls[] is the drm_ioctl_desc table a DRM (accel) driver \
                 registers (driver.ioctls, driver.num_ioctls = {pu}_NUM_IOCTLS). drm_ioctl() \
                 has already copied the argument in (zero-extended or truncated to the \
                 declared size) and copies it back; each handler clears the out members, \
                 validates at the revision the driver reports, copies user-ptr arrays in \
                 once and calls the callback of struct {p}_ops, found with \
                 {p}_drm_ops(dev), which the driver defines. An ioctl newer than the \
                 driver's revision, or without a callback, is -ENOTTY; admin-perm is -EPERM \
                 unless the privileged callback (default capable(CAP_SYS_ADMIN)) says yes.",
                p = self.p,
                pu = self.pu
            ));
        } else {
            paras.push(format!(
                "{p}_dispatch(ops, file, cmd, arg, compat) does what drm_ioctl() does: another \
                 magic or an unknown nr, an ioctl newer than the revision the driver reports \
                 (ops->revision, default {rev}) or without a callback: -ENOTTY; admin-perm \
                 without privilege: -EPERM (root spec's privileged callback, default \
                 capable(CAP_SYS_ADMIN)); the direction bits of the caller's command are \
                 intersected with the declared ones; the argument is copied in at the \
                 caller's size (from the command) and zero-extended, and a longer one is \
                 truncated (zero-extend) or, unless its tail is zero, -E2BIG (strict, \
                 copy_struct_from_user); unreadable: -EFAULT. The out members (and members \
                 newer than the driver's revision) are zeroed, the argument is validated \
                 (-EINVAL), and each user-ptr array is copied in exactly once into a bounded \
                 kvmalloc_array buffer (over max-count: -EINVAL; NULL with a count: -EFAULT; \
                 the stride member honoured, 0: -EINVAL) and each element validated; an \
                 array the kernel only writes is a zeroed buffer, of which the callback fills \
                 the first *<array>_written elements: only those are copied out after \
                 success, and the caller's elements past them stay untouched. \
                 Then the callback runs, and on 0 the argument is copied back (-EFAULT if \
                 that fails). Big arguments are not kept on the stack.",
                p = self.p,
                rev = self.revision_macro()
            ));
            paras.push(format!(
                "compat (from {p}_compat_ioctl): the argument is a compat_ptr; for an \
                 existing-ABI struct whose i386 layout differs from x86_64's, the i386 \
                 command number is accepted and the argument converted both ways (on an \
                 x86_64 kernel). User pointers inside structs are u64 and need no \
                 conversion. The included specs' ioctls go to their own dispatcher with the \
                 included ops table.",
                p = self.p
            ));
        }
        paras.push(
            "Callbacks get the argument already copied in, cleared and validated, return 0 \
             or a negative errno, and never see caller memory except through the arrays \
             passed to them."
                .to_string(),
        );
        comment(0, &paras) + "\n"
    }

    fn source(&self) -> String {
        let m = self.model;
        let mut out = String::with_capacity(capacity_for(m, 310));
        out += &self.license_and_banner(true);
        let (ctl, ctl_sys) = take_includes(control::render_source(m));
        let (rings, rings_sys) = take_includes(rings::render_source(m));
        let mut sys: Vec<String> = [
            "linux/capability.h",
            "linux/err.h",
            "linux/errno.h",
            "linux/minmax.h",
            "linux/overflow.h",
            "linux/slab.h",
            "linux/stddef.h",
            "linux/string.h",
            "linux/uaccess.h",
            "asm/byteorder.h",
        ]
        .map(String::from)
        .to_vec();
        if !self.drm {
            sys.push("linux/compat.h".into());
        }
        sys.extend(ctl_sys);
        sys.extend(rings_sys);
        out += &system_includes(sys);
        out += &format!("\n#include \"{}.h\"\n\n", file_stem(m));
        let mut body = String::with_capacity(capacity_for(m, 200));
        let mut helpers = Helpers::default();
        self.struct_fns(&mut body, &mut helpers);
        body += &self.runtime_fns();
        if self.drm {
            body += &self.drm_table(&mut helpers);
        } else {
            self.dispatcher(&mut body, &mut helpers);
        }
        for h in helpers.fns.values() {
            out += h;
            out += "\n";
        }
        out += &helpers.shared(&self.p);
        out += &body;
        if !ctl.is_empty() {
            out += "\n";
            out += &ctl;
        }
        if !rings.is_empty() {
            out += "\n";
            out += &rings;
        }
        while out.ends_with("\n\n") {
            out.pop();
        }
        out
    }
}

/// Static helpers of one `.c`, defined before their first use: the
/// validity of each enum and flags set used, and the copying helpers the
/// handlers need.
#[derive(Default)]
struct Helpers {
    fns: BTreeMap<String, String>,
    /// The name of each enum's helper in `fns`, by the enum's address.
    enum_helpers: HashMap<*const crate::model::Enum, String>,
    copy_in: bool,
    array_in: bool,
    array_out: bool,
    i386: bool,
    i386_in: bool,
    i386_out: bool,
}

impl Helpers {
    fn shared(&self, p: &str) -> String {
        let mut out = String::new();
        if self.copy_in {
            out += &comment(
                0,
                &[
                    "Copies the caller's argument of usize bytes into karg, whose kernel size is \
                   ksize: a shorter one is zero-extended (karg starts zeroed); a longer one is \
                   truncated (zero-extend, drm_ioctl's rule) or, under strict, accepted only \
                   if its extra bytes are zero (copy_struct_from_user: -E2BIG). An unreadable \
                   argument is -EFAULT."
                        .to_string(),
                ],
            );
            out += &call(
                0,
                &format!("static int {p}_copy_arg_in("),
                &[
                    "void *karg".into(),
                    "size_t ksize".into(),
                    "const void __user *uarg".into(),
                    "size_t usize".into(),
                    "bool strict".into(),
                ],
                ")",
            );
            out += "{\n";
            out += "\tif (strict)\n";
            out += "\t\treturn copy_struct_from_user(karg, ksize, uarg, usize);\n";
            out += "\tif (copy_from_user(karg, uarg, min(usize, ksize)))\n";
            out += "\t\treturn -EFAULT;\n";
            out += "\treturn 0;\n";
            out += "}\n\n";
        }
        if self.array_in {
            out += &comment(
                0,
                &[
                    "A user-ptr array: count elements of size bytes (in the kernel), stride \
                     bytes apart in the caller's memory. Checked as the Rust runtime's \
                     UserArray does, in its order: a count above max or a byte size that \
                     overflows is -EINVAL, a NULL pointer with a count or an end that wraps \
                     -EFAULT, a zero stride -EINVAL. The kernel copy is one kvmalloc_array \
                     buffer, zeroed, so the array is read exactly once (read) or starts \
                     zeroed for the callback to fill; an array over INT_MAX bytes (what \
                     kvmalloc takes) is -EINVAL."
                        .to_string(),
                    "Elements stride apart are each copied as a strict argument: a shorter \
                     one zero-extended, a longer one -E2BIG unless its extra bytes are zero."
                        .to_string(),
                    "Returns the buffer (NULL for no elements) or an ERR_PTR.".to_string(),
                ],
            );
            out += &call(
                0,
                &format!("static void *{p}_array_in("),
                &[
                    "u64 uptr".into(),
                    "u64 count".into(),
                    "u64 max".into(),
                    "size_t size".into(),
                    "u64 stride".into(),
                    "bool read".into(),
                ],
                ")",
            );
            out += "{\n";
            out += "\tu8 __user *src = u64_to_user_ptr(uptr);\n";
            out += "\tu64 bytes, end;\n";
            out += "\tu8 *buf;\n";
            out += "\tu64 i;\n";
            out += "\tint ret;\n\n";
            out += "\tif (count > max)\n\t\treturn ERR_PTR(-EINVAL);\n";
            out += "\tif (check_mul_overflow(count, (u64)size, &bytes))\n\t\treturn ERR_PTR(-EINVAL);\n";
            out += "\tif (count && !uptr)\n\t\treturn ERR_PTR(-EFAULT);\n";
            out += "\tif (check_add_overflow(uptr, bytes, &end))\n\t\treturn ERR_PTR(-EFAULT);\n";
            out += "\tif (!stride)\n\t\treturn ERR_PTR(-EINVAL);\n";
            out +=
                "\tif (check_mul_overflow(count, stride, &bytes))\n\t\treturn ERR_PTR(-EINVAL);\n";
            out += "\tif (check_add_overflow(uptr, bytes, &end))\n\t\treturn ERR_PTR(-EFAULT);\n";
            out += "\tif (!count)\n\t\treturn NULL;\n";
            out += "\tif (count > INT_MAX / size)\n\t\treturn ERR_PTR(-EINVAL);\n";
            out += "\tbuf = kvmalloc_array(count, size, GFP_KERNEL | __GFP_ZERO);\n";
            out += "\tif (!buf)\n\t\treturn ERR_PTR(-ENOMEM);\n";
            out += "\tif (!read)\n\t\treturn buf;\n";
            out += "\tif (stride == size) {\n";
            out += "\t\tif (copy_from_user(buf, src, count * size)) {\n";
            out += "\t\t\tkvfree(buf);\n\t\t\treturn ERR_PTR(-EFAULT);\n\t\t}\n";
            out += "\t\treturn buf;\n\t}\n";
            out += "\tfor (i = 0; i < count; i++) {\n";
            out += &call(
                2,
                "ret = copy_struct_from_user(",
                &[
                    "buf + i * size".into(),
                    "size".into(),
                    "src + i * stride".into(),
                    "stride".into(),
                ],
                ");",
            );
            out += "\t\tif (ret) {\n\t\t\tkvfree(buf);\n\t\t\treturn ERR_PTR(ret);\n\t\t}\n";
            out += "\t}\n";
            out += "\treturn buf;\n";
            out += "}\n\n";
        }
        if self.array_out {
            out += &comment(
                0,
                &[
                    "Copies a kernel array of count elements of size bytes back to the \
                   caller's, stride bytes apart (each truncated to stride)."
                        .to_string(),
                ],
            );
            out += &call(
                0,
                &format!("static int {p}_array_out("),
                &[
                    "u64 uptr".into(),
                    "const void *kbuf".into(),
                    "u64 count".into(),
                    "size_t size".into(),
                    "u64 stride".into(),
                ],
                ")",
            );
            out += "{\n";
            out += "\tu8 __user *dst = u64_to_user_ptr(uptr);\n";
            out += "\tconst u8 *buf = kbuf;\n";
            out += "\tu64 i;\n\n";
            out += "\tif (!count)\n\t\treturn 0;\n";
            out += "\tif (stride == size)\n";
            out += "\t\treturn copy_to_user(dst, buf, count * size) ? -EFAULT : 0;\n";
            out += "\tfor (i = 0; i < count; i++) {\n";
            out += &call(
                2,
                "if (copy_to_user(",
                &[
                    "dst + i * stride".into(),
                    "buf + i * size".into(),
                    "min_t(u64, size, stride)))".into(),
                ],
                "",
            );
            out += "\t\t\treturn -EFAULT;\n";
            out += "\t}\n";
            out += "\treturn 0;\n";
            out += "}\n\n";
        }
        if self.i386 {
            out += &dispatch::i386_helpers(p, self.i386_in, self.i386_out);
        }
        out
    }
}

/// A part's text without its `#include <...>` lines, and those headers:
/// the file includes everything once, at its top, as kernel files do.
fn take_includes(part: String) -> (String, Vec<String>) {
    let mut headers = Vec::new();
    let mut text = String::with_capacity(part.len());
    let mut after_include = false;
    // An include line starts with `#include <`: past the last one (and
    // the blank line closing its block) the rest is copied whole, not
    // line by line (the includes are at a part's top).
    let last = last_include(&part);
    let mut at = 0;
    for line in part.split_inclusive('\n') {
        let start = at;
        at += line.len();
        if !after_include && last.is_none_or(|l| start > l) {
            text.push_str(&part[start..]);
            break;
        }
        if let Some(h) = line
            .trim_end()
            .strip_prefix("#include <")
            .and_then(|r| r.strip_suffix('>'))
        {
            headers.push(h.to_string());
            after_include = true;
            continue;
        }
        // The blank line that closed the include block goes with it.
        if after_include && line.trim().is_empty() {
            after_include = false;
            continue;
        }
        after_include = false;
        text.push_str(line);
    }
    (text, headers)
}

/// Where the last `#include <` of `text` starts: found from its `#`, a
/// byte far rarer in C than the places a substring search stops at.
fn last_include(text: &str) -> Option<usize> {
    let mut end = text.len();
    while let Some(at) = text.get(..end)?.rfind('#') {
        if text.get(at..)?.starts_with("#include <") {
            return Some(at);
        }
        end = at;
    }
    None
}

/// `#include <...>` lines for `headers`, each once: <linux/...> first,
/// then the others (asm, drm) as the kernel orders them.
fn system_includes(mut headers: Vec<String>) -> String {
    headers.sort_unstable();
    headers.dedup();
    let (linux, other): (Vec<String>, Vec<String>) =
        headers.into_iter().partition(|h| h.starts_with("linux/"));
    linux
        .into_iter()
        .chain(other)
        .map(|h| format!("#include <{h}>\n"))
        .collect()
}
