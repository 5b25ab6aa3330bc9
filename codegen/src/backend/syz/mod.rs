//! syzkaller descriptions (`<spec>/syz/`): the syzlang text of a spec's
//! ioctls and argument types, and a const file per architecture with the
//! values of every name the text uses, so that syzkaller's fuzzer can
//! drive a driver built on the spec.
//!
//! - Each spec gets a file-descriptor resource, `fd_<spec>` (a spec that
//!   includes another derives its fd from the included one's, so the
//!   included ioctls take it), opened with `syz_open_dev` on the device
//!   file: `/dev/accel/accel#` for a spec in DRM style (the accel
//!   subsystem's node), else `/dev/<spec>#`.
//! - A member with `resource: <name>` is a resource `<spec>_<name>`
//!   (`int32`/`int64` as the member is, 0 the invalid value): produced by
//!   the ioctls whose argument has it with access out, consumed where the
//!   access is in.
//! - Members: integers with their `range` (`int32[lo:hi]`), enums and
//!   flags as `flags[...]` sets, pads as `const[0]`, strings and opaque
//!   bytes as byte arrays, nested structs and unions by name, user
//!   pointers as `ptr64[<dir>, array[<elem>]]` with the direction of their
//!   access and their length member as `len[...]` (element count) or
//!   `bytesize[...]`, members the kernel writes marked `(out)`.
//! - Control messages and rings are not described (their bytes are
//!   policies and shared memory, which syzlang would need templates for).
//!
//! syzkaller's own compiler cannot be built here (see the README), so the
//! tests check the text's consistency and the const values against the C
//! compilers instead.

use crate::backend::c::names;
use crate::backend::shared::{push_decimal, push_int};
use crate::backend::{GeneratedFile, RenderError, banner_lines};
use crate::model::{
    Access, Elem, Ioctl, IoctlStyle, Member, MemberKind, Model, PtrLen, Scalar, Struct, StructId,
};
use crate::target::Target;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// syzkaller's name of a target's architecture; None for targets it does
/// not support.
fn syz_arch(t: Target) -> Option<&'static str> {
    match t {
        Target::X86_64 => Some("amd64"),
        Target::I386 => Some("386"),
        Target::Aarch64 => Some("arm64"),
        Target::Arm => Some("arm"),
        Target::Riscv64 => Some("riscv64"),
        Target::Powerpc64le => Some("ppc64le"),
        Target::S390x => Some("s390x"),
        Target::Mips | Target::Sparc64 | Target::Alpha => None,
    }
}

/// Never fails today; a `Result` like every backend's `render`.
pub fn render(model: &Model) -> Result<Vec<GeneratedFile>, RenderError> {
    let dir = PathBuf::from(&model.name).join("syz");
    let g = Gen::new(model);
    let mut files = vec![GeneratedFile {
        path: dir.join(format!("{}.txt", model.name)),
        contents: g.text(),
    }];
    let names = g.const_names();
    for &t in &model.targets {
        if let Some(arch) = syz_arch(t) {
            files.push(GeneratedFile {
                path: dir.join(format!("{}_{arch}.const", model.name)),
                contents: g.consts(&names, t, arch),
            });
        }
    }
    Ok(files)
}

/// Where a name of the const files takes its value from.
enum ConstValue<'a> {
    /// An ioctl's command number, on the targets that have one.
    Cmd(&'a Ioctl),
    /// An enum entry's value, the same on every target.
    Value(i128),
}

struct Gen<'a> {
    m: &'a Model,
    /// Each resource the structs of this spec and its includes carry, and
    /// the first spec in include order that carries it (computed once:
    /// every resource member asks).
    resource_owner: BTreeMap<&'a str, &'a str>,
    /// The C macro of each of the spec's ioctls, in order: the text and
    /// the const files both name them.
    ioctl_macros: Vec<String>,
    /// The C macros of each enum's entries, in order (likewise).
    entry_macros: Vec<Vec<String>>,
    /// The syzlang names of the spec's own structs, by index (every
    /// member that nests or points to one asks).
    own_struct_names: Vec<String>,
}

