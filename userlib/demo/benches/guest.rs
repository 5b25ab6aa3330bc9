//! The guest benchmarks of issue 14: the softaccel kernel module's
//! /dev/softaccel0 and, in the same run of the same guest kernel, the
//! reference driver's FUSE node (softaccel-driverd), so every ratio's
//! numerator and denominator come from one run:
//!
//! - GET_PARAM through the generated C dispatch against the module's
//!   hand-written handler of the same ioctl (`bench_ioctl=1`, nr 0xf0,
//!   driver/kmod/softaccel_bench.h), both as a raw ioctl(2) from here;
//! - 256 fill commands through the submit ring against one SUBMIT ioctl
//!   each, on each device;
//! - the demo workload (softaccel-demo) on each device.
//!
//! The devices come from SOFTACCEL_BENCH_DEVICES, space-separated
//! `label=path` pairs; `scripts/bench.sh kernel` boots the guest, serves
//! the node, sets it and runs this executable there. There is no host
//! fallback: without the variable the benchmark fails and says how to run it.
//! A label starting with `kernel` is a module loaded with bench_ioctl=1.
//! SOFTACCEL_BENCH_GROUPS (space-separated, default all: `get-param`,
//! `submit`, `demo`) picks what runs; driver/kmod-rs/tests/bench.sh runs
//! only `get-param`, once per module, on the Rust-for-Linux kernel.

use criterion::{Criterion, criterion_group, criterion_main};
use softaccel::accel::{BoFlags, Fence, QueueFlags, QueuePriority};
use softaccel::accel_user::uapi::{GetParam, IOCTL_GET_PARAM, param};
use softaccel::softaccel::{Batch, Device};
use softaccel::{FdTransport, Transport};
use softaccel_demo::Target;
use std::collections::VecDeque;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Commands per measured round of the submission pair.
const N: u64 = 256;
/// SUBMITs a queue may have in flight (the module's and the reference
/// driver's SOFTACCEL_MAX_INFLIGHT_SUBMITS): the one-SUBMIT-per-command side
/// waits on its oldest fence at that depth, as an application must, instead
/// of meeting EBUSY.
const IN_FLIGHT: usize = 64;
/// Bytes each fill command writes: small, so the round measures how work
/// reaches the device rather than the work.
const BYTES: u64 = 64;
/// Ring sizes: the whole round fits in the submit ring.
const RING_ENTRIES: u32 = 256;
/// Elements per demo vector: 256 KiB vectors, so a run under TCG stays in
/// the tens of milliseconds and the samples are many.
const DEMO_ELEMENTS: usize = 1 << 16;
const SEC: Duration = Duration::from_secs(30);

/// The module's private GET_PARAM (softaccel_bench.h): GET_PARAM's
/// direction, type and size at nr 0xf0.
const BENCH_IOCTL_GET_PARAM: u32 = (IOCTL_GET_PARAM & !0xff) | 0xf0;

fn devices() -> Vec<(String, PathBuf)> {
    let spec = std::env::var("SOFTACCEL_BENCH_DEVICES").unwrap_or_else(|_| {
        panic!(
            "SOFTACCEL_BENCH_DEVICES is not set: this benchmark runs in the guest, \
             through `scripts/bench.sh kernel`"
        )
    });
    let devices: Vec<(String, PathBuf)> = spec
        .split_whitespace()
        .map(|pair| {
            let (label, path) = pair
                .split_once('=')
                .unwrap_or_else(|| panic!("SOFTACCEL_BENCH_DEVICES: '{pair}' is not label=path"));
            (label.to_string(), PathBuf::from(path))
        })
        .collect();
    assert!(
        !devices.is_empty(),
        "SOFTACCEL_BENCH_DEVICES names no device"
    );
    devices
}

/// One GET_PARAM(PAGE_SIZE) through `cmd`, checked.
fn get_param(t: &FdTransport, cmd: u32, page: u64) {
    let mut p = GetParam {
        param: param::PAGE_SIZE,
        ..GetParam::ZERO
    };
    // SAFETY: `p` is a live GetParam, the size both commands encode.
    unsafe { t.ioctl(cmd, black_box(&mut p as *mut GetParam).cast()) }.expect("GET_PARAM");
    assert_eq!(p.value, page);
}

