//! The cost of the generated dispatch and validation, against a
//! hand-written copy-in / handler / copy-out baseline that validates
//! nothing, in the same run, through the same `UserMem`.
//!
//! `BufferMem` keeps user-memory access at the cost of a memcpy, so the
//! difference is dispatch and validation rather than syscalls; the
//! `SelfMem` pair shows the same with process_vm_readv/writev, as the
//! in-process transport runs it.
//!
//! Run: `cargo bench -p softaccel-driver --bench dispatch`.

use criterion::{Criterion, criterion_group, criterion_main};
use softaccel_driver::accel_uapi::{self as core, BoCreate, BoInfo, GetParam, bo_flags, param};
use softaccel_driver::{Device, DeviceConfig, FileCtx, SelfMem};
use softaccel_kernel::accel_kernel::Ops;
use std::hint::black_box;
use uabi_runtime::zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};
use uabi_runtime::{BufferMem, Errno, UserMem};

/// Where the argument "is" in the caller's address space for BufferMem.
const BASE: u64 = 0x7000_0000;

/// The baseline: what a driver without generated code does for an ioctl
/// of argument type `T`: copy in, call, copy out; no size, direction, pad,
/// enum or range handling.
fn baseline<T: FromBytes + IntoBytes + KnownLayout + Immutable>(
    mem: &dyn UserMem,
    addr: u64,
    handler: impl FnOnce(&mut T) -> Result<(), Errno>,
) -> Result<(), Errno> {
    let mut arg = T::new_zeroed();
    mem.read(addr, arg.as_mut_bytes())?;
    handler(&mut arg)?;
    mem.write(addr, arg.as_bytes())
}

fn setup() -> (std::sync::Arc<Device>, FileCtx, u32) {
    let dev = Device::new(DeviceConfig::default()).expect("device");
    let file = dev.open().expect("open");
    let mut c = BoCreate {
        size: 4096,
        flags: bo_flags::HOST_VISIBLE,
        ..BoCreate::ZERO
    };
    dev.bo_create(&file, &mut c).expect("bo");
    (dev, file, c.handle)
}

fn get_param(c: &mut Criterion) {
    let (dev, file, _) = setup();
    let arg = GetParam {
        param: param::PAGE_SIZE,
        ..GetParam::ZERO
    };
    let mut buf = arg.as_bytes().to_vec();
    let mem = BufferMem::new(BASE, &mut buf);
    let mut g = c.benchmark_group("get-param/BufferMem");
    g.bench_function("generated dispatch", |b| {
        b.iter(|| {
            softaccel_kernel::dispatch(&*dev, &file, &mem, core::IOCTL_GET_PARAM, black_box(BASE))
        })
    });
    g.bench_function("hand-written baseline", |b| {
        b.iter(|| baseline::<GetParam>(&mem, black_box(BASE), |a| dev.get_param(&file, a)))
    });
    g.finish();

    let mut local = arg;
    let addr = local.as_mut_bytes().as_mut_ptr() as u64;
    let mut g = c.benchmark_group("get-param/SelfMem");
    g.bench_function("generated dispatch", |b| {
        b.iter(|| {
            softaccel_kernel::dispatch(
                &*dev,
                &file,
                &SelfMem,
                core::IOCTL_GET_PARAM,
                black_box(addr),
            )
        })
    });
    g.bench_function("hand-written baseline", |b| {
        b.iter(|| baseline::<GetParam>(&SelfMem, black_box(addr), |a| dev.get_param(&file, a)))
    });
    g.finish();
    black_box(&mut local);
}

fn bo_info(c: &mut Criterion) {
    let (dev, file, handle) = setup();
    let arg = BoInfo {
        handle,
        ..BoInfo::ZERO
    };
    let mut buf = arg.as_bytes().to_vec();
    let mem = BufferMem::new(BASE, &mut buf);
    let mut g = c.benchmark_group("bo-info/BufferMem");
    g.bench_function("generated dispatch", |b| {
        b.iter(|| {
            softaccel_kernel::dispatch(&*dev, &file, &mem, core::IOCTL_BO_INFO, black_box(BASE))
        })
    });
    g.bench_function("hand-written baseline", |b| {
        b.iter(|| baseline::<BoInfo>(&mem, black_box(BASE), |a| dev.bo_info(&file, a)))
    });
    g.finish();
}

criterion_group!(benches, get_param, bo_info);
criterion_main!(benches);
