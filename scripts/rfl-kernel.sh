#!/usr/bin/env bash
# Sourced by what builds or boots the Rust-for-Linux guest kernel
# (scripts/vm.sh --module rust, driver/kmod-rs): `uabi_rfl_kernel_env`
# installs, once, what building a CONFIG_RUST kernel needs from Debian's
# packages (rustc-web 1.96 and its rust-web-src, clang/lld/llvm 19 and
# libclang, linux-source-6.12) and bindgen-cli 0.71.1 from crates.io, builds
# Debian's 6.12 source with tinyconfig plus scripts/rfl-kernel.config, and
# exports:
#
#   UABI_RFL_KDIR      the built kernel tree: the kbuild directory of
#                      out-of-tree modules (make -C "$UABI_RFL_KDIR" M=...)
#   UABI_RFL_KIMAGE    its bzImage
#   UABI_RFL_MAKEVARS  the variables every make in it must get (LLVM, RUSTC,
#                      BINDGEN, ...): `make $UABI_RFL_MAKEVARS -C ...`
#
# The built tree lives outside the repository, under UABI_RFL_CACHE (default
# /var/cache/uabi-rfl-kernel), in a directory named by the source package's
# version and a hash of what decides the result: the configuration fragment,
# the recipe's number (UABI_RFL_RECIPE, bumped with the build's steps), the
# make variables (the toolchain's paths) and the versions of rustc, bindgen
# and clang. A second run
# with the same inputs costs nothing; only the module is rebuilt.
#
# Run directly (bash scripts/rfl-kernel.sh), it builds and prints the exports.

UABI_RFL_CACHE="${UABI_RFL_CACHE:-/var/cache/uabi-rfl-kernel}"
UABI_RFL_BINDGEN_VERSION=0.71.1
UABI_RFL_LLVM=19
# The build's steps (uabi_rfl_build): bump when they change what is built,
# so that the cache key changes with them (an edit of a message does not).
UABI_RFL_RECIPE=1

uabi_rfl_kernel_env() {
  local here
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  local packages=(rustc-web rust-web-src "clang-$UABI_RFL_LLVM" "lld-$UABI_RFL_LLVM"
    "llvm-$UABI_RFL_LLVM" "libclang-$UABI_RFL_LLVM-dev" linux-source-6.12
    bc flex bison libelf-dev libssl-dev xz-utils make)
  local missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "rfl-kernel: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null || { echo "rfl-kernel: apt-get install failed" >&2; return 1; }
  fi
  $sudo mkdir -p "$UABI_RFL_CACHE"

  # Debian's rustc-web is /usr/bin/rustc; a rustup toolchain earlier in
  # PATH must not stand in for it (the kernel checks the version, and
  # rust-web-src matches this compiler only).
  local rustc=/usr/bin/rustc
  local rust_src=/usr/lib/rustlib/src/rust/library
  [ -x "$rustc" ] && [ -d "$rust_src/core" ] ||
    { echo "rfl-kernel: rustc-web or rust-web-src is not where Debian puts them" >&2; return 1; }

  local bindgen_root="$UABI_RFL_CACHE/bindgen-cli-$UABI_RFL_BINDGEN_VERSION"
  local bindgen="$bindgen_root/bin/bindgen"
  if [ ! -x "$bindgen" ]; then
    echo "rfl-kernel: cargo install bindgen-cli $UABI_RFL_BINDGEN_VERSION into $bindgen_root" >&2
    local tdir
    tdir="$(mktemp -d)"
    CARGO_TARGET_DIR="$tdir" $sudo cargo install --quiet --locked bindgen-cli \
      --version "$UABI_RFL_BINDGEN_VERSION" --root "$bindgen_root" ||
      { rm -rf "$tdir"; echo "rfl-kernel: cargo install bindgen-cli failed" >&2; return 1; }
    rm -rf "$tdir"
  fi

  local llvm_dir="/usr/lib/llvm-$UABI_RFL_LLVM"
  UABI_RFL_MAKEVARS="LLVM=-$UABI_RFL_LLVM RUSTC=$rustc HOSTRUSTC=$rustc BINDGEN=$bindgen"
  UABI_RFL_MAKEVARS+=" RUST_LIB_SRC=$rust_src LIBCLANG_PATH=$llvm_dir/lib"
  # bindgen finds libclang through LIBCLANG_PATH, from the environment.
  export LIBCLANG_PATH="$llvm_dir/lib"

  local srcver
  srcver="$(dpkg-query -W -f='${Version}' linux-source-6.12)"
  local key
  key="$({
    echo "linux-source-6.12 $srcver"
    cat "$here/rfl-kernel.config"
    echo "recipe $UABI_RFL_RECIPE $UABI_RFL_MAKEVARS"
    "$rustc" --version
    "$bindgen" --version
    "clang-$UABI_RFL_LLVM" --version | head -1
  } | sha256sum | cut -c1-16)"
  local dir="$UABI_RFL_CACHE/${srcver%%-*}-$key"
  UABI_RFL_KDIR="$dir"
  UABI_RFL_KIMAGE="$dir/arch/x86/boot/bzImage"
  export UABI_RFL_KDIR UABI_RFL_KIMAGE UABI_RFL_MAKEVARS UABI_RFL_CACHE

  [ -e "$dir/.done" ] && return 0
  (
    # One build at a time per key; a second caller waits for the first.
    exec 9>"$dir.lock"
    flock 9
    [ -e "$dir/.done" ] && exit 0
    uabi_rfl_build "$dir" "$here/rfl-kernel.config"
  )
}

