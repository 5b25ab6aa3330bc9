//! Benchmarks 3 and 4 of the performance issue, through the canonical
//! library as an application uses it:
//!
//! - submission: `N` commands through the submit ring (written, published
//!   once, a doorbell only if the device asked for one, completions
//!   reaped) against one SUBMIT ioctl per command (then a WAIT on the
//!   last), in process and through the device node;
//! - control messages: one set-tunables operation (encode the request,
//!   the kernel side's header and policy validation, the handler, the
//!   reply builder, decoding the reply) against the smallest plain ioctl
//!   (GET_PARAM) on the same transport.
//!
//! Run: `cargo bench -p softaccel --bench submit` (or `scripts/bench.sh
//! submit`). The node half needs root and /dev/fuse, as the tests do.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use softaccel::accel::{BoFlags, Param, QueueFlags, QueuePriority};
use softaccel::softaccel::{Batch, Device};
use softaccel::{FdTransport, InProcess, Transport};
use softaccel_driver as drv;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Commands per measured round: below the queue's in-flight limit (64),
/// so the one-ioctl-per-command side never sees EBUSY.
const N: u64 = 32;
/// Bytes each fill command writes: small, so the round measures how work
/// reaches the device rather than the work.
const BYTES: u64 = 64;
const SEC: Duration = Duration::from_secs(10);

/// A device node served from a fresh directory; unmounted on drop.
struct Mounted {
    node: Option<drv::node::Node>,
    dir: PathBuf,
}

impl Mounted {
    fn new(device: Arc<drv::Device>) -> Mounted {
        let dir = std::env::temp_dir().join(format!("softaccel-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mountpoint");
        let node = drv::node::spawn(&dir, device).expect("spawn the device node");
        Mounted {
            node: Some(node),
            dir,
        }
    }

    fn device_path(&self) -> PathBuf {
        self.node.as_ref().expect("mounted").device_path()
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        // Unmount first: a mountpoint cannot be removed.
        drop(self.node.take());
        let _ = std::fs::remove_dir(&self.dir);
    }
}

fn submission<T: Transport>(c: &mut Criterion, what: &str, dev: &Device<T>) {
    let bo = dev
        .accel()
        .create_bo(N * BYTES, BoFlags::HOST_VISIBLE)
        .expect("bo");
    let queue = dev
        .accel()
        .create_queue(QueuePriority::Normal, QueueFlags::empty())
        .expect("queue");
    let mut ring = dev
        .create_ring_queue(QueuePriority::Normal, 64, 64)
        .expect("ring queue");
    let singles: Vec<Batch<'_, T>> = (0..N)
        .map(|i| {
            let mut b = Batch::new();
            b.fill(bo.at(i * BYTES), BYTES, i);
            b
        })
        .collect();
    let mut all = Batch::new();
    for i in 0..N {
        all.fill(bo.at(i * BYTES), BYTES, i);
    }

    let mut g = c.benchmark_group(format!("submit/{what}"));
    g.throughput(criterion::Throughput::Elements(N));
    g.bench_function("ring, one publish per batch", |b| {
        b.iter(|| {
            let seqnos = ring
                .submit_batch(black_box(&all), SEC)
                .expect("ring submit");
            let done = ring.wait_all(SEC).expect("completions");
            assert_eq!(done.len(), seqnos.len());
        })
    });
    g.bench_function("one SUBMIT ioctl per command", |b| {
        b.iter(|| {
            let mut last = None;
            for single in &singles {
                last = Some(dev.submit(&queue, black_box(single)).expect("submit"));
            }
            if let Some(fence) = last {
                fence.wait(SEC).expect("wait");
            }
        })
    });
    g.finish();
}

fn control<T: Transport>(c: &mut Criterion, what: &str, dev: &Device<T>) {
    let mut g = c.benchmark_group(format!("control/{what}"));
    let mut slice = 10_000u64;
    g.bench_function("set-tunables operation", |b| {
        b.iter_batched(
            || {
                // Alternate values so every call changes the tunable.
                slice = if slice == 10_000 { 20_000 } else { 10_000 };
                Duration::from_nanos(slice)
            },
            |ns| dev.set_time_slice(black_box(ns)).expect("set-tunables"),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("GET_PARAM ioctl (baseline)", |b| {
        b.iter(|| {
            dev.accel()
                .param(black_box(Param::PageSize))
                .expect("param")
        })
    });
    g.finish();
}

fn in_process(c: &mut Criterion) {
    let driver = drv::Device::new(drv::DeviceConfig::default()).expect("driver");
    let creds = drv::Creds {
        cap_sys_nice: false,
        privileged: true,
    };
    let t: InProcess = driver.open_inproc_with(creds).expect("open");
    let dev = Device::new(t).expect("library open");
    submission(c, "in-process", &dev);
    control(c, "in-process", &dev);
}

fn through_the_node(c: &mut Criterion) {
    if let Err(why) = drv::node::check_available() {
        panic!("the device node benchmarks need root and /dev/fuse: {why}");
    }
    let driver = drv::Device::new(drv::DeviceConfig::default()).expect("driver");
    let mounted = Mounted::new(driver);
    let dev: Device<FdTransport> = Device::open(mounted.device_path()).expect("open the node");
    submission(c, "node", &dev);
    control(c, "node", &dev);
    drop(dev);
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = in_process, through_the_node
}
criterion_main!(benches);
