//! What every generated kernel-flavour module shares: command words,
//! copying an ioctl argument in and out under its extension rule, and the
//! user-pointer arrays, over `kernel::uaccess::UserSlice` only.
//!
//! The hosted crates have `uabi-runtime` for this; a module the kernel's
//! build compiles may use no crate but `core` and `kernel`, so uabi writes
//! this file beside each spec's module (the same bytes every time). Every
//! `unsafe` block says why it holds. Nothing here panics on any input.

use core::marker::PhantomData;
use core::mem::{size_of, MaybeUninit};
use kernel::alloc::{flags::GFP_KERNEL, KVec};
use kernel::error::{code, Error};
use kernel::types::{AsBytes, FromBytes};
use kernel::uaccess::UserSlice;

/// Control messages: the NLA codec, policies and writer, the same code as
/// `uabi-runtime`'s `nla` module (copied beside this file).
#[path = "uabi_nla.rs"]
pub mod nla;

/// Shared-memory rings: the protocol of `uabi-runtime`'s `ring` module
/// (copied beside this file), over a driver's `RingMem`.
#[path = "uabi_ring.rs"]
pub mod ring;

/// An errno as the control-message codec carries it (positive, as
/// `uabi-runtime`'s); drivers see `kernel::error::Error`, converted both
/// ways at the boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub i32);

impl Errno {
    /// `EPERM`: Operation not permitted.
    pub const EPERM: Errno = Errno(1);
    /// `ENOMEM`: Out of memory.
    pub const ENOMEM: Errno = Errno(12);
    /// `EFAULT`: Bad address.
    pub const EFAULT: Errno = Errno(14);
    /// `EINVAL`: Invalid argument.
    pub const EINVAL: Errno = Errno(22);
    /// `EPIPE`: Broken pipe: a ring protocol error.
    pub const EPIPE: Errno = Errno(32);
    /// `ERANGE`: Result out of range.
    pub const ERANGE: Errno = Errno(34);
    /// `EMSGSIZE`: Message too long.
    pub const EMSGSIZE: Errno = Errno(90);
    /// `EOPNOTSUPP`: Operation not supported.
    pub const EOPNOTSUPP: Errno = Errno(95);
}

impl core::fmt::Display for Errno {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "errno {}", self.0)
    }
}

impl From<Error> for Errno {
    fn from(e: Error) -> Errno {
        Errno(-e.to_errno())
    }
}

impl From<Errno> for Error {
    fn from(e: Errno) -> Error {
        Error::from_errno(-e.0)
    }
}

impl From<Error> for nla::Error {
    fn from(e: Error) -> nla::Error {
        nla::Error::msg(Errno::from(e))
    }
}

/// `_IOC` command words of the architecture the module is built for: the
/// same code as `uabi-runtime`'s `ioc` module (copied beside this file).
#[path = "uabi_ioc.rs"]
pub mod ioc;

/// How a caller's struct of another size is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extension {
    /// drm_ioctl: shorter is zero-extended, longer is truncated.
    ZeroExtend,
    /// copy_struct_from_user: longer is accepted only if the extra tail is
    /// zero, else `E2BIG`.
    Strict,
}

/// Largest argument any command word encodes; bounds the tail scan.
const MAX_ARG: usize = 1 << 14;

/// A user address as `UserSlice` takes it; one that does not fit the
/// kernel's pointer width cannot be the caller's: `EFAULT`.
fn user_ptr(addr: u64) -> Result<usize, Error> {
    usize::try_from(addr).map_err(|_| code::EFAULT)
}

/// `v`'s bytes as uninitialised memory to copy into.
fn bytes_mut<T: FromBytes>(v: &mut T) -> &mut [MaybeUninit<u8>] {
    // SAFETY: `v` is a valid, exclusively borrowed `T` of `size_of::<T>()`
    // bytes; `MaybeUninit<u8>` has no validity requirement and alignment 1,
    // and since `T: FromBytes` whatever bytes are written through the
    // slice leave a valid `T`.
    unsafe { core::slice::from_raw_parts_mut((v as *mut T).cast(), size_of::<T>()) }
}

