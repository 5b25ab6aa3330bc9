//! Ioctls: command macros (`_IOWR(...)`, `DRM_IOWR(...)`) and commands
//! written as enumerators, with their names, numbers and arguments.

use super::names::{common_prefix, kebab};
use super::{Ioctl, Mapper};
use crate::import::Finding;
use crate::import::cview::{CEnum, CMacro};
use crate::import::kerneldoc;
use crate::names::upper;

/// A command macro's parts: `DRM_IOWR(DRM_COMMAND_BASE + X, struct y)`.
pub(super) struct Command<'a> {
    pub(super) drm: bool,
    pub(super) dir: &'static str,
    pub(super) nr_expr: &'a str,
    pub(super) arg: Option<&'a str>,
}

impl<'a> Mapper<'a> {
    /// DRM style: the `<DRV>` of `DRM_IOCTL_<DRV>_<X>`. The default is the
    /// C prefix without `drm_`; otherwise the words every command macro
    /// shares after `DRM_IOCTL_` (`driver:` in the spec).
    pub(super) fn driver(&mut self, commands: &[(&CMacro, Command)]) {
        let names: Vec<&str> = commands
            .iter()
            .filter(|(_, c)| c.drm)
            .filter_map(|(m, _)| m.name.strip_prefix("DRM_IOCTL_"))
            .collect();
        if names.is_empty()
            || names
                .iter()
                .all(|n| n.starts_with(&format!("{}_", self.drv)))
        {
            return;
        }
        let common = common_prefix(&names);
        let drv = common.trim_end_matches('_');
        if let Ok(k) = kebab(&drv.to_ascii_lowercase())
            && !drv.is_empty()
        {
            self.drv = drv.to_string();
            self.spec.driver = Some(k);
        }
    }

    /// The header's macro that holds a command's number, if it has one
    /// whose value agrees with the command's.
    pub(super) fn nr_macro(&self, c: &Command) -> Option<&'a CMacro> {
        let h = self.h;
        let mut idents = c
            .nr_expr
            .split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
            .filter(|t| !t.is_empty() && !t.starts_with(|ch: char| ch.is_ascii_digit()))
            .filter(|t| *t != "DRM_COMMAND_BASE");
        let ident = idents.next()?;
        if idents.next().is_some() {
            return None;
        }
        h.macros
            .iter()
            .find(|m| m.name == ident && !m.function_like && m.value.is_some())
    }

    pub(super) fn command(&mut self, mac: &CMacro, c: &Command) -> Result<Ioctl, String> {
        let v = mac.value.ok_or("its value could not be computed")?;
        let (nr, magic) = ((v & 0xff) as u8, ((v >> 8) & 0xff) as u8);
        if *self.spec.magic.get_or_insert(magic) != magic {
            return Err(format!(
                "its ioctl type {magic:#04x} differs from the header's first ({:#04x}); a spec has one",
                self.spec.magic.unwrap_or(0)
            ));
        }
        if self.spec.drm && nr < 0x40 {
            return Err(format!(
                "its number {nr:#04x} is below DRM_COMMAND_BASE, and a DRM-style spec writes numbers relative to it (the DRM core's own range)"
            ));
        }
        let arg = match c.arg {
            None => None,
            Some(a) => {
                let (kind, tag) = a
                    .split_once(' ')
                    .filter(|(k, _)| matches!(*k, "struct" | "union"))
                    .map(|(k, t)| (k, t.trim()))
                    .ok_or_else(|| {
                        format!(
                            "its argument `{a}` is not a struct or union, and every ioctl argument is"
                        )
                    })?;
                Some(
                    self.structs
                        .get(tag)
                        .cloned()
                        .ok_or_else(|| format!("its argument {kind} {tag} is not expressible"))?,
                )
            }
        };
        // The derived names: DRM's `DRM_IOCTL_<DRV>_<X>` and `DRM_<DRV>_<X>`,
        // else `<PREFIX>_IOCTL_<X>` and `<PREFIX>_NR_<X>`.
        let up = upper(self.c_prefix());
        let own = if self.spec.drm {
            format!("DRM_IOCTL_{}_", self.drv)
        } else {
            format!("{up}_IOCTL_")
        };
        let rest = mac
            .name
            .strip_prefix(&own)
            .or_else(|| mac.name.split_once("_IOCTL_").map(|(_, r)| r))
            .unwrap_or(&mac.name);
        let name = kebab(&rest.to_ascii_lowercase())?;
        let derived = format!("{own}{rest}");
        let derived_nr = if self.spec.drm {
            format!("DRM_{}_{rest}", self.drv)
        } else {
            format!("{up}_NR_{rest}")
        };
        let c_nr_name = match self.nr_macro(c) {
            Some(m) => (m.name != derived_nr).then(|| m.name.clone()),
            // The header holds the number in an enumerator the spec keeps
            // (amdxdna's `enum amdxdna_drm_ioctl_id`): the derived number
            // macro would be the same name, so it gets its own.
            None if self.is_enumerator(&derived_nr) => {
                let own_nr = if self.spec.drm {
                    format!("DRM_{}_NR_{rest}", self.drv)
                } else {
                    format!("{up}_NR_{rest}_NR")
                };
                self.findings.push(Finding::Warning {
                    loc: mac.loc.clone(),
                    rule: &crate::rules::IMPORT_NR_MACRO,
                    message: format!(
                        "the number of {} is enumerator {derived_nr}, which the spec keeps; the generated header adds the number macro {own_nr}",
                        mac.name
                    ),
                });
                Some(own_nr)
            }
            None => None,
        };
        Ok(Ioctl {
            loc: mac.loc.clone(),
            c_name: (derived != mac.name).then(|| mac.name.clone()),
            c_nr_name,
            arg_access: Vec::new(),
            name,
            nr,
            dir: c.dir,
            arg,
            // drm_ioctl zero-extends a shorter caller struct.
            extension: c.drm.then_some("zero-extend"),
            doc: mac
                .doc
                .as_deref()
                .map(kerneldoc::parse)
                .map(|d| d.text)
                .filter(|t| !t.is_empty()),
        })
    }
}

