//! The in-process frontend: a "device node" inside this process. Opening
//! it creates a [`FileCtx`](crate::FileCtx) and returns an `InProcess` transport whose
//! ioctls run the generated `dispatch` against that file, reading and
//! writing the caller's memory through [`SelfMem`], and whose `mmap`
//! maps the file's BO memory. Dropping the transport is `close()`: it
//! releases the file.

use crate::device::Device;
use std::sync::Arc;
use uabi_runtime::transport::InProcess;
use uabi_runtime::{Errno, UserMem};

/// The memory of this process, read and written with
/// `process_vm_readv`/`process_vm_writev` on the own pid: the kernel's
/// `copy_from_user`/`copy_to_user` for a caller in the same process. A bad
/// address is EFAULT, never a crash.
#[derive(Debug, Clone, Copy, Default)]
pub struct SelfMem;

/// The host errno of a failed `process_vm_*` call, or EFAULT for a short
/// transfer (it stops at the first page it cannot access).
fn transferred(n: isize, want: usize) -> Result<(), Errno> {
    if n < 0 {
        let e = std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(Errno::EFAULT.0);
        return Err(Errno(e));
    }
    if n as usize != want {
        return Err(Errno::EFAULT);
    }
    Ok(())
}

impl UserMem for SelfMem {
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
        // SAFETY: `local` describes `buf`, which is valid for writes of its
        // length for the whole call. The kernel checks `remote` itself
        // (it is only an address in our own address space, never
        // dereferenced by Rust): an unmapped or unreadable page makes the
        // call fail or stop short, which is reported as EFAULT.
        let n = unsafe { libc::process_vm_readv(libc::getpid(), &local, 1, &remote, 1, 0) };
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
        // (the kernel only reads through it despite the `*mut` type). The
        // kernel checks `remote`: a page it cannot write makes the call
        // fail or stop short (EFAULT). Writing into memory that Rust code
        // holds a reference to is what the ioctl contract
        // (`Transport::ioctl`'s safety section) makes the caller's duty
        // to prevent.
        let n = unsafe { libc::process_vm_writev(libc::getpid(), &local, 1, &remote, 1, 0) };
        transferred(n, buf.len())
    }
}

impl Device {
    /// Opens the device in-process: a new [`FileCtx`](crate::FileCtx) behind an
    /// `InProcess` transport. Its ioctls go through
    /// `softaccel_kernel::dispatch`, its `mmap` maps the file's BO memory
    /// (a duplicate of the file's memfd), and dropping it releases the
    /// file. Fails like `open()` would (the host's errno when no memfd can
    /// be created).
    pub fn open_inproc(self: &Arc<Self>) -> Result<InProcess, Errno> {
        self.open_inproc_with(crate::Creds::current())
    }

    /// [`Device::open_inproc`] with explicit credentials.
    pub fn open_inproc_with(self: &Arc<Self>, creds: crate::Creds) -> Result<InProcess, Errno> {
        let file = Arc::new(self.open_with(creds)?);
        let memory = file
            .memory()
            .try_clone_to_owned()
            .map_err(|e| Errno(e.raw_os_error().unwrap_or(Errno::EMFILE.0)))?;
        let (dev, f) = (self.clone(), file.clone());
        let (rdev, rfile) = (self.clone(), file);
        Ok(InProcess::new(move |cmd, arg| {
            softaccel_kernel::dispatch(&*dev, &*f, &SelfMem, cmd, arg)
        })
        .with_memory(memory)
        .on_release(move || rdev.release(&rfile)))
    }
}
