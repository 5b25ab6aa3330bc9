//! Reference documentation (`uabi doc`): one self-contained HTML page per
//! spec (styles inline, nothing fetched) with every ioctl (command number
//! on every target, direction, extension rule, argument layout per target
//! with offsets and sizes, since, errors, permission), every struct, enum
//! and constant, the control operations and the rings, the revision
//! history, and cross-links (a struct of an included spec links into that
//! spec's page); an index page; and a kernel-doc RST page per spec for a
//! kernel tree's `Documentation/`.
//!
//! The pages are askama templates (`templates/`), escaped as HTML; this
//! module only turns the model into their views. The revision history's
//! frozen revisions come from the caller (the CLI reads the dumps): the
//! model has no I/O.

use crate::backend::{GeneratedFile, RenderError, banner_lines, render_template};
use crate::ioc::Dir;
use crate::model::{
    Access, Elem, EnumKind, Extension, Ioctl, MemberKind, Model, Producer, PtrLen, Struct, StructId,
};
use crate::names;
use askama::Template;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The revisions of each spec (by name) that have a frozen dump.
pub type Frozen = BTreeMap<String, Vec<u32>>;

/// The pages of `models` (each spec once, includes too): `index.html`,
/// `<spec>.html` and `<spec>.rst`, all in one folder.
pub fn render(models: &[&Model], frozen: &Frozen) -> Result<Vec<GeneratedFile>, RenderError> {
    let mut specs: BTreeMap<String, &Model> = BTreeMap::new();
    for m in models {
        specs.insert(m.name.clone(), m);
        for inc in m.all_includes() {
            specs.entry(inc.name.clone()).or_insert(inc);
        }
    }
    let mut files = Vec::new();
    let mut entries = Vec::new();
    for (name, m) in &specs {
        let page = SpecPage::new(m, frozen.get(name).map(Vec::as_slice).unwrap_or(&[]));
        files.push(GeneratedFile {
            path: PathBuf::from(format!("{name}.html")),
            contents: render_template(m, "HTML reference", &page)?,
        });
        files.push(GeneratedFile {
            path: PathBuf::from(format!("{name}.rst")),
            contents: render_template(m, "RST reference", &SpecRst { page: &page })?,
        });
        entries.push(IndexEntry {
            name: name.clone(),
            revision: m.revision,
            summary: m
                .doc
                .as_deref()
                .and_then(|d| d.lines().next())
                .unwrap_or("")
                .to_string(),
        });
    }
    if let Some(first) = specs.values().next() {
        let index = IndexPage {
            generator: crate::backend::GENERATOR.to_string(),
            specs: entries,
        };
        files.push(GeneratedFile {
            path: PathBuf::from("index.html"),
            contents: render_template(first, "HTML index", &index)?,
        });
    }
    Ok(files)
}

#[derive(Template)]
#[template(path = "doc/templates/index.html")]
struct IndexPage {
    generator: String,
    specs: Vec<IndexEntry>,
}

struct IndexEntry {
    name: String,
    revision: u32,
    summary: String,
}

#[derive(Template)]
#[template(path = "doc/templates/spec.html")]
struct SpecPage {
    banner: Vec<String>,
    /// The page's title, in RST's literal markup.
    rst_title: String,
    name: String,
    revision: u32,
    paras: Vec<String>,
    header: String,
    includes: Vec<Link>,
    targets: Vec<String>,
    ioctls: Vec<IoctlView>,
    structs: Vec<StructView>,
    enums: Vec<EnumView>,
    consts: Vec<ConstView>,
    operations: Vec<OpView>,
    rings: Vec<RingView>,
    history: Vec<RevisionView>,
}

#[derive(Template)]
#[template(path = "doc/templates/spec.rst", escape = "none")]
struct SpecRst<'a> {
    page: &'a SpecPage,
}

impl SpecRst<'_> {
    /// An RST title's underline, as long as the title.
    fn rule(&self, title: &str, c: char) -> String {
        std::iter::repeat_n(c, title.chars().count()).collect()
    }
}

struct Link {
    href: String,
    text: String,
}

