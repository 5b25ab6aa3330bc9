//! The C front end: libclang, loaded at run time through `clang-sys`,
//! parsing in this process. Only this module calls into the library;
//! what it hands out ([`Unit`], [`Cursor`], [`Type`]) borrows the
//! translation unit, so nothing outlives the parse it came from.
//!
//! libclang is loaded once per process (the first import), and made
//! known to each thread that parses (clang-sys keeps the library per
//! thread). Each parse has its own index: an index is not safe to share
//! between threads, a translation unit of its own index is.

// libclang's constants (`CXCursor_StructDecl`) keep their C names in patterns.
#![allow(non_upper_case_globals)]

use super::error::ImportError;
use clang_sys::*;
use std::ffi::{CStr, CString, c_void};
use std::marker::PhantomData;
use std::os::raw::{c_char, c_uint, c_ulong};
use std::sync::{Arc, OnceLock};

/// The library, found and opened once (`LIBCLANG_PATH` names its file or
/// folder, as for every clang-sys user; else the usual places).
static LIBRARY: OnceLock<Result<Arc<SharedLibrary>, String>> = OnceLock::new();

/// What to install when libclang cannot be loaded.
const INSTALL: &str = "install libclang (Debian: libclang1-14; scripts/setup.sh does) or set \
                       LIBCLANG_PATH to the folder of libclang.so";

/// Makes libclang callable on this thread: loads it on first use, and
/// checks that every function this module calls is there (clang-sys
/// would panic on a missing one; an old libclang is an error instead).
pub fn ensure_loaded() -> Result<(), ImportError> {
    if clang_sys::is_loaded() {
        return Ok(());
    }
    let lib = LIBRARY.get_or_init(|| clang_sys::load_manually().map(Arc::new));
    let lib = lib.as_ref().map_err(|why| ImportError::NoLibclang {
        why: why.clone(),
        install: INSTALL,
    })?;
    clang_sys::set_library(Some(lib.clone()));
    if let Some(missing) = missing_function() {
        clang_sys::set_library(None);
        return Err(ImportError::NoLibclang {
            why: format!(
                "{} has no `{missing}` (libclang 10 or later is needed)",
                lib.path().display()
            ),
            install: INSTALL,
        });
    }
    Ok(())
}

/// The first function this module calls that the loaded library lacks.
fn missing_function() -> Option<&'static str> {
    macro_rules! check {
        ($($f:ident),* $(,)?) => {
            $(if !clang_sys::$f::is_loaded() { return Some(stringify!($f)); })*
        };
    }
    check!(
        clang_createIndex,
        clang_disposeIndex,
        clang_parseTranslationUnit2,
        clang_disposeTranslationUnit,
        clang_getTranslationUnitCursor,
        clang_visitChildren,
        clang_getCursorSpelling,
        clang_getCursorKindSpelling,
        clang_getCursorLocation,
        clang_getCursorExtent,
        clang_getCursorType,
        clang_getCanonicalType,
        clang_getTypeSpelling,
        clang_getEnumDeclIntegerType,
        clang_getEnumConstantDeclValue,
        clang_getEnumConstantDeclUnsignedValue,
        clang_isCursorDefinition,
        clang_isExpression,
        clang_isAttribute,
        clang_Cursor_isAnonymousRecordDecl,
        clang_Cursor_isBitField,
        clang_Cursor_getRawCommentText,
        clang_getExpansionLocation,
        clang_getRangeStart,
        clang_getRangeEnd,
        clang_getFile,
        clang_getFileName,
        clang_File_isEqual,
        clang_tokenize,
        clang_getTokenSpelling,
        clang_getTokenKind,
        clang_getTokenExtent,
        clang_disposeTokens,
        clang_getNumDiagnostics,
        clang_getDiagnostic,
        clang_getDiagnosticSeverity,
        clang_getDiagnosticLocation,
        clang_formatDiagnostic,
        clang_disposeDiagnostic,
        clang_getCString,
        clang_disposeString,
    );
    None
}

