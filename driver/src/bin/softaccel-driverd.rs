//! `softaccel-driverd <mountpoint>`: serves the reference softaccel device
//! as `<mountpoint>/softaccel0`, a file whose `open`, `ioctl(2)`, `mmap`
//! and `close` reach the driver as a kernel driver's node would. Runs in
//! the foreground, logs each open and release to stderr, and unmounts on
//! SIGINT or SIGTERM. A stale mount left at the mountpoint by a crashed
//! run is cleared first; a missing mountpoint is created. Needs root.

use softaccel_driver::node::{self, NodeConfig, Shutdown};
use softaccel_driver::{Device, DeviceConfig};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: softaccel-driverd [--threads N] [--quiet] <mountpoint>

Serves the softaccel reference device as <mountpoint>/softaccel0 (FUSE, as
root) until SIGINT or SIGTERM.

  --threads N   requests served at once (default 8); a blocking ioctl
                holds one until it returns
  --quiet       do not log opens and releases";

struct Args {
    mountpoint: PathBuf,
    config: NodeConfig,
}

fn parse_args() -> Result<Args, String> {
    let mut config = NodeConfig {
        log: true,
        ..NodeConfig::default()
    };
    let mut mountpoint = None;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("-h" | "--help") => return Err(String::new()),
            Some("--quiet") => config.log = false,
            Some("--threads") => {
                let n = args.next().and_then(|v| v.to_str()?.parse::<usize>().ok());
                match n {
                    Some(n) if n > 0 => config.threads = n,
                    _ => return Err("--threads needs a positive number".into()),
                }
            }
            Some(s) if s.starts_with('-') => return Err(format!("unknown option {s}")),
            _ if mountpoint.is_none() => mountpoint = Some(PathBuf::from(arg)),
            _ => return Err("only one mountpoint".into()),
        }
    }
    let mountpoint = mountpoint.ok_or("missing <mountpoint>")?;
    Ok(Args { mountpoint, config })
}

/// SIGINT and SIGTERM, blocked in every thread (the mask is inherited by
/// threads started later) so they are only ever taken by `sigtimedwait`.
fn block_stop_signals() -> libc::sigset_t {
    // SAFETY: sigset_t is plain data; sigemptyset initialises it fully
    // before any other use.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, exclusively borrowed sigset_t; the
    // signal numbers are valid. pthread_sigmask only changes this
    // thread's mask (no other thread exists yet).
    unsafe {
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
    set
}

/// Waits up to `timeout_ms` for one of `set`; returns its number.
fn wait_signal(set: &libc::sigset_t, timeout_ms: i64) -> Option<i32> {
    let ts = libc::timespec {
        tv_sec: (timeout_ms / 1000) as libc::time_t,
        tv_nsec: ((timeout_ms % 1000) * 1_000_000) as libc::c_long,
    };
    // SAFETY: `set` and `ts` are valid for the call; a null siginfo
    // pointer is allowed.
    let sig = unsafe { libc::sigtimedwait(set, std::ptr::null_mut(), &ts) };
    (sig > 0).then_some(sig)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if e.is_empty() {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            eprintln!("softaccel-driverd: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let signals = block_stop_signals();
    if let Err(e) = node::check_available() {
        eprintln!("softaccel-driverd: cannot serve a device node: {e}");
        return ExitCode::FAILURE;
    }
    let log = args.config.log;
    match node::prepare_mountpoint(&args.mountpoint) {
        Ok(p) => {
            if log && p.cleared_stale > 0 {
                eprintln!(
                    "softaccel-driverd: cleared {} stale mount(s) at {} left by a crashed run",
                    p.cleared_stale,
                    args.mountpoint.display()
                );
            }
            if log && p.created {
                eprintln!("softaccel-driverd: created {}", args.mountpoint.display());
            }
        }
        Err(e) => {
            eprintln!("softaccel-driverd: {}: {e}", args.mountpoint.display());
            return ExitCode::FAILURE;
        }
    }
    let device = match Device::new(DeviceConfig::default()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("softaccel-driverd: cannot create the device: {e}");
            return ExitCode::FAILURE;
        }
    };
    let node = match node::spawn_with(&args.mountpoint, device, args.config) {
        Ok(n) => n,
        Err(e) => {
            eprintln!(
                "softaccel-driverd: cannot mount {}: {e}",
                args.mountpoint.display()
            );
            return ExitCode::FAILURE;
        }
    };
    if log {
        eprintln!(
            "softaccel-driverd: serving {} (pid {})",
            node.device_path().display(),
            std::process::id()
        );
    }
    loop {
        if let Some(sig) = wait_signal(&signals, 200) {
            if log {
                let name = if sig == libc::SIGINT {
                    "SIGINT"
                } else {
                    "SIGTERM"
                };
                eprintln!("softaccel-driverd: {name}: unmounting");
            }
            break;
        }
        if node.is_finished() {
            eprintln!("softaccel-driverd: unmounted from outside; exiting");
            break;
        }
    }
    match node.shutdown() {
        Ok(how) => {
            if log {
                match how {
                    Shutdown::Clean => eprintln!("softaccel-driverd: unmounted"),
                    Shutdown::Forced { open_files } => eprintln!(
                        "softaccel-driverd: unmounted with {open_files} file(s) still open: \
                         connection aborted, their state released"
                    ),
                    Shutdown::AlreadyGone => eprintln!("softaccel-driverd: stopped"),
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("softaccel-driverd: unmount failed: {e}");
            ExitCode::FAILURE
        }
    }
}
