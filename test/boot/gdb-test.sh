#!/usr/bin/env bash
# test/boot/gdb-test.sh: the debugger test.
#
# Usage: gdb-test.sh --iso ISO --elf KERNEL_ELF --log LOG [--timeout SECONDS]
#                    [--process NAME --program ELF]
#
# Starts QEMU halted at the first instruction with its gdb stub on a random free port (so it can
# run beside other tests), runs gdb in batch mode with the repo's scripts/gdb/bastion.gdb
# (symbols, x86-64, connect, hardware breakpoint on kmain), continues, and passes only when gdb
# stopped in kmain, `bt` shows frame #0 in kmain without errors, and `list` shows kmain's
# source. With --process, gdb goes on (bastion-process NAME ELF) to the user process NAME and
# passes only when it stopped at main of ELF, loaded where ASLR put that process (not at the
# ELF's link address), with frame #0 main at a source line of the program and its source listed.
# gdb's transcript goes to LOG, the guest's serial output to LOG.serial.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$ROOT/scripts/lib/qemu.sh"

iso='' elf='' log='' timeout_s=120 process='' program=''
while (($#)); do
  case $1 in
    --iso) iso=$2; shift 2 ;;
    --elf) elf=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --process) process=$2; shift 2 ;;
    --program) program=$2; shift 2 ;;
    *) echo "gdb-test: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -n $iso && -n $elf && -n $log ]] || { echo "gdb-test: --iso, --elf and --log are required" >&2; exit 2; }

fail() {
  echo "FAIL debugger: $*"
  [[ -s $log ]] && { echo "---- gdb transcript ----"; tail -n 60 "$log"; echo "------------------------"; }
  [[ -s $log.qemu.txt ]] && { echo "QEMU said:"; head -n 20 "$log.qemu.txt"; }
  echo "gdb transcript: $log   serial log: $log.serial"
  exit 1
}

[[ -r $iso ]] || fail "ISO not found: $iso (build it with scripts/build)"
[[ -r $elf ]] || fail "kernel ELF not found: $elf"
[[ -z $process || -r $program ]] || fail "program ELF not found: $program (--process needs --program)"
command -v gdb >/dev/null || fail "gdb is not installed (scripts/deps)"
mkdir -p "$(dirname "$log")"
: >"$log"
workdir=$(mktemp -d "$(dirname "$log")/.debugger.XXXXXX")

tpid=
stop_qemu() {
  local qpid=
  [[ -r $workdir/qemu.pid ]] && qpid=$(<"$workdir/qemu.pid")
  [[ -n $qpid ]] && bastion_qemu_stop "$qpid"
  [[ -n $tpid ]] && bastion_qemu_stop "$tpid"
  tpid=
  rm -f "$workdir/qemu.pid"
}
trap 'stop_qemu; rm -rf "$workdir"' EXIT
trap 'exit 130' INT TERM HUP

# QEMU halted (-S) with the stub on a random port; retry if another process won the port.
port=
for _ in 1 2 3 4 5; do
  port=$(bastion_free_port) || fail "no free TCP port"
  timeout -k 5 $((timeout_s + 15)) "$BASTION_QEMU" -accel tcg -cpu max -smp 1 -m 256M \
    -cdrom "$iso" -boot d -display none -monitor none -serial "file:$log.serial" -no-reboot \
    -gdb "tcp:127.0.0.1:$port" -S -pidfile "$workdir/qemu.pid" </dev/null >"$log.qemu.txt" 2>&1 &
  tpid=$!
  bastion_wait_port "$port" "$tpid" 10 && break
  stop_qemu
  port=
done
[[ -n $port ]] || fail "QEMU's gdb stub did not come up"
echo "debugger: QEMU halted, gdb stub on 127.0.0.1:$port"

# gdb in batch mode: the repo's script connects and sets the kmain breakpoint; then continue to
# it and look around. `timeout` bounds gdb too.
start=$SECONDS
to_process=()
look_at=kmain
if [[ -n $process ]]; then
  to_process=(-ex "bastion-process $process $program")
  look_at=main
