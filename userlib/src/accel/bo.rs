//! Buffer objects: create, query, map, destroy on drop.

use super::queue::{Fence, QueueSync};
use super::{Capabilities, Device, NEVER};
use crate::error::{Error, Result};
use accel_user::{self, Mapping, Transport, uapi};
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError};

bitflags::bitflags! {
    /// Flags of BO_CREATE, reported back by BO_INFO.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct BoFlags: u32 {
        /// The BO can be mapped ([`Bo::map`]); needs
        /// [`Capabilities::HOST_VISIBLE_BO`](super::Capabilities::HOST_VISIBLE_BO).
        const HOST_VISIBLE = uapi::bo_flags::HOST_VISIBLE;
        /// Host mappings are write-combined; only with `HOST_VISIBLE`.
        const WRITE_COMBINE = uapi::bo_flags::WRITE_COMBINE;
        /// Commands may only read the BO (a submission that writes it
        /// fails); the host mapping stays writable. Needs
        /// [`Capabilities::READ_ONLY_BO`](super::Capabilities::READ_ONLY_BO)
        /// ([`Error::FeatureUnsupported`] otherwise); revision 2.
        const DEVICE_READ_ONLY = uapi::bo_flags::DEVICE_READ_ONLY;
        const _ = !0;
    }
}

/// What BO_INFO reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoInfo {
    pub handle: u32,
    pub flags: BoFlags,
    /// Size in bytes, a multiple of the page size.
    pub size: u64,
    /// The offset to mmap, 0 unless host-visible.
    pub mmap_offset: u64,
}

/// A buffer object, destroyed (BO_DESTROY) on drop.
///
/// Commands name a BO by `&Bo`; mapping it takes `&mut Bo` and first waits
/// for every tracked submission that may access it, so a [`BoMap`]'s
/// slices never see a command's writes in progress.
pub struct Bo<'d, T: Transport> {
    dev: &'d Device<T>,
    info: BoInfo,
    /// Submissions that may still access this BO: (queue, seqno), one entry
    /// per queue with its latest seqno.
    pending: Mutex<Vec<(Arc<QueueSync<T>>, u64)>>,
    destroyed: bool,
}

impl<'d, T: Transport> Bo<'d, T> {
    pub(super) fn create(
        dev: &'d Device<T>,
        size: u64,
        flags: BoFlags,
        alignment: u64,
    ) -> Result<Self> {
        // Revision-2 features are checked against the capabilities first:
        // a revision-1 driver would reject the flag with a bare EINVAL and
        // silently ignore the alignment (it zero-extends BO_CREATE).
        if flags.contains(BoFlags::DEVICE_READ_ONLY) {
            dev.require(
                Capabilities::READ_ONLY_BO,
                "device-read-only BO",
                "read-only-bo",
            )?;
        }
        if alignment != 0 {
            dev.require(Capabilities::BO_ALIGNMENT, "BO alignment", "bo-alignment")?;
        }
        let mut arg = uapi::BoCreate {
            size,
            flags: flags.bits(),
            alignment,
            ..uapi::BoCreate::ZERO
        };
        accel_user::bo_create(dev.t(), dev.core_revision, &mut arg)?;
        let mut bo = Bo {
            dev,
            info: BoInfo {
                handle: arg.handle,
                flags,
                size,
                mmap_offset: 0,
            },
            pending: Mutex::new(Vec::new()),
            destroyed: false,
        };
        // If this fails, dropping `bo` destroys the handle.
        bo.info = bo.query()?;
        Ok(bo)
    }

    /// The handle, in the device's namespace.
    pub fn handle(&self) -> u32 {
        self.info.handle
    }

    /// Size in bytes (rounded up to the page size at creation).
    pub fn size(&self) -> u64 {
        self.info.size
    }

    pub fn flags(&self) -> BoFlags {
        self.info.flags
    }

    /// The mmap offset BO_INFO reported at creation (0 unless host-visible).
    pub fn mmap_offset(&self) -> u64 {
        self.info.mmap_offset
    }

