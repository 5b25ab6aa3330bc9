//! C struct layout per target: the System V rules each Linux ABI follows
//! for fixed-width members (natural alignment, except 64-bit integers on
//! i386, which align to 4 inside aggregates).

use crate::model::{Layout, MemberKind, MemberLayout, StructId, StructLayout};
use crate::target::Target;

/// Sizes beyond this are rejected as nonsense long before they could
/// overflow a u32 or exceed any ioctl size field.
pub const MAX_STRUCT_SIZE: u64 = 1 << 24;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutError {
    /// A nested struct whose layout is unknown (unresolved or recursive).
    UnknownStruct(StructId),
    /// The struct would be larger than [`MAX_STRUCT_SIZE`].
    TooLarge,
}

/// Whether `a` and `b` lay every struct out alike. The rules here read a
/// target only through [`Target::align_of_u64`] (a 64-bit integer's and
/// a user-ptr's alignment), so targets that agree on it agree on every
/// layout; the resolver computes a layout once per such group. Any rule
/// that comes to depend on more of the target must be added here too.
pub fn same_rules(a: Target, b: Target) -> bool {
    a.align_of_u64() == b.align_of_u64()
}

/// Size and alignment of one member on `t`. `nested` yields the layout
/// of a nested struct on the same target.
pub fn member_layout<'a>(
    kind: &MemberKind,
    t: Target,
    nested: &impl Fn(&StructId) -> Option<&'a StructLayout>,
) -> Result<Layout, LayoutError> {
    Ok(match kind {
        MemberKind::Scalar { ty, count } => {
            let n = u64::from(count.unwrap_or(1)) * u64::from(ty.size());
            Layout {
                size: checked_size(n)?,
                align: ty.align(t),
            }
        }
        // A pad spelled as an integer aligns as that integer does.
        MemberKind::Pad { len, scalar } => Layout {
            size: checked_size(u64::from(*len))?,
            align: scalar.map_or(1, |p| p.ty.align(t)),
        },
        MemberKind::Binary { len } | MemberKind::String { len } => Layout {
            size: checked_size(u64::from(*len))?,
            align: 1,
        },
        // A struct's size is a multiple of its alignment, so the elements
        // of an array of them follow each other with no gap.
        MemberKind::Struct { id, count } => {
            let l = nested(id).ok_or_else(|| LayoutError::UnknownStruct(id.clone()))?;
            Layout {
                size: checked_size(u64::from(count.unwrap_or(1)) * u64::from(l.size))?,
                align: l.align,
            }
        }
        MemberKind::Union { id } => {
            let l = nested(id).ok_or_else(|| LayoutError::UnknownStruct(id.clone()))?;
            Layout {
                size: l.size,
                align: l.align,
            }
        }
        // A `__u64` in C, so it follows the target's 64-bit alignment.
        MemberKind::UserPtr { .. } => Layout {
            size: 8,
            align: t.align_of_u64(),
        },
    })
}

/// Lays out members in order, as a C compiler does: each at the next
/// offset that is a multiple of its alignment, the size rounded up to the
/// largest alignment.
pub fn struct_layout<'a>(
    members: &[&MemberKind],
    t: Target,
    nested: &impl Fn(&StructId) -> Option<&'a StructLayout>,
) -> Result<StructLayout, LayoutError> {
    let mut offset: u64 = 0;
    let mut align: u32 = 1;
    let mut placed = Vec::with_capacity(members.len());
    for kind in members {
        let l = member_layout(kind, t, nested)?;
        offset = offset.next_multiple_of(u64::from(l.align));
        placed.push(MemberLayout {
            offset: checked_size(offset)?,
            size: l.size,
            align: l.align,
        });
        offset += u64::from(l.size);
        align = align.max(l.align);
    }
    let size = checked_size(offset.next_multiple_of(u64::from(align)))?;
    Ok(StructLayout {
        size,
        align,
        offsets: placed.iter().map(|m| m.offset).collect(),
        members: placed,
    })
}

