//! A serde `Deserializer` driven by saphyr-parser's event stream: the
//! YAML grammar is saphyr-parser's (a well-kept crate), only the serde
//! glue is ours. The subset of YAML specs are written in is scanned by
//! [`super::fast_yaml`], which gives saphyr-parser's events faster and
//! hands everything else to saphyr-parser.
//!
//! Hand-written because serde-saphyr, the YAML front end before it, cost
//! about three times the bare event stream on a large spec (50 ms against
//! 17 ms for 680 KB), a third of the whole pipeline; this layer adds a few
//! milliseconds. It resolves exactly what the spec types ask for, the way
//! serde-saphyr did except for booleans: YAML 1.2 core-schema plain
//! scalars (only `true` and `false` are booleans, where serde-saphyr also
//! read YAML 1.1's `yes`, `off`, ... as booleans in place of a name),
//! duplicate keys rejected, anchors and
//! aliases replayed from recorded events (bounded against billion
//! laughs), nesting bounded (a deep input is a diagnostic, not a stack
//! overflow), one document per file. Merge keys (`<<`) and tags other
//! than `!!str`, `!!map` and `!!seq` are rejected: no spec uses them.
//!
//! Positions: a [`crate::spec::S`] asks for its node's position through a
//! newtype struct named [`SPANNED`]; this deserializer hands the position
//! over ([`crate::spec::hand_position`]) before visiting the newtype (any
//! other deserializer hands over none). Lines and columns are 1-based, columns in characters, and an
//! aliased node is placed at its alias, as serde-saphyr placed them.

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span, StrInput, Tag};
use serde::de::{self, DeserializeSeed, Visitor};
use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

pub use crate::spec::SPANNED;

/// Deepest nesting of sequences and mappings accepted (serde-saphyr's
/// default budget too); a spec nests about 8 levels.
pub const MAX_DEPTH: usize = 64;

/// Most events that aliases may replay in one file, against exponential
/// expansion ("billion laughs"); far beyond any honest use of anchors.
pub const MAX_REPLAYED_EVENTS: usize = 1_000_000;

/// Deepest nesting of aliases within replayed aliases.
const MAX_ALIAS_NESTING: usize = 64;

/// A YAML or serde error, with the 1-based line and column it belongs to
/// when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
    pub pos: Option<(u32, u32)>,
}

impl Error {
    fn at(message: impl Into<String>, pos: (u32, u32)) -> Error {
        Error {
            message: message.into(),
            pos: Some(pos),
        }
    }

    /// An error serde's derived code raises: placed where serde-saphyr
    /// placed it, at the key (or sequence item) being read.
    #[cold]
    fn with_fallback(message: String) -> Error {
        Error {
            message,
            pos: FALLBACK.with(Cell::get),
        }
    }

    fn or_at(mut self, pos: (u32, u32)) -> Error {
        if self.pos.is_none() {
            self.pos = Some(pos);
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    #[cold]
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error {
            message: msg.to_string(),
            pos: None,
        }
    }

    #[cold]
    fn invalid_type(unexp: de::Unexpected, exp: &dyn de::Expected) -> Self {
        Error::with_fallback(format!("invalid type: {unexp}, expected {exp}"))
    }

    #[cold]
    fn invalid_value(unexp: de::Unexpected, exp: &dyn de::Expected) -> Self {
        Error::with_fallback(format!("invalid value: {unexp}, expected {exp}"))
    }

    #[cold]
    fn invalid_length(len: usize, exp: &dyn de::Expected) -> Self {
        Error::with_fallback(format!("invalid length {len}, expected {exp}"))
    }

    #[cold]
    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Error::with_fallback(format!(
            "unknown variant `{variant}`, expected one of {}",
            expected.join(", ")
        ))
    }

    #[cold]
    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Error::with_fallback(format!(
            "unknown field `{field}`, expected one of {}",
            expected.join(", ")
        ))
    }

    #[cold]
    fn missing_field(field: &'static str) -> Self {
        Error::with_fallback(format!("missing field `{field}`"))
    }
}

thread_local! {
    /// Where an error raised by serde's derived code belongs: the key being
    /// read in the innermost mapping, or the sequence item being read.
    static FALLBACK: Cell<Option<(u32, u32)>> = const { Cell::new(None) };
}

