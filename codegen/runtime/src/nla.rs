//! Control messages: the NLA (netlink attribute) encoding that
//! `operations` of a spec travel in, with a validating parser driven by
//! static policy tables and a bounded writer.
//!
//! A message is an 8-byte [`Header`] (`u16 op`, `u16 flags`, `u32
//! reserved`) followed by attributes, each a `u16 nla_len` (header plus
//! payload, unpadded), a `u16 nla_type` and the payload padded with zeros
//! to a multiple of 4. Bit 15 of the type marks a nest
//! ([`NLA_F_NESTED`]), bit 14 an attribute the receiver may skip when it
//! does not know it ([`NLA_F_OPTIONAL`]). Everything is in the host's byte
//! order unless a policy entry says otherwise.
//!
//! The parser never panics and never reads outside the slice it is given:
//! every length is checked before it is used, multi-byte values are read
//! with `from_ne_bytes` of a copied array (so alignment does not matter),
//! and recursion is bounded by [`MAX_DEPTH`]. A failure says where, like
//! netlink's extended ack: the byte offset of the failing attribute's
//! header from the start of the message, and its type ([`Error`]).
//!
//! Nothing here allocates; generated kernel code owns its buffers.

use crate::Errno;

/// Size of the message header.
pub const MSG_HDRLEN: usize = 8;
/// Size of an attribute header.
pub const NLA_HDRLEN: usize = 4;
/// Attribute payloads are padded to this.
pub const NLA_ALIGNTO: usize = 4;
/// Type bit of an attribute whose payload is attributes.
pub const NLA_F_NESTED: u16 = 1 << 15;
/// Type bit of an attribute that a receiver which does not know it may
/// skip (instead of rejecting the message).
pub const NLA_F_OPTIONAL: u16 = 1 << 14;
/// The attribute value bits of `nla_type`.
pub const NLA_TYPE_MASK: u16 = 0x3fff;
/// Deepest nesting accepted: the message's own attributes are level 1.
pub const MAX_DEPTH: u32 = 8;
/// Largest request or reply a transport carries.
pub const MAX_MSG: usize = 65536;
/// Largest attribute payload `nla_len` can describe.
pub const MAX_PAYLOAD: usize = u16::MAX as usize - NLA_HDRLEN;

/// `n` rounded up to [`NLA_ALIGNTO`], saturating.
pub const fn align(n: usize) -> usize {
    match n.checked_add(NLA_ALIGNTO - 1) {
        Some(v) => v & !(NLA_ALIGNTO - 1),
        None => usize::MAX & !(NLA_ALIGNTO - 1),
    }
}

/// Why a message was rejected and where: the errno, the byte offset of
/// the failing attribute's header from the start of the message (0 for
/// the message header) and the failing attribute's type value (0 for the
/// header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error {
    /// Why: the errno the message is answered with.
    pub errno: Errno,
    /// Where: the failing attribute header's byte offset in the message.
    pub offset: u32,
    /// Which: the failing attribute's type value.
    pub attr: u16,
}

impl Error {
    /// An error about the message as a whole (offset 0, attribute 0).
    pub const fn msg(errno: Errno) -> Error {
        Error {
            errno,
            offset: 0,
            attr: 0,
        }
    }

    fn at(errno: Errno, offset: usize, attr: u16) -> Error {
        Error {
            errno,
            offset: u32::try_from(offset).unwrap_or(u32::MAX),
            attr,
        }
    }
}

impl From<Errno> for Error {
    fn from(errno: Errno) -> Error {
        Error::msg(errno)
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} at byte {} (attribute {})",
            self.errno, self.offset, self.attr
        )
    }
}

/// The message header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header {
    /// The operation's number.
    pub op: u16,
    /// No flag is defined: any set bit is rejected.
    pub flags: u16,
    /// Must be 0.
    pub reserved: u32,
}

impl Header {
    /// The header of a message; EINVAL (offset 0) when it is shorter.
    pub fn parse(msg: &[u8]) -> Result<Header, Error> {
        let h = msg.get(..MSG_HDRLEN).ok_or(Error::msg(Errno::EINVAL))?;
        Ok(Header {
            op: u16::from_ne_bytes([h[0], h[1]]),
            flags: u16::from_ne_bytes([h[2], h[3]]),
            reserved: u32::from_ne_bytes([h[4], h[5], h[6], h[7]]),
        })
    }

