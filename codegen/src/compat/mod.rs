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

mod enums;
mod headers;
mod ioctls;
mod layout;
mod netlink;
mod rings;
mod sides;
mod structs;

pub use headers::compare_headers;
pub use sides::{
    Side, SideError, SideOptions, dump_side, frozen_dir, frozen_revisions, header_side, load_side,
    load_side_with, spec_side,
};
use structs::type_text;

use crate::diag::{Diagnostic, Diagnostics};
use crate::dump::{
    Checks, ConstDump, Dump, LayoutDump, Locator, MemberDump, StructDump, read_by_kernel,
};
use crate::model::Scalar;
use crate::rules::{self, Rule};
use std::collections::{BTreeMap, BTreeSet};

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
    compare_with(old, new, loc, None, true)
}

/// [`compare`], with `old_loc` locating the old side's paths for the
/// items the new side no longer has (a header's removed macro is shown
/// where the old header defines it).
fn compare_with(
    old: &Dump,
    new: &Dump,
    loc: &Locator,
    old_loc: Option<&Locator>,
    revisions: bool,
) -> Report {
    let mut cx = Cx {
        old,
        new,
        loc,
        old_loc,
        revisions,
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
    /// Where the old side has its items, when findings about removed
    /// ones point there.
    old_loc: Option<&'a Locator>,
    /// Are `revision` and `since` judged (not for imported headers)?
    revisions: bool,
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

impl Cx<'_> {
    fn report(&mut self, rule: &'static Rule, path: &str, msg: String, hint: impl Into<String>) {
        if !self.seen.insert((rule.id, path.to_string(), msg.clone())) {
            return;
        }
        self.findings
            .push(Diagnostic::error(rule, self.loc.pos(path), msg).with_hint(hint));
    }

    /// A finding about an item the new side no longer has: at `was`
    /// on the old side when its places are known, else at `path` on the
    /// new side.
    fn removed(
        &mut self,
        rule: &'static Rule,
        path: &str,
        was: &str,
        msg: String,
        hint: impl Into<String>,
    ) {
        if !self.seen.insert((rule.id, path.to_string(), msg.clone())) {
            return;
        }
        let pos = self
            .old_loc
            .and_then(|l| l.find(was))
            .unwrap_or_else(|| self.loc.pos(path));
        self.findings
            .push(Diagnostic::error(rule, pos, msg).with_hint(hint));
    }

    fn note(&mut self, msg: String) {
        if !self.notes.contains(&msg) {
            self.notes.push(msg);
        }
    }

    /// Whether new items are judged at all: without a revision bump the
    /// one finding is `revision-not-bumped`.
    fn bumped(&self) -> bool {
        !self.revisions || self.new.revision > self.old.revision
    }

    /// A new item's `since` must lie after the old revision and at most
    /// at the new one (the new revision itself when the old is the
    /// latest frozen one).
    fn since_new(&mut self, what: &str, since: u32, path: &str) {
        if !self.revisions
            || !self.bumped()
            || (since > self.old.revision && since <= self.new.revision)
        {
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
        self.fix_since(path, self.new.revision);
    }

    fn since_same(&mut self, what: &str, old: u32, new: u32, path: &str) {
        if self.revisions && old != new {
            self.report(
                &rules::WRONG_SINCE,
                path,
                format!(
                    "{what} had `since: {old}` in revision {}; now `since: {new}`",
                    self.old.revision
                ),
                format!("restore `since: {old}`: an item's since never changes"),
            );
            self.fix_since(path, old);
        }
    }

    /// Gives the finding just reported at `path` its mechanical fix (for
    /// `uabi lint --fix`): one right value of `since`.
    fn fix_since(&mut self, path: &str, value: u32) {
        let at = self.loc.pos(path);
        if let Some(d) = self
            .findings
            .items
            .iter_mut()
            .rev()
            .find(|d| std::ptr::eq(d.rule, &rules::WRONG_SINCE) && d.pos == at)
        {
            d.fix = Some(crate::diag::Fix::SetKey {
                at,
                key: "since",
                value: value.to_string(),
            });
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
        if !self.revisions {
            // Imported headers carry no revision numbers.
        } else if new.revision < old.revision {
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
            // A frozen dump has digests, a side built from a spec has
            // none; they are a function of the content compared here.
            crate::dump::clear_digests(&mut a);
            crate::dump::clear_digests(&mut b);
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
                    self.removed(
                        &rules::REMOVED_ITEM,
                        "consts",
                        &format!("consts/{name}"),
                        format!("const `{name}` (value {}) was removed", o.value),
                        "keep the const: sources use it (document it as obsolete in `doc:`)",
                    );
                    continue;
                }
            };
            let path = format!("consts/{nname}");
            // A value of another C type is another value on some target.
            let shown = |d: &ConstDump| match &d.c_type {
                Some(t) => format!("{} ({t})", d.value),
                None => d.value.to_string(),
            };
            if (o.value, &o.c_type) != (n.value, &n.c_type) {
                self.report(
                    &rules::RENUMBERED,
                    &path,
                    format!(
                        "const `{nname}` changed value from {} to {}",
                        shown(o),
                        shown(n)
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
}