/// An enum whose enumerators are command numbers: each named
/// `..._IOCTL_...` and computed from the `sizeof` of a struct.
pub(super) fn is_command_enum(e: &CEnum) -> bool {
    !e.entries.is_empty()
        && e.entries.iter().all(|x| {
            x.name.contains("_IOCTL_")
                && x.sizeof_arg
                    .as_deref()
                    .is_some_and(|t| t.starts_with("struct ") || t.starts_with("union "))
        })
}

/// `_IOWR(...)`, `DRM_IOW(...)`, ...: the replacement list is exactly one
/// call of an ioctl macro; its arguments split at top-level commas.
pub(super) fn command(mac: &CMacro) -> Option<Command<'_>> {
    if mac.function_like {
        return None;
    }
    let body = mac.body.trim();
    let open = body.find('(')?;
    let head = body[..open].trim();
    let args = body[open + 1..].strip_suffix(')')?;
    let (drm, dir) = match head {
        "_IO" => (false, "none"),
        "_IOR" => (false, "out"),
        "_IOW" => (false, "in"),
        "_IOWR" => (false, "inout"),
        "DRM_IO" => (true, "none"),
        "DRM_IOR" => (true, "out"),
        "DRM_IOW" => (true, "in"),
        "DRM_IOWR" => (true, "inout"),
        _ => return None,
    };
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, ch) in args.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(args[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(args[start..].trim());
    let (nr_expr, arg) = match (drm, dir, parts.as_slice()) {
        (true, "none", [nr]) => (*nr, None),
        (true, _, [nr, ty]) => (*nr, Some(*ty)),
        (false, "none", [_, nr]) => (*nr, None),
        (false, _, [_, nr, ty]) => (*nr, Some(*ty)),
        _ => return None,
    };
    Some(Command {
        drm,
        dir,
        nr_expr,
        arg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::cview::Loc;

    fn mac(body: &str) -> CMacro {
        CMacro {
            name: "M".into(),
            loc: Loc::default(),
            function_like: false,
            body: body.into(),
            value: None,
            long: false,
            doc: None,
        }
    }

    #[test]
    fn command_macros_are_recognised() {
        let m = mac("DRM_IOWR(DRM_COMMAND_BASE + DRM_X_GET, struct drm_x_get)");
        let c = command(&m).unwrap();
        assert_eq!(
            (c.drm, c.dir, c.nr_expr, c.arg),
            (
                true,
                "inout",
                "DRM_COMMAND_BASE + DRM_X_GET",
                Some("struct drm_x_get")
            )
        );
        let m = mac("_IOR('Q', 3, struct x)");
        let c = command(&m).unwrap();
        assert_eq!(
            (c.drm, c.dir, c.nr_expr, c.arg),
            (false, "out", "3", Some("struct x"))
        );
        let m = mac("_IO('Q', 4)");
        assert_eq!(command(&m).unwrap().arg, None);
        assert!(command(&mac("(1 << 3)")).is_none());
    }
}
