//! The one way this driver reaches a caller's memory outside the ioctl
//! argument: `process_vm_readv`/`process_vm_writev`, which report a bad
//! address as an error instead of crashing, as `copy_from_user` does.

use uabi_runtime::{Errno, UserMem};

/// A process's memory, addressed as that process sees it, read and
/// written with `process_vm_readv`/`process_vm_writev`. Through the node
/// `pid` is the id FUSE puts in each request: the calling thread's id,
/// which the `process_vm_*` calls accept as well (threads share the
/// address space); in process it is our own pid.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProcessMem {
    pub(crate) pid: libc::pid_t,
}

/// The result of a `process_vm_*` call: the host's errno, or EFAULT for a
/// short transfer (it stops at the first page it cannot access).
fn transferred(n: isize, want: usize) -> Result<(), Errno> {
    if n < 0 {
        let e = std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(Errno::EFAULT.0);
        // ESRCH: the caller is gone (killed mid-call); its memory cannot
        // be reached, as a kernel's copy_to_user into a dying mm fails.
        return Err(if e == libc::ESRCH {
            Errno::EFAULT
        } else {
            Errno(e)
        });
    }
    if n as usize != want {
        return Err(Errno::EFAULT);
    }
    Ok(())
}

impl ProcessMem {
    pub(crate) fn current() -> Self {
        // SAFETY: getpid has no preconditions and cannot fail.
        ProcessMem {
            pid: unsafe { libc::getpid() },
        }
    }
}

impl UserMem for ProcessMem {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        if buf.is_empty() {
            return Ok(());
        }
        let remote_base = usize::try_from(addr).map_err(|_| Errno::EFAULT)?;
        let local = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let remote = libc::iovec {
            iov_base: remote_base as *mut libc::c_void,
            iov_len: buf.len(),
        };
        // SAFETY: `local` describes `buf`, valid for writes of its length
        // for the whole call. `remote` is an address in the other process,
        // never dereferenced here: the kernel checks it, and an unmapped or
        // unreadable page makes the call fail or stop short (EFAULT).
        let n = unsafe { libc::process_vm_readv(self.pid, &local, 1, &remote, 1, 0) };
        transferred(n, buf.len())
    }

    fn write(&self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        if buf.is_empty() {
            return Ok(());
        }
        let remote_base = usize::try_from(addr).map_err(|_| Errno::EFAULT)?;
        let local = libc::iovec {
            iov_base: buf.as_ptr().cast_mut().cast(),
            iov_len: buf.len(),
        };
        let remote = libc::iovec {
            iov_base: remote_base as *mut libc::c_void,
            iov_len: buf.len(),
        };
        // SAFETY: `local` describes `buf`, valid for reads of its length
        // (the kernel only reads through it despite the `*mut` type).
        // `remote` is checked by the kernel: a page it cannot write makes
        // the call fail or stop short (EFAULT). For another process nothing
        // here is written; for this one (`SelfMem`) the bytes written are
        // the memory the ioctl's caller handed over, and keeping Rust
        // references away from it is the caller's duty under
        // `Transport::ioctl`'s safety contract.
        let n = unsafe { libc::process_vm_writev(self.pid, &local, 1, &remote, 1, 0) };
        transferred(n, buf.len())
    }
}