struct IoctlView {
    anchor: String,
    name: String,
    nr: String,
    dir: String,
    c_macro: String,
    extension: String,
    since: u32,
    admin: bool,
    paras: Vec<String>,
    arg: Option<Link>,
    /// (target, command number or why there is none, argument size).
    cmds: Vec<(String, String, u32)>,
    errors: Vec<(String, String)>,
}

struct StructView {
    anchor: String,
    name: String,
    kind: &'static str,
    since: u32,
    paras: Vec<String>,
    /// (target, size, alignment).
    sizes: Vec<(String, u32, u32)>,
    members: Vec<MemberView>,
}

struct MemberView {
    name: String,
    ty: String,
    ty_link: Option<String>,
    access: &'static str,
    since: u32,
    doc: String,
    /// `offset+size` on each target, in the page's target order.
    at: Vec<String>,
}

struct EnumView {
    anchor: String,
    name: String,
    kind: &'static str,
    since: u32,
    paras: Vec<String>,
    /// (name, value, since, doc).
    entries: Vec<(String, String, u32, String)>,
}

struct ConstView {
    name: String,
    value: String,
    since: u32,
    doc: String,
}

struct OpView {
    anchor: String,
    name: String,
    value: u32,
    since: u32,
    admin: bool,
    paras: Vec<String>,
    request: Vec<String>,
    reply: Vec<String>,
}

struct RingView {
    anchor: String,
    name: String,
    producer: &'static str,
    entry: Link,
    entries: String,
    index: &'static str,
    since: u32,
    paras: Vec<String>,
}

struct RevisionView {
    revision: u32,
    frozen: bool,
    added: Vec<String>,
}

/// Paragraphs of spec text: one a line (YAML's folded scalars, which
/// the specs use, turn a blank line into one line break).
fn paras(text: Option<&str>) -> Vec<String> {
    text.unwrap_or("")
        .split('\n')
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

fn one_line(text: Option<&str>) -> String {
    paras(text).join(" ")
}

impl SpecPage {
    fn new(m: &Model, frozen: &[u32]) -> SpecPage {
        let targets: Vec<String> = m.targets.iter().map(|t| t.name().to_string()).collect();
        let page = Page { m };
        SpecPage {
            banner: banner_lines(m).to_vec(),
            rst_title: format!("``{}`` uAPI, revision {}", m.name, m.revision),
            name: m.name.clone(),
            revision: m.revision,
            paras: paras(m.doc.as_deref()),
            header: m.uapi_header.clone(),
            includes: m
                .includes
                .iter()
                .map(|i| Link {
                    href: format!("{}.html", i.name),
                    text: i.name.clone(),
                })
                .collect(),
            targets,
            ioctls: m.ioctls.iter().map(|io| page.ioctl(io)).collect(),
            structs: m.structs.iter().map(|s| page.strukt(s)).collect(),
            enums: m.enums.iter().map(|e| page.enumeration(e)).collect(),
            consts: m
                .consts
                .iter()
                .map(|c| ConstView {
                    name: c.name.clone(),
                    value: c.hex.clone().unwrap_or_else(|| c.value.to_string()),
                    since: c.since,
                    doc: one_line(c.doc.as_deref()),
                })
                .collect(),
            operations: page.operations(),
            rings: m.rings.iter().map(|r| page.ring(r)).collect(),
            history: page.history(frozen),
        }
    }
}

struct Page<'a> {
    m: &'a Model,
}

