//! A deterministic synthetic spec the size of a whole subsystem's uAPI,
//! shared by the generate and compat benchmarks.
//!
//! One spec holds at most 256 ioctls (`_IOC_NR` is 8 bits) and a spec
//! and its includes share one magic, so the synthetic "spec" is `parts`
//! independent specs with their own magics, the way DRM's drivers each
//! own a range of numbers. With [`LARGE`] it has 1,004 structs, 500
//! ioctls, 200 attributes in 40 attribute sets with 40 operations, 50
//! consts, 50 enums, 50 flags sets and 4 rings: about 1,900 items, the
//! order of everything under include/uapi/drm together.
//!
//! Revision 2 of each part adds items at the end with `since: 2` (a
//! const, an enum entry, a flag, a struct and the ioctl taking it, an
//! attribute and an operation), so `compat` finds only compatible
//! changes.

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, SamplingMode};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use uabi::model::{EnumKind, Model};

/// How large each part is.
pub struct Scale {
    pub parts: usize,
    pub consts: usize,
    pub enums: usize,
    pub flags: usize,
    /// Ioctls per part, `ring-create` and the transport `control`
    /// included; at most 250 so revision 2 finds a free number.
    pub ioctls: usize,
    /// Element structs (array elements, nested structs, binary
    /// attributes), besides one argument struct per ioctl.
    pub elem_structs: usize,
    /// Attribute sets, each with 5 attributes and one operation.
    pub attr_sets: usize,
}

pub const LARGE: Scale = Scale {
    parts: 2,
    consts: 25,
    enums: 25,
    flags: 25,
    ioctls: 250,
    elem_structs: 250,
    attr_sets: 20,
};

/// The whole synthetic spec as one part: the 1,000-struct header of
/// issue 13's check-uapi figure is one header (abidiff's time grows
/// faster than the header: two 500-struct halves cost it far less).
/// Its 250 ioctls are all one spec holds; the other structs are element
/// structs.
// Only the headers benchmark uses it; each benchmark compiles this module.
#[allow(dead_code)]
pub const ONE_PART: Scale = Scale {
    parts: 1,
    consts: 50,
    enums: 50,
    flags: 50,
    ioctls: 250,
    elem_structs: 750,
    attr_sets: 40,
};

const ENUM_ENTRIES: [&str; 6] = [
    "idle",
    "active",
    "stopped",
    "draining",
    "faulted",
    "resetting",
];
const FLAG_BITS: [&str; 6] = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];

