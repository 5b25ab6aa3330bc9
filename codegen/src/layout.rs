//! Layout engine (being written).
