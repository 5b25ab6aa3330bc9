//! A host stand-in for the parts of the Rust-for-Linux `kernel` crate (as
//! of Linux 6.12) that uabi's kernel-flavour output uses: `UserSlice`,
//! `Error` and `code`, `FromBytes`/`AsBytes`, `KVec` with GFP flags.
//!
//! The signatures are the kernel's (same paths, same argument types), so
//! the generated module compiles unchanged here and in the kernel's build;
//! the kernel build in the guest is what proves them against the real
//! crate. User memory is a per-thread map of regions the test lays out
//! ([`user::map`]): an access outside them is `EFAULT`, as a bad address
//! is for `copy_from_user`.

pub mod error {
    //! `kernel::error`: an errno, and the codes by name.

    /// A negative errno, as the kernel's `Error` holds it.
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub struct Error(i32);

    impl Error {
        /// From a negative errno, as the kernel's (anything else is
        /// `EINVAL` there too, with a warning).
        pub fn from_errno(errno: i32) -> Error {
            if (-4095..0).contains(&errno) {
                Error(errno)
            } else {
                code::EINVAL
            }
        }

        /// The errno as a system call returns it: negative.
        pub fn to_errno(self) -> i32 {
            self.0
        }
    }

    impl core::fmt::Debug for Error {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            write!(f, "Error({})", self.0)
        }
    }

    impl From<crate::alloc::AllocError> for Error {
        fn from(_: crate::alloc::AllocError) -> Error {
            code::ENOMEM
        }
    }

    /// `kernel::error::Result`.
    pub type Result<T = (), E = Error> = core::result::Result<T, E>;

    pub mod code {
        //! The errno values (asm-generic numbering) by name.
        use super::Error;
        macro_rules! codes {
            ($($name:ident = $v:expr,)*) => {
                $(pub const $name: Error = Error(-$v);)*
            };
        }
        // Only those 6.12 declares: no EOPNOTSUPP, EOVERFLOW, EMSGSIZE,
        // ETIMEDOUT or ECANCELED (those are built from `bindings`).
        codes! {
            EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, E2BIG = 7, EBADF = 9, EAGAIN = 11,
            ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19,
            EINVAL = 22, ENOSPC = 28, ERANGE = 34, ENOTTY = 25,
        }
    }
}

pub mod bindings {
    //! `kernel::bindings`: the errno numbers bindgen gives (asm-generic).
    pub const EMSGSIZE: u32 = 90;
    pub const EOPNOTSUPP: u32 = 95;
    pub const EOVERFLOW: u32 = 75;
    pub const ETIMEDOUT: u32 = 110;
    pub const ECANCELED: u32 = 125;
}

pub mod types {
    //! `kernel::types` (6.12 keeps the byte traits here).

    /// Every bit pattern is a valid value.
    ///
    /// # Safety
    ///
    /// As the kernel's: implement only for types where that holds.
    pub unsafe trait FromBytes {}

    /// No uninitialised byte (no padding).
    ///
    /// # Safety
    ///
    /// As the kernel's: implement only for types where that holds.
    pub unsafe trait AsBytes {}

    macro_rules! both {
        ($($t:ty),*) => {
            // SAFETY: integers: every bit pattern valid, no padding.
            $(unsafe impl FromBytes for $t {} unsafe impl AsBytes for $t {})*
        };
    }
    both!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);
    // SAFETY: an array of such elements is laid out without padding.
    unsafe impl<T: FromBytes, const N: usize> FromBytes for [T; N] {}
    // SAFETY: as above.
    unsafe impl<T: AsBytes, const N: usize> AsBytes for [T; N] {}
}

pub mod alloc {
    //! `kernel::alloc`: `KVec` and the GFP flags it takes.

    /// Allocation failure.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct AllocError;

    /// GFP flags (only carried: the host allocator takes none).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Flags(u32);

    pub mod flags {
        //! The flags by name.
        use super::Flags;
        pub const GFP_KERNEL: Flags = Flags(0xcc0);
    }

    /// `KVec<T>` over `std`'s `Vec`, with the kernel's fallible API.
    pub struct KVec<T>(Vec<T>);

    impl<T> KVec<T> {
        pub fn with_capacity(n: usize, _: Flags) -> Result<Self, AllocError> {
            let mut v = Vec::new();
            v.try_reserve_exact(n).map_err(|_| AllocError)?;
            Ok(KVec(v))
        }

        pub fn from_elem(value: T, n: usize, flags: Flags) -> Result<Self, AllocError>
        where
            T: Clone,
        {
            let mut v = Self::with_capacity(n, flags)?;
            v.0.resize(n, value);
            Ok(v)
        }

        pub fn push(&mut self, v: T, _: Flags) -> Result<(), AllocError> {
            self.0.try_reserve(1).map_err(|_| AllocError)?;
            self.0.push(v);
            Ok(())
        }

        pub fn spare_capacity_mut(&mut self) -> &mut [core::mem::MaybeUninit<T>] {
            self.0.spare_capacity_mut()
        }

        /// # Safety
        ///
        /// As `Vec::set_len`.
        pub unsafe fn set_len(&mut self, n: usize) {
            // SAFETY: the caller's promise, passed on.
            unsafe { self.0.set_len(n) }
        }

        pub fn as_slice(&self) -> &[T] {
            &self.0
        }

        pub fn len(&self) -> usize {
            self.0.len()
        }

