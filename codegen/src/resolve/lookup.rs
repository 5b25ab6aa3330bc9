//! Name searches. The resolver turns each name into an id here, once;
//! the model and everything after it follow ids.

use crate::model::{Const, Enum, Id, Model, Struct};
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// The item named `name` of `m` or of the specs it includes: `m`'s own
/// first, then each include's, depth first, in `include:` order.
fn named<'m, T>(
    m: &'m Model,
    name: &str,
    items: for<'x> fn(&'x Model) -> &'x [T],
    name_of: fn(&T) -> &str,
) -> Option<(Id<T>, &'m T)> {
    match items(m)
        .iter()
        .enumerate()
        .find(|(_, x)| name_of(x) == name)
    {
        Some((i, x)) => Some((Id::new(&Arc::from(m.name.as_str()), i), x)),
        None => m
            .includes
            .iter()
            .find_map(|inc| named(inc, name, items, name_of)),
    }
}

pub(super) fn struct_named<'m>(m: &'m Model, name: &str) -> Option<(Id<Struct>, &'m Struct)> {
    named(m, name, |m| &m.structs, |x| &x.name)
}

pub(super) fn enum_named<'m>(m: &'m Model, name: &str) -> Option<(Id<Enum>, &'m Enum)> {
    named(m, name, |m| &m.enums, |x| &x.name)
}

pub(super) fn const_named<'m>(m: &'m Model, name: &str) -> Option<&'m Const> {
    named(m, name, |m| &m.consts, |x| &x.name).map(|(_, c)| c)
}

/// The spec that owns the const `name` of `m` or of its includes.
pub(super) fn const_owner(m: &Model, name: &str) -> Option<String> {
    named(m, name, |m| &m.consts, |x| &x.name).map(|(id, _)| id.spec().to_string())
}

/// [`struct_named`] for many names of one model: its own structs by
/// name, indexed once (a spec with hundreds of ioctls asks for each
/// one's argument), then its includes' as `struct_named` searches them.
pub(super) struct StructIndex<'m> {
    model: &'m Model,
    spec: Arc<str>,
    /// The first struct of each name, as a scan finds it.
    by_name: FxHashMap<&'m str, usize>,
}

impl<'m> StructIndex<'m> {
    pub(super) fn new(model: &'m Model) -> Self {
        let mut by_name: FxHashMap<&'m str, usize> =
            FxHashMap::with_capacity_and_hasher(model.structs.len(), Default::default());
        for (i, x) in model.structs.iter().enumerate() {
            by_name.entry(x.name.as_str()).or_insert(i);
        }
        StructIndex {
            model,
            spec: Arc::from(model.name.as_str()),
            by_name,
        }
    }

    pub(super) fn get(&self, name: &str) -> Option<(Id<Struct>, &'m Struct)> {
        match self
            .by_name
            .get(name)
            .and_then(|&i| Some((i, self.model.structs.get(i)?)))
        {
            Some((i, x)) => Some((Id::new(&self.spec, i), x)),
            None => self
                .model
                .includes
                .iter()
                .find_map(|inc| struct_named(inc, name)),
        }
    }
}
