//! The ring section of the C header: layout macros, one header struct per
//! ring with compile-time checks, and the userspace C11 producer/consumer
//! helpers.

use crate::backend::{RenderError, render_template};
use crate::model::{Model, Producer, Scalar};
use crate::names;

/// One ring in the C header's ring section.
struct CRing {
    name: String,
    doc: Vec<String>,
    /// `SOFTACCEL_RING_SUBMIT`: prefix of the ring's macros.
    upper: String,
    min: u64,
    max: u64,
    entry_size: u32,
    /// `softaccel_submit_ring_header`.
    header: String,
    /// `__u32` or `__u64`.
    index: &'static str,
    index_size: u32,
    /// `softaccel_submit_ring`: the helper struct and function prefix.
    snake: String,
    /// `struct softaccel_ring_cmd`.
    entry: String,
    role: &'static str,
    /// The index member the userspace side owns.
    own: &'static str,
    user_produces: bool,
}

#[derive(askama::Template)]
#[template(path = "c/templates/rings.h", escape = "none")]
struct CRings {
    p: String,
    header_size: usize,
    rings: Vec<CRing>,
}

/// The ring section of the C header (empty without rings): layout
/// macros, one header struct per ring with compile-time checks, and the
/// userspace C11 producer/consumer helpers.
pub(crate) fn c_section(model: &Model) -> Result<String, RenderError> {
    let spec = names::snake(&model.c_prefix);
    let rings = model
        .rings
        .iter()
        .map(|r| {
            let (index, index_size) = match r.index {
                Scalar::U64 => ("__u64", 8),
                _ => ("__u32", 4),
            };
            let owner = model.owner(&r.entry);
            let entry = model.struct_(&r.entry);
            let entry_size = entry.layouts.values().next().map_or(0, |l| l.size);
            let user_produces = r.producer == Producer::User;
            let producer = if user_produces { "userspace" } else { "the device" };
            let mut text = format!(
                "The {} ring: entries of struct {}, produced by {producer}, {}..{} of them (a power of two).",
                r.name,
                super::struct_ident(owner, entry),
                r.min_entries,
                r.max_entries
            );
            if let Some(d) = &r.doc {
                text = format!("{} {text}", d.trim());
            }
            CRing {
                name: r.name.clone(),
                doc: c_comment(&text),
                upper: format!("{}_RING_{}", names::upper(&model.c_prefix), names::upper(&r.name)),
                min: r.min_entries,
                max: r.max_entries,
                entry_size,
                header: format!("{spec}_{}_ring_header", names::snake(&r.name)),
                index,
                index_size,
                snake: format!("{spec}_{}_ring", names::snake(&r.name)),
                entry: super::struct_tag(owner, entry),
                role: if user_produces {
                    "userspace produces"
                } else {
                    "userspace consumes"
                },
                own: if user_produces { "producer" } else { "consumer" },
                user_produces,
            }
        })
        .collect();
    let view = CRings {
        p: names::upper(&model.c_prefix),
        header_size: 192,
        rings,
    };
    render_template(model, "C rings", &view)
}

/// Names, each with whether it is a tag (true) or a macro or function.
type Names = Vec<(String, bool)>;

/// The names the ring section defines: for the spec (empty without
/// rings) and for each ring, in ring order. Each is a name and whether it
/// is a tag.
pub fn ring_names(model: &Model) -> (Names, Vec<Names>) {
    if model.rings.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let p = names::upper(&model.c_prefix);
    let spec = names::snake(&model.c_prefix);
    let common = [
        "PRODUCER_OFFSET",
        "CONSUMER_OFFSET",
        "FLAGS_OFFSET",
        "ENTRIES_OFFSET",
        "HEADER_SIZE",
        "NEED_WAKEUP",
        "ERROR",
        "CHECK",
        "CHECK_",
        "CHECK__",
    ]
    .iter()
    .map(|n| (format!("{p}_RING_{n}"), false))
    .collect();
    let per_ring = model
        .rings
        .iter()
        .map(|r| {
            let upper = format!("{p}_RING_{}", names::upper(&r.name));
            let snake = format!("{spec}_{}_ring", names::snake(&r.name));
            let mut v: Vec<(String, bool)> = ["MIN_ENTRIES", "MAX_ENTRIES", "ENTRY_SIZE"]
                .iter()
                .map(|n| (format!("{upper}_{n}"), false))
                .collect();
            v.push((
                format!("{spec}_{}_ring_header", names::snake(&r.name)),
                true,
            ));
            v.extend(
                ["init", "reserve", "publish", "pop", "release"]
                    .iter()
                    .map(|f| (format!("{snake}_{f}"), false)),
            );
            v.push((snake, true));
            v
        })
        .collect();
    (common, per_ring)
}

/// `text` as a C block comment wrapped to 80 columns.
fn c_comment(text: &str) -> Vec<String> {
    let text = text.replace("*/", "* /");
    let mut lines = vec!["/*".to_string()];
    let mut line = String::from(" *");
    for word in text.split_whitespace() {
        if line.len() + 1 + word.len() > 79 && line.len() > 2 {
            lines.push(std::mem::replace(&mut line, String::from(" *")));
        }
        line.push(' ');
        line.push_str(word);
    }
    lines.push(line);
    lines.push(" */".to_string());
    lines
}
