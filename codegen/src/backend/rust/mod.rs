//! The Rust backends: the `#![no_std]` uapi crate, the kernel-side crate
//! (validation, `Ops`, dispatch) and the user-side crate (safe wrappers
//! over a transport), plus what they share: the Cargo manifest, the
//! control-message (`operations`) modules and the ring modules.

mod cargo;
pub mod kernel;
mod netlink;
mod rings;
pub mod uapi;
pub mod user;
#[allow(dead_code)] // in use once the Rust backends print text (issue 12)
pub(crate) mod writer;
