#!/usr/bin/env bash
# test/bench/bench-net-test.sh ROOT SYSTEM IMAGE LOG: a short run of the network benchmark
# (bench/net/run.sh --short: 3 batches of 10 GETs and one 1 MiB transfer, QEMU bounded and ended
# by its PID) on SYSTEM (linux: IMAGE is bench-linux-net-initramfs.cpio; bastion:
# bastion-bench-net.iso). Passes when the host's driver saw every answer right and every row of
# run "net" in bench/report/operations.tsv printed "BENCH <name> median=<n> min=<n> n=<n>" with
# a median above 0. Whether a number is fast is never checked (docs/benchmarks.md).
set -euo pipefail
root=$1 system=$2 image=$3 log=$4
source "$root/bench/lib/icount.sh" # bench_text: the log without the kernel's process markers
case $system in
  linux|bastion) ;;
  *) echo "bench-net-test: SYSTEM must be linux or bastion, not '$system'" >&2; exit 2 ;;
esac
if [[ $system == linux ]] && ! ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1; then
  echo "FAIL: Debian's cloud kernel is not installed (run 'scripts/bench --install-deps' as root)" >&2
  exit 1
fi

"$root/bench/net/run.sh" --system "$system" --image "$image" --log "$log" --short --timeout 200 || {
  echo "FAIL: the $system network benchmark run did not complete cleanly (serial log: $log)" >&2
  exit 1
}

missing=0 found=0
while IFS=$'\t' read -r bastion linux _ _ run; do
  [[ $run == net ]] || continue
  name=$bastion
  [[ $system == linux ]] && name=$linux
  [[ -z $name || $name == - ]] && continue
  if line=$(bench_text "$log" | grep -E "^BENCH $name median=[1-9][0-9]* min=[0-9]+ n=[0-9]+\$"); then
    echo "ok: $line"
    found=$((found + 1))
  else
    echo "FAIL: no number for $system operation '$name' in $log" >&2
    missing=$((missing + 1))
  fi
done < <(grep -v '^#' "$root/bench/report/operations.tsv")
((found > 0)) || { echo "FAIL: operations.tsv named no network row for $system" >&2; exit 1; }
echo "$found passed, $missing failed"
((missing == 0))
