//! Structs: growth, new members' zero value, narrowed checks.

use super::*;

/// How a member's type reads in messages.
pub(super) fn type_text(m: &MemberDump) -> String {
    // `[4][8]` for a multi-dimensional array, `[32]` for another.
    let bounds = match (&m.dims, m.count) {
        (Some(d), _) => d.iter().map(|n| format!("[{n}]")).collect(),
        (None, Some(0)) => match &m.counted_by {
            Some(c) => format!("[] (counted by `{c}`)"),
            None => "[]".to_string(),
        },
        (None, Some(n)) => format!("[{n}]"),
        (None, None) => String::new(),
    };
    let mut s = match m.ty.as_str() {
        "pad" | "binary" | "string" => format!("{}[{}]", m.ty, m.len.unwrap_or(0)),
        "struct" => format!("struct {}{bounds}", m.struct_.as_deref().unwrap_or("?")),
        "union" => format!("union {}", m.union.as_deref().unwrap_or("?")),
        "user-ptr" => match (&m.elem, &m.elem_struct) {
            (Some(e), _) => format!("user-ptr to {e}"),
            (_, Some(s)) => format!("user-ptr to struct {s}"),
            _ => "user-ptr".to_string(),
        },
        t => format!("{t}{bounds}"),
    };
    if let Some(c) = m.count_member.as_ref().or(m.len_member.as_ref()) {
        s.push_str(&format!(" (length in `{c}`)"));
    }
    if let Some(c) = &m.stride_member {
        s.push_str(&format!(" (elements `{c}` bytes apart)"));
    }
    if let Some(b) = &m.byte_order {
        s.push_str(&format!(" ({b})"));
    }
    s
}

/// Bounds of a scalar type, for comparing ranges with absent ones.
fn bounds(ty: Option<Scalar>) -> (i128, i128) {
    ty.map_or((i128::MIN, i128::MAX), Scalar::bounds)
}

impl Cx<'_> {
    pub(super) fn structs(&mut self) {
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
                    self.removed(
                        &rules::REMOVED_ITEM,
                        "structs",
                        &format!("structs/{name}"),
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
            if o.union != n.union {
                let kind = |u: bool| if u { "union" } else { "struct" };
                self.report(
                    &rules::AGGREGATE_KIND_CHANGED,
                    &format!("structs/{nname}"),
                    format!(
                        "`{nname}` was a {} and is now a {}",
                        kind(o.union),
                        kind(n.union)
                    ),
                    format!("keep `{nname}` a {}", kind(o.union)),
                );
                continue;
            }
            let mut done: Vec<(&LayoutDump, &LayoutDump)> = Vec::new();
            for t in self.common_targets() {
                if let (Some(ol), Some(nl)) = (o.layouts.get(&t), n.layouts.get(&t)) {
                    let same = |a: &LayoutDump, b: &LayoutDump| {
                        (a.size, &a.offsets, &a.sizes) == (b.size, &b.offsets, &b.sizes)
                    };
                    if !done.iter().any(|(a, b)| same(a, ol) && same(b, nl)) {
                        done.push((ol, nl));
                        self.layout(&nname, name, o, n, ol, nl);
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
    pub(super) fn growth_forbidden(&self, name: &str) -> Option<String> {
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
                    if mem.struct_.as_deref().is_some_and(|x| m(x) == name)
                        || mem.union.as_deref().is_some_and(|x| m(x) == name)
                    {
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
    pub(super) fn zero_rejected(&self, ty: &str, access: &str, checks: &Checks) -> Option<String> {
        if !read_by_kernel(access) {
            return None;
        }
        let (lo, hi) = bounds(Scalar::from_name(ty));
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
    pub(super) fn narrowed(&self, ty: Option<Scalar>, o: &Checks, n: &Checks) -> Vec<String> {
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
}
