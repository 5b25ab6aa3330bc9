{#- The ring section of a Python module (backend/ring.rs prepares the
    view): layout constants and a small helper over a mapped region. -#}
{%- if !rings.is_empty() %}


# Ring regions: the producer index alone on cache line 0, the consumer
# index alone on line 1, flags and the entry count on line 2, the entries
# from RING_HEADER_SIZE. Indices run freely and wrap at their width; an
# entry's slot is index & (entries - 1).
RING_PRODUCER_OFFSET: _typing.Final = 0
RING_CONSUMER_OFFSET: _typing.Final = 64
RING_FLAGS_OFFSET: _typing.Final = 128
RING_ENTRIES_OFFSET: _typing.Final = 132
RING_HEADER_SIZE: _typing.Final = {{ header_size }}
RING_NEED_WAKEUP: _typing.Final = 1
RING_ERROR: _typing.Final = 2


_E = _typing.TypeVar("_E", bound=ctypes.Structure)


class RingLayout(_typing.Generic[_E]):
    """What a ring of the spec is made of; entries are of class _E."""

    def __init__(
        self,
        name: str,
        entry: type[_E],
        index_size: int,
        min_entries: int,
        max_entries: int,
        user_produces: bool,
    ) -> None:
        self.name = name
        self.entry = entry
        self.entry_size = ctypes.sizeof(entry)
        self.index_size = index_size
        self.min_entries = min_entries
        self.max_entries = max_entries
        self.user_produces = user_produces

    def region_size(self, entries: int, page_size: int = 4096) -> int:
        """Bytes of a region of `entries` entries, rounded up to the page size."""
        end = RING_HEADER_SIZE + entries * self.entry_size
        return (end + page_size - 1) // page_size * page_size

{%- for r in rings %}


{{ r.upper }}_RING: _typing.Final = RingLayout(
    {{ r.name }}, {{ r.entry }}, {{ r.index_size }}, {{ r.min }}, {{ r.max }}, {{ r.user_produces }}
)
{%- endfor %}


# What a Ring runs over: a writable buffer such as an mmap.mmap.
_RingBuffer = _typing.Union["_mmap.mmap", bytearray, memoryview]
if _typing.TYPE_CHECKING:
    import mmap as _mmap


class Ring(_typing.Generic[_E]):
    """The userspace side of a ring over a mapped region (an mmap.mmap or any
    writable buffer): the producer of a ring userspace produces, the consumer
    of one the device produces. Python has no atomics: index words are
    written and read whole through a memoryview, after (producer) or before
    (consumer) the entries, which orders them on hosts with a strong memory
    model such as x86-64. For tools and tests, not a fast path.
    """

    def __init__(self, layout: RingLayout[_E], buf: _RingBuffer, entries: int) -> None:
        if entries <= 0 or entries & (entries - 1):
            raise ValueError(f"{layout.name}: {entries} entries is not a power of two")
        if len(buf) < RING_HEADER_SIZE + entries * layout.entry_size:
            raise ValueError(f"{layout.name}: region too small for {entries} entries")
        self.layout = layout
        self.entries = entries
        self._mv = memoryview(buf).cast("B")
        own = RING_PRODUCER_OFFSET if layout.user_produces else RING_CONSUMER_OFFSET
        self._own = own
        self.index = self._load(own)
        self._published = self.index

    def _load(self, off: int) -> int:
        return int.from_bytes(self._mv[off : off + self.layout.index_size], sys.byteorder)

    def _store(self, off: int, value: int) -> None:
        size = self.layout.index_size
        self._mv[off : off + size] = (value % (1 << (8 * size))).to_bytes(size, sys.byteorder)

    def _slot(self, index: int) -> tuple[int, int]:
        off = RING_HEADER_SIZE + (index & (self.entries - 1)) * self.layout.entry_size
        return off, off + self.layout.entry_size

    def _distance(self, later: int, earlier: int) -> int:
        return (later - earlier) % (1 << (8 * self.layout.index_size))

    @property
    def flags(self) -> int:
        return int.from_bytes(self._mv[RING_FLAGS_OFFSET : RING_FLAGS_OFFSET + 4], sys.byteorder)

    def push(self, entry: _E) -> bool:
        """Writes `entry` into the next slot, unpublished; False when full."""
        head = self._load(RING_CONSUMER_OFFSET)
        used = self._distance(self.index, head)
        if self._distance(self._published, head) > self.entries:
            raise UabiError(errno.EPIPE, f"{self.layout.name}: bogus consumer index {head}")
        if used >= self.entries:
            return False
        lo, hi = self._slot(self.index)
        self._mv[lo:hi] = bytes(entry)
        self.index = (self.index + 1) % (1 << (8 * self.layout.index_size))
        return True

    def publish(self) -> bool:
        """Publishes what was pushed; True when the consumer asked for the doorbell."""
        self._store(RING_PRODUCER_OFFSET, self.index)
        self._published = self.index
        return bool(self.flags & RING_NEED_WAKEUP)

    def pop(self) -> _E | None:
        """The next entry, copied out of the ring, or None when it is empty.
        A producer index more than the ring size ahead raises UabiError(EPIPE).
        """
        tail = self._load(RING_PRODUCER_OFFSET)
        ahead = self._distance(tail, self.index)
        if ahead > self.entries:
            raise UabiError(errno.EPIPE, f"{self.layout.name}: producer index {tail} overruns")
        if ahead == 0:
            return None
        lo, hi = self._slot(self.index)
        entry = self.layout.entry.from_buffer_copy(self._mv[lo:hi])
        self.index = (self.index + 1) % (1 << (8 * self.layout.index_size))
        return entry

    def release(self) -> None:
        """Hands the slots taken so far back to the producer."""
        self._store(RING_CONSUMER_OFFSET, self.index)
{%- endif %}
