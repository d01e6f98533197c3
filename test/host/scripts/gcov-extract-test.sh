#!/usr/bin/env bash
# Host test of scripts/gcov-extract: a real gcda (a small program built with --coverage and
# run), framed the way the kernel frames it (kern/prof/gcov_uart.c: 64 bytes a line, CRC-32),
# among other console lines, comes out byte for byte, and gcov reads it; frames that are forged
# by a process (its "[<task>] " mark), cut short, aborted, of a wrong size or CRC, or named to
# leave the output folder are skipped with exit status 1 and write nothing.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
EXTRACT=$ROOT/scripts/gcov-extract
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "gcov-extract-test: FAIL: $*" >&2; exit 1; }

cd "$work"
cat >prog.c <<'C'
int main(int argc, char **argv)
{
    (void)argv;
    int n = 0;
    for (int i = 0; i < 5; i++)
        n += argc > i;
    return n == 1 ? 0 : 1;
}
C
gcc --coverage -O0 -o prog prog.c
./prog
[[ -s prog.gcda ]] || fail "no gcda from the coverage build"

# frame NAME FILE [SIZE|-] [CRC]: the kernel's frame of FILE (SIZE and CRC overridable).
frame() {
  python3 - "$@" <<'PY'
import binascii, sys
name, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
size = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] != "-" else str(len(data))
crc = sys.argv[4] if len(sys.argv) > 4 else "%08x" % (binascii.crc32(data) & 0xFFFFFFFF)
print(f"GCDA-BEGIN {name} {size}")
for i in range(0, len(data), 64):
    print("GCDA-DATA " + data[i:i + 64].hex())
print(f"GCDA-END {name} {size} {crc}")
PY
}

{
  echo "kl.core: 100 of 146 methods served"
  echo "[Kcov] os_kcov: some output"
  frame sub/prog.gcda prog.gcda
  echo "[Kcov] GCDA-BEGIN forged.gcda 1"
  echo "[Kcov] GCDA-END forged.gcda 1 00000000"
} >good.log
"$EXTRACT" good.log out >extract.out || fail "a clean log: exit status $?"
cmp -s out/sub/prog.gcda prog.gcda || fail "the extracted gcda differs from the original"
[[ ! -e out/forged.gcda ]] || fail "a process's forged frame was written"
grep -q "out/sub/prog.gcda" extract.out || fail "the written file is not reported"

# gcov reads the extracted file in place of the original.
mv prog.gcda original.gcda
cp out/sub/prog.gcda prog.gcda
gcov prog.c >gcov.out 2>&1 || fail "gcov refused the extracted gcda: $(cat gcov.out)"
grep -q "Lines executed:100.00% of" gcov.out || fail "gcov's report: $(cat gcov.out)"

{
  frame bad-crc.gcda original.gcda - 12345678
  frame bad-size.gcda original.gcda 3
  frame ../escape.gcda original.gcda
  frame cut.gcda original.gcda >cut.frame
  head -n 2 cut.frame
  printf 'GCDA-BEGIN aborted.gcda 8\nGCDA-ABORT aborted.gcda\n'
  frame last.gcda original.gcda >last.frame
  head -n 2 last.frame
} >bad.log
rc=0
"$EXTRACT" bad.log bad 2>bad.err || rc=$?
[[ $rc == 1 ]] || fail "bad frames: exit status $rc, expected 1"
for f in bad-crc bad-size escape cut aborted last; do
  [[ ! -e bad/$f.gcda && ! -e $f.gcda ]] || fail "$f.gcda was written"
done
for why in "CRC-32 mismatch" "bytes, the frame says 3" "leave the output folder" \
           "cut short by the next frame" "the kernel aborted" "the log ends inside"; do
  grep -q "$why" bad.err || fail "no report of: $why ($(cat bad.err))"
done
echo "gcov-extract-test: passed"
