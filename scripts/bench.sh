#!/usr/bin/env bash
# Runs the project's criterion benchmarks and prints a summary of the
# ratios each one exists to measure (numerator and denominator timed in
# the same run).
#
#   scripts/bench.sh                 every benchmark, then the summary
#   scripts/bench.sh generate compat only those (by bench name)
#   scripts/bench.sh --summary       only the summary of the last results
#   scripts/bench.sh --list          the benchmark names
#   scripts/bench.sh NAME -- ARGS    ARGS go to criterion (e.g. a filter)
#   scripts/bench.sh kernel          the guest benchmarks (see below)
#
# Results stay in target/criterion (criterion's own reports, and
# new/estimates.json that the summary reads).
#
# `kernel` is not in the default run: it builds softaccel-demo's `guest`
# criterion benchmark and a release softaccel-driverd here, boots the guest
# with scripts/vm.sh (the module loaded with bench_ioctl=1, under QEMU TCG
# unless UABI_VM_ACCEL says otherwise), serves the FUSE node there too, and
# runs the benchmark against /dev/softaccel0 and the node in that one guest
# run; the guest prints criterion's output and the summary of its ratios
# (its results stay in the guest's memory).
set -euo pipefail
cd "$(dirname "$0")/.."

# One line per benchmark: "<bench name> <package>". A new benchmark is one
# line here (and its ratios below).
BENCHES=(
    "generate uabi"
    "compat uabi"
    "headers uabi"
    "dispatch softaccel-driver"
    "submit softaccel"
)

