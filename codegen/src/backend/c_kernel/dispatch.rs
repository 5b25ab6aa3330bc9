//! The ops table and the dispatcher of the C kernel side: what the Rust
//! kernel crate's `ops.rs` and `dispatch.rs` write, for a misc device's
//! `unlocked_ioctl`/`compat_ioctl`. The handlers' array code is shared
//! with the DRM table (`drm.rs`).

use super::validate::{arg_stem, grew, scalar_value};
use super::{
    Gen, Helpers, STACK_ARG_MAX, c_prefix, call, comment, push_call, push_comment, push_tabs, tabs,
};
use crate::backend::c::{
    is_reserved_word, magic_macro, member_ident, nr_macro, push_lower, push_member_ident,
};
use crate::backend::shared::{PushFmt, capacity_for, push_decimal, push_hex};
use crate::model::{Elem, Extension, Ioctl, Member, MemberKind, PtrLen, Scalar, Struct};
use crate::names::snake;
use crate::target::Target;

/// The i386 command of an ioctl whose argument's i386 layout differs, and
/// each run of bytes as (x86_64 offset, i386 offset, length).
pub(super) type I386Layout = (String, Vec<(u32, u32, u32)>);

/// Function-like macros of the kernel's common headers that a callback
/// named after an ioctl would call instead (`ops->swap(...)` expands
/// `swap`): such a callback gets a `_` appended.
const KERNEL_FN_MACROS: &[&str] = &[
    "swap",
    "min",
    "max",
    "min3",
    "max3",
    "min_t",
    "max_t",
    "clamp",
    "clamp_t",
    "clamp_val",
    "abs",
    "likely",
    "unlikely",
    "get_user",
    "put_user",
    "offsetof",
    "container_of",
    "barrier",
    "struct_size",
    "array_size",
    "wait_event",
    "wake_up",
    "kfree_rcu",
    "rcu_dereference",
    "kmalloc",
    "kzalloc",
    "kvmalloc",
    "kcalloc",
    "krealloc",
    "alloc_pages",
    "get_free_pages",
];

/// One user-ptr array of an ioctl's argument, as a handler treats it.
pub(super) struct Array {
    /// The callback's parameter and the handler's local.
    pub(super) name: String,
    /// The element's C type.
    elem: String,
    /// The member holding the address.
    field: String,
    /// The element count: (check run first, expression). The check is a
    /// condition under which the length is -EINVAL (a byte length that is
    /// no multiple of the element size).
    count: (Option<String>, String),
    max: String,
    stride: Option<String>,
    read: bool,
    write: bool,
    /// The validate call of an element, with `{}` for its address.
    validate: Option<String>,
}

impl Array {
    /// An array the kernel writes and never reads: the callback fills a
    /// zeroed buffer and says how much of it.
    fn write_only(&self) -> bool {
        self.write && !self.read
    }
}

