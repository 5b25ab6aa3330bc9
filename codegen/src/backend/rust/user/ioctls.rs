//! The functions of one ioctl: the safe one, which fills each user
//! pointer of the argument from a borrow, and the `unsafe` `_raw` one,
//! which sends the argument as the caller set it. An ioctl whose argument
//! holds a pointer no borrow can vouch for only gets the `_raw` one; one
//! whose argument holds no pointer only the safe one (a `_raw` one would
//! send the same bytes).

use super::lib_name;
use super::lines::{len_of, sig, struct_line};
use super::text::struct_prefix;
use crate::backend::rust::RustScalar;
use crate::backend::rust::items::struct_lit;
use crate::backend::rust::layout::{CALL_WIDTH, assign, call_stmt};
use crate::backend::rust::writer::{
    MAX_WIDTH, RustWriter, doc, doc_link, path, snake_ident, type_ident, wrap,
};
use crate::backend::shared::{PushFmt, push_decimal, wrap_ascii_each};
use crate::ioc::Dir;
use crate::model::{Access, Elem, Ioctl, MemberKind, Model, PtrLen, Struct, StructId};
use crate::names;

/// Width of a `// SAFETY:` comment line, indentation included.
const COMMENT_WIDTH: usize = 100;

/// The parameter names every ioctl function has; a user pointer member
/// of the same name gets a trailing underscore.
const FIXED_PARAMS: &[&str] = &["t", "driver_revision", "arg", "result"];

/// Crate-level names an ioctl function must not take.
const RESERVED_FNS: &[&str] = &["supported", "uapi"];

/// The generic head every ioctl function shares after its name.
const GENERICS: &str = "<T: Transport + ?Sized>";

/// The return type of every ioctl function.
const RET: &str = "Result<(), CallError>";

/// A `user-ptr` member of an ioctl's argument, as the safe function fills
/// it from a slice (or a reference, without a count).
struct PtrParam {
    /// The parameter's name.
    param: String,
    /// The member's field.
    field: String,
    /// The element type.
    elem: String,
    /// Does the kernel write through the pointer?
    writes: bool,
    len: PtrLen,
    access: Access,
    /// The sibling the function fills with the element's size (`stride:`).
    stride: Option<usize>,
}

/// What one ioctl's functions are printed from.
struct IoctlGen<'a> {
    model: &'a Model,
    io: &'a Ioctl,
    /// The safe function's name.
    name: String,
    /// `IOCTL_<NAME>`.
    cmd: String,
    /// `ioctl: "<name>"`, the field every error of the ioctl has.
    ioctl_field: String,
    /// The argument struct's path prefix and type identifier.
    arg: Option<(Vec<String>, String)>,
}

/// The functions of `io`.
pub(super) fn ioctl_fns(w: &mut RustWriter, model: &Model, io: &Ioctl) {
    let mut base = names::snake(&io.name);
    if RESERVED_FNS.contains(&base.as_str())
        || model.includes.iter().any(|i| lib_name(&i.name) == base)
    {
        base.push_str("_ioctl");
    }
    let g = IoctlGen {
        model,
        io,
        name: crate::backend::rust::writer::ident(&base),
        cmd: ["IOCTL_", &names::upper(&io.name)].concat(),
        ioctl_field: ioctl_field(&io.name),
        arg: io.arg.as_ref().map(|id| {
            (
                struct_prefix(model, id),
                type_ident(&model.struct_(id).name),
            )
        }),
    };
    match &io.arg {
        Some(arg) => g.arg_fns(w, arg, &base),
        None => g.no_arg_fn(w),
    }
}

/// `ioctl: "<name>"`, the name quoted as `{:?}` quotes it: spec names
/// (kebab-case) need no escape, so most are quoted without formatting.
fn ioctl_field(name: &str) -> String {
    if name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        ["ioctl: \"", name, "\""].concat()
    } else {
        format!("ioctl: {name:?}")
    }
}

/// `// text` lines wrapped to `COMMENT_WIDTH` at the writer's indentation.
fn comment(w: &mut RustWriter, text: &str) {
    let width = COMMENT_WIDTH.saturating_sub(w.indent() + 3).max(40);
    if text.is_ascii() && text.split_ascii_whitespace().next().is_some() {
        // `wrap`'s ASCII path, each line written as it is cut.
        wrap_ascii_each(text, width, 0, 0, |_, l| w.line_of(&["// ", l]));
        return;
    }
    for l in wrap(text, width, 0) {
        w.line_of(&["// ", &l]);
    }
}