/// `v`'s bytes, to write.
pub fn bytes_of_mut<T: FromBytes + AsBytes>(v: &mut T) -> &mut [u8] {
    // SAFETY: `T: AsBytes` has no uninitialised byte, so its bytes may be
    // read as `u8`, and `T: FromBytes` stays valid whatever is written.
    unsafe { core::slice::from_raw_parts_mut((v as *mut T).cast(), size_of::<T>()) }
}

/// `v`'s bytes.
pub fn as_bytes<T: AsBytes>(v: &T) -> &[u8] {
    // SAFETY: `T: AsBytes` has no uninitialised byte (no padding), so all
    // `size_of::<T>()` bytes behind the shared borrow may be read as `u8`.
    unsafe { core::slice::from_raw_parts((v as *const T).cast(), size_of::<T>()) }
}

/// A `T` from the first `size_of::<T>()` bytes of `bytes`; `None` when
/// there are fewer.
pub fn read_from_prefix<T: FromBytes + Default>(bytes: &[u8]) -> Option<T> {
    let src = bytes.get(..size_of::<T>())?;
    let mut v = T::default();
    for (d, s) in bytes_mut(&mut v).iter_mut().zip(src) {
        d.write(*s);
    }
    Some(v)
}

/// A `T` from exactly `size_of::<T>()` bytes; `None` for another length
/// (an attribute payload carrying a struct).
pub fn read_exact<T: FromBytes + Default>(bytes: &[u8]) -> Option<T> {
    if bytes.len() != size_of::<T>() {
        return None;
    }
    read_from_prefix(bytes)
}

/// `n` zero bytes in kernel memory (a reply being built).
pub fn zeroed_bytes(n: usize) -> Result<KVec<u8>, Error> {
    Ok(KVec::from_elem(0u8, n, GFP_KERNEL)?)
}

/// Copies `buf.len()` bytes at user address `addr` in: `EFAULT` when any
/// of them cannot be read.
fn read_user(addr: u64, buf: &mut [MaybeUninit<u8>]) -> Result<(), Error> {
    if buf.is_empty() {
        return Ok(());
    }
    UserSlice::new(user_ptr(addr)?, buf.len())
        .reader()
        .read_raw(buf)
}

/// Copies `buf` out to user address `addr`.
fn write_user(addr: u64, buf: &[u8]) -> Result<(), Error> {
    if buf.is_empty() {
        return Ok(());
    }
    UserSlice::new(user_ptr(addr)?, buf.len())
        .writer()
        .write_slice(buf)
}

/// Copies the caller's argument of `user_size` bytes at `addr` into a
/// `T`, as a kernel whose struct is `kernel_size` bytes does it: at most
/// `kernel_size` bytes are read, the rest of `T` stays zero, and the
/// caller's bytes beyond are its extension tail (ignored under
/// `ZeroExtend`, `E2BIG` unless zero under `Strict`). With `copy_in` false
/// (the command does not write) the value is all zeros.
pub fn copy_in_sized<T: FromBytes + Default>(
    addr: u64,
    user_size: usize,
    kernel_size: usize,
    copy_in: bool,
    ext: Extension,
) -> Result<T, Error> {
    let mut v = T::default();
    if !copy_in {
        return Ok(v);
    }
    let k = kernel_size.min(size_of::<T>());
    let n = user_size.min(k);
    read_user(addr, &mut bytes_mut(&mut v)[..n])?;
    if user_size > k && ext == Extension::Strict {
        if user_size > MAX_ARG {
            return Err(code::E2BIG);
        }
        let mut chunk = [MaybeUninit::<u8>::uninit(); 256];
        let mut off = k;
        while off < user_size {
            let len = (user_size - off).min(chunk.len());
            let tail = addr.checked_add(off as u64).ok_or(code::EFAULT)?;
            read_user(tail, &mut chunk[..len])?;
            // SAFETY: `read_user` succeeded, so it initialised all of
            // `chunk[..len]`.
            if chunk[..len].iter().any(|b| unsafe { b.assume_init() } != 0) {
                return Err(code::E2BIG);
            }
            off += len;
        }
    }
    Ok(v)
}

