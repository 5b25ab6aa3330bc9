//! Runtime support shared by the crates uabi generates: the errno type,
//! the one boundary to caller memory ([`UserMem`], what `UserSlice` is in
//! Rust-for-Linux), ioctl command decoding for the host, the copy-in and
//! copy-out rules of the two extension modes, and bounded views of
//! user-pointer arrays. Generated kernel-side crates are built on the
//! `no_std` part; generated user-side crates also use [`transport`]
//! (feature `std`).
//!
//! It is hand-written rather than generated because it holds no
//! spec-specific knowledge: one tested copy serves every spec.

#![no_std]
#![forbid(unsafe_op_in_unsafe_fn)]

#[cfg(feature = "std")]
extern crate std;
// Only the heap-backed ring region (tests, loom models) allocates.
extern crate alloc;

mod errno;
pub mod ioc;
pub mod nla;
pub mod ring;
#[cfg(feature = "std")]
pub mod transport;

pub use errno::Errno;
pub use zerocopy;

use core::marker::PhantomData;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

#[cfg(any(
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "sparc",
    target_arch = "sparc64"
))]
compile_error!(
    "uabi-runtime: errno values follow asm-generic; this architecture numbers them differently"
);

/// Reads and writes the memory of the process that made the call, at
/// its (64-bit) addresses. A bad address is `EFAULT`, never a crash.
pub trait UserMem {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), Errno>;
    fn write(&self, addr: u64, buf: &[u8]) -> Result<(), Errno>;
}

/// How a caller's struct of another size is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extension {
    /// drm_ioctl: shorter is zero-extended, longer is truncated.
    ZeroExtend,
    /// copy_struct_from_user: longer is accepted only if the extra tail
    /// is zero, else E2BIG.
    Strict,
}

/// Largest argument any encoding carries; bounds the tail scan.
const MAX_ARG: usize = 1 << 14;

/// Copies the caller's argument of `user_size` bytes at `addr` into a `T`,
/// following `ext`. With `copy_in` false (the caller's command did not
/// ask the kernel to read), the value is all zeros.
pub fn copy_in<T: FromBytes + IntoBytes + KnownLayout + Immutable>(
    mem: &dyn UserMem,
    addr: u64,
    user_size: usize,
    copy_in: bool,
    ext: Extension,
) -> Result<T, Errno> {
    copy_in_sized(
        mem,
        addr,
        user_size,
        core::mem::size_of::<T>(),
        copy_in,
        ext,
    )
}

/// [`copy_in`] as a kernel whose struct is only `kernel_size` bytes (the
/// size `T` had at an older revision) does it: at most `kernel_size`
/// bytes are read, the rest of `T` stays zero, and the caller's bytes
/// beyond `kernel_size` are its extension tail (ignored under
/// `ZeroExtend`, `E2BIG` unless zero under `Strict`). A `kernel_size`
/// above `size_of::<T>()` is taken as `size_of::<T>()`.
pub fn copy_in_sized<T: FromBytes + IntoBytes + KnownLayout + Immutable>(
    mem: &dyn UserMem,
    addr: u64,
    user_size: usize,
    kernel_size: usize,
    copy_in: bool,
    ext: Extension,
) -> Result<T, Errno> {
    let mut v = T::new_zeroed();
    if !copy_in {
        return Ok(v);
    }
    let k = kernel_size.min(core::mem::size_of::<T>());
    let n = user_size.min(k);
    mem.read(addr, &mut v.as_mut_bytes()[..n])?;
    if user_size > k && ext == Extension::Strict {
        if user_size > MAX_ARG {
            return Err(Errno::E2BIG);
        }
        let mut chunk = [0u8; 256];
        let mut off = k;
        while off < user_size {
            let len = (user_size - off).min(chunk.len());
            let tail_addr = addr.checked_add(off as u64).ok_or(Errno::EFAULT)?;
            mem.read(tail_addr, &mut chunk[..len])?;
            if chunk[..len].iter().any(|b| *b != 0) {
                return Err(Errno::E2BIG);
            }
            off += len;
        }
    }
    Ok(v)
}

