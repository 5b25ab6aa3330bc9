//! Ioctl rules: argument sizes, directions against member access.

use super::*;

impl<'a> Cx<'a> {
    pub(super) fn ioctl(&mut self, i: &Ioctl) {
        let arg = i.arg.as_ref().map(|a| self.struct_(a));
        self.dir_arg_mismatch(i, arg);
        // Rule 7, with the member access this ioctl declares.
        if let Some(view) = self.model.ioctl_arg(i)
            && i.dir != Dir::None
        {
            self.dir_mismatch(i, &view);
        }
        if let Some(s) = arg {
            self.arg_too_large(i, s);
        }
        self.nr_rules(i);
        self.undeclared_behaviour(i);
    }

    /// Rule 8: a direction needs an argument, and `dir: none` has none.
    fn dir_arg_mismatch(&mut self, i: &Ioctl, arg: Option<&Struct>) {
        let allow: &[&[String]] = &[&i.lint_allow];
        match (i.dir, arg) {
            (Dir::None, Some(Struct { name: a, .. })) => {
                let d = self
                    .diag(
                        &rules::DIR_ARG_MISMATCH,
                        &i.dir_pos,
                        format!("ioctl `{}` has `dir: none` but an argument `{a}`", i.name),
                    )
                    .with_hint(format!(
                        "write `dir: in`, `out` or `inout` as the kernel uses `{a}`, or remove `arg:`"
                    ));
                self.emit_for(d, allow, i.existing_abi);
            }
            (dir, None) if dir != Dir::None => {
                let d = self
                    .diag(
                        &rules::DIR_ARG_MISMATCH,
                        &i.dir_pos,
                        format!("ioctl `{}` has `dir: {}` but no `arg:`", i.name, dir.name()),
                    )
                    .with_hint("add `arg: <struct>`, or write `dir: none`");
                self.emit_for(d, allow, i.existing_abi);
            }
            _ => {}
        }
    }

    /// Rule 6: the argument fits every encoding's size field.
    fn arg_too_large(&mut self, i: &Ioctl, arg: &Struct) {
        // 8191 is the largest size every encoding carries; `cmds` is
        // None above it on the 13-bit targets, but a spec must not
        // depend on which targets it lists.
        let size_on = |t: Target| i.arg_sizes.get(&t).copied().unwrap_or(0);
        let over: Vec<Target> = self
            .model
            .targets
            .iter()
            .copied()
            .filter(|&t| size_on(t) > 8191)
            .collect();
        if over.is_empty() {
            return;
        }
        let sizes = self.by_value(&over, size_on, bytes);
        let d = self
            .diag(
                &rules::IOCTL_ARG_TOO_LARGE,
                &i.pos,
                format!("the argument `{}` of ioctl `{}` is {sizes}", arg.name, i.name),
            )
            .with_hint("keep bulk data in caller memory behind a `user-ptr` member with `count` and `max-count`");
        self.emit_for(d, &[&i.lint_allow], i.existing_abi);
    }

    /// Rule 9: the nr lies in the spec's range and was never retired.
    fn nr_rules(&mut self, i: &Ioctl) {
        let allow: &[&[String]] = &[&i.lint_allow];
        let (lo, hi) = self.model.nr_range;
        if i.nr < lo || i.nr > hi {
            let d = self
                .diag(
                    &rules::NR_OUT_OF_RANGE,
                    &i.nr_pos,
                    format!(
                        "nr {:#04x} of ioctl `{}` is outside this spec's range {lo:#04x}..{hi:#04x}",
                        i.nr, i.name
                    ),
                )
                .with_hint(format!(
                    "use a free nr in {lo:#04x}..{hi:#04x}; a subsystem core spec declares its own range with `ioctl: {{ nr-range: {{ min: 0x00, max: 0x3f }} }}`"
                ));
            self.emit_for(d, allow, i.existing_abi);
        }
        if self.model.retired_nrs.contains(&i.nr) {
            let d = self
                .diag(
                    &rules::NR_REUSED,
                    &i.nr_pos,
                    format!(
                        "nr {:#04x} of ioctl `{}` is listed in `ioctl: {{ retired: }}`",
                        i.nr, i.name
                    ),
                )
                .with_hint("give the ioctl a number that was never used");
            self.emit_for(d, allow, i.existing_abi);
        }
    }

    /// Rule 10 and the errno list: what a caller cannot learn from the
    /// struct must be written down.
    fn undeclared_behaviour(&mut self, i: &Ioctl) {
        let allow: &[&[String]] = &[&i.lint_allow];
        if i.arg.is_some() && i.extension.is_none() {
            let d = self
                .diag(
                    &rules::MISSING_EXTENSION,
                    &i.pos,
                    format!("ioctl `{}` does not say how it treats a caller struct of another size", i.name),
                )
                .with_hint("add `extension: zero-extend` (shorter zero-extended, longer truncated) or `extension: strict` (longer rejected with E2BIG unless the extra bytes are zero)")
                // `lint --fix` takes `strict`: a caller's non-zero tail is
                // refused rather than silently dropped, which a later
                // revision can still relax.
                .with_fix(Fix::AddKey {
                    at: i.pos.clone(),
                    key: "extension",
                    value: "strict".to_string(),
                });
            self.emit_for(d, allow, i.existing_abi);
        }
        if !i.errors_declared || i.errors.is_empty() {
            let what = if i.errors_declared {
                "an empty `errors:` list"
            } else {
                "no `errors:`"
            };
            let d = self
                .diag(
                    &rules::MISSING_ERRORS,
                    &i.pos,
                    format!("ioctl `{}` has {what}", i.name),
                )
                .with_hint("list every errno it returns: `errors: [{ errno: EINVAL, doc: ... }]`");
            self.emit_for(d, allow, i.existing_abi);
        }
    }

