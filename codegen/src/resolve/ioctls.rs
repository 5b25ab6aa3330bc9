//! Ioctls: magic, numbers, directions, extension rules and errors.

use super::*;

/// Errno names the spec may document (Linux asm-generic names).
pub const ERRNOS: &[&str] = &[
    "EPERM",
    "ENOENT",
    "ESRCH",
    "EINTR",
    "EIO",
    "ENXIO",
    "E2BIG",
    "ENOEXEC",
    "EBADF",
    "ECHILD",
    "EAGAIN",
    "ENOMEM",
    "EACCES",
    "EFAULT",
    "EBUSY",
    "EEXIST",
    "EXDEV",
    "ENODEV",
    "ENOTDIR",
    "EISDIR",
    "EINVAL",
    "ENFILE",
    "EMFILE",
    "ENOTTY",
    "EFBIG",
    "ENOSPC",
    "ESPIPE",
    "EROFS",
    "EMLINK",
    "EPIPE",
    "EDOM",
    "ERANGE",
    "EDEADLK",
    "ENAMETOOLONG",
    "ENOLCK",
    "ENOSYS",
    "ENOTEMPTY",
    "ELOOP",
    "ENOMSG",
    "EIDRM",
    "ENODATA",
    "ETIME",
    "ENOLINK",
    "EPROTO",
    "EBADMSG",
    "EOVERFLOW",
    "EILSEQ",
    "ERESTART",
    "EMSGSIZE",
    "EOPNOTSUPP",
    "ENOTSUPP",
    "ECANCELED",
    "ETIMEDOUT",
    "EALREADY",
    "EINPROGRESS",
    "ESTALE",
    "EDQUOT",
    "ENOBUFS",
    "ECONNRESET",
    "EHOSTDOWN",
    "EOWNERDEAD",
    "ENOTRECOVERABLE",
    "ERFKILL",
    "EHWPOISON",
    "ENOKEY",
    "EKEYEXPIRED",
    "EBADE",
    "EBADR",
    "ENOTCONN",
    "ESHUTDOWN",
    "ECOMM",
    "ENOSR",
];