impl Gen<'_> {
    /// The user-ptr arrays of `io`'s argument (none for the control
    /// transport, whose buffers the control part reads).
    pub(super) fn arrays(&self, io: &Ioctl, karg: &str) -> Vec<Array> {
        if self.is_transport(io) {
            return Vec::new();
        }
        let Some(view) = self.model.ioctl_arg(io) else {
            return Vec::new();
        };
        view.members
            .iter()
            .filter_map(|m| self.array(&view, m, karg))
            .collect()
    }

    fn array(&self, s: &Struct, m: &Member, karg: &str) -> Option<Array> {
        let MemberKind::UserPtr {
            elem,
            len,
            max_count,
            stride,
        } = &m.kind
        else {
            return None;
        };
        let mut name = snake(&m.name);
        if [
            "file", "arg", "ops", "dev", "data", "cmd", "uarg", "karg", "ret", "rev", "i",
        ]
        .contains(&name.as_str())
            || is_reserved_word(&name)
        {
            name.push('_');
        }
        let sibling = |i: usize| -> Option<String> {
            let c = s.members.get(i)?;
            let MemberKind::Scalar { ty, count: None } = c.kind else {
                return None;
            };
            let mut field = String::with_capacity(karg.len() + 2 + c.name.len());
            field.push_str(karg);
            field.push_str("->");
            push_member_ident(&mut field, &c.name);
            let x = scalar_value(&field, ty, c.byte_order);
            Some(if ty.signed() {
                ["(u64)", &x].concat()
            } else {
                x
            })
        };
        let (elem_ty, validate) = match elem {
            Elem::Scalar(t) => (kernel_scalar(*t).to_string(), None),
            Elem::Struct(id) => {
                let v = m.access.read_by_kernel().then(|| {
                    let rev = if self.own_struct(id) {
                        "rev".to_string()
                    } else {
                        self.revision_of(id.spec())
                    };
                    format!("{}({{}}, {rev})", self.struct_fn("validate_{}_at", id))
                });
                (self.ctype(id), v)
            }
        };
        let count = match len {
            PtrLen::Count(i) => (None, sibling(*i)?),
            PtrLen::Bytes(i) => {
                let n = sibling(*i)?;
                (
                    Some(format!("{n} % sizeof(*{name})")),
                    format!("{n} / sizeof(*{name})"),
                )
            }
            PtrLen::Single => (None, "1".to_string()),
        };
        let max = match (len, max_count) {
            (PtrLen::Single, _) => "1".to_string(),
            (_, Some(n)) => format!("{n}ULL"),
            (_, None) => "U64_MAX".to_string(),
        };
        let stride = match stride {
            Some(i) => Some(sibling(*i)?),
            None => None,
        };
        Some(Array {
            name,
            elem: elem_ty,
            field: {
                let mut field = String::with_capacity(karg.len() + 2 + m.name.len());
                field.push_str(karg);
                field.push_str("->");
                push_member_ident(&mut field, &m.name);
                field
            },
            count,
            max,
            stride,
            read: m.access.read_by_kernel(),
            write: m.access.written_by_kernel(),
            validate,
        })
    }

    /// Is `io` the control transport (the control part handles it)?
    pub(super) fn is_transport(&self, io: &Ioctl) -> bool {
        self.transport.is_some_and(|t| t.name == io.name)
    }

    /// The callback's parameters after the argument: one per array, and
    /// for an array the kernel only writes, where the callback says how
    /// many leading elements it filled (only those are copied out: the
    /// caller's elements past them stay untouched, as the Rust kernel
    /// crate's element-wise writes leave them).
    fn array_params(&self, arrays: &[Array]) -> Vec<String> {
        let mut params = Vec::new();
        for a in arrays {
            let c = if a.write { "" } else { "const " };
            params.push(format!("{c}{} *{}", a.elem, a.name));
            if a.write_only() {
                params.push(format!("u64 *{}_written", a.name));
            }
        }
        params
    }

    /// The callback's arguments after the argument, matching
    /// [`Gen::array_params`].
    pub(super) fn array_args(&self, arrays: &[Array]) -> Vec<String> {
        let mut args = Vec::new();
        for a in arrays {
            args.push(a.name.clone());
            if a.write_only() {
                args.push(format!("&{}_written", a.name));
            }
        }
        args
    }

    /// The handler's locals for its arrays.
    pub(super) fn array_decls(&self, out: &mut String, arrays: &[Array]) {
        for a in arrays {
            let n = &a.name;
            out.push_fmt(format_args!(
                "\t{} *{n} = NULL;\n\tu64 {n}_n = 0;\n",
                a.elem
            ));
            if a.write_only() {
                out.push_fmt(format_args!("\tu64 {n}_written = 0;\n"));
            }
        }
        if arrays.iter().any(|a| a.validate.is_some()) {
            out.push_str("\tu64 i;\n");
        }
    }

    /// After validation: each array copied in (or allocated zeroed) and
    /// its elements validated; failures `goto out`.
    pub(super) fn array_setup(&self, out: &mut String, arrays: &[Array], h: &mut Helpers) {
        let p = &self.p;
        for a in arrays {
            h.array_in = true;
            let n = &a.name;
            if let Some(c) = &a.count.0 {
                out.push_fmt(format_args!(
                    "\tif ({c}) {{\n\t\tret = -EINVAL;\n\t\tgoto out;\n\t}}\n"
                ));
            }
            out.push_fmt(format_args!("\t{n}_n = {};\n", a.count.1));
            let size = format!("sizeof(*{n})");
            push_call(
                out,
                1,
                &format!("{n} = {p}_array_in("),
                &[
                    a.field.as_str(),
                    &format!("{n}_n"),
                    &a.max,
                    &size,
                    a.stride.as_deref().unwrap_or(&size),
                    if a.read { "true" } else { "false" },
                ],
                ");",
            );
            out.push_fmt(format_args!(
                "\tif (IS_ERR({n})) {{\n\t\tret = PTR_ERR({n});\n\t\t{n} = NULL;\n\t\tgoto out;\n\t}}\n"
            ));
            if let Some(v) = &a.validate {
                out.push_fmt(format_args!("\tfor (i = 0; i < {n}_n; i++) {{\n"));
                push_call(
                    out,
                    2,
                    "ret = ",
                    &[v.replace("{}", &format!("&{n}[i]"))],
                    ";",
                );
                out.push_str("\t\tif (ret)\n\t\t\tgoto out;\n\t}\n");
            }
        }
    }

    /// After the callback's success: the arrays the kernel writes copied
    /// back.
    pub(super) fn array_copy_out(&self, out: &mut String, arrays: &[Array], h: &mut Helpers) {
        let p = &self.p;
        for a in arrays.iter().filter(|a| a.write) {
            h.array_out = true;
            let n = &a.name;
            let size = format!("sizeof(*{n})");
            let count = if a.write_only() {
                format!("min({n}_written, {n}_n)")
            } else {
                format!("{n}_n")
            };
            push_call(
                out,
                1,
                &format!("ret = {p}_array_out("),
                &[
                    a.field.as_str(),
                    n,
                    &count,
                    &size,
                    a.stride.as_deref().unwrap_or(&size),
                ],
                ");",
            );
            out.push_str("\tif (ret)\n\t\tgoto out;\n");
        }
    }

    pub(super) fn array_frees(&self, out: &mut String, arrays: &[Array]) {
        for a in arrays {
            out.push_fmt(format_args!("\tkvfree({});\n", a.name));
        }
    }

    /// The callback's name in the ops table.
    pub(super) fn cb_name(&self, io: &Ioctl) -> String {
        let n = snake(&io.name);
        if is_reserved_word(&n)
            || ["revision", "privileged", "control"].contains(&n.as_str())
            || KERNEL_FN_MACROS.contains(&n.as_str())
        {
            n + "_"
        } else {
            n
        }
    }

    /// The ops table, the entry points and their docs (header).
    pub(super) fn ops_decl(&self) -> String {
        let m = self.model;
        let p = &self.p;
        let ctx: Vec<String> = if self.drm {
            vec![
                "struct drm_device *dev".into(),
                "struct drm_file *file".into(),
            ]
        } else {
            vec!["struct file *file".into()]
        };
        let ctx_s = ctx.join(", ");
        let root = m.includes.is_empty();
        let transport = self.transport;
        let mut out = String::new();
        if transport.is_some() {
            out += &format!("struct {p}_control_ops;\n\n");
        }
        out += &comment(
            0,
            &[format!(
                "What a driver implements for the {} spec: one callback per ioctl, called \
                 with the argument already copied in, cleared and validated (and the \
                 user-ptr arrays copied in and validated); 0 or a negative errno. A NULL \
                 callback makes its ioctl -ENOTTY.",
                m.name
            )],
        );
        out += &format!("struct {p}_ops {{\n");
        for inc in &m.includes {
            out += &format!("\t/* The included {} spec's table. */\n", inc.name);
            out += &format!(
                "\tconst struct {}_ops *{};\n",
                c_prefix(inc),
                member_ident(&snake(&inc.c_prefix))
            );
        }
        out += &format!(
            "\t/* Optional: the revision implemented; NULL is {}. */\n",
            self.revision_macro()
        );
        out += &format!("\tu32 (*revision)({ctx_s});\n");
        if root {
            out += "\t/* Optional: may the caller use admin-perm items? NULL is\n";
            out += "\t * capable(CAP_SYS_ADMIN).\n\t */\n";
            out += &format!("\tbool (*privileged)({ctx_s});\n");
        }
        for io in &m.ioctls {
            if self.is_transport(io) {
                continue;
            }
            out.push_str("\t/* ");
            out.push_str(&crate::names::upper(&io.name));
            out.push_fmt(format_args!(
                " ({}, nr {:#04x}), since revision ",
                io.dir.c_macro(),
                io.nr
            ));
            push_decimal(&mut out, io.since);
            out.push_str(if io.admin_perm {
                ", admin-perm. */\n"
            } else {
                ". */\n"
            });
            let mut params = ctx.clone();
            if let Some(arg) = &io.arg {
                let mut arg_param = self.ctype(arg);
                arg_param.push_str(" *arg");
                params.push(arg_param);
                params.extend(self.array_params(&self.arrays(io, "arg")));
            }
            push_call(
                &mut out,
                1,
                &["int (*", &self.cb_name(io), ")("].concat(),
                &params,
                ");",
            );
        }
        if transport.is_some() {
            out += "\t/* The control operations (see the control part below). */\n";
            out += &format!("\tconst struct {p}_control_ops *control;\n");
        }
        out += "};\n\n";
        let mut rev_params = vec![format!("const struct {p}_ops *ops")];
        rev_params.extend(ctx.clone());
        out += &comment(
            0,
            &[format!(
                "The revision the driver reports (ops->revision, else {}).",
                self.revision_macro()
            )],
        );
        out += &call(0, &format!("u32 {p}_revision("), &rev_params, ");");
        if root {
            out += "\n";
            out += &comment(
                0,
                &[
                    "Whether the caller may use admin-perm items (ops->privileged, else \
                   capable(CAP_SYS_ADMIN))."
                        .to_string(),
                ],
            );
            out += &call(0, &format!("bool {p}_privileged("), &rev_params, ");");
        }
        out += "\n";
        if self.drm {
            out += &self.drm_decl();
            return out;
        }
        out += &comment(
            0,
            &[
                "Handles one ioctl of this spec (or of an included spec, through its own \
                 dispatcher and table): cmd and arg as the system call passed them, compat \
                 for a 32-bit caller (compat_ioctl)."
                    .to_string(),
            ],
        );
        out += &call(
            0,
            &format!("long {p}_dispatch("),
            &[
                format!("const struct {p}_ops *ops"),
                "struct file *file".into(),
                "unsigned int cmd".into(),
                "unsigned long arg".into(),
                "bool compat".into(),
            ],
            ");",
        );
        out += "\n";
        out += &comment(
            0,
            &[format!(
                "Defined by the driver: the ops table of an open file, which {p}_ioctl and \
                 {p}_compat_ioctl (file_operations' unlocked_ioctl and compat_ioctl) use."
            )],
        );
        out += &format!("const struct {p}_ops *{p}_file_ops(struct file *file);\n\n");
        for (name, compat) in [("ioctl", "false"), ("compat_ioctl", "true")] {
            out += &call(
                0,
                &format!("static inline long {p}_{name}("),
                &[
                    "struct file *file".into(),
                    "unsigned int cmd".into(),
                    "unsigned long arg".into(),
                ],
                ")",
            );
            out += "{\n";
            out += &call(
                1,
                &format!("return {p}_dispatch("),
                &[
                    format!("{p}_file_ops(file)"),
                    "file".into(),
                    "cmd".into(),
                    "arg".into(),
                    compat.into(),
                ],
                ");",
            );
            out += "}\n\n";
        }
        if let Some(t) = transport
            && let Some(arg) = &t.arg
        {
            out += &comment(
                0,
                &[format!(
                    "The {} ioctl's handler, defined by the control part: called with the \
                     argument copied in, cleared and validated; the dispatcher copies it \
                     back on success and on failure.",
                    crate::names::upper(&t.name)
                )],
            );
            out += &call(
                0,
                &format!("int {p}_control("),
                &[
                    format!("const struct {p}_ops *ops"),
                    "struct file *file".into(),
                    format!("{} *arg", self.ctype(arg)),
                ],
                ");",
            );
        }
        while out.ends_with("\n\n") {
            out.pop();
        }
        out
    }

    /// `<p>_revision` and `<p>_privileged` (source).
    pub(super) fn runtime_fns(&self) -> String {
        let p = &self.p;
        let (ctx, args): (Vec<String>, &str) = if self.drm {
            (
                vec![
                    "struct drm_device *dev".into(),
                    "struct drm_file *file".into(),
                ],
                "dev, file",
            )
        } else {
            (vec!["struct file *file".into()], "file")
        };
        let mut params = vec![format!("const struct {p}_ops *ops")];
        params.extend(ctx);
        let mut out = call(0, &format!("u32 {p}_revision("), &params, ")");
        out += "{\n";
        // A missing table (an included spec's left NULL) answers with the
        // defaults rather than oopsing.
        out += &format!(
            "\treturn ops && ops->revision ? ops->revision({args}) : {};\n}}\n\n",
            self.revision_macro()
        );
        if self.model.includes.is_empty() {
            out += &call(0, &format!("bool {p}_privileged("), &params, ")");
            out += "{\n";
            out += &format!(
                "\tif (ops && ops->privileged)\n\t\treturn ops->privileged({args});\n\
                 \treturn capable(CAP_SYS_ADMIN);\n}}\n\n"
            );
        }
        out
    }

    /// The handlers and `<p>_dispatch` (source).
    pub(super) fn dispatcher(&self, out: &mut String, h: &mut Helpers) {
        let m = self.model;
        let p = &self.p;
        out.reserve(capacity_for(m, 100));
        let uses_uarg = m.ioctls.iter().any(|io| io.arg.is_some());
        if uses_uarg {
            out.push_str(&self.uarg_helper());
        }
        // Each ioctl's case: its nr macro, its handler, and how many of
        // the handler's arguments (`ops, file, cmd, uarg, compat`) it takes.
        let mut cases = Vec::with_capacity(m.ioctls.len());
        for io in &m.ioctls {
            // `<p>_ioctl_<name>`, pushed in pieces: one per ioctl.
            let mut name = String::with_capacity(p.len() + 7 + io.name.len());
            name.push_str(p);
            name.push_str("_ioctl_");
            push_lower(&mut name, &io.name);
            let i386 = self.i386_segments(io);
            self.handler(out, io, &name, i386.as_ref(), h);
            let n_args = match (&io.arg, &i386) {
                (None, _) => 2,
                (Some(_), None) => 4,
                (Some(_), Some(_)) => 5,
            };
            cases.push((nr_macro(m, io), name, n_args));
        }
        push_call(
            out,
            0,
            &format!("long {p}_dispatch("),
            &[
                format!("const struct {p}_ops *ops").as_str(),
                "struct file *file",
                "unsigned int cmd",
                "unsigned long arg",
                "bool compat",
            ],
            ")",
        );
        out.push_str("{\n");
        if uses_uarg {
            out.push_fmt(format_args!(
                "\tvoid __user *uarg = {p}_uarg(arg, compat);\n\n"
            ));
        }
        out.push_str("\tif (!ops)\n\t\treturn -ENOTTY;\n");
        let fallback = match m.includes.last() {
            Some(inc) => format!(
                "{}_dispatch({}, file, cmd, arg, compat)",
                c_prefix(inc),
                self.ops_of(&inc.name)
            ),
            None => "-ENOTTY".to_string(),
        };
        let Some(magic) = magic_macro(m).filter(|_| m.magic.is_some()) else {
            out.push_fmt(format_args!("\treturn {fallback};\n}}\n"));
            return;
        };
        out.push_fmt(format_args!(
            "\tif (_IOC_TYPE(cmd) != {magic})\n\t\treturn -ENOTTY;\n\tswitch (_IOC_NR(cmd)) {{\n"
        ));
        const HANDLER_ARGS: [&str; 5] = ["ops", "file", "cmd", "uarg", "compat"];
        for (nr, name, n_args) in &cases {
            for piece in ["\tcase ", nr, ":\n"] {
                out.push_str(piece);
            }
            push_call(
                out,
                2,
                &["return ", name, "("].concat(),
                &HANDLER_ARGS[..*n_args],
                ");",
            );
        }
        // The included specs' own numbers, but the last's (the default).
        for (i, inc) in m.includes.iter().enumerate() {
            if i + 1 == m.includes.len() {
                break;
            }
            for spec in inc.all_includes().into_iter().chain([inc.as_ref()]) {
                for io in &spec.ioctls {
                    out.push_fmt(format_args!("\tcase {}:\n", nr_macro(spec, io)));
                }
            }
            out.push_fmt(format_args!(
                "\t\treturn {}_dispatch({}, file, cmd, arg, compat);\n",
                c_prefix(inc),
                self.ops_of(&inc.name)
            ));
        }
        out.push_fmt(format_args!(
            "\tdefault:\n\t\treturn {fallback};\n\t}}\n}}\n"
        ));
    }

    fn uarg_helper(&self) -> String {
        let p = &self.p;
        let mut out = comment(
            0,
            &["The argument as a user pointer: a 32-bit caller's through compat_ptr.".to_string()],
        );
        out += &format!("static void __user *{p}_uarg(unsigned long arg, bool compat)\n{{\n");
        out += "#ifdef CONFIG_COMPAT\n\tif (compat)\n\t\treturn compat_ptr(arg);\n#endif\n";
        out += "\treturn (void __user *)arg;\n}\n\n";
        out
    }

    /// One ioctl's handler of the dispatcher (after its i386 table, when
    /// its argument's i386 layout differs).
    fn handler(
        &self,
        out: &mut String,
        io: &Ioctl,
        name: &str,
        i386: Option<&I386Layout>,
        h: &mut Helpers,
    ) {
        let p = &self.p;
        let cb = self.cb_name(io);
        let since = io.since;
        let push_perm = |out: &mut String| {
            if io.admin_perm {
                out.push_fmt(format_args!(
                    "\tif (!{})\n\t\treturn -EPERM;\n",
                    self.privileged_call()
                ));
            }
        };
        let Some(arg) = &io.arg else {
            push_call(
                out,
                0,
                &format!("static int {name}("),
                &[
                    format!("const struct {p}_ops *ops").as_str(),
                    "struct file *file",
                ],
                ")",
            );
            out.push_fmt(format_args!(
                "{{\n\tif ({p}_revision(ops, file) < {since} || !ops->{cb})\n\t\treturn -ENOTTY;\n"
            ));
            push_perm(out);
            out.push_fmt(format_args!("\treturn ops->{cb}(file);\n}}\n\n"));
            return;
        };
        let s = self.model.struct_(arg);
        let ty = self.ctype(arg);
        // `<p>_<ioctl>_i386`, the table of an i386 layout.
        let i386_table = i386.map(|_| format!("{p}_{}_i386", snake(&io.name)));
        if let (Some((cmd, segs)), Some(table)) = (i386, &i386_table) {
            out.push_fmt(format_args!(
                "/* The i386 command of {}, whose argument's layout differs there. */\n\
                 #define {} \\\n\t{cmd}\n\n\
                 /* Where each member of a {ty} is in the i386 layout. */\n\
                 static const struct {p}_i386_seg {table}[] = {{\n",
                crate::names::upper(&io.name),
                self.i386_cmd_macro(io),
            ));
            for (n, c, l) in segs {
                out.push_fmt(format_args!("\t{{ {n}, {c}, {l} }},\n"));
            }
            out.push_str("};\n\n");
        }
        let transport = self.is_transport(io);
        let arrays = self.arrays(io, "karg");
        let big = s
            .layouts
            .get(&Target::X86_64)
            .is_some_and(|l| l.size > STACK_ARG_MAX);
        let copies_in = io.dir.copies_in();
        let copies_out = io.dir.copies_out();
        let mut doc = crate::names::upper(&io.name);
        for piece in [" (", io.dir.c_macro(), ", nr "] {
            doc.push_str(piece);
        }
        push_hex(&mut doc, u64::from(io.nr), 2);
        for piece in [
            ", ",
            io.extension.unwrap_or(Extension::ZeroExtend).name(),
            "), since revision ",
        ] {
            doc.push_str(piece);
        }
        push_decimal(&mut doc, since);
        doc.push('.');
        push_comment(out, 0, &[doc]);
        let ops_param = ["const struct ", p, "_ops *ops"].concat();
        let params = [
            ops_param.as_str(),
            "struct file *file",
            "unsigned int cmd",
            "void __user *uarg",
            "bool compat",
        ];
        let n_params = if i386.is_some() { 5 } else { 4 };
        push_call(
            out,
            0,
            &["static int ", name, "("].concat(),
            &params[..n_params],
            ")",
        );
        out.push_str("{\n");
        if big {
            for piece in ["\t", &ty, " *karg;\n"] {
                out.push_str(piece);
            }
        } else {
            for piece in [
                "\t",
                &ty,
                " stack_arg = {};\n\t",
                &ty,
                " *karg = &stack_arg;\n",
            ] {
                out.push_str(piece);
            }
        }
        if copies_in || copies_out {
            out.push_str("\tsize_t usize = _IOC_SIZE(cmd);\n");
        }
        for piece in ["\tu32 rev = ", p, "_revision(ops, file);\n"] {
            out.push_str(piece);
        }
        let own = self.own_struct(arg);
        let arg_rev = if own {
            "rev"
        } else {
            out.push_fmt(format_args!(
                "\tu32 arg_rev = {};\n",
                self.revision_of(arg.spec())
            ));
            "arg_rev"
        };
        self.array_decls(out, &arrays);
        if copies_in || copies_out {
            out.push_str("\tsize_t ksize;\n");
        }
        if i386.is_some() {
            let head = format!("\tbool i386_layout = {p}_is_i386(compat) &&");
            let col = super::width_at(0, "\tbool i386_layout = ");
            out.push_fmt(format_args!(
                "{head}\n{}{}cmd == {};\n",
                tabs(col / 8),
                " ".repeat(col % 8),
                self.i386_cmd_macro(io)
            ));
        }
        out.push_str("\tint ret;\n\n");
        if transport {
            out.push_fmt(format_args!("\tif (rev < {since})\n\t\treturn -ENOTTY;\n"));
        } else {
            out.push_str("\tif (rev < ");
            push_decimal(out, since);
            for piece in [" || !ops->", &cb, ")\n\t\treturn -ENOTTY;\n"] {
                out.push_str(piece);
            }
        }
        push_perm(out);
        if copies_in || copies_out {
            if grew(s) {
                out.push_fmt(format_args!(
                    "\tksize = {}({arg_rev});\n",
                    self.struct_fn("{}_size_at", arg)
                ));
            } else {
                out.push_str("\tksize = sizeof(*karg);\n");
            }
        }
        if big {
            out.push_str("\tkarg = kzalloc(sizeof(*karg), GFP_KERNEL);\n");
            out.push_str("\tif (!karg)\n\t\treturn -ENOMEM;\n");
        }
        if copies_in {
            h.copy_in = true;
            let strict = io.extension == Some(Extension::Strict);
            // Laid out at no indent, then moved in (as it always was).
            let mut normal = String::new();
            push_call(
                &mut normal,
                0,
                &["ret = ", p, "_copy_arg_in("].concat(),
                &[
                    "karg",
                    "ksize",
                    "uarg",
                    "usize",
                    if strict { "true" } else { "false" },
                ],
                ");",
            );
            out.push_str("\tif (_IOC_DIR(cmd) & _IOC_WRITE) {\n");
            if let (Some((_, segs)), Some(table)) = (i386, &i386_table) {
                h.i386 = true;
                h.i386_in = !segs.is_empty();
                out.push_str("\t\tif (i386_layout)\n");
                push_call(
                    out,
                    3,
                    &format!("ret = {p}_i386_in("),
                    &[
                        "karg",
                        "uarg",
                        table.as_str(),
                        &format!("ARRAY_SIZE({table})"),
                        "usize",
                    ],
                    ");",
                );
                out.push_str("\t\telse\n");
                push_indented(out, &normal, 3);
            } else {
                push_indented(out, &normal, 2);
            }
            out.push_str("\t\tif (ret)\n\t\t\tgoto out;\n\t}\n");
        }
        // `<p>_clear_newer_<s>`, when a later revision grew the argument.
        let clear_newer = self
            .has_newer(s)
            .then(|| self.struct_fn("clear_newer_{}", arg));
        if let Some(f) = &clear_newer {
            for piece in ["\t", f, "(karg, ", arg_rev, ");\n"] {
                out.push_str(piece);
            }
        }
        if io.arg_access.is_empty() {
            for piece in [
                "\t",
                &self.struct_fn("clear_out_{}", arg),
                "(karg);\n\tret = ",
                &self.struct_fn("validate_{}_at", arg),
                "(karg, ",
                arg_rev,
                ");\n",
            ] {
                out.push_str(piece);
            }
        } else {
            let stem = arg_stem(io);
            for piece in [
                "\t",
                p,
                "_clear_out_",
                &stem,
                "(karg);\n\tret = ",
                p,
                "_validate_",
                &stem,
                "_at(karg, ",
                arg_rev,
                ");\n",
            ] {
                out.push_str(piece);
            }
        }
        out.push_str("\tif (ret)\n\t\tgoto out;\n");
        let copy_back = |out: &mut String, h: &mut Helpers| {
            if !copies_out {
                return;
            }
            out.push_str("\tif (_IOC_DIR(cmd) & _IOC_READ) {\n");
            if let Some(f) = &clear_newer {
                out.push_fmt(format_args!("\t\t{f}(karg, {arg_rev});\n"));
            }
            if let Some(table) = &i386_table {
                h.i386 = true;
                h.i386_out = true;
                out.push_str("\t\tif (i386_layout)\n");
                push_call(
                    out,
                    3,
                    &format!("ret = {p}_i386_out("),
                    &[
                        "uarg",
                        "karg",
                        table.as_str(),
                        &format!("ARRAY_SIZE({table})"),
                        "usize",
                    ],
                    ");",
                );
                out.push_str("\t\telse if (copy_to_user(uarg, karg, min(usize, ksize)))\n");
            } else {
                out.push_str("\t\tif (copy_to_user(uarg, karg, min(usize, ksize)))\n");
            }
            out.push_str("\t\t\tret = -EFAULT;\n\t}\n");
        };
        if transport {
            if self.control {
                out.push_fmt(format_args!("\tret = {p}_control(ops, file, karg);\n"));
            } else {
                out.push_str("\t/* The control part is not generated: no operations. */\n");
                out.push_str("\tret = -EOPNOTSUPP;\n");
            }
            out.push_str("\t/* Copied back on failure too (error-offset, reply-len). */\n");
            copy_back(out, h);
        } else {
            self.array_setup(out, &arrays, h);
            let mut args = vec!["file".to_string(), "karg".to_string()];
            args.extend(self.array_args(&arrays));
            push_call(out, 1, &["ret = ops->", &cb, "("].concat(), &args, ");");
            out.push_str("\tif (ret)\n\t\tgoto out;\n");
            self.array_copy_out(out, &arrays, h);
            copy_back(out, h);
        }
        out.push_str("out:\n");
        self.array_frees(out, &arrays);
        if big {
            out.push_str("\tkfree(karg);\n");
        }
        out.push_str("\treturn ret;\n}\n\n");
    }

    /// `<P>_<IOCTL>_I386_CMD`, the i386 command macro of the `.c`.
    fn i386_cmd_macro(&self, io: &Ioctl) -> String {
        format!("{}_{}_I386_CMD", self.pu, crate::names::upper(&io.name))
    }

    /// For an ioctl whose argument's i386 layout differs from x86_64's
    /// (an existing ABI's struct with a `u64` after an odd number of
    /// `u32`s, or tail padding): the i386 command and the (x86_64
    /// offset, i386 offset, size) of each member.
    pub(super) fn i386_segments(&self, io: &Ioctl) -> Option<I386Layout> {
        let m = self.model;
        // The cheap question first: most ioctls have no i386 command.
        let _ = io.cmds.get(&Target::I386).copied().flatten()?;
        let conv = m.i386_conversion(io.arg.as_ref()?)?;
        let segs = conv
            .runs
            .iter()
            .map(|r| (r.native, r.i386, r.len))
            .collect();
        let dir = match io.dir {
            crate::ioc::Dir::None => "_IOC_NONE",
            crate::ioc::Dir::In => "_IOC_WRITE",
            crate::ioc::Dir::Out => "_IOC_READ",
            crate::ioc::Dir::InOut => "_IOC_READ | _IOC_WRITE",
        };
        let magic = magic_macro(m)?;
        let cmd = format!(
            "_IOC({dir}, {magic}, {}, {})",
            nr_macro(m, io),
            conv.i386_size
        );
        Some((cmd, segs))
    }
}