/// Lays out a union's members, as a C compiler does: each at offset 0,
/// the size the largest member's rounded up to the largest alignment.
pub fn union_layout<'a>(
    members: &[&MemberKind],
    t: Target,
    nested: &impl Fn(&StructId) -> Option<&'a StructLayout>,
) -> Result<StructLayout, LayoutError> {
    let mut size: u64 = 0;
    let mut align: u32 = 1;
    let mut placed = Vec::with_capacity(members.len());
    for kind in members {
        let l = member_layout(kind, t, nested)?;
        placed.push(MemberLayout {
            offset: 0,
            size: l.size,
            align: l.align,
        });
        size = size.max(u64::from(l.size));
        align = align.max(l.align);
    }
    Ok(StructLayout {
        size: checked_size(size.next_multiple_of(u64::from(align)))?,
        align,
        offsets: vec![0; placed.len()],
        members: placed,
    })
}

fn checked_size(n: u64) -> Result<u32, LayoutError> {
    if n > MAX_STRUCT_SIZE {
        Err(LayoutError::TooLarge)
    } else {
        Ok(n as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Scalar;

    fn none(_: &StructId) -> Option<&'static StructLayout> {
        None
    }

    #[test]
    fn u64_after_odd_u32_differs_on_i386() {
        let m = [
            &MemberKind::Scalar {
                ty: Scalar::U32,
                count: None,
            },
            &MemberKind::Scalar {
                ty: Scalar::U64,
                count: None,
            },
        ];
        let x = struct_layout(&m, Target::X86_64, &none).unwrap();
        let i = struct_layout(&m, Target::I386, &none).unwrap();
        assert_eq!((x.size, x.align, x.offsets.clone()), (16, 8, vec![0, 8]));
        assert_eq!((i.size, i.align, i.offsets.clone()), (12, 4, vec![0, 4]));
        let u64_on_i386 = MemberLayout {
            offset: 4,
            size: 8,
            align: 4,
        };
        assert_eq!(i.members[1], u64_on_i386);
        let arm = struct_layout(&m, Target::Arm, &none).unwrap();
        let mips = struct_layout(&m, Target::Mips, &none).unwrap();
        assert_eq!(arm, x);
        assert_eq!(mips, x);
    }

    #[test]
    fn tail_padding_and_nesting() {
        let inner_members = [
            &MemberKind::Scalar {
                ty: Scalar::U64,
                count: None,
            },
            &MemberKind::Scalar {
                ty: Scalar::U32,
                count: None,
            },
        ];
        let inner = struct_layout(&inner_members, Target::X86_64, &none).unwrap();
        assert_eq!(inner.size, 16);
        let inner_id = StructId::new(&"t".into(), 0);
        let lookup = |id: &StructId| (*id == inner_id).then_some(&inner);
        let outer = struct_layout(
            &[
                &MemberKind::Scalar {
                    ty: Scalar::U8,
                    count: Some(3),
                },
                &MemberKind::Struct {
                    id: inner_id.clone(),
                    count: None,
                },
            ],
            Target::X86_64,
            &lookup,
        )
        .unwrap();
        assert_eq!((outer.size, outer.offsets), (24, vec![0, 8]));
    }

    #[test]
    fn targets_of_the_same_rules_lay_out_alike() {
        let kinds = [
            MemberKind::Scalar {
                ty: Scalar::U8,
                count: None,
            },
            MemberKind::Scalar {
                ty: Scalar::U64,
                count: None,
            },
            MemberKind::Scalar {
                ty: Scalar::U16,
                count: Some(3),
            },
            MemberKind::Pad {
                len: 2,
                scalar: None,
            },
        ];
        let m: Vec<&MemberKind> = kinds.iter().collect();
        for a in Target::ALL {
            for b in Target::ALL {
                if same_rules(a, b) {
                    assert_eq!(
                        struct_layout(&m, a, &none),
                        struct_layout(&m, b, &none),
                        "{a} {b}"
                    );
                    assert_eq!(union_layout(&m, a, &none), union_layout(&m, b, &none));
                }
            }
        }
    }

    #[test]
    fn oversized_is_an_error_not_an_overflow() {
        let m = [&MemberKind::Scalar {
            ty: Scalar::U64,
            count: Some(u32::MAX),
        }];
        assert_eq!(
            struct_layout(&m, Target::X86_64, &none),
            Err(LayoutError::TooLarge)
        );
    }
}
