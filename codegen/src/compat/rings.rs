//! Rings: entries, sizes and their publishing ioctls.

use super::*;

impl Cx<'_> {
    pub(super) fn rings(&mut self) {
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
                    self.removed(
                        &rules::REMOVED_ITEM,
                        "rings",
                        &format!("rings/{name}"),
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
}
