//! What every text backend needs and no one backend owns.

use crate::model::PtrLen;

/// The doc sentence every text backend writes for a `user-ptr` member:
/// `address` says how the language holds it ("an address", "a __u64"),
/// `elem` names the element type in that language, and `sibling` names
/// the member holding the count or byte length.
pub(crate) fn user_ptr_note(
    address: &str,
    elem: &str,
    len: &PtrLen,
    max: Option<u64>,
    sibling: impl Fn(usize) -> String,
) -> String {
    let max = max.map(|n| format!(", at most {n}")).unwrap_or_default();
    match len {
        PtrLen::Count(i) => format!(
            "User pointer ({address}) to {} elements of {elem}{max}.",
            sibling(*i)
        ),
        PtrLen::Bytes(i) => format!(
            "User pointer ({address}) to {} bytes of {elem} elements{max}.",
            sibling(*i)
        ),
        PtrLen::Single => format!("User pointer ({address}) to one {elem}."),
    }
}
