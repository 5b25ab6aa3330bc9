#!/usr/bin/env bash
# Runs a command inside Debian's 6.12 kernel with the softaccel kernel module
# loaded, and exits with the command's status:
#
#   scripts/vm.sh [--module c] [--] CMD [ARGS...]    # builds and loads driver/kmod
#   scripts/vm.sh --module rust [--] CMD [ARGS...]   # the Rust kernel, driver/kmod-rs
#   scripts/vm.sh --no-module [--] CMD [ARGS...]     # the bare kernel (harness self-tests)
#
# With --module rust the guest boots the CONFIG_RUST kernel that
# scripts/rfl-kernel.sh builds from Debian's 6.12 source (cached outside the
# repository) instead of Debian's image: everything the guest needs is built
# into it, so no module but the one under test is loaded, and that module
# (driver/kmod-rs, softaccel_rs.ko) is built against that kernel's tree.
#
# The kernel is the one scripts/kernel-env.sh unpacks (UABI_KIMAGE_DIR), booted
# under QEMU from an initramfs built here (busybox-static, the 9p modules and
# the module under test). The guest mounts the host's root read-only over
# virtio-9p and chroots into it, so CMD runs the host's binaries, Python and
# Go at the same paths, from the repository root, with /dev (devtmpfs: the
# module's node appears there), /proc, /sys and a tmpfs /tmp and /run of its
# own (a repository checked out under the host's /tmp, and its target
# directory, stay visible there at their paths). An overlay in the guest's memory makes the rest writable too (a test
# binary writes under the target directory it was built in); nothing CMD
# writes reaches the host. After CMD the module is removed (a failing rmmod fails the run)
# and the kernel's log is scanned: any WARN, BUG, oops, lockdep report or call
# trace fails the run, and the log is printed.
#
# CMD's stdout and stderr reach this script's stdout and stderr through two
# virtio consoles; the kernel's log goes to the serial port, into a file (it
# survives a panic); CMD's exit status comes back through a second, writable
# 9p share (a file), never by parsing a console.
#
# Exit status: CMD's when it ran and nothing else failed; 1 when CMD succeeded
# but rmmod or the kernel log failed the run; 125 when the harness could not
# run CMD at all (build, boot, module load, timeout).
#
# Environment:
#   UABI_VM_KMOD_DIR    kbuild directory of the module for --module c
#                       (default driver/kmod) or --module rust (default
#                       driver/kmod-rs)
#   UABI_VM_MODULE_ARGS module parameters given to insmod
#   UABI_VM_ACCEL       tcg (default) or kvm. /dev/kvm on the project's
#                       machines is a PVM hypervisor that cannot boot a stock
#                       kernel, so KVM is used only when asked for.
#   UABI_VM_CPUS, UABI_VM_MEM (MiB), UABI_VM_TIMEOUT (seconds, whole run)
#   UABI_VM_ENV         names of further variables to pass to CMD
#   UABI_VM_KEEP=1      keep the work directory (initramfs, logs) and say where
#   UABI_VM_KERNEL_ARGS appended to the guest kernel's command line
# Passed to CMD: PATH, LANG, LC_ALL, TERM, every UABI_*, SOFTACCEL_*, RUST_*,
# CARGO_* and GO* variable, and those UABI_VM_ENV names; with --module rust,
# UABI_KMOD_NAME=softaccel_rs (where the suites find the module's
# parameters). HOME is a fresh directory on the guest's tmpfs (the host's
# is read-only there); RUSTUP_HOME and CARGO_HOME keep pointing at the
# host's toolchains. UABI_SKIP_LOG is
# redirected to the writable share and its lines appended to the host's file.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
prog="vm.sh"

usage() { # the header's first lines; exit status $1
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
  echo "(see the comment at the top of $0 for the environment it reads)" >&2
  exit "$1"
}

die() {
  echo "$prog: $*" >&2
  exit 125
}

module=c
while (($#)); do
  case "$1" in
    --module)
      (($# >= 2)) || usage 125
      module="$2"
      shift 2
      ;;
    --module=*)
      module="${1#--module=}"
      shift
      ;;
    --no-module)
      module=""
      shift
      ;;
    -h | --help) usage 0 ;;
    --)
      shift
      break
      ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
