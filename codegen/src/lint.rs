//! Lint: the rules of `lint-rules.md` that a resolved spec can still break
//! (layout, ioctl definitions, time, header names). Runs on the [`Model`]
//! after resolution, so every layout is already computed per target and
//! nothing here recomputes one; it reads offsets and sizes and compares.
//!
//! Only the spec's own items are checked: items of included specs are
//! checked when their own spec is linted, so one problem is reported once,
//! where it can be fixed. Every rule has a stable id, a severity and a
//! one-line rationale (the catalogue in [`crate::rules`]); every diagnostic's message ends with
//! that rationale and its hint says what to write instead. Warnings (rules
//! that can only guess) are silenced per item with `lint-allow: [id]`;
//! errors cannot be silenced.

use crate::diag::{Diagnostic, Diagnostics, Pos, Severity};
use crate::ioc::Dir;
use crate::model::{Access, Ioctl, Member, MemberKind, Model, Ring, Scalar, Struct};
use crate::names::{pascal, snake, upper};
use crate::rules::{self, Rule};
use crate::target::Target;
use std::collections::BTreeSet;

/// Checks the spec's own items against every lint rule of the catalogue.
pub fn lint(model: &Model) -> Diagnostics {
    let mut cx = Cx {
        model,
        out: Diagnostics::default(),
    };
    let mut broken = BTreeSet::new();
    for s in &model.structs {
        if cx.layout(s, &broken) {
            broken.insert(s.name.as_str());
        }
        for m in &s.members {
            cx.time_units(s, m);
            cx.undeclared_user_ptr(s, m);
        }
        cx.reserved_names_struct(s);
    }
    for e in &model.enums {
        cx.reserved_names_enum(e);
    }
    for i in &model.ioctls {
        cx.ioctl(i);
    }
    for r in &model.rings {
        cx.ring(r);
    }
    cx.reserved_names_misc();
    cx.generated_name_clashes();
    cx.netlink();
    cx.lint_allows();
    cx.out
}

/// The layout in which every member is naturally aligned (each scalar
/// at a multiple of its size, a nested struct at a multiple of its
/// largest member's). x86_64's is that layout, and the resolver stores it
/// for every spec, so "not naturally aligned" is "differs from x86_64"
/// even for a spec whose targets are only i386 (rule 3: "naturally
/// aligned under the strictest target").
const NATURAL: Target = Target::X86_64;

/// A `lint-allow` list, where to report a problem with it, and the lists
/// that may silence that report (its own and its struct's).
type AllowSite<'m> = (&'m [String], &'m Pos, Vec<&'m [String]>);

struct Cx<'a> {
    model: &'a Model,
    out: Diagnostics,
}

