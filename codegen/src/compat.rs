//! Compatibility of a spec's new revision with an old one: the evolution
//! rules of lint-rules.md (20-24) and spec-language.md's Versioning
//! section, checked on two canonical ABI dumps ([`crate::dump`]).
//!
//! Every finding is a break for some existing binary or source, so every
//! finding is an error; compatible changes (an appended member, a reused
//! pad, a new entry) produce no finding, only a note in
//! [`Report::compatible`] so a reviewer sees what a revision adds.
//! Positions point into the new side ([`Locator`]): the spec when the new
//! side is a spec, else the dump file.
//!
//! Decisions the spec language leaves open, made here:
//! - Growth: both `zero-extend` and `strict` ioctls let their argument
//!   struct grow at the end (the generated dispatch matches on nr and
//!   takes the caller's size from the command). A struct whose size is
//!   part of another layout (nested in a struct, the element of a
//!   `user-ptr` array, a ring entry, an attribute's payload) cannot grow,
//!   nor can the argument of an ioctl without an extension rule.
//! - Zero value: a new member the kernel reads must accept 0, since old
//!   binaries pass 0 there (zero-extension or old pad). A `range` that
//!   excludes 0, or an enum check whose enum has no 0 entry, makes it
//!   required, which breaks them. New flags are always fine.
//! - Pads are matched by place, not by name: renaming a pad is not a
//!   change, and a pad may be split into new members and smaller pads.
//! - A removed item and an added one with the same number (and, for
//!   ioctls, attributes and operations, the same command / type /
//!   attribute set) are reported as one rename; with a different meaning,
//!   the new item is reported as reusing a retired number.

use crate::diag::{Diagnostic, Diagnostics};
use crate::dump::{Checks, Dump, LayoutDump, Locator, MemberDump, StructDump, read_by_kernel};
use crate::model::Scalar;
use crate::rules::{self, Rule};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// The outcome of one comparison.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Breaking changes, sorted by position.
    pub findings: Vec<Diagnostic>,
    /// Compatible changes, in dump order, for people.
    pub compatible: Vec<String>,
}

impl Report {
    pub fn is_breaking(&self) -> bool {
        !self.findings.is_empty()
    }
}

/// Compares the new revision of a spec with an old one. `loc` locates
/// paths of the new side.
pub fn compare(old: &Dump, new: &Dump, loc: &Locator) -> Report {
    let mut cx = Cx {
        old,
        new,
        loc,
        findings: Diagnostics::default(),
        seen: BTreeSet::new(),
        notes: Vec::new(),
        struct_renames: BTreeMap::new(),
        enum_renames: BTreeMap::new(),
        set_renames: BTreeMap::new(),
    };
    cx.spec_level();
    cx.consts();
    cx.enums("enums");
    cx.enums("flags");
    cx.structs();
    cx.ioctls();
    cx.rings();
    cx.attribute_sets();
    cx.operations();
    Report {
        findings: cx.findings.sorted(),
        compatible: cx.notes,
    }
}

struct Cx<'a> {
    old: &'a Dump,
    new: &'a Dump,
    loc: &'a Locator,
    findings: Diagnostics,
    /// Findings already reported: structs are compared on every target
    /// whose layouts differ from another's (i386's alignment), and the
    /// same finding is reported once.
    seen: BTreeSet<(&'static str, String, String)>,
    notes: Vec<String>,
    /// Old name -> new name of renamed items, so references through a
    /// renamed item are not reported again.
    struct_renames: BTreeMap<String, String>,
    enum_renames: BTreeMap<String, String>,
    set_renames: BTreeMap<String, String>,
}

/// Pairs removed and added items that `same` says are one item renamed,
/// when the match is unique on both sides.
fn pair_renames<T>(
    old: &BTreeMap<String, T>,
    new: &BTreeMap<String, T>,
    same: impl Fn(&T, &T) -> bool,
) -> BTreeMap<String, String> {
    let removed: Vec<&String> = old.keys().filter(|k| !new.contains_key(*k)).collect();
    let added: Vec<&String> = new.keys().filter(|k| !old.contains_key(*k)).collect();
    let mut out = BTreeMap::new();
    for &r in &removed {
        let cands: Vec<&String> = added
            .iter()
            .copied()
            .filter(|&a| same(&old[r], &new[a]))
            .collect();
        if let [a] = cands.as_slice() {
            let back = removed
                .iter()
                .filter(|&&r2| same(&old[r2], &new[*a]))
                .count();
            if back == 1 {
                out.insert(r.clone(), (*a).clone());
            }
        }
    }
    out
}

fn hex(v: u64) -> String {
    format!("{v:#x}")
}

/// How a member's type reads in messages.
fn type_text(m: &MemberDump) -> String {
    let mut s = match m.ty.as_str() {
        "pad" | "binary" | "string" => format!("{}[{}]", m.ty, m.len.unwrap_or(0)),
        "struct" => format!("struct {}", m.struct_.as_deref().unwrap_or("?")),
        "user-ptr" => match (&m.elem, &m.elem_struct) {
            (Some(e), _) => format!("user-ptr to {e}"),
            (_, Some(s)) => format!("user-ptr to struct {s}"),
            _ => "user-ptr".to_string(),
        },
        t => match m.count {
            Some(n) => format!("{t}[{n}]"),
            None => t.to_string(),
        },
    };
    if let Some(c) = m.count_member.as_ref().or(m.len_member.as_ref()) {
        s.push_str(&format!(" (length in `{c}`)"));
    }
    if let Some(b) = &m.byte_order {
        s.push_str(&format!(" ({b})"));
    }
    s
}

/// Bounds of a scalar type name, for comparing ranges with absent ones.
fn bounds(ty: &str) -> (i128, i128) {
    Scalar::from_name(ty).map_or((i128::MIN, i128::MAX), Scalar::bounds)
}

