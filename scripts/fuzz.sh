#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz / libFuzzer, nightly) of every parser
# of untrusted input; the targets are in fuzz/fuzz_targets.
#
#   scripts/fuzz.sh            every target for FUZZ_SECONDS (default 600)
#                              each, at least 10^7 executions in all (the
#                              run fails below that); new coverage is
#                              merged into the checked-in corpora
#   scripts/fuzz.sh --ci       replays the checked-in corpora and runs each
#                              target 30 s (scripts/test.sh)
#   scripts/fuzz.sh T...       only targets T (either mode)
#
# FUZZ_SECONDS_<target> (e.g. FUZZ_SECONDS_ring=2000) overrides
# FUZZ_SECONDS for one target in the full mode: the fast targets (ring,
# control, ioctl_dispatch: thousands of inputs a second) carry most of the
# 10^7 executions, the spec targets (a hundred a second) add coverage, not
# numbers.
#
# Prints per target: executions, coverage (libFuzzer's cov/ft), corpus size
# and findings (crashes, timeouts, out-of-memory). Any finding fails the
# run and leaves its input under target/fuzz-artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

mode=full
seconds="${FUZZ_SECONDS:-600}"
min_total="${FUZZ_MIN_EXECS:-10000000}"
targets=()
for a in "$@"; do
  case "$a" in
    --ci) mode=ci; seconds=30 ;;
    -*) echo "fuzz.sh: unknown option $a" >&2; exit 2 ;;
    *) targets+=("$a") ;;
  esac
done
all=(spec_bytes spec_mutate compat_specs compat_dump import_header ioctl_dispatch control ring)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz.sh: cargo-fuzz (nightly) is missing: rustup toolchain install nightly && cargo install cargo-fuzz" >&2
  exit 1
fi

# LeakSanitizer through libFuzzer's own check after each input only, not
# again at exit: the in-process driver's ring pollers are detached threads,
# and the last inputs' pollers, still winding down when the run ends, were
# reported as leaked (driver/tests/ring_pollers.rs shows they end). For
# ioctl_dispatch libFuzzer soon turns its per-input check off as well (the
# pollers free memory after their input); there the target's own check,
# every live count back to zero after each input, is what finds a leak.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}leak_check_at_exit=0"

# Inside the worktree (see README: nested builds need it there).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
work="$CARGO_TARGET_DIR/fuzz-work"
art="$CARGO_TARGET_DIR/fuzz-artifacts"
mkdir -p "$work" "$art"

echo "== fuzz: build (cargo +nightly fuzz build -O, ASan)"
(cd fuzz && cargo +nightly fuzz build -O)

