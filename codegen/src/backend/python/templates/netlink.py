{#- The control-message codec of a spec with operations (python.rs,
    NetlinkPyView): the wire format of /tmp/uabi-ctx.md's contract, an
    8-byte header (u16 op, u16 flags, u32 reserved) and NLA attributes,
    native byte order unless an attribute declares its own. Stdlib only. #}


# -------------------------------------------------------- control messages

import struct as _nl_struct  # noqa: E402

NLA_F_NESTED: _typing.Final = 0x8000
UABI_NLA_F_OPTIONAL: _typing.Final = 0x4000
NLA_TYPE_MASK: _typing.Final = 0x3FFF
_NL_MAX_DEPTH = 8
_NL_SCALARS: dict[str, str] = {
    "u8": "B", "u16": "H", "u32": "I", "u64": "Q",
    "s8": "b", "s16": "h", "s32": "i", "s64": "q",
}

# Attribute set -> {value: (key, type, nested set, multi-attr, byte order,
# struct class)}.
_NL_SETS: dict[str, dict[int, tuple[str, str, str | None, bool, str, _typing.Any]]] = {
{%- for s in sets %}
    "{{ s.name }}": {
{%- for a in s.attrs %}
        {{ a.value }}: ("{{ a.key }}", "{{ a.ty }}", {{ a.nested }}, {{ a.multi }}, "{{ a.order }}", {{ a.class }}),
{%- endfor %}
    },
{%- endfor %}
}


def _nl_attr(atype: int, value: _typing.Any) -> bytes:
    payload = bytes(value)
    if 4 + len(payload) > 0xFFFF:
        raise ValueError(f"attribute {atype & NLA_TYPE_MASK} is too long")
    pad = b"\0" * (-len(payload) % 4)
    return _nl_struct.pack("=HH", 4 + len(payload), atype) + payload + pad


def _nl_encode_one(
    num: int, ty: str, nested: str | None, order: str, cls: _typing.Any, value: _typing.Any
) -> bytes:
    if ty in _NL_SCALARS:
        return _nl_attr(num, _nl_struct.pack(order + _NL_SCALARS[ty], value))
    if ty in ("uint", "sint"):
        # YNL's variable-width integers: 4 bytes when the value fits.
        small, big = ("i", "q") if ty == "sint" else ("I", "Q")
        try:
            return _nl_attr(num, _nl_struct.pack(order + small, value))
        except _nl_struct.error:
            return _nl_attr(num, _nl_struct.pack(order + big, value))
    if ty == "flag":
        return _nl_attr(num, b"") if value else b""
    if ty == "string":
        return _nl_attr(num, value.encode() + b"\0")
    if ty == "binary":
        return _nl_attr(num, bytes(value))
    if ty == "nest":
        return _nl_attr(num | NLA_F_NESTED, _nl_encode(nested, value, None))
    raise TypeError(f"attributes of type {ty} cannot be encoded")


def _nl_encode(
    set_name: str | None, attrs: dict[str, _typing.Any], allowed: tuple[str, ...] | None
) -> bytes:
    by_key = {v[0]: (k, v) for k, v in _NL_SETS.get(set_name or "", {}).items()}
    out = b""
    for key, value in attrs.items():
        if key not in by_key or (allowed is not None and key not in allowed):
            raise TypeError(f"{key!r} is not an attribute of this message")
        num, (_, ty, nested, multi, order, cls) = by_key[key]
        if multi:
            if not isinstance(value, (list, tuple)):
                raise TypeError(f"{key!r} is a multi-attr: pass a list")
            values = value
        else:
            values = [value]
        for v in values:
            out += _nl_encode_one(num, ty, nested, order, cls, v)
    return out