done
(($#)) || usage 125

case "$module" in
  "") kmod_dir="" ;;
  c) kmod_dir="${UABI_VM_KMOD_DIR:-$repo/driver/kmod}" ;;
  rust) kmod_dir="${UABI_VM_KMOD_DIR:-$repo/driver/kmod-rs}" ;;
  *) die "unknown module '$module' (known: c, rust)" ;;
esac

accel="${UABI_VM_ACCEL:-tcg}"
case "$accel" in
  tcg) accel_opt="tcg,thread=multi" ;;
  kvm) accel_opt="kvm" ;;
  *) die "UABI_VM_ACCEL must be tcg or kvm, not '$accel'" ;;
esac
cpus="${UABI_VM_CPUS:-2}"
mem="${UABI_VM_MEM:-2048}"
timeout_s="${UABI_VM_TIMEOUT:-900}"

# shellcheck source=scripts/kernel-env.sh
source "$repo/scripts/kernel-env.sh"
uabi_kernel_env || die "the kernel environment is not available"
for tool in qemu-system-x86_64 cpio xz modinfo; do
  command -v "$tool" >/dev/null || die "$tool is missing (scripts/kernel-env.sh installs it)"
done
busybox=/bin/busybox
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
  die "$busybox is not the static busybox (package busybox-static)"
# kbuild's make for the module: Debian's headers, or the Rust kernel's
# tree with the toolchain it was built with.
kmake=(make -C "$UABI_KDIR")
if [ "$module" = rust ]; then
  # shellcheck source=scripts/rfl-kernel.sh
  source "$repo/scripts/rfl-kernel.sh"
  uabi_rfl_kernel_env || die "the Rust-for-Linux kernel is not available (scripts/rfl-kernel.sh)"
  kernel="$UABI_RFL_KIMAGE"
  [ -e "$kernel" ] || die "no kernel image at $kernel"
  # shellcheck disable=SC2206 # the variables are words
  kmake=(make -C "$UABI_RFL_KDIR" $UABI_RFL_MAKEVARS)
  # Nothing to load at boot: 9p, virtio and overlayfs are built in.
  moddir=""
else
  kernel="$(ls "$UABI_KIMAGE_DIR"/boot/vmlinuz-* 2>/dev/null | head -1)"
  [ -n "$kernel" ] || die "no kernel image in $UABI_KIMAGE_DIR/boot"
  moddir="$UABI_KIMAGE_DIR/lib/modules/$UABI_KVER"
  [ -d "$moddir/kernel" ] || die "no modules in $moddir"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/uabi-vm.XXXXXX")"
qemu_pid=""
cleanup() {
  [ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null || true
  if [ "${UABI_VM_KEEP:-}" = 1 ]; then
    echo "$prog: kept $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- the module
kos=()
if [ -n "$kmod_dir" ]; then
  [ -e "$kmod_dir/Kbuild" ] || [ -e "$kmod_dir/Makefile" ] ||
    die "no kbuild module in $kmod_dir (no Kbuild or Makefile); set UABI_VM_KMOD_DIR or use --no-module"
  kmod_dir="$(cd "$kmod_dir" && pwd)"
  echo "$prog: building the module in $kmod_dir" >&2
  if ! "${kmake[@]}" M="$kmod_dir" modules >"$work/kbuild.log" 2>&1; then
    cat "$work/kbuild.log" >&2
    die "the module does not build"
  fi
  # modules.order lists what the build made, in kbuild's order; the
  # modules are loaded in it and removed in reverse.
  # (Paths in it are relative to the module's directory, or absolute.)
  while read -r obj; do
    case "$obj" in
      "") ;;
      /*) kos+=("${obj%.o}.ko") ;;
      *) kos+=("$kmod_dir/${obj%.o}.ko") ;;
    esac
  done <"$kmod_dir/modules.order"
  ((${#kos[@]})) || die "the build in $kmod_dir made no module"
fi

# ---------------------------------------------------------------- initramfs
# The image package's modules are xz-compressed and it has no modules.dep
# (depmod runs at install, which is skipped): dependencies come from each
# module's own modinfo, and busybox's insmod gets decompressed copies.
declare -A mod_path=()
if [ -n "$moddir" ]; then
  while IFS= read -r path; do
    name="${path##*/}"
    name="${name%%.ko*}"
    mod_path["${name//-/_}"]="$path"
  done < <(find "$moddir/kernel" -name '*.ko*')