uabi_rfl_build() { # DIR FRAGMENT: unpacks, configures and builds into DIR
  local dir="$1" fragment="$2"
  local jobs="${UABI_RFL_JOBS:-2}"
  local t0 log
  t0=$(date +%s)
  echo "rfl-kernel: building the Rust-for-Linux guest kernel in $dir (-j$jobs; a cold build takes minutes)" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  log="$dir/build.log"
  tar -xJf /usr/src/linux-source-6.12.tar.xz -C "$dir" --strip-components=1 ||
    { echo "rfl-kernel: cannot unpack linux-source-6.12" >&2; return 1; }
  # shellcheck disable=SC2086 # UABI_RFL_MAKEVARS is words
  {
    make -C "$dir" $UABI_RFL_MAKEVARS tinyconfig &&
      "$dir/scripts/kconfig/merge_config.sh" -m -O "$dir" "$dir/.config" "$fragment" &&
      make -C "$dir" $UABI_RFL_MAKEVARS olddefconfig
  } >"$log" 2>&1 || { tail -40 "$log" >&2; echo "rfl-kernel: configuring failed ($log)" >&2; return 1; }
  # Every line of the fragment must be in the result: a setting kconfig
  # drops (an unmet dependency) is a broken guest, found here.
  local line name bad=""
  while IFS= read -r line; do
    case "$line" in
      CONFIG_*=*) grep -qxF "$line" "$dir/.config" || bad="$bad $line" ;;
      "# CONFIG_"*" is not set")
        name="${line#\# }"
        name="${name%% *}"
        ! grep -q "^$name=" "$dir/.config" || bad="$bad $name=n"
        ;;
    esac
  done <"$fragment"
  if [ -n "$bad" ]; then
    echo "rfl-kernel: kconfig did not keep:$bad (unmet dependencies)" >&2
    case "$bad" in
      *CONFIG_RUST=y*)
        echo "rfl-kernel: make rustavailable says:" >&2
        # shellcheck disable=SC2086
        make -C "$dir" $UABI_RFL_MAKEVARS rustavailable >&2 || true
        ;;
    esac
    return 1
  fi
  # shellcheck disable=SC2086
  make -C "$dir" $UABI_RFL_MAKEVARS -j"$jobs" >>"$log" 2>&1 ||
    { tail -60 "$log" >&2; echo "rfl-kernel: the kernel build failed ($log)" >&2; return 1; }
  [ -e "$dir/arch/x86/boot/bzImage" ] && [ -e "$dir/Module.symvers" ] ||
    { echo "rfl-kernel: the build made no bzImage or Module.symvers" >&2; return 1; }
  echo "rfl-kernel: built in $(($(date +%s) - t0)) s" | tee -a "$log" >&2
  touch "$dir/.done"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  uabi_rfl_kernel_env
  echo "UABI_RFL_KDIR=$UABI_RFL_KDIR"
  echo "UABI_RFL_KIMAGE=$UABI_RFL_KIMAGE"
  echo "UABI_RFL_MAKEVARS=$UABI_RFL_MAKEVARS"
fi