/// [`copy_in_sized`] for a struct with implicit padding (existing ABI:
/// ivpu's submit on x86_64), which cannot be viewed as bytes: the caller's
/// bytes go through a buffer of the struct's `N` bytes (its size), the
/// padding zero, and the value is read from it.
pub fn copy_in_sized_via<T: FromBytes + KnownLayout + Immutable, const N: usize>(
    mem: &dyn UserMem,
    addr: u64,
    user_size: usize,
    kernel_size: usize,
    copy_in: bool,
    ext: Extension,
) -> Result<T, Errno> {
    let buf: [u8; N] = copy_in_sized(mem, addr, user_size, kernel_size.min(N), copy_in, ext)?;
    T::read_from_bytes(&buf[..core::mem::size_of::<T>().min(N)]).map_err(|_| Errno::EINVAL)
}

/// [`copy_out_sized`] of a padded struct's bytes (`to_bytes`), writing
/// only the `ranges` (offset, length) its members cover, within what both
/// sides know: the caller's padding bytes are left as the caller wrote
/// them, as a C driver's copy back of the buffer it read leaves them.
pub fn copy_out_ranges(
    mem: &dyn UserMem,
    addr: u64,
    user_size: usize,
    kernel_size: usize,
    bytes: &[u8],
    ranges: &[(usize, usize)],
) -> Result<(), Errno> {
    let n = user_size.min(kernel_size).min(bytes.len());
    for &(at, len) in ranges {
        let end = at.saturating_add(len).min(n);
        if at < end {
            let dst = addr.checked_add(at as u64).ok_or(Errno::EFAULT)?;
            mem.write(dst, &bytes[at..end])?;
        }
    }
    Ok(())
}

/// Copies `v` back to the caller: as many bytes as both sides know.
pub fn copy_out<T: IntoBytes + Immutable>(
    mem: &dyn UserMem,
    addr: u64,
    user_size: usize,
    v: &T,
) -> Result<(), Errno> {
    copy_out_sized(mem, addr, user_size, core::mem::size_of_val(v), v)
}

/// [`copy_out`] as a kernel whose struct is only `kernel_size` bytes
/// does it: the caller's bytes beyond `kernel_size` are left as they are.
pub fn copy_out_sized<T: IntoBytes + Immutable>(
    mem: &dyn UserMem,
    addr: u64,
    user_size: usize,
    kernel_size: usize,
    v: &T,
) -> Result<(), Errno> {
    let bytes = v.as_bytes();
    let n = user_size.min(kernel_size).min(bytes.len());
    mem.write(addr, &bytes[..n])
}

/// An array in caller memory behind a `user-ptr`, bounds checked once at
/// construction. Each element is copied exactly once per access into a
/// local value and validated there, so the caller cannot change it
/// between the check and the use.
pub struct UserArray<'a, T> {
    mem: &'a dyn UserMem,
    addr: u64,
    len: usize,
    /// Bytes from one element to the next: the element's size, or the
    /// size the caller declares ([`Self::with_stride`]).
    stride: usize,
    validate: Validate<T>,
    _elem: PhantomData<fn() -> T>,
}

/// How each element is validated: on its own, or as a driver of a given
/// revision would (which rejects values that revision did not know).
enum Validate<T> {
    Plain(fn(&T) -> Result<(), Errno>),
    At(fn(&T, u32) -> Result<(), Errno>, u32),
}

impl<T> Validate<T> {
    fn check(&self, v: &T) -> Result<(), Errno> {
        match *self {
            Validate::Plain(f) => f(v),
            Validate::At(f, rev) => f(v, rev),
        }
    }
}

impl<'a, T: FromBytes + IntoBytes + KnownLayout + Immutable> UserArray<'a, T> {
    /// Checks `count` against `max` (EINVAL), `count * size` and the end
    /// address for overflow (EINVAL, EFAULT), and a null address with a
    /// non-zero count (EFAULT).
    pub fn new(
        mem: &'a dyn UserMem,
        addr: u64,
        count: u64,
        max: u64,
        validate: fn(&T) -> Result<(), Errno>,
    ) -> Result<Self, Errno> {
        Self::bounded(mem, addr, count, max, Validate::Plain(validate))
    }

    /// [`Self::new`] with elements validated at revision `rev`:
    /// `validate(element, rev)`, so that a driver playing an older
    /// revision rejects what that revision did not know.
    pub fn new_at(
        mem: &'a dyn UserMem,
        addr: u64,
        count: u64,
        max: u64,
        rev: u32,
        validate: fn(&T, u32) -> Result<(), Errno>,
    ) -> Result<Self, Errno> {
        Self::bounded(mem, addr, count, max, Validate::At(validate, rev))
    }

