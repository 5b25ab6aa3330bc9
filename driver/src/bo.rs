//! Buffer objects: BO_CREATE, BO_INFO, BO_DESTROY.
//!
//! Revision 2 of the core adds the alignment member and the
//! device-read-only flag (which SUBMIT enforces).

use crate::device::{Device, FileCtx, Kind, Live, alloc_handle};
use crate::uapi::accel_uapi::{BoCreate, BoDestroy, BoInfo, bo_flags, capabilities};
use crate::util::to_usize;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use uabi_runtime::Errno;
use uabi_runtime::transport::Mapping;

/// A buffer object: a page-aligned range of its file's memfd, mapped into
/// the driver for the engines. Handles and submissions hold it by `Arc`;
/// the last one to let go gives its pages back.
pub(crate) struct Bo {
    /// Rounded size in bytes; every validated range lies within it.
    pub(crate) size: u64,
    pub(crate) flags: u32,
    /// Start of the range in the memfd, the BO's mmap offset.
    pub(crate) offset: u64,
    map: Mapping,
    memfd: Arc<OwnedFd>,
    _live: Live,
}

impl Bo {
    /// The driver's mapping of the whole BO (`size` bytes).
    pub(crate) fn base(&self) -> *mut u8 {
        self.map.as_ptr()
    }

    fn mmap_offset(&self) -> u64 {
        if self.flags & bo_flags::HOST_VISIBLE != 0 {
            self.offset
        } else {
            0
        }
    }
}

impl Drop for Bo {
    fn drop(&mut self) {
        // Give the pages back now; a host mapping that outlives the BO
        // reads zeros from then on, and since ranges are never reused it
        // cannot see another BO's data.
        let _ = rustix::fs::fallocate(
            self.memfd.as_fd(),
            rustix::fs::FallocateFlags::PUNCH_HOLE | rustix::fs::FallocateFlags::KEEP_SIZE,
            self.offset,
            self.size,
        );
    }
}

pub(crate) fn create(dev: &Device, file: &FileCtx, arg: &mut BoCreate) -> Result<(), Errno> {
    let cfg = &dev.config;
    let flags = arg.flags;
    if !bo_flags::is_valid(flags) {
        return Err(Errno::EINVAL);
    }
    let visible = flags & bo_flags::HOST_VISIBLE != 0;
    let wc = flags & bo_flags::WRITE_COMBINE != 0;
    if wc && !visible {
        return Err(Errno::EINVAL);
    }
    let read_only = flags & bo_flags::DEVICE_READ_ONLY != 0;
    // Alignment 0 (what a revision-1 caller's zero extension gives) is the
    // page size, as is any smaller value.
    let align = arg.alignment;
    if align != 0 && !align.is_power_of_two() {
        return Err(Errno::EINVAL);
    }
    if (visible && !cfg.has(capabilities::HOST_VISIBLE_BO))
        || (wc && !cfg.has(capabilities::WRITE_COMBINE_BO))
        || (read_only && !cfg.has(capabilities::READ_ONLY_BO))
        || (align != 0 && !cfg.has(capabilities::BO_ALIGNMENT))
    {
        return Err(Errno::EOPNOTSUPP);
    }
    if align > cfg.effective_max_bo_alignment() {
        return Err(Errno::EINVAL);
    }
    let align = align.max(u64::from(cfg.page_size));
    if arg.size == 0 {
        return Err(Errno::EINVAL);
    }
    let size = arg
        .size
        .checked_next_multiple_of(u64::from(cfg.page_size))
        .ok_or(Errno::EINVAL)?;
    if size > cfg.max_bo_size {
        return Err(Errno::EINVAL);
    }
    let mut guard = file.state()?;
    let st = &mut *guard;
    // The skipped range stays a hole: it costs the memfd nothing.
    let offset = st
        .next_offset
        .checked_next_multiple_of(align)
        .ok_or(Errno::ENOMEM)?;
    let end = offset.checked_add(size).ok_or(Errno::ENOMEM)?;
    // The memfd only grows (ranges are never reused); a new range is a
    // hole, so the BO starts out zero.
    rustix::fs::ftruncate(file.memfd.as_fd(), end).map_err(|_| Errno::ENOMEM)?;
    let map =
        Mapping::map_fd(file.memfd.as_fd(), offset, to_usize(size)?).map_err(|_| Errno::ENOMEM)?;
    st.bos.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
    let handle = alloc_handle(&st.bos, &mut st.next_bo)?;
    st.next_offset = end;
    st.bos.insert(
        handle,
        Arc::new(Bo {
            size,
            flags,
            offset,
            map,
            memfd: file.memfd.clone(),
            _live: Live::new(&dev.stats, Kind::Bo),
        }),
    );
    arg.handle = handle;
    Ok(())
}

pub(crate) fn info(file: &FileCtx, arg: &mut BoInfo) -> Result<(), Errno> {
    if arg.handle == 0 {
        return Err(Errno::EINVAL);
    }
    let st = file.state()?;
    let bo = st.bos.get(&arg.handle).ok_or(Errno::ENOENT)?;
    arg.flags = bo.flags;
    arg.size = bo.size;
    arg.mmap_offset = bo.mmap_offset();
    Ok(())
}

pub(crate) fn destroy(file: &FileCtx, arg: &BoDestroy) -> Result<(), Errno> {
    if arg.handle == 0 {
        return Err(Errno::EINVAL);
    }
    // Taken out under the lock, freed (if this was the last reference)
    // after it.
    let bo = file.state()?.bos.remove(&arg.handle);
    bo.map(drop).ok_or(Errno::ENOENT)
}
