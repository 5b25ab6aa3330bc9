//! Enums and flags: entries, values, kinds.

use super::*;
use crate::dump::{EntryDump, EnumDump};

/// The section compared (`enums` or `flags`): how it names its items and
/// prints their values.
#[derive(Clone, Copy)]
struct Section {
    name: &'static str,
    kind: &'static str,
}

impl Section {
    /// A flag's mask in hex, an enum value in decimal (it may be
    /// negative).
    fn show(self, v: i128) -> String {
        match u64::try_from(v) {
            Ok(bits) if self.name == "flags" => hex(bits),
            _ => v.to_string(),
        }
    }
}

impl Cx<'_> {
    pub(super) fn enums(&mut self, section: &'static str) {
        let (old, new) = (self.old, self.new);
        let (olds, news) = if section == "enums" {
            (&old.enums, &new.enums)
        } else {
            (&old.flags, &new.flags)
        };
        let sec = Section {
            name: section,
            kind: if section == "enums" { "enum" } else { "flags" },
        };
        let kind = sec.kind;
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
                    self.removed(
                        &rules::REMOVED_ITEM,
                        section,
                        &format!("{section}/{name}"),
                        format!("{kind} `{name}` was removed"),
                        format!("keep the {kind}: sources use its entries"),
                    );
                    continue;
                }
            };
            self.enum_changes(sec, name, &nname, o, n);
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

    /// What changed in enum or flags `nname`: entries renumbered, removed,
    /// renamed (a removed entry's value under a new name) or added.
    fn enum_changes(&mut self, sec: Section, oname: &str, nname: &str, o: &EnumDump, n: &EnumDump) {
        let kind = sec.kind;
        let base = format!("{}/{nname}", sec.name);
        let old_base = format!("{}/{oname}", sec.name);
        self.since_same(&format!("{kind} `{nname}`"), o.since, n.since, &base);
        let added: Vec<&String> = n
            .entries
            .keys()
            .filter(|k| !o.entries.contains_key(*k))
            .collect();
        let mut taken: BTreeSet<&String> = BTreeSet::new();
        for (ename, oe) in &o.entries {
            if let Some(ne) = n.entries.get(ename) {
                self.entry_changes(sec, nname, ename, oe, ne);
                continue;
            }
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
                self.removed(
                    &rules::REMOVED_ENTRY,
                    &base,
                    &format!("{old_base}/entries/{ename}"),
                    format!(
                        "entry `{ename}` ({}) was removed from {kind} `{nname}`",
                        sec.show(oe.value)
                    ),
                    "keep the entry: old binaries still use it (document it as obsolete, or reject it at run time with an error they understand)",
                );
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
                sec.show(ne.value)
            ));
        }
    }

    /// An entry kept under its name must keep its value and revision.
    fn entry_changes(
        &mut self,
        sec: Section,
        nname: &str,
        ename: &str,
        oe: &EntryDump,
        ne: &EntryDump,
    ) {
        let kind = sec.kind;
        let path = format!("{}/{nname}/entries/{ename}", sec.name);
        if ne.value != oe.value {
            self.report(
                &rules::RENUMBERED,
                &path,
                format!(
                    "entry `{ename}` of {kind} `{nname}` changed value from {} to {}",
                    sec.show(oe.value),
                    sec.show(ne.value)
                ),
                format!(
                    "restore value {}: old binaries send and compare it",
                    sec.show(oe.value)
                ),
            );
        }
        self.field_value_changes(nname, ename, &path, oe, ne);
        self.since_same(
            &format!("entry `{ename}` of {kind} `{nname}`"),
            oe.since,
            ne.since,
            &path,
        );
    }

    /// The values of a multi-bit flags field: each keeps its number; a
    /// new one is compatible.
    fn field_value_changes(
        &mut self,
        nname: &str,
        ename: &str,
        path: &str,
        oe: &EntryDump,
        ne: &EntryDump,
    ) {
        for (vname, ov) in &oe.values {
            match ne.values.get(vname) {
                None => self.report(
                    &rules::REMOVED_ENTRY,
                    path,
                    format!(
                        "value `{vname}` ({ov:#x}) was removed from field `{ename}` of flags `{nname}`"
                    ),
                    "keep the value: old binaries still set it",
                ),
                Some(nv) if nv != ov => self.report(
                    &rules::RENUMBERED,
                    path,
                    format!(
                        "value `{vname}` of field `{ename}` of flags `{nname}` changed from {ov:#x} to {nv:#x}"
                    ),
                    format!("restore {ov:#x}: old binaries send it"),
                ),
                Some(_) => {}
            }
        }
        for (vname, nv) in &ne.values {
            if !oe.values.contains_key(vname) {
                self.note(format!(
                    "field `{ename}` of flags `{nname}` gained `{vname}` = {nv:#x}"
                ));
            }
        }
    }
}
