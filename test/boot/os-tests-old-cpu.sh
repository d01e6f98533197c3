#!/usr/bin/env bash
# test/boot/os-tests-old-cpu.sh: an in-OS test image (test/boot/os_tests.sh, every program's
# result; ctest gives it the checking kernel's) on QEMU's qemu64 CPU model, which has none of
# what the default `-cpu max` gives: no SMEP, SMAP, UMIP, PCID, RDRAND, RDSEED, RDTSCP, x2APIC,
# TSC deadline or 1 GiB pages, and an AMD vendor string. The kernel detects each feature at boot and has a path for its absence
# (user copies' STAC/CLAC made NOPs, the random source without RDRAND or RDSEED, address spaces
# without PCIDs, CR4 without SMEP and UMIP; in the test programs, CPU numbers without RDTSCP);
# the default images never take those paths, this one takes them all.
#
# After the boot passes, the kernel's own lines must show that it did: its feature line with
# every one of those off, and the lines of the fallbacks that announce themselves. A later QEMU
# whose qemu64 gains a feature fails here rather than testing less without a word.
#
# Usage: os-tests-old-cpu.sh --iso ISO --log LOG --expect-file FILE
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
iso='' log='' expect=''
while (($#)); do
  case $1 in
    --iso) iso=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --expect-file) expect=$2; shift 2 ;;
    *) echo "os-tests-old-cpu: unknown argument $1" >&2; exit 2 ;;
  esac
done
bash "$HERE/os_tests.sh" --iso "$iso" --log "$log" --expect-file "$expect" --cpus 4 --mem 2G \
  --qemu-arg "-cpu qemu64" || exit 1
fail=0
# grep reads the whole log (no -q): under pipefail, a grep -q that stops at an early match makes
# tr die of SIGPIPE on a log past the pipe's 64 KiB, and the pipeline then reads as no match.
need() {
  if ! tr -d '\r' <"$log" | grep -E "$1" >/dev/null; then
    echo "os-tests-old-cpu: FAIL: no kernel line matches: $1" >&2
    fail=1
  fi
}
need '^cpu: nx=1 smep=0 smap=0 umip=0 pcid=0 rdrand=0 rdseed=0 x2apic=0 tsc_deadline=0 invariant_tsc=0 1g_pages=0$'
need '^usercopy: no SMAP: [0-9]+ stac/clac sites made NOPs$'
need '^random: no RDSEED/RDRAND'
need '^\[Hal\] os_hal: no RDTSCP: IA32_TSC_AUX read: '
((fail == 0)) || exit 1
echo "os-tests-old-cpu: every program passed on a CPU without the optional features"
