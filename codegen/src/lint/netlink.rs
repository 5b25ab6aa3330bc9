//! Netlink rules: attribute sets and operations.

use super::*;
use crate::model::AttrType;

impl Cx<'_> {
    /// Rules 29-31 on attribute sets and operations, and the YNL features
    /// the resolver found that no backend generates.
    pub(super) fn netlink(&mut self) {
        let m = self.model;
        for n in &m.netlink.not_generated {
            let d = self
                .diag(n.rule, &n.pos, &n.message)
                .with_hint(n.hint.clone());
            self.emit(d, &[]);
        }
        for set in &m.attribute_sets {
            for a in &set.attributes {
                if a.value == 0 && a.ty != AttrType::Unused {
                    let d = self
                        .diag(
                            &rules::NETLINK_VALUE_ZERO,
                            &a.pos,
                            format!("attribute `{}` of `{}` has value 0", a.name, set.name),
                        )
                        .with_hint("number attributes from 1 (the default); reserve 0 with `{ name: unspec, type: unused, value: 0 }` if it must be named");
                    self.emit(d, &[]);
                }
                if let Some(s) = a.payload_struct().map(|id| self.struct_(id))
                    && s.layouts.get(&NATURAL).is_some_and(|l| l.align >= 8)
                {
                    let d = self
                        .diag(
                            &rules::UNALIGNED_ATTR_STRUCT,
                            &a.pos,
                            format!(
                                "attribute `{}` carries struct `{}`, which needs 8-byte alignment",
                                a.name, s.name
                            ),
                        )
                        .with_hint("decode it by copying the payload into a local struct (generated code does); silence with `lint-allow: [unaligned-attr-struct]` once handwritten users do too");
                    self.emit(d, &[&a.lint_allow]);
                }
            }
        }
        if let Some(ops) = &m.operations {
            // YNL's legacy families reserve command 0 with a placeholder,
            // `{ name: unspec, value: 0 }` with no `do`, `dump` or event
            // (ynl_gen_c.py names it in the command enum and leaves it out
            // of the ops table): like an `unused` attribute, it only keeps
            // the number from being used, so it is not reported. A real
            // operation 0 stays an error in new specs; a `genetlink-legacy`
            // family describes commands that already ship (team's
            // TEAM_CMD_NOOP is 0), so there it is reported as existing ABI,
            // a warning that proposes no renumbering.
            let legacy = m.netlink.protocol.as_deref() == Some("genetlink-legacy");
            for op in &ops.list {
                let placeholder = op.do_.is_none()
                    && op.dump.is_none()
                    && op.notify.is_none()
                    && op.event.is_none();
                if op.value == 0 && !placeholder {
                    let d = self
                        .diag(
                            &rules::NETLINK_VALUE_ZERO,
                            &op.pos,
                            format!("operation `{}` has value 0", op.name),
                        )
                        .with_hint("number operations from 1 (the default); reserve 0 with `{ name: unspec, value: 0 }` (no `do` or `dump`) if it must be named");
                    self.emit_for(d, &[], m.existing_abi || legacy);
                }
            }
        }
        for (set, a) in requested_attrs(m) {
            let bounded = a.len.is_some()
                || a.max_len.is_some()
                || a.exact_len.is_some()
                || a.struct_.is_some();
            // The keys that bound a payload of no fixed size.
            let key = match a.ty {
                AttrType::String => Some("`checks: { max-len: N }`"),
                AttrType::Binary => Some("`checks: { max-len: N }`, `exact-len` or `struct`"),
                AttrType::Unused
                | AttrType::Pad
                | AttrType::Flag
                | AttrType::Int(_)
                | AttrType::Uint
                | AttrType::Sint
                | AttrType::Nest
                | AttrType::NestTypeValue
                | AttrType::IndexedArray
                | AttrType::ArrayNest
                | AttrType::Bitfield32
                | AttrType::SubMessage => None,
            };
            if let Some(key) = key
                && !bounded
            {
                let d = self
                    .diag(
                        &rules::UNBOUNDED_ATTR_LEN,
                        &a.pos,
                        format!(
                            "{} attribute `{}` of `{set}` is sent in a request but has no length rule",
                            a.ty.name(),
                            a.name
                        ),
                    )
                    .with_hint(format!("add {key}"));
                self.emit(d, &[&a.lint_allow]);
            }
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
        // (set, attribute) pairs still to visit, and those seen.
        let mut todo: Vec<(&AttrSetId, String)> = Vec::new();
        for op in &ops.list {
            let Some(set) = &op.attribute_set else {
                continue;
            };
            for mode in [&op.do_, &op.dump].into_iter().flatten() {
                for a in mode.request.iter().flatten() {
                    todo.push((set, a.clone()));
                }
            }
        }
        let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
        while let Some((set, attr)) = todo.pop() {
            let set = m.attr_set(set);
            if !seen.insert((set.name.clone(), attr.clone())) {
                continue;
            }
            let nested = set
                .attributes
                .iter()
                .find(|a| a.name == attr)
                .and_then(|a| a.nested_attributes.as_ref());
            if let Some(n) = nested {
                for a in &m.attr_set(n).attributes {
                    todo.push((n, a.name.clone()));
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