    /// A header as a receiver checks it: no flags, reserved zero (EINVAL
    /// at offset 0 otherwise).
    pub fn parse_strict(msg: &[u8]) -> Result<Header, Error> {
        let h = Header::parse(msg)?;
        if h.flags != 0 || h.reserved != 0 {
            return Err(Error::msg(Errno::EINVAL));
        }
        Ok(h)
    }

    /// The header's bytes, in host order, as it leads a message.
    pub fn to_bytes(&self) -> [u8; MSG_HDRLEN] {
        let mut b = [0u8; MSG_HDRLEN];
        b[0..2].copy_from_slice(&self.op.to_ne_bytes());
        b[2..4].copy_from_slice(&self.flags.to_ne_bytes());
        b[4..8].copy_from_slice(&self.reserved.to_ne_bytes());
        b
    }
}

// ---------------------------------------------------------------- iteration

/// One attribute found in a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr<'a> {
    /// The attribute value (`nla_type & NLA_TYPE_MASK`).
    pub ty: u16,
    /// `NLA_F_NESTED` was set: the payload holds attributes.
    pub nested: bool,
    /// `NLA_F_OPTIONAL` was set: an older receiver may skip it.
    pub optional: bool,
    /// The payload, without the header and the alignment padding.
    pub payload: &'a [u8],
    /// Offset of the attribute's header from the start of the message.
    pub offset: usize,
}

/// The attributes of a buffer, in order. Yields an [`Error`] (EINVAL) for
/// a truncated attribute and then stops.
#[derive(Debug, Clone)]
pub struct Attrs<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Offset of `buf` in the message.
    base: usize,
}

impl<'a> Attrs<'a> {
    /// The attributes of `buf`, which starts `base` bytes into the message.
    pub fn new(buf: &'a [u8], base: usize) -> Attrs<'a> {
        Attrs { buf, pos: 0, base }
    }
}

impl<'a> Iterator for Attrs<'a> {
    type Item = Result<Attr<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.buf.get(self.pos..)?;
        if rest.is_empty() {
            return None;
        }
        let offset = self.base.saturating_add(self.pos);
        let Some(h) = rest.get(..NLA_HDRLEN) else {
            self.pos = self.buf.len();
            return Some(Err(Error::at(Errno::EINVAL, offset, 0)));
        };
        let len = usize::from(u16::from_ne_bytes([h[0], h[1]]));
        let raw = u16::from_ne_bytes([h[2], h[3]]);
        let ty = raw & NLA_TYPE_MASK;
        let Some(payload) = (len >= NLA_HDRLEN)
            .then(|| rest.get(NLA_HDRLEN..len))
            .flatten()
        else {
            self.pos = self.buf.len();
            return Some(Err(Error::at(Errno::EINVAL, offset, ty)));
        };
        // The last attribute may lack its padding (as netlink allows).
        self.pos = self.pos.saturating_add(align(len)).min(self.buf.len());
        Some(Ok(Attr {
            ty,
            nested: raw & NLA_F_NESTED != 0,
            optional: raw & NLA_F_OPTIONAL != 0,
            payload,
            offset,
        }))
    }
}

/// The payload of the first attribute of type `ty` in `attrs` (stops at
/// the first malformed attribute).
pub fn find(attrs: &[u8], ty: u16) -> Option<&[u8]> {
    find_all(attrs, ty).next()
}

/// The payloads of every attribute of type `ty` in `attrs`, in order.
pub fn find_all(attrs: &[u8], ty: u16) -> impl Iterator<Item = &[u8]> + Clone {
    Attrs::new(attrs, 0)
        .map_while(Result::ok)
        .filter(move |a| a.ty == ty)
        .map(|a| a.payload)
}

// ---------------------------------------------------------------- values

/// Byte order of an integer attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// The host's byte order.
    Native,
    /// Big-endian (network order).
    Big,
    /// Little-endian.
    Little,
}

