//! The knobs of the softaccel kernel module (`driver/kmod`) that the test
//! suites need to run against `/dev/softaccel0` exactly as they run against
//! this crate's driver: the same [`DeviceConfig`], as module parameters
//! (`/sys/module/softaccel/parameters/*`, read by the module at each open),
//! the same [`Counters`], from debugfs (`softaccel/counters`, one
//! `name value` line each; writing it zeroes the totals), and the engines' pause switch (the `paused`
//! parameter). The module's parameters are device-wide, so a suite that
//! configures it runs its tests one at a time.

use crate::{Counters, DeviceConfig};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The module's misc device.
pub const DEVICE: &str = "/dev/softaccel0";

/// A loaded softaccel module.
#[derive(Debug, Clone)]
pub struct KernelModule {
    device: PathBuf,
    params: PathBuf,
    counters: PathBuf,
}

impl KernelModule {
    /// The loaded module, or why it cannot be used (not loaded, no device
    /// node, debugfs not mounted). The module is `softaccel` (driver/kmod),
    /// or the one UABI_KMOD_NAME names: `scripts/vm.sh --module rust` sets
    /// it to `softaccel_rs` (driver/kmod-rs, the same parameters).
    pub fn find() -> io::Result<KernelModule> {
        let name = std::env::var("UABI_KMOD_NAME").unwrap_or_else(|_| "softaccel".to_owned());
        let m = KernelModule {
            device: PathBuf::from(DEVICE),
            params: PathBuf::from(format!("/sys/module/{name}/parameters")),
            counters: PathBuf::from("/sys/kernel/debug/softaccel/counters"),
        };
        for (path, what) in [
            (&m.device, "the device node"),
            (&m.params, "the module's parameters (is the module loaded?)"),
            (&m.counters, "the module's counters (is debugfs mounted?)"),
        ] {
            if !path.exists() {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{what}: {} does not exist", path.display()),
                ));
            }
        }
        Ok(m)
    }

    /// The device file.
    pub fn device_path(&self) -> &Path {
        &self.device
    }

    /// Makes the module behave as a driver built with `config`, for files
    /// opened from now on.
    pub fn configure(&self, config: &DeviceConfig) -> io::Result<()> {
        let c = config;
        let values: [(&str, u64); 11] = [
            ("device_id", c.device_id),
            ("revision", c.revision.into()),
            ("core_revision", c.core_revision.into()),
            ("capabilities", c.capabilities.into()),
            ("device_capabilities", c.device_capabilities.into()),
            ("max_bo_alignment", c.max_bo_alignment),
            ("max_bo_size", c.max_bo_size),
            ("num_queues_max", c.num_queues_max.into()),
            ("page_size", c.page_size.into()),
            ("engine_count", c.engine_count.into()),
            ("clock_freq_hz", c.clock_freq_hz),
        ];
        for (name, value) in values {
            self.set_param(name, value)?;
        }
        Ok(())
    }

    /// Holds (or releases) every engine before its next command, to keep
    /// work in flight.
    pub fn set_paused(&self, paused: bool) -> io::Result<()> {
        self.set_param("paused", u64::from(paused))
    }

    fn set_param(&self, name: &str, value: u64) -> io::Result<()> {
        let path = self.params.join(name);
        std::fs::write(&path, value.to_string())
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
    }

    /// The module's live object counts and totals.
    pub fn counters(&self) -> io::Result<Counters> {
        let text = std::fs::read_to_string(&self.counters)?;
        parse_counters(&text).map_err(|why| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {why}", self.counters.display()),
            )
        })
    }

    /// Zeroes the totals (submits, completions, commands), as a fresh
    /// device has them; the live counts are left as they are.
    pub fn reset_counters(&self) -> io::Result<()> {
        std::fs::write(&self.counters, "0")
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.counters.display())))
    }

    /// Waits until no submission is pending, or `timeout` passes; returns
    /// whether it became idle. Polls: the module has no wait interface.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            match self.counters() {
                Ok(c) if c.pending_submissions == 0 => return true,
                Err(_) => return false,
                Ok(_) if Instant::now() >= deadline => return false,
                Ok(_) => std::thread::sleep(Duration::from_millis(2)),
            }
        }
    }
}

/// Reads `name value` lines; every counter must be present exactly once.
fn parse_counters(text: &str) -> Result<Counters, String> {
    let mut values: [Option<u64>; 8] = [None; 8];
    const NAMES: [&str; 8] = [
        "files",
        "bos",
        "queues",
        "pending_submissions",
        "submits",
        "submissions_completed",
        "submissions_cancelled",
        "cmds_completed",
    ];
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (name, value) = line
            .split_once(' ')
            .ok_or_else(|| format!("line `{line}` is not `name value`"))?;
        let i = NAMES
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| format!("unknown counter `{name}`"))?;
        let v = value
            .trim()
            .parse()
            .map_err(|e| format!("counter `{name}`: {e}"))?;
        if values[i].replace(v).is_some() {
            return Err(format!("counter `{name}` given twice"));
        }
    }
    let get = |i: usize| values[i].ok_or_else(|| format!("counter `{}` missing", NAMES[i]));
    Ok(Counters {
        files: get(0)?,
        bos: get(1)?,
        queues: get(2)?,
        pending_submissions: get(3)?,
        submits: get(4)?,
        submissions_completed: get(5)?,
        submissions_cancelled: get(6)?,
        cmds_completed: get(7)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_parse_every_line_once() {
        let c = parse_counters(
            "files 1\nbos 2\nqueues 3\npending_submissions 4\nsubmits 5\n\
             submissions_completed 6\nsubmissions_cancelled 7\ncmds_completed 8\n",
        )
        .unwrap();
        assert_eq!((c.files, c.bos, c.queues, c.cmds_completed), (1, 2, 3, 8));
        assert!(
            parse_counters("files 1\n")
                .unwrap_err()
                .contains("`bos` missing")
        );
        assert!(
            parse_counters("files 1\nfiles 2\n")
                .unwrap_err()
                .contains("twice")
        );
        assert!(parse_counters("nope 1\n").unwrap_err().contains("unknown"));
        assert!(parse_counters("files x\n").unwrap_err().contains("files"));
    }
}
