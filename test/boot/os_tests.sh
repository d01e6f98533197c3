#!/usr/bin/env bash
# test/boot/os_tests.sh: boot the in-OS test image (bastion-os-tests.iso: init=einit_test) and
# check the result line of every in-OS test program (test/os/).
#
# Usage: os_tests.sh --iso ISO --log LOG --expect-file FILE [--cpus N] [--mem SIZE]
#                    [--timeout SECONDS] [--accel tcg|kvm] [--firmware bios|uefi] [--collect]
#                    [--machine pc|q35|MACHINE-OPTIONS] [--qemu-arg "ARGS"]...
#
# --machine is QEMU's -machine value (default pc); each --qemu-arg adds its words to QEMU's
# command line (split at spaces: "-device intel-iommu,intremap=off"), for the driver image's
# devices (test/os/drivers.yaml).
# Passes when, for every name in FILE (one a line, '#' comments), the serial log has a process's
# line "[<task>] <name>: N passed, 0 failed" with N > 0, and no line starts with PANIC. A FILE
# line "re:<extended regex>" instead needs some log line to match the regex (the demo's output);
# "not:<extended regex>" needs no line to match it, ever (forged kernel lines), and a line
# "no:<extended regex>" fails the test at once when a log line matches it. Process output
# is marked by the kernel: each of its lines starts with "[<task>] " and no kernel line does
# (kern/console/console.h, scripts/lib/bootlog.sh), so a regex anchored "^kss:" means the
# kernel's line. Fails at once on a PANIC line or a "<name>: N passed, M failed" line with M > 0
# (after collecting the others), and on timeout, naming the tests whose line is missing.
# Also fails when the kernel came up ("Bastion ready") but no Einit line ("[Einit] einit: ...")
# followed within --einit-wait seconds, so a kernel that stops starting user processes is caught
# early.
#
# --collect: this boot only collects the log, and a ctest per program judges its results from it
# (os_result.sh, ctests os/<program>): the boot passes once every expected line is there, and
# fails only on what breaks the whole boot (PANIC, a "no:" line, no Einit, timeout or a missing
# line), not on a program's "M failed" or a "not:" line, which its own ctest reports by name.
#
# QEMU runs under `timeout` and is ended by its own PID on every exit path.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$ROOT/scripts/lib/qemu.sh"
source "$ROOT/scripts/lib/bootlog.sh"

iso='' log='' expect_file='' cpus=4 mem=512M timeout_s=300 accel=tcg firmware=bios einit_wait=30 collect=0
machine=pc
BASTION_BOOT_EXTRA_ARGS=()
while (($#)); do
  case $1 in
    --iso) iso=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --expect-file) expect_file=$2; shift 2 ;;
    --cpus) cpus=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --accel) accel=$2; shift 2 ;;
    --firmware) firmware=$2; shift 2 ;;
    --einit-wait) einit_wait=$2; shift 2 ;;
    --collect) collect=1; shift ;;
    --machine) machine=$2; shift 2 ;;
    --qemu-arg) read -ra words <<<"$2"; BASTION_BOOT_EXTRA_ARGS+=("${words[@]}"); shift 2 ;;
    *) echo "os_tests: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -n $iso && -n $log && -n $expect_file ]] || { echo "os_tests: --iso, --log and --expect-file are required" >&2; exit 2; }
