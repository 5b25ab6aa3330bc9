//! Snapshot of the resolved model, separate from the output snapshots: a
//! change in layout or numbering logic shows up here, a change in printing
//! in the backends' snapshots.

use std::fmt::Write;
use std::path::Path;
use uabi::target::Target;

fn dump(m: &uabi::model::Model) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "spec {} revision {} header {} magic {:?} nr-range {:02x}..{:02x}",
        m.name, m.revision, m.uapi_header, m.magic, m.nr_range.0, m.nr_range.1
    )
    .unwrap();
    for inc in &m.includes {
        writeln!(out, "include {} ({})", inc.name, inc.source).unwrap();
    }
    for c in &m.consts {
        writeln!(out, "const {} = {}", c.name, c.value).unwrap();
    }
    for e in &m.enums {
        let entries: Vec<String> = e
            .entries
            .iter()
            .map(|x| format!("{}={:#x}", x.name, x.value))
            .collect();
        writeln!(out, "{:?} {}: {}", e.kind, e.name, entries.join(" ")).unwrap();
    }
    for s in &m.structs {
        writeln!(out, "struct {}", s.name).unwrap();
        // Group targets with identical layouts to keep the dump readable.
        let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
        for t in Target::ALL {
            let l = s.layout(t);
            let key = format!("size {} align {} offsets {:?}", l.size, l.align, l.offsets);
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, ts)) => ts.push(t.name()),
                None => groups.push((key, vec![t.name()])),
            }
        }
        for (k, ts) in groups {
            writeln!(out, "  {k}  [{}]", ts.join(" ")).unwrap();
        }
    }
    for i in &m.ioctls {
        writeln!(
            out,
            "ioctl {} nr {:#04x} dir {} arg {:?} ext {:?} since {}",
            i.name,
            i.nr,
            i.dir.name(),
            i.arg,
            i.extension.map(|e| e.name()),
            i.since
        )
        .unwrap();
        let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
        for t in Target::ALL {
            let key = match i.cmds[&t] {
                Some(c) => format!("{c:#010x}"),
                None => "does not fit".to_string(),
            };
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, ts)) => ts.push(t.name()),
                None => groups.push((key, vec![t.name()])),
            }
        }
        for (k, ts) in groups {
            writeln!(out, "  cmd {k}  [{}]", ts.join(" ")).unwrap();
        }
    }
    out
}

#[test]
fn model_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (name, path) in [
        ("softaccel", root.join("spec/softaccel.yaml")),
        (
            "i386-trap",
            root.join("codegen/tests/fixtures/layout/i386-trap.yaml"),
        ),
    ] {
        let m = uabi::load::load(&path, None).unwrap_or_else(|d| panic!("{name}: {d:#?}"));
        let mut text = String::new();
        for inc in m.all_includes() {
            text.push_str(&dump(inc));
        }
        text.push_str(&dump(&m));
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn rendering_is_deterministic_across_loads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let a = uabi::load::load(&root.join("spec/softaccel.yaml"), None).unwrap();
    let b = uabi::load::load(&root.join("spec/softaccel.yaml"), None).unwrap();
    assert_eq!(uabi::backend::render_all(&a), uabi::backend::render_all(&b));
}
