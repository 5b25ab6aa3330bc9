//! The CONTROL transport of the C kernel side (control messages: the
//! `<p>_control_ops` table and `<p>_control()`, which the dispatcher calls
//! for the transport ioctl). Written on another branch; until then this
//! renders nothing and the dispatcher answers the transport ioctl with
//! -EOPNOTSUPP.

use crate::model::Model;

/// Declarations appended to `<spec>_kernel.h`.
pub(super) fn render_header(model: &Model) -> String {
    let _ = model;
    String::new()
}

/// Definitions appended to `<spec>_kernel.c`.
pub(super) fn render_source(model: &Model) -> String {
    let _ = model;
    String::new()
}