impl<'a> IoctlGen<'a> {
    /// The only function of an ioctl without argument.
    fn no_arg_fn(&self, w: &mut RustWriter) {
        doc(w, &self.fn_doc(None, &[]));
        let params = ["t: &T", "driver_revision: u32"];
        sig(w, &["pub fn ", &self.name, GENERICS], &params, RET, " {");
        self.revision_check(w);
        comment(
            w,
            &[
                "SAFETY: `",
                &self.cmd,
                "` takes no argument (`_IO`), which is passed as a null pointer.",
            ]
            .concat(),
        );
        self.ioctl_call(w, "::core::ptr::null_mut()");
        w.close("");
    }

    /// The safe function (unless a pointer is out of a borrow's reach)
    /// and the `_raw` one.
    fn arg_fns(&self, w: &mut RustWriter, id: &StructId, base: &str) {
        let arg = self.arg_view(id);
        let arg_ty = self.struct_path(id);
        let ptrs = self.ptr_params(&arg);
        let nested = self.nested_ptrs(&arg);
        // A pointer the safe function does not fill from a borrow (one in
        // a nested struct or in an array element) could point anywhere
        // the kernel then writes: such an ioctl is only offered unsafe.
        if !nested {
            self.safe_fn(w, id, &arg_ty, &ptrs);
        }
        if ptrs.is_empty() && !nested {
            return;
        }
        doc(w, &self.raw_doc(id, &ptrs, nested));
        let arg_param = ["arg: &mut ", &arg_ty].concat();
        let params = ["t: &T", "driver_revision: u32", &arg_param];
        sig(
            w,
            &["pub unsafe fn ", base, "_raw", GENERICS],
            &params,
            RET,
            " {",
        );
        self.revision_check(w);
        comment(
            w,
            &[
                "SAFETY: `arg` is an exclusive borrow of a whole `",
                &arg_ty,
                "`, the size `",
                &self.cmd,
                "` encodes, valid for the kernel's reads and writes; the user pointers in it \
                 are valid by this function's contract.",
            ]
            .concat(),
        );
        self.ioctl_call(w, "::core::ptr::from_mut(arg).cast()");
        w.close("");
    }

    fn safe_fn(&self, w: &mut RustWriter, id: &StructId, arg_ty: &str, ptrs: &[PtrParam]) {
        let arg = self.model.struct_(id);
        doc(w, &self.fn_doc(Some(id), ptrs));
        // One parameter per pointer is the point of the function.
        if 3 + ptrs.len() > 7 {
            w.line("#[allow(clippy::too_many_arguments)]");
        }
        let arg_param = ["arg: &mut ", arg_ty].concat();
        let ptr_params: Vec<String> = ptrs
            .iter()
            .map(|p| {
                let (open, close) = match (&p.len, p.writes) {
                    (PtrLen::Single, false) => ("&", ""),
                    (PtrLen::Single, true) => ("&mut ", ""),
                    (_, false) => ("&[", "]"),
                    (_, true) => ("&mut [", "]"),
                };
                [&p.param, ": ", open, &p.elem, close].concat()
            })
            .collect();
        let mut params: Vec<&str> = Vec::with_capacity(3 + ptrs.len());
        params.extend(["t: &T", "driver_revision: u32", &arg_param]);
        params.extend(ptr_params.iter().map(String::as_str));
        sig(w, &["pub fn ", &self.name, GENERICS], &params, RET, " {");
        self.revision_check(w);
        self.count_fills(w, arg, ptrs);
        for p in ptrs {
            let (open, close) = match (&p.len, p.writes) {
                (PtrLen::Single, false) => ("::core::ptr::from_ref(", ") as u64"),
                (PtrLen::Single, true) => ("::core::ptr::from_mut(", ") as u64"),
                (_, false) => ("", ".as_ptr() as u64"),
                (_, true) => ("", ".as_mut_ptr() as u64"),
            };
            assign(
                w,
                &["arg.", &p.field].concat(),
                &[open, &p.param, close].concat(),
            );
        }
        comment(w, &self.safe_safety(arg, arg_ty, ptrs));
        self.ioctl_call(w, "::core::ptr::from_mut(arg).cast()");
        w.close("");
    }

