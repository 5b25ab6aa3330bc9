//! Ioctls: numbers, directions, argument structs, extension rules.

use super::*;
use crate::dump::IoctlDump;

impl Cx<'_> {
    pub(super) fn ioctls(&mut self) {
        let (old, new) = (self.old, self.new);
        let targets = self.common_targets();
        let same_command = |a: &IoctlDump, b: &IoctlDump| {
            a.nr == b.nr
                && a.dir == b.dir
                && targets
                    .iter()
                    .all(|t| a.commands.get(t).map(|c| c.size) == b.commands.get(t).map(|c| c.size))
        };
        let renames = pair_renames(&old.ioctls, &new.ioctls, same_command);
        let mut gone: BTreeMap<u8, String> = BTreeMap::new();
        for (name, o) in &old.ioctls {
            let (nname, n) = match (new.ioctls.get(name), renames.get(name)) {
                (Some(n), _) => (name.clone(), n),
                (None, Some(r)) => {
                    self.renamed("ioctl", name, r, &format!("ioctls/{r}"));
                    (r.clone(), &new.ioctls[r])
                }
                (None, None) => {
                    gone.insert(o.nr, name.clone());
                    self.removed(
                        &rules::REMOVED_ITEM,
                        "ioctls",
                        &format!("ioctls/{name}"),
                        format!("ioctl `{name}` (nr {}) was removed", hex(o.nr.into())),
                        "keep the ioctl: old binaries call it (if it is obsolete, keep its number and fail with an error they understand)",
                    );
                    continue;
                }
            };
            self.ioctl_changes(&nname, o, n, &targets);
        }
        let renamed: BTreeSet<&String> = renames.values().collect();
        for (name, n) in &new.ioctls {
            if !old.ioctls.contains_key(name) && !renamed.contains(name) {
                self.added_ioctl(name, n, &gone);
            }
        }
    }

    /// What changed in ioctl `nname` between its old and new dumps.
    fn ioctl_changes(&mut self, nname: &str, o: &IoctlDump, n: &IoctlDump, targets: &[String]) {
        let path = format!("ioctls/{nname}");
        if o.nr != n.nr {
            self.report(
                &rules::RENUMBERED,
                &format!("{path}/nr"),
                format!(
                    "ioctl `{nname}` changed nr from {} to {}",
                    hex(o.nr.into()),
                    hex(n.nr.into())
                ),
                format!(
                    "restore `nr: {}`; for a new interface add a new ioctl with a new nr",
                    hex(o.nr.into())
                ),
            );
        }
        if o.dir != n.dir {
            self.report(
                &rules::IOCTL_COMMAND_CHANGED,
                &format!("{path}/dir"),
                format!(
                    "ioctl `{nname}` changed dir from `{}` to `{}`: its command number changes ({} -> {} on {})",
                    o.dir,
                    n.dir,
                    first_cmd(o, targets),
                    first_cmd(n, targets),
                    targets.first().map_or("", String::as_str)
                ),
                "keep the old ioctl as it is and add a new ioctl with a new nr",
            );
        } else {
            self.ioctl_arg_changes(nname, &path, o, n, targets);
            self.arg_access_changes(nname, &path, o, n);
        }
        self.since_same(&format!("ioctl `{nname}`"), o.since, n.since, &path);
    }

    /// Another argument struct: a new command number when the size
    /// differs on some target, else the same number with other bytes.
    fn ioctl_arg_changes(
        &mut self,
        nname: &str,
        path: &str,
        o: &IoctlDump,
        n: &IoctlDump,
        targets: &[String],
    ) {
        let oarg = o.arg.as_deref().map(|a| self.map_struct(a));
        if oarg == n.arg {
            return;
        }
        let sizes_differ = targets
            .iter()
            .any(|t| o.commands.get(t).map(|c| c.size) != n.commands.get(t).map(|c| c.size));
        let size = |d: &IoctlDump| {
            targets
                .first()
                .and_then(|t| d.commands.get(t))
                .map_or(0, |c| c.size)
        };
        let what = format!(
            "ioctl `{nname}` takes struct `{}` ({} bytes) instead of `{}` ({} bytes)",
            n.arg.as_deref().unwrap_or("-"),
            size(n),
            oarg.as_deref().unwrap_or("-"),
            size(o)
        );
        if sizes_differ {
            self.report(
                &rules::IOCTL_COMMAND_CHANGED,
                path,
                format!(
                    "{what}: its command number changes ({} -> {})",
                    first_cmd(o, targets),
                    first_cmd(n, targets)
                ),
                "keep the old argument struct (grow it at the end), or add a new ioctl with a new nr",
            );
        } else {
            self.report(
                &rules::IOCTL_ARG_CHANGED,
                path,
                what,
                "keep the old argument struct (grow it at the end), or add a new ioctl with a new nr",
            );
        }
    }

    /// The access this ioctl gives each member of its argument (its
    /// `arg-access`, else the struct's), old against new. A struct-level
    /// change is the struct's own finding; this reports what only the
    /// ioctl changed.
    fn arg_access_changes(&mut self, nname: &str, path: &str, o: &IoctlDump, n: &IoctlDump) {
        if o.arg_access.is_empty() && n.arg_access.is_empty() {
            return;
        }
        let (Some(oarg), Some(narg)) = (o.arg.as_deref(), n.arg.as_deref()) else {
            return;
        };
        if self.map_struct(oarg) != narg {
            return;
        }
        let (Some(os), Some(ns)) = (self.old.structs.get(oarg), self.new.structs.get(narg)) else {
            return;
        };
        for nm in &ns.members {
            let Some(om) = os.members.iter().find(|m| m.name == nm.name) else {
                continue;
            };
            let was = o.arg_access.get(&om.name).unwrap_or(&om.access);
            let is = n.arg_access.get(&nm.name).unwrap_or(&nm.access);
            let struct_level_change = om.access != nm.access;
            if was != is && !struct_level_change {
                self.report(
                    &rules::MEMBER_ACCESS_CHANGED,
                    &format!("{path}/arg-access/{}", nm.name),
                    format!(
                        "ioctl `{nname}` changed the access of member `{}` of its argument from `{was}` to `{is}`",
                        nm.name
                    ),
                    format!(
                        "restore `arg-access: {{ {}: {was} }}`; add a new ioctl for the new direction",
                        nm.name
                    ),
                );
            }
        }
    }

    /// A new ioctl must not take a number old binaries know another
    /// meaning of: a retired one, or one of a removed ioctl (`gone`).
    fn added_ioctl(&mut self, name: &str, n: &IoctlDump, gone: &BTreeMap<u8, String>) {
        let old = self.old;
        let path = format!("ioctls/{name}");
        let previous = if old.retired_nrs.contains(&n.nr) {
            Some(format!("which revision {} lists as retired", old.revision))
        } else {
            gone.get(&n.nr).map(|g| {
                format!(
                    "the number of ioctl `{g}` in revision {}, which is gone",
                    old.revision
                )
            })
        };
        if let Some(previous) = previous {
            self.report(
                &rules::REUSED_NUMBER,
                &format!("{path}/nr"),
                format!("ioctl `{name}` takes nr {}, {previous}", hex(n.nr.into())),
                "old binaries still call that number with its old meaning: give the ioctl a number never used",
            );
        }
        self.since_new(&format!("ioctl `{name}`"), n.since, &path);
        self.note(format!("added ioctl `{name}` (nr {})", hex(n.nr.into())));
    }
}

/// The command number on the first common target, as the dump prints it.
fn first_cmd(d: &IoctlDump, targets: &[String]) -> String {
    targets
        .first()
        .and_then(|t| d.commands.get(t))
        .and_then(|c| c.cmd.clone())
        .unwrap_or_default()
}
