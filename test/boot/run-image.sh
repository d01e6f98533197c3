#!/usr/bin/env bash
# test/boot/run-image.sh: the image scripts/run boots carries only what it starts, and its boot
# line cannot choose its monitor. Boots the run image's kernel and ROMFS with ksm=none on the
# boot line (bastion-run-ksm.iso) and checks:
#   - the kernel's ROMFS listing at boot names exactly the files given with --romfs (Einit, the
#     programs of services/einit/init.yaml, the monitor "ksm"; boot/CMakeLists.txt), nothing else;
#   - the kernel says ksm=none is ignored and starts the monitor "ksm";
#   - the demo runs under it (Einit starts all its processes, the untrusted program's attempts
#     are denied by the demo policy).
#
# Usage: run-image.sh --iso ISO --log LOG --romfs "name name ..." [--timeout SECONDS]
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$ROOT/scripts/lib/qemu.sh"
source "$ROOT/scripts/lib/bootlog.sh"

iso='' log='' romfs='' timeout_s=180
while (($#)); do
  case $1 in
    --iso) iso=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --romfs) romfs=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    *) echo "run-image: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -r $iso && -n $log && -n $romfs ]] || { echo "FAIL run-image: --iso (readable), --log and --romfs are required"; exit 1; }

require=(
  '^security: ksm=none ignored: this image.s monitor is fixed; starting "ksm"$'
  '^security: starting the KSM from "ksm" \(pid [0-9]+\)$'
  '^\[Einit\] einit: [0-9]+ of [0-9]+ processes started$'
  '^\[Untrusted\] Untrusted: 9 of 9 attempts were denied, still running$'
)
bastion_boot_start run-image "$iso" "$log" bios tcg pc 4 512M "$timeout_s" ||
  { echo "FAIL run-image: $BASTION_BOOT_ERROR"; exit 1; }
start=$SECONDS
while :; do
  text=$(bastion_log_text "$log")
  missing=()
  for r in "${require[@]}"; do grep -qE -- "$r" <<<"$text" || missing+=("$r"); done
  ((${#missing[@]} == 0)) && break
  if grep -qE '^(PANIC|EXCEPTION)' <<<"$text" || ! kill -0 "$BASTION_BOOT_PID" 2>/dev/null ||
     ((SECONDS - start >= timeout_s)); then
    tail -n 30 <<<"$text"
    echo "FAIL run-image: missing: ${missing[*]}"
    exit 1
  fi
  sleep 0.5
done

# The ROMFS listing: "romfs:   /<name>  <type>, ..." lines, printed before the ready line.
got=$(sed -nE 's|^romfs:   /([^ ]+)  .*|\1|p' <<<"$text" | sort)
want=$(tr ' ' '\n' <<<"$romfs" | sed '/^$/d' | sort)
if [[ $got != "$want" ]]; then
  echo "FAIL run-image: the ROMFS holds other files than the run image should"
  diff <(echo "$want") <(echo "$got") | sed 's/^</  missing:/; s/^>/  extra:  /' | grep -E 'missing|extra'
  exit 1
fi
echo "run-image: ROMFS: $(tr '\n' ' ' <<<"$got")"
grep -E -- "${require[0]}" <<<"$text"
echo "PASS run-image: only what init.yaml starts and its monitor; ksm= on the boot line changed nothing ($((SECONDS - start))s)"
