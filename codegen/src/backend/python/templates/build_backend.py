{#- The PEP 517 build backend beside a generated package (python.rs,
    BackendView). Standard library only: pip builds the package with no
    download, in any venv, setuptools or not. -#}
{{ banner }}
"""The build backend of the {{ package }} package (PEP 517), standard library
only: `pip install` builds the package offline in any venv. It packs the
package folder and the metadata of pyproject.toml into a wheel; the uabi
generator writes both, so they agree.
"""

import base64
import hashlib
import io
import os
import tarfile
import zipfile

_DIST = {{ dist }}
_PACKAGE = {{ package_str }}
_VERSION = {{ version }}
_METADATA = """\
Metadata-Version: 2.1
Name: {{ dist_raw }}
Version: {{ version_raw }}
Summary: {{ summary }}
License: {{ license }}
Requires-Python: >=3.9
Classifier: Typing :: Typed
{%- for d in requires %}
Requires-Dist: {{ d }}
{%- endfor %}
"""
_WHEEL = """\
Wheel-Version: 1.0
Generator: uabi
Root-Is-Purelib: true
Tag: py3-none-any
"""
# Wheels and sdists are reproducible: every entry has this time.
_EPOCH = (1980, 1, 1, 0, 0, 0)
_HERE = os.path.dirname(os.path.abspath(__file__))


def _stem():
    return f"{_DIST.replace('-', '_')}-{_VERSION}"


def _package_files():
    """(path in the archive, bytes) of the package, bytecode left out."""
    out = []
    root = os.path.join(_HERE, _PACKAGE)
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, _HERE).replace(os.sep, "/")
            with open(path, "rb") as f:
                out.append((rel, f.read()))
    return out


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"{path},sha256={digest.decode()},{len(data)}\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = f"{_stem()}.dist-info"
    os.makedirs(os.path.join(metadata_directory, info), exist_ok=True)
    for name, text in (("METADATA", _METADATA), ("WHEEL", _WHEEL)):
        with open(os.path.join(metadata_directory, info, name), "w") as f:
            f.write(text)
    return info


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = f"{_stem()}-py3-none-any.whl"
    info = f"{_stem()}.dist-info"
    entries = _package_files()
    entries.append((f"{info}/METADATA", _METADATA.encode()))
    entries.append((f"{info}/WHEEL", _WHEEL.encode()))
    record = "".join(_record_line(p, d) for p, d in entries) + f"{info}/RECORD,,\n"
    entries.append((f"{info}/RECORD", record.encode()))
    with zipfile.ZipFile(
        os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED
    ) as whl:
        for path, data in entries:
            entry = zipfile.ZipInfo(path, _EPOCH)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            whl.writestr(entry, data)
    return name


def build_sdist(sdist_directory, config_settings=None):
    name = f"{_stem()}.tar.gz"
    files = _package_files()
    for extra in ("pyproject.toml", os.path.basename(__file__)):
        with open(os.path.join(_HERE, extra), "rb") as f:
            files.append((extra, f.read()))
    files.append(("PKG-INFO", _METADATA.encode()))
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as tar:
        for path, data in sorted(files):
            entry = tarfile.TarInfo(f"{_stem()}/{path}")
            entry.size = len(data)
            entry.mode = 0o644
            tar.addfile(entry, io.BytesIO(data))
    return name