/// Sets [`FALLBACK`] for its lifetime.
struct Fallback(Option<(u32, u32)>);

impl Fallback {
    fn set(pos: (u32, u32)) -> Fallback {
        Fallback(FALLBACK.with(|c| c.replace(Some(pos))))
    }
}

impl Drop for Fallback {
    fn drop(&mut self) {
        FALLBACK.with(|c| c.set(self.0));
    }
}

fn pos_of(span: &Span) -> (u32, u32) {
    let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    (
        clamp(span.start.line()),
        clamp(span.start.col().saturating_add(1)),
    )
}

fn scan_error(e: &ScanError) -> Error {
    let m = e.marker();
    let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    Error::at(
        e.info().to_string(),
        (clamp(m.line()), clamp(m.col().saturating_add(1))),
    )
}

/// Deserializes one YAML document into `T`.
pub fn from_str<'de, T: de::Deserialize<'de>>(text: &'de str) -> Result<T, Error> {
    let mut de = Deserializer::new(text);
    de.document_start()?;
    let value = T::deserialize(&mut de)?;
    de.document_end()?;
    Ok(value)
}

type Recorded<'de> = Rc<[(Event<'de>, Span)]>;

/// A scalar's text, whether it is plain, and its line and column.
type Scalar<'de> = (Cow<'de, str>, bool, (u32, u32));

/// What an event of the deserializer's stream is: saphyr-parser's
/// event without anchor ids and tags (dealt with by then) and its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Nothing,
    StreamStart,
    StreamEnd,
    DocumentStart(bool),
    DocumentEnd,
    SequenceStart,
    SequenceEnd,
    MappingStart,
    MappingEnd,
    Scalar(ScalarStyle),
}

/// An event as the deserializer reads it: small (40 bytes, where
/// saphyr-parser's event and span are 136) because the fast path writes
/// one per node into a vector and the deserializer moves each around.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ev<'de> {
    pub kind: Kind,
    /// A scalar's text (empty for other events).
    pub text: Cow<'de, str>,
    /// 1-based line and column of the event's start.
    pub pos: (u32, u32),
    /// For a sequence start of the fast path, how many items the
    /// sequence holds (a capacity for the visitor's vector, which would
    /// otherwise grow, copying its items, as it goes); else 0.
    pub items: u32,
}

impl<'de> Ev<'de> {
    /// saphyr-parser's event, once its anchor and tag are dealt with.
    fn from_saphyr(event: Event<'de>, span: &Span) -> Ev<'de> {
        let mut text = Cow::Borrowed("");
        let kind = match event {
            // `fetch` replays aliases and never returns one.
            Event::Nothing | Event::Alias(_) => Kind::Nothing,
            Event::StreamStart => Kind::StreamStart,
            Event::StreamEnd => Kind::StreamEnd,
            Event::DocumentStart(explicit) => Kind::DocumentStart(explicit),
            Event::DocumentEnd => Kind::DocumentEnd,
            Event::SequenceStart(..) => Kind::SequenceStart,
            Event::SequenceEnd => Kind::SequenceEnd,
            Event::MappingStart(..) => Kind::MappingStart,
            Event::MappingEnd => Kind::MappingEnd,
            Event::Scalar(v, style, _, _) => {
                text = v;
                Kind::Scalar(style)
            }
        };
        Ev {
            kind,
            text,
            pos: pos_of(span),
            items: 0,
        }
    }
}

/// An anchored node being recorded.
struct Recording<'de> {
    id: usize,
    depth: usize,
    events: Vec<(Event<'de>, Span)>,
}

/// An alias being replayed.
struct Replay<'de> {
    events: Recorded<'de>,
    next: usize,
    /// Where the alias is: the position of every node it replays.
    at: (u32, u32),
}

/// Where events come from: the spec subset's own scanner (all events of
/// the text, in order), or saphyr-parser for everything else (see
/// [`super::fast_yaml`]).
enum Source<'de> {
    Fast(std::vec::IntoIter<Ev<'de>>),
    Saphyr(Box<Saphyr<'de>>),
}

/// saphyr-parser's event stream with one event of lookahead, aliases
/// expanded, anchors recorded, tags checked, nesting bounded.
struct Saphyr<'de> {
    parser: Parser<'de, StrInput<'de>>,
    text: &'de str,
    ascii: bool,
    /// A character index and its byte offset in `text`.
    cursor: (usize, usize),
    peeked: Option<Ev<'de>>,
    anchors: Vec<Option<Recorded<'de>>>,
    recording: Vec<Recording<'de>>,
    replay: Vec<Replay<'de>>,
    replayed: usize,
    depth: usize,
}

