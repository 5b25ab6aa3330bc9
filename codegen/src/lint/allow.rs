//! `lint-allow` lists themselves: unknown rule ids and allows that
//! silence nothing.

use super::*;

/// A `lint-allow` list, where to report a problem with it, the lists
/// that may silence that report (its own and its struct's), and whether
/// the item describes shipping ABI (where every lint rule is a warning,
/// so any lint rule may be allowed).
type AllowSite<'m> = (&'m [String], &'m Pos, Vec<&'m [String]>, bool);

impl<'a> Cx<'a> {
    /// Every `lint-allow` id must name a warning rule.
    pub(super) fn lint_allows(&mut self) {
        let m = self.model;
        let mut lists: Vec<AllowSite> = Vec::new();
        for s in &m.structs {
            lists.push((&s.lint_allow, &s.pos, vec![&s.lint_allow], s.existing_abi));
            // An empty list has nothing to report; most members have one.
            for mm in s.members.iter().filter(|mm| !mm.lint_allow.is_empty()) {
                lists.push((
                    &mm.lint_allow,
                    &mm.pos,
                    vec![&mm.lint_allow, &s.lint_allow],
                    s.existing_abi,
                ));
            }
        }
        for e in &m.enums {
            lists.push((&e.lint_allow, &e.pos, vec![&e.lint_allow], e.existing_abi));
        }
        for i in &m.ioctls {
            lists.push((&i.lint_allow, &i.pos, vec![&i.lint_allow], i.existing_abi));
        }
        for r in &m.rings {
            lists.push((&r.lint_allow, &r.pos, vec![&r.lint_allow], m.existing_abi));
        }
        for a in m.attribute_sets.iter().flat_map(|x| &x.attributes) {
            lists.push((&a.lint_allow, &a.pos, vec![&a.lint_allow], m.existing_abi));
        }
        for (list, pos, allows, existing) in lists {
            for id in list {
                let d = match rules::find(id) {
                    None => {
                        let known = rules::ALL.iter().filter(|r| r.can_be_allowed());
                        let guess = crate::resolve::suggest(id, rules::ALL.iter().map(|r| r.id));
                        let names: Vec<&str> = known.map(|r| r.id).collect();
                        let hint = match guess {
                            Some(g) => format!(
                                "did you mean `{g}`? rules that can be allowed: {}",
                                names.join(", ")
                            ),
                            None => format!("rules that can be allowed: {}", names.join(", ")),
                        };
                        self.diag(
                            &rules::UNKNOWN_LINT_RULE,
                            pos,
                            format!("`lint-allow` names `{id}`, which is not a lint rule"),
                        )
                        .with_hint(hint)
                    }
                    // Shipping ABI turns every lint error into a warning,
                    // which may then be allowed.
                    Some(r) if !(r.can_be_allowed() || existing && r.stage == Stage::Lint) => self
                        .diag(
                            &rules::LINT_ALLOW_ERROR,
                            pos,
                            format!(
                                "`lint-allow` names `{id}`, an error (lint-rules.md rule {})",
                                r.number
                            ),
                        )
                        .with_hint(format!(
                            "remove `{id}` from `lint-allow` and fix what it reports"
                        )),
                    Some(_) => continue,
                };
                self.emit(d, &allows);
            }
        }
    }
}
