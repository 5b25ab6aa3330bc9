//! The spec as YAML text: flow mappings for members and entries, block
//! scalars for docs, so that the file reads like a hand-written spec.

use super::cview::Loc;
use super::map::{Bound, Const, Enum, Ioctl, Member, Spec, Struct};
use crate::target::Target;
use std::fmt::Write;

/// The spec's text, and where in the header each of its items and
/// members is: (line of the text, place in the header), lines rising.
pub fn yaml(spec: &Spec) -> (String, Vec<(u32, Loc)>) {
    let mut o = String::new();
    // Byte offsets where an item or member starts, turned into lines at
    // the end (one pass over the text, not one per item).
    let mut at: Vec<(usize, Loc)> = Vec::new();
    let _ = writeln!(
        o,
        "# Imported by `uabi import` from {}: an existing ABI, reproduced exactly.",
        spec.file_name
    );
    let _ = writeln!(o, "name: {}", spec.name);
    if let Some(p) = &spec.c_prefix {
        let _ = writeln!(o, "c-prefix: {p}");
    }
    let _ = writeln!(o, "uapi-header: {}", spec.file_name);
    if let Some(l) = &spec.license {
        let _ = writeln!(o, "license: {}", quote(l));
    }
    o += "existing-abi: true\n";
    let targets: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
    let _ = writeln!(o, "targets: [{}]", targets.join(", "));
    if spec.drm {
        // DRM's magic, 0x64, is the style's default.
        o.push_str("ioctl:\n  style: drm\n");
        if let Some(d) = &spec.driver {
            let _ = writeln!(o, "  driver: {d}");
        }
    } else if let Some(m) = spec.magic {
        let _ = writeln!(o, "ioctl:\n  magic: {m:#04x}");
    }
    if spec.magic.is_some()
        && let Some((lo, hi)) = spec.nr_range
    {
        let _ = writeln!(o, "  nr-range: {{ min: {lo:#04x}, max: {hi:#04x} }}");
    }
    if !(spec.consts.is_empty() && spec.enums.is_empty() && spec.structs.is_empty()) {
        o += "definitions:\n";
    }
    for c in &spec.consts {
        at.push((o.len(), c.loc.clone()));
        konst(&mut o, c);
    }
    for e in &spec.enums {
        at.push((o.len(), e.loc.clone()));
        enumeration(&mut o, e, &mut at);
    }
    for s in &spec.structs {
        at.push((o.len(), s.loc.clone()));
        strukt(&mut o, s, &mut at);
    }
    if !spec.ioctls.is_empty() {
        o += "ioctls:\n";
    }
    for i in &spec.ioctls {
        at.push((o.len(), i.loc.clone()));
        ioctl(&mut o, i);
    }
    let mut places = Vec::with_capacity(at.len());
    let (mut line, mut scanned) = (1u32, 0usize);
    for (offset, loc) in at {
        // Offsets only grow, so the range is never empty backwards.
        line += o.as_bytes().get(scanned..offset).map_or(0, |chunk| {
            chunk.iter().filter(|b| **b == b'\n').count() as u32
        });
        scanned = offset;
        places.push((line, loc));
    }
    (o, places)
}

fn konst(o: &mut String, c: &Const) {
    let _ = writeln!(o, "  - name: {}\n    type: const", c.name);
    if let Some(n) = &c.c_name {
        let _ = writeln!(o, "    c-name: {n}");
    }
    if c.ulong {
        o.push_str("    c-type: ulong\n");
    }
    doc(o, 4, c.doc.as_deref());
    match &c.hex {
        Some(h) => {
            let _ = writeln!(o, "    value: {h}");
        }
        None => {
            let _ = writeln!(o, "    value: {}", c.value);
        }
    }
}

fn enumeration(o: &mut String, e: &Enum, at: &mut Vec<(usize, Loc)>) {
    let _ = writeln!(o, "  - name: {}\n    type: enum", e.name);
    match &e.enum_name {
        Some(None) => o.push_str("    enum-name:\n"),
        Some(Some(n)) => {
            let _ = writeln!(o, "    enum-name: {n}");
        }
        None => {}
    }
    if let Some(p) = &e.name_prefix {
        let _ = writeln!(o, "    name-prefix: {p}");
    }
    if e.render_max {
        o.push_str("    render-max: true\n");
    }
    if let Some(n) = &e.enum_cnt_name {
        let _ = writeln!(o, "    enum-cnt-name: {n}");
    }
    doc(o, 4, e.doc.as_deref());
    o.push_str("    entries:\n");
    for x in &e.entries {
        at.push((o.len(), x.loc.clone()));
        let _ = writeln!(o, "      - name: {}\n        value: {}", x.name, x.value);
        doc(o, 8, x.doc.as_deref().filter(|d| !d.is_empty()));
    }
}