fi

boot_mods=()
declare -A seen=()
add_mod() { # adds a module of the image after its dependencies
  local name="${1//-/_}" dep
  [ -n "${seen[$name]:-}" ] && return 0
  seen[$name]=1
  local path="${mod_path[$name]:-}"
  [ -n "$path" ] || die "module $name is not in ${moddir:-the kernel (the Rust kernel has no module files)}"
  local deps
  deps="$(modinfo -F depends "$path")" || die "modinfo cannot read $path"
  for dep in ${deps//,/ }; do
    add_mod "$dep"
  done
  boot_mods+=("$name")
}
[ -z "$moddir" ] || for m in netfs 9pnet 9pnet_virtio 9p overlay; do add_mod "$m"; done
# A module under test may depend on another one built beside it (loaded
# before it, as modules.order has them) or on modules of the image.
for ko in "${kos[@]}"; do
  name="${ko##*/}"
  name="${name%.ko}"
  seen[${name//-/_}]=1
done
for ko in "${kos[@]}"; do
  deps="$(modinfo -F depends "$ko")" || die "modinfo cannot read $ko"
  for dep in ${deps//,/ }; do add_mod "$dep"; done
done

root="$work/initramfs"
mkdir -p "$root"/{bin,dev,proc,sys,host,lower,rw,out,lib/modules/boot,lib/modules/test}
: >"$root/lib/modules/boot.order"
cp "$busybox" "$root/bin/busybox"
for name in "${boot_mods[@]}"; do
  path="${mod_path[$name]}"
  case "$path" in
    *.xz) xz -dc "$path" >"$root/lib/modules/boot/$name.ko" ;;
    *.zst) zstd -qdc "$path" >"$root/lib/modules/boot/$name.ko" ;;
    *) cp "$path" "$root/lib/modules/boot/$name.ko" ;;
  esac
  echo "$name" >>"$root/lib/modules/boot.order"
done
: >"$root/lib/modules/test.order"
for ko in "${kos[@]}"; do
  # The module's own name (what rmmod takes), not its file's.
  name="$(modinfo -F name "$ko")" || die "modinfo cannot read $ko"
  [ -n "$name" ] || { name="${ko##*/}" && name="${name%.ko}" && name="${name//-/_}"; }
  cp "$ko" "$root/lib/modules/test/$name.ko"
  echo "$name" >>"$root/lib/modules/test.order"
done
printf '%s\n' "${UABI_VM_MODULE_ARGS:-}" >"$root/lib/modules/test.args"
# The guest's /tmp is its own; what the run needs from the host's (a
# checkout under /tmp, as a CI job may make, and its target directory)
# stays visible there at the same path.
{
  echo "$repo"
  target_dir="${CARGO_TARGET_DIR:-}"
  [ -z "$target_dir" ] || target_dir="$(cd "$target_dir" 2>/dev/null && pwd || true)"
  case "$target_dir" in
    "" | "$repo" | "$repo"/*) ;;
    *) echo "$target_dir" ;;
  esac
} | grep '^/tmp/' >"$root/lib/modules/keep" || true

# The guest's init: runs as PID 1 on the initramfs, CMD in a chroot of the
# host's root. Its own messages go to the stderr console.
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs dev /dev
# CMD's output is a byte stream to the host, not a terminal's: no CR added.
# The hvc driver resets a console's termios on its last close, so both stay
# open (3 and 2) from here on.
exec 3<>/dev/hvc0 2<>/dev/hvc1
stty raw -echo <&3
stty raw -echo <&2
say() { echo "vm.sh (guest): $*" >&2; }
harness_fail() {
  say "$*"
  echo "$*" >/out/harness 2>/dev/null
  poweroff -f
  sleep 10
}
mount -t proc proc /proc
mount -t sysfs sys /sys
for m in $(cat /lib/modules/boot.order); do
  insmod "/lib/modules/boot/$m.ko" || harness_fail "insmod $m failed"
done
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=none uabiout /out ||
  harness_fail "cannot mount the output share"
# Tells the host that the kernel booted and this init took over: nothing
# of the project's has run before this line. The kernel log gets the same
# mark, so that a problem the kernel reported before it is told apart.
echo 1 >/out/started
echo "vm.sh: the init takes over" >/dev/kmsg
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro hostroot /lower ||
  harness_fail "cannot mount the host's root over 9p"
# Writes land in the guest's memory, above the read-only share: host test
# binaries write where they were built to (cargo's target/tmp, caches), and
# the host's files never change.
mount -t tmpfs -o mode=0755 rw /rw || harness_fail "cannot mount the overlay's tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /host ||
  harness_fail "cannot mount the overlay on the host's root"
mount -t devtmpfs dev /host/dev || harness_fail "cannot mount /dev in the chroot"
mkdir -p /host/dev/pts /host/dev/shm
# What udev or systemd would add: bash's process substitution needs /dev/fd.
ln -sf /proc/self/fd /host/dev/fd
ln -sf /proc/self/fd/0 /host/dev/stdin
ln -sf /proc/self/fd/1 /host/dev/stdout
ln -sf /proc/self/fd/2 /host/dev/stderr
mount -t devpts -o newinstance,ptmxmode=0666 devpts /host/dev/pts
mount -t tmpfs -o mode=1777 shm /host/dev/shm
mount -t proc proc /host/proc || harness_fail "cannot mount /proc in the chroot"
mount -t sysfs sys /host/sys || harness_fail "cannot mount /sys in the chroot"
n=0
while IFS= read -r keep; do
  mkdir -p "/keep/$n"
  mount --bind "/host$keep" "/keep/$n" || harness_fail "cannot keep $keep visible"
  n=$((n + 1))
done </lib/modules/keep
mount -t tmpfs -o mode=1777 tmp /host/tmp || harness_fail "cannot mount /tmp in the chroot"
n=0
while IFS= read -r keep; do
  mkdir -p "/host$keep"
  mount --move "/keep/$n" "/host$keep" || harness_fail "cannot keep $keep visible"
  n=$((n + 1))
done </lib/modules/keep
mount -t tmpfs -o mode=0755 run /host/run
mkdir -p /host/tmp/uabi-vm
mount --bind /out /host/tmp/uabi-vm || harness_fail "cannot bind the output share"

args="$(cat /lib/modules/test.args)"
loaded=""
for m in $(cat /lib/modules/test.order); do
  # shellcheck disable=SC2086 # the parameters are words
  insmod "/lib/modules/test/$m.ko" $args || harness_fail "insmod $m failed (see the kernel log)"
  loaded="$m $loaded"
done

read -r t0 _ </proc/uptime
# CMD gets only the environment run.sh gives it, not init's.
chroot /host /usr/bin/env -i /bin/bash /tmp/uabi-vm/run.sh </dev/null >&3 3>&-
status=$?
read -r t1 _ </proc/uptime
echo "$t0 $t1" >/out/times

# Whatever CMD left running (a daemon, a stray child) is ended before
# rmmod, so that a failing rmmod means the module holds references after
# all its clients are gone. Kernel threads have an empty cmdline.
left=""
for p in /proc/[0-9]*; do
  pid="${p#/proc/}"
  [ "$pid" = 1 ] && continue
  # The shell's read, not a process per kernel thread: a fork costs
  # tens of milliseconds under TCG.
  cmdline=""
  read -r cmdline <"$p/cmdline" 2>/dev/null
  [ -n "$cmdline" ] && left="$left $pid ($(tr '\0' ' ' <"$p/cmdline" 2>/dev/null))"
done
if [ -n "$left" ]; then
  say "ending what CMD left running:$left"
  kill -TERM -1 2>/dev/null
  sleep 0.5
  kill -KILL -1 2>/dev/null
  sleep 0.1
fi

rmmod_failed=""
for m in $loaded; do
  rmmod "$m" || rmmod_failed="$rmmod_failed $m"
done
echo "$rmmod_failed" >/out/rmmod
# The status last: its presence says the guest got this far.
echo "$status" >/out/status
umount /host/tmp/uabi-vm /out 2>/dev/null
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) >"$work/initramfs.cpio"

# ---------------------------------------------------------------- CMD
out="$work/out"
mkdir -p "$out"
q() { printf '%q' "$1"; }
{
  echo "cd $(q "$repo") || exit 125"
  echo "mkdir -p /tmp/home && export HOME=/tmp/home"
  names=(PATH LANG LC_ALL TERM)
  while IFS= read -r name; do
    case "$name" in
      UABI_VM_* | UABI_SKIP_LOG) ;;
      UABI_* | SOFTACCEL_* | RUST_* | CARGO_* | GO*) names+=("$name") ;;
    esac
  done < <(compgen -e)
  for name in ${UABI_VM_ENV:-}; do names+=("$name"); done
  for name in "${names[@]}"; do
    [ -n "${!name+set}" ] && echo "export $name=$(q "${!name}")"
  done
  # rustup and cargo find their toolchains under the host's home.
  host_home="${HOME:-/root}"
  [ -n "${RUSTUP_HOME:-}" ] || [ ! -d "$host_home/.rustup" ] || echo "export RUSTUP_HOME=$(q "$host_home/.rustup")"
  [ -n "${CARGO_HOME:-}" ] || [ ! -d "$host_home/.cargo" ] || echo "export CARGO_HOME=$(q "$host_home/.cargo")"
  [ -z "${UABI_SKIP_LOG:-}" ] || echo "export UABI_SKIP_LOG=/tmp/uabi-vm/skips"
  # The suites find the module's parameters under its name (driver/src/kmod.rs).
  [ "$module" != rust ] || echo "export UABI_KMOD_NAME=softaccel_rs"
  printf 'exec'
  for arg in "$@"; do printf ' %s' "$(q "$arg")"; done
  echo
} >"$out/run.sh"

# ---------------------------------------------------------------- boot
if [ "$accel" = kvm ] && [ ! -w /dev/kvm ]; then
  die "UABI_VM_ACCEL=kvm but /dev/kvm is not usable"
fi
klog="$work/kernel.log"
# no_timer_check: under TCG on a loaded host the kernel's boot-time check
# that the timer interrupt arrives through the IO-APIC can time out and
# panic ("IO-APIC + timer doesn't work!", seen in a soak run beside other
# builds); virtual machines routinely skip it.
qemu=(qemu-system-x86_64
  -accel "$accel_opt" -cpu max -smp "$cpus" -m "$mem"
  -vga none -nographic -monitor none -no-reboot -net none
  -kernel "$kernel" -initrd "$work/initramfs.cpio"
  -append "console=ttyS0 loglevel=7 panic=-1 rdinit=/init no_timer_check${UABI_VM_KERNEL_ARGS:+ $UABI_VM_KERNEL_ARGS}"
  -serial "file:$klog"
  -device virtio-serial-pci
  -chardev "file,id=vmout,path=$work/cmd.out,append=on"
  -device virtconsole,chardev=vmout
  -chardev "file,id=vmerr,path=$work/cmd.err,append=on"
  -device virtconsole,chardev=vmerr
  -fsdev "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap"
  -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
  -fsdev "local,id=uabiout,path=$out,security_model=none,multidevs=remap"
  -device virtio-9p-pci,fsdev=uabiout,mount_tag=uabiout)
echo "$prog: booting $(basename "$kernel") under QEMU, accelerator ${accel^^} ($cpus vCPUs, $mem MiB)${kos:+, module ${kos[*]##*/}}" >&2

