//! Structs: their order, their keys and their layouts per target.

use super::*;
use rustc_hash::{FxHashMap, FxHashSet};

impl Resolver<'_> {
    pub(super) fn forbid_struct_keys(&mut self, d: &spec::Definition, on: &str) {
        self.forbid("members", &d.members, on);
    }

    pub(super) fn structs(&mut self, s: &SpecFile, order: &mut Vec<ItemRef>) -> Vec<Struct> {
        // Resolve members first (layouts need nested structs, which may be
        // written in any order), then lay out in dependency order.
        let pending = self.resolve_structs(s);
        let names = RefNames {
            spec: self.spec_name.clone(),
            written: written_structs(s),
            includes: self.includes,
        };
        let done = keep_complete(self.lay_out(pending, &names), &names);
        let mut sorted = dependency_order(done, &names);
        settle_struct_ids(&mut sorted, &names);
        // Interleave struct positions into the definition order: structs
        // keep their relative order from `sorted`, placed after the consts
        // and enums, which C and Rust need declared first anyway.
        for i in 0..sorted.len() {
            order.push(ItemRef::Struct(i));
        }
        sorted
    }

    /// The structs whose members resolve, in written order; other kinds
    /// of definition than the known ones are reported here.
    fn resolve_structs(&mut self, s: &SpecFile) -> Vec<Struct> {
        let mut pending: Vec<Struct> = Vec::with_capacity(self.written.len());
        for d in &s.definitions {
            match d.kind.value.as_str() {
                "struct" | "union" => {
                    if let Some(x) = self.structure(d, s) {
                        pending.push(x);
                    }
                }
                "const" | "enum" | "flags" => {}
                other => {
                    let hint = did_you_mean(other, ["const", "enum", "flags", "struct", "union"]);
                    self.err(
                        &rules::UNKNOWN_TYPE,
                        self.pos(&d.kind),
                        format!("unknown definition type `{other}`"),
                        if hint.is_empty() {
                            "definitions are `const`, `enum`, `flags`, `struct` or `union`"
                                .to_string()
                        } else {
                            hint
                        },
                    );
                }
            }
        }
        pending
    }

    /// Lays structs out, each once the structs it embeds are; those never
    /// ready embed themselves.
    fn lay_out(&mut self, pending: Vec<Struct>, names: &RefNames) -> Vec<Struct> {
        let mut done: Vec<Struct> = Vec::with_capacity(pending.len());
        // The position in `done` of the first struct of each name, the
        // one a scan of `done` by name would find: every member that
        // embeds a struct asks, and a scan per question was quadratic.
        let mut done_at: FxHashMap<String, usize> = FxHashMap::default();
        let mut remaining = pending;
        while !remaining.is_empty() {
            let before = remaining.len();
            let mut still = Vec::new();
            for mut st in remaining {
                if !self.embeds_laid_out(&st, &done_at, names) {
                    still.push(st);
                } else if self.struct_layouts(&mut st, &done, &done_at, names) {
                    if !done_at.contains_key(&st.name) {
                        done_at.insert(st.name.clone(), done.len());
                    }
                    done.push(st);
                }
            }
            if still.len() == before {
                self.recursive_structs(&still, names);
                break;
            }
            remaining = still;
        }
        done
    }

    /// Are the structs `st` holds by value laid out? Only by-value nesting
    /// constrains layout order; a user-ptr is a plain 64-bit integer
    /// whatever it points at.
    fn embeds_laid_out(
        &self,
        st: &Struct,
        done_at: &FxHashMap<String, usize>,
        names: &RefNames,
    ) -> bool {
        st.members
            .iter()
            .all(|m| match m.kind.embedded_struct().map(|id| names.of(id)) {
                Some(name) => {
                    done_at.contains_key(name)
                        || self
                            .includes
                            .iter()
                            .any(|m| struct_named(m, name).is_some())
                }
                None => true,
            })
    }

    /// Computes `st`'s layout on every target; false when it has none (an
    /// error reported, here or for a struct it embeds).
    fn struct_layouts(
        &mut self,
        st: &mut Struct,
        done: &[Struct],
        done_at: &FxHashMap<String, usize>,
        names: &RefNames,
    ) -> bool {
        let includes = self.includes;
        let kinds: Vec<&MemberKind> = st.members.iter().map(|m| &m.kind).collect();
        let mut layouts: Vec<(Target, StructLayout)> = Vec::with_capacity(Target::ALL.len());
        for t in Target::ALL {
            // A target laid out by the same rules as one before it has
            // its layout (see `layout::same_rules`).
            if let Some(l) = layouts
                .iter()
                .find(|(u, _)| layout::same_rules(*u, t))
                .map(|(_, l)| l.clone())
            {
                layouts.push((t, l));
                continue;
            }
            let lookup = |id: &StructId| -> Option<&StructLayout> {
                let n = names.of(id);
                done_at
                    .get(n)
                    .and_then(|&i| done.get(i))
                    .map(|d| d.layout(t))
                    .or_else(|| {
                        includes
                            .iter()
                            .find_map(|m| struct_named(m, n))
                            .map(|x| x.1.layout(t))
                    })
            };
            let laid_out = if st.is_union {
                layout::union_layout(&kinds, t, &lookup)
            } else {
                layout::struct_layout(&kinds, t, &lookup)
            };
            match laid_out {
                Ok(l) => layouts.push((t, l)),
                Err(LayoutError::TooLarge) => {
                    self.err(
                        &rules::VALUE_OUT_OF_RANGE,
                        st.pos.clone(),
                        format!(
                            "struct `{}` is larger than {} bytes",
                            st.name,
                            layout::MAX_STRUCT_SIZE
                        ),
                        "",
                    );
                    return false;
                }
                Err(LayoutError::UnknownStruct(_)) => return false,
            }
        }
        // Built at once from the targets in order, not inserted one by
        // one (`st.layouts` is empty until here).
        st.layouts.append(&mut layouts.into_iter().collect());
        true
    }

    /// Reports the structs that wait on each other. One that waits on a
    /// struct that failed to resolve (its own error, reported already)
    /// is left out without another.
    fn recursive_structs(&mut self, never_ready: &[Struct], names: &RefNames) {
        let mut waiting: Vec<&Struct> = never_ready.iter().collect();
        loop {
            let before = waiting.len();
            let present: Vec<&str> = waiting.iter().map(|s| s.name.as_str()).collect();
            waiting.retain(|st| {
                st.members.iter().all(|m| {
                    m.kind.embedded_struct().is_none_or(|id| {
                        id.spec() != &*names.spec || present.contains(&names.of(id))
                    })
                })
            });
            if waiting.len() == before {
                break;
            }
        }
        for st in waiting {
            self.err(
                &rules::RECURSIVE_STRUCT,
                st.pos.clone(),
                format!(
                    "struct `{}` contains itself by value (directly or through other structs)",
                    st.name
                ),
                "a struct cannot embed itself; use a user-ptr or break the cycle",
            );
        }
    }

    pub(super) fn structure(&mut self, d: &S<spec::Definition>, s: &SpecFile) -> Option<Struct> {
        let name = self.name(&d.name, "struct");
        if let Some(h) = &d.header {
            self.not_generated(
                &rules::YNL_STRUCT_HEADER,
                self.pos(h),
                format!("struct `{name}` is defined by `{}` in YNL", h.value),
                "use the generated struct (its layout is the spec's), or `lint-allow` the warning",
            );
        }
        self.forbid("c-type", &d.c_type, "a struct");
        self.forbid_enum_keys(d, "a struct");
        let c_name = self.c_name(d.c_name.as_ref());
        self.forbid("value", &d.value.value, "a struct");
        let since = self.since(&d.since);
        let Some(members) = &d.members else {
            self.err(
                &rules::MISSING_KEY,
                self.pos(&d.name),
                format!("struct `{name}` has no `members`"),
                "add `members: [...]`",
            );
            return None;
        };
        if members.value.is_empty() {
            self.err(
                &rules::EMPTY_STRUCT,
                self.pos(members),
                format!("struct `{name}` has no members"),
                "an empty struct has size 0 in GNU C and 1 in C++; give it a member (e.g. `pad` of 8 bytes)",
            );
            return None;
        }
        // Sized once: a member is large, and growing moved them all.
        let mut out: Vec<Member> = Vec::with_capacity(members.value.len());
        let mut ok = true;
        for m in &members.value {
            let mname = self.name(&m.name, "member");
            if let Some(prev) = out.iter().find(|p| p.name == mname) {
                self.err(
                    &rules::DUPLICATE_NAME,
                    self.pos(&m.name),
                    format!("member `{mname}` appears twice in struct `{name}`"),
                    format!("first at {}", prev.pos),
                );
                ok = false;
                continue;
            }
            match self.member(m, mname, &members.value, s) {
                Some(mm) => out.push(mm),
                None => ok = false,
            }
        }
        if !ok || !self.c_visible_names_unique(&name, &members.value, s) {
            return None;
        }
        Some(Struct {
            name,
            doc: d.doc.clone(),
            since,
            members: out,
            layouts: BTreeMap::new(),
            c_name,
            pos: self.pos(&d.name),
            lint_allow: d.lint_allow.iter().map(|s| s.value.clone()).collect(),
            existing_abi: self.existing_abi(d.existing_abi.as_ref()),
            is_union: d.kind.value == "union",
            inline: d.inline,
        })
    }

    /// C reaches the members of an anonymous member as the holder's own,
    /// so every name visible there, through any depth of anonymous
    /// members, must differ (else `duplicate-name`: C refuses it).
    fn c_visible_names_unique(
        &mut self,
        name: &str,
        members: &[S<spec::MemberDef>],
        s: &SpecFile,
    ) -> bool {
        if !members
            .iter()
            .any(|m| m.anonymous.as_ref().is_some_and(|a| a.value))
        {
            return true;
        }
        let mut seen: Vec<&S<String>> = Vec::new();
        let mut ok = true;
        for n in visible_names(members, s, 0) {
            if let Some(prev) = seen.iter().find(|p| p.value == n.value) {
                self.err(
                    &rules::DUPLICATE_NAME,
                    self.pos(n),
                    format!(
                        "member `{}` is also a member of `{name}` in C, where an anonymous member's members are its holder's",
                        n.value
                    ),
                    format!("first at {}", self.pos(*prev)),
                );
                ok = false;
            }
            seen.push(n);
        }
        ok
    }

    /// A struct or union written in place (`members:` on a member) has
    /// no C tag, so only the member that writes it may hold it: any other
    /// reference to it is `bad-value` (true when reported).
    pub(super) fn refers_in_place(&mut self, r: &S<String>) -> bool {
        let inline = if let Some(w) = self.written.get(&r.value) {
            w.inline
        } else {
            self.includes
                .iter()
                .find_map(|m| struct_named(m, &r.value))
                .is_some_and(|(_, st)| st.inline)
        };
        if inline {
            self.in_place_error(r);
        }
        inline
    }

    pub(super) fn in_place_error(&mut self, r: &S<String>) {
        self.err(
            &rules::BAD_VALUE,
            self.pos(r),
            format!(
                "`{}` is written in place by a member of its holder (`members:`) and has no C tag",
                r.value
            ),
            "define the struct or union under `definitions` to refer to it from elsewhere",
        );
    }

    pub(super) fn struct_exists(&self, n: &str) -> bool {
        self.struct_ref(n).is_some()
    }

    /// The struct named `n`, of this spec or an included one. The spec's
    /// own structs are laid out in an order not known yet, so until
    /// [`settle_struct_ids`] they are referred to by written position.
    pub(super) fn struct_ref(&self, n: &str) -> Option<StructId> {
        match self.written.get(n) {
            Some(w) => Some(Id::new(&self.spec_name, w.index)),
            None => self
                .includes
                .iter()
                .find_map(|m| struct_named(m, n))
                .map(|(id, _)| id),
        }
    }

    /// Whether the struct or union named `n` (of this spec or an
    /// included one) is a union.
    pub(super) fn is_union(&self, n: &str) -> bool {
        match self.written.get(n) {
            Some(w) => w.is_union,
            None => self
                .includes
                .iter()
                .find_map(|m| struct_named(m, n))
                .is_some_and(|(_, x)| x.is_union),
        }
    }

    pub(super) fn struct_names<'b>(&'b self, s: &'b SpecFile) -> Vec<&'b str> {
        s.definitions
            .iter()
            .filter(|d| is_aggregate(&d.kind.value))
            .map(|d| d.name.value.as_str())
            .chain(self.includes.iter().flat_map(|m| {
                m.all_includes()
                    .into_iter()
                    .chain([m.as_ref()])
                    .flat_map(|mm| mm.structs.iter().map(|x| x.name.as_str()))
                    .collect::<Vec<_>>()
            }))
            .collect()
    }

    pub(super) fn dangling_struct(&mut self, r: &S<String>, s: &SpecFile) {
        let names: Vec<String> = self.struct_names(s).into_iter().map(String::from).collect();
        let hint = did_you_mean(&r.value, names.iter().map(String::as_str));
        self.err(
            &rules::DANGLING_REFERENCE,
            self.pos(r),
            format!("no struct named `{}` in this spec or its includes", r.value),
            if hint.is_empty() {
                "define it under `definitions` with `type: struct`".into()
            } else {
                hint
            },
        );
    }
}

