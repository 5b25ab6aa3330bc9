//! `dispatch` and the private handler behind each of its arms: decoding,
//! the revision and permission checks, copy-in, clearing, validation,
//! user-pointer bounds, the `Ops` call and copy-out (and, for the
//! transport ioctl of control messages, the message's own dispatch).

use super::Spellings;
use super::ops::Ptr;
use super::two::Tw;
use super::{Gen, doc, lib_name, path};
use crate::backend::rust::Flavour;
use crate::backend::rust::items;
use crate::backend::rust::layout::{self, arm};
use crate::backend::rust::writer::{MAX_WIDTH, RustWriter, snake_ident};
use crate::model::Access;
use crate::model::{Extension, I386Conversion, Ioctl, StructId};
use crate::names;
use crate::target::Target;
use std::borrow::Cow;
use std::rc::Rc;

/// What every handler of `dispatch` has in common: the driver's revision
/// method and the parameters, worked out once for all of them.
pub(super) struct HandlerCommon {
    /// `<spec>_revision`.
    rev: String,
    /// The errnos of a handler's own checks, in each flavour's spelling,
    /// and what asks whether the caller is privileged.
    enotty: Spellings<'static>,
    eperm: Spellings<'static>,
    privileged: String,
    /// The parameters of a handler without an argument.
    no_arg: [String; 2],
    /// Those of a handler with one, in each flavour.
    hosted: [String; 5],
    linux: [String; 4],
}