/// An integer payload of exactly `N` bytes, in host order.
fn bytes<const N: usize>(p: &[u8], order: Order) -> Option<[u8; N]> {
    let mut b: [u8; N] = p.try_into().ok()?;
    let swap = match order {
        Order::Native => false,
        Order::Big => cfg!(target_endian = "little"),
        Order::Little => cfg!(target_endian = "big"),
    };
    if swap {
        b.reverse();
    }
    Some(b)
}

macro_rules! getters {
    ($($f:ident: $t:ty),* $(,)?) => {$(
        /// The value of an integer payload of exactly its size, None for
        /// any other length.
        pub fn $f(p: &[u8], order: Order) -> Option<$t> {
            bytes(p, order).map(<$t>::from_ne_bytes)
        }
    )*};
}

getters! {
    get_u8: u8, get_u16: u16, get_u32: u32, get_u64: u64,
    get_s8: i8, get_s16: i16, get_s32: i32, get_s64: i64,
}

/// The bytes of a string payload before its NUL (all of it without one).
pub fn get_str(p: &[u8]) -> &[u8] {
    match p.iter().position(|b| *b == 0) {
        Some(n) => &p[..n],
        None => p,
    }
}

// ---------------------------------------------------------------- policy

/// The type of an attribute's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// An unsigned 8-bit integer.
    U8,
    /// An unsigned 16-bit integer.
    U16,
    /// An unsigned 32-bit integer.
    U32,
    /// An unsigned 64-bit integer.
    U64,
    /// A signed 8-bit integer.
    S8,
    /// A signed 16-bit integer.
    S16,
    /// A signed 32-bit integer.
    S32,
    /// A signed 64-bit integer.
    S64,
    /// No payload: present or absent.
    Flag,
    /// NUL-terminated text.
    String,
    /// Bytes (possibly a struct the policy checks).
    Binary,
    /// Attributes of another set.
    Nest,
}

impl Type {
    fn int_size(self) -> Option<usize> {
        Some(match self {
            Type::U8 | Type::S8 => 1,
            Type::U16 | Type::S16 => 2,
            Type::U32 | Type::S32 => 4,
            Type::U64 | Type::S64 => 8,
            _ => return None,
        })
    }

    /// The integer value of a payload of exactly the type's size.
    fn int_value(self, p: &[u8], order: Order) -> Option<i128> {
        Some(match self {
            Type::U8 => get_u8(p, order)?.into(),
            Type::U16 => get_u16(p, order)?.into(),
            Type::U32 => get_u32(p, order)?.into(),
            Type::U64 => get_u64(p, order)?.into(),
            Type::S8 => get_s8(p, order)?.into(),
            Type::S16 => get_s16(p, order)?.into(),
            Type::S32 => get_s32(p, order)?.into(),
            Type::S64 => get_s64(p, order)?.into(),
            _ => return None,
        })
    }
}

/// Which values of an integer attribute are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    /// Every value of the type.
    Any,
    /// The values of an enum.
    Enum(&'static [u64]),
    /// The declared bits of a flags set.
    Mask(u64),
}

/// Validates the payload of a `binary` attribute that carries a struct,
/// at a revision (pad, enums, ranges, with the struct's byte order).
pub type StructCheck = fn(&[u8], u32) -> Result<(), Errno>;

/// How one attribute is checked.
#[derive(Debug, Clone, Copy)]
pub struct AttrPolicy {
    /// The attribute's name in the spec.
    pub name: &'static str,
    /// The attribute value (`nla_type` without flags).
    pub value: u16,
    /// The payload's type.
    pub ty: Type,
    /// The byte order of an integer payload.
    pub order: Order,
    /// The revision that added it: a receiver of an older revision treats
    /// it as unknown.
    pub since: u32,
    /// May appear more than once.
    pub multi: bool,
    /// Inclusive bounds of an integer (ERANGE outside).
    pub range: Option<(i128, i128)>,
    /// The integer values it may take (EINVAL for others).
    pub values: Values,
    /// Payload length bounds (binary), or the most bytes before the NUL
    /// (string).
    pub min_len: Option<u32>,
    /// The upper bound, as `min_len` the lower.
    pub max_len: Option<u32>,
    /// The one length a binary payload must have.
    pub exact_len: Option<u32>,
    /// The attributes of a nest.
    pub nested: Option<&'static Policy>,
    /// The check of a struct a binary payload carries.
    pub check: Option<StructCheck>,
}

