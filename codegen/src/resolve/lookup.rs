//! Name searches. The resolver turns each name into an id here, once;
//! the model and everything after it follow ids.

use crate::model::{Const, Enum, Id, Model, Struct};
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
