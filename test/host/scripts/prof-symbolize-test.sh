#!/usr/bin/env bash
# Host test of scripts/prof-symbolize: a made-up serial log in the profiling Einit's format
# (services/einit/einit_profile.h) over a real ELF file (a small program built here, its
# functions' addresses from nm). The samples of the chosen task are named by the file's symbols
# at the segment's load offset and counted (hottest first, shares), the folded stacks are
# exactly `<task>;[caller;]<function> <count>` (a frames record after a sample gives its caller); a record forged by another process (its "[<task>] "
# mark), a cut record, another pid's samples and a sample outside the segment ([unknown]) are
# not counted as named ones; an unknown task is exit status 1.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
SYM=$ROOT/scripts/prof-symbolize
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "prof-symbolize-test: FAIL: $*" >&2; exit 1; }

cd "$work"
mkdir user
cat >prog.c <<'C'
__attribute__((noinline)) int hot_alpha(int x) { return x * 3 + 1; }
__attribute__((noinline)) int warm_beta(int x) { return x ^ 0x55; }
int main(int argc, char **argv) { (void)argv; return hot_alpha(argc) + warm_beta(argc); }
C
gcc -O1 -fno-pie -no-pie -o user/prog prog.c
addr_of() { nm user/prog | awk -v s="$1" '$3 == s { print $1 }'; }
a=$(addr_of hot_alpha) b=$(addr_of warm_beta)
[[ -n $a && -n $b ]] || fail "nm found no hot_alpha/warm_beta"

# rec KIND PID TID ADDR SIZE OFFSET [CPU]: one record as its 96 hex digits (struct
# bastion_prof_record); a frames record (kind 3) holds its return addresses in TID ADDR ...
# and their count in CPU.
rec() {
  python3 -c 'import struct,sys; k,p,t,a,s,o,c=(int(x,0) for x in (sys.argv[1:] + ["0"])[:7]); print(struct.pack("<HHIQQQQQ",k,c,p,t,a,s,o,0).hex())' "$@"
}
bias=0x7f0000000000
lo=0x$a
seg_addr=$((bias + lo))
{
  echo "[Einit] einit: starting the solution"
  echo "[Einit] @prof1-task 7 Busy prog"
  echo "[Einit] @prof1-task 8 Other prog"
  echo "[Einit] @prof1 $(rec 2 7 5 $seg_addr 0x10000 $lo)"
  for i in 1 2; do echo "[Einit] @prof1 $(rec 1 7 1 $((bias + 0x$a + 1)) $i 0)"; done
  # A sample in hot_alpha called from warm_beta (its return address: just past a byte of it).
  echo "[Einit] @prof1 $(rec 1 7 1 $((bias + 0x$a + 1)) 3 0)"
  echo "[Einit] @prof1 $(rec 3 7 $((bias + 0x$b + 2)) 0 0 0 1)"
  echo "[Einit] @prof1 $(rec 1 7 1 $((bias + 0x$b)) 4 0)"
  echo "[Einit] @prof1 $(rec 1 7 1 $((bias - 0x100)) 5 0)"            # below the segment
  echo "[Untrusted] @prof1 $(rec 1 7 1 $((bias + 0x$b)) 6 0)"         # forged by a process
  echo "[Einit] @prof1 $(rec 1 7 1 $((bias + 0x$b)) 7 0 | cut -c1-50)" # cut by a reset
  echo "[Einit] @prof1 $(rec 1 8 1 $((bias + 0x$b)) 8 0)"             # another pid
  echo "kss: denied something"
} >serial.log

out=$(python3 "$SYM" --log serial.log --process Busy --elf-dir user --folded busy.folded) ||
  fail "exit status $? on a good log"
echo "$out"
grep -q '^profile of Busy (prog, pid 7): 5 samples, 1 with callers$' <<<"$out" || fail "header"
first=$(sed -n 3p <<<"$out")
[[ $first =~ ^\ +60\.0%\ +3\ +hot_alpha$ ]] || fail "hottest line is '$first'"
grep -Eq '^ +20\.0% +1 +warm_beta$' <<<"$out" || fail "warm_beta's share"
grep -Eq '^ +20\.0% +1 +\[unknown\]$' <<<"$out" || fail "the sample outside the segment"
expected=$'Busy;hot_alpha 2\nBusy;[unknown] 1\nBusy;warm_beta 1\nBusy;warm_beta;hot_alpha 1'
[[ $(cat busy.folded) == "$expected" ]] || fail "folded stacks: $(cat busy.folded)"

rc=0
python3 "$SYM" --log serial.log --process Nobody --elf-dir user 2>err.txt || rc=$?
((rc == 1)) || fail "an unknown task gave status $rc"
grep -q 'sampled: Busy, Other' err.txt || fail "the unknown task's message: $(cat err.txt)"
echo "prof-symbolize-test: ok"