    /// The unsafe call with `ptr` as the argument pointer, and the
    /// function's result naming the ioctl in an error.
    fn ioctl_call(&self, w: &mut RustWriter, ptr: &str) {
        const HEAD: &str = "let result = unsafe { t.ioctl(";
        let joined = "uapi::".len() + self.cmd.len() + 2 + ptr.len();
        // The call keeps to one line only within rustfmt's call width.
        if w.fits_len(HEAD.len() + joined + ") };".len()) && joined <= CALL_WIDTH {
            w.line_of(&[HEAD, "uapi::", &self.cmd, ", ", ptr, ") };"]);
        } else {
            let args = [format!("uapi::{}", self.cmd), ptr.to_string()];
            w.open("let result = unsafe");
            call_stmt(w, "t.ioctl", &args, "");
            w.close(";");
        }
        struct_line(
            w,
            &["result.map_err(|errno| CallError::Errno"],
            &[&self.ioctl_field, "errno"],
            ")",
        );
    }

    fn revision_check(&self, w: &mut RustWriter) {
        let since = self.io.since;
        if since == 0 {
            return;
        }
        let mut num = String::with_capacity(10);
        push_decimal(&mut num, since);
        w.open_of(&["if driver_revision < ", &num]);
        let since_field = ["since: ", &num].concat();
        struct_line(
            w,
            &["return Err(CallError::Unsupported"],
            &[&self.ioctl_field, &since_field, "driver_revision"],
            ");",
        );
        w.close("");
    }

