//! The control messages' side of `Ops` and of `dispatch`: the `op_*`
//! methods (and `operation_failed`), and the tail of the transport
//! ioctl's handler that reads one message, validates it against its
//! operation's policy, calls the method and writes the reply.

use super::operations::{reply_ident, request_ident};
use super::two::Tw;
use super::{Gen, doc};
use crate::backend::rust::control::ops;
use crate::backend::rust::control::{op_const, op_policy};
use crate::backend::rust::items;
use crate::backend::rust::layout::{self, put};
use crate::backend::rust::writer::RustWriter;
use crate::names;

/// The kernel flavour's head: the message is copied in once, whole, into
/// a bounded `KVec` (`read_all`), the reply built in another.
const LINUX_TAIL_HEAD: &str = "\
let mut op = 0u16;
let result = (|| -> Result<(), nla::Error> {
    let request = UserArray::<u8>::from_byte_len(
        arg.request,
        u64::from(arg.request_len),
        nla::MAX_MSG as u64,
        crate::uabi_rt::no_validation,
    )?;
    let reply = UserArray::<u8>::from_byte_len(
        arg.reply,
        u64::from(arg.reply_cap),
        nla::MAX_MSG as u64,
        crate::uabi_rt::no_validation,
    )?;
    let msg = request.read_all()?;
    let header = nla::Header::parse_strict(&msg)?;
    op = header.op;
    let attrs = match msg.get(nla::MSG_HDRLEN..) {
        Some(a) => a,
        None => &[],
    };
    let mut out = crate::uabi_rt::zeroed_bytes(reply.len())?;
    let mut w = nla::Writer::new(&mut out);
    w.header(&nla::Header {
        op: header.op,
        flags: 0,
        reserved: 0,
    });
    match header.op {";

/// The kernel flavour's tail after the operation arms.
const LINUX_TAIL_END: &str = "        \
        _ => return Err(nla::Error::msg(Errno::EOPNOTSUPP)),
    }
    match w.finish() {
        Ok(n) => {
            if let Some(bytes) = out.get(..n).filter(|b| !b.is_empty()) {
                reply.write_all(bytes)?;
            }
            arg.reply_len = n as u32;
            Ok(())
        }
        Err(needed) => {
            arg.reply_len = needed.min(u32::MAX as usize) as u32;
            Err(nla::Error::msg(Errno::EMSGSIZE))
        }
    }
})();
if let Err(e) = result {
    arg.error_offset = e.offset;
    arg.error_attr = u32::from(e.attr);
    ops.operation_failed(file, op, e);
}";

/// The transport handler's tail up to the operation arms.
const TAIL_HEAD: &str = "\
let mut op = 0u16;
let result = (|| -> Result<(), nla::Error> {
    let request = UserArray::<u8>::from_byte_len(
        mem,
        arg.request,
        u64::from(arg.request_len),
        nla::MAX_MSG as u64,
        uabi_runtime::no_validation,
    )?;
    let reply = UserArray::<u8>::from_byte_len(
        mem,
        arg.reply,
        u64::from(arg.reply_cap),
        nla::MAX_MSG as u64,
        uabi_runtime::no_validation,
    )?;
    let mut msg = Vec::new();
    msg.try_reserve_exact(request.len())
        .map_err(|_| Errno::ENOMEM)?;
    msg.resize(request.len(), 0u8);
    if !msg.is_empty() {
        mem.read(request.addr(), &mut msg)?;
    }
    let header = nla::Header::parse_strict(&msg)?;
    op = header.op;
    let attrs = match msg.get(nla::MSG_HDRLEN..) {
        Some(a) => a,
        None => &[],
    };
    let mut out = Vec::new();
    out.try_reserve_exact(reply.len())
        .map_err(|_| Errno::ENOMEM)?;
    out.resize(reply.len(), 0u8);
    let mut w = nla::Writer::new(&mut out);
    w.header(&nla::Header {
        op: header.op,
        flags: 0,
        reserved: 0,
    });
    match header.op {";

/// The transport handler's tail after the operation arms.
const TAIL_END: &str = "        \
        _ => return Err(nla::Error::msg(Errno::EOPNOTSUPP)),
    }
    match w.finish() {
        Ok(n) => {
            if let Some(bytes) = out.get(..n).filter(|b| !b.is_empty()) {
                mem.write(reply.addr(), bytes)?;
            }
            arg.reply_len = n as u32;
            Ok(())
        }
        Err(needed) => {
            arg.reply_len = needed.min(u32::MAX as usize) as u32;
            Err(nla::Error::msg(Errno::EMSGSIZE))
        }
    }
})();
if let Err(e) = result {
    arg.error_offset = e.offset;
    arg.error_attr = u32::from(e.attr);
    ops.operation_failed(file, op, e);
}";

