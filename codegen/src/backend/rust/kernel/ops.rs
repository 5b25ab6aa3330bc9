//! The `Ops` trait of the kernel crate: one method per ioctl (and per
//! control-message operation), the driver's revision and its privilege
//! check; and the `user-ptr` arrays an ioctl's handler receives.

use super::two::Tw;
use super::{Gen, doc, lib_name, path};
use crate::backend::rust::Flavour;
use crate::backend::rust::RustScalar;
use crate::backend::rust::items;
use crate::backend::rust::layout;
use crate::backend::rust::uapi::{dir_text, since_text};
use crate::backend::rust::writer::{RustWriter, ident, link_to, snake_ident};
use crate::backend::shared::PushFmt;
use crate::model::{Access, Elem, Ioctl, Member, MemberKind, PtrLen, Scalar, Struct};
use crate::names;

/// Names the handler's locals use, which a user-pointer parameter must
/// not shadow.
const RESERVED_LOCALS: &[&str] = &[
    "ops", "file", "mem", "ioc", "addr", "arg", "rev", "arg_rev", "size",
];

/// A `user-ptr` member of an ioctl argument, as the handler receives it.
pub(super) struct Ptr {
    /// The handler's parameter (and the dispatcher's local).
    pub(super) param: String,
    elem: String,
    /// The call building the `UserArray` from `arg`: the function and
    /// its arguments but the flavour's own (the caller's memory first,
    /// and the element validation last when `validate` is `None`).
    build: (&'static str, Vec<String>),
    /// The function validating each element: none for plain elements,
    /// which the runtime's `no_validation` (of the flavour's path) takes.
    validate: Option<String>,
    /// The element size the caller declares (`stride:`), as a `u64`.
    stride: Option<String>,
    /// Whether the kernel reads, writes or both.
    pub(super) access: crate::model::Access,
    doc: String,
}

impl Gen<'_> {
    /// The `Ops` trait: the flavours differ only in its methods'
    /// signatures, the rest is printed once for both.
    pub(super) fn ops_trait(&self, tw: &mut Tw, ptrs: &[Vec<Ptr>]) {
        let w = tw.w();
        let m = self.model;
        let roots = self.file_roots();
        let first = roots.first().map(|r| r.name.clone()).unwrap_or_default();
        // Every `File` beyond the first is bound to the first.
        let bind = |name: &str| -> String {
            if roots.len() > 1 && name != first && roots.iter().any(|r| r.name == name) {
                let p = self.kernel_prefix(&first);
                format!("<File = <Self as {}>::File>", path(&p, "Ops"))
            } else {
                String::new()
            }
        };
        let mut bounds: Vec<String> = m
            .includes
            .iter()
            .map(|inc| format!("{}::Ops{}", lib_name(&inc.name), bind(&inc.name)))
            .collect();
        for r in &roots {
            if r.name != m.name && !m.includes.iter().any(|i| i.name == r.name) {
                let b = bind(&r.name);
                if !b.is_empty() {
                    let p = self.kernel_prefix(&r.name);
                    bounds.push(format!("{}{b}", path(&p, "Ops")));
                }
            }
        }

        let mut d = vec![format!(
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
            d.push(format!(
                "A driver implements {} as well, for the ioctls of the included specs.",
                incs.join(" and ")
            ));
        }
        d.push(
            "A method returns the errno the caller sees; the spec's errors for each ioctl are \
             listed on its method."
                .to_string(),
        );
        doc(w, &d.join("\n"));
        if bounds.is_empty() {
            w.open("pub trait Ops");
        } else {
            trait_head(w, &bounds);
        }
        if m.includes.is_empty() {
            w.line("/// The driver's state for one open file description (what `struct");
            w.line("/// file`'s `private_data` points at): every handler gets the caller's.");
            w.line("type File: ?Sized;");
        }
        doc(
            w,
            &format!(
                "The revision of the `{}` spec this driver implements; by default the one \
                 this crate was generated from ([`uapi::REVISION`]). [`dispatch`] answers \
                 `ENOTTY` for an ioctl whose `since` is greater, as a kernel that predates it \
                 would, and copies and validates every argument as that revision did (its \
                 struct's size then, without the enum values and flag bits added since), so \
                 one driver can play every revision in compatibility tests.",
                m.name
            ),
        );
        w.open_fmt(format_args!("fn {}(&self) -> u32", self.revision_fn()));
        w.line("uapi::REVISION");
        w.close("");
        if m.includes.is_empty() {
            w.lines(
                "/// Whether the caller may use what the spec marks `admin-perm`\n\
                 /// (an ioctl, or an operation of the control messages):\n\
                 /// [`dispatch`] answers `EPERM` without calling the handler\n\
                 /// when this is false. A kernel driver checks the caller's\n\
                 /// `CAP_SYS_ADMIN` here. False by default.",
            );
            w.open("fn privileged(&self, file: &Self::File) -> bool");
            w.line("let _ = file;");
            w.line("false");
            w.close("");
        }
        // Every method's `File` type: one for all.
        let file = self.file_ty("Self");
        let file_param = ["file: &", &file].concat();
        for (io, io_ptrs) in m.ioctls.iter().zip(ptrs) {
            if self.transport.is_some_and(|t| t.name == io.name) {
                self.op_methods(tw, &file);
            } else {
                self.ops_method(tw, io, &file_param, io_ptrs);
            }
        }
        tw.w().close("");
    }

    /// `ptrs`: the ioctl's [`Self::ptrs`].
    /// `file_param`: `file: &<the File type>`, every method's.
    fn ops_method(&self, tw: &mut Tw, io: &Ioctl, file_param: &str, ptrs: &[Ptr]) {
        let mut params = Vec::with_capacity(3);
        params.extend(["&self".to_string(), file_param.to_string()]);
        if let Some(a) = &io.arg {
            params.push(["arg: &mut ", &self.struct_ty_rc(a)].concat());
        }
        // Only the parameters and types of the arrays differ.
        doc(tw.w(), &self.method_doc(io, ptrs));
        let name = ["fn ", &snake_ident(&io.name)].concat();
        self.split(tw, |w| {
            if ptrs.is_empty() {
                items::fn_sig(w, &name, &params, Some(self.result_ty()), ";");
                return;
            }
            let mut params = params.clone();
            for p in ptrs {
                params.push(match (self.flavour.get(), p.access) {
                    (Flavour::Hosted, _) => format!("{}: UserArray<'_, {}>", p.param, p.elem),
                    (Flavour::Linux, Access::In) => format!("{}: &[{}]", p.param, p.elem),
                    (Flavour::Linux, Access::Out) => {
                        format!("{}: &mut OutArray<{}>", p.param, p.elem)
                    }
                    (Flavour::Linux, Access::InOut) => format!("{}: &mut [{}]", p.param, p.elem),
                });
            }
            items::fn_sig(w, &name, &params, Some(self.result_ty()), ";");
        });
    }

    fn method_doc(&self, io: &Ioctl, ptrs: &[Ptr]) -> String {
        // Paragraphs are lines of the text, as `doc` reads them.
        let mut text = String::with_capacity(1024);
        if let Some(d) = &io.doc {
            text.push_str(d);
            text.push('\n');
        }
        let facts = &mut text;
        facts.push_str("[`uapi::IOCTL_");
        names::push_upper(facts, &io.name);
        facts.push_fmt(format_args!(
            "`]: nr {:#04x}, direction {} (`{}`)",
            io.nr,
            dir_text(io.dir),
            io.dir.c_macro()
        ));
        if let Some(arg) = &io.arg {
            facts.push_fmt(format_args!(", argument {}", self.struct_link(arg)));
        }
        if let Some(ext) = io.extension {
            facts.push_fmt(format_args!(", extension {}", ext.name()));
        }
        facts.push_str(". ");
        facts.push_str(&since_text(io.since));
        if let Some(arg) = &io.arg {
            let vlink = if io.arg_access.is_empty() {
                self.struct_fn("validate_{}_at", arg).1
            } else {
                let stem = super::validate::ioctl_arg_stem(io);
                format!("[`validate_{stem}_at`]")
            };
            text.push_fmt(format_args!(
                "\nCalled by [`dispatch`] once `arg` is copied in, its out members and its \
                 members newer than the driver's revision are zeroed, and it passed {vlink} \
                 at that revision."
            ));
            if io.dir.copies_out() {
                text.push_str(
                    " When this returns `Ok`, `arg` is copied back to the caller (if the \
                     caller's command reads); on `Err` nothing is.",
                );
            }
        }
        for p in ptrs {
            text.push('\n');
            text.push_str(&p.doc);
        }
        if !io.errors.is_empty() {
            text.push_str("\nErrors:");
            for e in &io.errors {
                text.push_fmt(format_args!("\n- `{}`", e.errno));
                if let Some(d) = &e.doc {
                    text.push_str(": ");
                    text.push_str(d);
                }
            }
        }
        text
    }

    /// Writes `let <p> = <build>?;` for a user-pointer array, as the
    /// flavour being printed builds it.
    pub(super) fn ptr_let(&self, w: &mut RustWriter, p: &Ptr) {
        let (f, own_args) = &p.build;
        let mut args = Vec::with_capacity(own_args.len() + 2);
        if self.flavour.get() == Flavour::Hosted {
            args.push("mem".to_string());
        }
        args.extend(own_args.iter().cloned());
        if p.validate.is_none() {
            args.push([self.rt(), "::no_validation"].concat());
        }
        layout::let_call(w, &["let ", &p.param, " ="].concat(), f, &args, "?;");
        if let Some(stride) = &p.stride {
            let head = format!("let {} = {}.with_stride", p.param, p.param);
            layout::call_stmt(w, &head, std::slice::from_ref(stride), "?;");
        }
    }

    /// The `user-ptr` members of an ioctl's argument, in member order:
    /// worked out once for its `Ops` method and its handler in both
    /// flavours.
    pub(super) fn ptrs(&self, io: &Ioctl) -> Vec<Ptr> {
        let Some(s) = io.arg.as_ref().map(|a| self.model.struct_(a)) else {
            return Vec::new();
        };
        s.members.iter().filter_map(|m| self.ptr(s, m)).collect()
    }

    fn ptr(&self, s: &Struct, m: &Member) -> Option<Ptr> {
        let MemberKind::UserPtr {
            elem,
            len,
            max_count,
            stride,
        } = &m.kind
        else {
            return None;
        };
        let field = snake_ident(&m.name);
        let mut pname = names::snake(&m.name);
        if RESERVED_LOCALS.contains(&pname.as_str()) {
            pname.push('_');
        }
        let param = ident(&pname);
        let elem_ty = match elem {
            Elem::Scalar(sc) => sc.rust().to_string(),
            Elem::Struct(n) => self.struct_ty(n),
        };
        // Elements of a struct the kernel reads are validated at the
        // revision of the spec that owns that struct; plain ones not at all.
        let (validate, rev, vtext) = match elem {
            Elem::Struct(n) if m.access.read_by_kernel() => {
                let f = self.struct_fn_path("validate_{}_at", n);
                let rev = if self.own_struct(n) {
                    "rev".to_string()
                } else {
                    self.owner_revision(n)
                };
                let vtext = format!(
                    ", each validated with {} at the driver's revision as it is read",
                    link_to(&f)
                );
                (Some(f), Some(rev), vtext)
            }
            _ => (None, None, String::new()),
        };
        let (new, from_byte_len) = if rev.is_some() {
            ("UserArray::new_at", "UserArray::from_byte_len_at")
        } else {
            ("UserArray::new", "UserArray::from_byte_len")
        };
        let max = match max_count {
            Some(n) => n.to_string(),
            None => "u64::MAX".to_string(),
        };
        let sibling = |i: usize| -> Option<(String, String)> {
            let c = s.members.get(i)?;
            let MemberKind::Scalar { ty, count: None } = c.kind else {
                return None;
            };
            let f = snake_ident(&c.name);
            let field = format!("arg.{f}");
            let x = super::validate::scalar_value(&field, ty, c.byte_order);
            let wide = match ty {
                Scalar::U64 => x.into_owned(),
                t if t.signed() => format!("{x} as u64"),
                _ => format!("u64::from({x})"),
            };
            Some((wide, f))
        };
        let args = |n: String, max: String| -> Vec<String> {
            let mut a = vec![format!("arg.{field}"), n, max];
            a.extend(rev.clone());
            a.extend(validate.clone());
            a
        };
        let (build, len_name) = match len {
            PtrLen::Count(i) | PtrLen::Bytes(i) => {
                let (n, name) = sibling(*i)?;
                let f = if matches!(len, PtrLen::Count(_)) {
                    new
                } else {
                    from_byte_len
                };
                ((f, args(n, max)), Some(name))
            }
            PtrLen::Single => ((new, args("1".to_string(), "1".to_string())), None),
        };
        let stride = match stride {
            Some(i) => Some(sibling(*i)?),
            None => None,
        };
        let doc = {
            let what = match (len, len_name) {
                (PtrLen::Count(_), Some(name)) => {
                    let bound = max_count
                        .map(|n| format!(" (at most {n})"))
                        .unwrap_or_default();
                    format!("`arg.{name}` elements{bound}")
                }
                (PtrLen::Bytes(_), Some(name)) => format!(
                    "`arg.{name}` bytes (a multiple of the element size, else `EINVAL`; \
                     at most {} elements)",
                    max_count.map_or("any number of".to_string(), |n| n.to_string())
                ),
                _ => "one element (a null pointer is `EFAULT`)".to_string(),
            };
            let elem_text = match elem {
                Elem::Scalar(sc) => format!("`{}`", sc.rust()),
                Elem::Struct(n) => self.struct_link(n),
            };
            let access = match m.access {
                crate::model::Access::In => "the kernel reads",
                crate::model::Access::Out => "the kernel writes",
                crate::model::Access::InOut => "the kernel reads and writes",
            };
            let stride_text = stride
                .as_ref()
                .map(|(_, name)| {
                    format!(
                        ", elements `arg.{name}` bytes apart (a shorter one zero-extended, a \
                         longer one `E2BIG` unless its extra bytes are zero, 0 `EINVAL`)"
                    )
                })
                .unwrap_or_default();
            format!(
                "`{param}`: the array of {elem_text} at `arg.{field}` that {access}, of \
                 {what}{stride_text}, bounds-checked by [`dispatch`]{vtext}."
            )
        };
        Some(Ptr {
            param,
            elem: elem_ty,
            build,
            validate,
            stride: stride.map(|(x, _)| x),
            access: m.access,
            doc,
        })
    }
}

/// `pub trait Ops: <bounds> {` on one line when it fits; else the bounds
/// on their own line (or one a line, led by `+`) and the brace alone.
/// Leaves the writer one level in.
fn trait_head(w: &mut RustWriter, bounds: &[String]) {
    let joined = bounds.join(" + ");
    let one = format!("pub trait Ops: {joined} {{");
    // rustfmt moves a trait's bounds to the next line once the header
    // passes `comment_width` (80), not only `max_width`.
    if w.fits(&one) && w.indent() + one.len() - 2 <= 80 {
        w.line(one);
    } else {
        w.line("pub trait Ops:");
        w.indent_in();
        if w.fits(&joined) {
            w.line(joined);
        } else {
            for (i, b) in bounds.iter().enumerate() {
                w.line(if i == 0 { b.clone() } else { format!("+ {b}") });
            }
        }
        w.indent_out();
        w.line("{");
    }
    w.indent_in();
}