    /// The device the BO belongs to.
    pub fn device(&self) -> &'d Device<T> {
        self.dev
    }

    /// Asks the driver again (BO_INFO).
    pub fn query(&self) -> Result<BoInfo> {
        let mut arg = uapi::BoInfo {
            handle: self.info.handle,
            ..uapi::BoInfo::ZERO
        };
        accel_user::bo_info(self.dev.t(), self.dev.core_revision, &mut arg)?;
        Ok(BoInfo {
            handle: arg.handle,
            flags: BoFlags::from_bits_retain(arg.flags),
            size: arg.size,
            mmap_offset: arg.mmap_offset,
        })
    }

    /// An offset into this BO, for command builders.
    pub fn at(&self, offset: u64) -> BoAt<'_, T> {
        BoAt { bo: self, offset }
    }

    /// Records that the submission behind `fence` may access this BO, so
    /// that [`Bo::map`] waits for it. Device libraries call this for every
    /// BO a submission names.
    pub fn track(&self, fence: &Fence<'_, T>) -> Result<()> {
        if !std::ptr::eq(fence.device(), self.dev) {
            return Err(Error::ForeignObject { what: "fence" });
        }
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        pending.retain(|(q, seqno)| !q.is_complete(*seqno));
        match pending
            .iter_mut()
            .find(|(q, _)| Arc::ptr_eq(q, fence.sync()))
        {
            Some((_, seqno)) => *seqno = (*seqno).max(fence.seqno()),
            None => pending.push((fence.sync().clone(), fence.seqno())),
        }
        Ok(())
    }

    /// Has every tracked submission that may access this BO completed (as
    /// far as the library has seen)? Does not ask the driver.
    pub fn is_idle(&self) -> bool {
        let pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        pending.iter().all(|(q, seqno)| q.is_complete(*seqno))
    }

    /// Waits until every tracked submission that may access this BO has
    /// completed.
    pub fn wait_idle(&self) -> Result<()> {
        let snapshot = self
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for (q, seqno) in &snapshot {
            q.wait(self.dev, *seqno, NEVER)?;
        }
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(q, seqno)| !q.is_complete(*seqno));
        Ok(())
    }

    /// Maps the whole BO into this process, after waiting for the work that
    /// may access it ([`Bo::wait_idle`]). Needs [`BoFlags::HOST_VISIBLE`].
    pub fn map(&mut self) -> Result<BoMap<'_>> {
        if self.info.mmap_offset == 0 {
            return Err(Error::NotHostVisible {
                handle: self.info.handle,
            });
        }
        self.wait_idle()?;
        let len = usize::try_from(self.info.size).map_err(|_| Error::TooLong {
            what: "mmap",
            len: usize::MAX,
        })?;
        let mapping = self
            .dev
            .t()
            .mmap(self.info.mmap_offset, len)
            .map_err(|e| Error::from_errno("mmap", e))?;
        Ok(BoMap {
            mapping,
            _bo: PhantomData,
        })
    }

    /// Destroys the BO now, reporting the driver's answer (drop ignores
    /// it). Work already submitted that uses it still completes.
    pub fn destroy(mut self) -> Result<()> {
        self.destroy_inner()
    }

    fn destroy_inner(&mut self) -> Result<()> {
        self.destroyed = true;
        let mut arg = uapi::BoDestroy {
            handle: self.info.handle,
            ..uapi::BoDestroy::ZERO
        };
        accel_user::bo_destroy(self.dev.t(), self.dev.core_revision, &mut arg)?;
        Ok(())
    }
}

impl<T: Transport> Drop for Bo<'_, T> {
    fn drop(&mut self) {
        if !self.destroyed {
            // Nothing to do about a failure here; `destroy` reports it.
            let _ = self.destroy_inner();
        }
    }
}

impl<T: Transport> std::fmt::Debug for Bo<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bo").field("info", &self.info).finish()
    }
}