impl Gen<'_> {
    /// The `Ops` methods of the operations.
    pub(super) fn op_methods(&self, tw: &mut Tw, file: &str) {
        doc(
            tw.w(),
            "Called when a control message fails (validation, permission, the handler, or \
             a reply that does not fit), with the operation value of its header (0 when it \
             had none) and where it failed; for accounting. Does nothing by default.",
        );
        self.split(tw, |w| {
            items::fn_sig(
                w,
                "fn operation_failed",
                &[
                    "&self".to_string(),
                    format!("file: &{file}"),
                    "op: u16".to_string(),
                    format!("error: {}::nla::Error", self.rt()),
                ],
                None,
                " {",
            );
        });
        let w = tw.w();
        w.line("let _ = (file, op, error);");
        w.close("");
        for op in ops(self.model) {
            let mut d = vec![
                op.doc
                    .clone()
                    .unwrap_or_else(|| format!("Operation `{}`.", op.name)),
            ];
            d.push(format!(
                "Operation value {} ([`operations::{}`]), since revision {}{}. Called by \
                 [`dispatch`] once the request passed [`operations::{}`]; `reply` writes \
                 the reply's attributes. An `Err` is the errno the caller sees, and no reply \
                 is returned.",
                op.value,
                op_const(op),
                op.since,
                if op.admin_perm {
                    "; admin-perm: only called when `privileged` (of the root spec's `Ops`) \
                     holds, else EPERM"
                } else {
                    ""
                },
                op_policy(op, "REQUEST"),
            ));
            doc(tw.w(), &d.join("\n"));
            let name = format!("fn op_{}", names::snake(&op.name));
            let params = [
                "&self".to_string(),
                format!("file: &{file}"),
                format!("req: operations::{}<'_>", request_ident(op)),
                format!("reply: &mut operations::{}<'_, '_>", reply_ident(op)),
            ];
            self.split(tw, |w| {
                items::fn_sig(w, &name, &params, Some(self.result_ty()), ";");
            });
        }
    }

    /// The body of the transport ioctl's handler after the argument has
    /// been copied in and validated (`arg`, `rev`, `ops`, `file`, `mem`,
    /// `ioc`, `addr`, `size` in scope): runs the message, records where it
    /// failed, copies the argument back even on failure.
    pub(super) fn transport_tail(&self, w: &mut RustWriter, copy_out: bool) {
        let linux = self.flavour.get() == crate::backend::rust::Flavour::Linux;
        w.lines(if linux { LINUX_TAIL_HEAD } else { TAIL_HEAD });
        // The arms sit two levels in: in the closure, in the match.
        w.indent_in();
        w.indent_in();
        let privileged = self.privileged_call();
        for op in ops(self.model) {
            w.open_fmt(format_args!(
                "operations::{} if rev >= {} =>",
                op_const(op),
                op.since
            ));
            if op.admin_perm {
                w.open_fmt(format_args!("if !{privileged}"));
                w.line("return Err(nla::Error::msg(Errno::EPERM));");
                w.close("");
            }
            let lines = layout::call(
                w.indent(),
                &format!("let req = operations::{}::parse", request_ident(op)),
                &["attrs".to_string(), "rev".to_string()],
                "?;",
            );
            put(w, lines);
            let lines = layout::call(
                w.indent(),
                &format!("ops.op_{}", names::snake(&op.name)),
                &[
                    "file".to_string(),
                    "req".to_string(),
                    format!("&mut operations::{}::new(&mut w)", reply_ident(op)),
                ],
                "?;",
            );
            put(w, lines);
            w.close("");
        }
        w.indent_out();
        w.indent_out();
        w.lines(if linux { LINUX_TAIL_END } else { TAIL_END });
        if copy_out {
            w.open("if ioc.copy_out");
            self.copy_out(w);
            w.close("");
        }
        w.line(if linux {
            "result.map_err(|e| Error::from(e.errno))"
        } else {
            "result.map_err(|e| e.errno)"
        });
    }
}
