#!/usr/bin/env bash
# Sourced by the scripts that build or boot kernel code (scripts/vm.sh, the
# C kernel-side checks). Installs, once, what they need from Debian's
# packages and exports where it is:
#
#   UABI_KVER        the guest kernel's release (Debian's 6.12 kernel)
#   UABI_KDIR        its kbuild tree (linux-headers-$UABI_KVER)
#   UABI_KIMAGE_DIR  the unpacked linux-image package (boot/vmlinuz-*, lib/modules/*)
#   UABI_CHECKPATCH  the kernel's scripts/checkpatch.pl (from linux-source-6.12)
#
# The image package is unpacked rather than installed: installing it would run
# the host's initramfs and bootloader hooks for a kernel the host never boots.
# Everything lands under UABI_KCACHE (default /var/cache/uabi-kernel), keyed by
# the kernel release, so a second run costs nothing.

UABI_KCACHE="${UABI_KCACHE:-/var/cache/uabi-kernel}"

uabi_kernel_env() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  local packages=(qemu-system-x86 busybox-static cpio sparse
    linux-headers-6.12-amd64 linux-source-6.12 gcc-i686-linux-gnu)
  local missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "kernel-env: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi

  # The release the headers meta-package points at, e.g. 6.12.118+deb12-amd64.
  UABI_KVER="$(dpkg-query -W -f='${Depends}' linux-headers-6.12-amd64 | sed -n 's/.*linux-headers-\([^ ,]*\).*/\1/p')"
  [ -n "$UABI_KVER" ] || { echo "kernel-env: cannot tell the 6.12 kernel release" >&2; return 1; }
  UABI_KDIR="/usr/src/linux-headers-$UABI_KVER"

  $sudo mkdir -p "$UABI_KCACHE"
  UABI_KIMAGE_DIR="$UABI_KCACHE/image-$UABI_KVER"
  if [ ! -e "$UABI_KIMAGE_DIR/.done" ]; then
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && apt-get download -q "linux-image-$UABI_KVER" >/dev/null 2>&1 ||
      { $sudo apt-get update -qq && apt-get download -q "linux-image-$UABI_KVER" >/dev/null; })
    $sudo rm -rf "$UABI_KIMAGE_DIR"
    $sudo mkdir -p "$UABI_KIMAGE_DIR"
    $sudo dpkg-deb -x "$tmp"/linux-image-*.deb "$UABI_KIMAGE_DIR"
    rm -rf "$tmp"
    $sudo touch "$UABI_KIMAGE_DIR/.done"
  fi

  local src="$UABI_KCACHE/source-6.12"
  UABI_CHECKPATCH="$src/scripts/checkpatch.pl"
  if [ ! -e "$src/.done" ]; then
    $sudo rm -rf "$src"
    $sudo mkdir -p "$src"
    # checkpatch reads its word lists beside it; nothing else is needed.
    $sudo tar -xJf /usr/src/linux-source-6.12.tar.xz -C "$src" --strip-components=1 \
      linux-source-6.12/scripts/checkpatch.pl linux-source-6.12/scripts/spelling.txt \
      linux-source-6.12/scripts/const_structs.checkpatch
    $sudo touch "$src/.done"
  fi
  export UABI_KVER UABI_KDIR UABI_KIMAGE_DIR UABI_CHECKPATCH UABI_KCACHE
}
