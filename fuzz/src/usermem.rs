//! A caller's address space for the ioctl targets: a few regions at fixed
//! small addresses whose bytes come from the fuzz input, everything else
//! unmapped (EFAULT), as `copy_from_user` sees a hostile process. The
//! addresses are small constants so that the fuzzer finds them (its
//! comparison tracing sees them in the dispatch's bounds checks).

use std::cell::RefCell;
use uabi_runtime::{Errno, UserMem};

/// Region `i` starts at `(i + 1) * REGION_STRIDE`.
pub const REGION_STRIDE: u64 = 0x1_0000;
pub const REGIONS: usize = 4;
/// Largest region: room for a full control message and 256 commands.
pub const MAX_REGION: usize = 65_536 + 64;

/// The fuzzed address space.
pub struct FakeMem {
    regions: RefCell<Vec<Vec<u8>>>,
    /// Reads served, to fail the n-th one when asked.
    accesses: RefCell<u64>,
    fail_at: Option<u64>,
}

impl FakeMem {
    pub fn new(regions: Vec<Vec<u8>>, fail_at: Option<u64>) -> FakeMem {
        FakeMem {
            regions: RefCell::new(regions),
            accesses: RefCell::new(0),
            fail_at,
        }
    }

    pub fn base(i: usize) -> u64 {
        (i as u64 + 1) * REGION_STRIDE
    }

    /// The region and offset of `[addr, addr + len)`, if it is mapped.
    fn find(&self, addr: u64, len: usize) -> Option<(usize, usize)> {
        let regions = self.regions.borrow();
        let i = usize::try_from(addr / REGION_STRIDE).ok()?.checked_sub(1)?;
        let r = regions.get(i)?;
        let off = usize::try_from(addr % REGION_STRIDE).ok()?;
        (off.checked_add(len)? <= r.len()).then_some((i, off))
    }

    /// Counts an access; false when this is the one to fail.
    fn access(&self) -> bool {
        let mut n = self.accesses.borrow_mut();
        *n += 1;
        self.fail_at != Some(*n)
    }

    pub fn region(&self, i: usize) -> Vec<u8> {
        self.regions.borrow().get(i).cloned().unwrap_or_default()
    }
}

impl UserMem for FakeMem {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        if !self.access() {
            return Err(Errno::EFAULT);
        }
        let (i, off) = self.find(addr, buf.len()).ok_or(Errno::EFAULT)?;
        buf.copy_from_slice(&self.regions.borrow()[i][off..off + buf.len()]);
        Ok(())
    }

    fn write(&self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        if !self.access() {
            return Err(Errno::EFAULT);
        }
        let (i, off) = self.find(addr, buf.len()).ok_or(Errno::EFAULT)?;
        self.regions.borrow_mut()[i][off..off + buf.len()].copy_from_slice(buf);
        Ok(())
    }
}

impl FakeMem {
    /// Zeroes `[addr, addr + len)` where it is mapped (a harness's own
    /// write, not counted as an access).
    pub fn zero(&self, addr: u64, len: usize) {
        if let Some((i, off)) = self.find(addr, len) {
            self.regions.borrow_mut()[i][off..off + len].fill(0);
        }
    }
}