fn strukt(o: &mut String, s: &Struct, at: &mut Vec<(usize, Loc)>) {
    let kind = if s.is_union { "union" } else { "struct" };
    let _ = writeln!(o, "  - name: {}\n    type: {kind}", s.name);
    if let Some(n) = &s.c_name {
        let _ = writeln!(o, "    c-name: {n}");
    }
    doc(o, 4, s.doc.as_deref());
    o.push_str("    members:\n");
    for m in &s.members {
        member(o, m, 6, at);
    }
}

/// One member at `indent` spaces: a flow mapping, or block style when it
/// has a doc or is an anonymous member with its own `members`.
fn member(o: &mut String, m: &Member, indent: usize, at: &mut Vec<(usize, Loc)>) {
    at.push((o.len(), m.loc.clone()));
    let pad = " ".repeat(indent);
    if !m.members.is_empty() {
        let _ = writeln!(o, "{pad}- name: {}\n{pad}  type: {}", m.name, m.ty);
        if m.anonymous {
            let _ = writeln!(o, "{pad}  anonymous: true");
        }
        doc(o, indent + 2, m.doc.as_deref());
        let _ = writeln!(o, "{pad}  members:");
        for x in &m.members {
            member(o, x, indent + 4, at);
        }
        return;
    }
    let mut keys = vec![format!("name: {}", m.name), format!("type: {}", m.ty)];
    if let Some(s) = &m.strukt {
        keys.push(format!("struct: {s}"));
    }
    if let Some(u) = &m.union {
        keys.push(format!("union: {u}"));
    }
    match m.count.as_slice() {
        [] => {}
        [b] => keys.push(format!("count: {}", bound(b))),
        dims => {
            let dims: Vec<String> = dims.iter().map(bound).collect();
            keys.push(format!("count: [{}]", dims.join(", ")));
        }
    }
    if let Some(b) = &m.len {
        keys.push(format!("len: {}", bound(b)));
    }
    if m.flexible {
        keys.push("flexible: true".into());
    }
    if let Some(c) = &m.counted_by {
        keys.push(format!("counted-by: {c}"));
    }
    if let Some(b) = m.byte_order {
        keys.push(format!("byte-order: {b}"));
    }
    if m.pad {
        keys.push("pad: true".into());
    }
    if let Some(a) = m.access {
        keys.push(format!("access: {a}"));
    }
    match &m.doc {
        // A block scalar cannot sit in a flow mapping: a member with a
        // doc is written in block style.
        Some(d) => {
            let _ = writeln!(o, "{pad}- {}", keys.join(&format!("\n{pad}  ")));
            doc(o, indent + 2, Some(d));
        }
        None => {
            let _ = writeln!(o, "{pad}- {{ {} }}", keys.join(", "));
        }
    }
}

fn bound(b: &Bound) -> String {
    match b {
        Bound::N(n) => n.to_string(),
        Bound::Const(c) => c.clone(),
    }
}

fn ioctl(o: &mut String, i: &Ioctl) {
    let _ = writeln!(
        o,
        "  - name: {}\n    nr: {:#04x}\n    dir: {}",
        i.name, i.nr, i.dir
    );
    if let Some(a) = &i.arg {
        let _ = writeln!(o, "    arg: {a}");
    }
    if let Some(n) = &i.c_name {
        let _ = writeln!(o, "    c-name: {n}");
    }
    if let Some(n) = &i.c_nr_name {
        let _ = writeln!(o, "    c-nr-name: {n}");
    }
    if !i.arg_access.is_empty() {
        let list: Vec<String> = i
            .arg_access
            .iter()
            .map(|(m, a)| format!("{m}: {a}"))
            .collect();
        let _ = writeln!(o, "    arg-access: {{ {} }}", list.join(", "));
    }
    if let Some(e) = i.extension {
        let _ = writeln!(o, "    extension: {e}");
    }
    doc(o, 4, i.doc.as_deref());
}

fn doc(o: &mut String, indent: usize, d: Option<&str>) {
    if let Some(d) = d.filter(|d| !d.trim().is_empty()) {
        let _ = write!(o, "{}doc: ", " ".repeat(indent));
        block(o, indent + 2, d);
    }
}

/// A literal block scalar (`|-`) holding `text` as written.
fn block(o: &mut String, indent: usize, text: &str) {
    let text = text.trim();
    let pad = " ".repeat(indent);
    o.push_str("|-\n");
    for l in text.lines() {
        let l = l.trim_end();
        if l.is_empty() {
            o.push('\n');
        } else {
            let _ = writeln!(o, "{pad}{l}");
        }
    }
}

/// A plain scalar when YAML reads it back as the same string, else
/// double-quoted.
fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && !s.starts_with(|c: char| "!&*-?{}[],#|>@`\"'%: ".contains(c))
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with([' ', ':']);
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}
