//! Resolver (being written).