/// The static helpers of the i386 conversion (one `.c`).
pub(super) fn i386_helpers(p: &str, read: bool, write: bool) -> String {
    let mut out = comment(
        0,
        &[
            "One run of bytes of an existing-ABI struct: where it is in the native \
           (x86_64) layout and in the i386 one, and how long it is."
                .to_string(),
        ],
    );
    out += &format!("struct {p}_i386_seg {{\n\tu16 native;\n\tu16 compat;\n\tu16 size;\n}};\n\n");
    out += &comment(
        0,
        &[
            "A 32-bit caller's argument on an x86_64 kernel: the i386 command and layout \
           of an existing-ABI struct whose layout differs."
                .to_string(),
        ],
    );
    out += &format!("static bool {p}_is_i386(bool compat)\n{{\n");
    out += "\treturn compat && IS_ENABLED(CONFIG_X86_64);\n}\n\n";
    if read {
        out += &i386_in(p);
    }
    if write {
        out += &i386_out(p);
    }
    out
}

fn i386_in(p: &str) -> String {
    let mut out = comment(
        0,
        &["Reads an argument of usize bytes in the i386 layout into the native karg.".to_string()],
    );
    out += &call(
        0,
        &format!("static int {p}_i386_in("),
        &[
            "void *karg".into(),
            "const void __user *uarg".into(),
            format!("const struct {p}_i386_seg *segs"),
            "size_t n".into(),
            "size_t usize".into(),
        ],
        ")",
    );
    out += "{\n\tu8 *buf = kzalloc(usize, GFP_KERNEL);\n\tsize_t i;\n\n";
    out += "\tif (!buf)\n\t\treturn -ENOMEM;\n";
    out += "\tif (copy_from_user(buf, uarg, usize)) {\n\t\tkfree(buf);\n\t\treturn -EFAULT;\n\t}\n";
    out += "\tfor (i = 0; i < n; i++)\n";
    out += "\t\tif (segs[i].compat + segs[i].size <= usize)\n";
    out += &call(
        3,
        "memcpy(",
        &[
            "(u8 *)karg + segs[i].native".into(),
            "buf + segs[i].compat".into(),
            "segs[i].size".into(),
        ],
        ");",
    );
    out += "\tkfree(buf);\n\treturn 0;\n}\n\n";
    out
}

