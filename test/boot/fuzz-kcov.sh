#!/usr/bin/env bash
# test/boot/fuzz-kcov.sh: boots the coverage-guided fuzz image (test/os/fuzz-kcov.yaml on the
# coverage kernel) with test/boot/os_tests.sh: both fuzzers (same seed, same 25 s, side by side)
# passed, reached kernel PCs and kept their bystander served, the guided one kept inputs. Then
# the guided fuzzer's count must have grown after its first progress line ("kernel coverage so
# far", 5 s in): its kept and mutated inputs went on finding PCs. The two final counts are
# printed side by side, not compared.
#
# What this proves and what not: that the coverage feedback works end to end (PCs collected per
# call, new ones found, inputs kept and re-run, the count still growing). Not that guidance beats
# random calls: in 25 s on TCG either one comes out ahead from run to run (the threads'
# interleaving is the scheduler's), so one run measures nothing about that.
#
# Usage: fuzz-kcov.sh --iso ISO --log LOG --expect-file FILE
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
iso='' log='' expect=''
while (($#)); do
  case $1 in
    --iso) iso=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --expect-file) expect=$2; shift 2 ;;
    *) echo "fuzz-kcov: unknown argument $1" >&2; exit 2 ;;
  esac
done
bash "$HERE/os_tests.sh" --iso "$iso" --log "$log" --expect-file "$expect" --cpus 2 --timeout 180 ||
  exit 1
pcs() { tr -d '\r' <"$log" | sed -nE "s/^\[[^]]*\] $1: kernel coverage: ([0-9]+) PCs, ([0-9]+) inputs kept$/\1/p" | head -n 1; }
count=$(pcs os_fuzz_count) guided=$(pcs os_fuzz_guided)
echo "fuzz-kcov: random calls reached ${count:-?} kernel PCs, guided ${guided:-?}"
[[ -n $count && -n $guided ]] || { echo "fuzz-kcov: FAIL: a kernel coverage line is missing" >&2; exit 1; }
first=$(tr -d '\r' <"$log" | sed -nE 's/^\[[^]]*\] os_fuzz_guided: kernel coverage so far: ([0-9]+) PCs.*/\1/p' | head -n 1)
[[ -n $first ]] || { echo "fuzz-kcov: FAIL: no progress line of the guided fuzzer" >&2; exit 1; }
if ((guided <= first)); then
  echo "fuzz-kcov: FAIL: the guided fuzzer's count did not grow after 5 s ($first, then $guided)" >&2
  exit 1
fi
echo "fuzz-kcov: the guided fuzzer went from $first PCs after 5 s to $guided"
