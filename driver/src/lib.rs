//! The softaccel reference driver (being written).
