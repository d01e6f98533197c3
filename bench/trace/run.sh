#!/usr/bin/env bash
# bench/trace/run.sh: every instruction of one period of a benchmark loop, named by function.
#
# icount gives a row's total; this says where those instructions are. It boots a benchmark
# image under QEMU (TCG, one CPU, no icount: the instructions are the same) with gdb attached,
# stops at a kernel function the loop calls once a period (by default the kernel's Task.GetPid
# handler, which the core_call row calls and little else does), skips the first hits so the row
# is well under way, records one period (bench/trace/period.py) and names each instruction
# (bench/trace/symbolize.py). One period of core_call takes about a minute.
#
# Usage: bench/trace/run.sh [--iso FILE] [--kernel ELF] [--stop SYMBOL] [--skip N]
#                           [--out FILE] [--runs] [USER_ELF...]
#   --iso     the image (default build/bastion-bench.iso)
#   --kernel  the kernel ELF inside it (default build/kernel.elf)
#   --stop    the kernel symbol to stop at (default GetPid; sys_reply_recv for ipc_rtt, with
#             build/user/bench_echo among the USER_ELFs)
#   --skip    stop at its N-th call (default 400)
#   --out     where the raw trace goes (default build/trace/period.txt)
#   --runs    print functions in the order they ran instead of heaviest first
#   USER_ELF  the programs whose instructions to name (default bench_main and ksm_bench)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$ROOT/scripts/lib/qemu.sh"   # bastion_qemu_stop

iso=$ROOT/build/bastion-bench.iso kernel=$ROOT/build/kernel.elf stop=GetPid skip=400
out=$ROOT/build/trace/period.txt runs='' users=()
while (($#)); do
  case $1 in
    --iso) iso=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --stop) stop=$2; shift 2 ;;
    --skip) skip=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --runs) runs=--runs; shift ;;
    -*) echo "trace: unknown option '$1'" >&2; exit 2 ;;
    *) users+=("$1"); shift ;;
  esac
done
((${#users[@]})) || users=("$ROOT/build/user/bench_main" "$ROOT/build/user/ksm_bench")
for f in "$iso" "$kernel" "${users[@]}"; do
  [[ -r $f ]] || { echo "trace: $f not found (build the target iso-bench first)" >&2; exit 1; }
done
command -v gdb >/dev/null || { echo "trace: gdb not installed (apt-get install gdb)" >&2; exit 1; }
addr=$(nm "$kernel" | awk -v s="$stop" '$3 == s && $2 ~ /^[tT]$/ && !a {a = $1} END {print a}')
[[ -n $addr ]] || { echo "trace: no function '$stop' in $kernel" >&2; exit 1; }

# A free local port for the gdb stub, as the host's own port allocator picks one.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

mkdir -p "$(dirname "$out")"
# The ELFs are named from copies kept beside the trace: a rebuild during a long period must not
# change the symbols its instructions are named by.
elfs=${out%.txt}.elfs
rm -rf "$elfs" && mkdir -p "$elfs"
cp "$kernel" "$elfs/kernel.elf"
kernel=$elfs/kernel.elf
copies=()
for u in "${users[@]}"; do
  cp "$u" "$elfs/" && copies+=("$elfs/$(basename "$u")")
done
users=("${copies[@]}")
qpid=''
trap 'bastion_qemu_stop "$qpid"' EXIT
timeout --kill-after=5 900 qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 256M -display none \
  -monitor none -no-reboot -cdrom "$iso" -boot d -serial "file:${out%.txt}.serial.log" \
  -gdb "tcp:127.0.0.1:$port" -S </dev/null &
qpid=$!
BASTION_TRACE_STOP=$addr BASTION_TRACE_SKIP=$skip BASTION_TRACE_OUT=$out \
  BASTION_TRACE_PORT=$port timeout 900 gdb -q -batch -x "$HERE/period.py" "$kernel" \
  >"${out%.txt}.gdb.log" 2>&1 || true
bastion_qemu_stop "$qpid" || true
qpid=''
grep -q '^# period' "$out" 2>/dev/null ||
  { echo "trace: no period recorded; see ${out%.txt}.gdb.log" >&2; exit 1; }
tail -1 "$out"
python3 "$HERE/symbolize.py" "$out" "$kernel" "${users[@]}" $runs