/// Copies `v` back to the caller: as many bytes as both sides know (the
/// caller's `user_size`, the kernel's `kernel_size`).
pub fn copy_out_sized<T: AsBytes>(
    addr: u64,
    user_size: usize,
    kernel_size: usize,
    v: &T,
) -> Result<(), Error> {
    let bytes = as_bytes(v);
    let n = user_size.min(kernel_size).min(bytes.len());
    write_user(addr, &bytes[..n])
}

/// [`copy_out_sized`] of a padded struct's bytes (`to_bytes`), writing
/// only the `ranges` (offset, length) its members cover: the caller's
/// padding bytes stay as the caller wrote them, as a C driver's copy back
/// of the buffer it read leaves them.
pub fn copy_out_ranges(
    addr: u64,
    user_size: usize,
    kernel_size: usize,
    bytes: &[u8],
    ranges: &[(usize, usize)],
) -> Result<(), Error> {
    let n = user_size.min(kernel_size).min(bytes.len());
    for &(at, len) in ranges {
        let end = at.saturating_add(len).min(n);
        if at < end {
            let dst = addr.checked_add(at as u64).ok_or(code::EFAULT)?;
            write_user(dst, &bytes[at..end])?;
        }
    }
    Ok(())
}

/// One run of bytes of an argument whose i386 layout differs from the
/// x86_64 one (an existing ABI's): (x86_64 offset, i386 offset, length).
pub type I386Run = (u16, u16, u16);

/// Whether a call is a 32-bit x86 process's on an x86_64 kernel, with
/// `i386_cmd`, the number its build gives an ioctl whose argument is laid
/// out differently there (what the C kernel side's `_is_i386` checks).
pub fn i386_caller(compat: bool, cmd: u32, i386_cmd: u32) -> bool {
    cfg!(target_arch = "x86_64") && compat && cmd == i386_cmd
}

/// Reads a 32-bit x86 caller's argument, `user_size` bytes in the i386
/// layout, into the x86_64 struct run by run; bytes no run covers stay
/// zero.
pub fn copy_in_i386<T: FromBytes + Default>(
    addr: u64,
    user_size: usize,
    runs: &[I386Run],
    copy_in: bool,
) -> Result<T, Error> {
    let mut v = T::default();
    if !copy_in {
        return Ok(v);
    }
    let mut buf = zeroed_bytes(user_size)?;
    if !buf.is_empty() {
        UserSlice::new(user_ptr(addr)?, buf.len())
            .reader()
            .read_slice(&mut buf)?;
    }
    let dst = bytes_mut(&mut v);
    for &(native, i386, len) in runs {
        let (native, i386, len) = (usize::from(native), usize::from(i386), usize::from(len));
        if let (Some(from), Some(to)) =
            (buf.get(i386..i386 + len), dst.get_mut(native..native + len))
        {
            for (t, f) in to.iter_mut().zip(from) {
                t.write(*f);
            }
        }
    }
    Ok(v)
}

/// Writes the x86_64 struct's `bytes` back to a 32-bit x86 caller as
/// `user_size` bytes of the i386 layout, run by run; the i386 layout's
/// padding is written as zeros (as the C kernel side does).
pub fn copy_out_i386(
    addr: u64,
    user_size: usize,
    bytes: &[u8],
    runs: &[I386Run],
) -> Result<(), Error> {
    let mut buf = zeroed_bytes(user_size)?;
    for &(native, i386, len) in runs {
        let (native, i386, len) = (usize::from(native), usize::from(i386), usize::from(len));
        if let (Some(from), Some(to)) = (
            bytes.get(native..native + len),
            buf.get_mut(i386..i386 + len),
        ) {
            to.copy_from_slice(from);
        }
    }
    write_user(addr, &buf)
}

/// Validation for elements that need none (plain integers).
pub fn no_validation<T>(_: &T) -> Result<(), Error> {
    Ok(())
}

/// Does a byte string hold only zeros? (pad checks)
pub fn all_zero(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| *b == 0)
}

/// How each element is validated: on its own, or as a driver of a given
/// revision would.
enum Validate<T> {
    Plain(fn(&T) -> Result<(), Error>),
    At(fn(&T, u32) -> Result<(), Error>, u32),
}

