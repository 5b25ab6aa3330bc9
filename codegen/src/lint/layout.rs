//! Layout rules: holes, tail padding, layouts that differ per target.

use super::*;
use crate::model::StructLayout;

/// The YAML of a pad member, as hints spell it.
fn pad_yaml(name: &str, len: u32) -> String {
    format!("{{ name: {name}, type: pad, len: {len} }}")
}

/// The hole before member `i` in layout `l`: (where it starts, its
/// length).
fn hole_in(l: &StructLayout, i: usize) -> Option<(u32, u32)> {
    let end = match i.checked_sub(1) {
        None => 0,
        Some(p) => l.members.get(p).map(|m| m.offset + m.size)?,
    };
    (l.offsets[i] > end).then(|| (end, l.offsets[i] - end))
}

/// The padding after the last member in layout `l`: (its length, the
/// size).
fn tail_in(l: &StructLayout) -> Option<(u32, u32)> {
    // The furthest member end: the last member's in a struct, the
    // largest member's in a union (all at offset 0).
    let end = l
        .members
        .iter()
        .map(|m| m.offset + m.size)
        .max()
        .unwrap_or(0);
    (l.size > end).then(|| (l.size - end, l.size))
}

/// The lowest `padN` not yet used in a struct (nor suggested for it).
/// `used` starts as the names of `s`'s members when first asked: most
/// structs need no pad suggested.
fn fresh_pad(used: &mut Option<BTreeSet<String>>, s: &Struct) -> String {
    let used = used.get_or_insert_with(|| s.members.iter().map(|m| m.name.clone()).collect());
    let mut i = 0u32;
    loop {
        let name = format!("pad{i}");
        if used.insert(name.clone()) {
            return name;
        }
        i += 1;
    }
}

impl<'a> Cx<'a> {
    /// The hole before member `i` on `t`: (where it starts, its length).
    pub(super) fn hole(&self, s: &Struct, i: usize, t: Target) -> Option<(u32, u32)> {
        hole_in(s.layouts.get(&t)?, i)
    }

    /// The padding after the last member on `t`: (its length, the size).
    pub(super) fn tail(&self, s: &Struct, t: Target) -> Option<(u32, u32)> {
        tail_in(s.layouts.get(&t)?)
    }

    /// Rules 3, 4 and 5 for one struct. Returns whether any fired, so a
    /// struct embedding this one does not report the same problem again.
    pub(super) fn layout(&mut self, s: &Struct, broken: &BTreeSet<&str>) -> bool {
        // Each target's layout, found once for every rule and member.
        let layouts: Vec<(Target, &StructLayout)> = if s.layouts.keys().eq(&self.model.targets) {
            // The usual case: a layout for every target, listed in the
            // map's order (the default targets are): one walk of the map
            // in place of a lookup per target.
            s.layouts.iter().map(|(&t, l)| (t, l)).collect()
        } else {
            self.model
                .targets
                .iter()
                .filter_map(|&t| Some((t, s.layouts.get(&t)?)))
                .collect()
        };
        let targets: Vec<Target> = layouts.iter().map(|&(t, _)| t).collect();
        if targets.is_empty() {
            return false;
        }
        // Only consulted when the spec's own targets all align 64-bit
        // members to 4 (i386 alone): then a natural ABI is the one that
        // would differ.
        let natural =
            (!targets.contains(&NATURAL) && s.layouts.contains_key(&NATURAL)).then_some(NATURAL);
        let mut used: Option<BTreeSet<String>> = None;
        let mut fired = self.holes(s, &layouts, &targets, natural, &mut used);
        fired |= self.tail_padding(s, &layouts, &targets, natural, &mut used);
        if fired {
            return true;
        }

        self.inherited_difference(s, &layouts, &targets, broken)
    }