impl Resolver<'_> {
    pub(super) fn magic(&mut self, m: &S<Magic>) -> Option<u8> {
        match &m.value {
            Magic::Int(v) => self
                .int_in(&m.with(*v), 0, 255, "ioctl magic")
                .map(|v| v as u8),
            Magic::Char(s) if s.len() == 1 && s.is_ascii() => Some(s.as_bytes()[0]),
            Magic::Char(s) => {
                self.err(
                    &rules::BAD_VALUE,
                    self.pos(m),
                    format!("ioctl magic `{s}` is neither a number nor one ASCII character"),
                    "write e.g. `0x64` or `d`",
                );
                None
            }
        }
    }

    pub(super) fn ioctls(&mut self, s: &SpecFile, model: &Model) -> Vec<Ioctl> {
        let mut out: Vec<Ioctl> = Vec::new();
        if !s.ioctls.is_empty() && model.magic.is_none() && s.ioctl.is_none() {
            self.err(
                &rules::MISSING_KEY,
                self.pos(&s.name),
                "the spec has ioctls but no `ioctl: { magic: ... }`",
                "add `ioctl: { magic: 0x64 }` (the _IOC type byte)",
            );
        }
        // Lookups for every ioctl, made once: by name and number among
        // those accepted so far, and the argument structs by name.
        let included = model.all_includes();
        let structs = lookup::StructIndex::new(model);
        let mut by_name: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
        let mut by_nr: [Option<usize>; 256] = [None; 256];
        // Maps of every target, copied for each ioctl: a copy costs less
        // than building a map.
        let per_target = (
            BTreeMap::from(Target::ALL.map(|t| (t, None))),
            BTreeMap::from(Target::ALL.map(|t| (t, 0))),
        );
        for i in &s.ioctls {
            let name = self.name(&i.name, "ioctl");
            let pos = self.pos(&i.name);
            if let Some(prev) = by_name.get(name.as_str()).and_then(|&k| out.get(k)) {
                self.err(
                    &rules::DUPLICATE_NAME,
                    pos.clone(),
                    format!("ioctl `{name}` is defined twice"),
                    format!("first at {}", prev.pos),
                );
                continue;
            }
            if let Some(prev) = included
                .iter()
                .flat_map(|m| m.ioctls.iter())
                .find(|p| p.name == name)
            {
                self.err(
                    &rules::DUPLICATE_NAME,
                    pos.clone(),
                    format!("ioctl `{name}` is already defined by an included spec"),
                    format!("defined at {}", prev.pos),
                );
                continue;
            }
            let since = self.since(&i.since);
            let used = |nr: u8| by_nr.get(usize::from(nr)).copied().flatten();
            let Some((nr, nr_s)) = self.ioctl_nr(i, &name, &out, used, &included) else {
                continue;
            };
            if let IoctlStyle::Drm { driver } = &model.ioctl_style
                && nr < DRM_COMMAND_BASE
            {
                self.err(
                    &rules::DRM_NR_BELOW_BASE,
                    self.pos(nr_s),
                    format!(
                        "nr {nr:#04x} of `{name}` is below DRM_COMMAND_BASE ({DRM_COMMAND_BASE:#04x}), so DRM_{driver}_{} would be negative",
                        crate::names::upper(&name)
                    ),
                    "",
                );
                continue;
            }
            let c_name = self.c_name(i.c_name.as_ref());
            let c_nr_name = self.c_name(i.c_nr_name.as_ref());
            let arg = match &i.arg {
                None => None,
                Some(a) => match structs.get(&a.value) {
                    Some((_, st)) if st.inline => {
                        self.in_place_error(a);
                        continue;
                    }
                    Some((id, _)) => Some(id),
                    None => {
                        // A struct that failed to resolve has its own error.
                        if !self.struct_exists(&a.value) {
                            self.dangling_struct(a, s);
                        }
                        continue;
                    }
                },
            };
            let Some(dir) = self.ioctl_dir(i, &name, arg.is_some()) else {
                continue;
            };
            let Some(arg_access) = self.arg_access(i, &name, arg.as_ref(), model) else {
                continue;
            };
            let extension = match &i.extension {
                None => None,
                Some(e) => match self.extension(e) {
                    Some(x) => Some(x),
                    None => continue,
                },
            };
            let errors = i
                .errors
                .as_ref()
                .map_or_else(Vec::new, |list| self.error_docs(&list.value, &name));
            let (cmds, arg_sizes) = numbers(model, arg.as_ref(), dir, nr, &per_target);
            // The spec's own name for it: `name` is a copy of it.
            by_name.entry(i.name.value.as_str()).or_insert(out.len());
            if let Some(slot) = by_nr.get_mut(usize::from(nr)) {
                slot.get_or_insert(out.len());
            }
            out.push(Ioctl {
                name,
                doc: i.doc.clone(),
                nr,
                dir,
                arg,
                arg_access,
                extension,
                since,
                errors,
                errors_declared: i.errors.is_some(),
                cmds,
                arg_sizes,
                c_name,
                c_nr_name,
                pos,
                nr_pos: self.pos(nr_s),
                dir_pos: i
                    .dir
                    .as_ref()
                    .map_or_else(|| self.pos(&i.name), |d| self.pos(d)),
                lint_allow: i.lint_allow.iter().map(|s| s.value.clone()).collect(),
                admin_perm: self.op_flags(&i.flags),
                existing_abi: self.existing_abi(i.existing_abi.as_ref()),
            });
        }
        out
    }

    /// `arg-access`: the access of some of the argument's top-level
    /// members for this ioctl only, by member index. None after an error.
    fn arg_access(
        &mut self,
        i: &spec::IoctlDef,
        name: &str,
        arg: Option<&StructId>,
        model: &Model,
    ) -> Option<Vec<ArgAccess>> {
        let Some(map) = &i.arg_access else {
            return Some(Vec::new());
        };
        let Some(arg) = arg else {
            self.err(
                &rules::KEY_NOT_ALLOWED,
                self.pos(map),
                format!("ioctl `{name}` has `arg-access` but no `arg`"),
                "remove `arg-access`, or name the argument struct with `arg:`",
            );
            return None;
        };
        if arg.spec() != model.name {
            self.err(
                &rules::KEY_NOT_ALLOWED,
                self.pos(map),
                format!(
                    "ioctl `{name}` has `arg-access` on struct `{}` of the included spec `{}`",
                    model.struct_(arg).name,
                    arg.spec()
                ),
                "`arg-access` applies to an argument struct of this spec; define the struct here",
            );
            return None;
        }
        let s = model.struct_(arg);
        let mut out = Vec::new();
        let mut ok = true;
        for (member, access) in &map.value {
            let Some(access_value) = self.access(access) else {
                ok = false;
                continue;
            };
            match s.members.iter().position(|m| &m.name == member) {
                Some(idx) if matches!(s.members[idx].kind, MemberKind::Pad { .. }) => {
                    self.err(
                        &rules::BAD_VALUE,
                        self.pos(access),
                        format!(
                            "`arg-access` names `{member}`, a pad of struct `{}`",
                            s.name
                        ),
                        "a pad is checked zero and never written; remove it from `arg-access`",
                    );
                    ok = false;
                }
                Some(member) => out.push(ArgAccess {
                    member,
                    access: access_value,
                }),
                None => {
                    let names = s.members.iter().map(|m| m.name.as_str());
                    let hint = match did_you_mean(member, names) {
                        h if h.is_empty() => format!(
                            "`arg-access` names top-level members of struct `{}`",
                            s.name
                        ),
                        h => h,
                    };
                    self.err(
                        &rules::DANGLING_REFERENCE,
                        self.pos(access),
                        format!("struct `{}` has no member `{member}`", s.name),
                        hint,
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// The ioctl's `nr`, checked against the numbers this spec and its
    /// includes already use, with where it is written.
    fn ioctl_nr<'i>(
        &mut self,
        i: &'i spec::IoctlDef,
        name: &str,
        out: &[Ioctl],
        used: impl Fn(u8) -> Option<usize>,
        included: &[&Model],
    ) -> Option<(u8, &'i S<i128>)> {
        let Some(nr_s) = &i.nr else {
            self.err(
                &rules::MISSING_KEY,
                self.pos(&i.name),
                format!("ioctl `{name}` has no `nr`"),
                "numbers are explicit and never reused: add `nr: 0x40`",
            );
            return None;
        };
        let nr = self.int_in(nr_s, 0, 255, "nr")? as u8;
        if let Some(prev) = used(nr).and_then(|k| out.get(k)) {
            self.err(
                &rules::DUPLICATE_NUMBER,
                self.pos(nr_s),
                format!(
                    "nr {nr:#04x} of `{name}` is already used by `{}`",
                    prev.name
                ),
                format!("`{}` is at {}", prev.name, prev.pos),
            );
            return None;
        }
        if let Some(prev) = included
            .iter()
            .flat_map(|m| m.ioctls.iter())
            .find(|p| p.nr == nr)
        {
            self.err(
                &rules::DUPLICATE_NUMBER,
                self.pos(nr_s),
                format!(
                    "nr {nr:#04x} of `{name}` is already used by `{}` of an included spec",
                    prev.name
                ),
                format!("`{}` is at {}", prev.name, prev.pos),
            );
            return None;
        }
        Some((nr, nr_s))
    }

    /// The documented errors of ioctl `name`.
    pub(super) fn error_docs(&mut self, list: &[S<spec::ErrorDef>], name: &str) -> Vec<ErrorDoc> {
        let mut errors = Vec::new();
        for e in list {
            if !ERRNOS.contains(&e.errno.value.as_str()) {
                let hint = did_you_mean(&e.errno.value, ERRNOS.iter().copied());
                self.err(
                    &rules::UNKNOWN_ERRNO,
                    self.pos(&e.errno),
                    format!("unknown errno `{}`", e.errno.value),
                    if hint.is_empty() {
                        "use a Linux errno name such as EINVAL".into()
                    } else {
                        hint
                    },
                );
                continue;
            }
            if errors.iter().any(|x: &ErrorDoc| x.errno == e.errno.value) {
                self.err(
                    &rules::DUPLICATE_NAME,
                    self.pos(&e.errno),
                    format!("errno `{}` is documented twice for `{name}`", e.errno.value),
                    "document all its causes in one entry",
                );
                continue;
            }
            errors.push(ErrorDoc {
                errno: e.errno.value.clone(),
                doc: e.doc.clone(),
                pos: self.pos(&e.errno),
            });
        }
        errors
    }

    /// The ioctl's direction: given, or none for an ioctl without `arg`.
    fn ioctl_dir(&mut self, i: &S<spec::IoctlDef>, name: &str, has_arg: bool) -> Option<Dir> {
        match &i.dir {
            None if !has_arg => Some(Dir::None),
            None => {
                self.err(
                    &rules::MISSING_KEY,
                    self.pos(&i.name),
                    format!("ioctl `{name}` has an `arg` but no `dir`"),
                    "add `dir: in`, `out` or `inout` (userspace's point of view)",
                );
                None
            }
            Some(d) => match Dir::from_name(&d.value) {
                Some(d) => Some(d),
                None => {
                    self.err(
                        &rules::BAD_VALUE,
                        self.pos(d),
                        format!("unknown dir `{}`", d.value),
                        "write `none`, `in`, `out` or `inout`",
                    );
                    None
                }
            },
        }
    }

    /// An ioctl's `extension` rule.
    fn extension(&mut self, e: &S<String>) -> Option<Extension> {
        match e.value.as_str() {
            "zero-extend" => Some(Extension::ZeroExtend),
            "strict" => Some(Extension::Strict),
            other => {
                self.err(
                    &rules::BAD_VALUE,
                    self.pos(e),
                    format!("unknown extension rule `{other}`"),
                    "write `zero-extend` (drm_ioctl) or `strict` (copy_struct_from_user)",
                );
                None
            }
        }
    }
}

/// Command numbers and argument sizes by target.
type PerTarget = (BTreeMap<Target, Option<u32>>, BTreeMap<Target, u32>);

/// The command number and argument size of an ioctl on every target,
/// filled into copies of `per_target` (maps of every target).
fn numbers(
    model: &Model,
    arg: Option<&StructId>,
    dir: Dir,
    nr: u8,
    per_target: &PerTarget,
) -> PerTarget {
    let arg = arg.map(|a| model.struct_(a));
    let (mut cmds, mut arg_sizes) = per_target.clone();
    for ((&t, cmd), (_, size)) in cmds.iter_mut().zip(arg_sizes.iter_mut()) {
        *size = arg.map_or(0, |a| a.layout(t).size);
        *cmd = model
            .magic
            .and_then(|mg| t.ioc_encoding().encode(dir, mg, nr, *size));
    }
    (cmds, arg_sizes)
}
