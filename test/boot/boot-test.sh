#!/usr/bin/env bash
# test/boot/boot-test.sh: boot a Bastion ISO headless in QEMU and judge its serial log.
#
# Usage: boot-test.sh --iso ISO --log LOG [--name NAME] [--firmware bios|uefi] [--cpus N]
#                     [--mem SIZE] [--timeout SECONDS] [--accel tcg|kvm] [--machine pc|q35]
#                     [--device QEMU_DEVICE]...
#                     [--expect boot|fault] [--elf KERNEL_ELF]
#                     [--require REGEX]... [--forbid REGEX]... [--grace SECONDS]
#
# --expect boot (default): passes only when the log shows "Bastion ready: N CPUs online" and
#   "cpu i online" for i in 0..N-1 before the timeout, with no line starting with PANIC or
#   EXCEPTION (scripts/lib/bootlog.sh holds that rule).
# --require / --forbid (with --expect boot): extended regular expressions over the log's plain
#   lines; every --require must match some line and no --forbid may match any, or the test fails
#   (required lines may come after the ready line: they get --grace seconds, default 5).
# --expect fault: the ISO's kernel faults on purpose. Passes only when the same rule calls the
#   boot a FAILURE because of an EXCEPTION line, and the report names a page fault (vector 14),
#   shows CR2, and symbolizes an address with a function of KERNEL_ELF.
#
# QEMU runs under `timeout` and is ended by its own PID (from -pidfile) on every exit path; the
# serial log stays at LOG (QEMU's own stderr at LOG.qemu.txt) for a person to read.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$ROOT/scripts/lib/qemu.sh"
source "$ROOT/scripts/lib/bootlog.sh"

iso='' log='' name='' firmware=bios cpus=4 mem=256M timeout_s=180 accel=tcg expect=boot elf=''
machine=pc requires=() forbids=() grace=5
BASTION_BOOT_EXTRA_ARGS=() # --device: each adds a QEMU -device (scripts/lib/qemu.sh)
while (($#)); do
  case $1 in
    --iso) iso=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --firmware) firmware=$2; shift 2 ;;
    --cpus) cpus=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --accel) accel=$2; shift 2 ;;
    --machine) machine=$2; shift 2 ;;
    --device) BASTION_BOOT_EXTRA_ARGS+=(-device "$2"); shift 2 ;;
    --require) requires+=("$2"); shift 2 ;;
    --forbid) forbids+=("$2"); shift 2 ;;
    --grace) grace=$2; shift 2 ;;
    --expect) expect=$2; shift 2 ;;
    --elf) elf=$2; shift 2 ;;
    *) echo "boot-test: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -n $iso && -n $log ]] || { echo "boot-test: --iso and --log are required" >&2; exit 2; }
[[ $expect == boot || $expect == fault ]] || { echo "boot-test: --expect boot|fault" >&2; exit 2; }
name=${name:-boot-$firmware}

fail() {
  echo "FAIL $name: $*"
  if [[ -s $log ]]; then
    echo "---- last 40 lines of the serial log ----"
    bastion_log_text "$log" | tail -n 40
    echo "-----------------------------------------"
  fi
  [[ -s $log.qemu.txt ]] && { echo "QEMU said:"; head -n 20 "$log.qemu.txt"; }
  echo "serial log: $log"
  exit 1
}

[[ -r $iso ]] || fail "ISO not found: $iso (build it with scripts/build)"
echo "$name: booting $iso ($firmware, -machine $machine, $accel, -smp $cpus, -m $mem, up to ${timeout_s}s)"
bastion_boot_start "$name" "$iso" "$log" "$firmware" "$accel" "$machine" "$cpus" "$mem" "$timeout_s" ||
  fail "$BASTION_BOOT_ERROR"

start=$SECONDS
exited=0
while :; do
  bastion_classify_log "$log" "$cpus"
  [[ $BASTION_VERDICT != pending ]] && break
  if ! kill -0 "$BASTION_BOOT_PID" 2>/dev/null; then
    exited=1
    bastion_classify_log "$log" "$cpus"
    break
  fi
  ((SECONDS - start >= timeout_s)) && break
  sleep 0.2
done
elapsed=$((SECONDS - start))

