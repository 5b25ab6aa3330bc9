//! The catalogue of every rule the tool can report: front end (parse),
//! resolver, lint and compat alike. Each rule is a typed static, so a
//! diagnostic names its rule by reference (`&rules::IMPLICIT_PADDING`):
//! a misspelt rule is a compile error, not a run-time lookup that can
//! fail, and `uabi rules` lists exactly what any command can print.

use crate::diag::Severity::{self, Error, Warning};

/// The stage of the pipeline that reports a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Reading the YAML into the surface syntax.
    Parse,
    /// Names, includes, types and layouts (a spec breaking these has no
    /// model).
    Resolve,
    /// The rules of lint-rules.md checked on a resolved model.
    Lint,
    /// Evolution rules, checked between two revisions.
    Compat,
    /// `uabi import`: what a C header holds that its spec cannot.
    Import,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Parse => "parse",
            Stage::Resolve => "resolve",
            Stage::Lint => "lint",
            Stage::Compat => "compat",
            Stage::Import => "import",
        }
    }
}

/// One rule: what `uabi rules` lists and what each diagnostic cites.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// Stable kebab-case id, printed in diagnostics and accepted by
    /// `lint-allow`.
    pub id: &'static str,
    /// The severity a diagnostic of this rule has, unless the item it is
    /// about relaxes it.
    pub severity: Severity,
    pub stage: Stage,
    /// The rule's number in lint-rules.md; 0 for rules of the spec
    /// language itself.
    pub number: u32,
    /// Why the rule exists, in one line.
    pub rationale: &'static str,
    /// What to write instead, when the site has nothing more specific.
    pub hint: &'static str,
}

impl Rule {
    /// Whether `lint-allow` may silence it: warnings of a spec only (an
    /// import rule is about a C header, which has no `lint-allow`).
    pub fn can_be_allowed(&self) -> bool {
        self.severity == Warning && self.stage != Stage::Import
    }
}

macro_rules! catalogue {
    ($($name:ident = $id:literal, $severity:ident, $stage:ident, $number:literal,
        $rationale:literal, $hint:literal;)*) => {
        $(
            pub static $name: Rule = Rule {
                id: $id,
                severity: $severity,
                stage: Stage::$stage,
                number: $number,
                rationale: $rationale,
                hint: $hint,
            };
        )*
        /// Every rule, in catalogue order (by stage).
        pub static ALL: &[&Rule] = &[$(&$name),*];
    };
}

/// The rule with this id (for `lint-allow` lists and tools).
pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

/// The rules of one stage.
pub fn of_stage(stage: Stage) -> impl Iterator<Item = &'static Rule> {
    ALL.iter().copied().filter(move |r| r.stage == stage)
}

