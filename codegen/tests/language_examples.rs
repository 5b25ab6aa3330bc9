//! The examples of spec-language.md are normative: a spec written like
//! them must be accepted and laid out as described.

// Tests and benchmarks report failure by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use uabi::model::MemberKind;
use uabi::target::Target;

/// The document's examples, assembled into one spec (only the glue
/// between them is ours: a struct for the ring entry and the control
/// ioctl the operations name as their transport).
const SPEC: &str = r#"
name: softaccel              # required; prefix of every generated identifier
doc: Reference soft accelerator.
revision: 3                  # current ABI revision, >= 1; items carry `since:`
uapi-header: softaccel.h     # optional, default "<name>.h"
ioctl:
  magic: 0x64                # the _IOC "type" byte (char 'd' is also accepted)
targets: [x86_64, i386, aarch64, arm, riscv64, powerpc64le, mips, s390x]  # optional; this is the default
definitions:
  - name: max-engines
    type: const
    value: 8
  - name: engine-kind
    type: enum                # values 0.. in order unless `value:` is given
    entries: [compute, dma, { name: crypto, since: 2 }]
  - name: bo-flags
    type: flags               # bit positions 0.. in order
    entries: [host-visible, device-local, { name: zero-init, since: 3 }]
  - name: bo-create
    type: struct
    doc: Create a buffer object.
    members:
      - { name: size,   type: u64, doc: Bytes; rounded up to the page size. }
      - { name: flags,  type: u32, enum: bo-flags, enum-as-flags: true }
      - { name: handle, type: u32, access: out }
      - { name: dev-addr, type: u64, access: out }
  - name: handle-list
    type: struct
    members:
      - { name: handles,  type: user-ptr, elem: u32, count: handle-count, max-count: 256 }
      - { name: handle-count, type: u32 }
      - { name: pad0, type: pad, len: 4 }
  - name: submit-entry
    type: struct
    members:
      - { name: opcode, type: u32, byte-order: little-endian }
      - { name: pad0, type: pad, len: 4 }
      - { name: addr, type: u64, byte-order: little-endian }
  - name: control
    type: struct
    members:
      - { name: request, type: user-ptr, elem: u8, len: request-len, max-count: 4096 }
      - { name: request-len, type: u32 }
      - { name: pad0, type: pad, len: 4 }
ioctls:
  - name: bo-create
    nr: 0x42                  # the absolute _IOC_NR value, explicit, never reused
    dir: inout                # none | in (_IOW) | out (_IOR) | inout (_IOWR); user's point of view
    arg: bo-create            # struct name; absent when dir is none
    extension: zero-extend    # zero-extend (DRM rule) | strict (copy_struct_from_user: E2BIG)
    since: 1
    doc: Allocate a buffer object in this file's handle namespace.
    errors:
      - { errno: EINVAL, doc: Unknown flags or zero size. }
      - { errno: ENOMEM, doc: Out of device memory. }
  - name: control
    nr: 0x43
    dir: inout
    arg: control
    extension: strict
    errors:
      - { errno: EINVAL, doc: Malformed message. }
rings:
  - name: submit
    doc: Commands from userspace to the device.
    entry: submit-entry       # struct; its members usually carry byte-order
    producer: user            # user | device; the other side consumes
    index: u32                # free-running indices, masked by entries - 1
    entries: { min: 16, max: 4096 }   # power of two
attribute-sets:
  - name: status
    attributes:
      - { name: fw-version, type: string, max-len: 32 }
      - { name: temperature-mc, type: u32, doc: Millidegrees Celsius. }
      - { name: engine, type: nest, nested-attributes: engine, multi-attr: true }
  - name: engine
    attributes:
      - { name: kind, type: u32, enum: engine-kind }
      - { name: busy-ns, type: u64 }
operations:
  transport: control          # the ioctl that carries control messages
  list:
    - name: get-status
      value: 1
      attribute-set: status
      do:
        request: { attributes: [] }
        reply: { attributes: [fw-version, temperature-mc, engine] }
"#;

#[test]
fn the_documented_examples_are_accepted_and_laid_out_as_described() {
    let m = uabi::load::load_str(SPEC, "spec-language.md").unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(
        (m.name.as_str(), m.revision, m.magic),
        ("softaccel", 3, Some(0x64))
    );
    assert_eq!(m.targets, Target::DEFAULT);
    let kinds: Vec<i128> = m.enums[0].entries.iter().map(|e| e.value).collect();
    assert_eq!(kinds, [0, 1, 2]);
    assert_eq!(m.enums[0].entries[2].since, 2);
    let flags: Vec<i128> = m.enums[1].entries.iter().map(|e| e.value).collect();
    assert_eq!(flags, [1, 2, 4]);
    let named = |n: &str| m.structs.iter().find(|s| s.name == n).unwrap();
    let bo = named("bo-create");
    for t in Target::ALL {
        assert_eq!(bo.layout(t).size, 24, "{t}");
        assert_eq!(bo.layout(t).offsets, [0, 8, 12, 16], "{t}");
    }
    let list = named("handle-list");
    assert!(matches!(
        list.members[0].kind,
        MemberKind::UserPtr {
            max_count: Some(256),
            ..
        }
    ));
    let io = &m.ioctls[0];
    assert_eq!(io.cmds[&Target::X86_64], Some(0xc018_6442));
    assert_eq!(m.rings[0].max_entries, 4096);
    let status = &m.attribute_sets[0];
    assert_eq!(status.attributes[0].max_len, Some(32));
    assert_eq!(status.attributes[0].value, 1, "attribute values start at 1");
    assert!(status.attributes[2].multi_attr);
    let ops = m.operations.as_ref().unwrap();
    assert_eq!(ops.transport.as_deref(), Some("control"));
    assert_eq!(ops.list[0].value, 1);
    assert!(
        uabi::lint::lint(&m)
            .sorted()
            .iter()
            .all(|d| d.severity != uabi::diag::Severity::Error)
    );
}

#[test]
fn magic_may_be_a_character() {
    let m = uabi::load::load_str("name: x\nioctl: { magic: d }\n", "x.yaml").unwrap();
    assert_eq!(m.magic, Some(b'd'));
}