[[ -r $iso ]] || { echo "FAIL os-tests: ISO not found: $iso"; exit 1; }
mapfile -t names < <(sed -E -e '/^(re|not):/!s/#.*//' -e '/^(re|not):/!s/[[:space:]]//g' "$expect_file" | grep -v '^$' | grep -v '^no:')
mapfile -t forbid_now < <(sed -n 's/^no://p' "$expect_file")
((${#names[@]})) || { echo "FAIL os-tests: no test names in $expect_file"; exit 1; }

summary() {
  local text=$1 n line
  echo "---- in-OS test results ----"
  for n in "${names[@]}"; do
    if [[ $n == re:* ]]; then
      line=$(grep -m1 -E -- "${n#re:}" <<<"$text")
      echo "${line:-(no line matches ${n#re:})}"
      continue
    fi
    if [[ $n == not:* ]]; then
      line=$(grep -m1 -E -- "${n#not:}" <<<"$text")
      echo "${line:+FORBIDDEN LINE: $line}"
      continue
    fi
    line=$(grep -m1 -E "$BASTION_USER_LINE$n: [0-9]+ passed, [0-9]+ failed" <<<"$text")
    echo "${line:-$n: (no result line)}"
  done
  echo "---- FAIL lines ----"
  grep -E ': FAIL' <<<"$text" | head -n 60
  echo "---- Einit ----"
  grep -E "$BASTION_EINIT_LINE" <<<"$text" | head -n 60
  echo "--------------------"
  echo "serial log: $log"
}

echo "os-tests: booting $iso ($firmware, $accel, -machine $machine, -smp $cpus, -m $mem${BASTION_BOOT_EXTRA_ARGS[*]:+, ${BASTION_BOOT_EXTRA_ARGS[*]}}, up to ${timeout_s}s)"
bastion_boot_start os-tests "$iso" "$log" "$firmware" "$accel" "$machine" "$cpus" "$mem" "$timeout_s" ||
  { echo "FAIL os-tests: $BASTION_BOOT_ERROR"; exit 1; }

start=$SECONDS
ready_at=
verdict=pending reason=
while :; do
  text=$(bastion_log_text "$log")
  bad=$(grep -m1 -E '^PANIC' <<<"$text")
  if [[ -n $bad ]]; then verdict=fail reason="kernel reported: $bad"; break; fi
  for f in "${forbid_now[@]}"; do
    bad=$(grep -m1 -E -- "$f" <<<"$text")
    [[ -z $bad ]] || break
  done
  if [[ -n $bad ]]; then verdict=fail reason="forbidden line: $bad"; break; fi
  if [[ -z $ready_at ]] && grep -qE 'Bastion ready: [0-9]+ CPUs online' <<<"$text"; then ready_at=$SECONDS; fi
  if [[ -n $ready_at ]] && ! grep -qE "$BASTION_EINIT_LINE" <<<"$text" && ((SECONDS - ready_at >= einit_wait)); then
    verdict=fail reason="the kernel is up but started no Einit within ${einit_wait}s"
    break
  fi
  missing=() failed=() forbidden=
  for n in "${names[@]}"; do
    if [[ $n == re:* ]]; then
      grep -qE -- "${n#re:}" <<<"$text" || missing+=("$n")
      continue
    fi
    if [[ $n == not:* ]]; then
      line=$(grep -m1 -E -- "${n#not:}" <<<"$text")
      [[ -n $line ]] && forbidden="a line matches ${n#not:}: $line"
      continue
    fi
    line=$(grep -m1 -E "$BASTION_USER_LINE$n: [0-9]+ passed, [0-9]+ failed" <<<"$text")
    if [[ -z $line ]]; then missing+=("$n"); continue; fi
    [[ $line =~ :\ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]
    np=${BASH_REMATCH[1]} nf=${BASH_REMATCH[2]}
    if ((np == 0)); then failed+=("$n"); continue; fi
    if ((nf > 0)); then failed+=("$n"); fi
  done
  if [[ -n $forbidden ]] && ((!collect)); then verdict=fail reason=$forbidden; break; fi
  if ((${#missing[@]} == 0)); then
    if ((${#failed[@]})) && ((!collect)); then verdict=fail reason="failed: ${failed[*]}"; else verdict=pass; fi
    break
  fi
  if ! kill -0 "$BASTION_BOOT_PID" 2>/dev/null; then verdict=fail reason="QEMU stopped; no result from: ${missing[*]}"; break; fi
  if ((SECONDS - start >= timeout_s)); then
    verdict=fail reason="timeout after ${timeout_s}s; no result from: ${missing[*]}"
    ((${#failed[@]})) && reason+="; failed: ${failed[*]}"
    break
  fi
  sleep 0.5
done
elapsed=$((SECONDS - start))
text=$(bastion_log_text "$log")
case $verdict in
  pass)
    summary "$text"
    if ((collect)); then
      echo "PASS os-tests: ${#names[@]} expected results collected (${elapsed}s); each program is judged by its ctest os/<program>${failed[*]:+, these failed: ${failed[*]}}${forbidden:+; $forbidden}"
    else
      echo "PASS os-tests: ${#names[@]} expected results seen, none failed (${elapsed}s)"
    fi
    exit 0 ;;
  *) summary "$text"; echo "FAIL os-tests: $reason (${elapsed}s)"; bastion_log_text "$log" | tail -n 40; exit 1 ;;
esac
