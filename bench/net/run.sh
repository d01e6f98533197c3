#!/usr/bin/env bash
# bench/net/run.sh: one run of the network benchmark (docs/benchmarks.md, "The network rows"):
# boot a guest whose server is bench/net/http_bench_server.c under the benchmark's icount
# settings with QEMU's user network, drive it from the host (bench/net/drive.py) through two
# forwards on 127.0.0.1, and keep the serial log. Exits 0 when the driver passed and the log holds
# "BENCH-END <system>" and no BENCH-ERROR line (nor PANIC/EXCEPTION for Bastion).
#
# Usage: bench/net/run.sh --system linux|bastion --image FILE --log FILE [--short]
#                         [--timeout SECONDS] [--kernel VMLINUZ]
#   --system linux    FILE is the initramfs (target bench-linux-net-initramfs), booted with
#                     Debian's cloud kernel (default: the newest /boot/vmlinuz-*-cloud-amd64);
#                     its NIC is virtio-net (the kernel has no e1000 driver)
#   --system bastion  FILE is bastion-bench-net.iso (target iso-bench-net); its NIC is the e1000
#                     behind the Intel IOMMU, as in every Bastion network image
#   --short           fewer samples (the ctest): quiet windows of 0.1 and 0.6 s, 3 batches of
#                     10 GETs, 1 transfer of 1 MiB; default: quiet windows of 0.2 and 2 s, 5
#                     batches of 100 GETs, 3 transfers of 8 MiB (bench/net/drive.py)
#
# Both guests: q35 with the Intel IOMMU (Linux leaves it off: CONFIG_INTEL_IOMMU_DEFAULT_ON is
# not set), 10.0.2.15 on QEMU's user network, restrict=on (the guest reaches nothing outside),
# hostfwd from two free ports of 127.0.0.1 to the guest's ports 80 and 5001. icount as every
# benchmark run (bench/lib/icount.sh) except sleep=on: while the guest halts waiting for the host,
# virtual time follows the host's clock instead of jumping from one timer deadline to the next,
# so the guest's timer interrupts during those waits come at their nominal rate and not as fast
# as the host can emulate them (each of them would count as busy instructions of the request).
# Busy instructions are unaffected: one instruction is still one tick.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BENCH_ICOUNT_SLEEP=${BENCH_ICOUNT_SLEEP:-on}
source "$ROOT/bench/lib/icount.sh"
source "$ROOT/scripts/lib/qemu.sh"   # bastion_qemu_stop

system='' image='' log='' short=0 timeout_s=900 kernel=''
while (($#)); do
  case $1 in
    --system) system=$2; shift 2 ;;
    --image) image=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --short) short=1; shift ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    *) echo "bench-net: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[[ $system == linux || $system == bastion ]] || { echo "bench-net: --system linux|bastion" >&2; exit 2; }
[[ -n $image && -n $log ]] || { echo "bench-net: --image and --log are required" >&2; exit 2; }
[[ -r $image ]] || { echo "bench-net: no image at $image" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench-net: python3 is needed" >&2; exit 1; }

if ((short)); then
  drive_args=(--batches 3 --requests 10 --warmup 3 --quiet 0.1 0.6 --transfers 1
              --bulk-bytes $((1 << 20)))
else
  drive_args=(--batches 5 --requests 100 --warmup 10 --quiet 0.2 2.0 --transfers 3
              --bulk-bytes $((8 << 20)))
fi

# Two free TCP ports of 127.0.0.1 (another program may take one before QEMU binds it: QEMU then
# fails at start, which the log says).
read -r port bulk_port < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])
for s in ss: s.close()')
netdev="user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:80,hostfwd=tcp:127.0.0.1:$bulk_port-:5001"
machine=(-machine q35 -device intel-iommu,intremap=off -netdev "$netdev")

case $system in
  linux)
    if [[ -z $kernel ]]; then
      kernel=$(ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1 || true)
    fi
    [[ -n $kernel && -r $kernel ]] || { echo "bench-net: no readable /boot/vmlinuz-*-cloud-amd64" >&2; exit 1; }
    guest=(-kernel "$kernel" -initrd "$image" -append "console=ttyS0 quiet panic=-1"
           -device virtio-net-pci,netdev=n0)
    ;;
  bastion)
    guest=(-cdrom "$image" -boot d -device e1000,netdev=n0,addr=0x4,mac=52:54:00:12:34:56)
    ;;
esac

mkdir -p "$(dirname "$log")"
: >"$log"
qpid=''
trap 'bastion_qemu_stop "$qpid"' EXIT
timeout --kill-after=5 "$timeout_s" "$BENCH_QEMU" "${BENCH_QEMU_ARGS[@]}" "${machine[@]}" "${guest[@]}" \
  -serial "file:$log" </dev/null 2>"$log.qemu.txt" &
qpid=$!

status=0
if ! python3 "$HERE/drive.py" --port "$port" --bulk-port "$bulk_port" "${drive_args[@]}" \
       --ready-timeout "$timeout_s" --qemu-pid "$qpid"; then
  status=1
fi
# The guest prints its BENCH lines on /report, then BENCH-END: wait for it (or QEMU's end).
for _ in $(seq 1 120); do
  bench_text "$log" | grep "^BENCH-END $system" >/dev/null && break
  kill -0 "$qpid" 2>/dev/null || break
  sleep 0.5
done
bastion_qemu_stop "$qpid" || true
qpid=''
if bench_text "$log" | grep -E '^BENCH-ERROR' >&2 || tr -d '\r' <"$log" | grep -E '^(PANIC|EXCEPTION)' >&2; then
  status=1
fi
if ! bench_text "$log" | grep "^BENCH-END $system" >/dev/null; then
  echo "bench-net: no 'BENCH-END $system' in $log; its end:" >&2
  tail -n 20 "$log" | tr -d '\r' >&2
  cat "$log.qemu.txt" >&2 2>/dev/null || true
  exit 1
fi
exit "$status"