/// The text of revision `revision` (1 or 2) of part `part`.
pub fn spec_text(scale: &Scale, part: usize, revision: u32) -> String {
    assert!(scale.ioctls >= 3 && scale.ioctls <= 250 && scale.enums > 0 && scale.flags > 0);
    assert!(scale.elem_structs > 0 && scale.attr_sets >= 2);
    let r2 = revision >= 2;
    let mut s = String::with_capacity(1 << 20);
    let name = format!("synth-{}", (b'a' + part as u8) as char);
    let w = &mut s;
    wl(
        w,
        format!("# Synthetic benchmark spec, part {part}, revision {revision}."),
    );
    wl(w, format!("name: {name}"));
    wl(
        w,
        "doc: Synthetic spec for the uabi benchmarks; every item is generated.",
    );
    wl(w, format!("revision: {revision}"));
    wl(w, "ioctl:");
    wl(w, format!("  magic: {:#04x}", 0x70 + part));
    wl(w, "  nr-range: { min: 0x00, max: 0xff }");
    wl(w, "definitions:");

    for i in 0..scale.consts {
        wl(
            w,
            format!(
                "  - {{ name: limit-{i}, type: const, value: {}, doc: Limit number {i}. }}",
                16 * i + 1
            ),
        );
    }
    if r2 {
        wl(
            w,
            "  - { name: limit-new, type: const, value: 7, since: 2, doc: Added in revision 2. }",
        );
    }
    for i in 0..scale.enums {
        wl(w, format!("  - name: kind-{i}"));
        wl(w, "    type: enum");
        wl(w, format!("    doc: State kind number {i}."));
        wl(w, "    entries:");
        for e in ENUM_ENTRIES {
            wl(w, format!("      - {{ name: {e}, doc: The {e} state. }}"));
        }
        if r2 && i == 0 {
            wl(
                w,
                "      - { name: extra, since: 2, doc: Added in revision 2. }",
            );
        }
    }
    for i in 0..scale.flags {
        wl(w, format!("  - name: bits-{i}"));
        wl(w, "    type: flags");
        wl(w, format!("    doc: Option bits number {i}."));
        wl(w, "    entries:");
        for b in FLAG_BITS {
            wl(w, format!("      - {{ name: {b}, doc: The {b} option. }}"));
        }
        if r2 && i == 0 {
            wl(
                w,
                "      - { name: eta, since: 2, doc: Added in revision 2. }",
            );
        }
    }
    for i in 0..scale.elem_structs {
        let (k, f) = (i % scale.enums, i % scale.flags);
        wl(w, format!("  - name: elem-{i}"));
        wl(w, "    type: struct");
        wl(w, format!("    doc: Element number {i}."));
        wl(w, "    members:");
        wl(
            w,
            format!("      - {{ name: kind, type: u32, enum: kind-{k}, doc: What it is. }}"),
        );
        wl(
            w,
            format!(
                "      - {{ name: bits, type: u32, enum: bits-{f}, enum-as-flags: true, doc: Its options. }}"
            ),
        );
        wl(
            w,
            "      - { name: amount, type: u64, doc: How much of it there is. }",
        );
    }
    ring_structs(w);
    let objs = scale.ioctls - 2;
    for i in 0..objs {
        arg_struct(w, scale, i, 1);
    }
    control_struct(w);
    if r2 {
        arg_struct(w, scale, scale.ioctls, 2);
    }

    wl(w, "ioctls:");
    for i in 0..objs {
        ioctl(w, i, i, 1);
    }
    wl(w, "  - name: ring-create");
    wl(w, format!("    nr: {objs:#04x}"));
    wl(w, "    dir: inout");
    wl(w, "    arg: ring-create");
    wl(w, "    extension: strict");
    wl(
        w,
        "    doc: Create a submit and a complete ring and report where to map them.",
    );
    errors(w, true);
    wl(w, "  - name: control");
    wl(w, format!("    nr: {:#04x}", objs + 1));
    wl(w, "    dir: inout");
    wl(w, "    arg: control");
    wl(w, "    extension: strict");
    wl(
        w,
        "    doc: Carry one control message and return its reply.",
    );
    errors(w, true);
    if r2 {
        ioctl(w, scale.ioctls, scale.ioctls, 2);
    }

    wl(w, "rings:");
    wl(w, "  - name: submit");
    wl(w, "    doc: Work from userspace.");
    wl(w, "    entry: ring-entry");
    wl(w, "    producer: user");
    wl(w, "    index: u32");
    wl(w, "    entries: { min: 16, max: 4096 }");
    wl(w, "  - name: complete");
    wl(w, "    doc: Completions from the device.");
    wl(w, "    entry: ring-done");
    wl(w, "    producer: device");
    wl(w, "    index: u32");
    wl(w, "    entries: { min: 16, max: 4096 }");

    wl(w, "attribute-sets:");
    for i in 0..scale.attr_sets {
        let (k, e) = (i % scale.enums, i % scale.elem_structs);
        wl(w, format!("  - name: set-{i}"));
        wl(w, format!("    doc: Attribute set number {i}."));
        wl(w, "    attributes:");
        wl(
            w,
            "      - { name: id, type: u32, checks: { min: 1 }, doc: Object id. }",
        );
        wl(
            w,
            format!("      - {{ name: kind, type: u32, enum: kind-{k}, doc: Object kind. }}"),
        );
        wl(
            w,
            "      - { name: label, type: string, max-len: 32, doc: Object label. }",
        );
        // elem structs hold a u64, so the payload is misaligned in the
        // message; generated code copies it out (as softaccel's fw-reply).
        wl(
            w,
            format!(
                "      - {{ name: blob, type: binary, struct: elem-{e}, doc: Object element., lint-allow: [unaligned-attr-struct] }}"
            ),
        );
        // Chains of four sets, so nesting stays well inside the depth
        // limit of 8 that receivers enforce.
        if i % 4 != 3 && i + 1 < scale.attr_sets {
            wl(
                w,
                format!(
                    "      - {{ name: child, type: nest, nested-attributes: set-{}, multi-attr: true, doc: Children. }}",
                    i + 1
                ),
            );
        } else {
            wl(
                w,
                "      - { name: delta, type: s32, checks: { min: -1000, max: 1000 }, doc: Change. }",
            );
        }
        if r2 && i == 0 {
            wl(
                w,
                "      - { name: extra, type: u64, since: 2, doc: Added in revision 2. }",
            );
        }
    }

    wl(w, "operations:");
    wl(w, "  transport: control");
    wl(w, "  list:");
    for i in 0..scale.attr_sets {
        let last = if i % 4 != 3 && i + 1 < scale.attr_sets {
            "child"
        } else {
            "delta"
        };
        wl(w, format!("    - name: op-{i}"));
        wl(w, format!("      value: {}", i + 1));
        wl(w, format!("      doc: Operation number {i}."));
        wl(w, format!("      attribute-set: set-{i}"));
        if i % 5 == 0 {
            wl(w, "      flags: [admin-perm]");
        }
        wl(w, "      do:");
        wl(w, "        request: { attributes: [id, kind] }");
        wl(
            w,
            format!("        reply: {{ attributes: [id, kind, label, blob, {last}] }}"),
        );
    }
    if r2 {
        wl(w, "    - name: op-new");
        wl(w, format!("      value: {}", scale.attr_sets + 1));
        wl(w, "      since: 2");
        wl(w, "      doc: Added in revision 2.");
        wl(w, "      attribute-set: set-0");
        wl(w, "      do:");
        wl(w, "        request: { attributes: [id] }");
        wl(w, "        reply: { attributes: [id, extra] }");
    }
    s
}

