//! Member rules: time units and undeclared user pointers.

use super::*;

impl<'a> Cx<'a> {
    /// Rule 19 for one member.
    pub(super) fn time_units(&mut self, s: &Struct, m: &Member) {
        let MemberKind::Scalar { ty, .. } = m.kind else {
            return;
        };
        // What `is_time_name` looks for, without splitting the name: a
        // word with `time` or `deadline` in it, or a unit as the last.
        let last = last_word(&m.name);
        if !holds(&m.name, b"time") && !holds(&m.name, b"deadline") && !is_time_unit(last) {
            return;
        }
        let words: Vec<&str> = m.name.split('-').collect();
        let last = *words.last().unwrap_or(&"");
        if !is_time_name(&words) {
            return;
        }
        if ty == Scalar::S64 && last == "ns" {
            return;
        }
        if ty == Scalar::S64 && self.sec_nsec_pair(s, m) {
            return;
        }
        let name_ok = last == "ns" || self.pair_partner(s, m).is_some();
        let (pos, what, suggested) = if name_ok {
            (
                &m.type_pos,
                format!("`{}` is a time but has type `{}`", m.name, ty.name()),
                m.name.clone(),
            )
        } else {
            (
                &m.pos,
                format!(
                    "`{}` looks like a time but is not `s64` nanoseconds named `-ns`",
                    m.name
                ),
                suggested_ns_name(&words),
            )
        };
        let d = self.diag(&rules::TIME_UNITS, pos, what).with_hint(format!(
            "use `s64` nanoseconds, CLOCK_MONOTONIC, absolute: `{{ name: {suggested}, type: s64 }}`"
        ));
        self.emit_for(d, &[&m.lint_allow, &s.lint_allow], s.existing_abi);
    }

    /// One half of `{s64 sec; s64 nsec}`, itself an s64 scalar (the other
    /// half is checked on its own, so only the wrong one is reported).
    pub(super) fn sec_nsec_pair(&self, s: &Struct, m: &Member) -> bool {
        self.pair_partner(s, m).is_some()
            && matches!(
                m.kind,
                MemberKind::Scalar {
                    ty: Scalar::S64,
                    count: None
                }
            )
    }

    /// The sibling completing `<p>sec`/`<p>nsec`, whatever its type.
    pub(super) fn pair_partner<'s>(&self, s: &'s Struct, m: &Member) -> Option<&'s Member> {
        let partner = if let Some(p) = m.name.strip_suffix("nsec") {
            format!("{p}sec")
        } else if let Some(p) = m.name.strip_suffix("sec") {
            format!("{p}nsec")
        } else {
            return None;
        };
        let ok_prefix = |n: &str| {
            let p = n.trim_end_matches("nsec").trim_end_matches("sec");
            p.is_empty() || p.ends_with('-')
        };
        if !ok_prefix(&m.name) {
            return None;
        }
        s.member(&partner)
    }

    /// Rule 2 (warning): a u64 named like an address that is not a
    /// `user-ptr`.
    pub(super) fn undeclared_user_ptr(&mut self, s: &Struct, m: &Member) {
        let MemberKind::Scalar {
            ty: Scalar::U64,
            count: None,
        } = m.kind
        else {
            return;
        };
        // Words read in place: most u64 members are no pointer, and a
        // vector of words each was an allocation each.
        let words = || m.name.split('-');
        let last = words().next_back().unwrap_or("");
        let pointerish = words()
            .any(|w| matches!(w, "ptr" | "ptrs" | "pointer" | "userptr" | "uptr"))
            || matches!(last, "addr" | "address" | "uaddr");
        if !pointerish {
            return;
        }
        // Device, bus and I/O virtual addresses are u64 values the kernel
        // never dereferences in the caller's memory.
        let device = words().any(|w| {
            matches!(
                w,
                "dev"
                    | "device"
                    | "gpu"
                    | "npu"
                    | "vpu"
                    | "dma"
                    | "iova"
                    | "phys"
                    | "bus"
                    | "mmio"
                    | "vram"
                    | "fw"
            )
        });
        if device || m.address.is_some() {
            return;
        }
        let d = self
            .diag(
                &rules::UNDECLARED_USER_PTR,
                &m.type_pos,
                format!("`{}` is named like a userspace address but is a plain `u64`", m.name),
            )
            .with_hint(if s.existing_abi {
                // A user-ptr is 8-aligned everywhere, a u64 only 4 on
                // i386: say what it holds without moving a byte.
                format!(
                    "write `address: user` (or `user-or-value`) on `{}`: it keeps the `u64` as it ships; or `lint-allow: [undeclared-user-ptr]` if it is not a userspace address",
                    m.name
                )
            } else {
                format!(
                    "declare `{{ name: {}, type: user-ptr, elem: ..., count: ..., max-count: ... }}`, or add `lint-allow: [undeclared-user-ptr]` if it is not a userspace address",
                    m.name
                )
            });
        self.emit_for(d, &[&m.lint_allow, &s.lint_allow], s.existing_abi);
    }
}

/// The last kebab word of `name`. Names are short: a byte scan costs
/// less here than the setup of a substring search.
fn last_word(name: &str) -> &str {
    let start = name.bytes().rposition(|b| b == b'-').map_or(0, |i| i + 1);
    name.get(start..).unwrap_or("")
}

/// Whether `name` holds `part` (see [`last_word`] for why not `contains`).
fn holds<const N: usize>(name: &str, part: &[u8; N]) -> bool {
    name.as_bytes().windows(N).any(|w| w == part)
}

/// Does a name (split into kebab words) suggest a time?
fn is_time_name(words: &[&str]) -> bool {
    let last = *words.last().unwrap_or(&"");
    // Words that contain "time" but name no time.
    let not_time = |w: &str| matches!(w, "timeline" | "timelines" | "timer" | "timers" | "times");
    words
        .iter()
        .any(|w| !not_time(w) && (w.starts_with("time") || w.ends_with("time") || *w == "deadline"))
        || is_time_unit(last)
}

/// A last word naming a unit of time.
fn is_time_unit(word: &str) -> bool {
    matches!(
        word,
        "ms" | "us" | "ns" | "sec" | "secs" | "nsec" | "usec" | "msec" | "jiffies"
    )
}

/// `timeout-ms` -> `timeout-ns`, `deadline` -> `deadline-ns`.
fn suggested_ns_name(words: &[&str]) -> String {
    let units = [
        "ms", "us", "ns", "sec", "secs", "nsec", "usec", "msec", "jiffies",
    ];
    let stem: Vec<&str> = match words.split_last() {
        Some((last, init)) if units.contains(last) && !init.is_empty() => init.to_vec(),
        Some((last, [])) if units.contains(last) => vec!["time"],
        _ => words.to_vec(),
    };
    format!("{}-ns", stem.join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_names() {
        let t = |n: &str| is_time_name(&n.split('-').collect::<Vec<_>>());
        for n in [
            "timeout",
            "timeout-ms",
            "deadline",
            "runtime",
            "start-us",
            "tv-sec",
            "nsec",
            "delay-jiffies",
        ] {
            assert!(t(n), "{n}");
        }
        for n in [
            "timeline",
            "timer-id",
            "retry-times",
            "handle",
            "nsegs",
            "status",
        ] {
            assert!(!t(n), "{n}");
        }
        let s = |n: &str| suggested_ns_name(&n.split('-').collect::<Vec<_>>());
        assert_eq!(s("timeout-ms"), "timeout-ns");
        assert_eq!(s("deadline"), "deadline-ns");
        assert_eq!(s("secs"), "time-ns");
    }
}