impl Gen<'_> {
    /// [`HandlerCommon`] of this spec's handlers.
    pub(super) fn handler_common(&self) -> HandlerCommon {
        let ops = "ops: &O".to_string();
        let file = ["file: &", &self.file_ty("O")].concat();
        let addr = "addr: u64".to_string();
        HandlerCommon {
            rev: self.revision_fn(),
            enotty: Spellings::of("ENOTTY"),
            eperm: Spellings::of("EPERM"),
            privileged: self.privileged_call(),
            hosted: [
                ops.clone(),
                file.clone(),
                "mem: &dyn UserMem".to_string(),
                "ioc: uabi_runtime::ioc::Ioc".to_string(),
                addr.clone(),
            ],
            linux: [
                ops.clone(),
                file.clone(),
                "ioc: crate::uabi_rt::ioc::Ioc".to_string(),
                addr,
            ],
            no_arg: [ops, file],
        }
    }

    /// `mem, ` where the flavour passes the caller's memory along.
    fn mem_arg(&self) -> &'static str {
        match self.flavour.get() {
            Flavour::Hosted => "mem, ",
            Flavour::Linux => "",
        }
    }

    /// The kernel flavour's conversion of a 32-bit x86 caller's argument
    /// laid out differently from x86_64's: the i386 command number and
    /// the runs of bytes. The hosted crate has no compat callers.
    fn i386(&self, io: &Ioctl) -> Option<(u32, Rc<I386Conversion>)> {
        if self.flavour.get() != Flavour::Linux {
            return None;
        }
        self.kernel_i386(io)
    }

    /// [`Self::i386`] of the kernel flavour, whichever is being printed.
    fn kernel_i386(&self, io: &Ioctl) -> Option<(u32, Rc<I386Conversion>)> {
        let arg = io.arg.as_ref()?;
        let conv = super::cached(&self.i386_cache, arg, || {
            self.model.i386_conversion(arg).map(Rc::new)
        })?;
        let cmd = io.cmds.get(&Target::I386).copied().flatten()?;
        Some((cmd, conv))
    }

    /// `I386_IOCTL_<NAME>`, the i386 command number's constant.
    fn i386_cmd_const(io: &Ioctl) -> String {
        format!("I386_IOCTL_{}", names::upper(&io.name))
    }

    /// The constants a converting handler uses: the i386 command and the
    /// runs (kernel flavour).
    fn i386_consts(&self, w: &mut RustWriter, io: &Ioctl, cmd: u32, conv: &I386Conversion) {
        let up = names::upper(&io.name);
        doc(
            w,
            &format!(
                "[`uapi::IOCTL_{up}`] as a 32-bit x86 caller's build numbers it: its argument \
                 is {} bytes there, laid out differently, and the handler converts it.",
                conv.i386_size
            ),
        );
        w.line_fmt(format_args!(
            "const {}: u32 = {cmd:#x};",
            Self::i386_cmd_const(io)
        ));
        doc(
            w,
            "The runs of the argument's bytes: (x86_64 offset, i386 offset, length).",
        );
        let runs: Vec<String> = conv
            .runs
            .iter()
            .map(|r| format!("({}, {}, {})", r.native, r.i386, r.len))
            .collect();
        let lhs = format!("const I386_{up}: &[{}::I386Run]", self.rt());
        let one = format!("&[{}]", runs.join(", "));
        // rustfmt moves an array that fits on the next line there whole.
        if w.indent() + 4 + one.len() < MAX_WIDTH {
            layout::assign(w, &lhs, &one);
        } else {
            items::array_assign(w, &lhs, &runs);
        }
    }

    /// Per ioctl, its number's constant and its handler: the same in
    /// both flavours' [`Self::dispatch`], so built once for both.
    pub(super) fn dispatch_names(&self) -> Vec<(String, String)> {
        let names_of = |io: &Ioctl| {
            let mut nr = String::with_capacity(io.name.len() + 9);
            nr.push_str("uapi::NR_");
            names::push_upper(&mut nr, &io.name);
            let mut h = String::with_capacity(io.name.len() + 6);
            h.push_str("ioctl_");
            names::push_snake(&mut h, &io.name);
            (nr, h)
        };
        self.model.ioctls.iter().map(names_of).collect()
    }

    /// `dispatch`, whose ioctls' numbers and handlers are `ioctl_names`
    /// ([`Self::dispatch_names`]).
    pub(super) fn dispatch(&self, w: &mut RustWriter, ioctl_names: &[(String, String)]) {
        let m = self.model;
        let file = self.file_ty("O");
        let mut arms: Vec<(Cow<str>, String)> = m
            .ioctls
            .iter()
            .zip(ioctl_names)
            .map(|(io, (nr, h))| {
                let call = if io.arg.is_some() {
                    let addr = match self.flavour.get() {
                        Flavour::Hosted => "arg",
                        Flavour::Linux => "addr",
                    };
                    let i386 = match self.i386(io) {
                        Some(_) => format!(
                            ", {}::i386_caller(compat, cmd, {})",
                            self.rt(),
                            Self::i386_cmd_const(io)
                        ),
                        None => String::new(),
                    };
                    format!("{h}(ops, file, {}ioc, {addr}{i386})", self.mem_arg())
                } else {
                    format!("{h}(ops, file)")
                };
                (Cow::Borrowed(nr.as_str()), call)
            })
            .collect();
        // Every included spec but the last gets its numbers listed; the
        // last takes the rest and answers ENOTTY for what it does not know.
        let mut fallback = format!("Err({})", self.errno("ENOTTY"));
        let pass_on = match self.flavour.get() {
            Flavour::Hosted => "ops, file, mem, cmd, arg",
            Flavour::Linux => "ops, file, cmd, arg, compat",
        };
        for (i, inc) in m.includes.iter().enumerate() {
            let call = format!("{}::dispatch({pass_on})", lib_name(&inc.name));
            if i + 1 == m.includes.len() {
                fallback = call;
            } else {
                let nrs: Vec<String> = inc
                    .all_includes()
                    .into_iter()
                    .chain([inc.as_ref()])
                    .flat_map(|spec| {
                        let prefix = self.uapi_prefix(&spec.name);
                        spec.ioctls
                            .iter()
                            .map(move |io| path(&prefix, &format!("NR_{}", names::upper(&io.name))))
                    })
                    .collect();
                if !nrs.is_empty() {
                    arms.push((Cow::Owned(nrs.join(" | ")), call));
                }
            }
        }
        doc(
            w,
            &format!(
                "Handles one ioctl of the `{}` spec{}: `cmd` and `arg` as the ioctl system \
                 call passed them, `mem` the caller's memory, `file` the driver's state for \
                 the open file. See the crate documentation for the steps and their errnos; \
                 the handler's own errno is returned as is. Never panics.",
                m.name,
                if m.includes.is_empty() {
                    ""
                } else {
                    " or of a spec it includes"
                }
            ),
        );
        let mut params = vec!["ops: &O".to_string(), format!("file: &{file}")];
        match self.flavour.get() {
            Flavour::Hosted => params.extend([
                "mem: &dyn UserMem".to_string(),
                "cmd: u32".to_string(),
                "arg: u64".to_string(),
            ]),
            Flavour::Linux => params.extend([
                "cmd: u32".to_string(),
                "arg: usize".to_string(),
                "compat: bool".to_string(),
            ]),
        }
        items::fn_sig(
            w,
            "pub fn dispatch<O: Ops + ?Sized>",
            &params,
            Some(self.result_ty()),
            " {",
        );
        let enotty = self.errno("ENOTTY");
        let decode = |w: &mut RustWriter| {
            w.line_fmt(format_args!("let ioc = {}::ioc::decode(cmd);", self.rt()));
            if m.magic.is_some() {
                w.open("if ioc.magic != uapi::IOCTL_MAGIC");
                w.line_fmt(format_args!("return Err({enotty});"));
                w.close("");
            }
            if self.flavour.get() == Flavour::Linux && m.ioctls.iter().any(|io| io.arg.is_some()) {
                // A 32-bit caller's pointer is zero-extended (compat_ptr).
                w.open("let addr = if compat");
                w.line("u64::from(arg as u32)");
                w.indent_out();
                w.line("} else {");
                w.indent_in();
                w.line("arg as u64");
                w.close(";");
            }
        };
        let all = match self.flavour.get() {
            Flavour::Hosted => "(ops, file, mem, cmd, arg)",
            Flavour::Linux => "(ops, file, cmd, arg, compat)",
        };
        match (arms.is_empty(), m.magic.is_some()) {
            (true, false) if m.includes.is_empty() => {
                w.line_fmt(format_args!("let _ = {all};"));
                w.line_fmt(format_args!("Err({enotty})"));
            }
            (true, false) => w.line(&fallback),
            (true, true) => {
                decode(w);
                w.line(&fallback);
            }
            (false, _) => {
                decode(w);
                // Only an argument's handler and an included dispatch use
                // the caller's memory and address.
                if m.includes.is_empty() && m.ioctls.iter().all(|io| io.arg.is_none()) {
                    match self.flavour.get() {
                        Flavour::Hosted => w.line("let _ = (mem, arg);"),
                        Flavour::Linux => w.line("let _ = (arg, compat);"),
                    }
                }
                w.open("match ioc.nr");
                for (pat, call) in &arms {
                    match self.flavour.get() {
                        Flavour::Hosted => arm(w, pat, call),
                        Flavour::Linux => layout::arm_2021(w, pat, call),
                    }
                }
                arm(w, "_", &fallback);
                w.close("");
            }
        }
        w.close("");
    }

    /// The private function behind one ioctl's arm of `dispatch`. The
    /// flavours differ in its signature, errnos, runtime calls and arrays:
    /// those are split, the rest (most of its lines) is printed once for
    /// both.
    /// `ptrs`: the ioctl's user-pointer arrays ([`Self::ptrs`]).
    pub(super) fn handler(&self, tw: &mut Tw, io: &Ioctl, common: &HandlerCommon, ptrs: &[Ptr]) {
        let mut h = String::with_capacity(io.name.len() + 27);
        h.push_str("fn ioctl_");
        names::push_snake(&mut h, &io.name);
        h.push_str("<O: Ops + ?Sized>");
        let method = snake_ident(&io.name);
        let rev = &common.rev;
        let since = io.since;
        let Some(arg_name) = &io.arg else {
            self.split(tw, |w| {
                items::fn_sig(w, &h, &common.no_arg, Some(self.result_ty()), " {");
            });
            tw.w().open_fmt(format_args!("if ops.{rev}() < {since}"));
            self.return_err(tw, &common.enotty);
            tw.w().close("");
            self.perm(tw, io, common);
            let w = tw.w();
            w.line_fmt(format_args!("ops.{method}(file)"));
            w.close("");
            return;
        };
        // Only the kernel flavour converts a 32-bit x86 caller's argument.
        let i386 = self.kernel_i386(io);
        let converts = || self.flavour.get() == Flavour::Linux && i386.is_some();
        if let Some((cmd, conv)) = &i386 {
            self.split(tw, |w| {
                if converts() {
                    self.i386_consts(w, io, *cmd, conv);
                }
            });
        }
        self.split(tw, |w| {
            let params: &[String] = match self.flavour.get() {
                Flavour::Hosted => &common.hosted,
                Flavour::Linux => &common.linux,
            };
            if converts() {
                let mut with_i386 = params.to_vec();
                with_i386.push("i386: bool".to_string());
                items::fn_sig(w, &h, &with_i386, Some(self.result_ty()), " {");
            } else {
                items::fn_sig(w, &h, params, Some(self.result_ty()), " {");
            }
        });
        let w = tw.w();
        w.line_of(&["let rev = ops.", rev, "();"]);
        w.open_fmt(format_args!("if rev < {since}"));
        self.return_err(tw, &common.enotty);
        tw.w().close("");
        self.perm(tw, io, common);
        // The argument's members count in the revisions of the spec that
        // owns its struct.
        let arg_rev = if self.own_struct(arg_name) {
            "rev"
        } else {
            tw.w().line_fmt(format_args!(
                "let arg_rev = {};",
                self.owner_revision(arg_name)
            ));
            "arg_rev"
        };
        let clear_newer = self.copy_in_arg(tw, io, arg_name, arg_rev, &converts);
        let transport = self.transport.is_some_and(|t| t.name == io.name);
        if transport {
            self.split(tw, |w| self.transport_tail(w, io.dir.copies_out()));
        } else {
            self.handler_call(tw, &method, ptrs);
            if io.dir.copies_out() {
                tw.w().open("if ioc.copy_out");
                if let Some((f, a)) = &clear_newer {
                    layout::call_stmt(tw.w(), f, a, ";");
                }
                self.split(tw, |w| {
                    if converts() {
                        self.copy_out_i386(w, io, arg_name);
                    } else {
                        self.copy_out_arg(w, arg_name);
                    }
                });
                tw.w().close("");
            }
            tw.w().line("Ok(())");
        }
        tw.w().close("");
    }

    /// admin-perm: EPERM before the argument is even read.
    fn perm(&self, tw: &mut Tw, io: &Ioctl, common: &HandlerCommon) {
        if io.admin_perm {
            tw.w().open_fmt(format_args!("if !{}", common.privileged));
            self.return_err(tw, &common.eperm);
            tw.w().close("");
        }
    }

    /// The handler's call of its `Ops` method: with its user-pointer
    /// arrays, which each flavour builds and passes its own way.
    fn handler_call(&self, tw: &mut Tw, method: &str, ptrs: &[Ptr]) {
        let call = ["ops.", method].concat();
        // The flavours differ only in how they pass the arrays.
        if ptrs.is_empty() {
            let args = ["file".to_string(), "&mut arg".to_string()];
            layout::call_stmt(tw.w(), &call, &args, "?;");
            return;
        }
        self.split(tw, |w| {
            for p in ptrs {
                self.ptr_let(w, p);
                if self.flavour.get() == Flavour::Linux {
                    linux_ptr_take(w, p);
                }
            }
            let mut args = Vec::with_capacity(2 + ptrs.len());
            args.extend(["file".to_string(), "&mut arg".to_string()]);
            args.extend(ptrs.iter().map(|p| match self.flavour.get() {
                Flavour::Hosted => p.param.clone(),
                Flavour::Linux => linux_ptr_arg(p),
            }));
            layout::call_stmt(w, &call, &args, "?;");
            if self.flavour.get() == Flavour::Linux {
                for p in ptrs {
                    linux_ptr_give_back(w, p);
                }
            }
        });
    }

    /// The argument's copy-in: its size at the driver's revision, the
    /// copy, the clearing of what the handler must not see, and the
    /// validation. Returns the `clear_newer_*` call (and its arguments),
    /// which copy-out repeats. `converts`: whether the flavour being
    /// printed converts a 32-bit x86 caller's argument.
    fn copy_in_arg(
        &self,
        tw: &mut Tw,
        io: &Ioctl,
        arg_name: &StructId,
        arg_rev: &str,
        converts: &dyn Fn() -> bool,
    ) -> Option<(String, Vec<String>)> {
        let ty = self.struct_ty(arg_name);
        let (validate_at, clear) = if io.arg_access.is_empty() {
            (
                self.struct_fn_path("validate_{}_at", arg_name),
                self.struct_fn_path("clear_out_{}", arg_name),
            )
        } else {
            // The ioctl's own view of its argument (`arg-access`).
            let stem = super::validate::ioctl_arg_stem(io);
            (format!("validate_{stem}_at"), format!("clear_out_{stem}"))
        };
        let ext = match io.extension.unwrap_or(Extension::ZeroExtend) {
            Extension::ZeroExtend => "Extension::ZeroExtend",
            Extension::Strict => "Extension::Strict",
        };
        if self.grew(self.model.struct_(arg_name)) {
            let size_at = self.struct_fn_path("size_{}_at", arg_name);
            layout::call_stmt(
                tw.w(),
                &["let size = ", &size_at].concat(),
                &[arg_rev.to_string()],
                ";",
            );
        } else {
            tw.w()
                .line_of(&["let size = core::mem::size_of::<", &ty, ">();"]);
        }
        // Copy in only if the declared direction writes too, out only if
        // it reads too (drm_ioctl's intersection).
        let copy_in = if io.dir.copies_in() {
            "ioc.copy_in"
        } else {
            "false"
        };
        // The kernel flavour's copy takes the same arguments but `mem`.
        let all = ["mem", "addr", "ioc.size as usize", "size", copy_in, ext].map(str::to_string);
        self.split(tw, |w| {
            let args = match self.flavour.get() {
                Flavour::Hosted => &all[..],
                Flavour::Linux => &all[1..],
            };
            self.copy_in_call(w, io, &ty, args, copy_in, converts());
        });
        // Members newer than the driver's revision were not in its struct:
        // zero in the handler's view and never copied out, even where the
        // spec puts one before an older member.
        let newer = self.newest_clear(arg_name).is_some();
        let clear_newer = newer.then(|| {
            let f = self.struct_fn_path("clear_newer_{}", arg_name);
            (f, vec!["&mut arg".to_string(), arg_rev.to_string()])
        });
        let w = tw.w();
        if let Some((f, a)) = &clear_newer {
            layout::call_stmt(w, f, a, ";");
        }
        layout::call_stmt(w, &clear, &["&mut arg".to_string()], ";");
        layout::call_stmt(
            w,
            &validate_at,
            &["&arg".to_string(), arg_rev.to_string()],
            "?;",
        );
        clear_newer
    }

    /// `let mut arg: <ty> = <copy in>;` in the flavour being printed,
    /// whose copy-in takes `args` (and, when it `converts` a 32-bit x86
    /// caller's argument, that caller's runs).
    fn copy_in_call(
        &self,
        w: &mut RustWriter,
        io: &Ioctl,
        ty: &str,
        args: &[String],
        copy_in: &str,
        converts: bool,
    ) {
        let arg_name = io.arg.as_ref();
        // A padded struct (existing ABI) is read from a buffer of its bytes.
        let copy_in_fn =
            if self.flavour.get() == Flavour::Hosted && arg_name.is_some_and(|a| self.padded(a)) {
                w.line_fmt(format_args!("const N: usize = {ty}::SIZE;"));
                [self.rt(), "::copy_in_sized_via::<_, N>"].concat()
            } else {
                [self.rt(), "::copy_in_sized"].concat()
            };
        if converts {
            // A 32-bit x86 caller's bytes are moved run by run into place.
            w.open_fmt(format_args!("let mut arg: {ty} = if i386"));
            let i386_args = vec![
                "addr".to_string(),
                "ioc.size as usize".to_string(),
                format!("I386_{}", names::upper(&io.name)),
                copy_in.to_string(),
            ];
            layout::call_stmt(w, &format!("{}::copy_in_i386", self.rt()), &i386_args, "?");
            w.indent_out();
            w.line("} else {");
            w.indent_in();
            layout::call_stmt(w, &copy_in_fn, args, "?");
            w.close(";");
        } else {
            layout::let_call(
                w,
                &["let mut arg: ", ty, " ="].concat(),
                &copy_in_fn,
                args,
                "?;",
            );
        }
    }
}