impl Cx<'_> {
    fn report(&mut self, rule: &'static Rule, path: &str, msg: String, hint: impl Into<String>) {
        if !self.seen.insert((rule.id, path.to_string(), msg.clone())) {
            return;
        }
        self.findings
            .push(Diagnostic::error(rule, self.loc.pos(path), msg).with_hint(hint));
    }

    fn note(&mut self, msg: String) {
        if !self.notes.contains(&msg) {
            self.notes.push(msg);
        }
    }

    /// Whether new items are judged at all: without a revision bump the
    /// one finding is `revision-not-bumped`.
    fn bumped(&self) -> bool {
        self.new.revision > self.old.revision
    }

    /// A new item's `since` must lie after the old revision and at most
    /// at the new one (the new revision itself when the old is the
    /// latest frozen one).
    fn since_new(&mut self, what: &str, since: u32, path: &str) {
        if !self.bumped() || (since > self.old.revision && since <= self.new.revision) {
            return;
        }
        self.report(
            &rules::WRONG_SINCE,
            path,
            format!(
                "{what} is new (not in revision {}) but has `since: {since}`",
                self.old.revision
            ),
            format!("write `since: {}` (the new revision)", self.new.revision),
        );
    }

    fn since_same(&mut self, what: &str, old: u32, new: u32, path: &str) {
        if old != new {
            self.report(
                &rules::WRONG_SINCE,
                path,
                format!(
                    "{what} had `since: {old}` in revision {}; now `since: {new}`",
                    self.old.revision
                ),
                format!("restore `since: {old}`: an item's since never changes"),
            );
        }
    }

    fn renamed(&mut self, what: &str, old: &str, new: &str, path: &str) {
        self.report(
            &rules::RENAMED_ITEM,
            path,
            format!("{what} `{old}` was renamed to `{new}`"),
            format!(
                "keep the name `{old}`: sources use the identifiers generated from it (document a better name in `doc:`)"
            ),
        );
    }

    fn map_struct(&self, old: &str) -> String {
        self.struct_renames
            .get(old)
            .cloned()
            .unwrap_or_else(|| old.to_string())
    }

    fn map_enum(&self, old: &str) -> String {
        self.enum_renames
            .get(old)
            .cloned()
            .unwrap_or_else(|| old.to_string())
    }

    fn map_set(&self, old: &str) -> String {
        self.set_renames
            .get(old)
            .cloned()
            .unwrap_or_else(|| old.to_string())
    }

    fn common_targets(&self) -> Vec<String> {
        self.old
            .targets
            .iter()
            .filter(|t| self.new.targets.contains(t))
            .cloned()
            .collect()
    }

    fn spec_level(&mut self) {
        let (old, new) = (self.old, self.new);
        if old.spec != new.spec {
            self.report(
                &rules::RENAMED_ITEM,
                "",
                format!("spec `{}` was renamed to `{}`", old.spec, new.spec),
                format!(
                    "keep `name: {}`: it prefixes every generated identifier",
                    old.spec
                ),
            );
        }
        if new.revision < old.revision {
            self.report(
                &rules::REVISION_NOT_BUMPED,
                "revision",
                format!(
                    "revision {} is lower than revision {} it is compared with",
                    new.revision, old.revision
                ),
                format!(
                    "a revision only grows: set `revision: {}` or higher",
                    old.revision + 1
                ),
            );
        } else if new.revision == old.revision {
            let mut a = old.clone();
            let mut b = new.clone();
            a.revision = 0;
            b.revision = 0;
            if a != b {
                self.report(
                    &rules::REVISION_NOT_BUMPED,
                    "revision",
                    format!(
                        "the ABI differs from revision {} but `revision` is still {}",
                        old.revision, new.revision
                    ),
                    format!(
                        "set `revision: {}` and `since: {}` on every new item",
                        old.revision + 1,
                        old.revision + 1
                    ),
                );
            }
        }
        if let (Some(a), Some(b)) = (old.ioctl_magic, new.ioctl_magic)
            && a != b
        {
            self.report(
                &rules::IOCTL_COMMAND_CHANGED,
                "ioctl-magic",
                format!(
                    "the ioctl magic changed from {} to {}: every command number changes",
                    hex(a.into()),
                    hex(b.into())
                ),
                format!("restore `magic: {}`", hex(a.into())),
            );
        }
        for t in &old.targets {
            if !new.targets.contains(t) {
                self.report(
                    &rules::REMOVED_ITEM,
                    "targets",
                    format!("target `{t}` was dropped from `targets`"),
                    "keep the target: binaries for it exist",
                );
            }
        }
        for t in &new.targets {
            if !old.targets.contains(t) {
                self.note(format!("added target `{t}`"));
            }
        }
    }

    fn consts(&mut self) {
        let (old, new) = (self.old, self.new);
        let renames = pair_renames(&old.consts, &new.consts, |a, b| a.value == b.value);
        for (name, o) in &old.consts {
            let (nname, n) = match (new.consts.get(name), renames.get(name)) {
                (Some(n), _) => (name.clone(), n),
                (None, Some(r)) => {
                    self.renamed("const", name, r, &format!("consts/{r}"));
                    (r.clone(), &new.consts[r])
                }
                (None, None) => {
                    self.report(
                        &rules::REMOVED_ITEM,
                        "consts",
                        format!("const `{name}` (value {}) was removed", o.value),
                        "keep the const: sources use it (document it as obsolete in `doc:`)",
                    );
                    continue;
                }
            };
            let path = format!("consts/{nname}");
            if o.value != n.value {
                self.report(
                    &rules::RENUMBERED,
                    &path,
                    format!(
                        "const `{nname}` changed value from {} to {}",
                        o.value, n.value
                    ),
                    "a const is compiled into old binaries: keep its value and add a new const (or a parameter the kernel reports) for the new one",
                );
            }
            self.since_same(&format!("const `{nname}`"), o.since, n.since, &path);
        }
        let renamed: BTreeSet<&String> = renames.values().collect();
        for (name, n) in &new.consts {
            if !old.consts.contains_key(name) && !renamed.contains(name) {
                self.since_new(
                    &format!("const `{name}`"),
                    n.since,
                    &format!("consts/{name}"),
                );
                self.note(format!("added const `{name}` = {}", n.value));
            }
        }
    }

    fn enums(&mut self, section: &'static str) {
        let (old, new) = (self.old, self.new);
        let (olds, news) = if section == "enums" {
            (&old.enums, &new.enums)
        } else {
            (&old.flags, &new.flags)
        };
        let kind = if section == "enums" { "enum" } else { "flags" };
        let show = |v: u64| {
            if section == "flags" {
                hex(v)
            } else {
                v.to_string()
            }
        };
        let renames = pair_renames(olds, news, |a, b| {
            a.entries.len() == b.entries.len()
                && a.entries
                    .iter()
                    .all(|(k, e)| b.entries.get(k).is_some_and(|f| f.value == e.value))
        });
        self.enum_renames.extend(renames.clone());
        for (name, o) in olds {
            let (nname, n) = match (news.get(name), renames.get(name)) {
                (Some(n), _) => (name.clone(), n),
                (None, Some(r)) => {
                    self.renamed(kind, name, r, &format!("{section}/{r}"));
                    (r.clone(), &news[r])
                }
                (None, None) => {
                    self.report(
                        &rules::REMOVED_ITEM,
                        section,
                        format!("{kind} `{name}` was removed"),
                        format!("keep the {kind}: sources use its entries"),
                    );
                    continue;
                }
            };
            let base = format!("{section}/{nname}");
            self.since_same(&format!("{kind} `{nname}`"), o.since, n.since, &base);
            let added: Vec<&String> = n
                .entries
                .keys()
                .filter(|k| !o.entries.contains_key(*k))
                .collect();
            let mut taken: BTreeSet<&String> = BTreeSet::new();
            for (ename, oe) in &o.entries {
                match n.entries.get(ename) {
                    Some(ne) => {
                        let path = format!("{base}/entries/{ename}");
                        if ne.value != oe.value {
                            self.report(
                                &rules::RENUMBERED,
                                &path,
                                format!(
                                    "entry `{ename}` of {kind} `{nname}` changed value from {} to {}",
                                    show(oe.value),
                                    show(ne.value)
                                ),
                                format!(
                                    "restore value {}: old binaries send and compare it",
                                    show(oe.value)
                                ),
                            );
                        }
                        self.since_same(
                            &format!("entry `{ename}` of {kind} `{nname}`"),
                            oe.since,
                            ne.since,
                            &path,
                        );
                    }
                    None => {
                        let twin = added
                            .iter()
                            .find(|a| n.entries[**a].value == oe.value && !taken.contains(**a));
                        if let Some(a) = twin {
                            taken.insert(a);
                            self.renamed(
                                &format!("entry of {kind} `{nname}`"),
                                ename,
                                a,
                                &format!("{base}/entries/{a}"),
                            );
                        } else {
                            self.report(
                                &rules::REMOVED_ENTRY,
                                &base,
                                format!(
                                    "entry `{ename}` ({}) was removed from {kind} `{nname}`",
                                    show(oe.value)
                                ),
                                "keep the entry: old binaries still use it (document it as obsolete, or reject it at run time with an error they understand)",
                            );
                        }
                    }
                }
            }
            for a in added {
                if taken.contains(a) {
                    continue;
                }
                let ne = &n.entries[a];
                self.since_new(
                    &format!("entry `{a}` of {kind} `{nname}`"),
                    ne.since,
                    &format!("{base}/entries/{a}"),
                );
                self.note(format!(
                    "{kind} `{nname}` gained `{a}` = {}",
                    show(ne.value)
                ));
            }
        }
        let renamed: BTreeSet<&String> = renames.values().collect();
        for (name, n) in news {
            if !olds.contains_key(name) && !renamed.contains(name) {
                self.since_new(
                    &format!("{kind} `{name}`"),
                    n.since,
                    &format!("{section}/{name}"),
                );
                self.note(format!("added {kind} `{name}`"));
            }
        }
    }

    fn structs(&mut self) {
        let (old, new) = (self.old, self.new);
        let renames = pair_renames(&old.structs, &new.structs, |a, b| {
            a.layouts == b.layouts
                && a.members.len() == b.members.len()
                && a.members.iter().zip(&b.members).all(|(x, y)| {
                    let mut x = x.clone();
                    x.since = y.since;
                    &x == y
                })
        });
        self.struct_renames = renames.clone();
        for (name, o) in &old.structs {
            let (nname, n) = match (new.structs.get(name), renames.get(name)) {
                (Some(n), _) => (name.clone(), n),
                (None, Some(r)) => {
                    self.renamed("struct", name, r, &format!("structs/{r}"));
                    (r.clone(), &new.structs[r])
                }
                (None, None) => {
                    self.report(
                        &rules::REMOVED_ITEM,
                        "structs",
                        format!("struct `{name}` was removed"),
                        "keep the struct: binaries and sources use its layout",
                    );
                    continue;
                }
            };
            self.since_same(
                &format!("struct `{nname}`"),
                o.since,
                n.since,
                &format!("structs/{nname}"),
            );
            let mut done: Vec<(&LayoutDump, &LayoutDump)> = Vec::new();
            for t in self.common_targets() {
                if let (Some(ol), Some(nl)) = (o.layouts.get(&t), n.layouts.get(&t)) {
                    let same = |a: &LayoutDump, b: &LayoutDump| {
                        (a.size, &a.offsets, &a.sizes) == (b.size, &b.offsets, &b.sizes)
                    };
                    if !done.iter().any(|(a, b)| same(a, ol) && same(b, nl)) {
                        done.push((ol, nl));
                        self.layout(&nname, o, n, ol, nl);
                    }
                }
            }
        }
        let renamed: BTreeSet<&String> = renames.values().collect();
        for (name, n) in &new.structs {
            if !old.structs.contains_key(name) && !renamed.contains(name) {
                self.since_new(
                    &format!("struct `{name}`"),
                    n.since,
                    &format!("structs/{name}"),
                );
                self.note(format!("added struct `{name}`"));
            }
        }
    }

    /// Why a struct may not grow, if it may not: every place its size is
    /// part of, in the old or the new revision (named as in the new).
    fn growth_forbidden(&self, name: &str) -> Option<String> {
        let mut why = BTreeSet::new();
        for (d, is_old) in [(self.old, true), (self.new, false)] {
            let m = |s: &str| {
                if is_old {
                    self.map_struct(s)
                } else {
                    s.to_string()
                }
            };
            for (sname, s) in &d.structs {
                let sname = m(sname);
                for mem in &s.members {
                    if mem.struct_.as_deref().is_some_and(|x| m(x) == name) {
                        why.insert(format!("it is nested in struct `{sname}`"));
                    }
                    if mem.elem_struct.as_deref().is_some_and(|x| m(x) == name) {
                        why.insert(format!(
                            "it is the element of the array `{sname}.{}` (its size is the stride)",
                            mem.name
                        ));
                    }
                }
            }
            for (rname, r) in &d.rings {
                if m(&r.entry) == name {
                    why.insert(format!("it is the entry of ring `{rname}`"));
                }
            }
            for (sname, set) in &d.attribute_sets {
                for (aname, a) in &set.attributes {
                    if a.struct_.as_deref().is_some_and(|x| m(x) == name) {
                        why.insert(format!("it is the payload of attribute `{sname}.{aname}`"));
                    }
                }
            }
            for (iname, i) in &d.ioctls {
                if i.arg.as_deref().is_some_and(|x| m(x) == name) && i.extension.is_none() {
                    why.insert(format!("ioctl `{iname}` declares no extension rule"));
                }
            }
        }
        (!why.is_empty()).then(|| why.into_iter().collect::<Vec<_>>().join(", "))
    }

    /// Why 0 is not accepted by a member the kernel reads, if it is not.
    fn zero_rejected(&self, ty: &str, access: &str, checks: &Checks) -> Option<String> {
        if !read_by_kernel(access) {
            return None;
        }
        let (lo, hi) = bounds(ty);
        let min = checks.min.unwrap_or(lo);
        let max = checks.max.unwrap_or(hi);
        if min > 0 || max < 0 {
            return Some(format!("its range {min}..={max} rejects 0"));
        }
        if let Some(e) = &checks.enum_
            && let Some(en) = self.new.enums.get(e)
            && !en.entries.values().any(|x| x.value == 0)
        {
            return Some(format!("enum `{e}` has no entry with value 0"));
        }
        None
    }

    /// What the new checks reject that the old ones accepted.
    fn narrowed(&self, ty: &str, o: &Checks, n: &Checks) -> Vec<String> {
        let mut out = Vec::new();
        let o_enum = o.enum_.as_deref().map(|e| self.map_enum(e));
        let o_flags = o.flags.as_deref().map(|e| self.map_enum(e));
        match (&o_enum, &n.enum_) {
            (None, Some(e)) => out.push(format!("it is now checked against enum `{e}`")),
            (Some(a), Some(b)) if a != b => {
                out.push(format!("it is checked against enum `{b}` instead of `{a}`"))
            }
            _ => {}
        }
        match (&o_flags, &n.flags) {
            (None, Some(e)) => out.push(format!("it is now checked against flags `{e}`")),
            (Some(a), Some(b)) if a != b => out.push(format!(
                "it is checked against flags `{b}` instead of `{a}`"
            )),
            _ => {}
        }
        let (lo, hi) = bounds(ty);
        let (omin, nmin) = (o.min.unwrap_or(lo), n.min.unwrap_or(lo));
        let (omax, nmax) = (o.max.unwrap_or(hi), n.max.unwrap_or(hi));
        if nmin > omin {
            out.push(format!("its minimum rose from {omin} to {nmin}"));
        }
        if nmax < omax {
            out.push(format!("its maximum fell from {omax} to {nmax}"));
        }
        let less = |a: Option<u64>, b: Option<u64>| b.is_some_and(|b| a.is_none_or(|a| b < a));
        if less(o.max_count, n.max_count) {
            out.push(format!(
                "its max-count fell to {}",
                n.max_count.unwrap_or_default()
            ));
        }
        if less(o.max_len, n.max_len) {
            out.push(format!(
                "its max-len fell to {}",
                n.max_len.unwrap_or_default()
            ));
        }
        if n.min_len.unwrap_or(0) > o.min_len.unwrap_or(0) {
            out.push(format!(
                "its min-len rose to {}",
                n.min_len.unwrap_or_default()
            ));
        }
        if n.exact_len.is_some() && n.exact_len != o.exact_len {
            out.push(format!(
                "its exact-len is now {}",
                n.exact_len.unwrap_or_default()
            ));
        }
        out
    }

    /// One struct on one target.
    fn layout(
        &mut self,
        name: &str,
        o: &StructDump,
        n: &StructDump,
        ol: &LayoutDump,
        nl: &LayoutDump,
    ) {
        let spath = format!("structs/{name}");
        let mpath = |j: usize| format!("structs/{name}/members/{j}");
        let (om, nm) = (&o.members, &n.members);
        let is_pad = |m: &MemberDump| m.ty == "pad";
        let old_names: BTreeSet<&str> = om.iter().map(|m| m.name.as_str()).collect();
        let mut new_of_old: Vec<Option<usize>> = vec![None; om.len()];
        let mut old_of_new: Vec<Option<usize>> = vec![None; nm.len()];
        // Offsets (old layout) from which later members move as a
        // consequence of a change already reported.
        let mut causes: Vec<u32> = Vec::new();

        for (i, m) in om.iter().enumerate().filter(|(_, m)| !is_pad(m)) {
            if let Some(j) = nm.iter().position(|x| x.name == m.name && !is_pad(x)) {
                new_of_old[i] = Some(j);
                old_of_new[j] = Some(i);
            }
        }
        // An unmatched old member and an unknown new one at its offset
        // are one member renamed.
        for (i, m) in om.iter().enumerate() {
            if is_pad(m) || new_of_old[i].is_some() {
                continue;
            }
            let twin = (0..nm.len()).find(|&j| {
                old_of_new[j].is_none()
                    && !is_pad(&nm[j])
                    && !old_names.contains(nm[j].name.as_str())
                    && nl.offsets[j] == ol.offsets[i]
            });
            if let Some(j) = twin {
                new_of_old[i] = Some(j);
                old_of_new[j] = Some(i);
                self.renamed(
                    &format!("member of struct `{name}`"),
                    &m.name,
                    &nm[j].name,
                    &mpath(j),
                );
            }
        }
        let mut explained = vec![false; nm.len()];
        for (i, m) in om.iter().enumerate() {
            if is_pad(m) || new_of_old[i].is_some() {
                continue;
            }
            let pad = (0..nm.len())
                .find(|&j| is_pad(&nm[j]) && !explained[j] && nl.offsets[j] == ol.offsets[i]);
            if let Some(j) = pad {
                explained[j] = true;
                if nl.sizes[j] != ol.sizes[i] {
                    causes.push(ol.offsets[i]);
                }
                self.report(
                    &rules::MEMBER_TO_PAD,
                    &mpath(j),
                    format!("member `{}` of struct `{name}` became pad", m.name),
                    "keep the member and document that the kernel ignores it: old binaries still set it, and non-zero pad is rejected",
                );
            } else {
                causes.push(ol.offsets[i]);
                self.report(
                    &rules::REMOVED_MEMBER,
                    &spath,
                    format!(
                        "member `{}` (offset {}) was removed from struct `{name}`",
                        m.name, ol.offsets[i]
                    ),
                    "keep the member (document it as ignored if it is obsolete); its bytes stay in the layout",
                );
            }
        }

        // Matched members: type, access, checks, since, order.
        let mut max_j: Option<usize> = None;
        let mut reordered = false;
        for (i, m) in om.iter().enumerate() {
            let Some(j) = new_of_old[i] else { continue };
            let x = &nm[j];
            let mut mapped = m.clone();
            mapped.name = x.name.clone();
            mapped.since = x.since;
            mapped.access = x.access.clone();
            mapped.checks = x.checks.clone();
            mapped.struct_ = m.struct_.as_deref().map(|s| self.map_struct(s));
            mapped.elem_struct = m.elem_struct.as_deref().map(|s| self.map_struct(s));
            if ol.sizes[i] != nl.sizes[j] {
                causes.push(ol.offsets[i]);
                self.report(
                    &rules::MEMBER_RESIZED,
                    &format!("{}/type", mpath(j)),
                    format!(
                        "member `{}` of struct `{name}` changed size from {} to {} bytes ({} -> {})",
                        x.name,
                        ol.sizes[i],
                        nl.sizes[j],
                        type_text(m),
                        type_text(x)
                    ),
                    format!(
                        "keep `{}` as it was; add a new member at the end (and bump revision) for the new value",
                        x.name
                    ),
                );
            } else if &mapped != x {
                self.report(
                    &rules::MEMBER_RETYPED,
                    &format!("{}/type", mpath(j)),
                    format!(
                        "member `{}` of struct `{name}` changed type from {} to {}",
                        x.name,
                        type_text(m),
                        type_text(x)
                    ),
                    format!(
                        "keep `{}` as it was; add a new member at the end (and bump revision) for the new type",
                        x.name
                    ),
                );
            }
            if m.access != x.access {
                self.report(
                    &rules::MEMBER_ACCESS_CHANGED,
                    &mpath(j),
                    format!(
                        "member `{}` of struct `{name}` changed access from `{}` to `{}`",
                        x.name, m.access, x.access
                    ),
                    format!(
                        "restore `access: {}`; add a new member for the new direction",
                        m.access
                    ),
                );
            }
            if read_by_kernel(&x.access) {
                let why = self.narrowed(&x.ty, &m.checks, &x.checks);
                if !why.is_empty() {
                    self.report(
                        &rules::CHECKS_NARROWED,
                        &mpath(j),
                        format!(
                            "member `{}` of struct `{name}` accepts less than before: {}",
                            x.name,
                            why.join("; ")
                        ),
                        "accept every value the old revision accepted; check new constraints only for new members or new flags",
                    );
                } else if m.checks != x.checks {
                    self.note(format!(
                        "member `{}` of struct `{name}` accepts more values",
                        x.name
                    ));
                }
            }
            self.since_same(
                &format!("member `{}` of struct `{name}`", x.name),
                m.since,
                x.since,
                &mpath(j),
            );
            if let Some(mj) = max_j
                && j < mj
                && !reordered
            {
                reordered = true;
                causes.push(0);
                self.report(
                    &rules::MEMBER_REORDERED,
                    &mpath(j),
                    format!(
                        "member `{}` of struct `{name}` now comes before `{}`",
                        x.name, nm[mj].name
                    ),
                    "restore the old order; new members go at the end",
                );
            }
            max_j = Some(max_j.map_or(j, |mj| mj.max(j)));
        }

        // New members: into old pad, at the end, or inserted.
        let mut free = vec![false; ol.size as usize];
        for (i, m) in om.iter().enumerate() {
            if is_pad(m) {
                let (a, b) = (
                    ol.offsets[i] as usize,
                    (ol.offsets[i] + ol.sizes[i]) as usize,
                );
                for f in free.iter_mut().take(b.min(ol.size as usize)).skip(a) {
                    *f = true;
                }
            }
        }
        let mut appended: Vec<usize> = Vec::new();
        for (j, x) in nm.iter().enumerate() {
            if old_of_new[j].is_some() || explained[j] {
                continue;
            }
            let (a, b) = (nl.offsets[j], nl.offsets[j] + nl.sizes[j]);
            let fits = (a..b).all(|k| k >= ol.size || free[k as usize]);
            if !fits && is_pad(x) {
                // The members it pushes aside are reported as moved.
                continue;
            }
            if !fits {
                causes.push(a);
                let before = nm[j + 1..]
                    .iter()
                    .find(|m| !is_pad(m))
                    .map(|m| format!(", before `{}`", m.name))
                    .unwrap_or_default();
                self.report(
                    &rules::MEMBER_INSERTED,
                    &mpath(j),
                    format!(
                        "member `{}` was inserted in the middle of struct `{name}` (offset {a}{before})",
                        x.name
                    ),
                    "append the member at the end (or put it in place of a pad) and bump revision",
                );
                continue;
            }
            if is_pad(x) {
                continue;
            }
            self.since_new(
                &format!("member `{}` of struct `{name}`", x.name),
                x.since,
                &mpath(j),
            );
            if let Some(why) = self.zero_rejected(&x.ty, &x.access, &x.checks) {
                self.report(
                    &rules::NEW_MEMBER_REQUIRED,
                    &mpath(j),
                    format!(
                        "new member `{}` of struct `{name}` must not be 0, but old binaries pass 0 there: {why}",
                        x.name
                    ),
                    "make 0 mean the old behaviour (accept 0 in `range`, or give the enum a 0 entry that keeps the old behaviour)",
                );
            }
            if b > ol.size {
                appended.push(j);
            } else {
                self.note(format!(
                    "struct `{name}`: pad at offset {a} became member `{}`",
                    x.name
                ));
            }
        }

        // Offsets of members that stayed.
        for (i, m) in om.iter().enumerate() {
            let Some(j) = new_of_old[i] else { continue };
            if ol.offsets[i] == nl.offsets[j] || causes.iter().any(|&c| c <= ol.offsets[i]) {
                continue;
            }
            causes.push(ol.offsets[i]);
            self.report(
                &rules::MEMBER_MOVED,
                &mpath(j),
                format!(
                    "member `{}` of struct `{name}` moved from offset {} to {}",
                    m.name, ol.offsets[i], nl.offsets[j]
                ),
                "restore the old layout: the members and pads before it must keep their sizes",
            );
        }

        if !causes.is_empty() {
            return;
        }
        if nl.size > ol.size {
            match self.growth_forbidden(name) {
                Some(why) => {
                    let at = appended.first().map_or(spath.clone(), |&j| mpath(j));
                    self.report(
                        &rules::STRUCT_GREW,
                        &at,
                        format!(
                            "struct `{name}` grew from {} to {} bytes, but {why}",
                            ol.size, nl.size
                        ),
                        "keep the struct's size; add a new struct (and a new ioctl or ring that uses it) for the larger layout",
                    );
                }
                None => {
                    let names: Vec<String> = appended
                        .iter()
                        .map(|&j| format!("`{}`", nm[j].name))
                        .collect();
                    self.note(format!(
                        "struct `{name}` grew from {} to {} bytes at the end{}",
                        ol.size,
                        nl.size,
                        if names.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", names.join(", "))
                        }
                    ));
                }
            }
        } else if nl.size < ol.size {
            self.report(
                &rules::STRUCT_SHRUNK,
                &spath,
                format!(
                    "struct `{name}` shrank from {} to {} bytes",
                    ol.size, nl.size
                ),
                "restore the removed tail (a trailing pad keeps the size)",
            );
        }
    }

    fn ioctls(&mut self) {
        let (old, new) = (self.old, self.new);
        let targets = self.common_targets();
        let same_command = |a: &crate::dump::IoctlDump, b: &crate::dump::IoctlDump| {
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
                    self.report(
                        &rules::REMOVED_ITEM,
                        "ioctls",
                        format!("ioctl `{name}` (nr {}) was removed", hex(o.nr.into())),
                        "keep the ioctl: old binaries call it (if it is obsolete, keep its number and fail with an error they understand)",
                    );
                    continue;
                }
            };
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
            let first_cmd = |d: &crate::dump::IoctlDump| {
                targets
                    .first()
                    .and_then(|t| d.commands.get(t))
                    .and_then(|c| c.cmd.clone())
                    .unwrap_or_default()
            };
            if o.dir != n.dir {
                self.report(
                    &rules::IOCTL_COMMAND_CHANGED,
                    &format!("{path}/dir"),
                    format!(
                        "ioctl `{nname}` changed dir from `{}` to `{}`: its command number changes ({} -> {} on {})",
                        o.dir,
                        n.dir,
                        first_cmd(o),
                        first_cmd(n),
                        targets.first().map_or("", String::as_str)
                    ),
                    "keep the old ioctl as it is and add a new ioctl with a new nr",
                );
            } else {
                let oarg = o.arg.as_deref().map(|a| self.map_struct(a));
                if oarg != n.arg {
                    let sizes_differ = targets.iter().any(|t| {
                        o.commands.get(t).map(|c| c.size) != n.commands.get(t).map(|c| c.size)
                    });
                    let size = |d: &crate::dump::IoctlDump| {
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
                            &path,
                            format!(
                                "{what}: its command number changes ({} -> {})",
                                first_cmd(o),
                                first_cmd(n)
                            ),
                            "keep the old argument struct (grow it at the end), or add a new ioctl with a new nr",
                        );
                    } else {
                        self.report(
                            &rules::IOCTL_ARG_CHANGED,
                            &path,
                            what,
                            "keep the old argument struct (grow it at the end), or add a new ioctl with a new nr",
                        );
                    }
                }
            }
            self.since_same(&format!("ioctl `{nname}`"), o.since, n.since, &path);
        }
        let renamed: BTreeSet<&String> = renames.values().collect();
        for (name, n) in &new.ioctls {
            if old.ioctls.contains_key(name) || renamed.contains(name) {
                continue;
            }
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

    fn rings(&mut self) {
        let (old, new) = (self.old, self.new);
        let renames = pair_renames(&old.rings, &new.rings, |a, b| {
            let mut a = a.clone();
            a.since = b.since;
            a.digest.clone_from(&b.digest);
            a.entry = self.map_struct(&a.entry);
            &a == b
        });
        for (name, o) in &old.rings {
            let (nname, n) = match (new.rings.get(name), renames.get(name)) {
                (Some(n), _) => (name.clone(), n),
                (None, Some(r)) => {
                    self.renamed("ring", name, r, &format!("rings/{r}"));
                    (r.clone(), &new.rings[r])
                }
                (None, None) => {
                    self.report(
                        &rules::REMOVED_ITEM,
                        "rings",
                        format!("ring `{name}` was removed"),
                        "keep the ring: old binaries set it up and use it",
                    );
                    continue;
                }
            };
            let path = format!("rings/{nname}");
            let mut why = Vec::new();
            let oentry = self.map_struct(&o.entry);
            if oentry != n.entry {
                why.push(format!(
                    "its entry is struct `{}` instead of `{oentry}`",
                    n.entry
                ));
            }
            if o.index != n.index {
                why.push(format!(
                    "its index changed from {} to {}, which changes the header layout",
                    o.index, n.index
                ));
            }
            if o.producer != n.producer {
                why.push(format!(
                    "its producer changed from {} to {}",
                    o.producer, n.producer
                ));
            }
            if n.min_entries > o.min_entries || n.max_entries < o.max_entries {
                why.push(format!(
                    "its entry count bounds narrowed from {}..={} to {}..={}",
                    o.min_entries, o.max_entries, n.min_entries, n.max_entries
                ));
            }
            if !why.is_empty() {
                self.report(
                    &rules::RING_LAYOUT_CHANGED,
                    &path,
                    format!("ring `{nname}` changed: {}", why.join("; ")),
                    "keep the ring as it is; add a new ring (set up by a new ioctl) for the new layout",
                );
            }
            self.since_same(&format!("ring `{nname}`"), o.since, n.since, &path);
        }
        let renamed: BTreeSet<&String> = renames.values().collect();
        for (name, n) in &new.rings {
            if !old.rings.contains_key(name) && !renamed.contains(name) {
                self.since_new(&format!("ring `{name}`"), n.since, &format!("rings/{name}"));
                self.note(format!("added ring `{name}`"));
            }
        }
    }

    fn attribute_sets(&mut self) {
        let (old, new) = (self.old, self.new);
        let renames = pair_renames(&old.attribute_sets, &new.attribute_sets, |a, b| {
            a.attributes.len() == b.attributes.len()
                && a.attributes.iter().all(|(k, x)| {
                    b.attributes
                        .get(k)
                        .is_some_and(|y| x.value == y.value && x.ty == y.ty)
                })
        });
        self.set_renames = renames.clone();
        for (name, o) in &old.attribute_sets {
            let (nname, n) = match (new.attribute_sets.get(name), renames.get(name)) {
                (Some(n), _) => (name.clone(), n),
                (None, Some(r)) => {
                    self.renamed("attribute set", name, r, &format!("attribute-sets/{r}"));
                    (r.clone(), &new.attribute_sets[r])
                }
                (None, None) => {
                    self.report(
                        &rules::REMOVED_ITEM,
                        "attribute-sets",
                        format!("attribute set `{name}` was removed"),
                        "keep the attribute set: old binaries encode and parse it",
                    );
                    continue;
                }
            };
            let base = format!("attribute-sets/{nname}");
            let added: Vec<&String> = n
                .attributes
                .keys()
                .filter(|k| !o.attributes.contains_key(*k))
                .collect();
            let mut taken: BTreeSet<&String> = BTreeSet::new();
            let mut gone: BTreeMap<u32, String> = BTreeMap::new();
            for (aname, oa) in &o.attributes {
                let (na_name, na) = match n.attributes.get(aname) {
                    Some(na) => (aname.clone(), na),
                    None => {
                        let twin = added.iter().find(|a| {
                            let x = &n.attributes[**a];
                            x.value == oa.value && x.ty == oa.ty && !taken.contains(**a)
                        });
                        match twin {
                            Some(a) => {
                                taken.insert(a);
                                self.renamed(
                                    &format!("attribute of set `{nname}`"),
                                    aname,
                                    a,
                                    &format!("{base}/attributes/{a}"),
                                );
                                ((*a).clone(), &n.attributes[*a])
                            }
                            None => {
                                gone.insert(oa.value, aname.clone());
                                self.report(
                                    &rules::REMOVED_ENTRY,
                                    &base,
                                    format!(
                                        "attribute `{aname}` ({}) was removed from set `{nname}`",
                                        oa.value
                                    ),
                                    "keep the attribute: old binaries send and expect it",
                                );
                                continue;
                            }
                        }
                    }
                };
                let path = format!("{base}/attributes/{na_name}");
                if oa.value != na.value {
                    self.report(
                        &rules::RENUMBERED,
                        &path,
                        format!(
                            "attribute `{na_name}` of set `{nname}` changed value from {} to {}",
                            oa.value, na.value
                        ),
                        format!("restore `value: {}`", oa.value),
                    );
                }
                let mut mapped = oa.clone();
                mapped.value = na.value;
                mapped.since = na.since;
                mapped.checks = na.checks.clone();
                mapped.nested_attributes = oa.nested_attributes.as_deref().map(|s| self.map_set(s));
                mapped.struct_ = oa.struct_.as_deref().map(|s| self.map_struct(s));
                if &mapped != na {
                    let show = |a: &crate::dump::AttrDump| {
                        let mut s = a.ty.clone();
                        if let Some(x) = &a.nested_attributes {
                            s.push_str(&format!(" of `{x}`"));
                        }
                        if let Some(x) = &a.struct_ {
                            s.push_str(&format!(" (struct `{x}`)"));
                        }
                        if let Some(x) = &a.sub_type {
                            s.push_str(&format!(" of {x}"));
                        }
                        if let Some(x) = a.len {
                            s.push_str(&format!(" (len {x})"));
                        }
                        if let Some(x) = &a.byte_order {
                            s.push_str(&format!(" ({x})"));
                        }
                        if a.multi_attr {
                            s.push_str(" (multi-attr)");
                        }
                        s
                    };
                    self.report(
                        &rules::ATTRIBUTE_TYPE_CHANGED,
                        &path,
                        format!(
                            "attribute `{na_name}` of set `{nname}` changed type from {} to {}",
                            show(oa),
                            show(na)
                        ),
                        "keep the attribute's type; add a new attribute with a new value for the new type",
                    );
                }
                let why = self.narrowed(&na.ty, &oa.checks, &na.checks);
                if !why.is_empty() {
                    self.report(
                        &rules::CHECKS_NARROWED,
                        &path,
                        format!(
                            "attribute `{na_name}` of set `{nname}` accepts less than before: {}",
                            why.join("; ")
                        ),
                        "accept every value the old revision accepted",
                    );
                } else if oa.checks != na.checks {
                    self.note(format!(
                        "attribute `{na_name}` of set `{nname}` accepts more values"
                    ));
                }
                self.since_same(
                    &format!("attribute `{na_name}` of set `{nname}`"),
                    oa.since,
                    na.since,
                    &path,
                );
            }
            for a in added {
                if taken.contains(a) {
                    continue;
                }
                let na = &n.attributes[a];
                let path = format!("{base}/attributes/{a}");
                if let Some(g) = gone.get(&na.value) {
                    self.report(
                        &rules::REUSED_NUMBER,
                        &path,
                        format!(
                            "attribute `{a}` of set `{nname}` takes value {}, the value of attribute `{g}` in revision {}, which is gone",
                            na.value, self.old.revision
                        ),
                        "old binaries still send that value with its old meaning: give the attribute a value never used",
                    );
                }
                self.since_new(
                    &format!("attribute `{a}` of set `{nname}`"),
                    na.since,
                    &path,
                );
                self.note(format!(
                    "attribute set `{nname}` gained `{a}` = {}",
                    na.value
                ));
            }
        }
        let renamed: BTreeSet<&String> = renames.values().collect();
        for name in new.attribute_sets.keys() {
            if !old.attribute_sets.contains_key(name) && !renamed.contains(name) {
                self.note(format!("added attribute set `{name}`"));
            }
        }
    }

    fn operations(&mut self) {
        let (old, new) = (self.old, self.new);
        if old.operations_transport.is_some()
            && old.operations_transport != new.operations_transport
        {
            self.report(
                &rules::OPERATION_CHANGED,
                "operations-transport",
                format!(
                    "control messages moved from ioctl `{}` to `{}`",
                    old.operations_transport.as_deref().unwrap_or("-"),
                    new.operations_transport.as_deref().unwrap_or("-")
                ),
                "keep the transport: old binaries send control messages through it",
            );
        }
        let renames = pair_renames(&old.operations, &new.operations, |a, b| {
            a.value == b.value
                && a.attribute_set.as_deref().map(|s| self.map_set(s)) == b.attribute_set
        });
        let mut gone: BTreeMap<u32, String> = BTreeMap::new();
        for (name, o) in &old.operations {
            let (nname, n) = match (new.operations.get(name), renames.get(name)) {
                (Some(n), _) => (name.clone(), n),
                (None, Some(r)) => {
                    self.renamed("operation", name, r, &format!("operations/{r}"));
                    (r.clone(), &new.operations[r])
                }
                (None, None) => {
                    gone.insert(o.value, name.clone());
                    self.report(
                        &rules::REMOVED_ENTRY,
                        "operations",
                        format!("operation `{name}` ({}) was removed", o.value),
                        "keep the operation: old binaries send it",
                    );
                    continue;
                }
            };
            let path = format!("operations/{nname}");
            if o.value != n.value {
                self.report(
                    &rules::RENUMBERED,
                    &path,
                    format!(
                        "operation `{nname}` changed value from {} to {}",
                        o.value, n.value
                    ),
                    format!("restore `value: {}`", o.value),
                );
            }
            let mut why = Vec::new();
            let oset = o.attribute_set.as_deref().map(|s| self.map_set(s));
            if oset != n.attribute_set {
                why.push(format!(
                    "its attribute set is `{}` instead of `{}`",
                    n.attribute_set.as_deref().unwrap_or("-"),
                    oset.as_deref().unwrap_or("-")
                ));
            }
            for (mode, om, nm) in [("do", &o.do_, &n.do_), ("dump", &o.dump, &n.dump)] {
                let Some(om) = om else { continue };
                let Some(nm) = nm else {
                    why.push(format!("it no longer has `{mode}`"));
                    continue;
                };
                for (part, oa, na) in [
                    ("request", &om.request, &nm.request),
                    ("reply", &om.reply, &nm.reply),
                ] {
                    for a in oa.iter().flatten() {
                        if !na.iter().flatten().any(|x| x == a) {
                            why.push(format!("its {mode} {part} lost attribute `{a}`"));
                        }
                    }
                }
            }
            if !why.is_empty() {
                self.report(
                    &rules::OPERATION_CHANGED,
                    &path,
                    format!("operation `{nname}` changed: {}", why.join("; ")),
                    "keep what the operation accepted and returned; add attributes, or a new operation",
                );
            }
            self.since_same(&format!("operation `{nname}`"), o.since, n.since, &path);
        }
        let renamed: BTreeSet<&String> = renames.values().collect();
        for (name, n) in &new.operations {
            if old.operations.contains_key(name) || renamed.contains(name) {
                continue;
            }
            let path = format!("operations/{name}");
            if let Some(g) = gone.get(&n.value) {
                self.report(
                    &rules::REUSED_NUMBER,
                    &path,
                    format!(
                        "operation `{name}` takes value {}, the value of operation `{g}` in revision {}, which is gone",
                        n.value, old.revision
                    ),
                    "old binaries still send that value with its old meaning: give the operation a value never used",
                );
            }
            self.since_new(&format!("operation `{name}`"), n.since, &path);
            self.note(format!("added operation `{name}` = {}", n.value));
        }
    }
}

