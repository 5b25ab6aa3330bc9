#!/usr/bin/env bash
# Builds softaccel-demo's `guest` criterion benchmark (not run here) and
# prints the path of its executable, which the guest runs from the host's
# root (scripts/bench.sh kernel, driver/kmod-rs/tests/bench.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
exe=$(cargo bench -q -p softaccel-demo --bench guest --no-run --message-format=json |
  python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "guest":
        print(m["executable"])
')
[ -n "$exe" ] || { echo "guest-bench-exe.sh: cargo named no guest benchmark executable" >&2; exit 1; }
echo "$exe"
