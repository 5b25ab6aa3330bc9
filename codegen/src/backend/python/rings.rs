//! The ring section of the Python module: layout constants, one
//! `RingLayout` per ring, and the `Ring` helper over an mmap.

use crate::backend::{RenderError, render_template};
use crate::model::{Model, Producer, Scalar};
use crate::names;

struct PyRing {
    /// The name as a Python string literal.
    name: String,
    /// `SUBMIT`: the layout constant is `SUBMIT_RING`.
    upper: String,
    /// The entry's ctypes class.
    entry: String,
    index_size: u32,
    min: u64,
    max: u64,
    /// `True` / `False`.
    user_produces: &'static str,
}

#[derive(askama::Template)]
#[template(path = "python/templates/rings.py", escape = "none")]
struct PyRings {
    header_size: usize,
    rings: Vec<PyRing>,
}

/// The ring section of the Python module (empty without rings): layout
/// constants, one `RingLayout` per ring, and the `Ring` helper.
pub(crate) fn python_section(
    model: &Model,
    opts: &crate::backend::OutputOptions,
) -> Result<String, RenderError> {
    let rings = model
        .rings
        .iter()
        .map(|r| PyRing {
            name: format!("{:?}", r.name),
            upper: names::upper(&r.name),
            entry: super::struct_ref(model, opts, &r.entry),
            index_size: if r.index == Scalar::U64 { 8 } else { 4 },
            min: r.min_entries,
            max: r.max_entries,
            user_produces: if r.producer == Producer::User {
                "True"
            } else {
                "False"
            },
        })
        .collect();
    render_template(
        model,
        "Python rings",
        &PyRings {
            header_size: 192,
            rings,
        },
    )
}