impl AttrPolicy {
    /// An attribute with no checks beyond its type's.
    pub const fn new(name: &'static str, value: u16, ty: Type) -> AttrPolicy {
        AttrPolicy {
            name,
            value,
            ty,
            order: Order::Native,
            since: 1,
            multi: false,
            range: None,
            values: Values::Any,
            min_len: None,
            max_len: None,
            exact_len: None,
            nested: None,
            check: None,
        }
    }
}

/// The attributes a message (or a nest) may hold.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// The attribute set's name in the spec.
    pub name: &'static str,
    /// Its attributes, in the spec's order.
    pub attrs: &'static [AttrPolicy],
}

/// What a validation does with an attribute the policy does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    /// EINVAL unless it carries [`NLA_F_OPTIONAL`] (a kernel reading a
    /// request).
    Reject,
    /// Skipped (userspace reading a newer kernel's reply).
    Skip,
}

/// Checks the attributes `attrs` (which start `base` bytes into the
/// message) against `policy` as a receiver of revision `rev` does: every
/// attribute well formed, known (or skippable), of the right length,
/// nested correctly, not repeated unless multi-attr, its value known
/// (EINVAL) and in range (ERANGE), its struct valid, nesting at most
/// [`MAX_DEPTH`] deep. After it succeeds, [`find`] and the `get_*`
/// functions read every listed attribute without failing.
pub fn validate(
    attrs: &[u8],
    base: usize,
    policy: &Policy,
    rev: u32,
    unknown: Unknown,
) -> Result<(), Error> {
    validate_at(attrs, base, policy, rev, unknown, 1)
}

fn validate_at(
    attrs: &[u8],
    base: usize,
    policy: &Policy,
    rev: u32,
    unknown: Unknown,
    depth: u32,
) -> Result<(), Error> {
    // Seen attributes by policy index; larger tables fall back to a scan.
    let mut seen: u128 = 0;
    for a in Attrs::new(attrs, base) {
        let a = a?;
        let here = a.offset.saturating_sub(base);
        let fail = |errno| Error::at(errno, a.offset, a.ty);
        let found = policy
            .attrs
            .iter()
            .enumerate()
            .find(|(_, p)| p.value == a.ty && p.since <= rev);
        let Some((idx, p)) = found else {
            if unknown == Unknown::Reject && !a.optional {
                return Err(fail(Errno::EINVAL));
            }
            continue;
        };
        if !p.multi {
            let dup = if idx < 128 {
                let bit = 1u128 << idx;
                let d = seen & bit != 0;
                seen |= bit;
                d
            } else {
                attrs
                    .get(..here)
                    .is_some_and(|before| find(before, a.ty).is_some())
            };
            if dup {
                return Err(fail(Errno::EINVAL));
            }
        }
        if a.nested != (p.ty == Type::Nest) {
            return Err(fail(Errno::EINVAL));
        }
        check_payload(&a, p, rev, unknown, depth).map_err(|e| match e {
            Inner::Here(errno) => fail(errno),
            Inner::Deeper(e) => e,
        })?;
    }
    Ok(())
}

enum Inner {
    /// The attribute itself is wrong.
    Here(Errno),
    /// Something inside its nest is, with its own position.
    Deeper(Error),
}