    fn bounded(
        mem: &'a dyn UserMem,
        addr: u64,
        count: u64,
        max: u64,
        validate: Validate<T>,
    ) -> Result<Self, Errno> {
        if count > max {
            return Err(Errno::EINVAL);
        }
        let bytes = count
            .checked_mul(core::mem::size_of::<T>() as u64)
            .ok_or(Errno::EINVAL)?;
        if count > 0 && addr == 0 {
            return Err(Errno::EFAULT);
        }
        addr.checked_add(bytes).ok_or(Errno::EFAULT)?;
        let len = usize::try_from(count).map_err(|_| Errno::EINVAL)?;
        Ok(UserArray {
            mem,
            addr,
            len,
            stride: core::mem::size_of::<T>(),
            validate,
            _elem: PhantomData,
        })
    }

    /// A view of a byte length (`len:` rather than `count:`): the count
    /// is `bytes / size_of::<T>()`, and a length that is not a multiple
    /// of the element size is EINVAL.
    pub fn from_byte_len(
        mem: &'a dyn UserMem,
        addr: u64,
        bytes: u64,
        max_count: u64,
        validate: fn(&T) -> Result<(), Errno>,
    ) -> Result<Self, Errno> {
        Self::new(mem, addr, Self::count_of(bytes)?, max_count, validate)
    }

    /// [`Self::from_byte_len`] with elements validated at revision `rev`,
    /// as [`Self::new_at`].
    pub fn from_byte_len_at(
        mem: &'a dyn UserMem,
        addr: u64,
        bytes: u64,
        max_count: u64,
        rev: u32,
        validate: fn(&T, u32) -> Result<(), Errno>,
    ) -> Result<Self, Errno> {
        Self::new_at(mem, addr, Self::count_of(bytes)?, max_count, rev, validate)
    }

    fn count_of(bytes: u64) -> Result<u64, Errno> {
        let size = core::mem::size_of::<T>() as u64;
        if size == 0 || !bytes.is_multiple_of(size) {
            return Err(Errno::EINVAL);
        }
        Ok(bytes / size)
    }

    /// Elements `stride` bytes apart, the size the caller declares for
    /// them (rocket's `task_struct_size`), so either side may know a
    /// newer, longer element: each element is copied in as an ioctl
    /// argument is under `strict` (a shorter one zero-extended, a longer
    /// one accepted only when its extra bytes are zero, else `E2BIG`)
    /// and out truncated to `stride`. A zero stride is `EINVAL`, and the
    /// array's end is checked again for overflow (`EINVAL`, `EFAULT`).
    pub fn with_stride(mut self, stride: u64) -> Result<Self, Errno> {
        let stride = usize::try_from(stride).map_err(|_| Errno::EINVAL)?;
        if stride == 0 {
            return Err(Errno::EINVAL);
        }
        let bytes = (self.len as u64)
            .checked_mul(stride as u64)
            .ok_or(Errno::EINVAL)?;
        self.addr.checked_add(bytes).ok_or(Errno::EFAULT)?;
        self.stride = stride;
        Ok(self)
    }

    fn strided(&self) -> bool {
        self.stride != core::mem::size_of::<T>()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn addr(&self) -> u64 {
        self.addr
    }

    fn elem_addr(&self, i: usize) -> Result<u64, Errno> {
        if i >= self.len {
            return Err(Errno::EINVAL);
        }
        Ok(self.addr + (i as u64) * self.stride as u64)
    }

    /// Copies element `i` in (once) and validates the copy.
    pub fn read(&self, i: usize) -> Result<T, Errno> {
        let addr = self.elem_addr(i)?;
        let v = if self.strided() {
            let size = core::mem::size_of::<T>();
            copy_in_sized(self.mem, addr, self.stride, size, true, Extension::Strict)?
        } else {
            let mut v = T::new_zeroed();
            self.mem.read(addr, v.as_mut_bytes())?;
            v
        };
        self.validate.check(&v)?;
        Ok(v)
    }

    /// Copies elements `start..start + out.len()` in with one read of
    /// caller memory (one system call where that memory is another
    /// process's), then validates each copy. As with [`Self::read`], the
    /// values handed back are the copies, never read again.
    pub fn read_into(&self, start: usize, out: &mut [T]) -> Result<(), Errno> {
        let end = start.checked_add(out.len()).ok_or(Errno::EINVAL)?;
        if end > self.len {
            return Err(Errno::EINVAL);
        }
        if out.is_empty() {
            return Ok(());
        }
        if self.strided() {
            for (i, slot) in out.iter_mut().enumerate() {
                *slot = self.read(start + i)?;
            }
            return Ok(());
        }
        self.mem.read(self.elem_addr(start)?, out.as_mut_bytes())?;
        out.iter().try_for_each(|v| self.validate.check(v))
    }

    /// Copies `v` out to element `i` (its first `stride` bytes when the
    /// caller declared a stride).
    pub fn write(&self, i: usize, v: &T) -> Result<(), Errno> {
        let size = core::mem::size_of::<T>();
        copy_out_sized(self.mem, self.elem_addr(i)?, self.stride, size, v)
    }
}

/// Validation for elements that need none (plain integers).
pub fn no_validation<T>(_: &T) -> Result<(), Errno> {
    Ok(())
}

/// Does a byte string hold only zeros? (pad checks)
pub fn all_zero(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| *b == 0)
}