/// A CXString's text, disposed of.
fn text(s: CXString) -> String {
    // SAFETY: `s` came from libclang and is disposed of exactly once,
    // after its bytes are copied.
    unsafe {
        let p = clang_getCString(s);
        let out = if p.is_null() {
            String::new()
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        };
        clang_disposeString(s);
        out
    }
}

/// A parsed translation unit, with the index it was parsed in.
pub struct Unit {
    tu: CXTranslationUnit,
    index: CXIndex,
}

impl Drop for Unit {
    fn drop(&mut self) {
        // SAFETY: both were created by `parse` and are disposed of once,
        // the unit before its index.
        unsafe {
            clang_disposeTranslationUnit(self.tu);
            clang_disposeIndex(self.index);
        }
    }
}

/// Parses `main` (held in memory, under the name `main_path`) with the
/// compiler arguments `args`, keeping the macro definitions with their
/// places (the detailed preprocessing record) and the implicit
/// attributes (`#pragma pack`'s) that change a layout.
pub fn parse(main_path: &str, main: &str, args: &[String]) -> Result<Unit, ImportError> {
    ensure_loaded()?;
    let front = |what: String| ImportError::FrontEnd { what };
    let nul = |_| front("a NUL byte in an argument or path".into());
    let path = CString::new(main_path).map_err(nul)?;
    let args: Vec<CString> = args
        .iter()
        .map(|a| CString::new(a.as_str()))
        .collect::<Result<_, _>>()
        .map_err(nul)?;
    let argv: Vec<*const c_char> = args.iter().map(|a| a.as_ptr()).collect();
    let mut unsaved = CXUnsavedFile {
        Filename: path.as_ptr(),
        Contents: main.as_ptr().cast(),
        Length: main.len() as c_ulong,
    };
    let flags =
        CXTranslationUnit_DetailedPreprocessingRecord | CXTranslationUnit_VisitImplicitAttributes;
    // SAFETY: every pointer passed lives until the call returns (libclang
    // copies the unsaved file); the index is disposed of with the unit,
    // or here when the parse fails.
    unsafe {
        let index = clang_createIndex(0, 0);
        let mut tu: CXTranslationUnit = std::ptr::null_mut();
        let code = clang_parseTranslationUnit2(
            index,
            path.as_ptr(),
            argv.as_ptr(),
            argv.len() as i32,
            &mut unsaved,
            1,
            flags,
            &mut tu,
        );
        if code != CXError_Success || tu.is_null() {
            clang_disposeIndex(index);
            return Err(front(format!("parsing failed (CXErrorCode {code})")));
        }
        Ok(Unit { tu, index })
    }
}

/// A place in a file: the expansion location of a cursor or token, so a
/// declaration written by a macro is where the macro is used.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    pub file: CXFile,
    pub line: u32,
    pub col: u32,
    pub offset: usize,
}

fn place(loc: CXSourceLocation) -> Place {
    let (mut file, mut line, mut col, mut offset) = (std::ptr::null_mut(), 0, 0, 0);
    // SAFETY: a location from a live unit; the out-pointers are locals.
    unsafe { clang_getExpansionLocation(loc, &mut file, &mut line, &mut col, &mut offset) };
    Place {
        file,
        line,
        col,
        offset: offset as usize,
    }
}

/// One diagnostic of the parse.
pub struct Diag {
    pub severity: CXDiagnosticSeverity,
    pub place: Place,
    /// `file:line:col: error: message`, as clang prints it.
    pub text: String,
}