# One line per summary row, fields separated by '|':
#   ratio|<label>|<numerator id>|<denominator id>
#   per-item|<label>|<id>|<target per item in µs>
#   extrapolate|<label>|<id>|<items>
# Ids are criterion's "group/function". Rows whose results are missing
# are skipped; rows from an earlier run than this one are marked.
#
# The DRM/accel uapi estimate: include/uapi/drm and include/uapi/drm/accel
# together hold roughly 1,000 structs, 500 ioctls and 400-500 enum/flag
# groups and constants (drm.h, drm_mode.h, and some 30 driver headers),
# so about 2,000 items; the synthetic spec of the generate benchmark is
# that size.
DRM_ITEMS=2000
SUMMARY=(
    "ratio|generate synthetic: pipeline / YAML parse|generate/synthetic/pipeline|generate/synthetic/yaml parse (baseline)"
    "ratio|generate synthetic: load+resolve+lint / YAML parse|generate/synthetic/load + resolve + lint|generate/synthetic/yaml parse (baseline)"
    "ratio|generate synthetic: pipeline / saphyr-parser events|generate/synthetic/pipeline|generate/synthetic/saphyr-parser events (baseline)"
    "ratio|generate synthetic: YAML parse / saphyr-parser events|generate/synthetic/yaml parse (baseline)|generate/synthetic/saphyr-parser events (baseline)"
    "per-item|generate synthetic: pipeline per item / 10 µs target|generate/synthetic/pipeline|10"
    "per-item|generate synthetic: process per item / 10 µs target|generate-process/synthetic|10"
    "extrapolate|generate: DRM+accel-sized spec (~${DRM_ITEMS} items), pipeline|generate/synthetic/pipeline|${DRM_ITEMS}"
    "extrapolate|generate: DRM+accel-sized spec (~${DRM_ITEMS} items), process|generate-process/synthetic|${DRM_ITEMS}"
    "per-item|generate synthetic: load+resolve+lint per item / 10 µs target|generate/synthetic/load + resolve + lint|10"
    "ratio|render synthetic: rust-kernel / pipeline (share)|render/synthetic/rust-kernel|generate/synthetic/pipeline"
    "ratio|render synthetic: rust-uapi / pipeline (share)|render/synthetic/rust-uapi|generate/synthetic/pipeline"
    "ratio|render synthetic: rust-linux / pipeline (share)|render/synthetic/rust-linux|generate/synthetic/pipeline"
    "ratio|render synthetic: rust-user / pipeline (share)|render/synthetic/rust-user|generate/synthetic/pipeline"
    "ratio|render synthetic: c / pipeline (share)|render/synthetic/c|generate/synthetic/pipeline"
    "ratio|render synthetic: c-kernel / pipeline (share)|render/synthetic/c-kernel|generate/synthetic/pipeline"
    "ratio|render synthetic: python / pipeline (share)|render/synthetic/python|generate/synthetic/pipeline"
    "ratio|render synthetic: go / pipeline (share)|render/synthetic/go|generate/synthetic/pipeline"
    "ratio|render synthetic: syz / pipeline (share)|render/synthetic/syz|generate/synthetic/pipeline"
    "ratio|generate softaccel: pipeline / YAML parse|generate/softaccel/pipeline|generate/softaccel/yaml parse (baseline)"
    "per-item|generate softaccel: pipeline per item / 10 µs target|generate/softaccel/pipeline|10"
    "ratio|generate softaccel: process / spawn only|generate-process/softaccel|generate-process/spawn only (uabi --version)"
    "ratio|generate synthetic: process / in-process pipeline|generate-process/synthetic|generate/synthetic/pipeline"
    "ratio|compat synthetic: compare / freeze (dump)|compat/synthetic/compare (dumps in memory)|compat/synthetic/freeze (dump build + serialize)"
    "ratio|compat synthetic: end to end / freeze end to end|compat/synthetic/compat end to end|compat/synthetic/freeze end to end"
    "per-item|compat synthetic: end to end per item / 10 µs target|compat/synthetic/compat end to end|10"
    "ratio|compat softaccel: end to end / freeze end to end|compat/softaccel/compat end to end|compat/softaccel/freeze end to end"
    "ratio|import habanalabs: uabi import / clang -fsyntax-only|headers/import habanalabs/uabi import|headers/import habanalabs/clang -fsyntax-only (baseline)"
    "ratio|import habanalabs: uabi import process / clang -fsyntax-only process|headers/import habanalabs/uabi import (process)|headers/import habanalabs/clang -fsyntax-only (baseline)"
    "ratio|compat synthetic header pair: check-uapi route, -j nproc / uabi compat (speed-up, target >= 100)|headers/compat synthetic pair/check-uapi route: gcc + abidiff (one target, -j nproc)|headers/compat synthetic pair/uabi compat (every target)"
    "ratio|compat synthetic header pair: check-uapi route, -j 1 / uabi compat (speed-up)|headers/compat synthetic pair/check-uapi route: gcc + abidiff (one target, -j 1)|headers/compat synthetic pair/uabi compat (every target)"
    "ratio|compat one-header pair (1,002 structs in one header): check-uapi route / uabi compat (speed-up, target >= 100)|headers/compat one-header pair/check-uapi route: gcc + abidiff (one target)|headers/compat one-header pair/uabi compat (every target)"
    "ratio|dispatch GET_PARAM BufferMem: generated / hand-written|get-param/BufferMem/generated dispatch|get-param/BufferMem/hand-written baseline"
    "ratio|dispatch BO_INFO BufferMem: generated / hand-written|bo-info/BufferMem/generated dispatch|bo-info/BufferMem/hand-written baseline"
    "ratio|dispatch GET_PARAM SelfMem: generated / hand-written|get-param/SelfMem/generated dispatch|get-param/SelfMem/hand-written baseline"
    "ratio|submit 32 cmds in process: one ioctl each / ring (ring speed-up)|submit/in-process/one SUBMIT ioctl per command|submit/in-process/ring, one publish per batch"
    "ratio|submit 32 cmds via node: one ioctl each / ring (ring speed-up, target >= 20)|submit/node/one SUBMIT ioctl per command|submit/node/ring, one publish per batch"
    "ratio|control in process: set-tunables / GET_PARAM|control/in-process/set-tunables operation|control/in-process/GET_PARAM ioctl (baseline)"
    "ratio|control via node: set-tunables / GET_PARAM|control/node/set-tunables operation|control/node/GET_PARAM ioctl (baseline)"

    "ratio|guest GET_PARAM, module: generated C dispatch / hand-written handler (target <= 1.2)|guest-get-param/kernel/generated dispatch|guest-get-param/kernel/hand-written handler (baseline)"
    "ratio|guest 256 cmds, module: one SUBMIT each / ring (ring speed-up)|guest-submit/kernel/one SUBMIT ioctl per command|guest-submit/kernel/ring, one publish per batch"
    "ratio|guest 256 cmds, FUSE node: one SUBMIT each / ring (ring speed-up)|guest-submit/node/one SUBMIT ioctl per command|guest-submit/node/ring, one publish per batch"
    "ratio|guest 256 cmds by ring: module / FUSE node|guest-submit/kernel/ring, one publish per batch|guest-submit/node/ring, one publish per batch"
    "ratio|guest 256 cmds by SUBMIT: module / FUSE node|guest-submit/kernel/one SUBMIT ioctl per command|guest-submit/node/one SUBMIT ioctl per command"
    "ratio|guest demo workload (65536 elements): module / FUSE node|guest-demo/kernel|guest-demo/node"
)

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; }