impl Page<'_> {
    /// The link to a struct: on this page, or on its spec's page.
    fn struct_link(&self, id: &StructId) -> Link {
        let name = &self.m.struct_(id).name;
        let anchor = format!("struct-{name}");
        let href = if id.spec() == self.m.name {
            format!("#{anchor}")
        } else {
            format!("{}.html#{anchor}", id.spec())
        };
        Link {
            href,
            text: name.clone(),
        }
    }

    fn ioctl(&self, io: &Ioctl) -> IoctlView {
        let cmds = self
            .m
            .targets
            .iter()
            .map(|t| {
                let cmd = match io.cmds.get(t).copied().flatten() {
                    Some(c) => format!("{c:#010x}"),
                    None => "none: the argument does not fit the size field".to_string(),
                };
                let size = io.arg_sizes.get(t).copied().unwrap_or(0);
                (t.name().to_string(), cmd, size)
            })
            .collect();
        IoctlView {
            anchor: format!("ioctl-{}", io.name),
            name: io.name.clone(),
            nr: format!("{:#04x}", io.nr),
            dir: dir_text(io.dir).to_string(),
            c_macro: io.dir.c_macro().to_string(),
            extension: match io.extension {
                Some(Extension::ZeroExtend) => "zero-extend".to_string(),
                Some(Extension::Strict) => "strict".to_string(),
                None => "none declared".to_string(),
            },
            since: io.since,
            admin: io.admin_perm,
            paras: paras(io.doc.as_deref()),
            arg: io.arg.as_ref().map(|a| self.struct_link(a)),
            cmds,
            errors: io
                .errors
                .iter()
                .map(|e| (e.errno.clone(), one_line(e.doc.as_deref())))
                .collect(),
        }
    }

    fn strukt(&self, s: &Struct) -> StructView {
        let members = s
            .members
            .iter()
            .enumerate()
            .map(|(i, mem)| {
                let (ty, ty_link) = self.member_type(s, &mem.kind);
                MemberView {
                    name: mem.name.clone(),
                    ty,
                    ty_link,
                    access: access_text(mem.access),
                    since: mem.since,
                    doc: one_line(mem.doc.as_deref()),
                    at: self
                        .m
                        .targets
                        .iter()
                        .map(
                            |&t| match s.layouts.get(&t).and_then(|l| l.members.get(i)) {
                                Some(ml) => format!("{}+{}", ml.offset, ml.size),
                                None => "-".to_string(),
                            },
                        )
                        .collect(),
                }
            })
            .collect();
        StructView {
            anchor: format!("struct-{}", s.name),
            name: s.name.clone(),
            kind: if s.is_union { "union" } else { "struct" },
            since: s.since,
            paras: paras(s.doc.as_deref()),
            sizes: self
                .m
                .targets
                .iter()
                .filter_map(|&t| {
                    s.layouts
                        .get(&t)
                        .map(|l| (t.name().to_string(), l.size, l.align))
                })
                .collect(),
            members,
        }
    }

    /// A member's type as text, and the link of the struct it names.
    fn member_type(&self, s: &Struct, kind: &MemberKind) -> (String, Option<String>) {
        let count = |c: &Option<u32>| c.map(|n| format!("[{n}]")).unwrap_or_default();
        match kind {
            MemberKind::Scalar { ty, count: c } => (format!("{}{}", ty.name(), count(c)), None),
            MemberKind::Pad { len, .. } => (format!("pad, {len} bytes (zero)"), None),
            MemberKind::Binary { len } => (format!("{len} opaque bytes"), None),
            MemberKind::String { len } => (format!("string, {len} bytes with its NUL"), None),
            MemberKind::Struct { id, count: c } => {
                let l = self.struct_link(id);
                (format!("struct {}{}", l.text, count(c)), Some(l.href))
            }
            MemberKind::Union { id } => {
                let l = self.struct_link(id);
                (format!("union {}", l.text), Some(l.href))
            }
            MemberKind::UserPtr {
                elem,
                len,
                max_count,
                ..
            } => {
                let sibling =
                    |i: usize| s.members.get(i).map(|m| m.name.clone()).unwrap_or_default();
                let (elem_text, link) = match elem {
                    Elem::Scalar(sc) => (sc.name().to_string(), None),
                    Elem::Struct(id) => {
                        let l = self.struct_link(id);
                        (format!("struct {}", l.text), Some(l.href))
                    }
                };
                let how = match len {
                    PtrLen::Count(i) => format!(", count in {}", sibling(*i)),
                    PtrLen::Bytes(i) => format!(", byte length in {}", sibling(*i)),
                    PtrLen::Single => ", one element".to_string(),
                };
                let max = max_count
                    .map(|n| format!(", at most {n}"))
                    .unwrap_or_default();
                (format!("user pointer to {elem_text}{how}{max}"), link)
            }
        }
    }

    fn enumeration(&self, e: &crate::model::Enum) -> EnumView {
        let flags = e.kind == EnumKind::Flags;
        EnumView {
            anchor: format!("enum-{}", e.name),
            name: e.name.clone(),
            kind: if flags { "flags" } else { "enum" },
            since: e.since,
            paras: paras(e.doc.as_deref()),
            entries: e
                .entries
                .iter()
                .map(|x| {
                    let v = if flags {
                        format!("{:#x}", x.value)
                    } else {
                        x.value.to_string()
                    };
                    (x.name.clone(), v, x.since, one_line(x.doc.as_deref()))
                })
                .collect(),
        }
    }

    fn operations(&self) -> Vec<OpView> {
        let Some(ops) = &self.m.operations else {
            return Vec::new();
        };
        let attrs = |names: Option<&Vec<String>>| names.cloned().unwrap_or_default();
        ops.list
            .iter()
            .map(|op| {
                let mode = op.do_.as_ref().or(op.dump.as_ref());
                OpView {
                    anchor: format!("op-{}", op.name),
                    name: op.name.clone(),
                    value: op.value,
                    since: op.since,
                    admin: op.admin_perm,
                    paras: paras(op.doc.as_deref()),
                    request: attrs(mode.and_then(|m| m.request.as_ref())),
                    reply: attrs(mode.and_then(|m| m.reply.as_ref())),
                }
            })
            .collect()
    }

    fn ring(&self, r: &crate::model::Ring) -> RingView {
        RingView {
            anchor: format!("ring-{}", r.name),
            name: r.name.clone(),
            producer: match r.producer {
                Producer::User => "userspace",
                Producer::Device => "the device",
            },
            entry: self.struct_link(&r.entry),
            entries: format!("{}..={}, a power of two", r.min_entries, r.max_entries),
            index: r.index.name(),
            since: r.since,
            paras: paras(r.doc.as_deref()),
        }
    }

    /// Per revision, what it added (by `since`), and whether it is frozen.
    fn history(&self, frozen: &[u32]) -> Vec<RevisionView> {
        let m = self.m;
        (1..=m.revision)
            .map(|rev| {
                let mut added = Vec::new();
                for io in m.ioctls.iter().filter(|io| io.since == rev) {
                    added.push(format!("ioctl {}", names::upper(&io.name)));
                }
                for s in &m.structs {
                    if s.since == rev {
                        added.push(format!("struct {}", s.name));
                    } else {
                        for mem in s.members.iter().filter(|x| x.since == rev) {
                            added.push(format!("member {}.{}", s.name, mem.name));
                        }
                    }
                }
                for e in &m.enums {
                    if e.since == rev {
                        added.push(format!("{} {}", enum_kind(e.kind), e.name));
                    } else {
                        for x in e.entries.iter().filter(|x| x.since == rev) {
                            added.push(format!("value {}.{}", e.name, x.name));
                        }
                    }
                }
                if let Some(ops) = &m.operations {
                    for op in ops.list.iter().filter(|o| o.since == rev) {
                        added.push(format!("operation {}", op.name));
                    }
                }
                for r in m.rings.iter().filter(|r| r.since == rev) {
                    added.push(format!("ring {}", r.name));
                }
                RevisionView {
                    revision: rev,
                    frozen: frozen.contains(&rev),
                    added,
                }
            })
            .collect()
    }
}

fn enum_kind(k: EnumKind) -> &'static str {
    match k {
        EnumKind::Enum => "enum",
        EnumKind::Flags => "flags",
    }
}

fn dir_text(d: Dir) -> &'static str {
    match d {
        Dir::None => "none",
        Dir::In => "in (userspace writes, the kernel reads)",
        Dir::Out => "out (the kernel writes)",
        Dir::InOut => "inout",
    }
}

fn access_text(a: Access) -> &'static str {
    a.name()
}