    /// Rule 3: holes before members. True when one was reported.
    fn holes(
        &mut self,
        s: &Struct,
        layouts: &[(Target, &StructLayout)],
        targets: &[Target],
        natural: Option<Target>,
        used: &mut Option<BTreeSet<String>>,
    ) -> bool {
        let mut fired = false;
        for (i, m) in s.members.iter().enumerate() {
            let holes: Vec<(Target, (u32, u32))> = layouts
                .iter()
                .filter_map(|&(t, l)| Some((t, hole_in(l, i)?)))
                .collect();
            let (msg, pad_len) = if !holes.is_empty() {
                let groups = crate::target::group(holes.iter().copied());
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
            let pad = fresh_pad(used, s);
            let msg = format!("{msg}{}", self.consequence(s));
            let d = self
                .diag(&rules::IMPLICIT_PADDING, &m.pos, msg)
                .with_hint(format!(
                    "insert `{}` before `{}`",
                    pad_yaml(&pad, pad_len),
                    m.name
                ))
                .with_fix(Fix::InsertItemBefore {
                    at: m.pos.clone(),
                    item: pad_yaml(&pad, pad_len),
                });
            self.emit_for(d, &[&s.lint_allow], s.existing_abi);
            fired = true;
        }
        fired
    }

    /// Rule 4: padding after the last member. True when it was reported.
    fn tail_padding(
        &mut self,
        s: &Struct,
        layouts: &[(Target, &StructLayout)],
        targets: &[Target],
        natural: Option<Target>,
        used: &mut Option<BTreeSet<String>>,
    ) -> bool {
        let tails: Vec<(Target, (u32, u32))> = layouts
            .iter()
            .filter_map(|&(t, l)| Some((t, tail_in(l)?)))
            .collect();
        let tail = if !tails.is_empty() {
            let groups = crate::target::group(tails.iter().copied());
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
            let pad = fresh_pad(used, s);
            let msg = format!("{msg}{}", self.consequence(s));
            let mut d = self
                .diag(&rules::IMPLICIT_TAIL_PADDING, &s.pos, msg)
                .with_hint(format!("append `{}` {after}", pad_yaml(&pad, pad_len)));
            if let Some(last) = s.members.last() {
                d = d.with_fix(Fix::InsertItemAfter {
                    at: last.pos.clone(),
                    item: pad_yaml(&pad, pad_len),
                });
            }
            self.emit_for(d, &[&s.lint_allow], s.existing_abi);
            return true;
        }
        false
    }

    /// True when the struct's layout differs between targets in a way
    /// rules 3 and 4 did not report.
    fn inherited_difference(
        &mut self,
        s: &Struct,
        layouts: &[(Target, &StructLayout)],
        targets: &[Target],
        broken: &BTreeSet<&str>,
    ) -> bool {
        // Rule 5: what is left is a difference inherited from an embedded
        // struct. One of this spec's own structs already reported it where
        // it can be fixed; one of an included spec did so only when that
        // spec was linted, so it is reported here, at the embedding member.
        // Alignment legitimately differs (4 for a u64 on i386); only what
        // C code can observe, size and offsets, must agree.
        let Some(&(_, first)) = layouts.first() else {
            return false;
        };
        if layouts
            .iter()
            .all(|(_, l)| l.size == first.size && l.offsets == first.offsets)
        {
            return false;
        }
        let differs = |i: usize| {
            let key = |t: &Target| s.layouts[t].members.get(i).map(|m| (m.offset, m.size));
            targets.iter().any(|t| key(t) != key(&targets[0]))
        };
        let d = match (0..s.members.len()).find(|&i| differs(i)) {
            Some(i) => {
                let m = &s.members[i];
                if let Some(id) = m.kind.embedded_struct() {
                    let (name, owner) = (&self.struct_(id).name, id.spec());
                    if owner == self.model.name {
                        return broken.contains(name.as_str());
                    }
                    let size = |t: Target| s.layouts.get(&t).and_then(|l| l.members.get(i));
                    let sizes = self.by_value(targets, |t| size(t).map_or(0, |m| m.size), bytes);
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
                        self.by_value(targets, |t| s.layouts[&t].offsets[i], |v| v.to_string());
                    let msg = format!("`{}` of struct `{}` is at offset {offs}", m.name, s.name);
                    self.diag(&rules::LAYOUT_DIFFERS, &m.pos, msg)
                        .with_hint("make every hole an explicit `pad` member")
                }
            }
            None => {
                let sizes = self.by_value(targets, |t| s.layouts[&t].size, bytes);
                self.diag(
                    &rules::LAYOUT_DIFFERS,
                    &s.pos,
                    format!("struct `{}` is {sizes}", s.name),
                )
                .with_hint("make the tail padding an explicit `pad` member")
            }
        };
        self.emit_for(d, &[&s.lint_allow], s.existing_abi);
        true
    }

    /// What a struct's per-target layout causes beyond its own bytes:
    /// ", so ioctl `submit` is 0xc0206441 on x86_64 but 0xc01c6441 on
    /// i386" for each ioctl carrying it whose command number differs.
    fn consequence(&self, s: &Struct) -> String {
        let targets = &self.model.targets;
        let parts: Vec<String> = self
            .model
            .ioctls
            .iter()
            .filter(|io| {
                io.arg.as_ref().is_some_and(|id| {
                    id.spec() == self.model.name && self.struct_(id).name == s.name
                })
            })
            .filter_map(|io| {
                let cmd = |t: Target| io.cmds.get(&t).copied().flatten().unwrap_or(0);
                if targets.iter().all(|t| cmd(*t) == cmd(targets[0])) {
                    return None;
                }
                let cmds = self.by_value(targets, cmd, |c| format!("{c:#010x}"));
                Some(format!("ioctl `{}` is {cmds}", io.name))
            })
            .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!(", so {}", join_names(&parts))
        }
    }

    /// "16 bytes on x86_64 and aarch64 but 12 bytes on i386" style text
    /// ("a on x, b on y and c on z" for three values or more).
    pub(super) fn by_value(
        &self,
        targets: &[Target],
        f: impl Fn(Target) -> u32,
        show: impl Fn(u32) -> String,
    ) -> String {
        let groups = crate::target::group_by(targets, f);
        let parts: Vec<String> = groups
            .iter()
            .map(|(v, ts)| format!("{} on {}", show(*v), self.on(ts)))
            .collect();
        if parts.len() == 2 {
            parts.join(" but ")
        } else {
            join_names(&parts)
        }
    }
}