/// "x86_64, aarch64 and arm".
fn join_names<T: AsRef<str>>(items: &[T]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

fn join_targets(ts: &[Target]) -> String {
    let names: Vec<&str> = ts.iter().map(|t| t.name()).collect();
    join_names(&names)
}

fn bytes(n: u32) -> String {
    if n == 1 {
        "1 byte".into()
    } else {
        format!("{n} bytes")
    }
}

/// The YAML of a pad member, as hints spell it.
fn pad_yaml(name: &str, len: u32) -> String {
    format!("{{ name: {name}, type: pad, len: {len} }}")
}

/// The lowest `padN` not yet used in a struct (nor suggested for it).
fn fresh_pad(used: &mut BTreeSet<String>) -> String {
    let name = (0..)
        .map(|i| format!("pad{i}"))
        .find(|n| !used.contains(n))
        .expect("unbounded");
    used.insert(name.clone());
    name
}

impl<'a> Cx<'a> {
    /// A diagnostic of `id` whose message ends with the rule's rationale.
    fn diag(&self, rule: &'static Rule, pos: &Pos, specific: impl AsRef<str>) -> Diagnostic {
        let message = format!("{}; {}", specific.as_ref(), rule.rationale);
        Diagnostic::new(rule, pos.clone(), message)
    }

    // ------------------------------------------------------------ rings

    /// Rules 26, 27 and 28 for one ring.
    fn ring(&mut self, r: &Ring) {
        let allows: [&[String]; 1] = [&r.lint_allow];
        if !matches!(r.index, Scalar::U32 | Scalar::U64) {
            let d = self
                .diag(
                    &rules::RING_INDEX_TYPE,
                    &r.pos,
                    format!("ring `{}` has {} indices", r.name, r.index.name()),
                )
                .with_hint("write `index: u32` (or u64)");
            self.emit(d, &allows);
        }
        let mut unordered = Vec::new();
        if let Some((st, _)) = self.find_struct(&r.entry) {
            self.unordered_members(st, "", &mut unordered, 0);
        }
        if !unordered.is_empty() {
            let d = self
                .diag(
                    &rules::RING_ENTRY_BYTE_ORDER,
                    &r.pos,
                    format!(
                        "ring `{}`: entry `{}` has multi-byte members without byte-order: {}",
                        r.name,
                        r.entry,
                        join_names(&unordered)
                    ),
                )
                .with_hint("add `byte-order: little-endian` (or big-endian) to each");
            self.emit(d, &allows);
        }
        if !self.ring_published(&r.name) {
            let d = self
                .diag(
                    &rules::RING_REGION_IOCTL,
                    &r.pos,
                    format!(
                        "no ioctl publishes where ring `{}` is mapped",
                        r.name
                    ),
                )
                .with_hint(format!(
                    "give the argument of the ioctl that creates the ring the members {{ name: {0}-offset, type: u64, access: out }} and {{ name: {0}-size, type: u64, access: out }}",
                    r.name
                ));
            self.emit(d, &allows);
        }
    }

    /// The multi-byte members of `st` (nested structs included, named
    /// `outer.inner`) that declare no byte order.
    fn unordered_members(&self, st: &Struct, prefix: &str, out: &mut Vec<String>, depth: u32) {
        for m in &st.members {
            let name = format!("{prefix}{}", m.name);
            match &m.kind {
                MemberKind::Scalar { ty, .. } if ty.size() > 1 && m.byte_order.is_none() => {
                    out.push(format!("`{name}`"))
                }
                MemberKind::UserPtr { .. } => out.push(format!("`{name}`")),
                MemberKind::Struct { name: inner } if depth < 16 => {
                    if let Some((s, _)) = self.find_struct(inner) {
                        self.unordered_members(s, &format!("{name}."), out, depth + 1);
                    }
                }
                _ => {}
            }
        }
    }

    /// Does an ioctl (of this spec or an included one) have an argument
    /// with u64 out members `<ring>-offset` and `<ring>-size`?
    fn ring_published(&self, ring: &str) -> bool {
        let want = [format!("{ring}-offset"), format!("{ring}-size")];
        let mut models: Vec<&Model> = vec![self.model];
        let mut i = 0;
        while let Some(&m) = models.get(i) {
            models.extend(m.includes.iter().map(|inc| &**inc));
            i += 1;
        }
        models.iter().flat_map(|m| &m.ioctls).any(|io| {
            let Some((st, _)) = io.arg.as_deref().and_then(|a| self.find_struct(a)) else {
                return false;
            };
            want.iter().all(|w| {
                st.members.iter().any(|m| {
                    &m.name == w
                        && m.access != Access::In
                        && matches!(
                            m.kind,
                            MemberKind::Scalar {
                                ty: Scalar::U64,
                                count: None
                            }
                        )
                })
            })
        })
    }

    /// Pushes `d` unless it is a warning that one of `allows` silences.
    fn emit(&mut self, d: Diagnostic, allows: &[&[String]]) {
        if d.severity == Severity::Warning
            && allows.iter().any(|a| a.iter().any(|id| id == d.rule.id))
        {
            return;
        }
        self.out.push(d);
    }

    fn find_struct(&self, name: &str) -> Option<(&'a Struct, &'a str)> {
        self.model.find_struct(name)
    }

    /// Size of a member on `t`, from the layouts the resolver computed.
    fn member_size(&self, m: &Member, t: Target) -> Option<u32> {
        Some(match &m.kind {
            MemberKind::Scalar { ty, count } => ty.size() * count.unwrap_or(1),
            MemberKind::Pad { len } | MemberKind::Binary { len } | MemberKind::String { len } => {
                *len
            }
            MemberKind::UserPtr { .. } => 8,
            MemberKind::Struct { name } => self.find_struct(name)?.0.layouts.get(&t)?.size,
        })
    }

    // ------------------------------------------------------------ layout

    /// The hole before member `i` on `t`: (where it starts, its length).
    fn hole(&self, s: &Struct, i: usize, t: Target) -> Option<(u32, u32)> {
        let l = s.layouts.get(&t)?;
        let end = match i.checked_sub(1) {
            None => 0,
            Some(p) => l.offsets[p] + self.member_size(&s.members[p], t)?,
        };
        (l.offsets[i] > end).then(|| (end, l.offsets[i] - end))
    }

    /// The padding after the last member on `t`: (its length, the size).
    fn tail(&self, s: &Struct, t: Target) -> Option<(u32, u32)> {
        let l = s.layouts.get(&t)?;
        let end = match s.members.len().checked_sub(1) {
            None => 0,
            Some(p) => l.offsets[p] + self.member_size(&s.members[p], t)?,
        };
        (l.size > end).then(|| (l.size - end, l.size))
    }

    /// Rules 3, 4 and 5 for one struct. Returns whether any fired, so a
    /// struct embedding this one does not report the same problem again.
    fn layout(&mut self, s: &Struct, broken: &BTreeSet<&str>) -> bool {
        let targets: Vec<Target> = self
            .model
            .targets
            .iter()
            .copied()
            .filter(|t| s.layouts.contains_key(t))
            .collect();
        if targets.is_empty() {
            return false;
        }
        // Only consulted when the spec's own targets all align 64-bit
        // members to 4 (i386 alone): then a natural ABI is the one that
        // would differ.
        let natural =
            (!targets.contains(&NATURAL) && s.layouts.contains_key(&NATURAL)).then_some(NATURAL);
        let mut used: BTreeSet<String> = s.members.iter().map(|m| m.name.clone()).collect();
        let mut fired = false;

        // Rule 3: holes before members.
        for (i, m) in s.members.iter().enumerate() {
            let holes: Vec<(Target, (u32, u32))> = targets
                .iter()
                .filter_map(|&t| Some((t, self.hole(s, i, t)?)))
                .collect();
            let (msg, pad_len) = if !holes.is_empty() {
                let mut groups: Vec<((u32, u32), Vec<Target>)> = Vec::new();
                for (t, h) in &holes {
                    match groups.iter_mut().find(|g| g.0 == *h) {
                        Some(g) => g.1.push(*t),
                        None => groups.push((*h, vec![*t])),
                    }
                }
                let parts: Vec<String> = groups
                    .iter()
                    .map(|((at, len), ts)| {
                        format!("a {len}-byte hole at offset {at} on {}", self.on(ts))
                    })
                    .collect();
                let parts: Vec<String> = parts
                    .iter()
                    .enumerate()
                    .map(|(k, p)| {
                        if k == 0 {
                            p.replacen("a ", "an implicit ", 1)
                        } else {
                            p.clone()
                        }
                    })
                    .collect();
                let without: Vec<Target> = targets
                    .iter()
                    .copied()
                    .filter(|t| !holes.iter().any(|h| h.0 == *t))
                    .collect();
                let mut msg = format!("`{}` follows {}", m.name, join_names(&parts));
                if !without.is_empty() {
                    msg.push_str(&format!(" (none on {})", join_targets(&without)));
                }
                (msg, holes.iter().map(|h| h.1.1).max().unwrap_or(0))
            } else if let Some((_, len)) = natural.and_then(|n| self.hole(s, i, n)) {
                let t = targets[0];
                let msg = format!(
                    "`{}` is at offset {} on {t}, which is not naturally aligned: x86_64 and every other 64-bit ABI put a {len}-byte hole before it",
                    m.name, s.layouts[&t].offsets[i]
                );
                (msg, len)
            } else {
                continue;
            };
            let pad = fresh_pad(&mut used);
            let d = self
                .diag(&rules::IMPLICIT_PADDING, &m.pos, msg)
                .with_hint(format!(
                    "insert `{}` before `{}`",
                    pad_yaml(&pad, pad_len),
                    m.name
                ));
            self.emit(d, &[]);
            fired = true;
        }

        // Rule 4: padding after the last member.
        let tails: Vec<(Target, (u32, u32))> = targets
            .iter()
            .filter_map(|&t| Some((t, self.tail(s, t)?)))
            .collect();
        let tail = if !tails.is_empty() {
            let mut groups: Vec<((u32, u32), Vec<Target>)> = Vec::new();
            for (t, x) in &tails {
                match groups.iter_mut().find(|g| g.0 == *x) {
                    Some(g) => g.1.push(*t),
                    None => groups.push((*x, vec![*t])),
                }
            }
            let parts: Vec<String> = groups
                .iter()
                .map(|((len, size), ts)| {
                    format!(
                        "{} of tail padding (size {size}) on {}",
                        bytes(*len),
                        self.on(ts)
                    )
                })
                .collect();
            let without: Vec<Target> = targets
                .iter()
                .copied()
                .filter(|t| !tails.iter().any(|x| x.0 == *t))
                .collect();
            let mut msg = format!("struct `{}` ends with {}", s.name, join_names(&parts));
            if !without.is_empty() {
                msg.push_str(&format!(" (none on {})", join_targets(&without)));
            }
            Some((msg, tails.iter().map(|x| x.1.0).max().unwrap_or(0)))
        } else if let Some((len, size)) = natural.and_then(|n| self.tail(s, n)) {
            let t = targets[0];
            let msg = format!(
                "struct `{}` is {} on {t}, not a multiple of its natural alignment: x86_64 and every other 64-bit ABI pad it to {size}",
                s.name,
                bytes(s.layouts[&t].size)
            );
            Some((msg, len))
        } else {
            None
        };
        if let Some((msg, pad_len)) = tail {
            let after = s.members.last().map_or_else(
                || "as the last member".to_string(),
                |m| format!("after `{}`", m.name),
            );
            let pad = fresh_pad(&mut used);
            let d = self
                .diag(&rules::IMPLICIT_TAIL_PADDING, &s.pos, msg)
                .with_hint(format!("append `{}` {after}", pad_yaml(&pad, pad_len)));
            self.emit(d, &[]);
            fired = true;
        }
        if fired {
            return true;
        }

        // Rule 5: what is left is a difference inherited from an embedded
        // struct. One of this spec's own structs already reported it where
        // it can be fixed; one of an included spec did so only when that
        // spec was linted, so it is reported here, at the embedding member.
        // Alignment legitimately differs (4 for a u64 on i386); only what
        // C code can observe, size and offsets, must agree.
        let shape = |t: &Target| (s.layouts[t].size, &s.layouts[t].offsets);
        if targets.iter().all(|t| shape(t) == shape(&targets[0])) {
            return false;
        }
        let differs = |i: usize| {
            let key = |t: &Target| (s.layouts[t].offsets[i], self.member_size(&s.members[i], *t));
            targets.iter().any(|t| key(t) != key(&targets[0]))
        };
        let d = match (0..s.members.len()).find(|&i| differs(i)) {
            Some(i) => {
                let m = &s.members[i];
                if let MemberKind::Struct { name } = &m.kind {
                    let owner = self.find_struct(name).map_or("", |(_, o)| o);
                    if owner == self.model.name {
                        return broken.contains(name.as_str());
                    }
                    let sizes =
                        self.by_value(&targets, |t| self.member_size(m, t).unwrap_or(0), bytes);
                    let msg = format!(
                        "`{}` embeds struct `{name}` of spec `{owner}`, which is {sizes}, so `{}` differs between targets too",
                        m.name, s.name
                    );
                    self.diag(&rules::LAYOUT_DIFFERS, &m.pos, msg).with_hint(format!(
                        "give `{name}` explicit pad members in spec `{owner}` (`uabi lint` on that spec names them); this struct follows"
                    ))
                } else {
                    // Unreachable while rules 3 and 4 hold (only a nested
                    // struct changes size between targets); kept so that
                    // a difference is never silent.
                    let offs =
                        self.by_value(&targets, |t| s.layouts[&t].offsets[i], |v| v.to_string());
                    let msg = format!("`{}` of struct `{}` is at offset {offs}", m.name, s.name);
                    self.diag(&rules::LAYOUT_DIFFERS, &m.pos, msg)
                        .with_hint("make every hole an explicit `pad` member")
                }
            }
            None => {
                let sizes = self.by_value(&targets, |t| s.layouts[&t].size, bytes);
                self.diag(
                    &rules::LAYOUT_DIFFERS,
                    &s.pos,
                    format!("struct `{}` is {sizes}", s.name),
                )
                .with_hint("make the tail padding an explicit `pad` member")
            }
        };
        self.emit(d, &[]);
        true
    }

    /// "on x86_64 and i386", or "on every target" when `ts` is all of them.
    fn on(&self, ts: &[Target]) -> String {
        if ts.len() > 2 && self.model.targets.iter().all(|t| ts.contains(t)) {
            "every target".into()
        } else {
            join_targets(ts)
        }
    }

    /// "16 bytes on x86_64 and aarch64 but 12 bytes on i386" style text.
    fn by_value(
        &self,
        targets: &[Target],
        f: impl Fn(Target) -> u32,
        show: impl Fn(u32) -> String,
    ) -> String {
        let mut groups: Vec<(u32, Vec<Target>)> = Vec::new();
        for &t in targets {
            let v = f(t);
            match groups.iter_mut().find(|g| g.0 == v) {
                Some(g) => g.1.push(t),
                None => groups.push((v, vec![t])),
            }
        }
        let parts: Vec<String> = groups
            .iter()
            .map(|(v, ts)| format!("{} on {}", show(*v), self.on(ts)))
            .collect();
        parts.join(" but ")
    }

    // ------------------------------------------------------------ ioctls

    fn ioctl(&mut self, i: &Ioctl) {
        let allow: &[&[String]] = &[&i.lint_allow];
        let arg = i.arg.as_deref().and_then(|a| self.find_struct(a));

        // Rule 8.
        match (i.dir, &i.arg) {
            (Dir::None, Some(a)) => {
                let d = self
                    .diag(
                        &rules::DIR_ARG_MISMATCH,
                        &i.dir_pos,
                        format!("ioctl `{}` has `dir: none` but an argument `{a}`", i.name),
                    )
                    .with_hint(format!(
                        "write `dir: in`, `out` or `inout` as the kernel uses `{a}`, or remove `arg:`"
                    ));
                self.emit(d, allow);
            }
            (dir, None) if dir != Dir::None => {
                let d = self
                    .diag(
                        &rules::DIR_ARG_MISMATCH,
                        &i.dir_pos,
                        format!("ioctl `{}` has `dir: {}` but no `arg:`", i.name, dir.name()),
                    )
                    .with_hint("add `arg: <struct>`, or write `dir: none`");
                self.emit(d, allow);
            }
            _ => {}
        }

        // Rule 7.
        if let Some((s, _)) = arg
            && i.dir != Dir::None
        {
            self.dir_mismatch(i, s);
        }

        // Rule 6.
        if let Some(a) = &i.arg {
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
            if !over.is_empty() {
                let sizes = self.by_value(&over, size_on, bytes);
                let d = self
                    .diag(
                        &rules::IOCTL_ARG_TOO_LARGE,
                        &i.pos,
                        format!("the argument `{a}` of ioctl `{}` is {sizes}", i.name),
                    )
                    .with_hint("keep bulk data in caller memory behind a `user-ptr` member with `count` and `max-count`");
                self.emit(d, allow);
            }
        }

        // Rule 9.
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
            self.emit(d, allow);
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
            self.emit(d, allow);
        }

        // Rule 10.
        if i.arg.is_some() && i.extension.is_none() {
            let d = self
                .diag(
                    &rules::MISSING_EXTENSION,
                    &i.pos,
                    format!("ioctl `{}` does not say how it treats a caller struct of another size", i.name),
                )
                .with_hint("add `extension: zero-extend` (shorter zero-extended, longer truncated) or `extension: strict` (longer rejected with E2BIG unless the extra bytes are zero)");
            self.emit(d, allow);
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
            self.emit(d, allow);
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
    fn dir_mismatch(&mut self, i: &Ioctl, s: &Struct) {
        let mut leaves: Vec<(String, Access, bool)> = Vec::new();
        self.access_leaves(s, "", &mut leaves, 0);
        let mut wrong: Vec<String> = Vec::new();
        for (path, access, user_ptr) in &leaves {
            match i.dir {
                Dir::In if !user_ptr && access.written_by_kernel() => {
                    wrong.push(format!("`{path}` (access {})", access.name()));
                }
                Dir::Out if *user_ptr => {
                    wrong.push(format!(
                        "`{path}` (a user-ptr, whose address the kernel reads)"
                    ));
                }
                Dir::Out if access.read_by_kernel() => {
                    wrong.push(format!("`{path}` (access {})", access.name()));
                }
                _ => {}
            }
        }
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
        let d = self
            .diag(&rules::DIR_MISMATCH, &i.dir_pos, msg)
            .with_hint(hint);
        self.emit(d, &[&i.lint_allow]);
    }

    fn access_leaves(
        &self,
        s: &Struct,
        prefix: &str,
        out: &mut Vec<(String, Access, bool)>,
        depth: u32,
    ) {
        // The resolver rejects recursive structs; the bound only keeps a
        // hand-built model from looping.
        if depth > 64 {
            return;
        }
        for m in &s.members {
            let path = format!("{prefix}{}", m.name);
            match &m.kind {
                MemberKind::Pad { .. } => {}
                MemberKind::UserPtr { .. } => out.push((path, m.access, true)),
                MemberKind::Struct { name } if m.access == Access::In => {
                    if let Some((inner, _)) = self.find_struct(name) {
                        self.access_leaves(inner, &format!("{path}."), out, depth + 1);
                    }
                }
                _ => out.push((path, m.access, false)),
            }
        }
    }

    // ------------------------------------------------------------ names

    /// Rule 19 for one member.
    fn time_units(&mut self, s: &Struct, m: &Member) {
        let MemberKind::Scalar { ty, .. } = m.kind else {
            return;
        };
        let words: Vec<&str> = m.name.split('-').collect();
        let last = *words.last().unwrap_or(&"");
        if !is_time_name(&words) {
            return;
        }
        if ty == Scalar::S64 && last == "ns" {
            return;
        }
        if ty == Scalar::S64 && self.sec_nsec_pair(s, m) {
            return;
        }
        let name_ok = last == "ns" || self.pair_partner(s, m).is_some();
        let (pos, what, suggested) = if name_ok {
            (
                &m.type_pos,
                format!("`{}` is a time but has type `{}`", m.name, ty.name()),
                m.name.clone(),
            )
        } else {
            (
                &m.pos,
                format!(
                    "`{}` looks like a time but is not `s64` nanoseconds named `-ns`",
                    m.name
                ),
                suggested_ns_name(&words),
            )
        };
        let d = self.diag(&rules::TIME_UNITS, pos, what).with_hint(format!(
            "use `s64` nanoseconds, CLOCK_MONOTONIC, absolute: `{{ name: {suggested}, type: s64 }}`"
        ));
        self.emit(d, &[&m.lint_allow, &s.lint_allow]);
    }

    /// One half of `{s64 sec; s64 nsec}`, itself an s64 scalar (the other
    /// half is checked on its own, so only the wrong one is reported).
    fn sec_nsec_pair(&self, s: &Struct, m: &Member) -> bool {
        self.pair_partner(s, m).is_some()
            && matches!(
                m.kind,
                MemberKind::Scalar {
                    ty: Scalar::S64,
                    count: None
                }
            )
    }

    /// The sibling completing `<p>sec`/`<p>nsec`, whatever its type.
    fn pair_partner<'s>(&self, s: &'s Struct, m: &Member) -> Option<&'s Member> {
        let partner = if let Some(p) = m.name.strip_suffix("nsec") {
            format!("{p}sec")
        } else if let Some(p) = m.name.strip_suffix("sec") {
            format!("{p}nsec")
        } else {
            return None;
        };
        let ok_prefix = |n: &str| {
            let p = n.trim_end_matches("nsec").trim_end_matches("sec");
            p.is_empty() || p.ends_with('-')
        };
        if !ok_prefix(&m.name) {
            return None;
        }
        s.member(&partner)
    }

    /// Rule 2 (warning): a u64 named like an address that is not a
    /// `user-ptr`.
    fn undeclared_user_ptr(&mut self, s: &Struct, m: &Member) {
        let MemberKind::Scalar {
            ty: Scalar::U64,
            count: None,
        } = m.kind
        else {
            return;
        };
        let words: Vec<&str> = m.name.split('-').collect();
        let last = *words.last().unwrap_or(&"");
        let pointerish = words
            .iter()
            .any(|w| matches!(*w, "ptr" | "ptrs" | "pointer" | "userptr" | "uptr"))
            || matches!(last, "addr" | "address" | "uaddr");
        // Device, bus and I/O virtual addresses are u64 values the kernel
        // never dereferences in the caller's memory.
        let device = words.iter().any(|w| {
            matches!(
                *w,
                "dev"
                    | "device"
                    | "gpu"
                    | "npu"
                    | "vpu"
                    | "dma"
                    | "iova"
                    | "phys"
                    | "bus"
                    | "mmio"
                    | "vram"
                    | "fw"
            )
        });
        if !pointerish || device {
            return;
        }
        let d = self
            .diag(
                &rules::UNDECLARED_USER_PTR,
                &m.type_pos,
                format!("`{}` is named like a userspace address but is a plain `u64`", m.name),
            )
            .with_hint(format!(
                "declare `{{ name: {}, type: user-ptr, elem: ..., count: ..., max-count: ... }}`, or add `lint-allow: [undeclared-user-ptr]` if it is not a userspace address",
                m.name
            ));
        self.emit(d, &[&m.lint_allow, &s.lint_allow]);
    }

    /// Rule 32 for a struct's name and members.
    fn reserved_names_struct(&mut self, s: &Struct) {
        if pascal(&s.name) == "Self" {
            let d = self
                .diag(
                    &rules::HEADER_RESERVED_NAME,
                    &s.pos,
                    format!(
                        "struct `{}` becomes the Rust type `Self`, which cannot be a type name",
                        s.name
                    ),
                )
                .with_hint("rename the struct");
            self.emit(d, &[]);
        }
        for m in &s.members {
            if let Some(why) = reserved_identifier(&snake(&m.name)) {
                let d = self
                    .diag(
                        &rules::HEADER_RESERVED_NAME,
                        &m.pos,
                        format!(
                            "member `{}` becomes the identifier `{}`, {why}",
                            m.name,
                            snake(&m.name)
                        ),
                    )
                    .with_hint(format!(
                        "rename `{}`, e.g. `{}`",
                        m.name,
                        rename_hint(&s.name, &m.name)
                    ));
                self.emit(d, &[]);
            }
        }
    }

    fn reserved_names_enum(&mut self, e: &crate::model::Enum) {
        // The Rust backend puts an enum's entries in `pub mod <name>`; a
        // raw identifier covers most keywords but not these.
        if matches!(snake(&e.name).as_str(), "self" | "super" | "crate") {
            let d = self
                .diag(
                    &rules::HEADER_RESERVED_NAME,
                    &e.pos,
                    format!("enum `{}` becomes the Rust module `{}`, which not even a raw identifier can name", e.name, snake(&e.name)),
                )
                .with_hint("rename the enum");
            self.emit(d, &[]);
        }
        if let Some(tag) = &e.enum_name
            && let Some(why) = reserved_identifier(&snake(tag))
        {
            let d = self
                .diag(
                    &rules::HEADER_RESERVED_NAME,
                    &e.pos,
                    format!(
                        "`enum-name: {tag}` becomes the C tag `enum {}`, {why}",
                        snake(tag)
                    ),
                )
                .with_hint("choose an `enum-name` prefixed with the spec name");
            self.emit(d, &[]);
        }
        for entry in &e.entries {
            let c = match &e.name_prefix {
                Some(p) => format!("{}{}", upper(p), upper(&entry.name)),
                None => format!(
                    "{}_{}_{}",
                    upper(&self.model.name),
                    upper(&e.name),
                    upper(&entry.name)
                ),
            };
            if let Some(why) = kernel_macro(&c) {
                let d = self
                    .diag(
                        &rules::HEADER_RESERVED_NAME,
                        &entry.pos,
                        format!("entry `{}` becomes the C macro `{c}`, {why}", entry.name),
                    )
                    .with_hint("rename the entry or change the enum's `name-prefix`");
                self.emit(d, &[]);
            }
        }
    }

    /// Rule 32 for the uppercase C names of consts and ioctls, and the
    /// Rust method name each ioctl becomes.
    fn reserved_names_misc(&mut self) {
        let spec = upper(&self.model.name);
        for c in &self.model.consts {
            let name = format!("{spec}_{}", upper(&c.name));
            if let Some(why) = kernel_macro(&name) {
                let d = self
                    .diag(
                        &rules::HEADER_RESERVED_NAME,
                        &c.pos,
                        format!("const `{}` becomes the C macro `{name}`, {why}", c.name),
                    )
                    .with_hint("rename the const");
                self.emit(d, &[]);
            }
        }
        for i in &self.model.ioctls {
            if matches!(snake(&i.name).as_str(), "self" | "super" | "crate") {
                let d = self
                    .diag(
                        &rules::HEADER_RESERVED_NAME,
                        &i.pos,
                        format!("ioctl `{}` becomes the Rust method `{}`, which not even a raw identifier can name", i.name, snake(&i.name)),
                    )
                    .with_hint("rename the ioctl");
                self.emit(d, &[]);
            }
        }
    }

    /// Names whose generated identifiers are already taken by the
    /// generators' own: consts become `<SPEC>_<NAME>` (C) and `<NAME>`
    /// (Rust) beside `<SPEC>_IOCTL_MAGIC`, `REVISION`, `SPEC_NAME`,
    /// `IOCTLS`, `<SPEC>_ABI_CHECK` and the per-ioctl `NR_*`/`IOCTL_*`;
    /// every enum and flags set has an `ALL` beside its entries; the Rust
    /// crate defines `IoctlDesc`.
    fn generated_name_clashes(&mut self) {
        const TAKEN_CONSTS: &[&str] = &[
            "revision",
            "spec-name",
            "ioctl-magic",
            "ioctls",
            "abi-check",
        ];
        let clash = |name: &str| {
            TAKEN_CONSTS.contains(&name) || name.starts_with("nr-") || name.starts_with("ioctl-")
        };
        let mut found: Vec<(Pos, String, &'static str)> = Vec::new();
        for c in &self.model.consts {
            if clash(&c.name) {
                found.push((c.pos.clone(), format!("const `{}` collides with an identifier the generators emit for the spec or its ioctls", c.name), "rename the const"));
            }
        }
        for e in &self.model.enums {
            for x in &e.entries {
                if x.name == "all" {
                    found.push((x.pos.clone(), format!("entry `all` of `{}` collides with the generated `ALL` (every declared value)", e.name), "rename the entry, e.g. `every`"));
                }
            }
        }
        for st in &self.model.structs {
            if st.name == "ioctl-desc" {
                found.push((
                    st.pos.clone(),
                    "struct `ioctl-desc` collides with the generated `IoctlDesc` of the Rust crate"
                        .to_string(),
                    "rename the struct",
                ));
            }
        }
        for (pos, msg, hint) in found {
            let d = self
                .diag(&rules::GENERATED_NAME_CLASH, &pos, msg)
                .with_hint(hint);
            self.emit(d, &[]);
        }
    }

    // ------------------------------------------------------------ lint-allow

    /// Every `lint-allow` id must name a warning rule.
    fn lint_allows(&mut self) {
        let m = self.model;
        let mut lists: Vec<AllowSite> = Vec::new();
        for s in &m.structs {
            lists.push((&s.lint_allow, &s.pos, vec![&s.lint_allow]));
            for mm in &s.members {
                lists.push((&mm.lint_allow, &mm.pos, vec![&mm.lint_allow, &s.lint_allow]));
            }
        }
        for e in &m.enums {
            lists.push((&e.lint_allow, &e.pos, vec![&e.lint_allow]));
        }
        for i in &m.ioctls {
            lists.push((&i.lint_allow, &i.pos, vec![&i.lint_allow]));
        }
        for r in &m.rings {
            lists.push((&r.lint_allow, &r.pos, vec![&r.lint_allow]));
        }
        for a in m.attribute_sets.iter().flat_map(|x| &x.attributes) {
            lists.push((&a.lint_allow, &a.pos, vec![&a.lint_allow]));
        }
        for (list, pos, allows) in lists {
            for id in list {
                let d = match rules::find(id) {
                    None => {
                        let known = rules::ALL.iter().filter(|r| r.can_be_allowed());
                        let guess = crate::resolve::suggest(id, rules::ALL.iter().map(|r| r.id));
                        let names: Vec<&str> = known.map(|r| r.id).collect();
                        let hint = match guess {
                            Some(g) => format!(
                                "did you mean `{g}`? rules that can be allowed: {}",
                                names.join(", ")
                            ),
                            None => format!("rules that can be allowed: {}", names.join(", ")),
                        };
                        self.diag(
                            &rules::UNKNOWN_LINT_RULE,
                            pos,
                            format!("`lint-allow` names `{id}`, which is not a lint rule"),
                        )
                        .with_hint(hint)
                    }
                    Some(r) if !r.can_be_allowed() => self
                        .diag(
                            &rules::LINT_ALLOW_ERROR,
                            pos,
                            format!(
                                "`lint-allow` names `{id}`, an error (lint-rules.md rule {})",
                                r.number
                            ),
                        )
                        .with_hint(format!(
                            "remove `{id}` from `lint-allow` and fix what it reports"
                        )),
                    Some(_) => continue,
                };
                self.emit(d, &allows);
            }
        }
    }
}

/// Does a name (split into kebab words) suggest a time?
fn is_time_name(words: &[&str]) -> bool {
    let last = *words.last().unwrap_or(&"");
    // Words that contain "time" but name no time.
    let not_time = |w: &str| matches!(w, "timeline" | "timelines" | "timer" | "timers" | "times");
    words
        .iter()
        .any(|w| !not_time(w) && (w.starts_with("time") || w.ends_with("time") || *w == "deadline"))
        || matches!(
            last,
            "ms" | "us" | "ns" | "sec" | "secs" | "nsec" | "usec" | "msec" | "jiffies"
        )
}

/// `timeout-ms` -> `timeout-ns`, `deadline` -> `deadline-ns`.
fn suggested_ns_name(words: &[&str]) -> String {
    let units = [
        "ms", "us", "ns", "sec", "secs", "nsec", "usec", "msec", "jiffies",
    ];
    let stem: Vec<&str> = match words.split_last() {
        Some((last, init)) if units.contains(last) && !init.is_empty() => init.to_vec(),
        Some((last, [])) if units.contains(last) => vec!["time"],
        _ => words.to_vec(),
    };
    format!("{}-ns", stem.join("-"))
}

/// A replacement name: the member qualified by the struct's first word,
/// usually the object it is about (`class` in `engine-info` ->
/// `engine-class`).
fn rename_hint(struct_name: &str, member: &str) -> String {
    let qualifier = struct_name.split('-').next().unwrap_or(struct_name);
    format!("{qualifier}-{member}")
}

/// C and C++ keywords (C23, C++23, GNU C), including the C++ alternative
/// operator spellings, which `<iso646.h>` makes macros in C.
const C_CXX_KEYWORDS: &[&str] = &[
    "alignas",
    "alignof",
    "and",
    "and_eq",
    "asm",
    "auto",
    "bitand",
    "bitor",
    "bool",
    "break",
    "case",
    "catch",
    "char",
    "char8_t",
    "char16_t",
    "char32_t",
    "class",
    "co_await",
    "co_return",
    "co_yield",
    "compl",
    "concept",
    "const",
    "const_cast",
    "consteval",
    "constexpr",
    "constinit",
    "continue",
    "decltype",
    "default",
    "delete",
    "do",
    "double",
    "dynamic_cast",
    "else",
    "enum",
    "explicit",
    "export",
    "extern",
    "false",
    "float",
    "for",
    "friend",
    "goto",
    "if",
    "inline",
    "int",
    "long",
    "mutable",
    "namespace",
    "new",
    "noexcept",
    "not",
    "not_eq",
    "nullptr",
    "operator",
    "or",
    "or_eq",
    "private",
    "protected",
    "public",
    "register",
    "reinterpret_cast",
    "requires",
    "restrict",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "static_assert",
    "static_cast",
    "struct",
    "switch",
    "template",
    "this",
    "thread_local",
    "throw",
    "true",
    "try",
    "typedef",
    "typeid",
    "typename",
    "typeof",
    "typeof_unqual",
    "union",
    "unsigned",
    "using",
    "virtual",
    "void",
    "volatile",
    "wchar_t",
    "while",
    "xor",
    "xor_eq",
];

/// Lower-case object-like macros that turn a member declaration into
/// nonsense: the kernel's `current` and `fallthrough`, libc's `errno`,
/// and the names GCC predefines to 1 outside strict ISO modes.
const OBJECT_MACROS: &[(&str, &str)] = &[
    ("current", "a kernel macro (`get_current()`)"),
    ("fallthrough", "a kernel macro (an attribute)"),
    ("noinline", "a kernel macro (an attribute)"),
    ("notrace", "a kernel macro (an attribute)"),
    ("asmlinkage", "a kernel macro"),
    ("errno", "a libc macro (`*__errno_location()`)"),
    ("linux", "predefined to 1 by GCC in GNU modes"),
    ("unix", "predefined to 1 by GCC in GNU modes"),
    ("i386", "predefined to 1 by GCC on i386 in GNU modes"),
    ("mips", "predefined to 1 by GCC on mips in GNU modes"),
    ("sparc", "predefined to 1 by GCC on sparc in GNU modes"),
];

/// Why an identifier cannot be a member name, if it cannot.
fn reserved_identifier(ident: &str) -> Option<String> {
    if C_CXX_KEYWORDS.contains(&ident) {
        return Some("a C or C++ keyword".into());
    }
    if let Some((_, why)) = OBJECT_MACROS.iter().find(|(n, _)| *n == ident) {
        return Some(format!("which is {why}"));
    }
    // Rust members use raw identifiers for keywords (`r#type`), but these
    // four cannot be raw.
    if matches!(ident, "self" | "super" | "crate") {
        return Some("a Rust keyword that not even a raw identifier can name".into());
    }
    None
}

/// Kernel-only macros a uapi header must neither use nor define (uacce.h
/// and qaic_accel.h shipped `BIT()`): defining one breaks every kernel
/// file that includes the header.
fn kernel_macro(name: &str) -> Option<String> {
    const KERNEL: &[&str] = &[
        "BIT",
        "BIT_ULL",
        "BIT_MASK",
        "BIT_WORD",
        "GENMASK",
        "GENMASK_ULL",
        "FIELD_PREP",
        "FIELD_GET",
        "PAGE_SIZE",
        "PAGE_SHIFT",
        "PAGE_MASK",
        "ARRAY_SIZE",
        "ALIGN",
        "ALIGN_DOWN",
        "IS_ALIGNED",
        "DIV_ROUND_UP",
        "BITS_PER_LONG",
        "BITS_PER_BYTE",
        "U8_MAX",
        "U16_MAX",
        "U32_MAX",
        "U64_MAX",
        "S8_MAX",
        "S8_MIN",
        "S16_MAX",
        "S16_MIN",
        "S32_MAX",
        "S32_MIN",
        "S64_MAX",
        "S64_MIN",
        "SIZE_MAX",
    ];
    if KERNEL.contains(&name) {
        return Some("which the kernel already defines".into());
    }
    // linux/sizes.h: SZ_1, SZ_4K, SZ_2M, SZ_1G, ...
    if let Some(rest) = name.strip_prefix("SZ_") {
        let digits = rest.trim_end_matches(['K', 'M', 'G', 'T']);
        if !digits.is_empty()
            && digits.len() + 1 >= rest.len()
            && digits.bytes().all(|b| b.is_ascii_digit())
        {
            return Some("which the kernel's linux/sizes.h already defines".into());
        }
    }
    None
}

// ------------------------------------------------------------ control messages

impl Cx<'_> {
    /// Rules 29-31 on attribute sets and operations, and the YNL features
    /// the resolver found that no backend generates.
    fn netlink(&mut self) {
        let m = self.model;
        for n in &m.netlink.not_generated {
            let d = self
                .diag(n.rule, &n.pos, &n.message)
                .with_hint(n.hint.clone());
            self.emit(d, &[]);
        }
        for set in &m.attribute_sets {
            for a in &set.attributes {
                if a.value == 0 && a.ty != "unused" {
                    let d = self
                        .diag(
                            &rules::NETLINK_VALUE_ZERO,
                            &a.pos,
                            format!("attribute `{}` of `{}` has value 0", a.name, set.name),
                        )
                        .with_hint("number attributes from 1 (the default); reserve 0 with `{ name: unspec, type: unused, value: 0 }` if it must be named");
                    self.emit(d, &[]);
                }
                if a.ty == "binary"
                    && let Some(st) = &a.struct_
                    && let Some((s, _)) = self.find_struct(st)
                    && s.layouts.get(&NATURAL).is_some_and(|l| l.align >= 8)
                {
                    let d = self
                        .diag(
                            &rules::UNALIGNED_ATTR_STRUCT,
                            &a.pos,
                            format!(
                                "attribute `{}` carries struct `{st}`, which needs 8-byte alignment",
                                a.name
                            ),
                        )
                        .with_hint("decode it by copying the payload into a local struct (generated code does); silence with `lint-allow: [unaligned-attr-struct]` once handwritten users do too");
                    self.emit(d, &[&a.lint_allow]);
                }
            }
        }
        if let Some(ops) = &m.operations {
            for op in &ops.list {
                if op.value == 0 {
                    let d = self
                        .diag(
                            &rules::NETLINK_VALUE_ZERO,
                            &op.pos,
                            format!("operation `{}` has value 0", op.name),
                        )
                        .with_hint("number operations from 1 (the default)");
                    self.emit(d, &[]);
                }
            }
        }
        self.netlink_name_clashes();
        for (set, a) in requested_attrs(m) {
            let bounded = a.len.is_some()
                || a.max_len.is_some()
                || a.exact_len.is_some()
                || a.struct_.is_some();
            if matches!(a.ty.as_str(), "string" | "binary") && !bounded {
                let key = if a.ty == "string" {
                    "`checks: { max-len: N }`"
                } else {
                    "`checks: { max-len: N }`, `exact-len` or `struct`"
                };
                let d = self
                    .diag(
                        &rules::UNBOUNDED_ATTR_LEN,
                        &a.pos,
                        format!(
                            "{} attribute `{}` of `{set}` is sent in a request but has no length rule",
                            a.ty, a.name
                        ),
                    )
                    .with_hint(format!("add {key}"));
                self.emit(d, &[&a.lint_allow]);
            }
        }
    }
}

