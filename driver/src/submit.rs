//! SUBMIT: every command is copied in once, validated against its
//! opcode's rules and resolved to BO references before anything is
//! queued, so a submission either goes in whole or not at all.

use crate::device::{Device, FileCtx, FileState, Pending};
use crate::engine::Submission;
use crate::exec::{Op, Span};
use crate::uapi::accel_uapi::{bo_flags, capabilities};
use crate::uapi::{Cmd, Submit, device_caps, opcode};
use std::sync::Arc;
use uabi_runtime::{Errno, UserArray};

pub(crate) fn submit(
    dev: &Device,
    file: &FileCtx,
    arg: &mut Submit,
    cmds: UserArray<'_, Cmd>,
) -> Result<(), Errno> {
    if arg.queue == 0 || cmds.is_empty() {
        return Err(Errno::EINVAL);
    }
    dev.accepting_work()?;
    // Copy every element in exactly once (the generated validation runs
    // on each copy); from here on the caller's memory is not read again.
    // One read for the whole array: through a real device node each read
    // of caller memory is a system call.
    let mut raw = Vec::new();
    raw.try_reserve_exact(cmds.len())
        .map_err(|_| Errno::ENOMEM)?;
    raw.resize(cmds.len(), Cmd::ZERO);
    cmds.read_into(0, &mut raw)?;
    let (queue, ops) = {
        let st = file.state()?;
        let queue = st.queues.get(&arg.queue).cloned().ok_or(Errno::ENOENT)?;
        // A ring-mode queue takes work from its submit ring only.
        if queue.ring.is_some() {
            return Err(Errno::EINVAL);
        }
        let mut ops = Vec::new();
        ops.try_reserve_exact(raw.len())
            .map_err(|_| Errno::ENOMEM)?;
        for c in &raw {
            ops.push(resolve(dev, &st, c)?);
        }
        (queue, ops)
    };
    let sub = Submission {
        seqno: 0,
        ops,
        next_op: 0,
        queue,
        file: file.shared.clone(),
        ring: None,
        _pending: Pending::new(&dev.stats),
    };
    arg.seqno = dev.engines.enqueue(sub)?;
    dev.stats
        .submits
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    file.shared.count_submit();
    Ok(())
}

/// Which operand members an opcode uses; the others must be 0.
struct Uses {
    src: bool,
    src2: bool,
    dst: bool,
    length: bool,
    value: bool,
}

const fn uses(src: bool, src2: bool, dst: bool, length: bool, value: bool) -> Uses {
    Uses {
        src,
        src2,
        dst,
        length,
        value,
    }
}

/// Checks one command against its opcode's rules (in the order: opcode
/// and capability, unused operands, zero handles, value and alignment,
/// handle lookup, read-only destination, ranges, overlap) and resolves its
/// handles.
pub(crate) fn resolve(dev: &Device, st: &FileState, c: &Cmd) -> Result<Op, Errno> {
    let u = match c.opcode {
        opcode::COPY => uses(true, false, true, true, false),
        opcode::FILL => uses(false, false, true, true, true),
        opcode::CRC32C => uses(true, false, true, true, true),
        opcode::ADD_U32 | opcode::ADD_F32 => uses(true, true, true, true, false),
        // Revision 2; the generated validation already rejects it (EINVAL)
        // for an older revision.
        opcode::XOR_U32 => {
            if !dev.config.has_device(device_caps::XOR_U32) {
                return Err(Errno::EOPNOTSUPP);
            }
            uses(true, true, true, true, false)
        }
        opcode::TIMESTAMP => {
            if !dev.config.has(capabilities::TIMESTAMPS) {
                return Err(Errno::EOPNOTSUPP);
            }
            uses(false, false, true, false, false)
        }
        _ => return Err(Errno::EINVAL),
    };
    let unused_set = (!u.src && (c.src_bo != 0 || c.src_offset != 0))
        || (!u.src2 && (c.src2_bo != 0 || c.src2_offset != 0))
        || (!u.dst && (c.dst_bo != 0 || c.dst_offset != 0))
        || (!u.length && c.length != 0)
        || (!u.value && c.value != 0);
    let used_zero =
        (u.src && c.src_bo == 0) || (u.src2 && c.src2_bo == 0) || (u.dst && c.dst_bo == 0);
    if unused_set || used_zero {
        return Err(Errno::EINVAL);
    }
    let aligned = match c.opcode {
        opcode::CRC32C => c.value <= u64::from(u32::MAX) && c.dst_offset.is_multiple_of(4),
        opcode::ADD_U32 | opcode::ADD_F32 | opcode::XOR_U32 => {
            c.src_offset.is_multiple_of(4)
                && c.src2_offset.is_multiple_of(4)
                && c.dst_offset.is_multiple_of(4)
        }
        opcode::TIMESTAMP => c.dst_offset.is_multiple_of(8),
        _ => true,
    };
    if !aligned {
        return Err(Errno::EINVAL);
    }
    let bo = |h: u32| st.bos.get(&h).cloned().ok_or(Errno::ENOENT);
    let src = if u.src { Some(bo(c.src_bo)?) } else { None };
    let src2 = if u.src2 { Some(bo(c.src2_bo)?) } else { None };
    let dst = if u.dst { Some(bo(c.dst_bo)?) } else { None };
    // Only a revision-2 BO_CREATE can have set the flag.
    if dst
        .as_ref()
        .is_some_and(|b| b.flags & bo_flags::DEVICE_READ_ONLY != 0)
    {
        return Err(Errno::EACCES);
    }
    let span = |bo: Option<Arc<crate::bo::Bo>>, off: u64, len: u64| {
        bo.and_then(|bo| Span::new(bo, off, len))
            .ok_or(Errno::EINVAL)
    };
    let op = match c.opcode {
        opcode::COPY => Op::Copy {
            src: span(src, c.src_offset, c.length)?,
            dst: span(dst, c.dst_offset, c.length)?,
        },
        opcode::FILL => Op::Fill {
            dst: span(dst, c.dst_offset, c.length)?,
            pattern: c.value,
        },
        opcode::CRC32C => {
            let src = span(src, c.src_offset, c.length)?;
            let dst = span(dst, c.dst_offset, 4)?;
            if dst.overlaps(&src) {
                return Err(Errno::EINVAL);
            }
            Op::Crc32c {
                src,
                dst,
                init: c.value as u32,
            }
        }
        opcode::ADD_U32 | opcode::ADD_F32 | opcode::XOR_U32 => {
            // The generated validation bounds length far below this
            // overflow; a range that cannot be computed lies outside its BO.
            let bytes = c.length.checked_mul(4).ok_or(Errno::EINVAL)?;
            let a = span(src, c.src_offset, bytes)?;
            let b = span(src2, c.src2_offset, bytes)?;
            let dst = span(dst, c.dst_offset, bytes)?;
            let clash = |s: &Span| dst.overlaps(s) && !dst.same(s);
            if clash(&a) || clash(&b) {
                return Err(Errno::EINVAL);
            }
            match c.opcode {
                opcode::ADD_U32 => Op::AddU32 { a, b, dst },
                opcode::ADD_F32 => Op::AddF32 { a, b, dst },
                _ => Op::XorU32 { a, b, dst },
            }
        }
        _ => Op::Timestamp {
            dst: span(dst, c.dst_offset, 8)?,
        },
    };
    Ok(op)
}
