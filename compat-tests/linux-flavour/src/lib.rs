//! The kernel-flavour modules of the accel and softaccel specs, declared
//! at the crate root exactly as a Rust-for-Linux driver declares them
//! (`driver/kmod-rs` does the same against the real `kernel` crate).
//!
//! `rustfmt::skip`: the generated files are laid out as rustfmt lays out
//! edition 2024 (what `uabi check` compares); formatting this edition-2021
//! crate must not rewrite them.

#[rustfmt::skip]
#[path = "../../../generated/accel/rust/linux/uabi_rt.rs"]
pub mod uabi_rt;

#[rustfmt::skip]
#[path = "../../../generated/accel/rust/linux/accel.rs"]
pub mod accel;

#[rustfmt::skip]
#[path = "../../../generated/softaccel/rust/linux/softaccel.rs"]
pub mod softaccel;