    /// Rule 7: the direction bits against what the kernel reads and
    /// writes in the argument struct.
    ///
    /// `dir: in` (_IOW) copies the struct in only, so no member may be
    /// `out`/`inout`. `dir: out` (_IOR) copies it out only, so the kernel
    /// never sees what userspace wrote: an `in`/`inout` member would be
    /// read as zero, which is an error too. `pad` carries nothing and fits
    /// every dir.
    ///
    /// A `user-ptr` member is different: its `access` describes the
    /// memory behind the pointer, which the kernel reads or writes
    /// through the pointer, not through the struct. The pointer value
    /// itself is always read, so a user-ptr needs a dir that copies in
    /// (`in` or `inout`), whatever its access; a user-ptr with `access:
    /// out` in a `dir: in` ioctl is correct.
    ///
    /// A nested struct member with the default access is transparent (its
    /// members' access applies); one marked `out` or `inout` applies that
    /// access to all of it.
    pub(super) fn dir_mismatch(&mut self, i: &Ioctl, s: &Struct) {
        // Only `in` and `out` leave a member the kernel cannot reach.
        if !matches!(i.dir, Dir::In | Dir::Out) {
            return;
        }
        let mut wrong: Vec<String> = Vec::new();
        self.access_leaves(
            s,
            &mut String::new(),
            &mut |path, access, user_ptr| match i.dir {
                Dir::In if !user_ptr && access.written_by_kernel() => {
                    wrong.push(format!("`{path}` (access {})", access.name()));
                }
                Dir::Out if user_ptr => {
                    wrong.push(format!(
                        "`{path}` (a user-ptr, whose address the kernel reads)"
                    ));
                }
                Dir::Out if access.read_by_kernel() => {
                    wrong.push(format!("`{path}` (access {})", access.name()));
                }
                _ => {}
            },
            0,
        );
        if wrong.is_empty() {
            return;
        }
        let (msg, hint) = if i.dir == Dir::In {
            (
                format!(
                    "ioctl `{}` has `dir: in` (_IOW), which never copies the argument back, but the kernel writes {}",
                    i.name,
                    join_names(&wrong)
                ),
                "write `dir: inout` (_IOWR) so the kernel copies the argument back, or mark members the kernel does not write `access: in`".to_string(),
            )
        } else {
            (
                format!(
                    "ioctl `{}` has `dir: out` (_IOR), which never copies the argument in, but the kernel reads {}",
                    i.name,
                    join_names(&wrong)
                ),
                "write `dir: inout` (_IOWR) so the kernel copies the argument in, or mark members the kernel only writes `access: out`".to_string(),
            )
        };
        let hint = match self.shared_with_other_dir(i) {
            Some(other) => format!(
                "{hint}; `{other}` uses the same struct with another direction: give this ioctl `arg-access: {{ <member>: {} }}` for the members it uses differently",
                if i.dir == Dir::In { "in" } else { "out" }
            ),
            None => hint,
        };
        let d = self
            .diag(&rules::DIR_MISMATCH, &i.dir_pos, msg)
            .with_hint(hint);
        self.emit_for(d, &[&i.lint_allow], i.existing_abi);
    }

    /// Another ioctl of the spec whose argument is `i`'s struct but whose
    /// direction differs: the case `arg-access` exists for.
    fn shared_with_other_dir(&self, i: &Ioctl) -> Option<&'a str> {
        let arg = i.arg.as_ref()?;
        self.model
            .ioctls
            .iter()
            .find(|o| o.name != i.name && o.dir != i.dir && o.arg.as_ref() == Some(arg))
            .map(|o| o.name.as_str())
    }

    /// Calls `leaf` with each member the kernel reads or writes as a
    /// whole, in member order: its path (`outer.inner`), its access and
    /// whether it is a user-ptr. `path` holds the prefix and is handed
    /// back as it came; paths are built in it, not formatted per member.
    pub(super) fn access_leaves(
        &self,
        s: &Struct,
        path: &mut String,
        leaf: &mut impl FnMut(&str, Access, bool),
        depth: u32,
    ) {
        // The resolver rejects recursive structs; the bound only keeps a
        // hand-built model from looping.
        if depth > 64 {
            return;
        }
        for m in &s.members {
            let at = path.len();
            path.push_str(&m.name);
            match &m.kind {
                MemberKind::Pad { .. } => {}
                MemberKind::UserPtr { .. } => leaf(path, m.access, true),
                MemberKind::Struct { id, .. } | MemberKind::Union { id } => {
                    if m.access == Access::In {
                        let inner = self.struct_(id);
                        path.push('.');
                        self.access_leaves(inner, path, leaf, depth + 1);
                    } else {
                        leaf(path, m.access, false);
                    }
                }
                MemberKind::Scalar { .. }
                | MemberKind::Binary { .. }
                | MemberKind::String { .. } => leaf(path, m.access, false),
            }
            path.truncate(at);
        }
    }
}
