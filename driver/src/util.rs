//! Small helpers shared by the driver's modules.

use std::sync::{Mutex, MutexGuard, PoisonError};
use uabi_runtime::Errno;

/// Locks `m`, ignoring poisoning. Nothing in the driver panics while it
/// holds a lock, and every critical section leaves its state consistent
/// before it can fail, so a poisoned lock's data is still sound; an ioctl
/// must not turn another thread's panic into its own.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The current CLOCK_MONOTONIC time in nanoseconds: the clock of WAIT's
/// deadlines and of the timestamp command.
pub fn monotonic_ns() -> i64 {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    ts.tv_sec
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as i64)
}

/// An I/O error from the host as the errno an ioctl reports.
pub(crate) fn host_errno(e: rustix::io::Errno) -> Errno {
    Errno(e.raw_os_error())
}

/// Converts a BO size or offset to a host size; a value the host cannot
/// address is memory the driver cannot provide.
pub(crate) fn to_usize(v: u64) -> Result<usize, Errno> {
    usize::try_from(v).map_err(|_| Errno::ENOMEM)
}