/// A BO and a byte offset into it: one operand of a command.
pub struct BoAt<'a, T: Transport> {
    pub bo: &'a Bo<'a, T>,
    pub offset: u64,
}

impl<T: Transport> Clone for BoAt<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Transport> Copy for BoAt<'_, T> {}

impl<'a, T: Transport> From<&'a Bo<'a, T>> for BoAt<'a, T> {
    fn from(bo: &'a Bo<'a, T>) -> Self {
        BoAt { bo, offset: 0 }
    }
}

/// The memory of a mapped BO, unmapped on drop. Derefs to `[u8]`; the
/// typed helpers read and write little-endian elements, the byte order of
/// every value commands read or write.
pub struct BoMap<'b> {
    mapping: Mapping,
    /// Holds the BO mutably borrowed: no command can name it meanwhile.
    _bo: PhantomData<&'b mut ()>,
}

impl std::ops::Deref for BoMap<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: the mapping is `len` readable bytes until it is dropped,
        // which `self` outlives. No command writes them meanwhile: the BO
        // is mutably borrowed for `'b` (no batch can name it) and `Bo::map`
        // waited for every tracked submission that could (an untracked one
        // would break `Device::transport`'s contract).
        unsafe { std::slice::from_raw_parts(self.mapping.as_ptr(), self.mapping.len()) }
    }
}

impl std::ops::DerefMut for BoMap<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`, and `&mut self` makes this the only slice.
        unsafe { std::slice::from_raw_parts_mut(self.mapping.as_ptr(), self.mapping.len()) }
    }
}

impl BoMap<'_> {
    /// Reads `count` little-endian elements starting at byte `offset`.
    ///
    /// # Panics
    ///
    /// If the range is outside the BO, as slice indexing does.
    pub fn read<E: Element>(&self, offset: usize, count: usize) -> Vec<E> {
        let bytes = &self[offset..offset + count * E::SIZE];
        bytes.chunks_exact(E::SIZE).map(E::from_le_bytes).collect()
    }

    /// Writes `values` as little-endian elements starting at byte `offset`.
    ///
    /// # Panics
    ///
    /// If the range is outside the BO, as slice indexing does.
    pub fn write<E: Element>(&mut self, offset: usize, values: &[E]) {
        let bytes = &mut self[offset..offset + std::mem::size_of_val(values)];
        for (chunk, v) in bytes.chunks_exact_mut(E::SIZE).zip(values) {
            v.write_le_bytes(chunk);
        }
    }

    /// [`read`](Self::read) of u32 elements.
    pub fn read_u32s(&self, offset: usize, count: usize) -> Vec<u32> {
        self.read(offset, count)
    }

    /// [`write`](Self::write) of u32 elements.
    pub fn write_u32s(&mut self, offset: usize, values: &[u32]) {
        self.write(offset, values)
    }

    /// [`read`](Self::read) of f32 elements.
    pub fn read_f32s(&self, offset: usize, count: usize) -> Vec<f32> {
        self.read(offset, count)
    }

    /// [`write`](Self::write) of f32 elements.
    pub fn write_f32s(&mut self, offset: usize, values: &[f32]) {
        self.write(offset, values)
    }
}

impl std::fmt::Debug for BoMap<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoMap")
            .field("len", &self.mapping.len())
            .finish_non_exhaustive()
    }
}

/// A number stored in BO memory, little-endian.
pub trait Element: Copy + sealed::Sealed {
    const SIZE: usize;
    /// `bytes.len() == SIZE`.
    fn from_le_bytes(bytes: &[u8]) -> Self;
    /// `out.len() == SIZE`.
    fn write_le_bytes(self, out: &mut [u8]);
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! element {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn from_le_bytes(bytes: &[u8]) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(bytes);
                <$t>::from_le_bytes(a)
            }
            fn write_le_bytes(self, out: &mut [u8]) {
                out.copy_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}

element!(u8, u16, u32, u64, i32, i64, f32, f64);