    /// The argument struct as this ioctl uses it (its `arg-access`
    /// applied): what the kernel writes through a pointer decides
    /// whether the safe function borrows mutably.
    fn arg_view(&self, id: &StructId) -> std::borrow::Cow<'a, Struct> {
        match self.model.ioctl_arg(self.io) {
            Some(view) if self.io.arg.as_ref() == Some(id) => view,
            _ => std::borrow::Cow::Borrowed(self.model.struct_(id)),
        }
    }

    fn ptr_params(&self, arg: &Struct) -> Vec<PtrParam> {
        arg.members
            .iter()
            .filter_map(|mem| {
                let MemberKind::UserPtr {
                    elem, len, stride, ..
                } = &mem.kind
                else {
                    return None;
                };
                let snake = names::snake(&mem.name);
                let param = if FIXED_PARAMS.contains(&snake.as_str()) {
                    snake_ident(&format!("{snake}_"))
                } else {
                    snake_ident(&mem.name)
                };
                let access = self.pointee_access(mem.access, elem);
                Some(PtrParam {
                    param,
                    field: snake_ident(&mem.name),
                    elem: match elem {
                        Elem::Scalar(s) => s.rust().to_string(),
                        Elem::Struct(id) => self.struct_path(id),
                    },
                    writes: access.written_by_kernel(),
                    len: len.clone(),
                    access,
                    stride: *stride,
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
        let Elem::Struct(id) = elem else {
            return declared;
        };
        if declared != Access::In {
            return declared;
        }
        let (mut reads, mut writes) = (false, false);
        self.member_accesses(id, &mut |a| {
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
    fn member_accesses(&self, id: &StructId, f: &mut dyn FnMut(Access)) {
        for m in &self.model.struct_(id).members {
            match &m.kind {
                MemberKind::Pad { .. } => {}
                MemberKind::Struct { id, .. } | MemberKind::Union { id } => {
                    self.member_accesses(id, f)
                }
                MemberKind::Scalar { .. }
                | MemberKind::Binary { .. }
                | MemberKind::String { .. }
                | MemberKind::UserPtr { .. } => f(m.access),
            }
        }
    }

    /// Does the argument hold a user pointer the safe function cannot fill
    /// from a borrow: one inside a nested struct, or inside the elements a
    /// user pointer points at?
    fn nested_ptrs(&self, arg: &Struct) -> bool {
        arg.members.iter().any(|mem| match &mem.kind {
            MemberKind::Struct { id, .. } | MemberKind::Union { id } => self.holds_ptr(id),
            MemberKind::UserPtr {
                elem: Elem::Struct(id),
                ..
            } => self.holds_ptr(id),
            MemberKind::UserPtr {
                elem: Elem::Scalar(_),
                ..
            }
            | MemberKind::Scalar { .. }
            | MemberKind::Pad { .. }
            | MemberKind::Binary { .. }
            | MemberKind::String { .. } => false,
        })
    }

    /// Does a struct hold a user pointer, directly or in a struct it
    /// embeds by value? (By-value nesting is acyclic.)
    fn holds_ptr(&self, id: &StructId) -> bool {
        self.model
            .struct_(id)
            .members
            .iter()
            .any(|m| match &m.kind {
                MemberKind::UserPtr { .. } => true,
                MemberKind::Struct { id, .. } | MemberKind::Union { id } => self.holds_ptr(id),
                MemberKind::Scalar { .. }
                | MemberKind::Pad { .. }
                | MemberKind::Binary { .. }
                | MemberKind::String { .. } => false,
            })
    }

    /// Statements setting each count (or byte length) member from its
    /// slices. A member two pointers share gets the smaller measure, so
    /// it never overstates either slice.
    fn count_fills(&self, w: &mut RustWriter, arg: &Struct, ptrs: &[PtrParam]) {
        let mut order: Vec<usize> = Vec::new();
        for p in ptrs {
            if let PtrLen::Count(i) | PtrLen::Bytes(i) = p.len
                && !order.contains(&i)
            {
                order.push(i);
            }
        }
        for i in order {
            let member = &arg.members[i];
            let measures: Vec<String> = ptrs
                .iter()
                .filter_map(|p| match p.len {
                    PtrLen::Count(j) if j == i => Some(format!("{}.len()", p.param)),
                    PtrLen::Bytes(j) if j == i => {
                        Some(format!("::core::mem::size_of_val({})", p.param))
                    }
                    _ => None,
                })
                .collect();
            let Some((first, rest)) = measures.split_first() else {
                continue;
            };
            let measure = rest
                .iter()
                .fold(first.clone(), |acc, m| format!("{acc}.min({m})"));
            let ty = length_type(member);
            self.count_fill(w, &snake_ident(&member.name), ty, &measure);
        }
        // The element size the caller declares is this crate's own.
        for p in ptrs {
            let Some(i) = p.stride else {
                continue;
            };
            let member = &arg.members[i];
            let ty = length_type(member);
            let measure = format!("::core::mem::size_of::<{}>()", p.elem);
            self.count_fill(w, &snake_ident(&member.name), ty, &measure);
        }
    }

    /// `arg.<field> = <ty>::try_from(<measure>).map_err(..)?;`: the error
    /// closure's struct literal overflows the line the assignment starts
    /// on when its head fits there, else the right-hand side starts on
    /// the next line.
    fn count_fill(&self, w: &mut RustWriter, field: &str, ty: &str, measure: &str) {
        let lhs = ["arg.", field, " ="];
        let rhs = [
            ty,
            "::try_from(",
            measure,
            ").map_err(|_| CallError::TooLong",
        ];
        let len_field = format!("len: {measure}");
        let fields = [self.ioctl_field.as_str(), &len_field];
        // rustfmt keeps the head on the assignment's line only with room
        // to spare (found by trying: five columns, whatever the indentation).
        if w.indent() + len_of(&lhs) + 1 + len_of(&rhs) + 2 + 5 <= MAX_WIDTH {
            let head = [lhs[0], lhs[1], lhs[2], " ", rhs[0], rhs[1], rhs[2], rhs[3]];
            struct_line(w, &head, &fields, ")?;");
            return;
        }
        let lhs = lhs.concat();
        let rhs = rhs.concat();
        let fields = [fields[0].to_string(), len_field];
        w.line(lhs);
        w.indent_in();
        if w.fits(&format!("{rhs} {{")) {
            struct_lit(w, &rhs, &fields, ")?;");
        } else {
            // Even a line of its own is too short: the chain breaks.
            w.line_fmt(format_args!("{ty}::try_from({measure})"));
            w.indent_in();
            struct_lit(w, ".map_err(|_| CallError::TooLong", &fields, ")?;");
            w.indent_out();
        }
        w.indent_out();
    }

    fn safe_safety(&self, arg: &Struct, arg_ty: &str, ptrs: &[PtrParam]) -> String {
        let mut text = String::with_capacity(256 + 256 * ptrs.len());
        text.push_fmt(format_args!(
            "SAFETY: `arg` is an exclusive borrow of a whole `{arg_ty}`, the size `{}` \
             encodes, valid for the kernel's reads and writes.",
            self.cmd
        ));
        if ptrs.is_empty() {
            text.push_str(" It holds no user pointer.");
            return text;
        }
        for p in ptrs {
            let (field, param) = (&p.field, &p.param);
            let borrow = if p.writes { "an exclusive" } else { "a shared" };
            text.push_fmt(format_args!(
                " `arg.{field}` holds the address of `{param}`, {borrow} borrow"
            ));
            match p.len {
                PtrLen::Single => {}
                PtrLen::Count(i) => text.push_fmt(format_args!(
                    " of at least `arg.{}` elements",
                    snake_ident(&arg.members[i].name)
                )),
                PtrLen::Bytes(i) => text.push_fmt(format_args!(
                    " of at least `arg.{}` bytes",
                    snake_ident(&arg.members[i].name)
                )),
            }
            match access_verb(p.access) {
                "reads" => text.push_str("; the kernel only reads it."),
                verb => text.push_fmt(format_args!(
                    "; the kernel {verb} it, and every bit pattern is a valid `{}`.",
                    p.elem
                )),
            }
        }
        text.push_str(" The borrows last for the whole call.");
        text
    }

    // ------------------------------------------------------------ docs

    /// Doc of the safe function (and of an argument-less ioctl's only one).
    fn fn_doc(&self, arg: Option<&StructId>, ptrs: &[PtrParam]) -> String {
        // The paragraphs, one a line, built in one buffer.
        let io = self.io;
        let mut text = String::with_capacity(512);
        if let Some(d) = &io.doc {
            text.push_str(d);
            text.push('\n');
        }
        text.extend([
            "Sends [`uapi::",
            &self.cmd,
            "`], direction ",
            dir_text(io.dir),
            " (`",
            io.dir.c_macro(),
            "`)",
        ]);
        if let Some(a) = &io.arg {
            text.push_str(", with `arg`, a ");
            text.push_str(&self.struct_link(a));
        }
        text.push_str(". Since revision ");
        push_decimal(&mut text, io.since);
        text.push_str(
            ". A driver reporting an older `driver_revision` is not called: \
             [`CallError::Unsupported`].",
        );
        if let Some(arg) = arg {
            for p in ptrs {
                text.push_str("\n- ");
                self.push_ptr_param_doc(&mut text, arg, p);
            }
        }
        if !io.errors.is_empty() {
            text.push_str("\nErrors, as [`CallError::Errno`]:");
            for e in &io.errors {
                text.extend(["\n- `", &e.errno, "`"]);
                if let Some(d) = &e.doc {
                    text.extend([": ", d]);
                }
            }
        }
        text
    }

    /// A pointer parameter's doc item, appended to `text`.
    fn push_ptr_param_doc(&self, text: &mut String, id: &StructId, p: &PtrParam) {
        let arg = self.model.struct_(id);
        let field_link = |i: usize| self.field_link(id, &snake_ident(&arg.members[i].name));
        let ptr = self.field_link(id, &p.field);
        let verb = access_verb(p.access);
        text.extend(["`", &p.param, "`: its address goes in ", &ptr]);
        match p.len {
            PtrLen::Single => text.extend(["; the kernel ", verb, " it."]),
            PtrLen::Count(i) => text.extend([
                " and its length in ",
                &field_link(i),
                " ([`CallError::TooLong`] if it does not fit); the kernel ",
                verb,
                " the elements.",
            ]),
            PtrLen::Bytes(i) => text.extend([
                " and its size in bytes in ",
                &field_link(i),
                " ([`CallError::TooLong`] if it does not fit); the kernel ",
                verb,
                " the elements.",
            ]),
        }
    }

    fn raw_doc(&self, arg: &StructId, ptrs: &[PtrParam], nested: bool) -> String {
        let io = self.io;
        // The paragraphs, one a line, built in one buffer.
        let mut text = String::with_capacity(1024);
        if nested {
            if let Some(d) = &io.doc {
                text.push_str(d);
                text.push('\n');
            }
            text.push_fmt(format_args!(
                "Sends [`uapi::{}`] with `arg`, a {}, exactly as the caller set it. Since \
                 revision {}. A driver reporting an older `driver_revision` is not called: \
                 [`CallError::Unsupported`]. There is no safe variant: the argument holds user \
                 pointers inside nested structs or array elements, which no borrow can vouch \
                 for.",
                self.cmd,
                self.struct_link(arg),
                io.since
            ));
        } else {
            text.push_fmt(format_args!(
                "Like [`{}`], but sends `arg` exactly as the caller set it: user pointers \
                 and their counts are not touched. For tests that pass deliberately bad \
                 pointers or counts.",
                self.name
            ));
        }
        text.push_str("\n# Safety\n");
        if nested {
            text.push_str("Every user pointer in `arg`, nested ones included,");
        } else {
            text.push_str("Each user pointer in `arg` (");
            for (i, p) in ptrs.iter().enumerate() {
                if i > 0 {
                    text.push_str(", ");
                }
                text.push_str(&self.field_link(arg, &p.field));
            }
            text.push(')');
        }
        text.push_str(
            " must be 0 or an address the kernel may access as this ioctl does (read \
             for `in` pointers, write for `out` and `inout` ones) for as many elements or \
             bytes as its count member says, without touching memory that Rust code \
             borrows during the call. An address that is not mapped at all qualifies: the \
             kernel answers it with EFAULT.",
        );
        text
    }

    /// The path prefix and type identifier of struct `id`: the
    /// argument's, built once for the ioctl, or built here.
    fn paths(&self, id: &StructId) -> std::borrow::Cow<'_, (Vec<String>, String)> {
        match &self.arg {
            Some(paths) if self.io.arg.as_ref() == Some(id) => std::borrow::Cow::Borrowed(paths),
            _ => std::borrow::Cow::Owned((
                struct_prefix(self.model, id),
                type_ident(&self.model.struct_(id).name),
            )),
        }
    }

    /// [`struct_path`] of `id`.
    fn struct_path(&self, id: &StructId) -> String {
        let paths = self.paths(id);
        path(&paths.0, &paths.1)
    }

    fn struct_link(&self, id: &StructId) -> String {
        let paths = self.paths(id);
        doc_link(&paths.0, &paths.1)
    }

    fn field_link(&self, id: &StructId, field: &str) -> String {
        let paths = self.paths(id);
        let raw = field.contains("r#")
            || paths.1.contains("r#")
            || paths.0.iter().any(|p| p.contains("r#"));
        if raw {
            let mut prefix = paths.0.clone();
            prefix.push(paths.1.clone());
            return doc_link(&prefix, field);
        }
        // `doc_link`'s text for a path without raw identifiers.
        let mut link = String::with_capacity(
            4 + paths.0.iter().map(|p| p.len() + 2).sum::<usize>()
                + paths.1.len()
                + 2
                + field.len(),
        );
        link.push_str("[`");
        for p in &paths.0 {
            link.push_str(p);
            link.push_str("::");
        }
        link.extend([paths.1.as_str(), "::", field, "`]"]);
        link
    }
}

/// An ioctl's direction as the spec spells it.
fn dir_text(d: Dir) -> &'static str {
    match d {
        Dir::None => "none",
        Dir::In => "in",
        Dir::Out => "out",
        Dir::InOut => "inout",
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

/// The Rust type of a count, length or stride member, which the resolver
/// allows only as a single integer.
fn length_type(member: &crate::model::Member) -> &'static str {
    match &member.kind {
        MemberKind::Scalar { ty, count: None } => ty.rust(),
        MemberKind::Scalar { count: Some(_), .. }
        | MemberKind::Pad { .. }
        | MemberKind::Binary { .. }
        | MemberKind::String { .. }
        | MemberKind::Struct { .. }
        | MemberKind::Union { .. }
        | MemberKind::UserPtr { .. } => "u64",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_wrap_at_their_indentation() {
        let mut w = RustWriter::at_depth(1);
        comment(&mut w, &format!("SAFETY: {}", "word ".repeat(40)));
        let out = w.finish();
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("    // SAFETY: word"), "{out}");
        assert!(lines[1].starts_with("    // word"), "{out}");
        assert!(lines.iter().all(|l| l.len() <= COMMENT_WIDTH), "{out}");
    }
}