/// Appends `s` with its dashes as underscores: a syzlang identifier.
fn push_ident(out: &mut String, s: &str) {
    // A byte scan: the `char` pattern search behind `split_inclusive`
    // cost more than the copy for these short names, most without a dash.
    let mut rest = s;
    while let Some((head, tail)) = split_at_dash(rest) {
        out.push_str(head);
        out.push('_');
        rest = tail;
    }
    out.push_str(rest);
}

/// `s` before and after its first dash, or None without one.
fn split_at_dash(s: &str) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == b'-')?;
    // A dash is ASCII: both sides are on character boundaries.
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// `<spec>_<name>`, both as syzlang identifiers.
fn prefixed(spec: &str, name: &str) -> String {
    let mut out = String::with_capacity(spec.len() + name.len() + 1);
    push_ident(&mut out, spec);
    out.push('_');
    push_ident(&mut out, name);
    out
}

fn int(sc: Scalar) -> &'static str {
    match sc.size() {
        1 => "int8",
        2 => "int16",
        4 => "int32",
        _ => "int64",
    }
}

impl<'a> Gen<'a> {
    fn new(m: &'a Model) -> Gen<'a> {
        let mut resource_owner = BTreeMap::new();
        for spec in m.all_includes().into_iter().chain([m]) {
            for r in Self::carried(spec).into_keys() {
                resource_owner.entry(r).or_insert(spec.name.as_str());
            }
        }
        Gen {
            m,
            resource_owner,
            ioctl_macros: m
                .ioctls
                .iter()
                .map(|io| names::ioctl_macro(m, io))
                .collect(),
            entry_macros: m
                .enums
                .iter()
                .map(|e| {
                    let prefix = names::entry_prefix(m, e);
                    e.entries
                        .iter()
                        .map(|x| names::entry_macro_with(&prefix, x))
                        .collect()
                })
                .collect(),
            own_struct_names: m
                .structs
                .iter()
                .map(|s| prefixed(&m.name, &s.name))
                .collect(),
        }
    }

    fn push_fd(out: &mut String, m: &Model) {
        out.push_str("fd_");
        push_ident(out, &m.name);
    }

    /// Appends the syzlang name of a struct: its spec's prefix and its
    /// name.
    fn push_struct_name(&self, out: &mut String, id: &StructId) {
        if id.spec() == self.m.name
            && let Some(name) = self.own_struct_names.get(id.index())
        {
            out.push_str(name);
            return;
        }
        push_ident(out, id.spec());
        out.push('_');
        push_ident(out, &self.m.struct_(id).name);
    }

    /// The syzlang resource of `resource: r`: named after the first spec,
    /// in include order, whose structs carry it (the accel core's `bo` is
    /// `accel_bo` in every spec that includes it), so that handles one
    /// spec's ioctls make are the ones another's take.
    fn resource_name(&self, r: &str) -> String {
        let owner = self
            .resource_owner
            .get(r)
            .copied()
            .unwrap_or(self.m.name.as_str());
        prefixed(owner, r)
    }

    /// The resources a spec's own structs carry, with their widths.
    fn carried(m: &Model) -> BTreeMap<&str, &'static str> {
        let mut out = BTreeMap::new();
        for s in &m.structs {
            for mem in &s.members {
                if let (Some(r), MemberKind::Scalar { ty, count: None }) =
                    (&mem.resource, &mem.kind)
                {
                    out.insert(r.as_str(), int(*ty));
                }
            }
        }
        out
    }

