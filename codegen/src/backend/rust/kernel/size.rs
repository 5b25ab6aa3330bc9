//! `size_<s>_at` of the kernel crate: a struct's size at each revision
//! of its spec (the end of the last member that revision had), which
//! `dispatch` copies in and out when the driver reports an older one.

use super::{Gen, doc};
use crate::backend::rust::items;
use crate::backend::rust::layout::{self, put};
use crate::backend::rust::writer::{RustWriter, snake_ident};
use crate::model::Struct;
use crate::names;

impl Gen<'_> {
    /// Whether a revision of the spec added members to `s` after the
    /// struct itself: only then does its size depend on the revision.
    pub(super) fn grew(&self, s: &Struct) -> bool {
        s.members.iter().any(|m| m.since > s.since)
    }

    /// `size_<s>_at`: the struct's size at each revision, the end of the
    /// last member that revision had. Only for a struct that [`Self::grew`].
    pub(super) fn size_at_fn(&self, w: &mut RustWriter, s: &Struct, ty: &str, link: &str) {
        let spec = &self.model.name;
        let mut doc_paras = vec![format!(
            "The size of a {link} at revision `rev` of the `{spec}` spec: the end of the last \
             member that revision had (members are appended as revisions grow a struct). \
             [`dispatch`] copies in and out only this many bytes when the driver reports an \
             older revision; the caller's bytes beyond it are its extension tail."
        )];
        let mut thresholds: Vec<u32> = s
            .members
            .iter()
            .map(|m| m.since)
            .filter(|n| *n > s.since)
            .collect();
        thresholds.sort_unstable();
        thresholds.dedup();
        let snake = names::snake(&s.name);
        let sig = |w: &mut RustWriter| {
            items::fn_sig(
                w,
                &format!("pub const fn size_{snake}_at"),
                &["rev: u32".to_string()],
                Some("usize"),
                " {",
            );
        };
        let mut from = vec![s.since];
        from.extend(&thresholds);
        for (i, r) in from.iter().enumerate() {
            let range = match from.get(i + 1) {
                Some(next) if *next == r + 1 => format!("revision {r}"),
                Some(next) => format!("revisions {r} to {}", next - 1),
                None => format!("revision {r} on"),
            };
            doc_paras.push(format!("- {range}: {}.", self.size_text(s, *r)));
        }
        doc_paras.push(format!(
            "A `rev` below {} (the struct's own revision) is taken as {}.",
            s.since, s.since
        ));
        doc(w, &doc_paras.join("\n"));
        sig(w);
        // The size from revision `at` on: the whole struct once its last
        // member is there, else the end of the last member `at` has.
        let size = |w: &mut RustWriter, at: u32| {
            let Some(last) = s.members.iter().rposition(|m| m.since <= at) else {
                w.line("0");
                return;
            };
            if last + 1 == s.members.len() {
                w.line_fmt(format_args!("core::mem::size_of::<{ty}>()"));
                return;
            }
            let f = snake_ident(&s.members[last].name);
            let lines = layout::binary(
                w.indent(),
                "",
                &[
                    format!("core::mem::offset_of!({ty}, {f})"),
                    format!("core::mem::size_of_val(&{ty}::ZERO.{f})"),
                ],
                "+",
                "",
            );
            put(w, lines);
        };
        for (i, at) in thresholds.iter().rev().enumerate() {
            if i == 0 {
                w.open_fmt(format_args!("if rev >= {at}"));
            } else {
                w.indent_out();
                w.open_fmt(format_args!("}} else if rev >= {at}"));
            }
            size(w, *at);
        }
        w.indent_out();
        w.open("} else");
        size(w, s.since);
        w.close("");
        w.close("");
    }

    /// The size of `s` at revision `at` on the spec's targets, for docs.
    fn size_text(&self, s: &Struct, at: u32) -> String {
        let last = s.members.iter().rposition(|m| m.since <= at);
        let sized = self.model.targets.iter().filter_map(|&t| {
            let layout = s.layouts.get(&t)?;
            let n = match last {
                None => 0,
                Some(last) if last + 1 == s.members.len() => layout.size,
                Some(last) => layout.members.get(last).map_or(0, |m| m.offset + m.size),
            };
            Some((t, n))
        });
        let sizes = crate::target::group(sized);
        match sizes.as_slice() {
            [(n, _)] => format!("{n} bytes"),
            _ => sizes
                .iter()
                .map(|(n, ts)| {
                    let names: Vec<&str> = ts.iter().map(|t| t.name()).collect();
                    format!("{n} bytes on {}", names.join(", "))
                })
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}