/// The event stream with one event of lookahead.
pub struct Deserializer<'de> {
    src: Source<'de>,
    /// Emptied key lists of finished mappings, reused for duplicate checks.
    key_lists: Vec<Vec<Cow<'de, str>>>,
    /// The position of the last event read, for errors at the end.
    last: (u32, u32),
}

impl<'de> Saphyr<'de> {
    fn new(text: &'de str) -> Self {
        Saphyr {
            parser: Parser::new_from_str(text),
            text,
            ascii: text.is_ascii(),
            cursor: (0, 0),
            peeked: None,
            anchors: Vec::new(),
            recording: Vec::new(),
            replay: Vec::new(),
            replayed: 0,
            depth: 0,
        }
    }

    /// The next event, aliases expanded, anchors recorded; `last` is
    /// where the last event read is, for an unexpected end.
    fn fetch(&mut self, last: (u32, u32)) -> Result<Ev<'de>, Error> {
        let (event, span) = loop {
            if let Some(top) = self.replay.last_mut() {
                if let Some(e) = top.events.get(top.next) {
                    top.next += 1;
                    break e.clone();
                }
                self.replay.pop();
                continue;
            }
            let (event, mut span) = match self.parser.next() {
                Some(Ok(e)) => e,
                Some(Err(e)) => return Err(scan_error(&e)),
                None => return Err(Error::at("unexpected end of input", last)),
            };
            // saphyr-parser places a node at its anchor or tag, serde-saphyr
            // placed it at its content; an empty scalar stays where its
            // properties end.
            let (anchored, tagged, empty) = match &event {
                Event::Scalar(v, _, id, tag) => (*id != 0, tag.is_some(), v.is_empty()),
                Event::SequenceStart(id, tag) | Event::MappingStart(id, tag) => {
                    (*id != 0, tag.is_some(), false)
                }
                _ => (false, false, false),
            };
            if anchored || tagged {
                span.start = self.after_properties(span.start, !empty);
            }
            let event = if tagged {
                untag(event).map_err(|tag| {
                    Error::at(
                        format!("unsupported tag `{tag}`: a spec uses no tags but !!str"),
                        pos_of(&span),
                    )
                })?
            } else {
                event
            };
            match event {
                Event::Alias(id) => {
                    let at = pos_of(&span);
                    let Some(events) = self.anchors.get(id).and_then(Option::clone) else {
                        return Err(Error::at(
                            "an alias cannot refer to the node that contains it",
                            at,
                        ));
                    };
                    self.replayed = self.replayed.saturating_add(events.len());
                    if self.replayed > MAX_REPLAYED_EVENTS || self.replay.len() >= MAX_ALIAS_NESTING
                    {
                        return Err(Error::at(
                            format!("aliases expand to more than {MAX_REPLAYED_EVENTS} nodes"),
                            at,
                        ));
                    }
                    self.replay.push(Replay {
                        events,
                        next: 0,
                        at,
                    });
                    continue;
                }
                Event::Scalar(_, _, id, _) if id != 0 => {
                    self.remember(id, Rc::from(vec![(event.clone(), span)]));
                }
                Event::SequenceStart(id, _) | Event::MappingStart(id, _) if id != 0 => {
                    self.recording.push(Recording {
                        id,
                        depth: 0,
                        events: Vec::new(),
                    });
                }
                _ => {}
            }
            break (event, span);
        };
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(Error::at(
                        format!("the spec nests deeper than {MAX_DEPTH} levels"),
                        pos_of(&span),
                    ));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        if !self.recording.is_empty() {
            self.record(&event, span);
        }
        Ok(Ev::from_saphyr(event, &span))
    }

    /// Where the node whose properties (anchor, tag) start at `start`
    /// begins: after them and the blanks, line breaks and comments that
    /// follow, or right after them without `skip_blanks`.
    fn after_properties(&mut self, start: Marker, skip_blanks: bool) -> Marker {
        let Some(rest) = self.text.get(self.byte_at(start.index())..) else {
            return start;
        };
        let (mut line, mut col, mut index) = (start.line(), start.col(), start.index());
        let mut chars = rest.chars().peekable();
        let mut end = start;
        while chars.next_if(|&c| c == '&' || c == '!').is_some() {
            col += 1;
            index += 1;
            while chars
                .next_if(|c| !matches!(c, ' ' | '\t' | '\r' | '\n'))
                .is_some()
            {
                col += 1;
                index += 1;
            }
            end = Marker::new(index, line, col);
            while let Some(&c) = chars.peek() {
                match c {
                    ' ' | '\t' | '\r' => col += 1,
                    '\n' => {
                        line += 1;
                        col = 0;
                    }
                    '#' => {
                        while chars.next_if(|&c| c != '\n').is_some() {
                            index += 1;
                        }
                        continue;
                    }
                    _ => break,
                }
                chars.next();
                index += 1;
            }
        }
        if skip_blanks {
            Marker::new(index, line, col)
        } else {
            end
        }
    }

    /// The byte offset of the character at `index` (saphyr-parser counts
    /// characters), found from the last one asked for: anchors come in
    /// order, so this walks the text about once.
    fn byte_at(&mut self, index: usize) -> usize {
        if self.ascii {
            return index;
        }
        let (mut c, mut b) = self.cursor;
        if index < c {
            (c, b) = (0, 0);
        }
        let mut chars = self.text.get(b..).unwrap_or("").chars();
        while c < index {
            match chars.next() {
                Some(ch) => {
                    c += 1;
                    b += ch.len_utf8();
                }
                None => break,
            }
        }
        self.cursor = (c, b);
        b
    }

    fn remember(&mut self, id: usize, events: Recorded<'de>) {
        if self.anchors.len() <= id {
            self.anchors.resize(id + 1, None);
        }
        self.anchors[id] = Some(events);
    }

    fn record(&mut self, event: &Event<'de>, span: Span) {
        let delta: isize = match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => 1,
            Event::SequenceEnd | Event::MappingEnd => -1,
            _ => 0,
        };
        for r in &mut self.recording {
            r.events.push((event.clone(), span));
            r.depth = r.depth.saturating_add_signed(delta);
        }
        while let Some(r) = self.recording.last()
            && r.depth == 0
        {
            if let Some(r) = self.recording.pop() {
                self.remember(r.id, Rc::from(r.events));
            }
        }
    }

    #[inline(never)]
    fn peek(&mut self, last: (u32, u32)) -> Result<&Ev<'de>, Error> {
        if self.peeked.is_none() {
            let e = self.fetch(last)?;
            self.peeked = Some(e);
        }
        match &self.peeked {
            Some(e) => Ok(e),
            None => Err(Error::at("unexpected end of input", last)),
        }
    }

    #[inline(never)]
    fn next(&mut self, last: (u32, u32)) -> Result<Ev<'de>, Error> {
        match self.peeked.take() {
            Some(e) => Ok(e),
            None => self.fetch(last),
        }
    }

    /// The position of the next node: its alias when it is replayed.
    fn next_pos(&mut self, last: (u32, u32)) -> Result<(u32, u32), Error> {
        let pos = self.peek(last)?.pos;
        Ok(match self.replay.last() {
            Some(r) => r.at,
            None => pos,
        })
    }
}

