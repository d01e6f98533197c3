#!/usr/bin/env bash
# bench/linux/run.sh: boot Debian's cloud kernel with the benchmark initramfs under icount and
# keep the serial log. Exits 0 when the log holds "BENCH-END linux" and no "BENCH-ERROR" line.
#
# Usage: bench/linux/run.sh --initramfs FILE --log FILE [--iters N] [--timeout SECONDS]
#                           [--kernel VMLINUZ]
#   --iters     samples per operation (scaled per operation; default 1000)
#   --timeout   wall-clock bound for QEMU (default 900); QEMU is ended by its PID after that
#   --kernel    default: the newest /boot/vmlinuz-*-cloud-amd64 (package linux-image-cloud-amd64)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$ROOT/bench/lib/icount.sh"
source "$ROOT/scripts/lib/qemu.sh"   # bastion_qemu_stop

initramfs='' log='' iters=1000 timeout_s=900 kernel=''
while (($#)); do
  case $1 in
    --initramfs) initramfs=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --iters) iters=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    *) echo "bench-linux: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[[ -n $initramfs && -n $log ]] || { echo "bench-linux: --initramfs and --log are required" >&2; exit 2; }
[[ $iters =~ ^[1-9][0-9]*$ ]] || { echo "bench-linux: --iters needs a positive number" >&2; exit 2; }
[[ -r $initramfs ]] || { echo "bench-linux: no initramfs at $initramfs" >&2; exit 1; }

# bench_linux_kernel: print the newest cloud kernel's path, or nothing.
if [[ -z $kernel ]]; then
  kernel=$(ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [[ -z $kernel || ! -r $kernel ]]; then
  echo "bench-linux: Debian's cloud kernel is not installed (no readable /boot/vmlinuz-*-cloud-amd64);" \
       "install package linux-image-cloud-amd64 (scripts/bench --install-deps does)" >&2
  exit 1
fi

mkdir -p "$(dirname "$log")"
: >"$log"
qpid=''
trap 'bastion_qemu_stop "$qpid"' EXIT
# quiet: fewer boot messages on the serial line; panic=-1: if init ever dies, reboot, which
# -no-reboot turns into QEMU exiting instead of hanging until the timeout.
timeout --kill-after=5 "$timeout_s" "$BENCH_QEMU" "${BENCH_QEMU_ARGS[@]}" \
  -kernel "$kernel" -initrd "$initramfs" \
  -append "console=ttyS0 quiet panic=-1 BENCH_ITERS=$iters" \
  -serial "file:$log" </dev/null &
qpid=$!
rc=0
wait "$qpid" || rc=$?
qpid=''
if ((rc == 124 || rc == 137)); then
  echo "bench-linux: QEMU did not finish within ${timeout_s}s (log: $log)" >&2
fi
if bench_lines "$log" | grep '^BENCH-ERROR ' >/dev/null; then
  bench_lines "$log" | grep '^BENCH-ERROR ' >&2
  exit 1
fi
if ! bench_lines "$log" | grep '^BENCH-END linux' >/dev/null; then
  echo "bench-linux: no 'BENCH-END linux' in $log (QEMU exit status $rc); its end:" >&2
  tail -n 20 "$log" | tr -d '\r' >&2
  exit 1
fi
exit 0
