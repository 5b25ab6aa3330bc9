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

command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust (rustup) first" >&2; exit 1; }
cargo fetch --quiet
# The fuzz targets (scripts/fuzz.sh): libFuzzer needs the nightly
# toolchain's sanitizer support, and cargo-fuzz drives it.
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
cargo +nightly fuzz --version >/dev/null 2>&1 || cargo install --quiet cargo-fuzz
echo "setup: done"