impl<'de> Deserializer<'de> {
    pub fn new(text: &'de str) -> Self {
        Deserializer {
            src: match super::fast_yaml::events(text) {
                Some(events) => Source::Fast(events.into_iter()),
                None => Source::Saphyr(Box::new(Saphyr::new(text))),
            },
            key_lists: Vec::new(),
            last: (1, 1),
        }
    }

    #[inline(always)]
    fn peek(&mut self) -> Result<&Ev<'de>, Error> {
        match &mut self.src {
            Source::Fast(events) => match events.as_slice().first() {
                Some(e) => Ok(e),
                None => Err(Error::at("unexpected end of input", self.last)),
            },
            Source::Saphyr(s) => s.peek(self.last),
        }
    }

    #[inline(always)]
    fn next(&mut self) -> Result<Ev<'de>, Error> {
        let e = match &mut self.src {
            Source::Fast(events) => match events.next() {
                Some(e) => e,
                None => return Err(Error::at("unexpected end of input", self.last)),
            },
            Source::Saphyr(s) => s.next(self.last)?,
        };
        self.last = e.pos;
        Ok(e)
    }

    /// The position of the next node: its alias when it is replayed.
    #[inline]
    fn next_pos(&mut self) -> Result<(u32, u32), Error> {
        match &mut self.src {
            Source::Fast(_) => Ok(self.peek()?.pos),
            Source::Saphyr(s) => s.next_pos(self.last),
        }
    }

    fn document_start(&mut self) -> Result<(), Error> {
        loop {
            let e = self.next()?;
            match e.kind {
                Kind::StreamStart | Kind::Nothing => {}
                Kind::DocumentStart(_) => return Ok(()),
                _ => return Err(Error::at("expected a YAML document", e.pos)),
            }
        }
    }

    fn document_end(&mut self) -> Result<(), Error> {
        loop {
            let e = self.next()?;
            match e.kind {
                Kind::DocumentEnd | Kind::Nothing => {}
                Kind::StreamEnd => return Ok(()),
                Kind::DocumentStart(_) => {
                    return Err(Error::at(
                        "multiple YAML documents detected; a spec is one document",
                        e.pos,
                    ));
                }
                _ => return Err(Error::at("expected the end of the document", e.pos)),
            }
        }
    }

    /// The next event as a scalar: its text, whether it is plain, and its
    /// position; `expected` names what was wanted otherwise.
    fn scalar(&mut self) -> Result<Scalar<'de>, Error> {
        let e = self.next()?;
        match e.kind {
            Kind::Scalar(style) => Ok((e.text, style == ScalarStyle::Plain, e.pos)),
            _ => Err(Error::at("expected string scalar", e.pos)),
        }
    }

    fn string<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        let e = self.next()?;
        let pos = e.pos;
        match e.kind {
            Kind::Scalar(style) => {
                if style == ScalarStyle::Plain && is_null(&e.text) {
                    return Err(Error::at(
                        "cannot deserialize null into string; use Option<String>",
                        pos,
                    ));
                }
                match e.text {
                    Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
                    Cow::Owned(s) => visitor.visit_string(s),
                }
                .map_err(|e: Error| e.or_at(pos))
            }
            _ => Err(Error::at("expected string scalar", pos)),
        }
    }

    fn seq<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        let e = self.next()?;
        if e.kind != Kind::SequenceStart {
            return Err(Error::at("expected sequence start", e.pos));
        }
        let left = match self.src {
            Source::Fast(_) => usize::try_from(e.items).ok(),
            Source::Saphyr(_) => None,
        };
        let value = visitor.visit_seq(SeqAccess { de: self, left })?;
        let e = self.next()?;
        match e.kind {
            Kind::SequenceEnd => Ok(value),
            _ => Err(Error::at("expected sequence end", e.pos)),
        }
    }

    fn map<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        let at = self.next_pos()?;
        let e = self.next()?;
        if e.kind != Kind::MappingStart {
            return Err(Error::at("expected mapping start", e.pos));
        }
        let _fallback = Fallback::set(at);
        let keys = self.key_lists.pop().unwrap_or_default();
        let mut access = MapAccess {
            de: self,
            keys,
            done: false,
        };
        let value = visitor.visit_map(&mut access)?;
        if !access.done {
            // The visitor stopped early (serde's map visitors never do).
            let mut rest = &mut access;
            while de::MapAccess::next_key::<de::IgnoredAny>(&mut rest)?.is_some() {
                de::MapAccess::next_value::<de::IgnoredAny>(&mut rest)?;
            }
        }
        let mut keys = access.keys;
        keys.clear();
        self.key_lists.push(keys);
        Ok(value)
    }
}