/// An array in caller memory behind a `user-ptr`, bounds checked at
/// construction, before any of it is read.
pub struct UserArray<T> {
    addr: u64,
    len: usize,
    /// Bytes from one element to the next: the element's size, or the size
    /// the caller declares (`with_stride`).
    stride: usize,
    validate: Validate<T>,
    _elem: PhantomData<fn() -> T>,
}

impl<T: FromBytes + Default> UserArray<T> {
    /// Checks `count` against `max` (`EINVAL`), `count * size` and the end
    /// address for overflow (`EINVAL`, `EFAULT`), and a null address with a
    /// non-zero count (`EFAULT`).
    pub fn new(
        addr: u64,
        count: u64,
        max: u64,
        validate: fn(&T) -> Result<(), Error>,
    ) -> Result<Self, Error> {
        Self::bounded(addr, count, max, Validate::Plain(validate))
    }

    /// [`Self::new`] with elements validated at revision `rev`.
    pub fn new_at(
        addr: u64,
        count: u64,
        max: u64,
        rev: u32,
        validate: fn(&T, u32) -> Result<(), Error>,
    ) -> Result<Self, Error> {
        Self::bounded(addr, count, max, Validate::At(validate, rev))
    }

    /// A length in bytes (`len:` rather than `count:`): one that is not a
    /// multiple of the element size is `EINVAL`.
    pub fn from_byte_len(
        addr: u64,
        bytes: u64,
        max_count: u64,
        validate: fn(&T) -> Result<(), Error>,
    ) -> Result<Self, Error> {
        Self::new(addr, Self::count_of(bytes)?, max_count, validate)
    }

    /// [`Self::from_byte_len`] with elements validated at revision `rev`.
    pub fn from_byte_len_at(
        addr: u64,
        bytes: u64,
        max_count: u64,
        rev: u32,
        validate: fn(&T, u32) -> Result<(), Error>,
    ) -> Result<Self, Error> {
        Self::new_at(addr, Self::count_of(bytes)?, max_count, rev, validate)
    }

    fn count_of(bytes: u64) -> Result<u64, Error> {
        let size = size_of::<T>() as u64;
        // (`checked_rem`: also a zero size; `is_multiple_of` is newer than
        // the oldest rustc the kernel accepts.)
        if bytes.checked_rem(size) != Some(0) {
            return Err(code::EINVAL);
        }
        Ok(bytes / size)
    }

    fn bounded(addr: u64, count: u64, max: u64, validate: Validate<T>) -> Result<Self, Error> {
        if count > max {
            return Err(code::EINVAL);
        }
        let bytes = count
            .checked_mul(size_of::<T>() as u64)
            .ok_or(code::EINVAL)?;
        if count > 0 && addr == 0 {
            return Err(code::EFAULT);
        }
        addr.checked_add(bytes).ok_or(code::EFAULT)?;
        let len = usize::try_from(count).map_err(|_| code::EINVAL)?;
        Ok(UserArray {
            addr,
            len,
            stride: size_of::<T>(),
            validate,
            _elem: PhantomData,
        })
    }

    /// Elements `stride` bytes apart, the size the caller declares: each
    /// is copied in as an argument under `strict` and out truncated to
    /// `stride`. A zero stride is `EINVAL`; the end is checked again.
    pub fn with_stride(mut self, stride: u64) -> Result<Self, Error> {
        let stride = usize::try_from(stride).map_err(|_| code::EINVAL)?;
        if stride == 0 {
            return Err(code::EINVAL);
        }
        let bytes = (self.len as u64)
            .checked_mul(stride as u64)
            .ok_or(code::EINVAL)?;
        self.addr.checked_add(bytes).ok_or(code::EFAULT)?;
        self.stride = stride;
        Ok(self)
    }

