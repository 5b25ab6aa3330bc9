//! The rings of the C kernel side (the validating consumer of a
//! user-produced ring and the producer of a device-produced one, helpers
//! the driver calls; not in the ops table). Written on another branch;
//! until then this renders nothing.

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