# One boot of the guest: QEMU's status in qemu_status, its wall time in
# elapsed.
boot_guest() {
  rm -f "$out/started" "$out/status" "$out/times" "$out/harness" "$out/rmmod" "$out/skips"
  # CMD's stdout and stderr land in files that tail copies to this script's
  # stdout and stderr as they grow: tail writes through the inherited
  # descriptors, so a caller redirecting to a file keeps one offset (QEMU
  # reopening /dev/stdout would write at its own).
  : >"$work/cmd.out"
  : >"$work/cmd.err"
  start=$(date +%s.%N)
  set +e
  timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null >"$work/qemu.out" 2>"$work/qemu.err" &
  qemu_pid=$!
  tail -q -n +1 -s 0.2 -f --pid="$qemu_pid" "$work/cmd.out" &
  tail_out=$!
  tail -q -n +1 -s 0.2 -f --pid="$qemu_pid" "$work/cmd.err" >&2 &
  tail_err=$!
  wait "$qemu_pid"
  qemu_status=$?
  qemu_pid=""
  wait "$tail_out" "$tail_err"
  set -e
  elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
}

# What the kernel prints when something went wrong in it: WARN_ON and
# friends ("WARNING: CPU: ..."), BUG_ON and bad-state reports ("BUG: ...",
# "kernel BUG at"), oopses, lockdep's reports, and any backtrace.
pattern='WARNING:|BUG:|BUG at|Oops|general protection fault|lockdep|possible recursive locking|possible circular locking|INFO: task .* blocked|Call Trace|Kernel panic|UBSAN:|KASAN:|refcount_t:'

