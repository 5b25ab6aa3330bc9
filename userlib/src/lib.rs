//! The canonical userspace library (being written).