catalogue! {
    IO = "io", Error, Parse, 0,
        "the spec file must be readable",
        "check the path and its permissions";
    SYNTAX = "syntax", Error, Parse, 0,
        "the spec is YAML and must parse as YAML",
        "the file is not valid YAML here";
    UNKNOWN_KEY = "unknown-key", Error, Parse, 0,
        "every key has a meaning in the spec language; an unknown one is a typo that would silently be ignored",
        "spec-language.md lists the keys of each kind of item";
    MISSING_KEY = "missing-key", Error, Parse, 0,
        "a required key has no default",
        "add the key";
    DUPLICATE_KEY = "duplicate-key", Error, Parse, 0,
        "YAML keeps one of two equal keys silently; the spec must say one thing",
        "remove one of the keys";
    BAD_VALUE = "bad-value", Error, Parse, 0,
        "a key's value has the wrong type or is not one of its allowed values",
        "see spec-language.md for the values this key takes";
    BAD_INCLUDE = "bad-include", Error, Resolve, 0,
        "includes are relative paths to readable specs",
        "write the path relative to the including spec, e.g. `accel-core.yaml`";
    INCLUDE_CYCLE = "include-cycle", Error, Resolve, 0,
        "a spec cannot include itself, directly or through others",
        "a common spec must not include the specs built on it";
    DANGLING_REFERENCE = "dangling-reference", Error, Resolve, 0,
        "a reference must name an item that exists",
        "define the item, or fix the spelling of the reference";
    DUPLICATE_NAME = "duplicate-name", Error, Resolve, 0,
        "names are unique within their scope, since every generated identifier derives from them",
        "rename one of them";
    DUPLICATE_NUMBER = "duplicate-number", Error, Resolve, 0,
        "numbers are compiled into binaries and are never shared",
        "give each item its own number";
    EMPTY_STRUCT = "empty-struct", Error, Resolve, 0,
        "an empty struct is 0 bytes in C and 1 in C++; ABIs disagree about it",
        "add a member (a `pad` reserved for later use)";
    INVALID_NAME = "invalid-name", Error, Resolve, 0,
        "names are lower-case kebab-case so every language's identifier can be derived from them",
        "write lower-case words joined by `-`";
    KEY_NOT_ALLOWED = "key-not-allowed", Error, Resolve, 0,
        "the key has no meaning for this kind of item",
        "remove the key; spec-language.md lists the keys of each kind of item";
    MAGIC_MISMATCH = "magic-mismatch", Error, Resolve, 0,
        "a spec and the specs it includes share the ioctl magic",
        "use the included spec's magic";
    RECURSIVE_STRUCT = "recursive-struct", Error, Resolve, 0,
        "a struct that contains itself has no finite size",
        "break the cycle with a `user-ptr`";
    SINCE_AFTER_REVISION = "since-after-revision", Error, Resolve, 0,
        "an item cannot be newer than the spec's revision",
        "set `since` at most `revision`, or bump `revision`";
    UNKNOWN_ERRNO = "unknown-errno", Error, Resolve, 0,
        "errors are Linux errno names, so every language maps them",
        "use a name from errno(3), e.g. `EINVAL`";
    UNKNOWN_TARGET = "unknown-target", Error, Resolve, 0,
        "layouts are computed for known Linux target ABIs only",
        "use a target that `uabi` knows (x86_64, i386, aarch64, arm, riscv64, powerpc64le, mips, s390x, sparc64, alpha)";
    UNKNOWN_TYPE = "unknown-type", Error, Resolve, 0,
        "a member's type is a fixed-width scalar or a struct of the spec or its includes",
        "use `u8`..`u64`, `s8`..`s64`, `pad`, `user-ptr` or a struct name";
    USER_PTR_UNBOUNDED = "user-ptr-unbounded", Error, Resolve, 15,
        "an array behind a user pointer needs a count member and a maximum, so the kernel never copies an unbounded amount",
        "add `count:` (a member) and `max-count:`";
    VALUE_OUT_OF_RANGE = "value-out-of-range", Error, Resolve, 0,
        "the value does not fit the bounds of its type or key",
        "use a value within the bounds stated";
    INVALID_C_NAME = "invalid-c-name", Error, Resolve, 0,
        "a `c-name` is written into the C header as it is, so it must be a C identifier and no C or C++ keyword",
        "write a C identifier as the existing header spells it, e.g. `DRM_IVPU_PARAM_DEVICE_ID` or `drm_ivpu_param`";
    DRM_NR_BELOW_BASE = "drm-nr-below-base", Error, Resolve, 0,
        "a DRM driver's number macros count from DRM_COMMAND_BASE (0x40); the numbers below it are the DRM core's own ioctls",
        "number the driver's ioctls from 0x40 (`nr: 0x40` is written `0x00` after DRM_COMMAND_BASE), or drop `style: drm`";
    DRM_MAGIC = "drm-magic", Error, Resolve, 0,
        "`style: drm` commands are built by DRM_IO/DRM_IOR/DRM_IOW/DRM_IOWR, which always use DRM_IOCTL_BASE ('d', 0x64)",
        "drop `magic` (DRM's 0x64 is the default in this style), or drop `style: drm`";
    UNDECLARED_USER_PTR = "undeclared-user-ptr", Warning, Lint, 2,
        "userspace addresses are declared `user-ptr`, so generated code copies through the user-copy abstraction with checked lengths",
        "declare the member `type: user-ptr` with its element type and count, or `lint-allow` it if it is not an address";
    IMPLICIT_PADDING = "implicit-padding", Error, Lint, 3,
        "an implicit hole differs between ABIs and its bytes are never checked to be zero; every hole must be an explicit `pad` member",
        "add an explicit `pad` member (or an existing-ABI marking) where the hole is";
    IMPLICIT_TAIL_PADDING = "implicit-tail-padding", Error, Lint, 4,
        "tail padding differs between ABIs and changes the size, and so the ioctl number (ivpu's submit is 32 bytes on x86-64, 28 on i386)",
        "append a `pad` member so the size is a multiple of the struct's alignment on every target";
    LAYOUT_DIFFERS = "layout-differs", Error, Lint, 5,
        "sizes and offsets must be identical on every target, so one header and one command number serve every ABI",
        "reorder or pad members so every member is naturally aligned and the size is the same on every target";
    IOCTL_ARG_TOO_LARGE = "ioctl-arg-too-large", Error, Lint, 6,
        "an ioctl argument is at most 8191 bytes, the portable _IOC_SIZE limit (13 bits on powerpc, mips, sparc and alpha)",
        "pass large data through a `user-ptr` array instead of inline";
    DIR_MISMATCH = "dir-mismatch", Error, Lint, 7,
        "the direction bits decide what the kernel copies in and out (i915 had to add EXECBUFFER2_WR when execbuffer started returning a fence)",
        "make `dir` `out` or `inout` when the kernel writes a member, `in` or `inout` when it reads one";
    DIR_ARG_MISMATCH = "dir-arg-mismatch", Error, Lint, 8,
        "`dir: none` (_IO) carries no argument and every other dir carries a struct",
        "give `dir: none` no `arg`, and every other dir an `arg` struct";
    NR_OUT_OF_RANGE = "nr-out-of-range", Error, Lint, 9,
        "numbers outside the spec's nr range collide with another layer's (DRM/accel drivers use 0x40..0x9f, the core 0x00..0x3f)",
        "pick a number inside the spec's `ioctl: nr-range`";
    NR_REUSED = "nr-reused", Error, Lint, 9,
        "a retired number may still be called by old binaries; reusing it gives their calls a different meaning",
        "pick a number that was never used; retired numbers stay retired";
    MISSING_EXTENSION = "missing-extension", Error, Lint, 10,
        "how a caller struct of another size is handled is part of the ABI: `zero-extend` (drm_ioctl) or `strict` (copy_struct_from_user)",
        "add `extension: zero-extend` (as drm_ioctl does) or `extension: strict`";
    MISSING_ERRORS = "missing-errors", Error, Lint, 10,
        "the errors an ioctl returns are part of its ABI and must be documented",
        "list the errnos the ioctl returns under `errors:`";
    FLEXIBLE_ARRAY = "flexible-array", Warning, Lint, 0,
        "a flexible array member's elements are outside the struct's size: an ioctl copies none of them, and the generated kernel side gives the handler only the fixed part",
        "pass the elements through a `user-ptr` with `count` and `max-count`, which the kernel side bounds and copies";
    FLEXIBLE_ARRAY_HELD = "flexible-array-held", Error, Lint, 0,
        "a struct ending in a flexible array member has no room for its elements where it is held by value, in an array (inline or behind a user pointer) or as a ring entry, so they would overlap what follows (ISO C forbids it)",
        "hold the struct behind a `user-ptr`, or move the elements there";
    UNION = "union", Error, Lint, 0,
        "which member of a union is active only the handler knows, so the generated kernel side checks and clears none of its bytes (a pad of one member is a value of another)",
        "give each variant its own struct and ioctl, or a struct whose enum member says which variant follows behind a `user-ptr`";
    ANONYMOUS_MEMBER = "anonymous-member", Error, Lint, 0,
        "C names the members of an anonymous struct or union as its holder's, which Rust and Go cannot (they hold it under its spec name), and an anonymous union's bytes are the handler's to check",
        "define the struct or union and hold it as a named member (`{ name: x, type: union, union: NAME }`)";
    ENUM_ALIAS = "enum-alias", Warning, Lint, 0,
        "two entries of one value (an existing header's alias, as `X_LAST = X_FINAL`) make a value read back name either, and a new entry placed between them moves only one",
        "keep it: binaries in the field depend on the value; a new enum gives each entry its own value";
    TARGET_DEPENDENT_CONST = "target-dependent-const", Error, Lint, 0,
        "a const of a C type as wide as the target's `long` has another value on 32-bit ABIs than on 64-bit ones, so one binary's constant is not another's",
        "give the value a fixed width: `value: 0xffffffffffffffff` (or the 32-bit one) without `c-type`";
    TIME_UNITS = "time-units", Warning, Lint, 19,
        "times are `s64` nanoseconds (or an s64 sec/nsec pair) on CLOCK_MONOTONIC, timeouts absolute, so restarted calls do not extend them",
        "use `s64` nanoseconds named `*-ns`, or a `{ sec, nsec }` pair of `s64`";
    RING_ENTRY_BYTE_ORDER = "ring-entry-byte-order", Error, Lint, 26,
        "ring entries are read by the device and by userspace on hosts of either byte order; every multi-byte member declares which one it is in",
        "give each multi-byte member of a ring entry a byte order (`u32le`, `u64be`, ...)";
    RING_INDEX_TYPE = "ring-index-type", Error, Lint, 27,
        "ring indices are free-running and atomically updated on their own cache line: u32 or u64 (a u16 index wraps after 65536 entries and has no portable atomic)",
        "make the ring index `u32` or `u64`";
    RING_REGION_IOCTL = "ring-region-ioctl", Warning, Lint, 28,
        "a ring's mmap offset is published at runtime by the ioctl that creates it (io_uring style), so the layout can move without an ABI break: an ioctl argument has out members `<ring>-offset` and `<ring>-size` (u64)",
        "have the ioctl that creates the ring return `<ring>-offset` and `<ring>-size` as `u64` out members";
    HEADER_RESERVED_NAME = "header-reserved-name", Error, Lint, 32,
        "generated headers and crates must compile as userspace C and C++, in the kernel, and as Rust; a keyword or macro name breaks them",
        "rename the item: the generated C name is reserved or already defined by the kernel headers";
    GENERATED_NAME_CLASH = "generated-name-clash", Error, Lint, 32,
        "every name a generated header or crate defines (constants, enumerators, struct and enum tags, ioctl, number and magic macros, a flags set's ALL mask, and what the headers it includes define, drm.h's among them) must be defined once, or the header or crate breaks",
        "rename one of the items (or set its C name) so the generated identifiers differ";
    NETLINK_VALUE_ZERO = "netlink-value-zero", Error, Lint, 29,
        "attribute and operation value 0 is never valid on the wire (netlink reserves it); only an `unused` attribute may hold it",
        "number attributes and operations from 1; 0 is never a valid type";
    UNBOUNDED_ATTR_LEN = "unbounded-attr-len", Warning, Lint, 30,
        "a string or binary attribute a request may carry needs a length rule (`max-len`, `exact-len`, `len` or `struct`), or the receiver accepts any size up to the whole message",
        "give the attribute a `max-len` (or `checks: max-len`)";
    UNALIGNED_ATTR_STRUCT = "unaligned-attr-struct", Warning, Lint, 31,
        "netlink aligns attribute payloads to 4 bytes only, so a struct holding a 64-bit member is misaligned in the message; copy it out, never cast the payload",
        "keep 64-bit members of an attribute payload struct readable unaligned, or `lint-allow` it";
    YNL_FIXED_HEADER = "ynl-fixed-header", Warning, Lint, 0,
        "the control-message wire format has no fixed header between the message header and the attributes; generated code ignores it",
        "drop `fixed-header` or `lint-allow` the warning: the generated code ignores it";
    YNL_SUB_MESSAGE = "ynl-sub-message", Warning, Lint, 0,
        "sub-messages (attributes whose layout depends on another attribute) are not generated; such attributes are neither encoded nor validated",
        "describe the payload as a nest or binary, or `lint-allow` the warning";
    YNL_ATTR_TYPE = "ynl-attr-type", Warning, Lint, 0,
        "indexed-array, array-nest, nest-type-value and bitfield32 attributes, and `type-value` on other attributes, are not generated; they are neither encoded nor validated as such",
        "use a nest with `multi-attr`, or `lint-allow` the warning";
    YNL_ENUM_MODEL = "ynl-enum-model", Warning, Lint, 0,
        "only the unified message numbering (one value per operation, shared by request and reply) is generated",
        "use `enum-model: unified`, or `lint-allow` the warning";
    YNL_DUMP = "ynl-dump", Warning, Lint, 0,
        "dumps (multi-part replies) are not generated; a control request has exactly one reply",
        "serve the listing with a `do` operation, or `lint-allow` the warning";
    YNL_NOTIFICATION = "ynl-notification", Warning, Lint, 0,
        "notifications and multicast delivery are not generated; their operation numbers are only reserved",
        "use a request and reply, or `lint-allow` the warning";
    YNL_KERNEL_POLICY = "ynl-kernel-policy", Warning, Lint, 0,
        "generated kernel code validates each request against its own operation's attribute list (YNL's split policy)",
        "drop `kernel-policy`, or `lint-allow` the warning: policies are generated per operation";
    YNL_RELAXED_VALIDATION = "ynl-relaxed-validation", Warning, Lint, 0,
        "generated kernel code always validates strictly; relaxations of YNL's kernel validation are not generated",
        "drop `dont-validate`, or `lint-allow` the warning: every message is validated strictly";
    YNL_STRUCT_HEADER = "ynl-struct-header", Warning, Lint, 0,
        "a struct YNL takes from another C header (`header:`) is defined by the generated code itself, under this family's name and with the members the spec lists; the named header is not included",
        "use the generated struct (its layout is the spec's), or `lint-allow` the warning";
    YNL_STRING_CONST = "ynl-string-const", Warning, Lint, 0,
        "a const whose value is a string (YNL's string define) is generated in the C header only; the Rust, Python and Go output do not define it",
        "use it from C, or make the const an integer";
    UNKNOWN_LINT_RULE = "unknown-lint-rule", Warning, Lint, 0,
        "a `lint-allow` naming no rule silences nothing (a misspelled id?)",
        "use an id that `uabi rules` lists";
    LINT_ALLOW_ERROR = "lint-allow-error", Warning, Lint, 0,
        "errors describe a real ABI problem and cannot be silenced; only warnings can",
        "fix the error instead: errors cannot be silenced";
    NON_FIXED_WIDTH_TYPE = "non-fixed-width-type", Error, Resolve, 1,
        "only fixed-width integer types: `int`, `long`, `size_t`, `bool`, `time_t` and enums change size or signedness between ABIs",
        "use `u8`..`u64` or `s8`..`s64` (an enum-valued member is a `u32` with `enum:`)";
    RAW_POINTER = "raw-pointer", Error, Resolve, 2,
        "a pointer is 4 bytes on 32-bit ABIs and 8 on 64-bit ones (i915_getparam needed compat code forever); use `user-ptr`",
        "use `type: user-ptr` with an element type and count";
    REMOVED_ITEM = "removed-item", Error, Compat, 20,
        "binaries and sources built against the old revision use every item it had",
        "keep the item; mark it deprecated in its doc instead";
    REMOVED_MEMBER = "removed-member", Error, Compat, 20,
        "old binaries still write and read the member at its offset",
        "keep the member; a member no longer used stays as pad-compatible reserved space";
    REMOVED_ENTRY = "removed-entry", Error, Compat, 23,
        "enums, flags, attributes and operations only gain entries; old binaries still send the old ones",
        "keep the entry; retire it in its doc instead";
    RENAMED_ITEM = "renamed-item", Error, Compat, 20,
        "existing sources use the identifiers generated from the old name",
        "keep the old name; add a new item if the meaning changed";
    RENUMBERED = "renumbered", Error, Compat, 20,
        "numbers and values are compiled into existing binaries",
        "restore the old number or value";
    IOCTL_COMMAND_CHANGED = "ioctl-command-changed", Error, Compat, 24,
        "a new dir or argument size is a new command number that old binaries do not call",
        "keep the old ioctl and add a new one with its own number for the new dir or size";
    IOCTL_ARG_CHANGED = "ioctl-arg-changed", Error, Compat, 24,
        "old binaries pass the old argument struct",
        "keep the argument struct; grow it at the end instead";
    AGGREGATE_KIND_CHANGED = "aggregate-kind-changed", Error, Compat, 20,
        "a struct's members follow each other and a union's overlap: turning one into the other moves every member after the first",
        "keep the definition's kind; define a new struct or union for the new layout";
    MEMBER_RETYPED = "member-retyped", Error, Compat, 20,
        "old binaries write the old type at this offset",
        "restore the old type; add a new member at the end instead";
    MEMBER_ANONYMITY_CHANGED = "member-anonymity-changed", Error, Compat, 20,
        "C names the members of an anonymous member as its holder's and those of a named one through its name: changing which breaks the source of every program that uses them, though no byte moves",
        "restore the member as it was; a new spelling needs a new struct";
    MEMBER_RESIZED = "member-resized", Error, Compat, 20,
        "old binaries use the old size; every later member moves",
        "restore the old size; add a new member at the end instead";
    MEMBER_REORDERED = "member-reordered", Error, Compat, 20,
        "old binaries use the old offsets",
        "restore the old order";
    MEMBER_MOVED = "member-moved", Error, Compat, 20,
        "old binaries use the old offset",
        "restore the old offset";
    MEMBER_INSERTED = "member-inserted", Error, Compat, 21,
        "structs grow only at the end (or into pad); an insertion moves every later member",
        "append the member at the end, or carve it out of pad";
    MEMBER_TO_PAD = "member-to-pad", Error, Compat, 22,
        "old binaries still set the member, and the kernel rejects non-zero pad",
        "keep the member";
    MEMBER_ACCESS_CHANGED = "member-access-changed", Error, Compat, 20,
        "old binaries rely on who reads and who writes the member",
        "restore the old access; add a new member for the new use";
    CHECKS_NARROWED = "checks-narrowed", Error, Compat, 20,
        "old binaries may pass any value the old revision accepted",
        "accept every value the old revision accepted";
    STRUCT_GREW = "struct-grew", Error, Compat, 21,
        "this struct's size is part of another layout (array stride, outer struct, ring entry) or of a command that cannot extend",
        "add a new struct and ioctl; this struct's size is part of another layout";
    STRUCT_SHRUNK = "struct-shrunk", Error, Compat, 20,
        "old binaries pass and expect the old size",
        "restore the old members";
    NEW_MEMBER_REQUIRED = "new-member-required", Error, Compat, 21,
        "a new member's zero value must mean the old behaviour: old binaries pass 0 there",
        "make the new member's zero value mean the old behaviour";
    REUSED_NUMBER = "reused-number", Error, Compat, 23,
        "old binaries still use a retired number with its old meaning",
        "pick a number that was never used";
    WRONG_SINCE = "wrong-since", Error, Compat, 0,
        "`since` tells userspace which revision introduced an item; a new item's is the new revision and an old item's never changes",
        "set `since` to the revision that added the item";
    REVISION_NOT_BUMPED = "revision-not-bumped", Error, Compat, 0,
        "a changed ABI is a new revision, so userspace can tell the two apart",
        "bump the spec's `revision` and give the new items `since: <revision>`";
    RING_LAYOUT_CHANGED = "ring-layout-changed", Error, Compat, 20,
        "both sides of a shared ring use its entry and header layout and size bounds as compiled",
        "add a new ring instead; a ring's layout is fixed";
    ATTRIBUTE_TYPE_CHANGED = "attribute-type-changed", Error, Compat, 20,
        "old binaries encode and decode the attribute with its old type",
        "restore the old type; add a new attribute instead";
    OPERATION_CHANGED = "operation-changed", Error, Compat, 23,
        "old binaries send the operation's old requests and parse its old replies",
        "restore the old request and reply; add a new operation instead";
    IMPORT_UNEXPRESSIBLE = "import-unexpressible", Warning, Import, 0,
        "the spec language cannot hold this C construct, so the imported spec leaves it out, with everything that depends on it, and the header generated from the spec lacks it",
        "keep it in a hand-written header beside the generated one, or describe it by hand where the language has a form for it";
    IMPORT_COMMAND_ENUM = "import-command-enum", Warning, Import, 0,
        "command numbers written as enumerators of an enum become the spec's ioctls, which the generated header defines as macros of the same names and values",
        "nothing to do unless a program needs them as enumerators (`sizeof` on an enum type, a switch over it)";
    IMPORT_NR_MACRO = "import-nr-macro", Warning, Import, 0,
        "a command whose number the header holds in an enumerator the spec keeps needs a number macro of another name in the generated header",
        "nothing to do; `c-nr-name` on the ioctl chooses the macro's name";
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_kebab_with_rationale_and_hint() {
        let mut seen = BTreeSet::new();
        for r in ALL {
            assert!(seen.insert(r.id), "duplicate id {}", r.id);
            assert!(
                r.id.split('-').all(|w| !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())),
                "{}",
                r.id
            );
            assert!(!r.rationale.is_empty() && !r.hint.is_empty(), "{}", r.id);
            // Rationales are appended to messages after a `;`.
            assert!(!r.rationale.ends_with('.'), "{}", r.id);
            assert!(std::ptr::eq(find(r.id).unwrap_or(&IO), *r));
        }
        assert!(of_stage(Stage::Compat).all(|r| r.severity == Error));
    }
}
