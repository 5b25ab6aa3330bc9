//! Per-file performance counters (PERF_STATS, the perf-stats-enable
//! parameter).

use crate::device::{Device, FileCtx};
use crate::uapi::{self, PerfCounter, PerfStats, perf_counter_id, perf_stats_flags};
use crate::util::lock;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use uabi_runtime::{Errno, UserArray};

/// Number of counters the device implements: every declared id.
pub(crate) const N: usize = perf_counter_id::ALL.len();

// Counter ids index the value array directly; prove they are 0..N.
const _: () = {
    let mut i = 0;
    while i < N {
        assert!(perf_counter_id::ALL[i] as usize == i);
        i += 1;
    }
    assert!(N <= uapi::MAX_PERF_COUNTERS as usize);
};

/// What one engine run adds to a file's counters.
#[derive(Default, Clone, Copy)]
pub(crate) struct Tally {
    pub(crate) cmds: u64,
    pub(crate) bytes_read: u64,
    pub(crate) bytes_written: u64,
}

/// The part of an open file that its submissions share with it and that
/// outlives its handles: whether it is closed, and its perf counters.
pub(crate) struct FileShared {
    closed: AtomicBool,
    enabled: AtomicBool,
    values: Mutex<[u64; N]>,
}

impl FileShared {
    pub(crate) fn new() -> FileShared {
        FileShared {
            closed: AtomicBool::new(false),
            enabled: AtomicBool::new(false),
            values: Mutex::new([0; N]),
        }
    }

    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    pub(crate) fn enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    pub(crate) fn set_enabled(&self, on: bool) {
        self.enabled.store(on, Ordering::Relaxed);
    }

    pub(crate) fn count_submit(&self) {
        if self.enabled() {
            let mut v = lock(&self.values);
            let c = &mut v[perf_counter_id::SUBMITS as usize];
            *c = c.saturating_add(1);
        }
    }

    pub(crate) fn account(&self, t: Tally, busy_ns: u64) {
        if !self.enabled() {
            return;
        }
        let mut v = lock(&self.values);
        let mut add = |id: u32, n: u64| {
            let c = &mut v[id as usize];
            *c = c.saturating_add(n);
        };
        add(perf_counter_id::CMDS_COMPLETED, t.cmds);
        add(perf_counter_id::BYTES_READ, t.bytes_read);
        add(perf_counter_id::BYTES_WRITTEN, t.bytes_written);
        add(perf_counter_id::BUSY_NS, busy_ns);
    }
}

/// PERF_STATS. The counters are written while their lock is held and
/// reset only once every element was written, so a fault loses no counts
/// and a reset is atomic with respect to counting.
pub(crate) fn perf_stats(
    dev: &Device,
    file: &FileCtx,
    arg: &mut PerfStats,
    counters: UserArray<'_, PerfCounter>,
) -> Result<(), Errno> {
    if !dev.config.has(uapi::accel_uapi::capabilities::PERF_STATS) {
        return Err(Errno::EOPNOTSUPP);
    }
    drop(file.state()?);
    let mut values = lock(&file.shared.values);
    for (i, &id) in perf_counter_id::ALL.iter().enumerate().take(counters.len()) {
        let c = PerfCounter {
            id,
            value: values[id as usize],
            ..PerfCounter::ZERO
        };
        counters.write(i, &c)?;
    }
    if arg.flags & perf_stats_flags::RESET != 0 {
        *values = [0; N];
    }
    arg.counter_count = N as u32;
    Ok(())
}
