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
    Value(String),
}

struct Gen<'a> {
    m: &'a Model,
    /// Each resource the structs of this spec and its includes carry, and
    /// the first spec in include order that carries it (computed once:
    /// every resource member asks).
    resource_owner: BTreeMap<String, &'a str>,
}

fn ident(s: &str) -> String {
    s.replace('-', "_")
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
        Gen { m, resource_owner }
    }

    fn fd(&self, m: &Model) -> String {
        format!("fd_{}", ident(&m.name))
    }

    /// The syzlang name of a struct: its spec's prefix and its name.
    fn struct_name(&self, id: &StructId) -> String {
        format!("{}_{}", ident(id.spec()), ident(&self.m.struct_(id).name))
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
        format!("{}_{}", ident(owner), ident(r))
    }

    /// The resources a spec's own structs carry, with their widths.
    fn carried(m: &Model) -> BTreeMap<String, &'static str> {
        let mut out = BTreeMap::new();
        for s in &m.structs {
            for mem in &s.members {
                if let (Some(r), MemberKind::Scalar { ty, count: None }) =
                    (&mem.resource, &mem.kind)
                {
                    out.insert(r.clone(), int(*ty));
                }
            }
        }
        out
    }

    /// The resources this spec declares: those no included spec carries.
    fn resources(&self) -> BTreeMap<String, &'static str> {
        Self::carried(self.m)
            .into_iter()
            .map(|(r, ty)| (self.resource_name(&r), ty))
            .filter(|(name, _)| name.starts_with(&format!("{}_", ident(&self.m.name))))
            .collect()
    }

    fn text(&self) -> String {
        let m = self.m;
        let mut t = String::new();
        for l in banner_lines(m) {
            let _ = writeln!(t, "# {l}");
        }
        let _ = writeln!(
            t,
            "# syzkaller descriptions of the {} uapi, revision {}.\n",
            m.name, m.revision
        );
        let _ = writeln!(t, "include <uapi/{}>\n", m.uapi_header);
        // The file descriptor, derived from the included spec's.
        let base = m
            .includes
            .first()
            .map(|i| self.fd(i))
            .unwrap_or_else(|| "fd".to_string());
        let _ = writeln!(t, "resource {}[{base}]", self.fd(m));
        for (r, ty) in self.resources() {
            let _ = writeln!(t, "resource {r}[{ty}]: 0");
        }
        let path = match m.ioctl_style {
            IoctlStyle::Drm { .. } => "/dev/accel/accel#".to_string(),
            IoctlStyle::Plain => format!("/dev/{}#", m.name),
        };
        let _ = writeln!(
            t,
            "\nsyz_open_dev${name}(dev ptr[in, string[\"{path}\"]], id proc[0, 1], flags flags[open_flags]) {fd}\n",
            name = ident(&m.name),
            fd = self.fd(m)
        );
        for io in &m.ioctls {
            let _ = writeln!(t, "{}", self.ioctl(io));
        }
        for s in &m.structs {
            t.push('\n');
            t.push_str(&self.strukt(s));
        }
        for e in &m.enums {
            let set = format!("{}_{}", ident(&m.name), ident(&e.name));
            let values: Vec<String> = e
                .entries
                .iter()
                .map(|x| names::entry_macro(m, e, x))
                .collect();
            if !values.is_empty() {
                let _ = write!(t, "\n{set} = {}\n", values.join(", "));
            }
        }
        t
    }

    fn ioctl(&self, io: &Ioctl) -> String {
        let mac = names::ioctl_macro(self.m, io);
        let fd = self.fd(self.m);
        match &io.arg {
            Some(a) => {
                let dir = match io.dir {
                    crate::ioc::Dir::In => "in",
                    crate::ioc::Dir::Out => "out",
                    crate::ioc::Dir::InOut | crate::ioc::Dir::None => "inout",
                };
                format!(
                    "ioctl${mac}(fd {fd}, cmd const[{mac}], arg ptr[{dir}, {}])",
                    self.struct_name(a)
                )
            }
            None => format!("ioctl${mac}(fd {fd}, cmd const[{mac}], arg const[0])"),
        }
    }

    fn strukt(&self, s: &Struct) -> String {
        let name = format!("{}_{}", ident(&self.m.name), ident(&s.name));
        let (open, close) = if s.is_union { ("[", "]") } else { ("{", "}") };
        let mut t = format!("{name} {open}\n");
        for mem in &s.members {
            let _ = writeln!(t, "\t{}\t{}", ident(&mem.name), self.member(s, mem));
        }
        t.push_str(close);
        t.push('\n');
        t
    }

    fn member(&self, s: &Struct, mem: &Member) -> String {
        // A user pointer's access is its array's (the direction in
        // `ptr64[...]`); the pointer itself is always the caller's.
        let written = mem.access == Access::Out
            && !matches!(
                mem.kind,
                MemberKind::Pad { .. } | MemberKind::UserPtr { .. }
            );
        let out = if written { " (out)" } else { "" };
        let ty = match &mem.kind {
            MemberKind::Scalar { ty, count } => {
                let base = self.scalar(s, mem, *ty);
                match count {
                    Some(n) => format!("array[{base}, {n}]"),
                    None => base,
                }
            }
            MemberKind::Pad { len, .. } => format!("array[const[0, int8], {len}]"),
            MemberKind::Binary { len } | MemberKind::String { len } => {
                format!("array[int8, {len}]")
            }
            MemberKind::Struct { id, count } => match count {
                Some(n) => format!("array[{}, {n}]", self.struct_name(id)),
                None => self.struct_name(id),
            },
            MemberKind::Union { id } => self.struct_name(id),
            MemberKind::UserPtr { elem, .. } => {
                let dir = match mem.access {
                    Access::In => "in",
                    Access::Out => "out",
                    Access::InOut => "inout",
                };
                let elem = match elem {
                    Elem::Scalar(sc) => int(*sc).to_string(),
                    Elem::Struct(id) => self.struct_name(id),
                };
                format!("ptr64[{dir}, array[{elem}]]")
            }
        };
        format!("{ty}{out}")
    }

    /// An integer member: a resource, the length of a user-pointer
    /// sibling, a flags or enum set, a range, or plain.
    fn scalar(&self, s: &Struct, mem: &Member, ty: Scalar) -> String {
        let width = int(ty);
        if let Some(r) = &mem.resource {
            return self.resource_name(r);
        }
        let me = s.members.iter().position(|x| std::ptr::eq(x, mem));
        for sibling in &s.members {
            if let MemberKind::UserPtr { len, .. } = &sibling.kind {
                match len {
                    PtrLen::Count(i) if Some(*i) == me => {
                        return format!("len[{}, {width}]", ident(&sibling.name));
                    }
                    PtrLen::Bytes(i) if Some(*i) == me => {
                        return format!("bytesize[{}, {width}]", ident(&sibling.name));
                    }
                    _ => {}
                }
            }
        }
        if let Some(check) = &mem.check {
            let id = &check.enum_id;
            let e = self.m.enum_(id);
            return format!("flags[{}_{}, {width}]", ident(id.spec()), ident(&e.name));
        }
        if let Some((lo, hi)) = mem.range {
            return format!("{width}[{lo}:{hi}]");
        }
        width.to_string()
    }

    /// Every name the const files define, sorted, with its values in the
    /// order they are given (a later one wins where several apply): named
    /// once for all architectures.
    fn const_names(&self) -> BTreeMap<String, Vec<ConstValue<'a>>> {
        let m = self.m;
        let mut names: BTreeMap<String, Vec<ConstValue<'a>>> = BTreeMap::new();
        for io in &m.ioctls {
            names
                .entry(names::ioctl_macro(m, io))
                .or_default()
                .push(ConstValue::Cmd(io));
        }
        for e in &m.enums {
            for x in &e.entries {
                names
                    .entry(names::entry_macro(m, e, x))
                    .or_default()
                    .push(ConstValue::Value(x.value.to_string()));
            }
        }
        names
    }

    /// The const file of one architecture: every name the text uses.
    fn consts(
        &self,
        names: &BTreeMap<String, Vec<ConstValue<'_>>>,
        t: Target,
        arch: &str,
    ) -> String {
        let mut out = String::new();
        for l in banner_lines(self.m) {
            let _ = writeln!(out, "# {l}");
        }
        let _ = writeln!(out, "arches = {arch}");
        for (name, values) in names {
            // The last value that applies on `t`; an ioctl without a
            // command number there defines nothing.
            let value = values.iter().rev().find_map(|v| match v {
                ConstValue::Cmd(io) => io.cmds.get(&t).copied().flatten().map(|c| c.to_string()),
                ConstValue::Value(v) => Some(v.clone()),
            });
            if let Some(v) = value {
                let _ = writeln!(out, "{name} = {v}");
            }
        }
        out
    }
}