    /// The resources this spec declares: those no included spec carries.
    fn resources(&self) -> BTreeMap<String, &'static str> {
        let mut own = String::new();
        push_ident(&mut own, &self.m.name);
        own.push('_');
        Self::carried(self.m)
            .into_iter()
            .map(|(r, ty)| (self.resource_name(r), ty))
            .filter(|(name, _)| name.starts_with(&own))
            .collect()
    }

    fn text(&self) -> String {
        let m = self.m;
        let mut t = String::with_capacity(crate::backend::shared::capacity_for(m, 40));
        for l in banner_lines(m) {
            t.push_str("# ");
            t.push_str(&l);
            t.push('\n');
        }
        let _ = writeln!(
            t,
            "# syzkaller descriptions of the {} uapi, revision {}.\n",
            m.name, m.revision
        );
        let _ = writeln!(t, "include <uapi/{}>\n", m.uapi_header);
        // The file descriptor, derived from the included spec's.
        t.push_str("resource ");
        Self::push_fd(&mut t, m);
        t.push('[');
        match m.includes.first() {
            Some(i) => Self::push_fd(&mut t, i),
            None => t.push_str("fd"),
        }
        t.push_str("]\n");
        for (r, ty) in self.resources() {
            let _ = writeln!(t, "resource {r}[{ty}]: 0");
        }
        let path = match m.ioctl_style {
            IoctlStyle::Drm { .. } => "/dev/accel/accel#".to_string(),
            IoctlStyle::Plain => format!("/dev/{}#", m.name),
        };
        t.push_str("\nsyz_open_dev$");
        push_ident(&mut t, &m.name);
        let _ = write!(
            t,
            "(dev ptr[in, string[\"{path}\"]], id proc[0, 1], flags flags[open_flags]) "
        );
        Self::push_fd(&mut t, m);
        t.push_str("\n\n");
        for (io, mac) in m.ioctls.iter().zip(&self.ioctl_macros) {
            self.ioctl(&mut t, io, mac);
            t.push('\n');
        }
        for (i, s) in m.structs.iter().enumerate() {
            t.push('\n');
            self.strukt(&mut t, i, s);
        }
        for (e, values) in m.enums.iter().zip(&self.entry_macros) {
            if let Some((first, rest)) = values.split_first() {
                t.push('\n');
                push_ident(&mut t, &m.name);
                t.push('_');
                push_ident(&mut t, &e.name);
                t.push_str(" = ");
                t.push_str(first);
                for v in rest {
                    t.push_str(", ");
                    t.push_str(v);
                }
                t.push('\n');
            }
        }
        t
    }

    fn ioctl(&self, t: &mut String, io: &Ioctl, mac: &str) {
        t.push_str("ioctl$");
        t.push_str(mac);
        t.push_str("(fd ");
        Self::push_fd(t, self.m);
        t.push_str(", cmd const[");
        t.push_str(mac);
        match &io.arg {
            Some(a) => {
                let dir = match io.dir {
                    crate::ioc::Dir::In => "in",
                    crate::ioc::Dir::Out => "out",
                    crate::ioc::Dir::InOut | crate::ioc::Dir::None => "inout",
                };
                t.push_str("], arg ptr[");
                t.push_str(dir);
                t.push_str(", ");
                self.push_struct_name(t, a);
                t.push_str("])");
            }
            None => t.push_str("], arg const[0])"),
        }
    }

    /// Struct `index` of the spec, `s`.
    fn strukt(&self, t: &mut String, index: usize, s: &Struct) {
        let (open, close) = if s.is_union { ("[", "]") } else { ("{", "}") };
        // Its name, made once in `own_struct_names` for its users too.
        match self.own_struct_names.get(index) {
            Some(name) => t.push_str(name),
            None => {
                push_ident(t, &self.m.name);
                t.push('_');
                push_ident(t, &s.name);
            }
        }
        t.push(' ');
        t.push_str(open);
        t.push('\n');
        for (i, mem) in s.members.iter().enumerate() {
            t.push('\t');
            push_ident(t, &mem.name);
            t.push('\t');
            self.member(t, s, i, mem);
            t.push('\n');
        }
        t.push_str(close);
        t.push('\n');
    }

    /// The type of `mem`, member `me` of `s`.
    fn member(&self, t: &mut String, s: &Struct, me: usize, mem: &Member) {
        // A user pointer's access is its array's (the direction in
        // `ptr64[...]`); the pointer itself is always the caller's.
        let written = mem.access == Access::Out
            && !matches!(
                mem.kind,
                MemberKind::Pad { .. } | MemberKind::UserPtr { .. }
            );
        match &mem.kind {
            MemberKind::Scalar { ty, count } => match count {
                Some(n) => {
                    t.push_str("array[");
                    self.scalar(t, s, me, mem, *ty);
                    push_count_close(t, *n);
                }
                None => self.scalar(t, s, me, mem, *ty),
            },
            MemberKind::Pad { len, .. } => {
                t.push_str("array[const[0, int8]");
                push_count_close(t, *len);
            }
            MemberKind::Binary { len } | MemberKind::String { len } => {
                t.push_str("array[int8");
                push_count_close(t, *len);
            }
            MemberKind::Struct { id, count } => match count {
                Some(n) => {
                    t.push_str("array[");
                    self.push_struct_name(t, id);
                    push_count_close(t, *n);
                }
                None => self.push_struct_name(t, id),
            },
            MemberKind::Union { id } => self.push_struct_name(t, id),
            MemberKind::UserPtr { elem, .. } => {
                let dir = match mem.access {
                    Access::In => "in",
                    Access::Out => "out",
                    Access::InOut => "inout",
                };
                t.push_str("ptr64[");
                t.push_str(dir);
                t.push_str(", array[");
                match elem {
                    Elem::Scalar(sc) => t.push_str(int(*sc)),
                    Elem::Struct(id) => self.push_struct_name(t, id),
                }
                t.push_str("]]");
            }
        }
        if written {
            t.push_str(" (out)");
        }
    }

    /// An integer member: a resource, the length of a user-pointer
    /// sibling, a flags or enum set, a range, or plain.
    fn scalar(&self, t: &mut String, s: &Struct, me: usize, mem: &Member, ty: Scalar) {
        let width = int(ty);
        if let Some(r) = &mem.resource {
            t.push_str(&self.resource_name(r));
            return;
        }
        for sibling in &s.members {
            if let MemberKind::UserPtr { len, .. } = &sibling.kind {
                let what = match len {
                    PtrLen::Count(i) if *i == me => "len[",
                    PtrLen::Bytes(i) if *i == me => "bytesize[",
                    _ => continue,
                };
                t.push_str(what);
                push_ident(t, &sibling.name);
                t.push_str(", ");
                t.push_str(width);
                t.push(']');
                return;
            }
        }
        if let Some(check) = &mem.check {
            let id = &check.enum_id;
            t.push_str("flags[");
            push_ident(t, id.spec());
            t.push('_');
            push_ident(t, &self.m.enum_(id).name);
            t.push_str(", ");
            t.push_str(width);
            t.push(']');
            return;
        }
        if let Some((lo, hi)) = mem.range {
            t.push_str(width);
            t.push('[');
            push_int(t, lo);
            t.push(':');
            push_int(t, hi);
            t.push(']');
            return;
        }
        t.push_str(width);
    }

    /// Every name the const files define, sorted, with its values in the
    /// order they are given (a later one wins where several apply): named
    /// once for all architectures, borrowed from the macros [`Gen::new`]
    /// made.
    fn const_names(&self) -> BTreeMap<&str, Vec<ConstValue<'a>>> {
        let m = self.m;
        let mut names: BTreeMap<&str, Vec<ConstValue<'a>>> = BTreeMap::new();
        for (io, mac) in m.ioctls.iter().zip(&self.ioctl_macros) {
            names
                .entry(mac.as_str())
                .or_default()
                .push(ConstValue::Cmd(io));
        }
        for (e, macros) in m.enums.iter().zip(&self.entry_macros) {
            for (x, mac) in e.entries.iter().zip(macros) {
                names
                    .entry(mac.as_str())
                    .or_default()
                    .push(ConstValue::Value(x.value));
            }
        }
        names
    }

    /// The const file of one architecture: every name the text uses.
    fn consts(&self, names: &BTreeMap<&str, Vec<ConstValue<'_>>>, t: Target, arch: &str) -> String {
        let mut out = String::with_capacity(names.len() * 48 + 256);
        for l in banner_lines(self.m) {
            out.push_str("# ");
            out.push_str(&l);
            out.push('\n');
        }
        out.push_str("arches = ");
        out.push_str(arch);
        out.push('\n');
        for (name, values) in names {
            // The last value that applies on `t`; an ioctl without a
            // command number there defines nothing.
            let value = values.iter().rev().find_map(|v| match v {
                ConstValue::Cmd(io) => io.cmds.get(&t).copied().flatten().map(i128::from),
                ConstValue::Value(v) => Some(*v),
            });
            if let Some(v) = value {
                out.push_str(name);
                out.push_str(" = ");
                push_int(&mut out, v);
                out.push('\n');
            }
        }
        out
    }
}

/// `, <n>]`, the end of an array type: written for most members, so the
/// count goes in without the formatter.
fn push_count_close(t: &mut String, n: u32) {
    t.push_str(", ");
    push_decimal(t, n);
    t.push(']');
}