# Whether the kernel reported a problem (a line matching $pattern) before
# the init marked that it took over.
early_problem() {
  awk -v pat="$pattern" '/vm\.sh: the init takes over/ { exit } $0 ~ pat { found = 1; exit } END { exit !found }' "$klog"
}

# Debian's stock kernel under TCG has oopsed in early boot, before this
# script's init ran anything (seen once in CI: "Oops: int3" in
# sched_clock_cpu, PID 1, 1.6 s into boot). A guest whose kernel died
# before the init marked that it took over, or reported a problem before
# that mark, cannot have been harmed by the project's code, so it is
# booted once more, saying so and printing the first kernel log's tail;
# anything after the mark fails the run as before, and so does a second
# such boot.
boot_guest
if { [ ! -s "$out/started" ] && [ ! -s "$out/status" ] && [ "$qemu_status" != 124 ]; } ||
    early_problem; then
  mv "$klog" "$work/kernel.first-boot.log"
  echo "$prog: the guest kernel failed or reported a problem before the init took over (QEMU exited with $qemu_status); its log:" >&2
  sed -n '/Linux version/,$p' "$work/kernel.first-boot.log" | tail -n 40 | sed 's/^/  /' >&2 || true
  echo "$prog: booting once more" >&2
  boot_guest
fi