/// Structs and unions: laid out from members, referred to by the same
/// ids, one C tag namespace.
fn is_aggregate(kind: &str) -> bool {
    matches!(kind, "struct" | "union")
}

/// The names of the spec's structs, in written order.
/// What a reference to one of the spec's own structs or unions needs to
/// know, found by name: every member, argument and element type that
/// names a struct asks, and scanning the definitions for each made
/// resolving quadratic in the number of structs.
#[derive(Debug, Clone, Copy)]
pub(super) struct WrittenStruct {
    /// Its position among the spec's structs and unions as written (the
    /// first of that name: a second is an error reported elsewhere).
    index: usize,
    is_union: bool,
    /// Written in place by a member of its holder (`members:`): any
    /// definition of that name says so.
    inline: bool,
}

/// The spec's own structs and unions by name.
pub(super) fn written_index(s: &SpecFile) -> rustc_hash::FxHashMap<String, WrittenStruct> {
    let mut by_name = rustc_hash::FxHashMap::default();
    let aggregates = s.definitions.iter().filter(|d| is_aggregate(&d.kind.value));
    for (index, d) in aggregates.enumerate() {
        by_name
            .entry(d.name.value.clone())
            .or_insert(WrittenStruct {
                index,
                is_union: d.kind.value == "union",
                inline: false,
            });
    }
    for d in s.definitions.iter().filter(|d| d.inline) {
        if let Some(w) = by_name.get_mut(&d.name.value) {
            w.inline = true;
        }
    }
    by_name
}