// ---------------------------------------------------------------- sides

/// One side of a comparison, read from a spec, a dump or git.
#[derive(Debug, Clone)]
pub struct Side {
    /// How the side is named in messages.
    pub label: String,
    pub dump: Dump,
    pub locator: Locator,
    /// Text of every file read, by label, to render source lines.
    pub sources: crate::load::Sources,
}

/// Why a side could not be read.
#[derive(Debug)]
pub enum SideError {
    /// Unreadable, not a dump, a failing `git show`: the caller's problem.
    Io(String),
    /// A spec that does not resolve: findings in the spec.
    Spec(Vec<Diagnostic>, crate::load::Sources),
}

impl std::fmt::Display for SideError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SideError::Io(s) => f.write_str(s),
            SideError::Spec(d, _) => write!(f, "the spec has {} errors", d.len()),
        }
    }
}

/// The side of a resolved spec.
pub fn spec_side(model: &crate::model::Model, sources: crate::load::Sources) -> Side {
    let locator = Locator::for_model(model, sources.get(&model.pos.file).map(String::as_str));
    Side {
        label: model.source.clone(),
        dump: crate::dump::build(model),
        locator,
        sources,
    }
}

/// The side of a dump's text, named `label`.
pub fn dump_side(text: &str, label: &str) -> Result<Side, SideError> {
    let dump = crate::dump::parse(text).map_err(|e| SideError::Io(format!("{label}: {e}")))?;
    let file: Arc<str> = Arc::from(label);
    let mut sources = crate::load::Sources::new();
    sources.insert(file.clone(), text.to_string());
    Ok(Side {
        label: label.to_string(),
        dump,
        locator: Locator::for_json(text, &file),
        sources,
    })
}

