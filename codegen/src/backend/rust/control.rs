//! What the kernel and user crates' `operations` modules (control
//! messages) both ask of the model: whether there are operations to
//! generate, and the transport ioctl that carries them.

use crate::model::{Ioctl, Model, Operation};

/// The members of the transport ioctl's argument that generated code uses
/// (the wire contract of the README's control messages); a spec whose
/// transport lacks one gets the numbers and policies but no dispatch or
/// call functions.
const TRANSPORT_MEMBERS: &[&str] = &[
    "request",
    "reply",
    "request-len",
    "reply-cap",
    "reply-len",
    "error-offset",
    "error-attr",
];

/// The operations that have a `do` (the only mode generated).
pub(crate) fn ops(m: &Model) -> Vec<&Operation> {
    m.operations
        .as_ref()
        .map(|o| o.list.iter().filter(|op| op.do_.is_some()).collect())
        .unwrap_or_default()
}

/// Does the spec have control messages to generate?
pub(crate) fn has_operations(m: &Model) -> bool {
    !ops(m).is_empty()
}

/// The transport ioctl, when the spec names one that has the members the
/// wire contract needs.
pub(crate) fn transport(m: &Model) -> Option<&Ioctl> {
    let name = m.operations.as_ref()?.transport.as_ref()?;
    let io = m.ioctls.iter().find(|io| &io.name == name)?;
    let (s, _) = m.find_struct(io.arg.as_ref()?)?;
    TRANSPORT_MEMBERS
        .iter()
        .all(|n| s.member(n).is_some())
        .then_some(io)
        .filter(|_| has_operations(m))
}
