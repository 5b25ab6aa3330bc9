//! The hint of an `import-unexpressible` finding: what the user can do
//! about that kind of construct, chosen by the reason the mapping gave
//! (each reason is written by `super::map`, so the phrases matched here
//! are its own).

use crate::rules;

/// The hint for a construct the language cannot hold because of `why`.
pub fn hint(why: &str) -> String {
    const HINTS: &[(&str, &str)] = &[
        (
            "function-like macro",
            "a spec const is one integer: if the uapi needs the value it computes, add that value as a const by hand",
        ),
        (
            "an empty macro",
            "a spec const has a value; a flag macro without one stays in a hand-written header",
        ),
        (
            "not an integer constant expression",
            "a spec const is an integer constant: a string, or a macro built on names the uapi headers do not define (SZ_4K, BIT()), stays in a hand-written header",
        ),
        (
            "is a `long`",
            "`c-type: ulong` holds only all ones (`~0UL`); give the value a fixed width in a new ABI, or keep the macro by hand",
        ),
        (
            "bitfields",
            "describe the word as an integer member with a `flags` set (`bits: [low, high]` for a field of several bits): it reads the same bits on every ABI",
        ),
        (
            "pointer type",
            "a uapi struct carries an address in a `__u64`, which the spec writes `user-ptr`",
        ),
        (
            "fixed-width",
            "the spec writes `__u32`-style types (`int` is `s32`, an enum member an integer with `enum:`); an existing header with another type is kept by hand",
        ),
        (
            "attribute",
            "packed and aligned layouts are not reproduced in every language: the spec writes each hole as an explicit `pad` member",
        ),
        (
            "array of unions",
            "hold the unions one by one, or define a struct of one union and hold an array of it",
        ),
        (
            "spec name",
            "add the item by hand under another spec name, with `c-name` giving its C name",
        ),
        (
            "no spec name derives",
            "add the item by hand under a spec name of lower-case words, with `c-name` giving its C name",
        ),
        (
            "share no prefix",
            "add the enum by hand with `name-prefix` or each entry's `c-name`",
        ),
        (
            "differs from the header's first",
            "a spec has one ioctl magic: import the commands of each magic into a spec of their own",
        ),
        (
            "below DRM_COMMAND_BASE",
            "the DRM core's commands are drm.h's, not a driver's: leave them out of the driver's spec",
        ),
        (
            "every ioctl argument is",
            "an ioctl's argument is a struct or union; this command keeps its number only outside the spec",
        ),
        (
            "could not be computed",
            "check that the header compiles on its own, with every include it needs (`-I`)",
        ),
        (
            "is not expressible",
            "see the item it depends on, reported at its own place: once that is expressed, so is this",
        ),
        (
            "a uapi spec describes",
            "declarations other than structs, unions, enums, constants and ioctls stay in a hand-written header",
        ),
    ];
    HINTS
        .iter()
        .find(|(k, _)| why.contains(k))
        .map_or(rules::IMPORT_UNEXPRESSIBLE.hint, |(_, h)| h)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reason_has_its_own_hint() {
        let generic = rules::IMPORT_UNEXPRESSIBLE.hint;
        for why in [
            "a function-like macro has no value",
            "its replacement list `SZ_4K` is not an integer constant expression",
            "bitfields are not in the language",
            "pointer type `void *`: a uapi struct carries addresses as __u64",
            "type `int` is not a fixed-width __uN, __sN, __beN or __leN type",
            "its argument struct demo_bits is not expressible",
            "its spec name `max-items` is another const's",
        ] {
            assert_ne!(hint(why), generic, "{why}");
        }
        assert_eq!(hint("something new"), generic);
    }
}
