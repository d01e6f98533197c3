#!/usr/bin/env bash
# bench/bastion/scale.sh: how Bastion's costs grow, in the guest (docs/benchmarks.md, "How cost
# grows"). Boots the scale images under the benchmark's icount settings with 1 GiB of memory
# (1,000 processes need it) and prints one table:
#   bastion-bench-scale.iso              a monitored core call on the newest of 10 and 1,000
#                                        handles; core_call and ipc_rtt with 10, 100 and 1,000
#                                        live processes (bench_scale)
#   bastion-bench-scale-rules<N>.iso     core_call and ipc_rtt decided from the benchmark policy
#                                        with N = 1,000 and 10,000 more rules
# Exits 1 when a run does not end cleanly or a row has no number. Whether a number is flat is
# for the reader (the table), never checked here: targets live in the benchmark's docs.
#
# Usage: bench/bastion/scale.sh --build-dir DIR --out DIR [--quick] [--timeout SECONDS]
#   --quick   the ctest run: without the image of 1,000 more rules (10,000 covers its path)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$ROOT/bench/lib/icount.sh" # bench_text

build='' out='' quick=0 timeout_s=600
while (($#)); do
  case $1 in
    --build-dir) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --timeout) timeout_s=$2; shift 2 ;;
    *) echo "bench-scale: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[[ -n $build && -n $out ]] || { echo "bench-scale: --build-dir and --out are required" >&2; exit 2; }
mkdir -p "$out"

rules_sets=(1000 10000)
((quick)) && rules_sets=(10000)
status=0
printf '%-36s %10s  %s\n' row ticks policy

# scale_image ISO ROWS...: boots ISO and prints each row's median with the policy's size.
scale_image() {
  local iso=$1 log
  shift
  log=$out/$(basename "$iso" .iso).log
  # run.sh's own messages (and QEMU's when it is stopped) are shown only when the run failed.
  if ! BENCH_MEM=1G "$HERE/run.sh" --iso "$iso" --log "$log" --end "BENCH-END scale" \
       --timeout "$timeout_s" >"$log.out" 2>&1; then
    cat "$log.out" >&2
    echo "bench-scale: $(basename "$iso") did not end cleanly (log: $log)" >&2
    status=1
  fi
  local policy
  policy=$(bench_text "$log" | sed -nE 's/.*deciding from a policy of ([0-9]+ classes and [0-9]+ rules).*/\1/p' | head -n 1)
  local row ticks
  for row in "$@"; do
    ticks=$(bench_text "$log" | sed -nE "s/^BENCH $row median=([0-9]+) .*/\\1/p" | head -n 1)
    printf '%-36s %10s  %s\n' "$row" "${ticks:-n/a}" "${policy:-?}"
    [[ -n $ticks ]] || status=1
  done
}

scale_image "$build/bastion-bench-scale.iso" \
  scale_handle_call_handles10 scale_handle_call_handles1000 \
  scale_core_call_procs10 scale_core_call_procs100 scale_core_call_procs1000 \
  scale_ipc_rtt_procs10 scale_ipc_rtt_procs100 scale_ipc_rtt_procs1000
for n in "${rules_sets[@]}"; do
  scale_image "$build/bastion-bench-scale-rules$n.iso" \
    "scale_core_call_extra_rules$n" "scale_ipc_rtt_extra_rules$n"
done
exit "$status"