impl Unit {
    pub fn cursor(&self) -> Cursor<'_> {
        // SAFETY: the unit is live for the cursor's lifetime.
        Cursor::new(unsafe { clang_getTranslationUnitCursor(self.tu) })
    }

    /// The file `path` as this unit knows it (None when it was not read).
    pub fn file(&self, path: &str) -> Option<CXFile> {
        let c = CString::new(path).ok()?;
        // SAFETY: a live unit and a NUL-terminated path.
        let f = unsafe { clang_getFile(self.tu, c.as_ptr()) };
        (!f.is_null()).then_some(f)
    }

    pub fn diagnostics(&self) -> Vec<Diag> {
        // SAFETY: each diagnostic is read and disposed of in the loop.
        unsafe {
            (0..clang_getNumDiagnostics(self.tu))
                .map(|i| {
                    let d = clang_getDiagnostic(self.tu, i);
                    let out = Diag {
                        severity: clang_getDiagnosticSeverity(d),
                        place: place(clang_getDiagnosticLocation(d)),
                        text: text(clang_formatDiagnostic(
                            d,
                            CXDiagnostic_DisplaySourceLocation | CXDiagnostic_DisplayColumn,
                        )),
                    };
                    clang_disposeDiagnostic(d);
                    out
                })
                .collect()
        }
    }

    /// The tokens of `c`'s extent (comments left out), each with its
    /// spelling and its start and end offsets in the file.
    pub fn tokens(&self, c: Cursor<'_>) -> Vec<Token> {
        let mut toks: *mut CXToken = std::ptr::null_mut();
        let mut n: c_uint = 0;
        // SAFETY: the extent is of a cursor of this unit; the token array
        // is read within its bounds and disposed of once.
        unsafe {
            clang_tokenize(self.tu, clang_getCursorExtent(c.raw), &mut toks, &mut n);
            if toks.is_null() {
                return Vec::new();
            }
            let out = std::slice::from_raw_parts(toks, n as usize)
                .iter()
                // libclang's tokens keep the comments, a token's text is
                // its source text (an escaped newline in it included):
                // the preprocessor's tokens have neither.
                .filter(|&&t| clang_getTokenKind(t) != CXToken_Comment)
                .map(|&t| {
                    let r = clang_getTokenExtent(self.tu, t);
                    Token {
                        spelling: text(clang_getTokenSpelling(self.tu, t))
                            .replace("\\\r\n", "")
                            .replace("\\\n", ""),
                        start: place(clang_getRangeStart(r)).offset,
                        end: place(clang_getRangeEnd(r)).offset,
                    }
                })
                .collect();
            clang_disposeTokens(self.tu, toks, n);
            out
        }
    }
}

pub struct Token {
    pub spelling: String,
    pub start: usize,
    pub end: usize,
}

/// Whether two file handles are the same file.
pub fn same_file(a: CXFile, b: CXFile) -> bool {
    // SAFETY: handles from a live unit (null is accepted by libclang).
    !a.is_null() && !b.is_null() && unsafe { clang_File_isEqual(a, b) } != 0
}

pub fn file_name(f: CXFile) -> String {
    if f.is_null() {
        return String::new();
    }
    // SAFETY: a file handle from a live unit.
    text(unsafe { clang_getFileName(f) })
}

/// A cursor of a live unit.
#[derive(Clone, Copy)]
pub struct Cursor<'u> {
    raw: CXCursor,
    _unit: PhantomData<&'u Unit>,
}

extern "C" fn collect(c: CXCursor, _parent: CXCursor, data: CXClientData) -> CXChildVisitResult {
    // SAFETY: `data` is the Vec that `children` passes, alive for the
    // whole visit; pushing does not unwind (allocation failure aborts).
    let v = unsafe { &mut *(data as *mut Vec<CXCursor>) };
    v.push(c);
    CXChildVisit_Continue
}

impl<'u> Cursor<'u> {
    fn new(raw: CXCursor) -> Self {
        Cursor {
            raw,
            _unit: PhantomData,
        }
    }

    pub fn kind(&self) -> CXCursorKind {
        self.raw.kind
    }

