#!/usr/bin/env bash
# test/boot/gcov-frames.sh: the gcda frames of the coverage image's serial log (the log ctest
# kcov wrote), extracted with scripts/gcov-extract: every frame is intact (exit 0);
#   - the one os_kcov sent through kl.core.Profiler.FlushGcovFile (200 bytes, byte i =
#     (7 i + 3) mod 256, named os_kcov/frame.gcda) holds the bytes sent;
#   - the kernel's own record of kern/prof/kcov.c (FlushGcov) is read by gcov together with the
#     .gcno the compiler wrote beside kernel-kcov.elf's object, without a complaint, and shows
#     lines run (os_kcov ran KcovAlloc).
#
# Usage: gcov-frames.sh --log LOG --out DIR --gcno-dir DIR (kernel-kcov-objs.dir of the build)
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
log= out= gcno_dir=
while (($#)); do
  case $1 in
    --log) log=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --gcno-dir) gcno_dir=$2; shift 2 ;;
    *) echo "gcov-frames: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -f $log && -n $out && -d $gcno_dir ]] ||
  { echo "gcov-frames: no log ($log), --out or --gcno-dir ($gcno_dir)" >&2; exit 1; }
rm -rf "$out"
if ! python3 "$ROOT/scripts/gcov-extract" "$log" "$out"; then
  echo "gcov-frames: FAIL: a frame in $log was cut or corrupt" >&2
  exit 1
fi
python3 - "$out/os_kcov/frame.gcda" <<'PY' || exit 1
import sys
want = bytes((7 * i + 3) % 256 for i in range(200))
try:
    got = open(sys.argv[1], "rb").read()
except OSError as e:
    sys.exit(f"gcov-frames: FAIL: {e}")
if got != want:
    sys.exit(f"gcov-frames: FAIL: {sys.argv[1]} holds {len(got)} bytes that differ from the 200 sent")
print(f"gcov-frames: {sys.argv[1]}: the 200 bytes sent")
PY

gcda=$(find "$out" -path '*/kernel-kcov-objs.dir/prof/kcov.c.gcda' | head -n 1)
[[ -n $gcda ]] || { echo "gcov-frames: FAIL: no kernel record of prof/kcov.c in $log" >&2; exit 1; }
work=$out/gcov-check
mkdir -p "$work"
cp "$gcda" "$gcno_dir/prof/kcov.c.gcno" "$work/" || exit 1
report=$(cd "$work" && gcov -n kcov.c.gcda 2>&1)
echo "$report" | sed 's/^/gcov-frames: gcov: /'
if grep -qiE "mismatch|not a gcov|version|corrupt|cannot open" <<<"$report"; then
  echo "gcov-frames: FAIL: gcov complained about the kernel's gcda" >&2
  exit 1
fi
if ! grep -qE "Lines executed:([1-9][0-9.]*|0\.[0-9]*[1-9][0-9]*)% of [0-9]+" <<<"$report"; then
  echo "gcov-frames: FAIL: gcov shows no line of kern/prof/kcov.c run" >&2
  exit 1
fi
echo "gcov-frames: the kernel's gcda of kern/prof/kcov.c read by gcov"
