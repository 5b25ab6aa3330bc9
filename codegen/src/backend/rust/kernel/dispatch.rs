//! `dispatch` and the private handler behind each of its arms: decoding,
//! the revision and permission checks, copy-in, clearing, validation,
//! user-pointer bounds, the `Ops` call and copy-out (and, for the
//! transport ioctl of control messages, the message's own dispatch).

use super::ops::ptr_let;
use super::{Gen, doc, lib_name, path};
use crate::backend::rust::control as netlink;
use crate::backend::rust::items;
use crate::backend::rust::layout::{self, arm, put};
use crate::backend::rust::writer::{RustWriter, snake_ident};
use crate::model::{Extension, Ioctl, StructId};
use crate::names;

/// The parameters of `dispatch`'s handlers after `file`.
const HANDLER_PARAMS: [&str; 3] = [
    "mem: &dyn UserMem",
    "ioc: uabi_runtime::ioc::Ioc",
    "addr: u64",
];

impl Gen<'_> {
    pub(super) fn dispatch(&self, w: &mut RustWriter) {
        let m = self.model;
        let file = self.file_ty("O");
        let mut arms: Vec<(String, String)> = m
            .ioctls
            .iter()
            .map(|io| {
                let nr = format!("uapi::NR_{}", names::upper(&io.name));
                let h = format!("ioctl_{}", names::snake(&io.name));
                let call = if io.arg.is_some() {
                    format!("{h}(ops, file, mem, ioc, arg)")
                } else {
                    format!("{h}(ops, file)")
                };
                (nr, call)
            })
            .collect();
        // Every included spec but the last gets its numbers listed; the
        // last takes the rest and answers ENOTTY for what it does not know.
        let mut fallback = "Err(Errno::ENOTTY)".to_string();
        for (i, inc) in m.includes.iter().enumerate() {
            let call = format!(
                "{}::dispatch(ops, file, mem, cmd, arg)",
                lib_name(&inc.name)
            );
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
                    arms.push((nrs.join(" | "), call));
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
        items::fn_sig(
            w,
            "pub fn dispatch<O: Ops + ?Sized>",
            &[
                "ops: &O".to_string(),
                format!("file: &{file}"),
                "mem: &dyn UserMem".to_string(),
                "cmd: u32".to_string(),
                "arg: u64".to_string(),
            ],
            Some("Result<(), Errno>"),
            " {",
        );
        let decode = |w: &mut RustWriter| {
            w.line("let ioc = uabi_runtime::ioc::decode(cmd);");
            if m.magic.is_some() {
                w.open("if ioc.magic != uapi::IOCTL_MAGIC");
                w.line("return Err(Errno::ENOTTY);");
                w.close("");
            }
        };
        match (arms.is_empty(), m.magic.is_some()) {
            (true, false) if m.includes.is_empty() => {
                w.line("let _ = (ops, file, mem, cmd, arg);");
                w.line("Err(Errno::ENOTTY)");
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
                    w.line("let _ = (mem, arg);");
                }
                w.open("match ioc.nr");
                for (pat, call) in &arms {
                    arm(w, pat, call);
                }
                arm(w, "_", &fallback);
                w.close("");
            }
        }
        w.close("");
    }

    /// The private function behind one ioctl's arm of `dispatch`.
    pub(super) fn handler(&self, w: &mut RustWriter, io: &Ioctl) {
        let h = format!("fn ioctl_{}<O: Ops + ?Sized>", names::snake(&io.name));
        let method = snake_ident(&io.name);
        let file = self.file_ty("O");
        let rev = self.revision_fn();
        let since = io.since;
        // admin-perm: EPERM before the argument is even read.
        let perm = |w: &mut RustWriter| {
            if io.admin_perm {
                w.open(format!("if !{}", self.privileged_call()));
                w.line("return Err(Errno::EPERM);");
                w.close("");
            }
        };
        let Some(arg_name) = &io.arg else {
            items::fn_sig(
                w,
                &h,
                &["ops: &O".to_string(), format!("file: &{file}")],
                Some("Result<(), Errno>"),
                " {",
            );
            w.open(format!("if ops.{rev}() < {since}"));
            w.line("return Err(Errno::ENOTTY);");
            w.close("");
            perm(w);
            w.line(format!("ops.{method}(file)"));
            w.close("");
            return;
        };
        let mut params = vec!["ops: &O".to_string(), format!("file: &{file}")];
        params.extend(HANDLER_PARAMS.iter().map(|p| p.to_string()));
        items::fn_sig(w, &h, &params, Some("Result<(), Errno>"), " {");
        w.line(format!("let rev = ops.{rev}();"));
        w.open(format!("if rev < {since}"));
        w.line("return Err(Errno::ENOTTY);");
        w.close("");
        perm(w);
        // The argument's members count in the revisions of the spec that
        // owns its struct.
        let arg_rev = if self.own_struct(arg_name) {
            "rev"
        } else {
            w.line(format!("let arg_rev = {};", self.owner_revision(arg_name)));
            "arg_rev"
        };
        let clear_newer = self.copy_in_arg(w, io, arg_name, arg_rev);
        let transport = netlink::transport(self.model).is_some_and(|t| t.name == io.name);
        if transport {
            self.transport_tail(w, io.dir.copies_out());
        } else {
            let ptrs = self.ptrs(io);
            for p in &ptrs {
                ptr_let(w, p);
            }
            let mut args = vec!["file".to_string(), "&mut arg".to_string()];
            args.extend(ptrs.iter().map(|p| p.param.clone()));
            let lines = layout::call(w.indent(), &format!("ops.{method}"), &args, "?;");
            put(w, lines);
            if io.dir.copies_out() {
                w.open("if ioc.copy_out");
                if let Some((f, a)) = &clear_newer {
                    let lines = layout::call(w.indent(), f, a, ";");
                    put(w, lines);
                }
                copy_out(w);
                w.close("");
            }
            w.line("Ok(())");
        }
        w.close("");
    }

    /// The argument's copy-in: its size at the driver's revision, the
    /// copy, the clearing of what the handler must not see, and the
    /// validation. Returns the `clear_newer_*` call (and its arguments),
    /// which copy-out repeats.
    fn copy_in_arg(
        &self,
        w: &mut RustWriter,
        io: &Ioctl,
        arg_name: &StructId,
        arg_rev: &str,
    ) -> Option<(String, Vec<String>)> {
        let ty = self.struct_ty(arg_name);
        let (validate_at, clear) = if io.arg_access.is_empty() {
            (
                self.struct_fn("validate_{}_at", arg_name).0,
                self.struct_fn("clear_out_{}", arg_name).0,
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
            let (size_at, _) = self.struct_fn("size_{}_at", arg_name);
            let lines = layout::call(
                w.indent(),
                &format!("let size = {size_at}"),
                &[arg_rev.to_string()],
                ";",
            );
            put(w, lines);
        } else {
            w.line(format!("let size = core::mem::size_of::<{ty}>();"));
        }
        // Copy in only if the declared direction writes too, out only if
        // it reads too (drm_ioctl's intersection).
        let copy_in = if io.dir.copies_in() {
            "ioc.copy_in"
        } else {
            "false"
        };
        let args: Vec<String> = ["mem", "addr", "ioc.size as usize", "size", copy_in, ext]
            .iter()
            .map(|a| a.to_string())
            .collect();
        let lines = layout::choose_rhs(w.indent(), &format!("let mut arg: {ty} ="), |at, lead| {
            layout::call(
                at,
                &format!("{lead}uabi_runtime::copy_in_sized"),
                &args,
                "?;",
            )
        });
        put(w, lines);
        // Members newer than the driver's revision were not in its struct:
        // zero in the handler's view and never copied out, even where the
        // spec puts one before an older member.
        let newer = self.has_newer(self.model.struct_(arg_name));
        let clear_newer = newer.then(|| {
            let (f, _) = self.struct_fn("clear_newer_{}", arg_name);
            (f, vec!["&mut arg".to_string(), arg_rev.to_string()])
        });
        if let Some((f, a)) = &clear_newer {
            let lines = layout::call(w.indent(), f, a, ";");
            put(w, lines);
        }
        let lines = layout::call(w.indent(), &clear, &["&mut arg".to_string()], ";");
        put(w, lines);
        let lines = layout::call(
            w.indent(),
            &validate_at,
            &["&arg".to_string(), arg_rev.to_string()],
            "?;",
        );
        put(w, lines);
        clear_newer
    }
}

/// `uabi_runtime::copy_out_sized(..)?;` of the argument.
pub(super) fn copy_out(w: &mut RustWriter) {
    w.line("uabi_runtime::copy_out_sized(mem, addr, ioc.size as usize, size, &arg)?;");
}