fn wl(w: &mut String, line: impl AsRef<str>) {
    w.push_str(line.as_ref());
    w.push('\n');
}

/// Argument struct of ioctl `i`: three shapes by `i % 3` (in-out with an
/// array, a nested struct, a string and a fixed array; in only; out only),
/// each without implicit padding.
fn arg_struct(w: &mut String, scale: &Scale, i: usize, since: u32) {
    let (k, f, e) = (i % scale.enums, i % scale.flags, i % scale.elem_structs);
    let sn = if since > 1 {
        format!(", since: {since}")
    } else {
        String::new()
    };
    wl(w, format!("  - name: obj-{i}-args"));
    wl(w, "    type: struct");
    if since > 1 {
        wl(w, format!("    since: {since}"));
    }
    wl(w, format!("    doc: Argument of OBJ_{i}."));
    wl(w, "    members:");
    let m = |w: &mut String, body: &str| wl(w, format!("      - {{ {body}{sn} }}"));
    match i % 3 {
        0 => {
            m(
                w,
                "name: handle, type: u32, resource: obj, range: { min: 1, max: 4294967295 }, doc: The object",
            );
            m(
                w,
                "name: item-count, type: u32, range: { min: 0, max: 64 }, doc: Elements in items",
            );
            m(
                w,
                &format!(
                    "name: items, type: user-ptr, elem: elem-{e}, count: item-count, max-count: 64, doc: The elements"
                ),
            );
            m(
                w,
                &format!("name: head, type: struct, struct: elem-{e}, doc: The first element"),
            );
            m(w, "name: label, type: string, len: 16, doc: A label");
            m(w, "name: weights, type: u16, count: 4, doc: Four weights");
            m(
                w,
                &format!("name: mode, type: u32, enum: kind-{k}, doc: The mode"),
            );
            m(
                w,
                &format!(
                    "name: out-bits, type: u32, access: out, enum: bits-{f}, enum-as-flags: true, doc: Options in effect"
                ),
            );
            m(w, "name: result, type: u64, access: out, doc: The result");
        }
        1 => {
            m(
                w,
                "name: handle, type: u32, resource: obj, range: { min: 1, max: 4294967295 }, doc: The object",
            );
            m(
                w,
                &format!("name: mode, type: u32, enum: kind-{k}, doc: The mode"),
            );
            m(
                w,
                &format!(
                    "name: bits, type: u32, enum: bits-{f}, enum-as-flags: true, doc: Options"
                ),
            );
            m(w, "name: pad0, type: pad, len: 4");
            m(w, "name: amount, type: u64, doc: How much");
        }
        _ => {
            m(
                w,
                &format!("name: state, type: u32, access: out, enum: kind-{k}, doc: The state"),
            );
            m(w, "name: users, type: u32, access: out, doc: Users");
            m(w, "name: total, type: u64, access: out, doc: Total");
            m(w, "name: peak, type: s64, access: out, doc: Peak")
        }
    }
}

