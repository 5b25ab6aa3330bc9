//! The caller's memory as the generated dispatch sees it through the
//! device node: the ioctl argument comes from the bytes the FUSE kernel
//! copied in (and goes back through the reply), everything else (the
//! arrays behind embedded user pointers) is read and written in the
//! calling process with `process_vm_readv`/`process_vm_writev`.

use crate::procmem::ProcessMem;
use std::cell::RefCell;
use uabi_runtime::{Errno, UserMem};

/// The largest `_IOC_SIZE`: the argument window is this long.
const ARG_WINDOW: u64 = 1 << 14;

/// The memory one ioctl request sees. fuser hands the server the bytes
/// of the argument but not the address the caller passed, so the
/// argument is placed at `base`, an address in the kernel half of the
/// address space (which no user pointer can reach: `process_vm_*` answers
/// EFAULT for it), and the generated dispatch is called with `base` as its
/// `arg`. Reads of `[base, base + in.len())` come from the copied-in
/// bytes, writes to `[base, base + out.len())` go to the reply buffer;
/// every other address is the caller's (embedded user pointers), exactly
/// as a kernel driver reads its argument from the copy `drm_ioctl` made
/// and follows user pointers into user memory.
pub(crate) struct CallMem<'a> {
    base: u64,
    input: &'a [u8],
    out: RefCell<Vec<u8>>,
    /// How far the reply buffer was written: what the kernel copies back.
    written: RefCell<usize>,
    caller: ProcessMem,
}

impl<'a> CallMem<'a> {
    /// `base` must lie in the kernel half and leave room for the largest
    /// argument (see [`arg_base`]).
    pub(crate) fn new(base: u64, input: &'a [u8], out_size: usize, caller: ProcessMem) -> Self {
        // The reply starts as the caller's own bytes, so a range the
        // handler does not write goes back unchanged.
        let mut out = vec![0u8; out_size];
        let n = out_size.min(input.len());
        out[..n].copy_from_slice(&input[..n]);
        CallMem {
            base,
            input,
            out: RefCell::new(out),
            written: RefCell::new(0),
            caller,
        }
    }

    /// The bytes to copy back to the caller's argument.
    pub(crate) fn into_reply(self) -> Vec<u8> {
        let n = *self.written.borrow();
        let mut out = self.out.into_inner();
        out.truncate(n);
        out
    }

    /// The offset of `[addr, addr + len)` in the argument window, or None
    /// for an address outside it.
    fn window(&self, addr: u64, len: usize) -> Option<Result<usize, Errno>> {
        let off = addr.checked_sub(self.base)?;
        if off >= ARG_WINDOW {
            return None;
        }
        Some(
            off.checked_add(len as u64)
                .filter(|end| *end <= ARG_WINDOW)
                .map(|_| off as usize)
                .ok_or(Errno::EFAULT),
        )
    }
}

impl UserMem for CallMem<'_> {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        match self.window(addr, buf.len()) {
            None => self.caller.read(addr, buf),
            Some(off) => {
                let off = off?;
                // Beyond what the kernel copied in: the caller's command
                // did not give the driver these bytes.
                let src = self.input.get(off..off + buf.len()).ok_or(Errno::EFAULT)?;
                buf.copy_from_slice(src);
                Ok(())
            }
        }
    }

    fn write(&self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        match self.window(addr, buf.len()) {
            None => self.caller.write(addr, buf),
            Some(off) => {
                let off = off?;
                let end = off + buf.len();
                let mut out = self.out.borrow_mut();
                out.get_mut(off..end)
                    .ok_or(Errno::EFAULT)?
                    .copy_from_slice(buf);
                let mut w = self.written.borrow_mut();
                *w = (*w).max(end);
                Ok(())
            }
        }
    }
}

/// A random argument base for one node: in the kernel half, page
/// aligned, with room for [`ARG_WINDOW`] bytes. Random so that no client
/// can aim an (invalid anyway) embedded pointer at it.
pub(crate) fn arg_base() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(crate::monotonic_ns() as u64);
    let r = h.finish();
    0xffff_8000_0000_0000 | ((r & 0x0000_3fff_ffff_0000) & !(ARG_WINDOW - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> ProcessMem {
        ProcessMem {
            // SAFETY: getpid has no preconditions.
            pid: unsafe { libc::getpid() },
        }
    }

    #[test]
    fn the_window_serves_the_argument_and_the_rest_is_the_caller() {
        let base = arg_base();
        assert!(base >= 0xffff_8000_0000_0000 && base.checked_add(ARG_WINDOW).is_some());
        let input = [1u8, 2, 3, 4, 5, 6, 7, 8];
        let m = CallMem::new(base, &input, 8, me());
        let mut b = [0u8; 4];
        m.read(base + 2, &mut b).unwrap();
        assert_eq!(b, [3, 4, 5, 6]);
        assert_eq!(m.read(base + 6, &mut b), Err(Errno::EFAULT));
        assert_eq!(m.read(base + ARG_WINDOW - 2, &mut b), Err(Errno::EFAULT));
        m.write(base, &[9, 9]).unwrap();
        assert_eq!(m.write(base + 7, &[0, 0]), Err(Errno::EFAULT));
        // Embedded pointers reach this process's memory.
        let local = [0xabu8; 4];
        m.read(local.as_ptr() as u64, &mut b).unwrap();
        assert_eq!(b, [0xab; 4]);
        assert_eq!(m.read(8, &mut b), Err(Errno::EFAULT));
        assert_eq!(m.read(base - 4096, &mut b), Err(Errno::EFAULT));
        assert_eq!(m.into_reply(), [9, 9]);
    }
}