fn check_payload(
    a: &Attr<'_>,
    p: &AttrPolicy,
    rev: u32,
    unknown: Unknown,
    depth: u32,
) -> Result<(), Inner> {
    let len = a.payload.len();
    let within = |n: usize| {
        p.min_len.is_none_or(|m| n >= m as usize)
            && p.max_len.is_none_or(|m| n <= m as usize)
            && p.exact_len.is_none_or(|m| n == m as usize)
    };
    match p.ty {
        Type::Flag => {
            if len != 0 {
                return Err(Inner::Here(Errno::EINVAL));
            }
        }
        Type::String => {
            // NUL-terminated (NUL padding after it is accepted), at most
            // max-len bytes before the NUL.
            let nul = a
                .payload
                .iter()
                .position(|b| *b == 0)
                .ok_or(Inner::Here(Errno::EINVAL))?;
            if !crate::all_zero(&a.payload[nul..])
                || p.max_len.is_some_and(|m| nul > m as usize)
                || p.min_len.is_some_and(|m| nul < m as usize)
            {
                return Err(Inner::Here(Errno::EINVAL));
            }
        }
        Type::Binary => {
            if !within(len) {
                return Err(Inner::Here(Errno::EINVAL));
            }
            if let Some(check) = p.check {
                check(a.payload, rev).map_err(Inner::Here)?;
            }
        }
        Type::Nest => {
            let Some(nested) = p.nested else {
                return Ok(());
            };
            if depth >= MAX_DEPTH {
                return Err(Inner::Here(Errno::EINVAL));
            }
            let base = a.offset.saturating_add(NLA_HDRLEN);
            validate_at(a.payload, base, nested, rev, unknown, depth + 1).map_err(Inner::Deeper)?;
        }
        int => {
            let v = int
                .int_value(a.payload, p.order)
                .ok_or(Inner::Here(Errno::EINVAL))?;
            let known = match p.values {
                Values::Any => true,
                // Enum values and flag masks are compared as the
                // attribute's bits.
                Values::Enum(list) => list.iter().any(|x| i128::from(*x) == v),
                Values::Mask(m) => {
                    let size = int.int_size().unwrap_or(8) as u32;
                    let bits = (v as u128 as u64) & (u64::MAX >> (64 - size * 8));
                    bits & !m == 0
                }
            };
            if !known {
                return Err(Inner::Here(Errno::EINVAL));
            }
            // Not a let chain: this part is also built as kernel source,
            // in edition 2021.
            if p.range.is_some_and(|(lo, hi)| v < lo || v > hi) {
                return Err(Inner::Here(Errno::ERANGE));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- writer

/// Builds a message into a fixed buffer and never writes past it. Once
/// something does not fit, nothing more is written, but the writer keeps
/// counting, so [`Writer::finish`] can report the size the message needs
/// (EMSGSIZE with the needed length, as the transport promises).
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut [u8],
    /// Bytes the message needs so far (written ones while it fits).
    len: usize,
    /// An attribute was too long for `nla_len`.
    too_long: bool,
}

/// An open nest: where its header is.
#[derive(Debug)]
#[must_use = "a nest must be closed with Writer::nest_end"]
pub struct Nest {
    at: usize,
}

impl<'a> Writer<'a> {
    /// A writer that fills `buf` from its start.
    pub fn new(buf: &'a mut [u8]) -> Writer<'a> {
        Writer {
            buf,
            len: 0,
            too_long: false,
        }
    }

    /// Bytes the message needs so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Nothing written yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The capacity.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Does everything so far fit?
    pub fn fits(&self) -> bool {
        !self.too_long && self.len <= self.buf.len()
    }

    /// Appends bytes as they are.
    pub fn put_raw(&mut self, bytes: &[u8]) {
        let end = self.len.saturating_add(bytes.len());
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            dst.copy_from_slice(bytes);
        }
        self.len = end;
    }

    fn put_zeros(&mut self, n: usize) {
        let end = self.len.saturating_add(n);
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            dst.fill(0);
        }
        self.len = end;
    }

    fn put_header(&mut self, len: usize, ty: u16) {
        let Ok(l) = u16::try_from(len) else {
            self.too_long = true;
            self.put_zeros(NLA_HDRLEN);
            return;
        };
        let mut h = [0u8; NLA_HDRLEN];
        h[..2].copy_from_slice(&l.to_ne_bytes());
        h[2..].copy_from_slice(&ty.to_ne_bytes());
        self.put_raw(&h);
    }

    /// The message header.
    pub fn header(&mut self, h: &Header) {
        self.put_raw(&h.to_bytes());
    }

    /// One attribute of type `ty` (flags included) with `payload`.
    pub fn put(&mut self, ty: u16, payload: &[u8]) {
        self.put_parts(ty, &[payload]);
    }

    /// One attribute whose payload is the concatenation of `parts`.
    pub fn put_parts(&mut self, ty: u16, parts: &[&[u8]]) {
        let n = parts
            .iter()
            .map(|p| p.len())
            .fold(0usize, usize::saturating_add);
        self.put_header(n.saturating_add(NLA_HDRLEN), ty);
        for p in parts {
            self.put_raw(p);
        }
        self.put_zeros(align(n) - n);
    }

    /// A `flag` attribute: a header with no payload.
    pub fn put_flag(&mut self, ty: u16) {
        self.put(ty, &[]);
    }

    /// A string attribute: the bytes of `s` up to its first NUL and at
    /// most `max_len` of them, then a NUL.
    pub fn put_str(&mut self, ty: u16, s: &[u8], max_len: Option<usize>) {
        let s = get_str(s);
        let s = &s[..max_len.map_or(s.len(), |m| m.min(s.len()))];
        self.put_parts(ty, &[s, &[0]]);
    }

    /// Opens a nest of type `ty` (NLA_F_NESTED is added).
    pub fn nest_start(&mut self, ty: u16) -> Nest {
        let at = self.len;
        self.put_header(NLA_HDRLEN, ty | NLA_F_NESTED);
        Nest { at }
    }

    /// Closes a nest: its `nla_len` covers everything written since.
    pub fn nest_end(&mut self, n: Nest) {
        let len = self.len.saturating_sub(n.at);
        let Ok(l) = u16::try_from(len) else {
            self.too_long = true;
            return;
        };
        if let Some(dst) = self.buf.get_mut(n.at..n.at.saturating_add(2)) {
            dst.copy_from_slice(&l.to_ne_bytes());
        }
    }

    /// A nest of type `ty` whose attributes `f` writes.
    pub fn nest(&mut self, ty: u16, f: impl FnOnce(&mut Writer<'a>)) {
        let n = self.nest_start(ty);
        f(self);
        self.nest_end(n);
    }

    /// The message's length, or Err with the length it needs when it did
    /// not fit (or an attribute was too long to encode: then the needed
    /// length exceeds what any message may have).
    pub fn finish(&self) -> Result<usize, usize> {
        if self.too_long {
            return Err(self.len.max(MAX_MSG + 1));
        }
        if self.len > self.buf.len() {
            return Err(self.len);
        }
        Ok(self.len)
    }
}

macro_rules! putters {
    ($($f:ident: $t:ty),* $(,)?) => {$(
        impl Writer<'_> {
            /// An integer attribute in the given byte order.
            pub fn $f(&mut self, ty: u16, v: $t, order: Order) {
                let b = match order {
                    Order::Native => v.to_ne_bytes(),
                    Order::Big => v.to_be_bytes(),
                    Order::Little => v.to_le_bytes(),
                };
                self.put(ty, &b);
            }
        }
    )*};
}

putters! {
    put_u8: u8, put_u16: u16, put_u32: u32, put_u64: u64,
    put_s8: i8, put_s16: i16, put_s32: i32, put_s64: i64,
}

// ---------------------------------------------------------------- user side

// uabi: the kernel part ends here. Everything above is copied into the
// kernel flavour's `uabi_nla.rs` (codegen/src/backend/rust/linux), which
// cuts at this line: it must use nothing but `core`, `Errno` and
// `all_zero`.

/// Why a generated operation call failed (user side).
#[cfg(feature = "std")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpError {
    /// The driver implements an older revision than the operation needs;
    /// nothing was sent.
    Unsupported {
        op: &'static str,
        since: u32,
        driver_revision: u32,
    },
    /// The driver rejected the request or the operation failed. `offset`
    /// and `attr` are the kernel's error-offset and error-attr: where in
    /// the request validation failed (0 and 0 otherwise).
    Rejected {
        op: &'static str,
        errno: Errno,
        offset: u32,
        attr: u32,
    },
    /// The reply did not validate.
    BadReply { op: &'static str, error: Error },
    /// The request does not fit in a message.
    TooLarge { op: &'static str, needed: usize },
}

#[cfg(feature = "std")]
impl OpError {
    /// The errno the driver answered, if it answered one.
    pub fn errno(&self) -> Option<Errno> {
        match self {
            OpError::Rejected { errno, .. } => Some(*errno),
            _ => None,
        }
    }
}

#[cfg(feature = "std")]
impl core::fmt::Display for OpError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            OpError::Unsupported {
                op,
                since,
                driver_revision,
            } => write!(
                f,
                "{op} needs ABI revision {since}; the driver implements revision {driver_revision}"
            ),
            OpError::Rejected {
                op,
                errno,
                offset,
                attr,
            } => write!(f, "{op}: {errno} (at byte {offset}, attribute {attr})"),
            OpError::BadReply { op, error } => write!(f, "{op}: malformed reply: {error}"),
            OpError::TooLarge { op, needed } => {
                write!(f, "{op}: the request needs {needed} bytes")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for OpError {}

#[cfg(test)]
mod tests {
    use super::*;

    static INNER: Policy = Policy {
        name: "inner",
        attrs: &[
            AttrPolicy::new("a", 1, Type::U32),
            AttrPolicy {
                multi: true,
                nested: Some(&INNER),
                ..AttrPolicy::new("self", 2, Type::Nest)
            },
        ],
    };

    static TOP: Policy = Policy {
        name: "top",
        attrs: &[
            AttrPolicy {
                range: Some((10, 20)),
                ..AttrPolicy::new("n", 1, Type::U64)
            },
            AttrPolicy {
                max_len: Some(4),
                ..AttrPolicy::new("s", 2, Type::String)
            },
            AttrPolicy {
                values: Values::Enum(&[0, 1]),
                order: Order::Big,
                ..AttrPolicy::new("e", 3, Type::U16)
            },
            AttrPolicy {
                nested: Some(&INNER),
                multi: true,
                ..AttrPolicy::new("nest", 4, Type::Nest)
            },
            AttrPolicy {
                values: Values::Mask(0x5),
                ..AttrPolicy::new("m", 5, Type::S8)
            },
            AttrPolicy::new("f", 6, Type::Flag),
            AttrPolicy {
                since: 2,
                ..AttrPolicy::new("later", 7, Type::U8)
            },
        ],
    };

    fn build(f: impl FnOnce(&mut Writer<'_>)) -> std::vec::Vec<u8> {
        let mut buf = std::vec![0u8; 4096];
        let mut w = Writer::new(&mut buf);
        f(&mut w);
        let n = w.finish().unwrap();
        buf.truncate(n);
        buf
    }

    extern crate std;

    fn check(b: &[u8]) -> Result<(), Error> {
        validate(b, 8, &TOP, 1, Unknown::Reject)
    }

    #[test]
    fn round_trip_and_reads() {
        let b = build(|w| {
            w.put_u64(1, 15, Order::Native);
            w.put_str(2, b"abcd", None);
            w.put_u16(3, 1, Order::Big);
            w.nest(4, |w| {
                w.put_u32(1, 7, Order::Native);
                w.nest(2, |w| w.put_u32(1, 8, Order::Native));
            });
            w.put_s8(5, 4, Order::Native);
            w.put_flag(6);
        });
        assert_eq!(check(&b), Ok(()));
        assert_eq!(
            find(&b, 1).and_then(|p| get_u64(p, Order::Native)),
            Some(15)
        );
        assert_eq!(find(&b, 2).map(get_str), Some(&b"abcd"[..]));
        assert_eq!(find(&b, 3).and_then(|p| get_u16(p, Order::Big)), Some(1));
        let nest = find(&b, 4).unwrap();
        assert_eq!(
            find(nest, 1).and_then(|p| get_u32(p, Order::Native)),
            Some(7)
        );
        let inner = find(nest, 2).unwrap();
        assert_eq!(
            find(inner, 1).and_then(|p| get_u32(p, Order::Native)),
            Some(8)
        );
    }

    #[test]
    fn rejections_say_where() {
        let at = |errno, offset, attr| {
            Err(Error {
                errno,
                offset,
                attr,
            })
        };
        // Offsets count from the message start: the attributes start at 8.
        let b = build(|w| {
            w.put_flag(6);
            w.put_u64(1, 9, Order::Native);
        });
        assert_eq!(check(&b), at(Errno::ERANGE, 12, 1));
        let b = build(|w| w.put_u32(1, 15, Order::Native));
        assert_eq!(check(&b), at(Errno::EINVAL, 8, 1), "wrong length");
        let b = build(|w| w.put_str(2, b"abcde", None));
        assert_eq!(check(&b), at(Errno::EINVAL, 8, 2), "too long");
        let b = build(|w| w.put(2, b"ab"));
        assert_eq!(check(&b), at(Errno::EINVAL, 8, 2), "no NUL");
        let b = build(|w| w.put_u16(3, 2, Order::Big));
        assert_eq!(check(&b), at(Errno::EINVAL, 8, 3), "unknown enum value");
        let b = build(|w| w.put_s8(5, 2, Order::Native));
        assert_eq!(check(&b), at(Errno::EINVAL, 8, 5), "unknown bit");
        let b = build(|w| {
            w.put_flag(6);
            w.put_flag(6);
        });
        assert_eq!(check(&b), at(Errno::EINVAL, 12, 6), "duplicate");
        let b = build(|w| w.put_u32(9, 1, Order::Native));
        assert_eq!(check(&b), at(Errno::EINVAL, 8, 9), "unknown");
        let b = build(|w| w.put_u32(9 | NLA_F_OPTIONAL, 1, Order::Native));
        assert_eq!(check(&b), Ok(()), "optional unknown is skipped");
        let b = build(|w| w.put_u8(7, 1, Order::Native));
        assert_eq!(
            check(&b),
            at(Errno::EINVAL, 8, 7),
            "newer than the receiver"
        );
        assert_eq!(validate(&b, 8, &TOP, 2, Unknown::Reject), Ok(()));
        let b = build(|w| w.put(4, &[]));
        assert_eq!(
            check(&b),
            at(Errno::EINVAL, 8, 4),
            "nest without NLA_F_NESTED"
        );
        let b = build(|w| w.put(6 | NLA_F_NESTED, &[]));
        assert_eq!(check(&b), at(Errno::EINVAL, 8, 6), "NLA_F_NESTED on a flag");
        let b = build(|w| w.nest(4, |w| w.put_u64(1, 1, Order::Native)));
        assert_eq!(check(&b), at(Errno::EINVAL, 12, 1), "inside the nest");
        // Truncated: nla_len below 4, or past the end.
        assert_eq!(check(&[2, 0, 6, 0]), at(Errno::EINVAL, 8, 6));
        assert_eq!(check(&[9, 0, 6, 0, 0, 0, 0, 0]), at(Errno::EINVAL, 8, 6));
        assert_eq!(check(&[4, 0]), at(Errno::EINVAL, 8, 0));
    }

    #[test]
    fn depth_is_bounded() {
        fn deep(w: &mut Writer<'_>, n: u32) {
            if n == 0 {
                w.put_u32(1, 1, Order::Native);
            } else {
                w.nest(2, |w| deep(w, n - 1));
            }
        }
        // Level 1 is the nest in TOP; each `self` nest adds one.
        let ok = build(|w| w.nest(4, |w| deep(w, 6)));
        assert_eq!(check(&ok), Ok(()));
        let bad = build(|w| w.nest(4, |w| deep(w, 7)));
        let e = check(&bad).unwrap_err();
        assert_eq!(e.errno, Errno::EINVAL);
        assert_eq!((e.offset, e.attr), (8 + 4 * 7, 2), "the nest at level 9");
    }

    #[test]
    fn writer_is_bounded_and_counts() {
        let mut buf = [0xaau8; 10];
        let mut w = Writer::new(&mut buf);
        w.header(&Header {
            op: 1,
            ..Header::default()
        });
        w.put_u32(1, 5, Order::Native);
        w.nest(2, |w| w.put_u64(1, 5, Order::Native));
        assert_eq!(w.finish(), Err(8 + 8 + 16));
        assert_eq!(&buf[8..], &[0xaa, 0xaa], "nothing past what fits");
        let big = std::vec![0u8; MAX_PAYLOAD + 1];
        let mut buf = std::vec![0u8; 100];
        let mut w = Writer::new(&mut buf);
        w.put(1, &big);
        assert!(w.finish().unwrap_err() > MAX_MSG);
    }

    #[test]
    fn header() {
        assert_eq!(Header::parse(&[0; 7]), Err(Error::msg(Errno::EINVAL)));
        let h = Header {
            op: 3,
            flags: 1,
            reserved: 0,
        };
        assert_eq!(Header::parse(&h.to_bytes()), Ok(h));
        assert_eq!(
            Header::parse_strict(&h.to_bytes()),
            Err(Error::msg(Errno::EINVAL))
        );
    }
}