/// Reads a side named on the command line: `git:<rev>:<path>`, a dump
/// (`*.json`) or a spec.
pub fn load_side(arg: &str) -> Result<Side, SideError> {
    if let Some(rest) = arg.strip_prefix("git:") {
        let (rev, path) = rest
            .split_once(':')
            .ok_or_else(|| SideError::Io(format!("`{arg}`: write git:<rev>:<path>")))?;
        return git_side(rev, path, arg);
    }
    let path = Path::new(arg);
    if path.extension().is_some_and(|e| e == "json") {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SideError::Io(format!("cannot read {arg}: {e}")))?;
        return dump_side(&text, arg);
    }
    let (result, sources) = crate::load::load_with_sources(path, None);
    match result {
        Ok(model) => Ok(spec_side(&model, sources)),
        Err(d) if d.iter().any(|d| d.rule == &rules::IO) => Err(SideError::Io(
            d.iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
        )),
        Err(d) => Err(SideError::Spec(d, sources)),
    }
}

fn git_show(rev: &str, path: &str) -> Result<String, SideError> {
    let out = std::process::Command::new("git")
        .arg("show")
        .arg(format!("{rev}:{path}"))
        .output()
        .map_err(|e| SideError::Io(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(SideError::Io(format!(
            "git show {rev}:{path}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| SideError::Io(format!("git show {rev}:{path}: not UTF-8")))
}

/// `a/b/../c` -> `a/c`, lexically, keeping leading `..`.
fn normalize(p: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            Component::ParentDir if parts.last().is_some_and(|l| l != "..") => {
                parts.pop();
            }
            Component::CurDir => {}
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    parts.join("/")
}

/// A spec at a git revision: the spec and the specs it includes (at the
/// same revision, relative to it) are written into a scratch folder with
/// their relative places kept, and loaded from there under
/// `git:<rev>:<path>` labels.
fn git_side(rev: &str, path: &str, arg: &str) -> Result<Side, SideError> {
    let text = git_show(rev, path)?;
    if path.ends_with(".json") {
        return dump_side(&text, arg);
    }
    // git reads `./x` and `../x` relative to the working directory and
    // anything else relative to the repository root; includes are
    // fetched the way the spec was.
    let cwd_relative = path.starts_with("./") || path.starts_with("../");
    let git_path = |p: &str| {
        if cwd_relative && !p.starts_with("../") {
            format!("./{p}")
        } else {
            p.to_string()
        }
    };
    let root = normalize(Path::new(path));
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let mut todo = vec![(root.clone(), text)];
    while let Some((p, text)) = todo.pop() {
        let label: Arc<str> = Arc::from(format!("git:{rev}:{p}"));
        if let Ok(spec) = crate::load::parse(&label, &text) {
            let dir = Path::new(&p).parent().unwrap_or(Path::new(""));
            for inc in &spec.include {
                let q = normalize(&dir.join(&inc.value));
                if !files.contains_key(&q) && !todo.iter().any(|(t, _)| t == &q) && q != p {
                    // A missing include is reported by the loader, at
                    // the include, like any other.
                    if let Ok(t) = git_show(rev, &git_path(&q)) {
                        todo.push((q, t));
                    }
                }
            }
        }
        files.insert(p, text);
    }
    let ups = files
        .keys()
        .map(|p| p.split('/').take_while(|c| *c == "..").count())
        .max()
        .unwrap_or(0);
    static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let scratch = std::env::temp_dir().join(format!(
        "uabi-compat-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let mut base = scratch.clone();
    for _ in 0..ups {
        base.push("d");
    }
    let write = || -> std::io::Result<PathBuf> {
        for (p, t) in &files {
            let f = base.join(p);
            if let Some(d) = f.parent() {
                std::fs::create_dir_all(d)?;
            }
            std::fs::write(&f, t)?;
        }
        Ok(base.join(&root))
    };
    let result = write()
        .map_err(|e| SideError::Io(format!("writing {}: {e}", scratch.display())))
        .and_then(|spec| {
            let (result, sources) =
                crate::load::load_with_sources(&spec, Some(&format!("git:{rev}:{root}")));
            match result {
                Ok(model) => Ok(spec_side(&model, sources)),
                Err(d) => Err(SideError::Spec(d, sources)),
            }
        });
    let _ = std::fs::remove_dir_all(&scratch);
    result.map(|mut s| {
        s.label = arg.to_string();
        s
    })
}

/// Where a spec's frozen dumps live: `<dir>/<stem>.abi/`.
pub fn frozen_dir(spec: &Path) -> PathBuf {
    let stem = spec.file_stem().unwrap_or_default().to_string_lossy();
    spec.with_file_name(format!("{stem}.abi"))
}

/// The frozen revisions of a spec, oldest first: (revision, file).
pub fn frozen_revisions(spec: &Path) -> std::io::Result<Vec<(u32, PathBuf)>> {
    let dir = frozen_dir(spec);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir)? {
        let p = e?.path();
        let rev = p
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix('r'))
            .and_then(|n| n.strip_suffix(".json"))
            .and_then(|n| n.parse::<u32>().ok());
        if let Some(r) = rev {
            out.push((r, p));
        }
    }
    out.sort();
    Ok(out)
}
