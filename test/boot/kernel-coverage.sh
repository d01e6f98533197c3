#!/usr/bin/env bash
# test/boot/kernel-coverage.sh: scripts/coverage --kernel --quick on the image already built (ctest
# kernel-coverage-image) must produce a plausible report: the kernel's gcda records came out on
# the serial log, were read with their .gcno files, and the share of kern/'s lines run is above
# a floor, with rows run for the folders the in-OS tests exercise (kern/proc, kern/ipc,
# kern/sched, kern/mm). Fails when no record came out (the script itself fails then) or when the
# records count nothing (a total of 0 %, a folder without a line run).
#
# Usage: kernel-coverage.sh --build BUILD_DIR [--min PERCENT] (default 20)
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build='' min=20
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --min) min=$2; shift 2 ;;
    *) echo "kernel-coverage: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -d $build ]] || { echo "kernel-coverage: no build folder ($build)" >&2; exit 2; }
report=$(BUILD_DIR=$build "$ROOT/scripts/coverage" --kernel --quick --no-build --timeout 150 2>&1)
status=$?
echo "$report"
((status == 0)) || { echo "kernel-coverage: FAIL: scripts/coverage --kernel exited with $status" >&2; exit 1; }
python3 -c '
import re, sys
minimum = float(sys.argv[1])
rows = {}
for line in sys.stdin:
    m = re.match(r"^(kern\S*|total kern/)\s+(\d+)\s+(\d+)\s+([\d.]+)%$", line.strip())
    if m:
        rows[m.group(1)] = (int(m.group(2)), int(m.group(3)), float(m.group(4)))
bad = []
total = rows.get("total kern/")
if total is None or total[2] <= minimum:
    bad.append(f"total of kern/ {total[2] if total else None}% not above {minimum}%")
for folder in ("kern/proc", "kern/ipc", "kern/sched", "kern/mm"):
    r = rows.get(folder)
    if r is None or r[1] == 0:
        bad.append(f"{folder}: no line run ({r})")
if bad:
    sys.exit("kernel-coverage: FAIL: " + "; ".join(bad))
print(f"kernel-coverage: total {total[2]:.1f}% of {total[0]} lines, kern/proc, kern/ipc, kern/sched, kern/mm run")
' "$min" <<<"$report"