fn written_structs(s: &SpecFile) -> Vec<&str> {
    s.definitions
        .iter()
        .filter(|d| is_aggregate(&d.kind.value))
        .map(|d| d.name.value.as_str())
        .collect()
}

/// How the struct phase names a struct reference: by written position
/// for the spec's own structs (see [`Resolver::struct_ref`]), by final id
/// for included ones. Layout order and lookups go by name, as the spec
/// wrote them.
struct RefNames<'a> {
    spec: Arc<str>,
    written: Vec<&'a str>,
    includes: &'a [Arc<Model>],
}

impl<'a> RefNames<'a> {
    fn of(&self, id: &StructId) -> &'a str {
        let name = if id.spec() == &*self.spec {
            self.written.get(id.index()).copied()
        } else {
            self.includes
                .iter()
                .find_map(|m| {
                    if m.name == id.spec() {
                        Some(m.as_ref())
                    } else {
                        m.tree.get(id.spec()).map(Arc::as_ref)
                    }
                })
                .and_then(|m| m.structs.get(id.index()))
                .map(|x| x.name.as_str())
        };
        name.unwrap_or_default()
    }
}

/// The laid-out structs in definition order, each after the structs it
/// embeds. Lookups go through an index by name: a subsystem-sized spec
/// has a thousand structs, and a scan per reference is quadratic.
fn dependency_order(done: Vec<Struct>, names: &RefNames) -> Vec<Struct> {
    fn place(
        at: usize,
        done: &[Struct],
        placed: &mut [bool],
        by_name: &FxHashMap<&str, usize>,
        order: &mut Vec<usize>,
        names: &RefNames,
    ) {
        // Marked before its embeds are placed, so a cycle (reported as
        // an error while laying out) cannot recurse forever.
        let (Some(st), Some(seen)) = (done.get(at), placed.get_mut(at)) else {
            return;
        };
        if *seen {
            return;
        }
        *seen = true;
        for m in &st.members {
            if let Some(i) = m
                .kind
                .embedded_struct()
                .and_then(|id| by_name.get(names.of(id)))
            {
                place(*i, done, placed, by_name, order, names);
            }
        }
        order.push(at);
    }
    // The first of two structs of one name (an error reported already)
    // is the one kept.
    let order = {
        let mut by_name: FxHashMap<&str, usize> =
            FxHashMap::with_capacity_and_hasher(done.len(), Default::default());
        for (i, s) in done.iter().enumerate() {
            by_name.entry(s.name.as_str()).or_insert(i);
        }
        let mut placed = vec![false; done.len()];
        let mut order: Vec<usize> = Vec::with_capacity(done.len());
        for n in &names.written {
            if let Some(i) = by_name.get(*n) {
                place(*i, &done, &mut placed, &by_name, &mut order, names);
            }
        }
        order
    };
    let mut done: Vec<Option<Struct>> = done.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| done.get_mut(i).and_then(Option::take))
        .collect()
}