fi
BASTION_KERNEL=$elf BASTION_GDB_TARGET=127.0.0.1:$port BASTION_GDB_DIR=$ROOT/scripts/gdb \
  timeout -k 5 "$timeout_s" gdb -nx -batch -x "$ROOT/scripts/gdb/bastion.gdb" \
  -ex 'continue' "${to_process[@]}" \
  -ex 'echo \n==== bt ====\n' -ex 'bt' \
  -ex 'echo \n==== pc ====\n' -ex 'info symbol $pc' \
  -ex 'echo \n==== list ====\n' -ex "list $look_at" \
  -ex 'echo \n==== end ====\n' </dev/null >"$log" 2>&1
rc=$?
elapsed=$((SECONDS - start))
stop_qemu
((rc == 124 || rc == 137)) && fail "gdb timed out after ${timeout_s}s"

# gdb complains ("pc ... in address map, but not in symtab") when an assembler file's DWARF
# compile unit does not cover all of its code (NASM covers one section per file). Those lines
# land in the middle of frames; they are counted (and fail the test below), then removed so the
# frames themselves can be judged too.
dwarf_warnings=$(grep -c 'warning: (\(Internal error\|Error\): pc .* symtab\.)' "$log")
section() {
  sed -n "/^==== $1 ====\$/,/^==== /p" "$log" | sed '1d;$d' |
    perl -0pe 's/warning: \((Internal error|Error): pc [^)\n]*symtab\.\)\n?//g'
}
bt=$(section bt)
pcsym=$(section pc)
src=$(section list)

if [[ -n $process ]]; then
  # "bastion-process: NAME is pid P, loaded at offset 0x...; main at 0x..."
  line=$(grep -m1 "^bastion-process: $process is pid" "$log") ||
    fail "gdb did not find the process $process starting"
  offset=$(sed -E 's/.*loaded at offset (0x[0-9a-f]+|0);.*/\1/' <<<"$line")
  ((offset != 0)) || fail "$process was loaded at its link address (offset 0): ASLR did not move it"
  grep -qE '^Temporary (hardware )?breakpoint [0-9]+, main \(' "$log" ||
    fail "gdb did not report stopping at main of $process"
  grep -qE '^#0 +(0x[0-9a-f]+ in )?main \(.* at [^ ]+\.c:[0-9]+' <<<"$bt" ||
    fail "bt frame #0 is not main at a source line"
  if grep -qE 'Cannot access memory|corrupt stack' <<<"$bt"; then
    fail "bt reports an error"
  fi
  grep -qE '^main(\+[0-9]+)? in section \.text of .*'"$(basename "$program")" <<<"$pcsym" ||
    fail "\$pc is not inside the program's main: $pcsym"
  grep -qE '^[0-9]+[[:space:]].*main' <<<"$src" || fail "list main shows no source line naming main"
else
  grep -qE '^(Hardware assisted )?[Bb]reakpoint 1, .*kmain' "$log" ||
    fail "gdb did not report stopping at the kmain breakpoint"
  grep -qE '^#0 +(0x[0-9a-f]+ in )?kmain \(' <<<"$bt" || fail "bt frame #0 is not kmain"
  grep -qE '^#0 .*at .*main\.c:[0-9]+' <<<"$bt" || fail "bt frame #0 has no source location"
  grep -qE '^#1 +0x[0-9a-f]+ in [A-Za-z_]' <<<"$bt" || fail "bt shows no symbolized caller of kmain (frame #1)"
  if grep -qE 'Backtrace stopped|Cannot access memory|corrupt stack|\?\? \(' <<<"$bt"; then
    fail "bt reports an error or an unsymbolized frame"
  fi
  grep -qE '^kmain(\+[0-9]+)? in section \.text' <<<"$pcsym" || fail "\$pc is not inside kmain: $pcsym"
  grep -qE '^[0-9]+[[:space:]].*kmain' <<<"$src" || fail "list kmain shows no source line naming kmain"
fi

((dwarf_warnings == 0)) ||
  fail "gdb printed $dwarf_warnings warnings 'pc ... not in symtab' (broken DWARF of an .asm file)"

echo "---- bt ----"
echo "$bt"
if [[ -n $process ]]; then
  echo "PASS debugger: stopped at main of $process (${line#bastion-process: }), bt #0 main, source listed (${elapsed}s); transcript: $log"
else
  echo "PASS debugger: stopped at hbreak kmain, bt #0 kmain, source listed (${elapsed}s); transcript: $log"
fi
exit 0
