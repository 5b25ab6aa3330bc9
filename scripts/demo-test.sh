#!/usr/bin/env bash
# Runs the main job (scripts/demo.sh) on small vectors as a user would and
# checks what they see: an optimised build, the demo's table whole and
# undisturbed, and the daemon's log in the file the demo names (none of
# its lines on the terminal). The FUSE node needs root and /dev/fuse;
# without them the check is logged as SKIPPED (UABI_SKIP_LOG).
set -euo pipefail
cd "$(dirname "$0")/.."
skip() {
  echo "SKIPPED demo.sh: $1"
  [ -n "${UABI_SKIP_LOG:-}" ] && echo "demo.sh (the main job): $1" >>"$UABI_SKIP_LOG"
  exit 0
}
[ "$(id -u)" = 0 ] || skip "needs root for the FUSE node"
[ -c /dev/fuse ] || skip "no /dev/fuse"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail() {
  cat "$out" >&2
  echo "demo-test: $1" >&2
  exit 1
}
bash scripts/demo.sh 65536 >"$out" 2>&1 || fail "demo.sh failed"
cat "$out"
log=$(sed -n '1s/^demo: optimised build (.*); softaccel-driverd logs to //p' "$out")
[ -n "$log" ] || fail "the first line does not name an optimised build and the daemon's log"
[ -s "$log" ] || fail "the daemon's log $log is empty"
grep -q '^softaccel demo: .*, optimised build$' "$out" || fail "the demo's report does not say it is an optimised build"
grep -q '^total ' "$out" || fail "no total line"
[ "$(tail -n 1 "$out")" = OK ] || fail "the output does not end with the demo's OK"
# Every line of the daemon's log went to the file, none to the terminal.
if grep -q -e '^softaccel-driverd' -e '^/tmp/softaccel-node' "$out"; then
  fail "daemon log lines on the terminal"
fi
grep -q '^softaccel-driverd: serving ' "$log" || fail "the log $log lacks the daemon's lines"
rm -f "$log"
echo "demo-test: ok"