fn ioctl(w: &mut String, i: usize, nr: usize, since: u32) {
    let (dir, strict) = match i % 3 {
        0 => ("inout", i.is_multiple_of(2)),
        1 => ("in", true),
        _ => ("out", false),
    };
    wl(w, format!("  - name: obj-{i}"));
    wl(w, format!("    nr: {nr:#04x}"));
    wl(w, format!("    dir: {dir}"));
    wl(w, format!("    arg: obj-{i}-args"));
    wl(
        w,
        format!(
            "    extension: {}",
            if strict { "strict" } else { "zero-extend" }
        ),
    );
    if since > 1 {
        wl(w, format!("    since: {since}"));
    }
    wl(w, format!("    doc: Operate on object kind {i}."));
    errors(w, strict);
}

fn errors(w: &mut String, strict: bool) {
    wl(w, "    errors:");
    wl(
        w,
        "      - { errno: EINVAL, doc: \"A value out of range, unknown bits or non-zero pad.\" }",
    );
    wl(w, "      - { errno: ENOENT, doc: No such object. }");
    wl(
        w,
        "      - { errno: EFAULT, doc: The argument could not be read or written. }",
    );
    if strict {
        wl(
            w,
            "      - { errno: E2BIG, doc: A larger argument whose extra bytes are not zero. }",
        );
    }
}

/// The ring entries (little-endian, as the device reads them) and the
/// argument of the ioctl that creates the rings.
fn ring_structs(w: &mut String) {
    for l in [
        "  - name: ring-entry",
        "    type: struct",
        "    doc: An entry of the submit ring.",
        "    members:",
        "      - { name: user-data, type: u64, byte-order: little-endian, doc: Echoed in the completion. }",
        "      - { name: opcode, type: u32, enum: kind-0, byte-order: little-endian, doc: What to do. }",
        "      - { name: handle, type: u32, resource: obj, byte-order: little-endian, doc: On what. }",
        "  - name: ring-done",
        "    type: struct",
        "    doc: An entry of the complete ring.",
        "    members:",
        "      - { name: user-data, type: u64, byte-order: little-endian, doc: The entry's user-data. }",
        "      - { name: status, type: s32, byte-order: little-endian, doc: 0 or a negative errno. }",
        "      - { name: pad0, type: pad, len: 4 }",
        "  - name: ring-create",
        "    type: struct",
        "    doc: Argument of RING_CREATE.",
        "    members:",
        "      - { name: submit-entries, type: u32, doc: Entries of the submit ring. }",
        "      - { name: complete-entries, type: u32, doc: Entries of the complete ring. }",
        "      - { name: handle, type: u32, access: out, doc: The new ring pair. }",
        "      - { name: pad0, type: pad, len: 4 }",
        "      - { name: submit-offset, type: u64, access: out, doc: mmap offset of the submit ring. }",
        "      - { name: submit-size, type: u64, access: out, doc: Bytes to map at submit-offset. }",
        "      - { name: complete-offset, type: u64, access: out, doc: mmap offset of the complete ring. }",
        "      - { name: complete-size, type: u64, access: out, doc: Bytes to map at complete-offset. }",
    ] {
        wl(w, l);
    }
}