fn dispatch(c: &mut Criterion, label: &str, path: &Path) {
    let t = FdTransport::open(path).expect("open the device");
    // What the generated path answers is what both must answer every time.
    let mut first = GetParam {
        param: param::PAGE_SIZE,
        ..GetParam::ZERO
    };
    // SAFETY: `first` is a live GetParam, the size the command encodes.
    unsafe { t.ioctl(IOCTL_GET_PARAM, (&mut first as *mut GetParam).cast()) }.expect("GET_PARAM");
    let page = first.value;
    assert!(page >= 4096, "GET_PARAM(PAGE_SIZE) answered {page}");
    let mut g = c.benchmark_group(format!("guest-get-param/{label}"));
    g.bench_function("generated dispatch", |b| {
        b.iter(|| get_param(&t, IOCTL_GET_PARAM, page))
    });
    g.bench_function("hand-written handler (baseline)", |b| {
        b.iter(|| get_param(&t, BENCH_IOCTL_GET_PARAM, page))
    });
    g.finish();
}

fn submission(c: &mut Criterion, label: &str, path: &Path) {
    let dev: Device<FdTransport> = Device::open(path).expect("open the device");
    let bo = dev
        .accel()
        .create_bo(N * BYTES, BoFlags::HOST_VISIBLE)
        .expect("bo");
    let queue = dev
        .accel()
        .create_queue(QueuePriority::Normal, QueueFlags::empty())
        .expect("queue");
    let mut ring = dev
        .create_ring_queue(QueuePriority::Normal, RING_ENTRIES, RING_ENTRIES)
        .expect("ring queue");
    let singles: Vec<Batch<'_, FdTransport>> = (0..N)
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

    let mut g = c.benchmark_group(format!("guest-submit/{label}"));
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
            let mut fences: VecDeque<Fence<'_, FdTransport>> = VecDeque::with_capacity(IN_FLIGHT);
            for single in &singles {
                if fences.len() == IN_FLIGHT {
                    let oldest = fences.pop_front().expect("a fence");
                    oldest.wait(SEC).expect("wait");
                }
                fences.push_back(dev.submit(&queue, black_box(single)).expect("submit"));
            }
            for fence in fences {
                fence.wait(SEC).expect("wait");
            }
        })
    });
    g.finish();
}

fn demo(c: &mut Criterion, label: &str, path: &Path) {
    let mut g = c.benchmark_group("guest-demo");
    g.sample_size(10);
    g.bench_function(label, |b| {
        b.iter(|| {
            let r = softaccel_demo::run_on(DEMO_ELEMENTS, &Target::Node(path.to_path_buf()))
                .expect("demo run");
            assert!(
                r.ok(),
                "the demo's checks failed on {label}: {:?}",
                r.checks
            );
        })
    });
    g.finish();
}

/// Whether group `name` runs (SOFTACCEL_BENCH_GROUPS).
fn selected(name: &str) -> bool {
    match std::env::var("SOFTACCEL_BENCH_GROUPS") {
        Ok(groups) => {
            let known = ["get-param", "submit", "demo"];
            for g in groups.split_whitespace() {
                assert!(
                    known.contains(&g),
                    "SOFTACCEL_BENCH_GROUPS: no group '{g}' (known: {known:?})"
                );
            }
            groups.split_whitespace().any(|g| g == name)
        }
        Err(_) => true,
    }
}

fn guest(c: &mut Criterion) {
    let devices = devices();
    for (label, path) in &devices {
        // Only a module has the hand-written handler (a device labelled
        // `kernel...` is a module loaded with bench_ioctl=1); the node
        // answers nr 0xf0 with ENOTTY like any unknown number.
        if label.starts_with("kernel") && selected("get-param") {
            dispatch(c, label, path);
        }
        if selected("submit") {
            submission(c, label, path);
        }
    }
    if selected("demo") {
        for (label, path) in &devices {
            demo(c, label, path);
        }
    }
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
    targets = guest
}
criterion_main!(benches);