/// A [`UserMem`] over a byte buffer that stands at `base` in the caller's
/// address space: what a kernel sees of an argument it has already copied
/// in (FUSE hands the server the ioctl argument this way). Addresses
/// outside the buffer are EFAULT.
pub struct BufferMem<'a> {
    pub base: u64,
    pub buf: core::cell::RefCell<&'a mut [u8]>,
}

impl<'a> BufferMem<'a> {
    pub fn new(base: u64, buf: &'a mut [u8]) -> Self {
        BufferMem {
            base,
            buf: core::cell::RefCell::new(buf),
        }
    }

    fn range(&self, addr: u64, len: usize, have: usize) -> Result<core::ops::Range<usize>, Errno> {
        let start = addr.checked_sub(self.base).ok_or(Errno::EFAULT)?;
        let start = usize::try_from(start).map_err(|_| Errno::EFAULT)?;
        let end = start.checked_add(len).ok_or(Errno::EFAULT)?;
        if end > have {
            return Err(Errno::EFAULT);
        }
        Ok(start..end)
    }
}

impl UserMem for BufferMem<'_> {
    fn read(&self, addr: u64, out: &mut [u8]) -> Result<(), Errno> {
        let buf = self.buf.borrow();
        let r = self.range(addr, out.len(), buf.len())?;
        out.copy_from_slice(&buf[r]);
        Ok(())
    }

    fn write(&self, addr: u64, data: &[u8]) -> Result<(), Errno> {
        let mut buf = self.buf.borrow_mut();
        let have = buf.len();
        let r = self.range(addr, data.len(), have)?;
        buf[r].copy_from_slice(data);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

    #[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy, Debug, PartialEq)]
    #[repr(C)]
    struct Two {
        a: u32,
        b: u32,
    }

    #[test]
    fn zero_extend_and_truncate() {
        let mut bytes = [1u8, 0, 0, 0, 2, 0, 0, 0, 9, 9, 9, 9];
        let mem = BufferMem::new(0x1000, &mut bytes);
        let short: Two = copy_in(&mem, 0x1000, 4, true, Extension::ZeroExtend).unwrap();
        assert_eq!(short, Two { a: 1, b: 0 });
        let long: Two = copy_in(&mem, 0x1000, 12, true, Extension::ZeroExtend).unwrap();
        assert_eq!(long, Two { a: 1, b: 2 });
        assert_eq!(
            copy_in::<Two>(&mem, 0x1000, 12, true, Extension::Strict),
            Err(Errno::E2BIG)
        );
        let none: Two = copy_in(&mem, 0x1000, 8, false, Extension::Strict).unwrap();
        assert_eq!(none, Two { a: 0, b: 0 });
        assert_eq!(
            copy_in::<Two>(&mem, 0x1008, 12, true, Extension::ZeroExtend),
            Err(Errno::EFAULT)
        );
    }

    #[test]
    fn strided_elements_follow_the_callers_size() {
        let no = |_: &Two| Ok(());
        // Three 12-byte elements of a newer caller: the third has a
        // non-zero tail.
        let mut bytes = [0u8; 36];
        for (i, v) in [(0usize, 1u8), (12, 2), (24, 3)] {
            bytes[i] = v;
            bytes[i + 4] = v + 10;
        }
        bytes[32] = 7;
        let mem = BufferMem::new(0x1000, &mut bytes);
        let a = UserArray::<Two>::new(&mem, 0x1000, 3, 8, no)
            .unwrap()
            .with_stride(12)
            .unwrap();
        assert_eq!(a.read(0), Ok(Two { a: 1, b: 11 }));
        assert_eq!(a.read(1), Ok(Two { a: 2, b: 12 }));
        assert_eq!(a.read(2), Err(Errno::E2BIG));
        let mut two = [Two { a: 0, b: 0 }; 2];
        a.read_into(0, &mut two).unwrap();
        assert_eq!(two, [Two { a: 1, b: 11 }, Two { a: 2, b: 12 }]);
        a.write(1, &Two { a: 5, b: 6 }).unwrap();
        // An older caller's 4-byte elements: zero-extended, written
        // back truncated.
        let a = UserArray::<Two>::new(&mem, 0x1000, 3, 8, no)
            .unwrap()
            .with_stride(4)
            .unwrap();
        assert_eq!(a.read(1), Ok(Two { a: 11, b: 0 }));
        a.write(2, &Two { a: 9, b: 9 }).unwrap();
        assert_eq!(mem.buf.borrow()[8..12], [9, 0, 0, 0]);
        assert_eq!(mem.buf.borrow()[12..16], [5, 0, 0, 0]);
        // Zero, overflowing and out-of-range strides.
        let new = || UserArray::<Two>::new(&mem, 0x1000, 3, 8, no).unwrap();
        assert_eq!(new().with_stride(0).err(), Some(Errno::EINVAL));
        assert_eq!(new().with_stride(u64::MAX).err(), Some(Errno::EINVAL));
        assert_eq!(new().with_stride(u64::MAX / 3).err(), Some(Errno::EFAULT));
        let a = new().with_stride(100).unwrap();
        assert_eq!(a.read(1), Err(Errno::EFAULT));
    }

    #[test]
    fn strict_accepts_a_zero_tail() {
        let mut bytes = [1u8, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0];
        let mem = BufferMem::new(0x1000, &mut bytes);
        let v: Two = copy_in(&mem, 0x1000, 12, true, Extension::Strict).unwrap();
        assert_eq!(v, Two { a: 1, b: 2 });
    }

    #[test]
    fn sized_copy_in_plays_an_older_struct() {
        // The caller's struct is 12 bytes; the kernel's, at an older
        // revision, only its first 4 (`a`).
        let mut bytes = [1u8, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0];
        let mem = BufferMem::new(0x1000, &mut bytes);
        for ext in [Extension::ZeroExtend, Extension::Strict] {
            let v: Two =
                copy_in_sized(&mem, 0x1000, 12, 4, true, ext).unwrap_or(Two { a: 9, b: 9 });
            let want = if ext == Extension::Strict {
                Two { a: 9, b: 9 }
            } else {
                Two { a: 1, b: 0 }
            };
            assert_eq!(v, want, "{ext:?}: b is beyond the old struct");
        }
        assert_eq!(
            copy_in_sized::<Two>(&mem, 0x1000, 12, 4, true, Extension::Strict),
            Err(Errno::E2BIG)
        );
        // A zero tail beyond the old size is accepted under strict.
        let mut zero_b = [1u8, 0, 0, 0, 0, 0, 0, 0];
        let mem = BufferMem::new(0x1000, &mut zero_b);
        let v: Two = copy_in_sized(&mem, 0x1000, 8, 4, true, Extension::Strict).unwrap();
        assert_eq!(v, Two { a: 1, b: 0 });
        // A shorter caller is zero-extended; an oversized kernel size is
        // the type's own; copy_in false reads nothing.
        let v: Two = copy_in_sized(&mem, 0x1000, 2, 4, true, Extension::Strict).unwrap();
        assert_eq!(v, Two { a: 1, b: 0 });
        let mut full = [1u8, 0, 0, 0, 2, 0, 0, 0];
        let mem = BufferMem::new(0x1000, &mut full);
        let v: Two = copy_in_sized(&mem, 0x1000, 8, 100, true, Extension::Strict).unwrap();
        assert_eq!(v, Two { a: 1, b: 2 });
        let v: Two = copy_in_sized(&mem, 0x1000, 8, 4, false, Extension::Strict).unwrap();
        assert_eq!(v, Two { a: 0, b: 0 });
    }

    #[test]
    fn sized_copy_out_leaves_the_callers_tail() {
        let mut bytes = [0xffu8; 12];
        let mem = BufferMem::new(0x1000, &mut bytes);
        copy_out_sized(&mem, 0x1000, 12, 4, &Two { a: 1, b: 2 }).unwrap();
        copy_out_sized(&mem, 0x1008, 2, 8, &Two { a: 3, b: 4 }).unwrap();
        assert_eq!(
            *mem.buf.borrow(),
            [1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 3, 0, 0xff, 0xff]
        );
        assert_eq!(
            copy_out_sized(&mem, 0x100c, 8, 8, &Two { a: 1, b: 2 }),
            Err(Errno::EFAULT)
        );
    }

    #[test]
    fn arrays_validate_at_a_revision() {
        let mut bytes = [0u8; 16];
        bytes[8] = 2;
        let mem = BufferMem::new(0x1000, &mut bytes);
        // `a == 2` is a value revision 2 introduced.
        fn at(t: &Two, rev: u32) -> Result<(), Errno> {
            if t.a == 2 && rev < 2 {
                Err(Errno::EINVAL)
            } else {
                Ok(())
            }
        }
        let old = UserArray::<Two>::new_at(&mem, 0x1000, 2, 2, 1, at).unwrap();
        assert_eq!(old.read(0), Ok(Two { a: 0, b: 0 }));
        assert_eq!(old.read(1).err(), Some(Errno::EINVAL));
        let mut two = [Two { a: 0, b: 0 }; 2];
        assert_eq!(old.read_into(0, &mut two).err(), Some(Errno::EINVAL));
        let new = UserArray::<Two>::from_byte_len_at(&mem, 0x1000, 16, 2, 2, at).unwrap();
        assert_eq!(new.len(), 2);
        new.read_into(0, &mut two).unwrap();
        assert_eq!(two[1], Two { a: 2, b: 0 });
        assert_eq!(
            UserArray::<Two>::new_at(&mem, 0x1000, 3, 2, 2, at).err(),
            Some(Errno::EINVAL)
        );
        assert_eq!(
            UserArray::<Two>::from_byte_len_at(&mem, 0x1000, 12, 2, 2, at).err(),
            Some(Errno::EINVAL)
        );
    }

    #[test]
    fn arrays_are_bounded() {
        let mut bytes = [0u8; 16];
        let mem = BufferMem::new(0x1000, &mut bytes);
        let ok = UserArray::<Two>::new(&mem, 0x1000, 2, 4, no_validation).unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok.read(2).err(), Some(Errno::EINVAL));
        ok.write(1, &Two { a: 7, b: 8 }).unwrap();
        assert_eq!(ok.read(1).unwrap(), Two { a: 7, b: 8 });
        assert_eq!(
            UserArray::<Two>::new(&mem, 0x1000, 5, 4, no_validation).err(),
            Some(Errno::EINVAL)
        );
        assert_eq!(
            UserArray::<Two>::new(&mem, 0, 1, 4, no_validation).err(),
            Some(Errno::EFAULT)
        );
        assert!(UserArray::<Two>::new(&mem, 0, 0, 4, no_validation).is_ok());
        assert_eq!(
            UserArray::<Two>::new(&mem, 0x1000, u64::MAX / 4, u64::MAX, no_validation).err(),
            Some(Errno::EINVAL)
        );
        assert_eq!(
            UserArray::<Two>::new(&mem, u64::MAX - 4, 1, 4, no_validation).err(),
            Some(Errno::EFAULT)
        );
        let beyond = UserArray::<Two>::new(&mem, 0x1008, 2, 4, no_validation).unwrap();
        assert_eq!(beyond.read(1).err(), Some(Errno::EFAULT));
        let picky = UserArray::<Two>::new(&mem, 0x1000, 2, 4, |t| {
            if t.a == 7 { Err(Errno::EINVAL) } else { Ok(()) }
        })
        .unwrap();
        assert_eq!(picky.read(1).err(), Some(Errno::EINVAL));
        let mut two = [Two { a: 0, b: 0 }; 2];
        ok.read_into(0, &mut two).unwrap();
        assert_eq!(two[1], Two { a: 7, b: 8 });
        assert_eq!(ok.read_into(1, &mut two).err(), Some(Errno::EINVAL));
        assert_eq!(picky.read_into(0, &mut two).err(), Some(Errno::EINVAL));
        assert!(UserArray::<Two>::from_byte_len(&mem, 0x1000, 12, 4, no_validation).is_err());
        assert_eq!(
            UserArray::<Two>::from_byte_len(&mem, 0x1000, 16, 4, no_validation)
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn errno_names() {
        assert_eq!(Errno::EINVAL.name(), Some("EINVAL"));
        assert_eq!(Errno::from_name("ETIMEDOUT"), Some(Errno(110)));
        assert_eq!(Errno(9999).name(), None);
    }
}