fn i386_out(p: &str) -> String {
    let mut out = comment(
        0,
        &["Writes the native karg back as usize bytes of the i386 layout.".to_string()],
    );
    out += &call(
        0,
        &format!("static int {p}_i386_out("),
        &[
            "void __user *uarg".into(),
            "const void *karg".into(),
            format!("const struct {p}_i386_seg *segs"),
            "size_t n".into(),
            "size_t usize".into(),
        ],
        ")",
    );
    out += "{\n\tu8 *buf = kzalloc(usize, GFP_KERNEL);\n\tsize_t i;\n\tint ret = 0;\n\n";
    out += "\tif (!buf)\n\t\treturn -ENOMEM;\n";
    out += "\tfor (i = 0; i < n; i++)\n";
    out += "\t\tif (segs[i].compat + segs[i].size <= usize)\n";
    out += &call(
        3,
        "memcpy(",
        &[
            "buf + segs[i].compat".into(),
            "(const u8 *)karg + segs[i].native".into(),
            "segs[i].size".into(),
        ],
        ");",
    );
    out += "\tif (copy_to_user(uarg, buf, usize))\n\t\tret = -EFAULT;\n";
    out += "\tkfree(buf);\n\treturn ret;\n}\n\n";
    out
}

/// `text` (lines at some indent) moved `n` tabs in, written at the end
/// of `out`.
fn push_indented(out: &mut String, text: &str, n: usize) {
    for l in text.lines() {
        push_tabs(out, n);
        out.push_str(l);
        out.push('\n');
    }
}

/// The kernel's type of an array element scalar.
fn kernel_scalar(t: Scalar) -> &'static str {
    match t {
        Scalar::U8 => "u8",
        Scalar::U16 => "u16",
        Scalar::U32 => "u32",
        Scalar::U64 => "u64",
        Scalar::S8 => "s8",
        Scalar::S16 => "s16",
        Scalar::S32 => "s32",
        Scalar::S64 => "s64",
    }
}
