//! `lint-allow` lists themselves: unknown rule ids and allows that
//! silence nothing.

use super::*;

/// A `lint-allow` list, where to report a problem with it, and the lists
/// that may silence that report (its own and its struct's).
type AllowSite<'m> = (&'m [String], &'m Pos, Vec<&'m [String]>);

impl<'a> Cx<'a> {
    /// Every `lint-allow` id must name a warning rule.
    pub(super) fn lint_allows(&mut self) {
        let m = self.model;
        let mut lists: Vec<AllowSite> = Vec::new();
        for s in &m.structs {
            lists.push((&s.lint_allow, &s.pos, vec![&s.lint_allow]));
            for mm in &s.members {
                lists.push((&mm.lint_allow, &mm.pos, vec![&mm.lint_allow, &s.lint_allow]));
            }
        }
        for e in &m.enums {
            lists.push((&e.lint_allow, &e.pos, vec![&e.lint_allow]));
        }
        for i in &m.ioctls {
            lists.push((&i.lint_allow, &i.pos, vec![&i.lint_allow]));
        }
        for r in &m.rings {
            lists.push((&r.lint_allow, &r.pos, vec![&r.lint_allow]));
        }
        for a in m.attribute_sets.iter().flat_map(|x| &x.attributes) {
            lists.push((&a.lint_allow, &a.pos, vec![&a.lint_allow]));
        }
        for (list, pos, allows) in lists {
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
                    Some(r) if !r.can_be_allowed() => self
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