    /// The caller's element count.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the caller passed no element.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn check(&self, v: &T) -> Result<(), Error> {
        match self.validate {
            Validate::Plain(f) => f(v),
            Validate::At(f, rev) => f(v, rev),
        }
    }

    /// Copies the whole array in, once, into kernel memory, and validates
    /// every element of the copy: what the handler then reads can no
    /// longer change under it.
    pub fn read_all(&self) -> Result<KVec<T>, Error> {
        let mut out = KVec::with_capacity(self.len, GFP_KERNEL)?;
        if self.stride == size_of::<T>() {
            let bytes = self.len * size_of::<T>();
            let spare = out.spare_capacity_mut();
            // SAFETY: `spare` is `self.len` uninitialised `T` slots, i.e.
            // `bytes` bytes of memory we may write, viewed as bytes with no
            // validity requirement.
            let raw: &mut [MaybeUninit<u8>] =
                unsafe { core::slice::from_raw_parts_mut(spare.as_mut_ptr().cast(), bytes) };
            read_user(self.addr, raw)?;
            // SAFETY: the first `self.len` slots are initialised by the read
            // above, and any bytes are a valid `T` (`T: FromBytes`).
            unsafe { out.set_len(self.len) };
        } else {
            for i in 0..self.len {
                let addr = self.addr + (i as u64) * self.stride as u64;
                let v = copy_in_sized(addr, self.stride, size_of::<T>(), true, Extension::Strict)?;
                out.push(v, GFP_KERNEL)?;
            }
        }
        for v in out.iter() {
            self.check(v)?;
        }
        Ok(out)
    }

    /// The array as one the handler fills: see [`OutArray`].
    pub fn into_out(self) -> Result<OutArray<T>, Error> {
        Ok(OutArray {
            addr: self.addr,
            len: self.len,
            stride: self.stride,
            filled: KVec::with_capacity(self.len, GFP_KERNEL)?,
        })
    }
}

impl<T: FromBytes + AsBytes + Default> UserArray<T> {
    /// Copies `elems` back out over the array (an array the kernel reads
    /// and writes), each truncated to the caller's stride.
    pub fn write_all(&self, elems: &[T]) -> Result<(), Error> {
        let elems = elems.get(..self.len).unwrap_or(elems);
        if self.stride == size_of::<T>() {
            let n = core::mem::size_of_val(elems);
            // SAFETY: `T: AsBytes`, so the `n` bytes of the elements may be
            // read as `u8`.
            let bytes: &[u8] = unsafe { core::slice::from_raw_parts(elems.as_ptr().cast(), n) };
            return write_user(self.addr, bytes);
        }
        for (i, v) in elems.iter().enumerate() {
            let addr = self.addr + (i as u64) * self.stride as u64;
            copy_out_sized(addr, self.stride, size_of::<T>(), v)?;
        }
        Ok(())
    }
}

/// An array the kernel writes: the handler pushes up to [`Self::len`]
/// elements, and when it succeeds exactly those are copied out, the
/// caller's elements past them left as they were.
pub struct OutArray<T> {
    addr: u64,
    len: usize,
    stride: usize,
    filled: KVec<T>,
}

impl<T: AsBytes> OutArray<T> {
    /// The caller's element count: how many may be pushed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the caller passed room for no element.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many elements are pushed so far.
    pub fn pushed(&self) -> usize {
        self.filled.len()
    }

    /// Appends an element: `EOVERFLOW` when the caller's array is full
    /// (Linux 6.12's `code` has no `EOVERFLOW`: built from its number).
    pub fn push(&mut self, v: T) -> Result<(), Error> {
        if self.filled.len() >= self.len {
            return Err(Error::from_errno(-(kernel::bindings::EOVERFLOW as i32)));
        }
        self.filled.push(v, GFP_KERNEL)?;
        Ok(())
    }

    /// Copies what was pushed out to the caller (the dispatch does this
    /// when the handler succeeds).
    pub fn copy_out(&self) -> Result<(), Error> {
        if self.stride == size_of::<T>() {
            let n = self.filled.len() * size_of::<T>();
            let all = self.filled.as_slice();
            // SAFETY: `T: AsBytes`, so the `n` bytes of the initialised
            // elements may be read as `u8`.
            let bytes: &[u8] = unsafe { core::slice::from_raw_parts(all.as_ptr().cast(), n) };
            return write_user(self.addr, bytes);
        }
        for (i, v) in self.filled.iter().enumerate() {
            let addr = self.addr + (i as u64) * self.stride as u64;
            copy_out_sized(addr, self.stride, size_of::<T>(), v)?;
        }
        Ok(())
    }
}