# A failing kernel goes on printing its report (registers, backtrace) after the first line;
# let it finish (the log stops growing, or QEMU stops) so the log and our checks see all of it.
if [[ $BASTION_VERDICT == fail ]]; then
  last=-1
  for ((i = 0; i < 50; i++)); do
    size=$(stat -c %s "$log")
    [[ $size == "$last" ]] && break
    kill -0 "$BASTION_BOOT_PID" 2>/dev/null || break
    last=$size
    sleep 0.3
  done
fi

# extra_checks: the --require and --forbid lines; sets extra_missing / extra_found.
extra_checks() {
  local text re
  text=$(bastion_log_text "$log")
  extra_missing=() extra_found=()
  for re in "${requires[@]}"; do grep -qE -- "$re" <<<"$text" || extra_missing+=("$re"); done
  for re in "${forbids[@]}"; do grep -qE -- "$re" <<<"$text" && extra_found+=("$(grep -m1 -E -- "$re" <<<"$text")"); done
}

if [[ $expect == boot ]]; then
  if [[ $BASTION_VERDICT == pass ]]; then
    for ((i = 0; i < grace * 5; i++)); do
      extra_checks
      ((${#extra_missing[@]} == 0 && ${#extra_found[@]} == 0)) && break
      ((${#extra_found[@]})) && break
      sleep 0.2
    done
    ((${#extra_found[@]} == 0)) || fail "forbidden line: ${extra_found[0]}"
    ((${#extra_missing[@]} == 0)) || fail "booted, but no line matches: ${extra_missing[*]}"
    ((${#requires[@]} == 0)) || BASTION_REASON+="; ${#requires[@]} required lines present"
  fi
  case $BASTION_VERDICT in
    pass) echo "PASS $name: $BASTION_REASON (${elapsed}s); serial log: $log"; exit 0 ;;
    fail) fail "$BASTION_REASON (${elapsed}s)" ;;
    *)
      if ((exited)); then
        fail "QEMU exited after ${elapsed}s before the boot finished (triple fault or power-off?): $BASTION_REASON"
      fi
      fail "timeout after ${timeout_s}s: $BASTION_REASON"
      ;;
  esac
fi

# --expect fault: the boot must be judged a failure, by an EXCEPTION line, with a readable report.
[[ $BASTION_VERDICT == fail ]] ||
  fail "the deliberate fault was not recognised as a failure (verdict: $BASTION_VERDICT: $BASTION_REASON)"
report=$(bastion_log_text "$log" | sed -n '/^EXCEPTION/,$p')
[[ -n $report ]] || fail "no line starting with EXCEPTION (boot failed for another reason: $BASTION_REASON)"
grep -qiE 'page fault|#PF|vector[ :=]*14([^0-9]|$)' <<<"$report" ||
  fail "the exception report does not name a page fault (vector 14)"
grep -q 'CR2' <<<"$report" || fail "the exception report does not show CR2"

# Symbolized: some line pairs a hex address with the name of a function of the kernel.
sym=
if [[ -n $elf ]]; then
  [[ -r $elf ]] || fail "kernel ELF not found: $elf"
  declare -A funcs=()
  while read -r _ type fn; do
    [[ $type == [TtWw] ]] && funcs[$fn]=1
  done < <(nm --defined-only "$elf" 2>/dev/null)
  ((${#funcs[@]})) || fail "no function symbols in $elf"
  while IFS= read -r line; do
    [[ $line =~ 0x[0-9a-fA-F]+ ]] || continue
    for w in $(grep -oE '[A-Za-z_][A-Za-z0-9_.]*' <<<"$line"); do
      if [[ -n ${funcs[$w]-} ]]; then sym=$w; break 2; fi
    done
  done <<<"$report"
else
  sym=$(grep -oE '[A-Za-z_][A-Za-z0-9_]*\+0x[0-9a-fA-F]+' <<<"$report" | head -n1)
fi
[[ -n $sym ]] || fail "the exception report has no symbolized address (no kernel function name next to an address)"

echo "---- exception report ----"
head -n 60 <<<"$report"
echo "--------------------------"
echo "PASS $name: deliberate fault judged a failure ($BASTION_REASON); report names a page fault, CR2 and function '$sym' (${elapsed}s); serial log: $log"
exit 0