# Seeds drawn from the repository: specs, fixtures, frozen dumps, headers.
# Rebuilt each run, never checked in (the checked-in corpora are the
# minimised ones under fuzz/corpus).
seed_dir() {
  local t="$1" d="$work/seeds/$t"
  rm -rf "$d"
  mkdir -p "$d"
  case "$t" in
    spec_bytes | spec_mutate)
      find spec codegen/tests/fixtures -type f -name '*.yaml' -size -64k -print0 |
        while IFS= read -r -d '' f; do cp "$f" "$d/$(echo "$f" | tr '/ ' '__')"; done
      ;;
    compat_specs)
      for c in codegen/tests/fixtures/compat/*/; do
        [ -f "$c/old.yaml" ] && [ -f "$c/new.yaml" ] || continue
        { cat "$c/old.yaml"; printf '\n#%%%%%% new %%%%%%\n'; cat "$c/new.yaml"; } >"$d/$(basename "$c")"
      done
      ;;
    compat_dump)
      for f in spec/*.abi/*.json; do cp "$f" "$d/$(echo "$f" | tr / _)"; done
      ;;
    import_header)
      find codegen/tests/fixtures/import codegen/tests/fixtures/headers/drm spec/examples -type f -name '*.h' -size -64k -print0 |
        while IFS= read -r -d '' f; do cp "$f" "$d/$(echo "$f" | tr '/ ' '__')"; done
      ;;
    control)
      # One well-formed request per operation (tape: privileged, operation,
      # header flags untouched, 4 KiB reply, full reply room, exact
      # length), no attributes: the policies and handlers from the start.
      for op in 0 1 2 3 4 5 6; do
        printf "\\x01\\x$(printf %02x $op)\\x00\\x09\\x01\\x03" >"$d/op$op"
      done
      ;;
  esac
}

dict_args() {
  case "$1" in
    spec_bytes | spec_mutate | compat_specs) echo "-dict=$root/fuzz/dicts/yaml.dict" ;;
    import_header) echo "-dict=$root/fuzz/dicts/c.dict" ;;
    compat_dump) echo "-dict=$root/fuzz/dicts/json.dict" ;;
  esac
}

# Inputs larger than libFuzzer's default 4 KiB: real specs and dumps are
# tens of KiB, and the mutator's huge strings need room.
max_len() {
  case "$1" in
    spec_bytes | spec_mutate | compat_specs) echo 262144 ;;
    compat_dump) echo 65536 ;;
    import_header) echo 65536 ;;
    *) echo 8192 ;;
  esac
}

# Per input; the spec targets run every backend, the import target a clang
# parse.
timeout_of() {
  case "$1" in
    spec_bytes | spec_mutate | compat_specs | compat_dump | import_header) echo 30 ;;
    *) echo 10 ;;
  esac
}

total=0
failed=0
printf '%-15s %12s %8s %8s %7s %8s %9s %5s %s\n' target executions exec/s cov ft corpus crashes tmo oom >"$work/summary"
for t in "${targets[@]}"; do
  own="FUZZ_SECONDS_$t"
  secs="$seconds"
  [ "$mode" != full ] || secs="${!own:-$seconds}"
  echo "== fuzz: $t ($mode, ${secs}s)"
  seed_dir "$t"
  rm -rf "${art:?}/$t"
  mkdir -p "fuzz/corpus/$t" "$art/$t"
  corpus="$work/corpus/$t"
  rm -rf "$corpus"
  mkdir -p "$corpus"
  cp -r "fuzz/corpus/$t/." "$corpus/"
  log="$work/$t.log"
  set +e
  # shellcheck disable=SC2046
  (cd fuzz && cargo +nightly fuzz run -O "$t" "$corpus" "$work/seeds/$t" -- \
    -max_total_time="$secs" -print_final_stats=1 -timeout="$(timeout_of "$t")" \
    -rss_limit_mb=2560 -max_len="$(max_len "$t")" -artifact_prefix="$art/$t/" \
    $(dict_args "$t")) >"$log" 2>&1
  status=$?
  set -e
  execs=$(grep 'stat::number_of_executed_units:' "$log" | awk '{print $2}' | tail -1)
  execs=${execs:-0}
  rate=$(grep 'stat::average_exec_per_sec:' "$log" | awk '{print $2}' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  ncorp=$(find "$corpus" -type f | wc -l)
  crashes=$(find "$art/$t" -name 'crash-*' | wc -l)
  tmo=$(find "$art/$t" -name 'timeout-*' | wc -l)
  oom=$(find "$art/$t" -name 'oom-*' | wc -l)
  printf '%-15s %12s %8s %8s %7s %8s %9s %5s %s\n' "$t" "$execs" "${rate:-0}" "${cov:-0}" "${ft:-0}" "$ncorp" "$crashes" "$tmo" "$oom" >>"$work/summary"
  total=$((total + execs))
  if [ "$status" != 0 ] || [ "$crashes$tmo$oom" != 000 ]; then
    failed=1
    echo "fuzz.sh: $t found something (exit $status); the input is in $art/$t/, the log in $log:" >&2
    grep -B2 -A30 'panicked at\|ERROR: ' "$log" | head -60 >&2 || tail -40 "$log" >&2
  elif [ "$mode" = full ]; then
    # Keep what covered something new: a set-cover merge of the working
    # corpus into the checked-in one.
    # The repository's seeds go in first and come out afterwards: they
    # are rebuilt from the repository each run, so the checked-in corpus
    # holds only what they do not already cover (and stays small).
    merged="$work/merged/$t"
    rm -rf "$merged"
    mkdir -p "$merged"
    cp -r "$work/seeds/$t/." "$merged/"
    (cd fuzz && cargo +nightly fuzz run -O "$t" "$merged" "$root/fuzz/corpus/$t" "$corpus" -- \
      -merge=1 -max_len="$(max_len "$t")" -timeout="$(timeout_of "$t")" -rss_limit_mb=2560) >"$work/$t.merge.log" 2>&1
    for f in "$work/seeds/$t"/*; do
      [ -e "$f" ] && rm -f "$merged/$(basename "$f")"
    done
    # A byte budget per target keeps the repository small: the smallest
    # units first (mutants of whole specs are tens of KiB each; what they
    # reach, the seeds rebuilt each run mostly reach too).
    rm -rf "fuzz/corpus/$t"
    mkdir -p "fuzz/corpus/$t"
    budget=$((${FUZZ_CORPUS_KB:-400} * 1024))
    used=0
    while read -r size f; do
      [ $((used + size)) -le "$budget" ] || break
      cp "$f" "fuzz/corpus/$t/"
      used=$((used + size))
    done < <(find "$merged" -type f -printf '%s %p\n' | sort -n)
  fi
done
echo "== fuzz: summary ($mode)"
cat "$work/summary"
echo "total executions: $total"
if [ "$failed" != 0 ]; then
  echo "fuzz.sh: FAILED (findings above)" >&2
  exit 1
fi
if [ "$mode" = full ] && [ "$total" -lt "$min_total" ]; then
  echo "fuzz.sh: only $total executions in all, below $min_total: raise FUZZ_SECONDS" >&2
  exit 1
fi
echo "findings: 0 crashes, 0 timeouts, 0 out-of-memory"
