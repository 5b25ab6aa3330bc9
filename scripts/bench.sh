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
#
# Results stay in target/criterion (criterion's own reports, and
# new/estimates.json that the summary reads).
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
    "ratio|render synthetic: rust-user / pipeline (share)|render/synthetic/rust-user|generate/synthetic/pipeline"
    "ratio|render synthetic: c / pipeline (share)|render/synthetic/c|generate/synthetic/pipeline"
    "ratio|render synthetic: python / pipeline (share)|render/synthetic/python|generate/synthetic/pipeline"
    "ratio|render synthetic: go / pipeline (share)|render/synthetic/go|generate/synthetic/pipeline"
    "ratio|generate softaccel: pipeline / YAML parse|generate/softaccel/pipeline|generate/softaccel/yaml parse (baseline)"
    "per-item|generate softaccel: pipeline per item / 10 µs target|generate/softaccel/pipeline|10"
    "ratio|generate softaccel: process / spawn only|generate-process/softaccel|generate-process/spawn only (uabi --version)"
    "ratio|generate synthetic: process / in-process pipeline|generate-process/synthetic|generate/synthetic/pipeline"
    "ratio|compat synthetic: compare / freeze (dump)|compat/synthetic/compare (dumps in memory)|compat/synthetic/freeze (dump build + serialize)"
    "ratio|compat synthetic: end to end / freeze end to end|compat/synthetic/compat end to end|compat/synthetic/freeze end to end"
    "per-item|compat synthetic: end to end per item / 10 µs target|compat/synthetic/compat end to end|10"
    "ratio|compat softaccel: end to end / freeze end to end|compat/softaccel/compat end to end|compat/softaccel/freeze end to end"
    "ratio|import habanalabs: uabi import / clang -fsyntax-only|headers/import habanalabs/uabi import|headers/import habanalabs/clang -fsyntax-only (baseline)"
    "ratio|compat synthetic header pair: check-uapi route / uabi compat (speed-up, target >= 100)|headers/compat synthetic pair/check-uapi route: gcc + abidiff (one target)|headers/compat synthetic pair/uabi compat (every target)"
    "ratio|dispatch GET_PARAM BufferMem: generated / hand-written|get-param/BufferMem/generated dispatch|get-param/BufferMem/hand-written baseline"
    "ratio|dispatch BO_INFO BufferMem: generated / hand-written|bo-info/BufferMem/generated dispatch|bo-info/BufferMem/hand-written baseline"
    "ratio|dispatch GET_PARAM SelfMem: generated / hand-written|get-param/SelfMem/generated dispatch|get-param/SelfMem/hand-written baseline"
    "ratio|submit 32 cmds in process: one ioctl each / ring (ring speed-up)|submit/in-process/one SUBMIT ioctl per command|submit/in-process/ring, one publish per batch"
    "ratio|submit 32 cmds via node: one ioctl each / ring (ring speed-up, target >= 20)|submit/node/one SUBMIT ioctl per command|submit/node/ring, one publish per batch"
    "ratio|control in process: set-tunables / GET_PARAM|control/in-process/set-tunables operation|control/in-process/GET_PARAM ioctl (baseline)"
    "ratio|control via node: set-tunables / GET_PARAM|control/node/set-tunables operation|control/node/GET_PARAM ioctl (baseline)"
)

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }

names=()
summary_only=0
crit_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --list) for b in "${BENCHES[@]}"; do echo "${b%% *}"; done; exit 0 ;;
        --summary) summary_only=1 ;;
        -h|--help) usage; exit 0 ;;
        --) shift; crit_args=("$@"); break ;;
        -*) echo "bench.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
        *) names+=("$1") ;;
    esac
    shift
done

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

BENCH_SUMMARY=$(printf '%s\n' "${SUMMARY[@]}") \
    python3 - "$target_dir/criterion" "$started" <<'PY'
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
