#!/usr/bin/env bash
# test/bench/bench-linux-test.sh ROOT INITRAMFS LOG: a short Linux baseline run (5 iterations
# per operation, QEMU bounded to 120 s and ended by its PID); passes when every Linux operation
# of the benchmark program (run "base" in bench/report/operations.tsv) printed
# "BENCH <name> median=<n> min=<n> n=<n>". The network rows: test/bench/bench-net-test.sh.
set -euo pipefail
root=$1 initramfs=$2 log=$3
source "$root/bench/lib/icount.sh" # bench_row_check

if ! ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1; then
  echo "FAIL: Debian's cloud kernel is not installed (no /boot/vmlinuz-*-cloud-amd64) and the" \
       "fixture bench-linux-setup could not install it: run 'scripts/bench --install-deps'" \
       "as root (package linux-image-cloud-amd64)" >&2
  exit 1
fi

"$root/bench/linux/run.sh" --initramfs "$initramfs" --log "$log" --iters 5 --timeout 120 || {
  echo "FAIL: the Linux baseline run did not complete (serial log: $log)" >&2
  exit 1
}

missing=0 found=0
while IFS=$'\t' read -r _ linux _ _ run; do
  [[ -z $linux || $linux == \#* || $linux == linux || $linux == - || $run != base ]] && continue
  if bench_row_check "$log" "$linux" "Linux operation"; then
    found=$((found + 1))
  else
    missing=$((missing + 1))
  fi
done < <(grep -v '^#' "$root/bench/report/operations.tsv" | sort -t$'\t' -k2,2 -u)
((found > 0)) || { echo "FAIL: operations.tsv named no Linux operation" >&2; exit 1; }
echo "$found passed, $missing failed"
((missing == 0))