/// The transport struct, shaped like softaccel's `control`.
fn control_struct(w: &mut String) {
    for l in [
        "  - name: control",
        "    type: struct",
        "    doc: Argument of CONTROL.",
        "    members:",
        "      - { name: request, type: user-ptr, elem: u8, len: request-len, max-count: 65536, doc: The request. }",
        "      - { name: reply, type: user-ptr, elem: u8, access: out, len: reply-cap, max-count: 65536, doc: The reply buffer. }",
        "      - { name: request-len, type: u32, doc: Bytes in request. }",
        "      - { name: reply-cap, type: u32, doc: Bytes available at reply. }",
        "      - { name: reply-len, type: u32, access: out, doc: \"Bytes of the reply, or the size it needs.\" }",
        "      - { name: error-offset, type: u32, access: out, doc: Where validation failed. }",
        "      - { name: error-attr, type: u32, access: out, doc: The failing attribute. }",
        "      - { name: pad0, type: pad, len: 4 }",
    ] {
        wl(w, l);
    }
}

/// Writes every part of `revision` under `dir` (created), returning the
/// spec paths in part order.
pub fn write(dir: &Path, scale: &Scale, revision: u32) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    (0..scale.parts)
        .map(|p| {
            let path = dir.join(format!("synth-{p}.yaml"));
            std::fs::write(&path, spec_text(scale, p, revision))?;
            Ok(path)
        })
        .collect()
}

/// What a set of models holds, counted from the models (not from the
/// scale), so the per-item figures divide by what was really processed.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub structs: usize,
    pub ioctls: usize,
    pub attributes: usize,
    pub operations: usize,
    pub consts: usize,
    pub enums: usize,
    pub flags: usize,
    pub rings: usize,
}

impl Counts {
    pub fn of<'a>(models: impl IntoIterator<Item = &'a Model>) -> Counts {
        let mut c = Counts::default();
        for m in models {
            c.structs += m.structs.len();
            c.ioctls += m.ioctls.len();
            c.attributes += m
                .attribute_sets
                .iter()
                .map(|s| s.attributes.len())
                .sum::<usize>();
            c.operations += m.operations.as_ref().map_or(0, |o| o.list.len());
            c.consts += m.consts.len();
            c.enums += m.enums.iter().filter(|e| e.kind == EnumKind::Enum).count();
            c.flags += m.enums.iter().filter(|e| e.kind == EnumKind::Flags).count();
            c.rings += m.rings.len();
        }
        c
    }

    /// Top-level items: structs, ioctls, attributes, operations, consts,
    /// enums, flags sets and rings (members and entries are part of their
    /// item).
    pub fn items(&self) -> u64 {
        (self.structs
            + self.ioctls
            + self.attributes
            + self.operations
            + self.consts
            + self.enums
            + self.flags
            + self.rings) as u64
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} items: {} structs, {} ioctls, {} attributes, {} operations, {} consts, {} enums, {} flags, {} rings",
            self.items(),
            self.structs,
            self.ioctls,
            self.attributes,
            self.operations,
            self.consts,
            self.enums,
            self.flags,
            self.rings
        )
    }
}

/// A fresh scratch directory for this process, removed by [`Scratch`]'s
/// drop (benches have no tempfile crate; the pid keeps parallel runs
/// apart).
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(what: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("uabi-bench-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("creating the scratch directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `routine` once and sizes the group's next measurement for it,
/// keeping the whole harness to a few minutes on 2 cores: 10 samples;
/// a routine over 50 ms gets flat sampling with one run per sample (ten
/// runs, where criterion's default takes 55; criterion then notes it
/// "unable to complete 10 samples" in the time given, which is expected),
/// a faster one linear sampling over at least a second.
pub fn fit<R>(g: &mut BenchmarkGroup<'_, WallTime>, routine: impl FnOnce() -> R) {
    let t = Instant::now();
    std::hint::black_box(routine());
    let once = t.elapsed();
    g.sample_size(10);
    if once > Duration::from_millis(50) {
        // Criterion runs ceil(time / (10 * once)) iterations per sample.
        g.sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(1))
            .measurement_time(once * 19 / 2);
    } else {
        g.sampling_mode(SamplingMode::Auto)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time((once * 60).max(Duration::from_secs(1)));
    }
}