impl Gen<'_> {
    /// `<runtime>::copy_out_sized(..)?;` of the argument (in the kernel
    /// flavour, of its `to_bytes` when it has implicit padding).
    pub(super) fn copy_out(&self, w: &mut RustWriter) {
        w.line_of(&[
            self.rt(),
            "::copy_out_sized(",
            self.mem_arg(),
            "addr, ioc.size as usize, size, &arg)?;",
        ]);
    }

    /// Whether struct `id` has implicit padding (existing ABI), so that it
    /// is copied through its bytes rather than viewed as them.
    fn padded(&self, id: &StructId) -> bool {
        // The layout is the flavours' common one: asked once per struct.
        super::cached(&self.padded_cache, id, || {
            let uapi = crate::backend::rust::uapi::Gen {
                model: self.model,
                flavour: self.flavour.get(),
            };
            !uapi.padding_free(self.model.struct_(id))
        })
    }

    /// Copy-out of a converting handler (kernel flavour): the i386 layout
    /// for a 32-bit x86 caller, else as `copy_out_arg`.
    fn copy_out_i386(&self, w: &mut RustWriter, io: &Ioctl, id: &StructId) {
        w.open("if i386");
        let bytes = if self.padded(id) {
            "&arg.to_bytes()".to_string()
        } else {
            format!("{}::as_bytes(&arg)", self.rt())
        };
        let args = vec![
            "addr".to_string(),
            "ioc.size as usize".to_string(),
            bytes,
            format!("I386_{}", names::upper(&io.name)),
        ];
        layout::call_stmt(w, &format!("{}::copy_out_i386", self.rt()), &args, "?;");
        w.indent_out();
        w.line("} else {");
        w.indent_in();
        self.copy_out_arg(w, id);
        w.close("");
    }

    /// `copy_out` for the argument struct `id`.
    pub(super) fn copy_out_arg(&self, w: &mut RustWriter, id: &StructId) {
        if self.padded(id) {
            w.line_fmt(format_args!(
                "let ranges = {}::member_ranges();",
                self.struct_ty(id)
            ));
            let mut args: Vec<String> = ["mem", "addr", "ioc.size as usize", "size"]
                .iter()
                .map(|a| a.to_string())
                .collect();
            if self.flavour.get() == Flavour::Linux {
                args.remove(0);
            }
            args.extend(["&arg.to_bytes()".to_string(), "&ranges".to_string()]);
            layout::call_stmt(w, &format!("{}::copy_out_ranges", self.rt()), &args, "?;");
        } else {
            self.copy_out(w);
        }
    }
}