def _nl_decode_one(
    key: str,
    ty: str,
    nested: str | None,
    order: str,
    cls: _typing.Any,
    payload: bytes,
    depth: int,
) -> _typing.Any:
    if ty in _NL_SCALARS:
        fmt = order + _NL_SCALARS[ty]
        if len(payload) != _nl_struct.calcsize(fmt):
            raise ValueError(f"{key!r}: {len(payload)} bytes for a {ty}")
        return _nl_struct.unpack(fmt, payload)[0]
    if ty in ("uint", "sint"):
        if len(payload) not in (4, 8):
            raise ValueError(f"{key!r}: {len(payload)} bytes for a {ty}")
        letter = {4: "i", 8: "q"}[len(payload)]
        fmt = order + (letter if ty == "sint" else letter.upper())
        return _nl_struct.unpack(fmt, payload)[0]
    if ty == "flag":
        if payload:
            raise ValueError(f"{key!r}: a flag carries no payload")
        return True
    if ty == "string":
        if not payload.endswith(b"\0"):
            raise ValueError(f"{key!r}: string without its NUL terminator")
        return payload[: payload.index(b"\0")].decode(errors="replace")
    if ty == "binary":
        if cls is None:
            return bytes(payload)
        if len(payload) != ctypes.sizeof(cls):
            raise ValueError(f"{key!r}: {len(payload)} bytes for {cls.__name__}")
        return cls.from_buffer_copy(payload)
    if ty == "nest":
        return _nl_decode(nested, payload, None, depth + 1)
    raise ValueError(f"{key!r}: attributes of type {ty} cannot be decoded")


def _nl_decode(
    set_name: str | None, data: bytes, allowed: tuple[str, ...] | None, depth: int = 0
) -> dict[str, _typing.Any]:
    if depth > _NL_MAX_DEPTH:
        raise ValueError("attributes nested deeper than 8")
    attrs = _NL_SETS.get(set_name or "", {})
    out: dict[str, _typing.Any] = {}
    off = 0
    while off < len(data):
        if len(data) - off < 4:
            raise ValueError(f"truncated attribute header at {off}")
        nla_len, nla_type = _nl_struct.unpack_from("=HH", data, off)
        if nla_len < 4 or off + nla_len > len(data):
            raise ValueError(f"truncated attribute at {off}")
        payload = data[off + 4:off + nla_len]
        spec = attrs.get(nla_type & NLA_TYPE_MASK)
        off += (nla_len + 3) & ~3
        if spec is not None and spec[1] == "pad":
            continue
        if spec is None or spec[1] == "unused" or (
            allowed is not None and spec[0] not in allowed
        ):
            if nla_type & UABI_NLA_F_OPTIONAL:
                continue
            raise ValueError(f"unknown attribute {nla_type & NLA_TYPE_MASK}")
        key, ty, nested, multi, order, cls = spec
        if bool(nla_type & NLA_F_NESTED) != (ty == "nest"):
            raise ValueError(f"{key!r}: NLA_F_NESTED does not match its type")
        value = _nl_decode_one(key, ty, nested, order, cls, payload, depth)
        if multi:
            out.setdefault(key, []).append(value)
        elif key in out:
            raise ValueError(f"{key!r} appears twice")
        else:
            out[key] = value
    return out


def _nl_message(op: int, attrs: bytes) -> bytes:
    return _nl_struct.pack("=HHI", op, 0, 0) + attrs


def _nl_reply(
    op: int, set_name: str | None, data: _typing.Any, allowed: tuple[str, ...] | None
) -> dict[str, _typing.Any]:
    data = bytes(data)
    if len(data) < 8:
        raise ValueError("message shorter than its 8-byte header")
    rop, flags, reserved = _nl_struct.unpack_from("=HHI", data, 0)
    if rop != op:
        raise ValueError(f"reply to operation {rop}, expected {op}")
    if flags or reserved:
        raise ValueError("reply header has flags or reserved bits set")
    return _nl_decode(set_name, data[8:], allowed)
{%- for o in ops %}


def encode_{{ o.func }}_request(**attrs: _typing.Any) -> bytes:
    """The request message of {{ o.name }} (operation {{ o.value }}).

    Keyword arguments: {{ o.request_doc }}. Nests are dicts, multi-attr
    attributes lists.
    """
    return _nl_message({{ o.value }}, _nl_encode({{ o.set }}, attrs, {{ o.request }}))


def decode_{{ o.func }}_reply(data: bytes | bytearray | memoryview) -> dict[str, _typing.Any]:
    """The attributes of a reply to {{ o.name }}, by name.

    Nests are dicts, multi-attr attributes lists, strings str. Raises
    ValueError for a malformed reply.
    """
    return _nl_reply({{ o.value }}, {{ o.set }}, data, {{ o.reply }})
{%- endfor %}