impl Cx<'_> {
    /// The C constants of attribute sets, operations and multicast groups
    /// (named by YNL's rules, so two items may meet in one name: set `a`'s
    /// `b-c` and set `a-b`'s `c`) must differ from each other and from
    /// the definitions' constants.
    fn netlink_name_clashes(&mut self) {
        use crate::backend::c;
        let m = self.model;
        let mut seen: std::collections::BTreeMap<String, Pos> = Default::default();
        let mut found: Vec<(Pos, String)> = Vec::new();
        let mut add = |name: String, pos: &Pos, what: &str| {
            if let Some(first) = seen.get(&name) {
                found.push((
                    pos.clone(),
                    format!(
                        "{what} becomes the C constant `{name}`, which {first} already defines"
                    ),
                ));
            } else {
                seen.insert(name, pos.clone());
            }
        };
        for e in m.enums.iter().filter(|e| e.header.is_none()) {
            for x in &e.entries {
                add(
                    c::entry_macro(&m.name, e, &x.name),
                    &x.pos,
                    &format!("entry `{}`", x.name),
                );
            }
        }
        for k in m.consts.iter().filter(|k| k.header.is_none()) {
            add(
                c::const_macro(&m.name, &k.name),
                &k.pos,
                &format!("const `{}`", k.name),
            );
        }
        for set in m.attribute_sets.iter().filter(|s| s.subset_of.is_none()) {
            for a in &set.attributes {
                add(
                    c::attr_macro(m, set, a),
                    &a.pos,
                    &format!("attribute `{}` of `{}`", a.name, set.name),
                );
            }
        }
        if let Some(ops) = &m.operations {
            for op in &ops.list {
                add(
                    c::op_macro(m, &op.name),
                    &op.pos,
                    &format!("operation `{}`", op.name),
                );
            }
        }
        for (pos, msg) in found {
            let d = self
                .diag(&rules::GENERATED_NAME_CLASH, &pos, msg)
                .with_hint("rename one of them, or give its set or enum a `name-prefix`");
            self.emit(d, &[]);
        }
    }
}

