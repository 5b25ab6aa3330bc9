//! The demo workload, as a function the binary and the tests share: start
//! an in-process softaccel driver, open it through the `softaccel`
//! library, fill two u32 and two f32 vectors (half through BO mappings,
//! half with fill commands), add them on the device, checksum both sums
//! with CRC-32C commands, and check every result against the same
//! computation on the CPU. Timestamp commands between the phases measure
//! how long each took on the device.

use softaccel::accel::{BoFlags, Capabilities, QueueFlags, QueuePriority};
use softaccel::softaccel::{Batch, Device, PerfCounterId};
use softaccel::{FdTransport, Transport};
use softaccel_driver as drv;
use std::fmt::{self, Write as _};
use std::time::{Duration, Instant};

/// Elements per vector when the binary is given no count: 4 MiB vectors.
pub const DEFAULT_ELEMENTS: usize = 1 << 20;

/// One step of the run: what happened, and how long it took on the host
/// (or, for `device` steps, between two timestamp commands).
#[derive(Debug, Clone)]
pub struct Step {
    pub what: String,
    pub took: Duration,
    pub on_device: bool,
}

/// Everything a run did and found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub elements: usize,
    /// Device facts, one line each.
    pub device: Vec<String>,
    pub steps: Vec<Step>,
    /// One line per check: "name: ok" or what differed.
    pub checks: Vec<(String, bool)>,
    /// Performance counters the device reported for the run.
    pub perf: Vec<(String, u64)>,
    pub total: Duration,
    /// How the driver was reached.
    pub route: String,
}

impl Report {
    /// Did every check pass?
    pub fn ok(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|(_, ok)| *ok)
    }

    fn host(&mut self, what: impl Into<String>, since: Instant) {
        self.steps.push(Step {
            what: what.into(),
            took: since.elapsed(),
            on_device: false,
        });
    }
}

fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

fn ms(d: Duration) -> String {
    format!("{:>10.3} ms", d.as_secs_f64() * 1e3)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "softaccel demo: {} elements per vector ({}), {}, {}",
            self.elements,
            size(self.elements * 4),
            self.route,
            // Which build made the timings below: a debug build's are
            // several times slower and not the driver's speed.
            if cfg!(debug_assertions) {
                "debug build (timings are not the driver's speed)"
            } else {
                "optimised build"
            }
        )?;
        for line in &self.device {
            writeln!(f, "  {line}")?;
        }
        writeln!(f, "{:<44}{:>14}{:>14}", "step", "host", "device")?;
        for s in &self.steps {
            if s.on_device {
                writeln!(f, "  {:<42}{:>14}{}", s.what, "", ms(s.took))?;
            } else {
                writeln!(f, "{:<44}{}", s.what, ms(s.took))?;
            }
        }
        for (line, ok) in &self.checks {
            writeln!(f, "  {} {line}", if *ok { "ok      " } else { "MISMATCH" })?;
        }
        if !self.perf.is_empty() {
            let mut line = String::from("  perf:");
            for (name, v) in &self.perf {
                let _ = write!(line, " {name} {v},");
            }
            line.pop();
            writeln!(f, "{line}")?;
        }
        writeln!(f, "{:<44}{}", "total", ms(self.total))?;
        write!(f, "{}", if self.ok() { "OK" } else { "FAILED" })
    }
}