print_klog() {
  echo "$prog: ---- guest kernel log ($klog)" >&2
  # From the kernel's first line: the firmware's screen codes before it
  # are noise.
  sed -e 's/^.*\(\[ *[0-9.]*\] Linux version\)/\1/' "$klog" | sed -n '/Linux version/,$p' >&2 || true
  echo "$prog: ---- end of guest kernel log" >&2
}

cat "$work/qemu.out" "$work/qemu.err" >&2
if [ -n "${UABI_SKIP_LOG:-}" ] && [ -s "$out/skips" ]; then
  cat "$out/skips" >>"$UABI_SKIP_LOG"
fi
if [ ! -s "$out/status" ]; then
  print_klog
  if [ "$qemu_status" = 124 ]; then
    die "the guest did not finish within ${timeout_s}s (UABI_VM_TIMEOUT); killed"
  elif [ -s "$out/harness" ]; then
    die "in the guest: $(cat "$out/harness")"
  fi
  die "the guest reported no status (QEMU exited with $qemu_status)"
fi
status="$(cat "$out/status")"
read -r t0 t1 <"$out/times" || true
printf '%s: %s: boot+run+poweroff %.1f s (boot %.1f s, CMD %.1f s), CMD exited %s\n' \
  "$prog" "${accel^^}" "$elapsed" "${t0:-0}" "$(awk -v a="${t0:-0}" -v b="${t1:-0}" 'BEGIN { print b - a }')" "$status" >&2

failed=""
rmmod_failed="$(tr -d ' \n' <"$out/rmmod")"
if [ -n "$rmmod_failed" ]; then
  echo "$prog: FAILED: rmmod$(cat "$out/rmmod") failed after CMD" >&2
  failed=1
fi
if grep -En "$pattern" "$klog" >"$work/findings"; then
  echo "$prog: FAILED: the guest kernel reported problems:" >&2
  sed 's/^/  /' "$work/findings" >&2
  failed=1
fi
if [ -n "$failed" ] || [ "$status" != 0 ]; then
  print_klog
fi
if [ "$status" = 0 ] && [ -n "$failed" ]; then
  exit 1
fi
exit "$status"