/// Every attribute a request may carry: those its operations' request
/// lists name, and everything inside the nests they reach. Each once, in
/// set order, with the name of its set.
fn requested_attrs(m: &Model) -> Vec<(&str, &crate::model::Attr)> {
    {
        let Some(ops) = &m.operations else {
            return Vec::new();
        };
        let set_of = |n: &str| m.attribute_sets.iter().find(|s| s.name == n);
        // (set, attribute) pairs still to visit, and those seen.
        let mut todo: Vec<(String, String)> = Vec::new();
        for op in &ops.list {
            let Some(set) = &op.attribute_set else {
                continue;
            };
            for mode in [&op.do_, &op.dump].into_iter().flatten() {
                for a in mode.request.iter().flatten() {
                    todo.push((set.clone(), a.clone()));
                }
            }
        }
        let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
        while let Some((set, attr)) = todo.pop() {
            if !seen.insert((set.clone(), attr.clone())) {
                continue;
            }
            let nested = set_of(&set)
                .and_then(|s| s.attributes.iter().find(|a| a.name == attr))
                .and_then(|a| a.nested_attributes.clone());
            if let Some(n) = nested
                && let Some(ns) = set_of(&n)
            {
                for a in &ns.attributes {
                    todo.push((n.clone(), a.name.clone()));
                }
            }
        }
        let mut out = Vec::new();
        for s in &m.attribute_sets {
            for a in &s.attributes {
                if seen.contains(&(s.name.clone(), a.name.clone())) {
                    out.push((s.name.as_str(), a));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_names() {
        let t = |n: &str| is_time_name(&n.split('-').collect::<Vec<_>>());
        for n in [
            "timeout",
            "timeout-ms",
            "deadline",
            "runtime",
            "start-us",
            "tv-sec",
            "nsec",
            "delay-jiffies",
        ] {
            assert!(t(n), "{n}");
        }
        for n in [
            "timeline",
            "timer-id",
            "retry-times",
            "handle",
            "nsegs",
            "status",
        ] {
            assert!(!t(n), "{n}");
        }
        let s = |n: &str| suggested_ns_name(&n.split('-').collect::<Vec<_>>());
        assert_eq!(s("timeout-ms"), "timeout-ns");
        assert_eq!(s("deadline"), "deadline-ns");
        assert_eq!(s("secs"), "time-ns");
    }

    #[test]
    fn kernel_macros() {
        for n in [
            "BIT",
            "GENMASK_ULL",
            "SZ_4K",
            "SZ_1",
            "SZ_128M",
            "PAGE_SIZE",
        ] {
            assert!(kernel_macro(n).is_some(), "{n}");
        }
        for n in ["SZ_", "SZ_K", "SZ_4KK", "SOFTACCEL_BIT", "BITS"] {
            assert!(kernel_macro(n).is_none(), "{n}");
        }
    }
}
