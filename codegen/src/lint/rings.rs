//! Ring rules: entry member order and the publishing ioctl.

use super::*;

impl<'a> Cx<'a> {
    /// Rules 26, 27 and 28 for one ring.
    pub(super) fn ring(&mut self, r: &Ring) {
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
        let entry = self.struct_(&r.entry);
        self.unordered_members(entry, "", &mut unordered, 0);
        if !unordered.is_empty() {
            let d = self
                .diag(
                    &rules::RING_ENTRY_BYTE_ORDER,
                    &r.pos,
                    format!(
                        "ring `{}`: entry `{}` has multi-byte members without byte-order: {}",
                        r.name,
                        entry.name,
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
    pub(super) fn unordered_members(
        &self,
        st: &Struct,
        prefix: &str,
        out: &mut Vec<String>,
        depth: u32,
    ) {
        for m in &st.members {
            let name = format!("{prefix}{}", m.name);
            match &m.kind {
                MemberKind::Scalar { ty, .. } => {
                    if ty.size() > 1 && m.byte_order.is_none() {
                        out.push(format!("`{name}`"))
                    }
                }
                MemberKind::UserPtr { .. } => out.push(format!("`{name}`")),
                MemberKind::Struct { id, .. } | MemberKind::Union { id } => {
                    if depth < 16 {
                        let s = self.struct_(id);
                        self.unordered_members(s, &format!("{name}."), out, depth + 1);
                    }
                }
                // Single bytes have no order.
                MemberKind::Pad { .. } | MemberKind::Binary { .. } | MemberKind::String { .. } => {}
            }
        }
    }

    /// Does an ioctl (of this spec or an included one) have an argument
    /// with u64 out members `<ring>-offset` and `<ring>-size`?
    pub(super) fn ring_published(&self, ring: &str) -> bool {
        let want = [format!("{ring}-offset"), format!("{ring}-size")];
        let mut models: Vec<&Model> = vec![self.model];
        let mut i = 0;
        while let Some(&m) = models.get(i) {
            models.extend(m.includes.iter().map(|inc| &**inc));
            i += 1;
        }
        models.iter().flat_map(|m| &m.ioctls).any(|io| {
            let Some(st) = io.arg.as_ref().map(|a| self.struct_(a)) else {
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
}