    /// The cursor's direct children, in order.
    pub fn children(&self) -> Vec<Cursor<'u>> {
        let mut v: Vec<CXCursor> = Vec::new();
        // SAFETY: `collect` only pushes into `v`, which outlives the call.
        unsafe {
            clang_visitChildren(
                self.raw,
                collect,
                (&mut v as *mut Vec<CXCursor>).cast::<c_void>(),
            )
        };
        v.into_iter().map(Cursor::new).collect()
    }

    pub fn spelling(&self) -> String {
        // SAFETY: a cursor of a live unit.
        text(unsafe { clang_getCursorSpelling(self.raw) })
    }

    /// `attribute(packed)` for an exposed attribute, `UnexposedAttr`, ...
    pub fn kind_spelling(&self) -> String {
        // SAFETY: any kind value is accepted.
        text(unsafe { clang_getCursorKindSpelling(self.raw.kind) })
    }

    pub fn place(&self) -> Place {
        // SAFETY: a cursor of a live unit.
        place(unsafe { clang_getCursorLocation(self.raw) })
    }

    /// The start and the end (past its last token) of the cursor's
    /// source text.
    pub fn extent(&self) -> (Place, Place) {
        // SAFETY: a cursor of a live unit.
        unsafe {
            let r = clang_getCursorExtent(self.raw);
            (place(clang_getRangeStart(r)), place(clang_getRangeEnd(r)))
        }
    }

    pub fn ty(&self) -> Type<'u> {
        // SAFETY: a cursor of a live unit.
        Type::new(unsafe { clang_getCursorType(self.raw) })
    }

    pub fn is_definition(&self) -> bool {
        // SAFETY: a cursor of a live unit.
        unsafe { clang_isCursorDefinition(self.raw) != 0 }
    }

    pub fn is_expression(&self) -> bool {
        // SAFETY: any kind value is accepted.
        unsafe { clang_isExpression(self.raw.kind) != 0 }
    }

    pub fn is_attribute(&self) -> bool {
        // SAFETY: any kind value is accepted.
        unsafe { clang_isAttribute(self.raw.kind) != 0 }
    }

    /// A struct or union without a tag that declares members of its
    /// holder (`union { __u64 a; __u64 b; };`).
    pub fn is_anonymous_record(&self) -> bool {
        // SAFETY: a cursor of a live unit.
        unsafe { clang_Cursor_isAnonymousRecordDecl(self.raw) != 0 }
    }

    pub fn is_bit_field(&self) -> bool {
        // SAFETY: a cursor of a live unit.
        unsafe { clang_Cursor_isBitField(self.raw) != 0 }
    }

    /// The documentation comment clang attached to the declaration, as
    /// written (`/** ... */`).
    pub fn raw_comment(&self) -> Option<String> {
        // SAFETY: a cursor of a live unit.
        let t = text(unsafe { clang_Cursor_getRawCommentText(self.raw) });
        (!t.is_empty()).then_some(t)
    }

    /// An enum's integer type.
    pub fn enum_type(&self) -> Type<'u> {
        // SAFETY: a cursor of a live unit (a non-enum gives an invalid type).
        Type::new(unsafe { clang_getEnumDeclIntegerType(self.raw) })
    }

    /// An enumerator's value, read as its enum's type is signed or not.
    pub fn enum_value(&self, unsigned: bool) -> i128 {
        // SAFETY: a cursor of a live unit.
        unsafe {
            if unsigned {
                i128::from(clang_getEnumConstantDeclUnsignedValue(self.raw))
            } else {
                i128::from(clang_getEnumConstantDeclValue(self.raw))
            }
        }
    }
}

#[derive(Clone, Copy)]
pub struct Type<'u> {
    raw: CXType,
    _unit: PhantomData<&'u Unit>,
}

impl<'u> Type<'u> {
    fn new(raw: CXType) -> Self {
        Type {
            raw,
            _unit: PhantomData,
        }
    }

    /// As C writes it, typedef names kept (`__u32`, `__u64[4]`).
    pub fn spelling(&self) -> String {
        // SAFETY: a type of a live unit.
        text(unsafe { clang_getTypeSpelling(self.raw) })
    }

    /// The kind of the type under every typedef.
    pub fn canonical_kind(&self) -> CXTypeKind {
        // SAFETY: a type of a live unit.
        unsafe { clang_getCanonicalType(self.raw) }.kind
    }

    pub fn is_unsigned(&self) -> bool {
        matches!(
            self.canonical_kind(),
            CXType_Bool
                | CXType_Char_U
                | CXType_UChar
                | CXType_UShort
                | CXType_UInt
                | CXType_ULong
                | CXType_ULongLong
                | CXType_UInt128
        )
    }

    pub fn is_integer(&self) -> bool {
        (CXType_Bool..=CXType_Int128).contains(&self.canonical_kind())
            || self.canonical_kind() == CXType_Enum
    }

    pub fn is_long(&self) -> bool {
        matches!(self.canonical_kind(), CXType_Long | CXType_ULong)
    }
}
