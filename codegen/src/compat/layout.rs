//! One struct's layout, member by member, against its old layout.

use super::*;

impl Cx<'_> {
    /// One struct on one target.
    /// `old_name` is the struct's name on the old side (it differs after
    /// a rename).
    pub(super) fn layout(
        &mut self,
        name: &str,
        old_name: &str,
        o: &StructDump,
        n: &StructDump,
        ol: &LayoutDump,
        nl: &LayoutDump,
    ) {
        let p = Pair {
            name,
            old_name,
            union: o.union && n.union,
            om: &o.members,
            nm: &n.members,
            ol,
            nl,
        };
        let mut mt = self.match_members(&p);
        self.matched_members(&p, &mut mt);
        let appended = self.new_members(&p, &mut mt);
        self.moved_members(&p, &mut mt);
        if mt.causes.is_empty() {
            self.size_change(&p, &appended);
        }
    }

    /// Pairs old and new members: by name, then an unmatched old member
    /// with an unknown new one at its offset (a rename), then an old
    /// member with a new pad at its offset (a member turned pad); the
    /// rest of the old members were removed.
    fn match_members(&mut self, p: &Pair) -> Matched {
        let Pair {
            name,
            old_name,
            om,
            nm,
            ol,
            nl,
            ..
        } = *p;
        let spath = format!("structs/{name}");
        let mpath = |j: usize| format!("structs/{name}/members/{j}");
        let is_pad = |m: &MemberDump| m.ty == "pad";
        let old_names: BTreeSet<&str> = om.iter().map(|m| m.name.as_str()).collect();
        let mut new_of_old: Vec<Option<usize>> = vec![None; om.len()];
        let mut old_of_new: Vec<Option<usize>> = vec![None; nm.len()];
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
                self.removed(
                    &rules::REMOVED_MEMBER,
                    &spath,
                    &format!("structs/{old_name}/members/{i}"),
                    format!(
                        "member `{}` (offset {}) was removed from struct `{name}`",
                        m.name, ol.offsets[i]
                    ),
                    "keep the member (document it as ignored if it is obsolete); its bytes stay in the layout",
                );
            }
        }

        Matched {
            new_of_old,
            old_of_new,
            explained,
            causes,
        }
    }

    /// Matched members: type, access, checks, since, order.
    fn matched_members(&mut self, p: &Pair, mt: &mut Matched) {
        let Pair {
            name,
            om,
            nm,
            ol,
            nl,
            ..
        } = *p;
        let mpath = |j: usize| format!("structs/{name}/members/{j}");
        let Matched {
            new_of_old, causes, ..
        } = mt;
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
            mapped.anonymous = x.anonymous;
            mapped.struct_ = m.struct_.as_deref().map(|s| self.map_struct(s));
            mapped.union = m.union.as_deref().map(|s| self.map_struct(s));
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
            if m.anonymous != x.anonymous {
                let (was, now) = if m.anonymous {
                    ("anonymous", "named")
                } else {
                    ("named", "anonymous")
                };
                self.report(
                    &rules::MEMBER_ANONYMITY_CHANGED,
                    &mpath(j),
                    format!(
                        "member `{}` of struct `{name}` changed from {was} to {now}: C code reaches its members {}",
                        x.name,
                        if x.anonymous {
                            "as the holder's now, no longer through its name"
                        } else {
                            "through its name now, no longer as the holder's"
                        }
                    ),
                    if m.anonymous {
                        "restore `anonymous: true`: programs name its members as the holder's".to_string()
                    } else {
                        "remove `anonymous: true`: programs name its members through it".to_string()
                    },
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
                let why = self.narrowed(Scalar::from_name(&x.ty), &m.checks, &x.checks);
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
    }

    /// New members: into old pad, at the end, or inserted. Returns the
    /// appended ones.
    fn new_members(&mut self, p: &Pair, mt: &mut Matched) -> Vec<usize> {
        let Pair {
            name,
            om,
            nm,
            ol,
            nl,
            ..
        } = *p;
        let mpath = |j: usize| format!("structs/{name}/members/{j}");
        let is_pad = |m: &MemberDump| m.ty == "pad";
        let Matched {
            old_of_new,
            explained,
            causes,
            ..
        } = mt;
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
            if p.union && !is_pad(x) {
                if b > ol.size {
                    appended.push(j);
                } else {
                    self.note(format!("union `{name}` gained member `{}`", x.name));
                }
                continue;
            }
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

        appended
    }

    /// Offsets of members that stayed.
    fn moved_members(&mut self, p: &Pair, mt: &mut Matched) {
        let Pair {
            name, om, ol, nl, ..
        } = *p;
        let mpath = |j: usize| format!("structs/{name}/members/{j}");
        let Matched {
            new_of_old, causes, ..
        } = mt;
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
    }

    /// The struct's size, once nothing else explains a change of it.
    fn size_change(&mut self, p: &Pair, appended: &[usize]) {
        let Pair {
            name, nm, ol, nl, ..
        } = *p;
        let spath = format!("structs/{name}");
        let mpath = |j: usize| format!("structs/{name}/members/{j}");
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
}

/// One struct's old and new members and layouts.
#[derive(Clone, Copy)]
struct Pair<'d> {
    name: &'d str,
    old_name: &'d str,
    /// A union on both sides: every member at offset 0, so a new one
    /// that fits the old size moves nothing.
    union: bool,
    om: &'d [MemberDump],
    nm: &'d [MemberDump],
    ol: &'d LayoutDump,
    nl: &'d LayoutDump,
}

/// How old and new members pair up, and what has been reported so far.
struct Matched {
    new_of_old: Vec<Option<usize>>,
    old_of_new: Vec<Option<usize>>,
    /// New pads that are an old member turned pad.
    explained: Vec<bool>,
    /// Offsets (old layout) from which later members move as a
    /// consequence of a change already reported.
    causes: Vec<u32>,
}