/// The event without its tag: `!!str` makes a scalar a string (as if
/// quoted), `!!map` and `!!seq` say what the node is anyway; any other tag
/// is returned as an error.
fn untag(event: Event<'_>) -> Result<Event<'_>, String> {
    let core = |t: &Tag, suffix: &str| t.is_yaml_core_schema() && t.suffix == suffix;
    let name = |t: &Tag| match t.handle.as_str() {
        "tag:yaml.org,2002:" => format!("!!{}", t.suffix),
        h => format!("{h}{}", t.suffix),
    };
    Ok(match event {
        Event::Scalar(v, style, id, Some(t)) => {
            if !core(&t, "str") {
                return Err(name(&t));
            }
            let style = match style {
                ScalarStyle::Plain => ScalarStyle::SingleQuoted,
                s => s,
            };
            Event::Scalar(v, style, id, None)
        }
        Event::SequenceStart(id, Some(t)) if core(&t, "seq") => Event::SequenceStart(id, None),
        Event::MappingStart(id, Some(t)) if core(&t, "map") => Event::MappingStart(id, None),
        Event::SequenceStart(_, Some(t)) | Event::MappingStart(_, Some(t)) => {
            return Err(name(&t));
        }
        e => e,
    })
}

/// Whether two keys are the same: keys are a few bytes, for which a loop
/// costs less than a call to `memcmp`.
#[inline]
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

#[inline]
fn is_null(v: &str) -> bool {
    matches!(v, "" | "~" | "null" | "Null" | "NULL")
}

/// A YAML 1.2 core-schema boolean. YAML 1.1's `yes`, `no`, `on`, `off`,
/// `y` and `n` are names in a spec (`entries: [off, on]` is two enum
/// entries), as the spec language is YAML 1.2.
fn parse_bool(s: &str) -> Option<bool> {
    match trim(s) {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn trim(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\r', '\n'])
}

/// A YAML 1.2 core-schema integer (decimal without leading zeros, `0x`,
/// `0o`, `0b`, sign, single underscores between digits): its sign and
/// magnitude, or `None`.
fn parse_int(s: &str) -> Option<(bool, u128)> {
    let t = trim(s);
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = if let Some(d) = rest.strip_prefix("0x").or(rest.strip_prefix("0X")) {
        (16, d)
    } else if let Some(d) = rest.strip_prefix("0o").or(rest.strip_prefix("0O")) {
        (8, d)
    } else if let Some(d) = rest.strip_prefix("0b").or(rest.strip_prefix("0B")) {
        (2, d)
    } else {
        if rest.starts_with('0') && rest != "0" {
            return None;
        }
        (10, rest)
    };
    let bytes = digits.as_bytes();
    let mut value: u128 = 0;
    let mut saw = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let prev_ok = i > 0 && bytes[i - 1] != b'_';
            let next_ok = bytes.get(i + 1).is_some_and(|&n| n != b'_');
            if !prev_ok || !next_ok {
                return None;
            }
            continue;
        }
        let d = char::from(b).to_digit(radix)?;
        value = value.checked_mul(u128::from(radix))?;
        value = value.checked_add(u128::from(d))?;
        saw = true;
    }
    saw.then_some((neg, value))
}

fn to_i128(neg: bool, magnitude: u128) -> Option<i128> {
    if neg {
        if magnitude == i128::MIN.unsigned_abs() {
            Some(i128::MIN)
        } else {
            i128::try_from(magnitude).ok().map(|v| -v)
        }
    } else {
        i128::try_from(magnitude).ok()
    }
}

/// Resolves a plain scalar for an untyped visitor: null, boolean,
/// integer, float, else string.
fn visit_plain<'de, V: Visitor<'de>>(
    v: Cow<'de, str>,
    pos: (u32, u32),
    visitor: V,
) -> Result<V::Value, Error> {
    if is_null(&v) {
        return visitor.visit_unit();
    }
    if let Some(b) = parse_bool(&v) {
        return visitor.visit_bool(b);
    }
    let t = trim(&v);
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    let uppercase_radix = matches!(unsigned.as_bytes(), [b'0', b'X' | b'O' | b'B', ..]);
    let signed_nan = t.len() != unsigned.len() && matches!(unsigned, ".nan" | ".NaN" | ".NAN");
    if !uppercase_radix && !signed_nan {
        if let Some((neg, m)) = parse_int(t) {
            if neg {
                if let Some(i) = to_i128(true, m) {
                    return match i64::try_from(i) {
                        Ok(i) => visitor.visit_i64(i),
                        Err(_) => visitor.visit_i128(i),
                    };
                }
            } else {
                return match u64::try_from(m) {
                    Ok(u) => visitor.visit_u64(u),
                    Err(_) => visitor.visit_u128(m),
                };
            }
        }
        if let Some(f) = parse_float(t) {
            if !f.is_finite() {
                return Err(Error::at(
                    format!("non-finite float `{t}` rejected by the configured policy"),
                    pos,
                ));
            }
            return visitor.visit_f64(f);
        }
    }
    match v {
        Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
        Cow::Owned(s) => visitor.visit_string(s),
    }
}

/// A float as serde-saphyr reads one in an untyped position.
fn parse_float(t: &str) -> Option<f64> {
    let (neg, unsigned) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    match unsigned {
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        ".inf" | ".Inf" | ".INF" if neg => return Some(f64::NEG_INFINITY),
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        _ => {}
    }
    let v = t.parse::<f64>().ok()?;
    if v.is_finite() || unsigned.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        Some(v)
    } else {
        None
    }
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek()?.kind {
            Kind::SequenceStart => self.seq(visitor),
            Kind::MappingStart => self.map(visitor),
            Kind::Scalar(_) => {
                let (v, plain, pos) = self.scalar()?;
                let r = if plain {
                    visit_plain(v, pos, visitor)
                } else {
                    match v {
                        Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
                        Cow::Owned(s) => visitor.visit_string(s),
                    }
                };
                r.map_err(|e: Error| e.or_at(pos))
            }
            Kind::SequenceEnd => Err(Error::at("unexpected sequence end", self.last)),
            Kind::MappingEnd => Err(Error::at("unexpected mapping end", self.last)),
            _ => Err(Error::at("unexpected end of input", self.last)),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let (v, _, pos) = self.scalar()?;
        match parse_bool(&v) {
            Some(b) => visitor.visit_bool(b).map_err(|e: Error| e.or_at(pos)),
            None => Err(Error::at("invalid boolean", pos)),
        }
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let (v, _, pos) = self.scalar()?;
        match parse_int(&v).and_then(|(neg, m)| to_i128(neg, m)) {
            Some(i) => visitor.visit_i128(i).map_err(|e: Error| e.or_at(pos)),
            None => Err(Error::at("invalid i128", pos)),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.string(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let e = self.peek()?;
        match e.kind {
            // A plain null scalar (`~`, `null`, empty).
            Kind::Scalar(ScalarStyle::Plain) if is_null(&e.text) => {
                self.next()?;
                visitor.visit_none()
            }
            Kind::SequenceEnd | Kind::MappingEnd => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        // The same constant: mostly the same address, compared first.
        if std::ptr::eq(name, SPANNED) || name == SPANNED {
            let (line, col) = self.next_pos()?;
            crate::spec::hand_position(line, col);
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.map(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.map(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit
        unit_struct tuple tuple_struct enum
    }
}

struct SeqAccess<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    /// Items left, when known (see [`Ev::items`]).
    left: Option<usize>,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if self.de.peek()?.kind == Kind::SequenceEnd {
            return Ok(None);
        }
        let _fallback = Fallback::set(self.de.next_pos()?);
        if let Some(left) = &mut self.left {
            *left = left.saturating_sub(1);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        self.left
    }
}

struct MapAccess<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    /// The keys read so far, to reject duplicates.
    keys: Vec<Cow<'de, str>>,
    done: bool,
}

impl<'de> de::MapAccess<'de> for &mut MapAccess<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.done {
            return Ok(None);
        }
        // A key is placed at itself, even in a replayed alias.
        let e = self.de.peek()?;
        let at = e.pos;
        let (key, plain) = match e.kind {
            Kind::MappingEnd => {
                self.de.next()?;
                self.done = true;
                return Ok(None);
            }
            Kind::Scalar(style) => (e.text.clone(), style == ScalarStyle::Plain),
            _ => return Err(Error::at("expected string scalar", at)),
        };
        if self.keys.iter().any(|k| same(k, &key)) {
            return Err(Error::at(format!("duplicate mapping key: {key}"), at));
        }
        if plain && &*key == "<<" {
            return Err(Error::at(
                "YAML merge keys (`<<`) are not supported in a spec; write the keys out",
                at,
            ));
        }
        FALLBACK.with(|c| c.set(Some(at)));
        let value = seed
            .deserialize(&mut *self.de)
            .map_err(|e: Error| e.or_at(at))?;
        self.keys.push(key);
        Ok(Some(value))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(&mut *self.de)
    }
}
