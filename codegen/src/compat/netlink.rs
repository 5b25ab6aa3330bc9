//! Netlink attribute sets and operations.

use super::*;

impl Cx<'_> {
    pub(super) fn attribute_sets(&mut self) {
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
                    self.removed(
                        &rules::REMOVED_ITEM,
                        "attribute-sets",
                        &format!("attribute-sets/{name}"),
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
                self.attribute(&nname, &base, &na_name, oa, na);
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

    /// One attribute present on both sides (`na_name` of set `nname` on
    /// the new side, under dump path `base`).
    fn attribute(
        &mut self,
        nname: &str,
        base: &str,
        na_name: &str,
        oa: &crate::dump::AttrDump,
        na: &crate::dump::AttrDump,
    ) {
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
            self.report(
                &rules::ATTRIBUTE_TYPE_CHANGED,
                &path,
                format!(
                    "attribute `{na_name}` of set `{nname}` changed type from {} to {}",
                    attr_text(oa),
                    attr_text(na)
                ),
                "keep the attribute's type; add a new attribute with a new value for the new type",
            );
        }
        let why = self.narrowed(na.ty.scalar(), &oa.checks, &na.checks);
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

    pub(super) fn operations(&mut self) {
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
                    self.removed(
                        &rules::REMOVED_ENTRY,
                        "operations",
                        &format!("operations/{name}"),
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

/// An attribute's type as a reader of the spec would write it.
fn attr_text(a: &crate::dump::AttrDump) -> String {
    let mut s = a.ty.name().to_string();
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
}