/// The structs whose references to this spec's own structs (by value or
/// as a user-ptr's element) all point at structs that resolved. Only a
/// spec with errors loses any: the model lint still runs on after
/// resolution errors (to report everything in one run) must hold no id
/// that points at nothing.
fn keep_complete(mut done: Vec<Struct>, names: &RefNames) -> Vec<Struct> {
    loop {
        let keep: Vec<bool> = {
            let present: FxHashSet<&str> = done.iter().map(|s| s.name.as_str()).collect();
            done.iter()
                .map(|st| {
                    st.members.iter().all(|m| {
                        m.kind.referenced_struct().is_none_or(|id| {
                            id.spec() != &*names.spec || present.contains(names.of(id))
                        })
                    })
                })
                .collect()
        };
        if keep.iter().all(|k| *k) {
            return done;
        }
        let mut keep = keep.into_iter();
        done.retain(|_| keep.next().unwrap_or(true));
    }
}

/// Gives references to the spec's own structs their final index, the
/// position in `sorted`. A reference to a struct that failed keeps its
/// written position: that failure is an error, and the spec yields no
/// model.
fn settle_struct_ids(sorted: &mut [Struct], names: &RefNames) {
    let position: FxHashMap<&str, usize> = sorted
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let final_index: Vec<Option<usize>> = names
        .written
        .iter()
        .map(|n| position.get(n).copied())
        .collect();
    for m in sorted.iter_mut().flat_map(|s| &mut s.members) {
        let Some(id) = m.kind.referenced_struct_mut() else {
            continue;
        };
        if id.spec() == &*names.spec
            && let Some(Some(i)) = final_index.get(id.index())
        {
            *id = Id::new(&names.spec, *i);
        }
    }
}

/// The member names C sees in a struct: its own, and for an anonymous
/// member those of its (hoisted) struct or union, recursively.
fn visible_names<'s>(
    members: &'s [S<spec::MemberDef>],
    s: &'s SpecFile,
    depth: usize,
) -> Vec<&'s S<String>> {
    let mut out = Vec::new();
    for m in members {
        let inner = m
            .union
            .as_ref()
            .or(m.r#struct.as_ref())
            .filter(|_| m.hoisted && m.anonymous.as_ref().is_some_and(|a| a.value) && depth < 64)
            .and_then(|r| s.definitions.iter().find(|d| d.name.value == r.value))
            .and_then(|d| d.members.as_ref());
        match inner {
            Some(inner) => out.extend(visible_names(&inner.value, s, depth + 1)),
            None => out.push(&m.name),
        }
    }
    out
}