names=()
summary_only=0
in_guest=0
crit_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --list) for b in "${BENCHES[@]}"; do echo "${b%% *}"; done; echo kernel; exit 0 ;;
        --summary) summary_only=1 ;;
        --in-guest) in_guest=1 ;;
        -h|--help) usage; exit 0 ;;
        --) shift; crit_args=("$@"); break ;;
        -*) echo "bench.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
        *) names+=("$1") ;;
    esac
    shift
done

# The summary table of the results under criterion directory $1; results
# older than $2 (seconds since the epoch) are marked.
summary() {
BENCH_SUMMARY=$(printf '%s\n' "${SUMMARY[@]}") \
    python3 - "$1" "$2" <<'PY'
import json, os, sys

root, started = sys.argv[1], float(sys.argv[2])
results = {}  # full id -> (mean ns, elements or None, mtime)
for dirpath, dirnames, filenames in os.walk(root):
    if os.path.basename(dirpath) != "new" or "estimates.json" not in filenames:
        continue
    try:
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            meta = json.load(f)
        est_path = os.path.join(dirpath, "estimates.json")
        with open(est_path) as f:
            est = json.load(f)
    except (OSError, ValueError):
        continue
    thr = meta.get("throughput") or {}
    elems = thr.get("Elements") if isinstance(thr, dict) else None
    # The figure criterion prints: the slope of linear sampling, else the
    # mean (flat sampling).
    point = (est.get("slope") or est["mean"])["point_estimate"]
    results[meta["full_id"]] = (point, elems, os.path.getmtime(est_path))

def fmt(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"

def mark(*ids):
    return "" if all(results[i][2] >= started for i in ids) else "  (earlier run)"

rows = []
for line in os.environ["BENCH_SUMMARY"].splitlines():
    kind, label, a, b = line.split("|")
    if a not in results or (kind == "ratio" and b not in results):
        continue
    mean, elems, _ = results[a]
    if kind == "ratio":
        den = results[b][0]
        rows.append((label, f"{fmt(mean)} / {fmt(den)}", f"{mean / den:.3g}", mark(a, b)))
    elif kind == "per-item":
        if not elems:
            continue
        per = mean / elems
        rows.append((label, f"{fmt(per)} per item ({elems} items)", f"{per / (float(b) * 1e3):.3g}", mark(a)))
    elif kind == "extrapolate":
        if not elems:
            continue
        rows.append((label, fmt(mean / elems * float(b)), "-", mark(a)))

if not rows:
    print("no benchmark results under " + root)
    sys.exit(0)
w = max(len(r[0]) for r in rows)
v = max(len(r[1]) for r in rows)
print()
print(f"{'summary':<{w}}  {'measured':<{v}}  ratio")
print(f"{'-' * w}  {'-' * v}  -----")
for label, value, ratio, note in rows:
    print(f"{label:<{w}}  {value:<{v}}  {ratio}{note}")
PY
}

# The guest benchmarks. In the guest: serve the FUSE node, run the
# benchmark against it and the module, print the summary of that run.
if [ $in_guest -eq 1 ]; then
    exe="${UABI_BENCH_GUEST_EXE:?run scripts/bench.sh kernel on the host}"
    daemon_bin="${UABI_BENCH_GUEST_DRIVERD:?run scripts/bench.sh kernel on the host}"
    [ -c /dev/softaccel0 ] || { echo "bench.sh: /dev/softaccel0 is not a character device (is the module loaded?)" >&2; exit 1; }
    mnt=/tmp/softaccel-node
    mkdir -p "$mnt"
    "$daemon_bin" "$mnt" 2>/tmp/softaccel-driverd.log &
    daemon=$!
    stop() {
        kill -TERM "$daemon" 2>/dev/null || true
        wait "$daemon" 2>/dev/null || true
    }
    trap stop EXIT
    for _ in $(seq 100); do
        [ -e "$mnt/softaccel0" ] && break
        kill -0 "$daemon" 2>/dev/null || { cat /tmp/softaccel-driverd.log >&2; echo "bench.sh: softaccel-driverd did not start" >&2; exit 1; }
        sleep 0.1
    done
    [ -e "$mnt/softaccel0" ] || { echo "bench.sh: no $mnt/softaccel0 after 10 s" >&2; exit 1; }
    echo "== guest: $(uname -r), $(nproc) CPUs; module parameters: bench_ioctl=$(cat /sys/module/softaccel/parameters/bench_ioctl 2>/dev/null || echo '?')" >&2
    export CRITERION_HOME=/tmp/criterion
    SOFTACCEL_BENCH_DEVICES="kernel=/dev/softaccel0 node=$mnt/softaccel0" \
        "$exe" --bench "${crit_args[@]}"
    summary "$CRITERION_HOME" 0
    exit 0
fi
if [ ${#names[@]} -gt 0 ] && printf '%s\n' "${names[@]}" | grep -qx kernel; then
    if [ ${#names[@]} -ne 1 ]; then
        echo "bench.sh: kernel runs in the guest, on its own (scripts/bench.sh kernel)" >&2
        exit 2
    fi
    echo "== cargo bench -p softaccel-demo --bench guest --no-run; softaccel-driverd (release)" >&2
    exe=$(bash scripts/guest-bench-exe.sh)
    cargo build -q --release -p softaccel-driver --bin softaccel-driverd
    target_dir=$(cargo metadata --format-version 1 --no-deps |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    export UABI_BENCH_GUEST_EXE="$exe"
    export UABI_BENCH_GUEST_DRIVERD="$target_dir/release/softaccel-driverd"
    export UABI_VM_MODULE_ARGS="${UABI_VM_MODULE_ARGS:+$UABI_VM_MODULE_ARGS }bench_ioctl=1"
    export UABI_VM_TIMEOUT="${UABI_VM_TIMEOUT:-2400}"
    exec bash scripts/vm.sh --module c -- bash scripts/bench.sh --in-guest -- "${crit_args[@]}"
fi

selected=()
if [ ${#names[@]} -eq 0 ]; then
    selected=("${BENCHES[@]}")
else
    for n in "${names[@]}"; do
        found=""
        for b in "${BENCHES[@]}"; do
            [ "${b%% *}" = "$n" ] && found="$b"
        done
        if [ -z "$found" ]; then
            echo "bench.sh: no benchmark named '$n' (scripts/bench.sh --list)" >&2
            exit 2
        fi
        selected+=("$found")
    done
fi

target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
started=$(date +%s)

# The header benchmark's baseline is the kernel's check-uapi route, which
# needs abidiff (abigail-tools).
if [ $summary_only -eq 0 ] && printf '%s\n' "${selected[@]}" | grep -q '^headers ' &&
    ! command -v abidiff >/dev/null; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get install -y -qq abigail-tools >/dev/null
fi

if [ $summary_only -eq 0 ]; then
    for b in "${selected[@]}"; do
        name=${b%% *}
        pkg=${b#* }
        echo "== cargo bench -p $pkg --bench $name" >&2
        cargo bench -p "$pkg" --bench "$name" -- "${crit_args[@]}"
    done
else
    started=0
fi

summary "$target_dir/criterion" "$started"