/// The kernel flavour's copy of a user-pointer array, after its bounds
/// are checked: an array the kernel reads is copied in once, whole, and
/// every element validated before the handler runs (what the C kernel
/// side does with `kvmalloc_array`); one it writes becomes an
/// [`OutArray`](crate) the handler fills.
fn linux_ptr_take(w: &mut RustWriter, p: &Ptr) {
    let name = &p.param;
    match p.access {
        Access::In => w.line_fmt(format_args!("let {name} = {name}.read_all()?;")),
        Access::Out => w.line_fmt(format_args!("let mut {name} = {name}.into_out()?;")),
        Access::InOut => w.line_fmt(format_args!("let mut {name}_elems = {name}.read_all()?;")),
    }
}

/// What the handler receives for a user-pointer array (kernel flavour).
fn linux_ptr_arg(p: &Ptr) -> String {
    let name = &p.param;
    match p.access {
        Access::In => format!("&{name}"),
        Access::Out => format!("&mut {name}"),
        Access::InOut => format!("&mut {name}_elems"),
    }
}

/// After the handler succeeded: what it wrote goes to the caller.
fn linux_ptr_give_back(w: &mut RustWriter, p: &Ptr) {
    let name = &p.param;
    match p.access {
        Access::In => {}
        Access::Out => w.line_fmt(format_args!("{name}.copy_out()?;")),
        Access::InOut => w.line_fmt(format_args!("{name}.write_all(&{name}_elems)?;")),
    }
}
