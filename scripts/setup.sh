#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh Debian
# machine (run as root, or with sudo available). Idempotent.
set -euo pipefail

PACKAGES=(
  gcc g++
  # Cross compilers: the layout tests compile every generated header for
  # every target ABI. They install together (gcc-multilib conflicts).
  gcc-i686-linux-gnu gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf
  gcc-riscv64-linux-gnu gcc-powerpc64le-linux-gnu gcc-mips-linux-gnu
  gcc-s390x-linux-gnu gcc-sparc64-linux-gnu gcc-alpha-linux-gnu
  golang-go python3  # the tests build and run the generated Go and Python bindings
  # `uabi import` and header `uabi compat` parse C headers with libclang,
  # loaded at run time (clang-sys); the benchmarks time the clang binary.
  libclang1-14 clang
  # `uabi doc`: its pages are loaded in headless Chromium
  # (codegen/tests/doc.rs).
  chromium
  # tests/schema.rs validates every spec against `uabi schema` with
  # jsonschema from PyPI, in a venv (Debian's python3 is externally
  # managed).
  python3-venv
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The RST of `uabi doc` is checked with docutils, in the python3 the
# tests run (the machine's own, with pip).
python3 -c 'import docutils' 2>/dev/null || python3 -m pip install -q docutils

command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust (rustup) first" >&2; exit 1; }
cargo fetch --quiet

root=$(cd "$(dirname "$0")/.." && pwd)
venv="${CARGO_TARGET_DIR:-$root/target}/schema-venv"
if ! "$venv/bin/python" -c 'import jsonschema, yaml' 2>/dev/null; then
  echo "setup: a venv with jsonschema and PyYAML in $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet jsonschema==4.26.0 PyYAML==6.0.2
fi
# mypy for the type checks of the generated Python packages
# (codegen/tests/installable.rs, python_go.rs); the tests make this venv
# themselves when it is missing, and keep the version in step with
# uabi_test_support::MYPY.
mypy_venv="${CARGO_TARGET_DIR:-$root/target}/mypy-venv"
if ! "$mypy_venv/bin/python" -m mypy --version >/dev/null 2>&1; then
  echo "setup: a venv with mypy in $mypy_venv"
  python3 -m venv "$mypy_venv"
  "$mypy_venv/bin/pip" install --quiet mypy==1.15.0
fi
# The i386 layout assertions of the generated uapi crates are checked by
# rustc for that target too (codegen/tests/rust_uapi.rs).
rustup target list --installed | grep -qx i686-unknown-linux-gnu ||
  rustup target add i686-unknown-linux-gnu
# The fuzz targets (scripts/fuzz.sh): libFuzzer needs the nightly
# toolchain's sanitizer support, and cargo-fuzz drives it.
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
cargo +nightly fuzz --version >/dev/null 2>&1 || cargo install --quiet cargo-fuzz
echo "setup: done"
