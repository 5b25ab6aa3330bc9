//! The kernel-flavour modules of the accel and softaccel specs, declared
//! at the crate root exactly as a Rust-for-Linux driver declares them
//! (`driver/kmod-rs` does the same against the real `kernel` crate).

#[path = "../../../generated/accel/rust/linux/uabi_rt.rs"]
pub mod uabi_rt;

#[path = "../../../generated/accel/rust/linux/accel.rs"]
pub mod accel;

#[path = "../../../generated/softaccel/rust/linux/softaccel.rs"]
pub mod softaccel;
