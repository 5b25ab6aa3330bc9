{#- The stdlib-only Python module of one spec. The view model (mod.rs)
    prepares every name, value, comment and docstring line; a block of
    lines (a docstring, comments, fields, entries, offsets) arrives as one
    text in which every line follows its own newline, printed right after
    the line before it with `{{- block }}`. This file holds the shape. Each
    tag sits on its own line and trims the newline before it, so tag lines
    vanish from the output. -#}
{{ banner }}
{{- docstring }}

from __future__ import annotations

import ctypes
import enum
import errno
import fcntl
import os
import platform
import sys
import typing as _typing
{%- if !includes.is_empty() %}

# Run in place, the packages of included specs live in their own generated
# folders (generated/<spec>/python/<package>/, or where the project put
# them): make them importable from this one's, whose folder these paths are
# relative to. Installed, they are installed packages and no folder is added.
_OUTPUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for _folder in {{ include_folders }}:
    _path = os.path.normpath(os.path.join(_OUTPUT, _folder))
    if os.path.isdir(_path) and _path not in sys.path:
        sys.path.append(_path)
{% for inc in includes %}
import {{ inc.module }} as {{ inc.module }}  # noqa: E402
{%- endfor %}
{%- for i in imports %}
from {{ i.module }} import (  # noqa: E402
{%- for n in i.names %}
    {{ n }} as {{ n }},
{%- endfor %}
)
{%- endfor %}
{%- for inc in includes %}

if {{ inc.module }}.REVISION != {{ inc.revision }}:
    raise ImportError(
        f"{{ module }}: generated against revision {{ inc.revision }} of {{ inc.module }}, "
        f"found revision { {{- inc.module }}.REVISION}; regenerate both"
    )
{%- endfor %}
{%- endif %}

# ABI revision of the {{ spec }} spec this module was generated from.
REVISION: _typing.Final = {{ revision }}


# ---------------------------------------------------------------- target

# The target ABI of this process, by platform.machine() and pointer width:
# command numbers (and, for some structs, layouts) differ between targets.
_TARGETS: dict[tuple[str, int], str] = {
{%- for k in targets %}
    ({{ k.machine }}, {{ k.bits }}): {{ k.target }},{{ k.note }}
{%- endfor %}
}
_MACHINE = platform.machine()
_POINTER_BITS = ctypes.sizeof(ctypes.c_void_p) * 8
_TARGET = _TARGETS.get((_MACHINE, _POINTER_BITS))
if _TARGET is None:
    raise ImportError(
        f"{{ module }}: unsupported machine {_MACHINE!r} with {_POINTER_BITS}-bit "
        "pointers; the spec's targets are {{ target_names }}"
    )
TARGET: _typing.Final[str] = _TARGET

{%- if defines_base || !errors.is_empty() %}

# ---------------------------------------------------------------- errors
{%- endif %}
{%- if defines_base %}


class UabiError(OSError):
    """An ioctl failed; errno holds the error number.

    Subclasses name the errors the spec documents for an ioctl; an errno
    it does not document raises UabiError itself.
    """
{%- endif %}
{%- for e in errors %}


class {{ e.name }}(UabiError):
{{- e.doc }}
{%- endfor %}
{%- if !items.is_empty() %}


# ---------------------------------------------------------------- definitions
{%- endif %}
{%- for item in items %}
{%- match item %}
{%- when Item::Const(c) %}
{{ "" }}
{%- if c.gap %}
{{ "" }}
{%- endif %}
{{- c.doc }}
{{ c.name }}: _typing.Final = {{ c.value }}
{%- when Item::Enum(e) %}


class {{ e.name }}({{ e.base }}):
{{- e.doc }}
{{ "" }}
{{- e.entries }}
{%- if let Some(all) = e.all %}

{{ all.doc }}
{{ all.name }}: _typing.Final = {{ all.value }}
{%- endif %}
{%- when Item::Struct(s) %}


class {{ s.name }}(ctypes.{{ s.base }}):
{{- s.doc }}
{%- if let Some(a) = s.anonymous %}

    _anonymous_ = {{ a }}
{%- endif %}

    _fields_ = [
{{- s.fields }}
    ]
{%- endmatch %}
{%- endfor %}
{%- if !layouts.is_empty() %}


# ---------------------------------------------------------------- layout


def _check_layout(
    cls: type[ctypes.Structure] | type[ctypes.Union],
    size: int,
    offsets: tuple[tuple[str, int], ...],
) -> None:
    actual = ctypes.sizeof(cls)
    if actual != size:
        raise ImportError(
            f"{{ module }}: ctypes lays {cls.__name__} out in {actual} bytes on "
            f"{TARGET}; the spec says {size}"
        )
    for name, offset in offsets:
        actual = getattr(cls, name).offset
        if actual != offset:
            raise ImportError(
                f"{{ module }}: ctypes puts {cls.__name__}.{name} at offset "
                f"{actual} on {TARGET}; the spec says {offset}"
            )

{% for g in layouts %}
{%- for b in g.branches %}
{%- if let Some(cond) = b.cond %}
{{ cond }}
{%- endif %}
{{ b.indent }}_check_layout({{ g.class }}, {{ b.size }}, (
{{- b.offsets }}
{{ b.indent }}))
{%- endfor %}
{%- endfor %}
{%- endif %}
{%- if let Some(magic) = magic %}


# ---------------------------------------------------------------- ioctls

# The _IOC type byte of every ioctl of this spec.
IOCTL_MAGIC: _typing.Final = {{ magic }}

# The _IOC number of each ioctl.
{{- nrs }}

# The command number of each ioctl on TARGET.
{{- cmd_decls }}
{%- for g in cmd_groups %}
{%- if let Some(cond) = g.cond %}
{{ cond }}
{%- endif %}
{{- g.cmds }}
{%- endfor %}
{%- endif %}
{%- if !functions.is_empty() %}


# ---------------------------------------------------------------- calls

# Errnos some Pythons lack: the kernel-internal ENOTSUPP leaks to userspace
# as 524 on every target; EHWPOISON's number depends on the target.
_ERRNO_FALLBACK: dict[str, int] = {
    "ENOTSUPP": 524,
    "EHWPOISON": {"mips": 168, "alpha": 139, "sparc64": 135}.get(TARGET, 133),
}


def _errors(*pairs: tuple[str, type[UabiError]]) -> dict[int, type[UabiError]]:
    table: dict[int, type[UabiError]] = {}
    for name, cls in pairs:
        number = getattr(errno, name, _ERRNO_FALLBACK.get(name))
        if number is not None:
            table[number] = cls
    return table


# The exception class of each errno the spec documents, per ioctl.
_ERRORS: dict[str, dict[int, type[UabiError]]] = {
{%- for t in error_tables %}
{%- if t.entries.is_empty() %}
    {{ t.ioctl }}: _errors(),
{%- else %}
    {{ t.ioctl }}: _errors(
{{- t.entries }}
    ),
{%- endif %}
{%- endfor %}
}


class _HasFileno(_typing.Protocol):
    def fileno(self) -> int: ...


# What the ioctl functions take as a file descriptor, as fcntl.ioctl does:
# an int, or an object with fileno().
_Fd = _typing.Union[int, _HasFileno]
_A = _typing.TypeVar("_A")


def _set_user_ptr(
    name: str,
    arg: _typing.Any,
    counts: dict[str, int],
    field: str,
    value: _typing.Any,
    elem: _typing.Any,
    kind: str,
    length: str | None,
    bound: int,
    stride: str | None = None,
) -> object:
    """Points arg.<field> at value's elements, and for a "count" or "bytes"
    pointer sets arg.<length> from their number and arg.<stride>, when the
    elements' size is the caller's to say, from elem's; returns the ctypes
    object that must stay alive until the call returns. None leaves them
    alone."""
    if value is None:
        return None
    if kind == "single":
        if isinstance(value, elem) or (
            isinstance(value, ctypes.Array) and value._type_ is elem and len(value) == 1
        ):
            obj = value
        else:
            obj = elem(value)
        setattr(arg, field, ctypes.addressof(obj))
        return obj
    if length is None:
        raise TypeError(f"{name}: {field} has no length member")
    array: _typing.Any
    if isinstance(value, ctypes.Array):
        if value._type_ is not elem:
            raise TypeError(
                f"{name}: {field} must hold {elem.__name__} elements, "
                f"not {value._type_.__name__}"
            )
        array = value
    elif isinstance(value, (bytes, bytearray)):
        size = ctypes.sizeof(elem)
        if len(value) % size:
            raise ValueError(
                f"{name}: {field} has {len(value)} bytes, not a multiple of {size}"
            )
        cls = elem * (len(value) // size)
        # A bytearray is shared, so what the kernel writes lands in it.
        if isinstance(value, bytearray):
            array = cls.from_buffer(value)
        else:
            array = cls.from_buffer_copy(value)
    else:
        items = list(value)
        array = (elem * len(items))(*items)
    n = len(array) if kind == "count" else ctypes.sizeof(array)
    if n > bound:
        raise OverflowError(f"{name}: {n} does not fit in {length}")
    if counts.setdefault(length, n) != n:
        raise ValueError(
            f"{name}: {field} has {n} where another pointer sharing {length} "
            f"has {counts[length]}"
        )
    setattr(arg, length, n)
    if stride is not None:
        setattr(arg, stride, ctypes.sizeof(elem))
    setattr(arg, field, ctypes.addressof(array) if len(array) else 0)
    return array


def _call(
    name: str,
    fd: _Fd,
    cmd: int | None,
    arg: _A,
    argtype: type[_typing.Any] | None,
    ptrs: tuple[tuple[_typing.Any, ...], ...] = (),
) -> _A:
    if argtype is not None and not isinstance(arg, argtype):
        raise TypeError(
            f"{name}: arg must be a {argtype.__name__}, not {type(arg).__name__}"
        )
    counts: dict[str, int] = {}
    # The kernel reads and writes these through the addresses in arg.
    keep = [_set_user_ptr(name, arg, counts, *p) for p in ptrs]
    if cmd is None:
        raise UabiError(errno.ENOTTY, f"{name}: no command number on {TARGET}")
    try:
        if arg is None:
            fcntl.ioctl(fd, cmd, 0)
        else:
            fcntl.ioctl(fd, cmd, _typing.cast(_typing.Any, arg), True)
    except OSError as e:
        # An OSError without an errno (0 is no errno) is UabiError too.
        cls = _ERRORS[name].get(e.errno or 0, UabiError)
        raise cls(e.errno, f"{name}: {e.strerror}") from None
    del keep
    return arg
{%- for f in functions %}


def {{ f.name }}({{ f.params }}) -> {{ f.arg_type }}:
{{- f.docstring }}
{%- if f.ptrs.is_empty() %}
    {% if f.arg == "arg" %}return {% endif %}_call({{ f.ioctl }}, fd, {{ f.cmd }}, {{ f.arg }}, {{ f.arg_type }})
{%- else %}
    return _call({{ f.ioctl }}, fd, {{ f.cmd }}, arg, {{ f.arg_type }}, (
{%- for p in f.ptrs %}
        {{ p }},
{%- endfor %}
    ))
{%- endif %}
{%- endfor %}
{%- endif %}
{{- netlink }}
{{- rings }}


if __name__ == "__main__":
    print(
        f"{{ module }} revision {REVISION} on {TARGET}: "
        "layout of {{ struct_count }} structs checked"
    )
{%- for c in ioctl_uppers %}
    print("IOCTL_{{ c }} =", IOCTL_{{ c }} if IOCTL_{{ c }} is None else f"{IOCTL_{{ c }}:#010x}")
{%- endfor %}