/// CRC-32C (Castagnoli, reflected 0x82f63b78), table-driven, written here
/// so the check does not share code with the driver.
pub fn crc32c(seed: u32, data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    (c >> 1) ^ 0x82f6_3b78
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    let mut crc = !seed;
    for &b in data {
        crc = TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

/// Compares two vectors: a check line naming the first difference.
fn compare(what: &str, got: &[u32], want: &[u32]) -> (String, bool) {
    match got.iter().zip(want).position(|(g, w)| g != w) {
        None if got.len() == want.len() => (format!("{what}: {} elements match", got.len()), true),
        None => (
            format!("{what}: {} elements, expected {}", got.len(), want.len()),
            false,
        ),
        Some(i) => (
            format!(
                "{what}: element {i} is {:#010x}, expected {:#010x}",
                got[i], want[i]
            ),
            false,
        ),
    }
}

/// The first input vector's elements: varied, wrapping on purpose.
fn a_at(i: usize) -> u32 {
    (i as u32).wrapping_mul(0x9e37_79b9)
}

fn fa_at(i: usize) -> f32 {
    (i % 100_000) as f32 * 0.75 - 1000.0
}

const B_VALUE: u32 = 0x8765_4321;
const FB_VALUE: f32 = 0.1;

/// Which driver the demo talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A driver started inside this process, reached through its
    /// dispatch entry directly.
    InProcess,
    /// A device node served by `softaccel-driverd`, reached through
    /// `open(2)`, `ioctl(2)` and `mmap(2)`.
    Node(std::path::PathBuf),
}

/// Runs the workload on `elements`-element vectors with an in-process
/// driver.
pub fn run(elements: usize) -> Result<Report, Box<dyn std::error::Error>> {
    run_on(elements, &Target::InProcess)
}

/// Runs the workload on `elements`-element vectors against `target`.
pub fn run_on(elements: usize, target: &Target) -> Result<Report, Box<dyn std::error::Error>> {
    let start = Instant::now();
    let mut r = Report {
        elements,
        ..Default::default()
    };
    let n = elements as u64;
    let bytes = n * 4;

    let t = Instant::now();
    // One transport type for both routes, so the workload below is the
    // same code whichever way the driver is reached.
    let transport: Box<dyn Transport> = match target {
        Target::InProcess => {
            let driver = drv::Device::new(drv::DeviceConfig::default())?;
            Box::new(driver.open_inproc()?)
        }
        Target::Node(path) => Box::new(
            FdTransport::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?,
        ),
    };
    let dev = Device::new(transport)?;
    r.route = match target {
        Target::InProcess => "in-process driver".to_string(),
        Target::Node(path) => format!("device node {}", path.display()),
    };
    let info = dev.info()?;
    r.host("start the driver, open the device", t);
    r.device.push(format!(
        "accel core revision {}, softaccel revision {}, {} engines, page size {} B",
        info.core_revision, info.revision, info.engine_count, info.page_size
    ));
    let caps: Vec<&str> = info
        .capabilities
        .iter_names()
        .map(|(name, _)| name)
        .collect();
    r.device.push(format!("capabilities: {}", caps.join(" ")));
    let perf = info.capabilities.contains(Capabilities::PERF_STATS);
    if perf {
        dev.set_perf_stats_enabled(true)?;
    }

    let t = Instant::now();
    let host = BoFlags::HOST_VISIBLE;
    let mut a = dev.create_bo(bytes, host)?;
    let b = dev.create_bo(bytes, host)?;
    let mut sum = dev.create_bo(bytes, host)?;
    let mut fa = dev.create_bo(bytes, host)?;
    let fb = dev.create_bo(bytes, host)?;
    let mut fsum = dev.create_bo(bytes, host)?;
    // CRCs at 0 and 4, timestamps from 8.
    let mut out = dev.create_bo(64, host)?;
    let queue = dev.create_queue(QueuePriority::Normal, QueueFlags::empty())?;
    r.host("create 7 BOs and a queue", t);

    let t = Instant::now();
    let av: Vec<u32> = (0..elements).map(a_at).collect();
    let fav: Vec<f32> = (0..elements).map(fa_at).collect();
    a.map()?.write_u32s(0, &av);
    fa.map()?.write_f32s(0, &fav);
    r.host("write a (u32) and fa (f32) through mmap", t);

    let t = Instant::now();
    let stamps = info.capabilities.contains(Capabilities::TIMESTAMPS);
    let mut batch = Batch::new();
    // Timestamp k of the run goes to byte 8 + 8k of `out`.
    macro_rules! stamp {
        ($batch:expr, $k:expr) => {
            if stamps {
                $batch.timestamp(out.at(8 + 8 * $k));
            }
        };
    }
    stamp!(batch, 0);
    batch.fill_u32(&b, n, B_VALUE).fill_f32(&fb, n, FB_VALUE);
    stamp!(batch, 1);
    batch.add_u32(&a, &b, &sum, n).add_f32(&fa, &fb, &fsum, n);
    stamp!(batch, 2);
    batch
        .crc32c(&sum, out.at(0), bytes, 0)
        .crc32c(&fsum, out.at(4), bytes, 0);
    stamp!(batch, 3);
    let fence = dev.submit(&queue, &batch)?;
    r.host(format!("submit one batch of {} commands", batch.len()), t);
    let t = Instant::now();
    fence.wait(Duration::from_secs(60))?;
    r.host(format!("wait for seqno {}", fence.seqno()), t);
    // The device's own timing of the phases goes right after the wait.
    let device_steps_at = r.steps.len();
    drop(batch);

    let t = Instant::now();
    let want_sum: Vec<u32> = av.iter().map(|x| x.wrapping_add(B_VALUE)).collect();
    let want_fsum: Vec<u32> = fav.iter().map(|x| (x + FB_VALUE).to_bits()).collect();
    let (sum_map, fsum_map, out_map) = (sum.map()?, fsum.map()?, out.map()?);
    let crcs = out_map.read_u32s(0, 2);
    let ts = out_map.read::<i64>(8, 4);
    r.checks.push(compare(
        "a + b (u32)",
        &sum_map.read_u32s(0, elements),
        &want_sum,
    ));
    r.checks.push(compare(
        "fa + fb (f32, bitwise)",
        &fsum_map.read_u32s(0, elements),
        &want_fsum,
    ));
    // The sums are verified above, so their bytes are the data to checksum.
    for (what, got, data) in [
        ("crc32c(a + b)", crcs[0], &sum_map[..bytes as usize]),
        ("crc32c(fa + fb)", crcs[1], &fsum_map[..bytes as usize]),
    ] {
        let want = crc32c(0, data);
        r.checks.push((
            format!("{what} = {got:#010x}, CPU {want:#010x}"),
            got == want,
        ));
    }
    drop((sum_map, fsum_map, out_map));
    r.host("read back and verify on the CPU", t);
    if stamps {
        let phases = ["fill b and fb", "add u32 and f32", "crc32c of both sums"];
        for (k, what) in phases.iter().enumerate() {
            let d = ts[k + 1].saturating_sub(ts[k]);
            r.steps.insert(
                device_steps_at + k,
                Step {
                    what: (*what).to_string(),
                    took: Duration::from_nanos(u64::try_from(d).unwrap_or(0)),
                    on_device: true,
                },
            );
        }
        r.checks.push((
            "device timestamps increase".to_string(),
            ts.windows(2).all(|w| w[0] <= w[1]) && ts[0] > 0,
        ));
    }
    if perf {
        let stats = dev.perf_stats(false)?;
        for (name, id) in [
            ("submits", PerfCounterId::Submits),
            ("commands", PerfCounterId::CmdsCompleted),
            ("bytes read", PerfCounterId::BytesRead),
            ("bytes written", PerfCounterId::BytesWritten),
            ("busy ns", PerfCounterId::BusyNs),
        ] {
            if let Some(v) = stats.get(id) {
                r.perf.push((name.to_string(), v));
            }
        }
    }
    r.total = start.elapsed();
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mismatch_fails_the_report() {
        let (line, ok) = compare("v", &[1, 2, 3], &[1, 5, 3]);
        assert!(!ok);
        assert_eq!(line, "v: element 1 is 0x00000002, expected 0x00000005");
        assert!(!compare("v", &[1], &[1, 2]).1);
        let r = Report {
            checks: vec![("fine".into(), true), (line, false)],
            ..Default::default()
        };
        assert!(!r.ok());
        let text = r.to_string();
        assert!(text.contains("MISMATCH v: element 1"), "{text}");
        assert!(text.ends_with("FAILED"));
        assert!(!Report::default().ok(), "no checks is no success");
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(size(4 << 20), "4 MiB");
        assert_eq!(size(4096), "4 KiB");
        assert_eq!(size(4), "4 bytes");
    }
}
