//! The writer of the kernel side's two flavours at once.
//!
//! The hosted crate's `lib.rs` and the kernel module `<spec>.rs` share
//! most of their text: every struct's validation, clearing and size
//! functions and the `Ops` trait's docs differ only in a few tokens (the
//! error type, how `EINVAL` is spelled, the runtime's path, a handler's
//! array parameter). Generation prints both, so printing each twice was
//! half the kernel side's cost. [`Tw`] prints the common text once, into
//! a writer whose text goes to both flavours, and only what differs once
//! per flavour ([`Tw::split`]); with one flavour it is a plain
//! [`RustWriter`] and `split` writes only that flavour's text.

use crate::backend::rust::Flavour;
use crate::backend::rust::writer::RustWriter;

/// Which flavours a [`Tw`] prints.
enum Mode {
    /// One flavour, straight into the writer.
    One(Flavour),
    /// Both: the writer holds the common text since the last split;
    /// each flavour's text up to there is in its own buffer.
    /// `scratch` takes each flavour's text of a split, one after the
    /// other: one buffer for every split instead of two new ones each.
    Both {
        hosted: String,
        linux: String,
        scratch: RustWriter,
    },
}

/// A [`RustWriter`] of one flavour's text or of both's (see the module
/// comment).
pub(super) struct Tw {
    w: RustWriter,
    mode: Mode,
}

impl Tw {
    /// A writer of `flavour`'s text, with room for `capacity` bytes.
    pub(super) fn one(flavour: Flavour, capacity: usize) -> Tw {
        Tw {
            w: RustWriter::with_capacity(capacity),
            mode: Mode::One(flavour),
        }
    }

    /// A writer of both flavours' texts, with room for `capacity` bytes
    /// of each.
    pub(super) fn both(capacity: usize) -> Tw {
        Tw {
            w: RustWriter::with_capacity(4096),
            mode: Mode::Both {
                hosted: String::with_capacity(capacity),
                linux: String::with_capacity(capacity),
                scratch: RustWriter::with_capacity(1024),
            },
        }
    }

    /// The writer of the text every flavour has.
    pub(super) fn w(&mut self) -> &mut RustWriter {
        &mut self.w
    }

    /// Writes what differs between the flavours: `f` once per flavour
    /// printed, at the current depth, with a writer for that flavour's
    /// text. Each call must leave the writer at the same depth.
    pub(super) fn split(&mut self, mut f: impl FnMut(&mut RustWriter, Flavour)) {
        match &mut self.mode {
            Mode::One(flavour) => f(&mut self.w, *flavour),
            Mode::Both {
                hosted,
                linux,
                scratch,
            } => {
                let depth = self.w.depth();
                self.w.drain_into(hosted, Some(linux));
                scratch.set_depth(depth);
                f(scratch, Flavour::Hosted);
                let after = scratch.depth();
                scratch.drain_into(hosted, None);
                scratch.set_depth(depth);
                f(scratch, Flavour::Linux);
                scratch.drain_into(linux, None);
                self.w.set_depth(after);
            }
        }
    }

    /// The text of each flavour printed: (hosted, linux), or the one
    /// flavour's text in the place of its flavour and an empty other.
    pub(super) fn finish(self) -> (String, String) {
        match self.mode {
            Mode::One(Flavour::Hosted) => (self.w.finish(), String::new()),
            Mode::One(Flavour::Linux) => (String::new(), self.w.finish()),
            Mode::Both {
                mut hosted,
                mut linux,
                ..
            } => {
                let rest = self.w.finish();
                hosted.push_str(&rest);
                linux.push_str(&rest);
                (hosted, linux)
            }
        }
    }
}
