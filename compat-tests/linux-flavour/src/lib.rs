//! The kernel-flavour modules of the accel and softaccel specs, declared
//! at the crate root exactly as a Rust-for-Linux driver declares them
//! (`driver/kmod-rs` does the same against the real `kernel` crate).
//!
//! `rustfmt::skip`: the generated files are laid out as the kernel's
//! rustfmt configuration lays them out (style edition 2021) and `uabi
//! check` compares them byte for byte; formatting this crate must not touch
//! them. The kernel builds with -Wmissing_docs: so does this crate.

#![deny(missing_docs)]

#[rustfmt::skip]
#[path = "../../../generated/accel/rust/linux/uabi_rt.rs"]
pub mod uabi_rt;

#[rustfmt::skip]
#[path = "../../../generated/accel/rust/linux/accel.rs"]
pub mod accel;

#[rustfmt::skip]
#[path = "../../../generated/softaccel/rust/linux/softaccel.rs"]
pub mod softaccel;