        pub fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
    }

    impl<T> core::ops::Deref for KVec<T> {
        type Target = [T];
        fn deref(&self) -> &[T] {
            &self.0
        }
    }

    impl<T> core::ops::DerefMut for KVec<T> {
        fn deref_mut(&mut self) -> &mut [T] {
            &mut self.0
        }
    }
}

pub mod user {
    //! The caller's address space of the current test thread (not in the
    //! kernel crate: the kernel has the real one).
    use std::cell::RefCell;

    thread_local! {
        static REGIONS: RefCell<Vec<(u64, Vec<u8>)>> = const { RefCell::new(Vec::new()) };
        static ACCESSES: RefCell<Vec<(bool, u64, usize)>> = const { RefCell::new(Vec::new()) };
    }

    /// Forgets every region and access.
    pub fn clear() {
        REGIONS.with(|r| r.borrow_mut().clear());
        ACCESSES.with(|a| a.borrow_mut().clear());
    }

    /// Lays `bytes` out at user address `base`.
    pub fn map(base: u64, bytes: Vec<u8>) {
        REGIONS.with(|r| r.borrow_mut().push((base, bytes)));
    }

    /// The bytes of the region at `base`, as they are now.
    pub fn region(base: u64) -> Option<Vec<u8>> {
        REGIONS.with(|r| {
            r.borrow()
                .iter()
                .find(|(b, _)| *b == base)
                .map(|(_, v)| v.clone())
        })
    }

    /// Every access so far: (write, address, length).
    pub fn accesses() -> Vec<(bool, u64, usize)> {
        ACCESSES.with(|a| a.borrow().clone())
    }

    fn with_range<R>(addr: u64, len: usize, f: impl FnOnce(&mut [u8]) -> R) -> Option<R> {
        REGIONS.with(|r| {
            let mut r = r.borrow_mut();
            let end = addr.checked_add(len as u64)?;
            let (base, bytes) = r
                .iter_mut()
                .find(|(b, v)| addr >= *b && end <= *b + v.len() as u64)?;
            let at = (addr - *base) as usize;
            Some(f(&mut bytes[at..at + len]))
        })
    }

    pub fn read(addr: u64, out: &mut [u8]) -> bool {
        ACCESSES.with(|a| a.borrow_mut().push((false, addr, out.len())));
        with_range(addr, out.len(), |b| out.copy_from_slice(b)).is_some()
    }

    pub fn write(addr: u64, data: &[u8]) -> bool {
        ACCESSES.with(|a| a.borrow_mut().push((true, addr, data.len())));
        with_range(addr, data.len(), |b| b.copy_from_slice(data)).is_some()
    }
}

pub mod uaccess {
    //! `kernel::uaccess`: a user address range, read or written once.
    use crate::error::{code, Result};
    use core::mem::MaybeUninit;

    /// A user address, as the kernel's (`usize`).
    pub type UserPtr = usize;

    /// `length` bytes of the caller's memory at `ptr`.
    pub struct UserSlice {
        ptr: UserPtr,
        length: usize,
    }

    impl UserSlice {
        pub fn new(ptr: UserPtr, length: usize) -> Self {
            UserSlice { ptr, length }
        }

        pub fn reader(self) -> UserSliceReader {
            UserSliceReader {
                ptr: self.ptr,
                length: self.length,
            }
        }

        pub fn writer(self) -> UserSliceWriter {
            UserSliceWriter {
                ptr: self.ptr,
                length: self.length,
            }
        }
    }

    /// Reads forward; what it has read it cannot read again.
    pub struct UserSliceReader {
        ptr: UserPtr,
        length: usize,
    }

    impl UserSliceReader {
        pub fn len(&self) -> usize {
            self.length
        }

        pub fn is_empty(&self) -> bool {
            self.length == 0
        }

        pub fn read_slice(&mut self, out: &mut [u8]) -> Result {
            let len = out.len();
            if len > self.length {
                return Err(code::EFAULT);
            }
            if !crate::user::read(self.ptr as u64, out) {
                return Err(code::EFAULT);
            }
            self.ptr = self.ptr.wrapping_add(len);
            self.length -= len;
            Ok(())
        }

        pub fn read_raw(&mut self, out: &mut [MaybeUninit<u8>]) -> Result {
            let len = out.len();
            if len > self.length {
                return Err(code::EFAULT);
            }
            let mut buf = vec![0u8; len];
            if !crate::user::read(self.ptr as u64, &mut buf) {
                return Err(code::EFAULT);
            }
            for (o, b) in out.iter_mut().zip(buf) {
                o.write(b);
            }
            self.ptr = self.ptr.wrapping_add(len);
            self.length -= len;
            Ok(())
        }
    }

    /// Writes forward.
    pub struct UserSliceWriter {
        ptr: UserPtr,
        length: usize,
    }

    impl UserSliceWriter {
        pub fn len(&self) -> usize {
            self.length
        }

        pub fn is_empty(&self) -> bool {
            self.length == 0
        }

        pub fn write_slice(&mut self, data: &[u8]) -> Result {
            if data.len() > self.length {
                return Err(code::EFAULT);
            }
            if !crate::user::write(self.ptr as u64, data) {
                return Err(code::EFAULT);
            }
            self.ptr = self.ptr.wrapping_add(data.len());
            self.length -= data.len();
            Ok(())
        }
    }
}
